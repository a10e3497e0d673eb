/**
 * notAMessage: the one test every reader applies to the bytes it is about to yield as a message, so that junk
 * (a binary file named .eml, a 2-byte "message", a zero-filled mbox or Maildir file) is reported by name and
 * NOT uploaded, instead of reaching the server with only a date warning (issue #16).
 *
 * The rule is deliberately the weakest that junk fails: RFC 5322 §2.1 — a message is header fields, then
 * optionally an empty line and a body — so the first line must be a header field: a field name (printable
 * US-ASCII except ':', §2.2) then ':' (obsolete syntax allows white space before it, §4.5). Before that line
 * a UTF-8 byte order mark and one mbox envelope line (`From ` / `>From `, as some programs write into .eml
 * files) are allowed. Everything else about the message is left alone: a header-only message, one without a
 * body, with NULs, 8-bit or malformed later fields is still a message. A message whose header section is empty
 * (it starts with an empty line: no From or Date, which RFC 5322 §3.6 requires) is odd but may be real — an
 * mbox message written by a script — so it passes when its body is text (no NUL or other C0 control bytes in
 * its first 4 KiB, as binary junk has) and fails when the body is blank or binary. An empty input is the
 * readers' MESSAGE_EMPTY, not judged here.
 *
 * Pure; looks at the first line only (at most 4 KiB), so it costs nothing on large messages.
 */

/** How far the first line is looked at: beyond any real field name (RFC 5322 §2.1.1 line limit is 998). */
const FIRST_LINE_LIMIT = 4096;

/**
 * Undefined when `raw` starts like a message (see module comment); else a sentence saying what it is instead,
 * for the reader's problem report (the reader adds what happens and what to do).
 */
export function notAMessage(raw: Uint8Array): string | undefined {
	if (raw.length === 0) return undefined;
	if (raw.every((byte) => byte === 0)) return `it holds only zero bytes (${raw.length}): the file is damaged and holds no message`;
	let at = raw[0] === 0xef && raw[1] === 0xbb && raw[2] === 0xbf ? 3 : 0;
	if (startsWith(raw, at, 'From ') || startsWith(raw, at, '>From ')) {
		const end = raw.indexOf(0x0a, at);
		if (end < 0) return `it is a single line (${preview(raw, at)}) with no header fields`;
		at = end + 1;
	}
	let name = 0;
	for (let i = at; i < raw.length && i < at + FIRST_LINE_LIMIT; i++) {
		const byte = raw[i]!;
		if (byte === 0x3a) {
			if (name > 0) return undefined;
			break;
		}
		if (byte >= 0x21 && byte <= 0x7e && !(name > 0 && raw[i - 1] === 0x20) && !(name > 0 && raw[i - 1] === 0x09)) {
			name++;
			continue;
		}
		if ((byte === 0x20 || byte === 0x09) && name > 0) continue; // white space before the colon (§4.5)
		break;
	}
	if (at >= raw.length || raw[at] === 0x0a || raw[at] === 0x0d) {
		const body = at >= raw.length ? raw.length : raw.indexOf(0x0a, at) + 1;
		const text = bodyText(raw, body);
		if (text === 'text') return undefined;
		return `it has no header fields and ${text === 'blank' ? 'no text' : 'its body is binary'} (${raw.length <= 16 ? `all of it is ${preview(raw, 0)}` : `it starts with an empty line, then ${preview(raw, body)}`})`;
	}
	return `it is not an e-mail message: it does not start with a header field ("Name: value", RFC 5322) but with ${preview(raw, at)}`;
}

/** Whether the bytes from `at` hold text (see module comment), are blank, or look binary. */
function bodyText(raw: Uint8Array, at: number): 'text' | 'blank' | 'binary' {
	let isBlank = true;
	for (let i = at; i < raw.length && i < at + FIRST_LINE_LIMIT; i++) {
		const byte = raw[i]!;
		if (byte < 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d && byte !== 0x0c) return 'binary';
		if (byte !== 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d) isBlank = false;
	}
	return isBlank && raw.length - at <= FIRST_LINE_LIMIT ? 'blank' : 'text';
}

function startsWith(raw: Uint8Array, at: number, text: string): boolean {
	if (raw.length - at < text.length) return false;
	for (let i = 0; i < text.length; i++) if (raw[at + i] !== text.charCodeAt(i)) return false;
	return true;
}

/** The first bytes, quoted, printable ASCII as is and the rest as \xNN, so a person can recognise the file (`"%PDF-1.4\x0a…"`). */
function preview(raw: Uint8Array, at: number): string {
	let out = '';
	const end = Math.min(raw.length, at + 16);
	for (let i = at; i < end; i++) {
		const byte = raw[i]!;
		out += byte >= 0x20 && byte <= 0x7e && byte !== 0x22 && byte !== 0x5c ? String.fromCharCode(byte) : `\\x${byte.toString(16).padStart(2, '0')}`;
	}
	return `"${out}${raw.length > end ? '…' : ''}"`;
}
