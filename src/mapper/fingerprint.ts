/**
 * Content fingerprint of an upload (ARCHITECTURE §7): `mid:<Message-ID>:<size>` when the message has a
 * Message-ID, else `sha256:<hex>` of the CRLF bytes. Used by reports now and by the journal/dedup later.
 *
 * Also what `verify` and dedup compare beyond the size (issue #12 items 7 and 8a):
 * - `headerDigest`: sha256 of the header block exactly as sent (up to and including the empty line). The
 *   server's `BODY.PEEK[HEADER]` (RFC 3501 §6.4.5) of an unaltered copy is the same bytes, so one digest per
 *   message catches a server that rewrites headers while keeping the size (Cyrus 3.6 replaces raw 8-bit header
 *   bytes with `X`: servers.md, issue #12 8a).
 * - `rewriteEvidence`: the Date, From and Subject values, normalized so that the known server rewrites leave
 *   them equal (NUL removed or replaced, 8-bit bytes replaced by `X`). See ServerIndex rule 4 for why a
 *   Message-ID alone is not enough evidence.
 */
import {createHash} from 'node:crypto';
import type {ServerRewrite} from '../contracts/mailbox-index.js';
import {encode8bitHeaders} from './encode-8bit-headers.js';
import {firstHeader, headerEnd, parseHeaders} from './headers.js';

export function fingerprint(content: Buffer, messageId: string | undefined): string {
	if (messageId) return `mid:${messageId}:${content.length}`;
	return `sha256:${createHash('sha256').update(content).digest('hex')}`;
}

/**
 * The header block of a CRLF message including the empty line that ends it (what `BODY[HEADER]` returns), or
 * undefined when the message has no empty line (servers differ on what they return then: no digest is safer).
 */
export function headerBlock(content: Buffer): Buffer | undefined {
	const end = headerEnd(content);
	if (end >= content.length) return undefined;
	const after = content[end] === 0x0d && content[end + 1] === 0x0a ? end + 2 : end + 1;
	return content.subarray(0, after);
}

/** sha256 (hex) of a header block; undefined for undefined. */
export function headerDigest(block: Buffer | undefined): string | undefined {
	return block === undefined ? undefined : createHash('sha256').update(block).digest('hex');
}

/**
 * How a stored copy may differ from the bytes read from the source: changes servers make (each seen on a real
 * server; servers.md, issue #12), and '8bit-header-encoded', the RFC 2047 encoding mailshift itself applies for
 * servers that would otherwise munge raw 8-bit headers (encode-8bit-headers.ts, ImapSink).
 */

/** Human wording of a rewrite, for reports. */
export const REWRITE_WORDING: Readonly<Record<ServerRewrite, string>> = {
	'nul-replaced': 'the server replaced its NUL bytes (Dovecot stores them as 0x80)',
	'nul-stripped': 'the server removed its NUL bytes',
	'8bit-header-munged': 'the server replaced raw 8-bit header bytes with "X" (Cyrus munge8bit)',
	'8bit-header-encoded': 'mailshift encoded its raw 8-bit header bytes (RFC 2047) because the server would have replaced them',
};

/** `content` as a server that applies `rewrite` would store it. */
export function applyRewrite(content: Buffer, rewrite: ServerRewrite): Buffer {
	if (rewrite === 'nul-stripped') return content.indexOf(0) < 0 ? content : Buffer.from(content.filter((b) => b !== 0));
	if (rewrite === 'nul-replaced') return content.indexOf(0) < 0 ? content : Buffer.from(content.map((b) => (b === 0 ? 0x80 : b)));
	if (rewrite === '8bit-header-encoded') return encode8bitHeaders(content);
	const end = headerEnd(content);
	const out = Buffer.from(content);
	for (let i = 0; i < end; i++) if (out[i]! >= 0x80) out[i] = 0x58; // 'X'
	return out;
}

/** The rewrites that could explain a copy of `content` differing from it (only those that change something). */
export function possibleRewrites(content: Buffer): ServerRewrite[] {
	const out: ServerRewrite[] = [];
	if (content.indexOf(0) >= 0) out.push('nul-replaced', 'nul-stripped');
	const end = headerEnd(content);
	for (let i = 0; i < end; i++) {
		if (content[i]! >= 0x80) {
			out.push('8bit-header-munged', '8bit-header-encoded');
			break;
		}
	}
	return out;
}

/**
 * Date, From and Subject of a header block as one comparable string, normalized so that the rewrites above
 * leave it unchanged: NUL removed, 0x80 (a replaced NUL) removed, every other 8-bit byte as `X`, runs of
 * white space as one space. Undefined when none of the three is present (no evidence at all).
 */
export function rewriteEvidence(header: Buffer): string | undefined {
	const fields = parseHeaders(header);
	const values = ['date', 'from', 'subject'].map((name) => firstHeader(fields, name));
	if (values.every((v) => v === undefined)) return undefined;
	return values.map((v) => (v ?? '').replace(/[\0\x80]/g, '').replace(/[\x81-\xff]/g, 'X').replace(/\s+/g, ' ').trim()).join('\n');
}
