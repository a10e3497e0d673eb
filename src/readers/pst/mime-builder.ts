/**
 * RFC 5322 / MIME building blocks for composing PST items (pure, deterministic: the same input always gives
 * the same bytes, so a re-run composes an identical message and the fingerprint matches).
 *
 * - Header text: printable ASCII is kept; anything else becomes RFC 2047 "B" encoded-words in UTF-8, each at
 *   most 75 characters (RFC 2047 §2), never splitting a character. Lines are folded at white space to 78
 *   characters where possible (RFC 5322 §2.1.1, §2.2.3); a token longer than that is never broken.
 * - Parameters (file names): RFC 2231 `name*0*=UTF-8''…` continuations for non-ASCII or long values, plus an
 *   RFC 2047 `name="=?UTF-8?B?…?="` on Content-Type for older clients (what Outlook and nodemailer write).
 * - Bodies: 7bit when the text allows it, else quoted-printable (mostly-ASCII text) or base64, in UTF-8;
 *   attachments base64 in 76-character lines (RFC 2045 §6.8). All line ends are CRLF.
 * - Boundaries are derived from a seed and contain "=_", which can occur in neither quoted-printable nor
 *   base64 (RFC 2045 §6.7, RFC 2046 §5.1.1), and 7bit bodies are checked.
 */
import {createHash} from 'node:crypto';

const CRLF = '\r\n';
const MAX_LINE = 78;
/** Bytes of UTF-8 per encoded-word: 45 bytes → 60 base64 characters → 72-character words. */
const WORD_BYTES = 45;

export type MailAddress = Readonly<{name?: string; address?: string}>;

/** True when `text` is printable US-ASCII (space to tilde) plus tab. */
export function isPrintableAscii(text: string): boolean {
	return /^[\t\x20-\x7e]*$/.test(text);
}

/** RFC 2047 encoded-words for `text` (UTF-8, B encoding), separated by single spaces. */
export function encodeWords(text: string): string {
	const words: string[] = [];
	let chunk: number[] = [];
	for (const char of text) {
		const bytes = [...Buffer.from(char, 'utf8')];
		if (chunk.length + bytes.length > WORD_BYTES) {
			words.push(`=?UTF-8?B?${Buffer.from(chunk).toString('base64')}?=`);
			chunk = [];
		}
		chunk.push(...bytes);
	}
	if (chunk.length > 0 || words.length === 0) words.push(`=?UTF-8?B?${Buffer.from(chunk).toString('base64')}?=`);
	return words.join(' ');
}

/** Unstructured header text (Subject, Thread-Topic): as-is when printable ASCII without "=?", else encoded. */
export function encodeHeaderText(text: string): string {
	const clean = text.replace(/[\r\n]+/g, ' ');
	return isPrintableAscii(clean) && !clean.includes('=?') ? clean : encodeWords(clean);
}

/** A display name as an RFC 5322 phrase: atoms, a quoted-string, or encoded-words. */
export function encodePhrase(name: string): string {
	const clean = name.replace(/[\r\n]+/g, ' ').trim();
	if (!isPrintableAscii(clean) || clean.includes('=?')) return encodeWords(clean);
	if (/^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~ ]+$/.test(clean) && !clean.includes('  ')) return clean;
	return `"${clean.replace(/(["\\])/g, '\\$1')}"`;
}

/**
 * One mailbox: `Name <address>`, `address`, or — when only a name is known — an empty group `Name:;`
 * (RFC 5322 §3.4 group syntax, allowed in From by RFC 6854), so no address is ever invented.
 * Undefined when there is neither name nor address.
 */
export function formatAddress(mailbox: MailAddress): string | undefined {
	const name = mailbox.name?.trim() ?? '';
	const address = mailbox.address?.trim() ?? '';
	if (address !== '') {
		if (name === '' || name === address) return address.includes(' ') ? `<${address}>` : address;
		return `${encodePhrase(name)} <${address}>`;
	}
	if (name === '') return undefined;
	return `${encodePhrase(name)}:;`;
}

/** A header line `Name: value`, folded at white space to 78 characters where possible, ending in CRLF. */
export function headerLine(name: string, value: string): string {
	const tokens = `${name}: ${value}`.split(' ');
	let out = '';
	let line = '';
	for (const token of tokens) {
		if (line === '') {
			line = token;
		} else if (line.length + 1 + token.length > MAX_LINE) {
			out += line + CRLF;
			line = ` ${token}`;
		} else {
			line += ` ${token}`;
		}
	}
	return out + line + CRLF;
}

