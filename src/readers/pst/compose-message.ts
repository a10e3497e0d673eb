/**
 * composeMessage: one PST mail item, already read into plain data (`MailContent`, see read-item.ts), → the
 * bytes of one RFC 5322 message. Pure and deterministic (no clock, no randomness): the same item composes to
 * the same bytes on every run, so fingerprints and Message-IDs match on resume (ARCHITECTURE §2, decision 6).
 *
 * Headers (protocol.md §3.2 is readpst's behaviour; we keep more):
 * - With original transport headers (PR_TRANSPORT_MESSAGE_HEADERS): the top header block is kept line for line
 *   (CRLF), except the MIME structure fields we rebuild (MIME-Version, Content-*), Exchange's "Microsoft Mail
 *   Internet Headers Version 2.0" banner, and stray lines that are not fields (kept as continuations so no text
 *   is lost and the header section does not end early). A missing Message-ID or Date is added from the item.
 * - Without them (Sent Items, drafts, mail composed in Outlook): From, Sender (when it differs), To/Cc/Bcc,
 *   Reply-To, Subject, Date, Message-ID, In-Reply-To, References, Importance/X-Priority, Priority,
 *   Sensitivity are written from the item's properties.
 * - From and Date are always present (RFC 5322 §3.6: "the origination date field and the originator address
 *   field(s)" are required; clients sort, thread and show "(no sender)" badly without them, and some servers
 *   refuse such messages). What is synthesized when the item lacks them (drafts, items imported from .msg files
 *   and never sent; 5 of the corpus stores hold such items):
 *   - From: the item's PR_SENT_REPRESENTING_*, else PR_SENDER_* (read-item.ts), else
 *     `"Unknown sender" <unknown@invalid>` (`.invalid` is reserved by RFC 2606, so no reply can reach anyone).
 *     The store owner is deliberately not used: an item without a sender may have been received, and naming the
 *     owner as its author would be a false statement.
 *   - Date: PR_CLIENT_SUBMIT_TIME, else PR_MESSAGE_DELIVERY_TIME, else the last modification, else the creation
 *     time (read-item.ts), else 1 Jan 1970 00:00:00 +0000: composition must be deterministic (no clock; a re-run
 *     must compose the same bytes) and the epoch is recognisably not a real date. Outlook always sets the
 *     creation time, so this last fallback is for damaged items only.
 *   With original transport headers, the same values are added when the block has no From or Date field.
 * Body: text/plain and text/html (multipart/alternative when both), HTML with the images it references by
 * `cid:` in multipart/related, other attachments in multipart/mixed; embedded messages as message/rfc822,
 * recursively. A signed/encrypted S/MIME item keeps its original MIME entity as the body.
 */
import type {MailAddress, TextEncoding} from './mime-builder.js';
import {
	addressHeader, angleId, base64Lines, encodeHeaderText, encodeTextBody, encodeWords, formatAddress,
	formatDate, headerLine, isPrintableAscii, makeBoundary, parameterHeader, parameterSegments,
} from './mime-builder.js';

export type FileAttachment = Readonly<{
	type: 'file';
	filename: string;
	contentType: string;
	data: Buffer;
	/** Content-ID without angle brackets, when the item has one. */
	contentId?: string;
}>;

export type MessageAttachment = Readonly<{type: 'message'; filename?: string; message: MailContent}>;

/** An attached message already in RFC 5322 bytes (an `.eml` inside an Outlook for Mac archive): sent as is. */
export type RawMessageAttachment = Readonly<{type: 'raw-message'; filename?: string; raw: Buffer}>;

export type MailAttachment = FileAttachment | MessageAttachment | RawMessageAttachment;

