/**
 * The few pieces of IMAP wire syntax that multi-append.ts needs to build an APPEND command itself. imapflow has
 * them, but only in its internal `lib/tools.js`, which is not part of its public API (its exports map exposes
 * it, its README does not, and its signatures change between minor versions); issue #12 item 24 asks us not to
 * import other packages' internals, so we own these small, spec-defined helpers instead, each with its source.
 * Pure functions; never throw.
 */

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,';

/**
 * RFC 3501 §5.1.3 modified UTF-7 of a mailbox name (`Résumé` → `R&AOk-sum&AOk-`, `A&B` → `A&-B`): printable
 * US-ASCII stands for itself, `&` is `&-`, anything else is `&` + modified BASE64 of its UTF-16BE code units + `-`.
 * The inverse of readers/mutf7.ts `decodeMutf7`.
 */
export function encodeMutf7(name: string): string {
	let out = '';
	let pending: number[] = [];
	const flush = (): void => {
		if (pending.length === 0) return;
		const bytes = Buffer.alloc(pending.length * 2);
		pending.forEach((unit, i) => bytes.writeUInt16BE(unit, i * 2));
		let bits = '';
		for (const byte of bytes) bits += byte.toString(2).padStart(8, '0');
		while (bits.length % 6 !== 0) bits += '0';
		out += '&';
		for (let i = 0; i < bits.length; i += 6) out += BASE64[parseInt(bits.slice(i, i + 6), 2)];
		out += '-';
		pending = [];
	};
	for (let i = 0; i < name.length; i++) {
		const unit = name.charCodeAt(i);
		if (unit >= 0x20 && unit <= 0x7e) {
			flush();
			out += unit === 0x26 ? '&-' : name[i];
		} else {
			pending.push(unit);
		}
	}
	flush();
	return out;
}

/**
 * A mailbox name as it goes on the wire: UTF-8 when the session has enabled UTF8=ACCEPT (RFC 6855 §3; imapflow
 * lists what ENABLE turned on in its public `enabled` set), else modified UTF-7 (RFC 3501 §5.1.3). INBOX is
 * case-insensitive (RFC 3501 §5.1) and is sent as `INBOX`.
 */
export function wireMailboxName(name: string, enabled: ReadonlySet<string>): string {
	if (name.toUpperCase() === 'INBOX') return 'INBOX';
	if (enabled.has('UTF8=ACCEPT') || enabled.has('IMAP4REV2')) return name;
	return /[^\x20-\x7e]|&/.test(name) ? encodeMutf7(name) : name;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * RFC 3501 §9 `date-time` for APPEND (`" 2-Mar-2009 08:00:00 +0000"`: day space-padded, in UTC, which both
 * tested servers store anyway: servers.md §0.6), or undefined for an invalid date — then no date is sent rather
 * than one the server answers with BAD (servers.md §0.1).
 */
export function formatInternalDate(date: Date): string | undefined {
	if (!(date instanceof Date) || Number.isNaN(date.getTime())) return undefined;
	const year = date.getUTCFullYear();
	if (year < 1 || year > 9999) return undefined;
	const day = String(date.getUTCDate()).padStart(2, ' ');
	const time = date.toISOString().slice(11, 19);
	return `${day}-${MONTHS[date.getUTCMonth()]}-${String(year).padStart(4, '0')} ${time} +0000`;
}

/** RFC 3501 §9 ATOM-CHAR: any CHAR except atom-specials ( ) { SP CTL % * " \ ]. */
const ATOM = /^[\x21\x23\x24\x26\x27\x2b-\x5b\x5e-\x7a\x7c\x7e]+$/;

/**
 * A flag as APPEND may carry it (RFC 3501 §9 `flag`: a system flag or a keyword atom), with system flags in
 * their canonical case; undefined for what must not be sent: `\Recent` (server-set only), any other `\Word`, and
 * anything that is not a valid atom, which could draw a BAD (servers.md §0.1).
 */
export function formatFlag(flag: string): string | undefined {
	const atom = flag.startsWith('\\') ? flag.slice(1) : flag;
	if (!ATOM.test(atom)) return undefined;
	const lower = flag.toLowerCase();
	if (['\\seen', '\\answered', '\\flagged', '\\deleted', '\\draft'].includes(lower)) return `\\${lower[1]!.toUpperCase()}${lower.slice(2)}`;
	// Any other `\Word` (`\Recent`, RFC 3501's reserved flag-extension) draws a BAD from Dovecot (servers.md §4).
	if (flag.startsWith('\\')) return undefined;
	return flag;
}