/** An address-list header (To, Cc, Bcc, Reply-To); undefined when no entry can be written. */
export function addressHeader(name: string, mailboxes: readonly MailAddress[]): string | undefined {
	const formatted = mailboxes.map(formatAddress).filter((a): a is string => a !== undefined);
	return formatted.length === 0 ? undefined : headerLine(name, formatted.join(', '));
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** RFC 5322 §3.3 date-time in UTC, e.g. `Thu, 23 Aug 2001 22:49:51 +0000`. */
export function formatDate(date: Date): string {
	const pad = (n: number): string => String(n).padStart(2, '0');
	return `${DAYS[date.getUTCDay()] ?? 'Sun'}, ${date.getUTCDate()} ${MONTHS[date.getUTCMonth()] ?? 'Jan'} ${date.getUTCFullYear()} ` +
		`${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`;
}

/** `<id>` for a Message-ID / Content-ID value given with or without angle brackets; undefined when empty. */
export function angleId(id: string | undefined): string | undefined {
	const clean = id?.trim().replace(/^<+|>+$/g, '').trim();
	return clean === undefined || clean === '' || /\s/.test(clean) ? undefined : `<${clean}>`;
}

/**
 * A MIME parameter as one or more `; name=value` segments (to be joined with ";\r\n "): plain quoted for
 * short ASCII, RFC 2231 extended continuations otherwise.
 */
export function parameterSegments(name: string, value: string): string[] {
	const clean = value.replace(/[\r\n]+/g, ' ');
	if (isPrintableAscii(clean) && clean.length <= 60) return [`${name}="${clean.replace(/(["\\])/g, '\\$1')}"`];
	const encoded = [...Buffer.from(clean, 'utf8')]
		.map((b) => (/[A-Za-z0-9!#$&+\-.^_`|~]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`));
	const segments: string[] = [];
	let current = '';
	let index = 0;
	for (const piece of encoded) {
		if (current.length + piece.length > 54) {
			segments.push(`${name}*${index}*=${index === 0 ? "UTF-8''" : ''}${current}`);
			index++;
			current = '';
		}
		current += piece;
	}
	segments.push(`${name}*${index}*=${index === 0 ? "UTF-8''" : ''}${current}`);
	return segments.length === 1 ? [segments[0]!.replace(`${name}*0*=`, `${name}*=`)] : segments;
}

/** A structured header with parameters, one parameter per folded line: `Name: value;\r\n p1;\r\n p2`. */
export function parameterHeader(name: string, value: string, parameters: readonly string[]): string {
	if (parameters.length === 0) return `${name}: ${value}${CRLF}`;
	return `${name}: ${value};${CRLF} ${parameters.join(`;${CRLF} `)}${CRLF}`;
}

/** Input bytes per base64 chunk: a multiple of 57 (one 76-character line), small enough to stay out of V8's
 *  old generation (a whole multi-megabyte attachment as one base64 string made the worker's heap balloon). */
const BASE64_CHUNK = 57 * 1024;

/** Base64 in 76-character lines, each ending in CRLF (RFC 2045 §6.8), built as bytes (attachments are large). */
export function base64Lines(data: Uint8Array): Buffer {
	const input = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
	const encodedLength = Math.ceil(input.length / 3) * 4;
	const out = Buffer.allocUnsafe(encodedLength + Math.ceil(encodedLength / 76) * 2);
	let o = 0;
	for (let start = 0; start < input.length; start += BASE64_CHUNK) {
		const text = input.subarray(start, start + BASE64_CHUNK).toString('base64');
		for (let i = 0; i < text.length; i += 76) {
			o += out.write(text.slice(i, i + 76), o, 'latin1');
			out[o++] = 0x0d;
			out[o++] = 0x0a;
		}
	}
	return out.subarray(0, o);
}

/** Quoted-printable (RFC 2045 §6.7) of UTF-8 text whose line breaks (CRLF, CR or LF) are hard breaks. */
export function quotedPrintable(text: string): string {
	const lines = splitLines(text);
	let out = '';
	for (const line of lines) {
		const bytes = Buffer.from(line, 'utf8');
		let current = '';
		for (let i = 0; i < bytes.length; i++) {
			const b = bytes[i] ?? 0;
			const isLast = i === bytes.length - 1;
			let piece: string;
			if ((b >= 33 && b <= 126 && b !== 61) || ((b === 32 || b === 9) && !isLast)) piece = String.fromCharCode(b);
			else piece = `=${b.toString(16).toUpperCase().padStart(2, '0')}`;
			if (current.length + piece.length > 75) {
				out += `${current}=${CRLF}`;
				current = '';
			}
			current += piece;
		}
		out += current + CRLF;
	}
	return out;
}

export type TextEncoding = Readonly<{transferEncoding: '7bit' | 'quoted-printable' | 'base64'; body: string}>;

/**
 * Encodes body text as UTF-8 for a text/* part: 7bit when every line is ASCII, ≤ 998 characters and free of
 * the boundary marker "=_"; otherwise quoted-printable, or base64 when more than a third of the bytes are
 * non-ASCII (CJK text would triple in quoted-printable).
 */
export function encodeTextBody(text: string): TextEncoding {
	const lines = splitLines(text);
	const isSevenBit = /^[\t\x20-\x7e\r\n]*$/.test(text) && lines.every((l) => l.length <= 998) && !text.includes('=_');
	if (isSevenBit) return {transferEncoding: '7bit', body: lines.map((l) => l + CRLF).join('')};
	const bytes = Buffer.from(text, 'utf8');
	let high = 0;
	for (const b of bytes) if (b >= 0x80) high++;
	if (high * 3 > bytes.length) {
		return {transferEncoding: 'base64', body: base64Lines(Buffer.from(lines.map((l) => l + CRLF).join(''), 'utf8')).toString('latin1')};
	}
	return {transferEncoding: 'quoted-printable', body: quotedPrintable(text)};
}

/** Lines of `text` (any line end); a final line end does not start another, empty line. */
function splitLines(text: string): string[] {
	const lines = text.split(/\r\n|\r|\n/);
	if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
	return lines;
}

/** A multipart boundary derived from `seed` (deterministic; see the module comment for why it is safe). */
export function makeBoundary(seed: string): string {
	return `----=_mailshift_${createHash('sha256').update(seed).digest('hex').slice(0, 28)}`;
}
