/**
 * Content lines shared by iCalendar (RFC 5545 §3.1) and vCard 4 (RFC 6350 §3.2): `NAME;PARAM=v:value`,
 * CRLF-ended, folded so no line is longer than 75 octets (continuation lines start with one space), never
 * splitting a UTF-8 sequence. Text values are escaped (RFC 5545 §3.3.11, RFC 6350 §3.4): backslash, comma,
 * semicolon and line breaks. Pure functions, no I/O.
 */

const MAX_OCTETS = 75;

/** Escapes a TEXT value: `\` `,` `;` and line breaks (CRLF, CR or LF → `\n`). */
export function escapeText(value: string): string {
	return value.replace(/\\/g, '\\\\').replace(/;/g, '\\;').replace(/,/g, '\\,').replace(/\r\n|\r|\n/g, '\\n');
}

/** A parameter value: quoted when it holds `:` `;` `,`; DQUOTE and control characters are dropped (RFC 5545 §3.2). */
export function paramValue(value: string): string {
	// eslint-disable-next-line no-control-regex
	const clean = value.replace(/["\x00-\x08\x0a-\x1f\x7f]/g, '');
	return /[:;,]/.test(clean) ? `"${clean}"` : clean;
}

/** One content line: `name[;params]:value`, folded, CRLF-ended. `value` must already be escaped as its type needs. */
export function contentLine(name: string, value: string, params: readonly string[] = []): string {
	return fold(`${name}${params.map((p) => `;${p}`).join('')}:${value}`);
}

/** Folds one logical line (without its CRLF) at 75 octets and ends it with CRLF. */
export function fold(line: string): string {
	const bytes = Buffer.from(line, 'utf8');
	if (bytes.length <= MAX_OCTETS) return `${line}\r\n`;
	const pieces: string[] = [];
	let start = 0;
	let limit = MAX_OCTETS;
	while (start < bytes.length) {
		let end = Math.min(bytes.length, start + limit);
		// Back off to the start of a UTF-8 sequence (continuation bytes are 10xxxxxx).
		while (end < bytes.length && end > start && (bytes[end]! & 0xc0) === 0x80) end--;
		pieces.push(bytes.toString('utf8', start, end));
		start = end;
		limit = MAX_OCTETS - 1; // the leading space of a continuation line counts
	}
	return `${pieces.join('\r\n ')}\r\n`;
}

/** `yyyymmddThhmmssZ` (UTC). */
export function utcDateTime(date: Date): string {
	return date.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
}

/** `yyyymmdd` from the UTC fields of `date`. */
export function utcDate(date: Date): string {
	return date.toISOString().slice(0, 10).replace(/-/g, '');
}

/** `yyyymmddThhmmss` (floating / local time) from the UTC fields of `date` (which holds a local wall-clock time). */
export function wallClockDateTime(date: Date): string {
	return utcDateTime(date).slice(0, -1);
}