export type MailContent = Readonly<{
	/** The original header block (PR_TRANSPORT_MESSAGE_HEADERS), any line ends. */
	transportHeaders?: string;
	subject?: string;
	from?: MailAddress;
	/** The sender acting on behalf of `from`, when different. */
	sender?: MailAddress;
	to: readonly MailAddress[];
	cc: readonly MailAddress[];
	bcc: readonly MailAddress[];
	replyTo: readonly MailAddress[];
	date?: Date;
	messageId?: string;
	inReplyTo?: string;
	references?: string;
	importance?: 'low' | 'high';
	priority?: 'urgent' | 'non-urgent';
	sensitivity?: 'Personal' | 'Private' | 'Company-Confidential';
	text?: string;
	html?: string;
	/** A meeting's iCalendar object (RFC 6047 iMIP): the last alternative, text/calendar with its METHOD. */
	calendar?: Readonly<{method: string; text: string}>;
	attachments: readonly MailAttachment[];
	/**
	 * S/MIME: the original MIME entity (its own Content-Type headers, blank line, body), used verbatim as the
	 * message body, so signatures still verify.
	 */
	mimeEntity?: Buffer;
}>;

type Part = Readonly<{headers: string; body: Buffer | string} | {headers: string; boundary: string; parts: readonly Part[]}>;

/** MIME structure fields rebuilt for every message (RFC 2045 §3, RFC 2183); never copied from the original. */
const STRUCTURE_FIELDS = new Set(['mime-version', 'content-type', 'content-transfer-encoding', 'content-disposition', 'content-id', 'content-length', 'content-md5']);
const FIELD_LINE = /^([\x21-\x39\x3b-\x7e]+)[ \t]*:/;
/** RFC 5322 §3.6 From when the item names no sender (see the module comment; RFC 2606 `.invalid`). */
export const UNKNOWN_SENDER = '"Unknown sender" <unknown@invalid>';
/** RFC 5322 §3.6 Date when the item carries no time at all (see the module comment). */
const NO_DATE = new Date(0);

/**
 * Composes the message. `seed` makes boundaries unique per item (use the store identity and node id).
 * Never throws for any MailContent.
 */
export function composeMessage(content: MailContent, seed: string): Buffer {
	const chunks: Array<Buffer | string> = [topHeaders(content), 'MIME-Version: 1.0\r\n'];
	if (content.mimeEntity !== undefined) {
		chunks.push(content.mimeEntity);
	} else {
		renderPart(bodyTree(content, seed), chunks);
	}
	return Buffer.concat(chunks.map((c) => (typeof c === 'string' ? Buffer.from(c, 'utf8') : c)));
}

/** The kept original header fields (see module comment), or undefined when the block holds no field. */
export function keptTransportHeaders(block: string): Array<{name: string; lines: string}> | undefined {
	const fields: Array<{name: string; lines: string}> = [];
	const lines = block.split(/\r\n|\r|\n/);
	for (const [index, line] of lines.entries()) {
		if (line === '') {
			if (fields.length > 0) break; // end of the top header block
			continue;
		}
		if (index === 0 && /^Microsoft Mail Internet Headers/i.test(line)) continue;
		const match = FIELD_LINE.exec(line);
		const last = fields[fields.length - 1];
		if (match?.[1] !== undefined) {
			fields.push({name: match[1].toLowerCase(), lines: line + '\r\n'});
		} else if (last !== undefined) {
			last.lines += (/^[ \t]/.test(line) ? line : ` ${line}`) + '\r\n';
		}
	}
	return fields.length > 0 ? fields : undefined;
}

function topHeaders(content: MailContent): string {
	const kept = content.transportHeaders === undefined ? undefined : keptTransportHeaders(content.transportHeaders);
	if (kept !== undefined) {
		let out = kept.filter((f) => !STRUCTURE_FIELDS.has(f.name)).map((f) => f.lines).join('');
		const has = (name: string): boolean => kept.some((f) => f.name === name);
		const messageId = angleId(content.messageId);
		if (!has('from')) out += headerLine('From', fromOf(content));
		if (!has('message-id') && messageId !== undefined) out += `Message-ID: ${messageId}\r\n`;
		if (!has('date')) out += `Date: ${formatDate(content.date ?? NO_DATE)}\r\n`;
		return out;
	}
	return synthesizedHeaders(content);
}

