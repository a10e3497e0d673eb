/**
 * restoreAttachments: makes a `.partial.emlx` message whole again.
 *
 * Apple Mail stores large attachment bodies apart from a downloaded message: the MIME part stays in the
 * message with its headers, an `X-Apple-Content-Length` header and an empty body, and the decoded bytes lie in
 * `Attachments/<message id>/<part number>/<file name>` beside the mailbox's `Messages/` directory
 * (qqilihq/partial-emlx-converter documents and tests this). Part numbers are IMAP's (RFC 3501 §6.4.5
 * BODY[<section>]): the children of a multipart are 1, 2, …; a child's children are 2.1, 2.2, …; a message
 * that is not multipart is part 1.
 *
 * Each such part gets its file back, encoded as its own Content-Transfer-Encoding says (RFC 2045 §6: base64
 * in 76-character lines, quoted-printable, or the bytes as they are for 7bit/8bit/binary), with the
 * message's own line ends. Parts whose file is missing stay empty and are named in `missing`, so the caller
 * uploads what exists and says what is not there. Everything outside the replaced bodies is kept byte for
 * byte. Memory: the message plus its attachments, one message at a time.
 */
import {promises as fs} from 'node:fs';
import {join} from 'node:path';

/** MIME nesting followed at most this deep (a guard against hostile input, far beyond real mail). */
const MAX_DEPTH = 32;

export type RestoreResult = Readonly<{
	raw: Buffer;
	/** Part numbers whose body was put back. */
	restored: readonly string[];
	/** Part numbers (with the file name from the part's headers, when any) whose attachment file is missing. */
	missing: readonly string[];
}>;

type Hole = Readonly<{part: string; start: number; end: number; encoding: string; name: string | undefined; prefix: string}>;

/**
 * Puts the attachments stored under `attachmentsDir` (`…/Attachments/<id>`) back into `message`.
 * Never throws for bad input: an unreadable attachment counts as missing.
 */
export async function restoreAttachments(message: Buffer, attachmentsDir: string): Promise<RestoreResult> {
	const text = message.toString('latin1');
	const eol = text.includes('\r\n') ? '\r\n' : '\n';
	const holes: Hole[] = [];
	findHoles(text, 0, text.length, '', 0, holes);
	const pieces: Buffer[] = [];
	const restored: string[] = [];
	const missing: string[] = [];
	let at = 0;
	for (const hole of holes) {
		const content = await readAttachment(join(attachmentsDir, hole.part));
		if (content === undefined) {
			missing.push(hole.name === undefined ? hole.part : `${hole.part} (${hole.name})`);
			continue;
		}
		pieces.push(message.subarray(at, hole.start), Buffer.from(hole.prefix + encode(content, hole.encoding, eol), 'latin1'));
		at = hole.end;
		restored.push(hole.part);
	}
	pieces.push(message.subarray(at));
	return {raw: restored.length === 0 ? message : Buffer.concat(pieces), restored, missing};
}

/** Collects the stripped leaf parts of the entity text[start, end) whose part number is `part` ('' = top). */
function findHoles(text: string, start: number, end: number, part: string, depth: number, holes: Hole[]): void {
	const blank = /\r?\n\r?\n/g;
	blank.lastIndex = start;
	const match = blank.exec(text);
	// A header block that ends right at the entity's end (no body at all) counts as "no body".
	const headerEnd = match === null || match.index >= end ? end : match.index;
	const bodyStart = match === null || match.index >= end ? end : match.index + match[0].length;
	const headers = unfold(text.slice(start, headerEnd));
	// No blank line inside the entity: the body to insert needs one, or it would read as headers.
	const prefix = match === null || match.index >= end ? (/\r?\n$/.test(text.slice(start, end)) ? '' : '\n') + '\n' : '';
	const contentType = header(headers, 'content-type') ?? 'text/plain';
	const boundary = /^multipart\//i.test(contentType.trim()) ? parameter(contentType, 'boundary') : undefined;
	if (boundary !== undefined) {
		if (depth >= MAX_DEPTH) return;
		const children = splitMultipart(text, bodyStart, end, boundary);
		children.forEach((child, index) => {
			findHoles(text, child.start, child.end, part === '' ? String(index + 1) : `${part}.${index + 1}`, depth + 1, holes);
		});
		return;
	}
	if (header(headers, 'x-apple-content-length') === undefined) return;
	if (text.slice(bodyStart, end).trim() !== '') return;
	const disposition = header(headers, 'content-disposition') ?? '';
	const name = parameter(disposition, 'filename') ?? parameter(contentType, 'name');
	holes.push({part: part === '' ? '1' : part, start: bodyStart, end: trimTrailingEol(text, bodyStart, end), encoding: (header(headers, 'content-transfer-encoding') ?? '7bit').trim().toLowerCase(), name, prefix});
}

