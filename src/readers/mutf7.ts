/**
 * Modified UTF-7 (IMAP mailbox-name encoding) → Unicode, for folder names found on disk.
 *
 * Contract: `decodeMutf7` is pure and total. It never throws; a name that is not valid modified UTF-7 is
 * returned unchanged. That makes it safe to apply to every on-disk folder name whatever tool wrote it:
 * - pre-2019 Courier and Dovecot (without the UTF8 layout option) store names as modified UTF-7
 *   (`.R&AOk-sum&AOk-` for `Résumé`; courier-libs `maildir/maildirmake.sgml`, protocol.md §3.4);
 * - newer Courier and many fs-layout trees store UTF-8, which arrives here as non-ASCII characters and is
 *   therefore not valid modified UTF-7, so it passes through untouched;
 * - plain names with a stray `&` (`R&D`, `Tom & Jerry`) have no valid shift sequence and pass through too.
 *
 * Format (RFC 3501 §5.1.3): printable US-ASCII 0x20–0x7e except `&` stand for themselves; `&-` is `&`;
 * anything else is `&` + modified BASE64 (RFC 2045 alphabet with `,` instead of `/`, no `=` padding) of its
 * UTF-16BE code units + `-`. Strictness follows the RFC: printable ASCII must not be base64-encoded, padding
 * bits must be zero, and surrogates must pair up; any violation means "not modified UTF-7".
 */

const BASE64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,';

/**
 * Decodes an IMAP modified UTF-7 name (RFC 3501 §5.1.3), e.g. `R&AOk-sum&AOk-` → `Résumé`, `A&-B` → `A&B`.
 * Returns `name` unchanged when it is not valid modified UTF-7 (including names that are already UTF-8 and
 * names with a bare `&`). Pure; safe to call on any string.
 */
export function decodeMutf7(name: string): string {
	let out = '';
	let index = 0;
	while (index < name.length) {
		const code = name.charCodeAt(index);
		// RFC 3501 §5.1.3: only printable US-ASCII may appear literally.
		if (code < 0x20 || code > 0x7e) return name;
		if (code !== 0x26 /* & */) {
			out += name[index];
			index += 1;
			continue;
		}
		const end = name.indexOf('-', index + 1);
		if (end < 0) return name;
		if (end === index + 1) {
			out += '&';
		} else {
			const decoded = decodeShifted(name.slice(index + 1, end));
			if (decoded === undefined) return name;
			out += decoded;
		}
		index = end + 1;
	}
	return out;
}

/** Decodes the modified BASE64 between `&` and `-`; undefined when it is not a valid, minimal encoding. */
function decodeShifted(text: string): string | undefined {
	const units: number[] = [];
	let buffer = 0;
	let bits = 0;
	for (const char of text) {
		const value = BASE64_ALPHABET.indexOf(char);
		if (value < 0) return undefined;
		buffer = ((buffer << 6) | value) & 0xffffff;
		bits += 6;
		if (bits >= 16) {
			bits -= 16;
			units.push((buffer >> bits) & 0xffff);
		}
	}
	// Leftover bits are padding: fewer than one base64 digit, and all zero.
	if (bits >= 6 || (buffer & ((1 << bits) - 1)) !== 0) return undefined;
	if (units.length === 0) return undefined;

	for (let i = 0; i < units.length; i += 1) {
		const unit = units[i] ?? 0;
		// Printable ASCII (and `&`) must be written directly, never encoded.
		if (unit >= 0x20 && unit <= 0x7e) return undefined;
		if (unit >= 0xd800 && unit <= 0xdbff) {
			const next = units[i + 1];
			if (next === undefined || next < 0xdc00 || next > 0xdfff) return undefined;
			i += 1;
		} else if (unit >= 0xdc00 && unit <= 0xdfff) {
			return undefined;
		}
	}
	return String.fromCharCode(...units);
}