function synthesizedHeaders(content: MailContent): string {
	let out = '';
	const from = fromOf(content);
	out += headerLine('From', from);
	const sender = content.sender === undefined ? undefined : formatAddress(content.sender);
	if (sender !== undefined && sender !== from) out += headerLine('Sender', sender);
	out += addressHeader('Reply-To', content.replyTo) ?? '';
	out += addressHeader('To', content.to) ?? '';
	out += addressHeader('Cc', content.cc) ?? '';
	out += addressHeader('Bcc', content.bcc) ?? '';
	if (content.subject !== undefined) out += headerLine('Subject', encodeHeaderText(content.subject));
	out += `Date: ${formatDate(content.date ?? NO_DATE)}\r\n`;
	const messageId = angleId(content.messageId);
	if (messageId !== undefined) out += `Message-ID: ${messageId}\r\n`;
	const inReplyTo = idList(content.inReplyTo);
	if (inReplyTo !== undefined) out += headerLine('In-Reply-To', inReplyTo);
	const references = idList(content.references);
	if (references !== undefined) out += headerLine('References', references);
	if (content.importance !== undefined) {
		out += `Importance: ${content.importance}\r\n`;
		out += `X-Priority: ${content.importance === 'high' ? '1 (Highest)' : '5 (Lowest)'}\r\n`;
	}
	if (content.priority !== undefined) out += `Priority: ${content.priority}\r\n`;
	if (content.sensitivity !== undefined) out += `Sensitivity: ${content.sensitivity}\r\n`;
	return out;
}

/** The From value: the item's sender, else UNKNOWN_SENDER (module comment). */
function fromOf(content: MailContent): string {
	return (content.from === undefined ? undefined : formatAddress(content.from)) ?? UNKNOWN_SENDER;
}

/** Message-IDs in a space/comma separated list, each as `<id>`; undefined when none is valid. */
function idList(value: string | undefined): string | undefined {
	if (value === undefined) return undefined;
	const ids = value.split(/[\s,]+/).map(angleId).filter((id): id is string => id !== undefined);
	return ids.length === 0 ? undefined : ids.join(' ');
}

function bodyTree(content: MailContent, seed: string): Part {
	let counter = 0;
	const boundary = (): string => makeBoundary(`${seed}/${counter++}`);
	const html = content.html;
	const referenced = (a: MailAttachment): a is FileAttachment =>
		a.type === 'file' && a.contentId !== undefined && html !== undefined && referencesCid(html, a.contentId);
	const inline = content.attachments.filter(referenced);
	const others = content.attachments.filter((a) => !inline.includes(a as FileAttachment));

	let htmlPart: Part | undefined;
	if (html !== undefined) {
		htmlPart = textPart('html', html);
		if (inline.length > 0) {
			htmlPart = multipart('related', boundary(), [htmlPart, ...inline.map((a) => filePart(a, 'inline'))], '; type="text/html"');
		}
	}
	const textBody = content.text !== undefined ? textPart('plain', content.text) : undefined;
	const calendarPart = content.calendar === undefined ? undefined : calendarBody(content.calendar.method, content.calendar.text);
	const alternatives = [textBody, htmlPart, calendarPart].filter((p): p is Part => p !== undefined);
	let body: Part;
	if (alternatives.length > 1) body = multipart('alternative', boundary(), alternatives);
	else body = alternatives[0] ?? textPart('plain', '');

	if (others.length === 0) return body;
	const parts: Part[] = [body];
	for (const [index, attachment] of others.entries()) {
		if (attachment.type === 'file') parts.push(filePart(attachment, 'attachment'));
		else if (attachment.type === 'message') parts.push(messagePart(attachment, `${seed}/m${index}`));
		else parts.push(rfc822Part(attachment.raw, attachment.filename));
	}
	return multipart('mixed', boundary(), parts);
}

