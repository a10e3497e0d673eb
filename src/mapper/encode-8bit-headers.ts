/**
 * encode8bitHeaders: raw 8-bit bytes in a message's header block → RFC 2047 encoded-words, for servers that would
 * otherwise change them (Cyrus 3.6 replaces each such byte with `X` by default: "Queensrÿche" → "QueensrXXche";
 * servers.md, issue #12 item 8a). RFC 6855 lets a server do that when the client has not enabled UTF8=ACCEPT.
 *
 * Contract: pure; only the header block changes, the body is untouched; a header without 8-bit bytes is returned
 * as the same Buffer. Per field line (after unfolding is NOT needed: each physical line is handled alone, folding
 * is kept):
 * - the charset is UTF-8 when the field's bytes are valid UTF-8 (RFC 6532 headers), else windows-1252 (what
 *   legacy 8-bit headers almost always are; a superset of ISO-8859-1 that every mail client decodes);
 * - each maximal run of non-white-space containing 8-bit bytes becomes `=?charset?B?…?=` (RFC 2047 §4.1,
 *   B encoding so that no special needs care), split so that each encoded-word is ≤ 75 characters (§2),
 *   adjacent encoded-words separated by a folding CRLF SP (§5: white space between them is ignored on decoding);
 * - inside a quoted-string (a display name such as `"Müller, Hans"`), the whole quoted text becomes the
 *   encoded-words and the quotes go (§5(3): an encoded-word must not be quoted, but may stand for a phrase);
 * - text inside `<…>` (an addr-spec, a Message-ID) is never encoded: 8-bit there is not text RFC 2047 can carry,
 *   and it stays as it is.
 */
import {headerEnd} from './headers.js';

/** True when the header block holds a byte ≥ 0x80. */
export function has8bitHeader(content: Buffer): boolean {
	const end = headerEnd(content);
	for (let i = 0; i < end; i++) if (content[i]! >= 0x80) return true;
	return false;
}

export function encode8bitHeaders(content: Buffer): Buffer {
	if (!has8bitHeader(content)) return content;
	const end = headerEnd(content);
	const header = content.subarray(0, end);
	const lines: Buffer[] = [];
	let start = 0;
	while (start < header.length) {
		let eol = header.indexOf(0x0a, start);
		if (eol < 0) eol = header.length - 1;
		lines.push(encodeLine(header.subarray(start, eol + 1)));
		start = eol + 1;
	}
	return Buffer.concat([...lines, content.subarray(end)]);
}

function encodeLine(line: Buffer): Buffer {
	if (!line.some((b) => b >= 0x80)) return line;
	const charset = isUtf8(line) ? 'UTF-8' : 'windows-1252';
	const out: Buffer[] = [];
	let i = 0;
	let inAngle = false;
	const isSpace = (b: number | undefined): boolean => b === 0x20 || b === 0x09 || b === 0x0d || b === 0x0a;
	while (i < line.length) {
		const b = line[i]!;
		if (inAngle) {
			if (b === 0x3e) inAngle = false;
			out.push(line.subarray(i, i + 1));
			i++;
			continue;
		}
		if (b === 0x3c) {
			inAngle = true;
			out.push(line.subarray(i, i + 1));
			i++;
			continue;
		}
		if (b === 0x22) {
			// A quoted-string: encode its text as a whole when it holds 8-bit bytes.
			let j = i + 1;
			while (j < line.length && line[j] !== 0x22 && line[j] !== 0x0d && line[j] !== 0x0a) j += line[j] === 0x5c ? 2 : 1;
			const inner = line.subarray(i + 1, Math.min(j, line.length));
			if (j < line.length && line[j] === 0x22 && inner.some((c) => c >= 0x80)) {
				out.push(encodedWords(unescapeQuoted(inner), charset));
				i = j + 1;
			} else {
				out.push(line.subarray(i, Math.min(j + 1, line.length)));
				i = j + 1;
			}
			continue;
		}
		if (isSpace(b)) {
			out.push(line.subarray(i, i + 1));
			i++;
			continue;
		}
		let j = i;
		while (j < line.length && !isSpace(line[j]) && line[j] !== 0x3c && line[j] !== 0x22) j++;
		const word = line.subarray(i, j);
		out.push(word.some((c) => c >= 0x80) && !isFieldName(line, i, word) ? encodedWords(word, charset) : word);
		i = j;
	}
	return Buffer.concat(out);
}

/** The `Name:` at the start of a line is never encoded (a field name is ASCII; 8-bit there is left alone). */
function isFieldName(line: Buffer, at: number, word: Buffer): boolean {
	return at === 0 && word.includes(0x3a);
}

function unescapeQuoted(inner: Buffer): Buffer {
	const out: number[] = [];
	for (let i = 0; i < inner.length; i++) {
		if (inner[i] === 0x5c && i + 1 < inner.length) i++;
		out.push(inner[i]!);
	}
	return Buffer.from(out);
}

/** `bytes` as B encoded-words of at most 75 characters, folded between them (never splitting a UTF-8 character). */
function encodedWords(bytes: Buffer, charset: string): Buffer {
	const prefix = `=?${charset}?B?`;
	const room = Math.floor((75 - prefix.length - 2) / 4) * 3; // raw bytes per word
	const words: string[] = [];
	let start = 0;
	while (start < bytes.length) {
		let end = Math.min(bytes.length, start + room);
		if (charset === 'UTF-8') while (end < bytes.length && end > start + 1 && (bytes[end]! & 0xc0) === 0x80) end--;
		words.push(`${prefix}${bytes.subarray(start, end).toString('base64')}?=`);
		start = end;
	}
	return Buffer.from(words.join('\r\n '), 'latin1');
}

function isUtf8(bytes: Buffer): boolean {
	try {
		new TextDecoder('utf-8', {fatal: true}).decode(bytes);
		return true;
	} catch {
		return false;
	}
}
