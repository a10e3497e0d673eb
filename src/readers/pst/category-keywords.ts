/**
 * Outlook categories (PidNameKeywords: the string-named property "Keywords" of PS_PUBLIC_STRINGS, a list of
 * names such as "Red Category" or "Projekt Ü") → IMAP keywords (RFC 3501 §2.3.2 flag-keyword = atom). Called by
 * read-item.ts for every mail item; pure.
 *
 * The mapping is Thunderbird's, so that a category arrives as the keyword Thunderbird itself would use for a tag
 * of that name (nsMsgTagService::AddTag): the characters ` ()/{%*<>\"` become `_` (we add `]` and control
 * characters, RFC 3501 §9 atom-specials Thunderbird does not list), the result is encoded as modified UTF-7
 * (RFC 3501 §5.1.3, so non-ASCII names survive in 7-bit atoms), then lower-cased (Thunderbird does so because a
 * server upper-cased its keys; IMAP keywords are case-insensitive, RFC 9051 §2.3.2). "Red Category" →
 * `red_category`, "Wichtig" → `wichtig`, "Ü" → `&anw-`.
 *
 * Whether the keywords are kept is decided later, per mailbox, like every flag: mapper/flags.ts sends only
 * valid atoms of at most 50 characters (Dovecot's limit) and only where PERMANENTFLAGS has `\*`; the others are
 * dropped and named in the run's warnings (never a failure).
 */

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,';
/** Thunderbird's replaced characters plus `]` and controls (RFC 3501 §9 atom-specials). */
const REPLACED = /[ ()/{%*<>\\"\]\x00-\x1f\x7f]/g;

/** The IMAP keyword for an Outlook category name, or undefined for a blank name. */
export function keywordOfCategory(name: string): string | undefined {
	const trimmed = name.trim();
	if (trimmed === '') return undefined;
	return encodeMutf7(trimmed.replace(REPLACED, '_')).toLowerCase();
}

/** The IMAP keywords of an item's categories, without duplicates, in the item's order. */
export function keywordsOfCategories(names: readonly string[]): string[] {
	const out = new Set<string>();
	for (const name of names) {
		const keyword = keywordOfCategory(name);
		if (keyword !== undefined) out.add(keyword);
	}
	return [...out];
}

/** RFC 3501 §5.1.3 modified UTF-7: printable ASCII stands for itself (`&` as `&-`), the rest as `&`+BASE64+`-`. */
export function encodeMutf7(text: string): string {
	let out = '';
	let units: number[] = [];
	const flush = (): void => {
		if (units.length === 0) return;
		let bits = 0;
		let buffer = 0;
		let encoded = '';
		for (const unit of units) {
			buffer = (buffer << 16) | unit;
			bits += 16;
			while (bits >= 6) {
				bits -= 6;
				encoded += BASE64[(buffer >> bits) & 0x3f];
			}
			buffer &= (1 << bits) - 1;
		}
		if (bits > 0) encoded += BASE64[(buffer << (6 - bits)) & 0x3f];
		out += `&${encoded}-`;
		units = [];
	};
	for (let i = 0; i < text.length; i++) {
		const code = text.charCodeAt(i);
		if (code >= 0x20 && code <= 0x7e) {
			flush();
			out += code === 0x26 ? '&-' : text[i];
		} else {
			units.push(code);
		}
	}
	flush();
	return out;
}