function referencesCid(html: string, contentId: string): boolean {
	const id = contentId.replace(/^<|>$/g, '').toLowerCase();
	return id !== '' && html.toLowerCase().includes(`cid:${id}`);
}

function textPart(subtype: 'plain' | 'html', text: string): Part {
	const source = subtype === 'html' ? declareUtf8(text) : text;
	const encoded: TextEncoding = encodeTextBody(source);
	return {
		headers: `Content-Type: text/${subtype}; charset=utf-8\r\nContent-Transfer-Encoding: ${encoded.transferEncoding}\r\n`,
		body: encoded.body,
	};
}

/** RFC 6047 §2.4: text/calendar with the iTIP method as a parameter. */
function calendarBody(method: string, text: string): Part {
	const encoded: TextEncoding = encodeTextBody(text);
	return {
		headers: `Content-Type: text/calendar; charset=utf-8; method=${method}\r\nContent-Transfer-Encoding: ${encoded.transferEncoding}\r\n`,
		body: encoded.body,
	};
}

/** The HTML is re-encoded as UTF-8: its own <meta> charset declaration must say so too. */
function declareUtf8(html: string): string {
	return html.replace(/(<meta[^>]*?charset\s*=\s*["']?)\s*[A-Za-z0-9._:-]+/i, '$1utf-8');
}

function filePart(attachment: FileAttachment, disposition: 'inline' | 'attachment'): Part {
	const name = attachment.filename;
	const typeParams = name === '' ? [] : [isPrintableAscii(name) && name.length <= 60 ? parameterSegments('name', name)[0]! : `name="${encodeWords(name)}"`];
	let headers = parameterHeader('Content-Type', attachment.contentType, typeParams);
	headers += 'Content-Transfer-Encoding: base64\r\n';
	headers += parameterHeader('Content-Disposition', disposition, name === '' ? [] : parameterSegments('filename', name));
	const cid = angleId(attachment.contentId);
	if (cid !== undefined) headers += `Content-ID: ${cid}\r\n`;
	return {headers, body: base64Lines(attachment.data)};
}

function messagePart(attachment: MessageAttachment, seed: string): Part {
	return rfc822Part(composeMessage(attachment.message, seed), attachment.filename);
}

/** RFC 2046 §5.2.1: message/rfc822 is never base64; 7bit or 8bit as its bytes are (line ends made CRLF). */
function rfc822Part(raw: Buffer, name: string | undefined): Part {
	const inner = raw.includes(0x0a) && !raw.includes('\r\n') ? Buffer.from(raw.toString('latin1').replace(/\n/g, '\r\n'), 'latin1') : raw;
	const is7bit = !inner.some((b) => b >= 0x80);
	let headers = 'Content-Type: message/rfc822\r\n';
	headers += `Content-Transfer-Encoding: ${is7bit ? '7bit' : '8bit'}\r\n`;
	headers += parameterHeader('Content-Disposition', 'attachment', name === undefined || name === '' ? [] : parameterSegments('filename', name));
	return {headers, body: inner};
}

function multipart(subtype: string, boundary: string, parts: readonly Part[], extra = ''): Part {
	return {headers: `Content-Type: multipart/${subtype}; boundary="${boundary}"${extra}\r\n`, boundary, parts};
}

function renderPart(part: Part, out: Array<Buffer | string>): void {
	out.push(part.headers, '\r\n');
	if ('parts' in part) {
		for (const child of part.parts) {
			out.push(`--${part.boundary}\r\n`);
			renderPart(child, out);
		}
		out.push(`--${part.boundary}--\r\n`);
		return;
	}
	out.push(part.body);
	const length = part.body.length;
	const endsInCrlf = typeof part.body === 'string'
		? part.body.endsWith('\r\n')
		: length >= 2 && part.body[length - 2] === 0x0d && part.body[length - 1] === 0x0a;
	if (!endsInCrlf && length > 0) out.push('\r\n');
}
