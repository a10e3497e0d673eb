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

/** The bare LFs of `buf[0, length)`: how many, and where (ascending), or `at` undefined when not recorded. */
export type BareLfs = Readonly<{count: number; at: Int32Array | undefined}>;

/**
 * At most this many positions are recorded (512 KiB): a 5 MB base64 attachment has ~67,000 lines. A message with
 * more bare LFs is converted by searching for them again (`expandBySearch`), as fast as before.
 */
const MAX_RECORDED_LF = 1 << 17;
/** The largest offset an Int32Array holds: messages longer than this are converted by searching (`expandBySearch`). */
const MAX_RECORDED_OFFSET = 0x7fffffff;
/** Where `findBareLfs` records: one array for the process, grown on demand up to MAX_RECORDED_LF. */
let positions = new Int32Array(1 << 12);

/**
 * Finds the LFs in `buf[0, length)` that have no CR before them, recording where they are so that `expandCrlf`
 * moves the bytes between them without searching again (one native call per line fewer: ~25% of the
 * conversion's CPU, issue #14). The returned `at` is shared: it is valid until the next call.
 */
export function findBareLfs(buf: Uint8Array & {indexOf(value: number, from?: number): number}, length = buf.length): BareLfs {
	let count = 0;
	// Positions from 2 GiB on do not fit an Int32Array (a handed-over mbox message can be that big): not recorded.
	let at: Int32Array | undefined = length > MAX_RECORDED_OFFSET ? undefined : positions;
	for (let i = buf.indexOf(LF); i >= 0 && i < length; i = buf.indexOf(LF, i + 1)) {
		if (i > 0 && buf[i - 1] === CR) continue;
		if (at !== undefined) {
			if (count === at.length) at = grownPositions();
			if (at !== undefined) at[count] = i;
		}
		count++;
	}
	return {count, at: count === 0 ? undefined : at};
}

/** `positions` twice as long with its contents kept, or undefined at MAX_RECORDED_LF (then nothing is recorded). */
function grownPositions(): Int32Array | undefined {
	if (positions.length >= MAX_RECORDED_LF) return undefined;
	const grown = new Int32Array(positions.length * 2);
	grown.set(positions);
	positions = grown;
	return grown;
}

/**
 * Rewrites `buf[0, length)` (whose bare LFs `bare` found) as CRLF lines in `buf[0, length + bare.count)`, moving
 * bytes back to front so that nothing not yet moved is overwritten: one `copyWithin` per line, no allocation.
 * The caller guarantees `buf.length >= length + bare.count`.
 */
export function expandCrlf(buf: Buffer, length: number, bare: BareLfs): void {
	const at = bare.at;
	if (at === undefined) {
		expandBySearch(buf, length, bare.count);
		return;
	}
	// [0, from) is not yet moved; [to, length + count) is done. Text between bare LFs (CRLFs included) moves as is.
	let from = length;
	let to = length + bare.count;
	for (let k = bare.count - 1; k >= 0; k--) {
		const i = at[k]!;
		to = moveAfterBareLf(buf, i, from, to);
		from = i;
	}
}

/** `expandCrlf` without recorded positions: each LF found again, from the end. */
function expandBySearch(buf: Buffer, length: number, bare: number): void {
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
		to = moveAfterBareLf(buf, i, from, to);
		from = i;
	}
}

/** For the bare LF at `i`: moves `buf[i + 1, from)` to end at `to` and puts CRLF before it; returns the new `to`. */
function moveAfterBareLf(buf: Buffer, i: number, from: number, to: number): number {
	const size = from - (i + 1);
	buf.copyWithin(to - size, i + 1, from);
	to -= size;
	buf[--to] = LF;
	buf[--to] = CR;
	return to;
}

/**
 * `buf[0, length)` with CRLF lines: in place when `buf` has room for them (a view of `buf`), else a new buffer
 * of exactly the converted size. `buf[0, length)` itself when it has no bare LF.
 */
export function crlfInPlace(buf: Buffer, length: number): Buffer {
	const bare = findBareLfs(buf, length);
	if (bare.count === 0) return buf.subarray(0, length);
	if (buf.length >= length + bare.count) {
		expandCrlf(buf, length, bare);
		return buf.subarray(0, length + bare.count);
	}
	return copyAsCrlf(buf.subarray(0, length), bare);
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
	const bare = findBareLfs(raw);
	return bare.count === 0 ? raw : copyAsCrlf(raw, bare);
}

/** A new buffer with `raw` (whose bare LFs `bare` found) as CRLF lines. */
function copyAsCrlf(raw: Buffer, bare: BareLfs): Buffer {
	const out = Buffer.allocUnsafe(raw.length + bare.count);
	raw.copy(out, 0, 0, raw.length);
	expandCrlf(out, raw.length, bare);
	return out;
}
