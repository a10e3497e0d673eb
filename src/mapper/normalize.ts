/**
 * Line-ending normalization for APPEND: IMAP literals carry CRLF lines (RFC 3501 §2.2; Cyrus refuses bare LF:
 * "NO Message contains bare newlines", servers.md §0.2). Bare LF → CRLF; existing CRLF and every other byte are
 * kept. `toCrlf` returns the input Buffer itself when nothing needs changing (no copy); `crlfInPlace` converts
 * inside the buffer a reader has just read a message into, when it has room (ReaderOptions.crlf: no second buffer
 * of the message's size — issue #14, it was most of an upload's per-message memory and a third of its client CPU),
 * so the mapper's `toCrlf` then finds nothing to do.
 */

const LF = 0x0a;
const CR = 0x0d;

/** How many LFs in `buf[0, length)` have no CR before them. */
export function countBareLf(buf: Uint8Array & {indexOf(value: number, from?: number): number}, length = buf.length): number {
	let bare = 0;
	for (let i = buf.indexOf(LF); i >= 0 && i < length; i = buf.indexOf(LF, i + 1)) {
		if (i === 0 || buf[i - 1] !== CR) bare++;
	}
	return bare;
}

/**
 * Rewrites `buf[0, length)` (which has `bare` bare LFs) as CRLF lines in `buf[0, length + bare)`, moving bytes back
 * to front so that nothing not yet moved is overwritten: one `copyWithin` per line, no allocation. The caller
 * guarantees `buf.length >= length + bare`.
 */
export function expandCrlf(buf: Buffer, length: number, bare: number): void {
	// [0, from) is not yet moved; [to, length + bare) is done; to - from = bare LFs left in [0, from).
	let from = length;
	let to = length + bare;
	while (from > 0 && to > from) {
		const i = buf.lastIndexOf(LF, from - 1);
		if (i === -1) break;
		if (i > 0 && buf[i - 1] === CR) {
			// A CRLF stays as it is, moved with the text around it.
			const size = from - i;
			buf.copyWithin(to - size, i, from);
			to -= size;
			from = i;
			continue;
		}
		const size = from - (i + 1);
		buf.copyWithin(to - size, i + 1, from);
		to -= size;
		buf[--to] = LF;
		buf[--to] = CR;
		from = i;
	}
}

/**
 * `buf[0, length)` with CRLF lines: in place when `buf` has room for them (a view of `buf`), else a new buffer
 * of exactly the converted size. `buf[0, length)` itself when it has no bare LF.
 */
export function crlfInPlace(buf: Buffer, length: number): Buffer {
	const bare = countBareLf(buf, length);
	if (bare === 0) return buf.subarray(0, length);
	if (buf.length >= length + bare) {
		expandCrlf(buf, length, bare);
		return buf.subarray(0, length + bare);
	}
	return toCrlf(buf.subarray(0, length));
}

/**
 * Room to leave after a message of `size` bytes read for an upload, so that `crlfInPlace` converts it where it
 * lies: one byte per 32 (text lines are longer than 32 bytes on average; base64 lines are 76) plus a little.
 * A message with shorter lines gets one copy, as before.
 */
export function crlfSlack(size: number): number {
	return (size >>> 5) + 64;
}

/** `raw` with CRLF lines: `raw` itself when it has no bare LF, else a converted copy. */
export function toCrlf(raw: Buffer): Buffer {
	const bare = countBareLf(raw);
	if (bare === 0) return raw;
	const out = Buffer.allocUnsafe(raw.length + bare);
	raw.copy(out, 0, 0, raw.length);
	expandCrlf(out, raw.length, bare);
	return out;
}