/** Body ranges of a multipart's children (RFC 2046 §5.1.1: the CRLF before a delimiter belongs to it). */
function splitMultipart(text: string, start: number, end: number, boundary: string): Array<{start: number; end: number}> {
	const children: Array<{start: number; end: number}> = [];
	const delimiter = `--${boundary}`;
	let childStart: number | undefined;
	let at = start;
	while (at < end) {
		const lineEnd = text.indexOf('\n', at);
		const next = lineEnd < 0 || lineEnd >= end ? end : lineEnd + 1;
		const line = text.slice(at, next).replace(/\r?\n$/, '');
		if (line.startsWith(delimiter)) {
			const rest = line.slice(delimiter.length);
			if (childStart !== undefined) children.push({start: childStart, end: eolBefore(text, at, childStart)});
			if (rest.startsWith('--')) return children;
			if (rest.trim() === '') childStart = next;
		}
		at = next;
	}
	if (childStart !== undefined) children.push({start: childStart, end}); // no closing delimiter
	return children;
}

/** Position of the line end just before `at` (where the delimiter's CRLF starts), not before `floor`. */
function eolBefore(text: string, at: number, floor: number): number {
	let position = at;
	if (position > floor && text[position - 1] === '\n') position -= 1;
	if (position > floor && text[position - 1] === '\r') position -= 1;
	return position;
}

/** The end of a blank body without its trailing line ends, so the inserted content keeps one before the delimiter. */
function trimTrailingEol(text: string, start: number, end: number): number {
	let position = end;
	while (position > start && (text[position - 1] === '\n' || text[position - 1] === '\r')) position -= 1;
	return position;
}

function unfold(headers: string): string {
	return headers.replace(/\r?\n[ \t]+/g, ' ');
}

function header(headers: string, name: string): string | undefined {
	const escaped = name.replace(/[-]/g, '\\-');
	return new RegExp(`^${escaped}:[ \\t]*(.*)$`, 'im').exec(headers)?.[1];
}

/** A MIME parameter value (RFC 2045 §5.1), quoted or not. RFC 2231 continuations are not joined. */
function parameter(value: string, name: string): string | undefined {
	const match = new RegExp(`;\\s*${name}\\s*=\\s*(?:"((?:[^"\\\\]|\\\\.)*)"|([^;\\s]+))`, 'i').exec(value);
	if (match === null) return undefined;
	return match[1] !== undefined ? match[1].replace(/\\(.)/g, '$1') : match[2];
}

/** The one file in `Attachments/<id>/<part>/`; undefined when there is none or it cannot be read. */
async function readAttachment(dir: string): Promise<Buffer | undefined> {
	try {
		const names = (await fs.readdir(dir, {withFileTypes: true})).filter((entry) => entry.isFile() && !entry.name.startsWith('.'));
		const first = names.map((entry) => entry.name).sort()[0];
		return first === undefined ? undefined : await fs.readFile(join(dir, first));
	} catch {
		return undefined;
	}
}

function encode(content: Buffer, encoding: string, eol: string): string {
	if (encoding === 'base64') return (content.toString('base64').match(/.{1,76}/g) ?? []).join(eol);
	if (encoding === 'quoted-printable') return encodeQuotedPrintable(content, eol);
	// The line end before the next delimiter belongs to the delimiter (RFC 2046 §5.1.1), so a final line end
	// of the content is kept as content.
	return content.toString('latin1').replace(/\r?\n/g, eol);
}

/** RFC 2045 §6.7 quoted-printable: line breaks of the content become hard breaks, lines at most 76 long. */
export function encodeQuotedPrintable(content: Buffer, eol: string): string {
	const lines: string[] = [];
	const text = content.toString('latin1');
	// A final line end stays a hard break (an empty last line): the delimiter's own CRLF follows it.
	const sourceLines = text.split(/\r?\n/);
	for (const sourceLine of sourceLines) {
		let line = '';
		for (let i = 0; i < sourceLine.length; i += 1) {
			const code = sourceLine.charCodeAt(i);
			const isLast = i === sourceLine.length - 1;
			const literal = (code >= 33 && code <= 126 && code !== 61) || ((code === 32 || code === 9) && !isLast);
			const token = literal ? sourceLine[i] ?? '' : `=${code.toString(16).toUpperCase().padStart(2, '0')}`;
			if (line.length + token.length > 75) {
				lines.push(`${line}=`);
				line = '';
			}
			line += token;
		}
		lines.push(line);
	}
	return lines.join(eol);
}
