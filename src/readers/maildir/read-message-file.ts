/**
 * Reads one message file whole, for the Maildir reader: open, read into one buffer sized from the listing's
 * stat, close. With `crlf` (an upload: ReaderOptions.crlf) the buffer leaves room for CRLF line ends and the
 * bytes are converted where they lie (mapper/normalize.ts `crlfInPlace`), so a message is held once, not twice.
 * With `buffers` (ReaderOptions.messageBuffers) the buffer is taken from there: the consumer gives it back.
 *
 * A file up to SYNC_READ_MAX bytes is read with synchronous calls, after one turn of the event loop: per file,
 * Node's callback API costs three thread-pool round trips (measured for issue #14 on the standard corpus's 10,000
 * files: 0.63–0.72 s of CPU against 0.21–0.23 s synchronously; `fs.promises` costs more still). The turn keeps
 * the engine getting a folder's messages one at a time, at the pace it asks for them, as an asynchronous read
 * did (without it the whole window was read at once and the first MULTIAPPEND batches were as large as they
 * may be: on a link that drops every ~1 MB, messages then ran out of attempts, test/e2e/cut-batches.test.ts),
 * and bounds how long the event loop is held: one small file. Larger files, and those whose size the listing
 * did not learn, are read through the callback API.
 *
 * A file that grew since the listing is read whole all the same (the buffer grows, bounded by what the file
 * holds); one that shrank yields what it holds now.
 */
import {close, closeSync, fstat, fstatSync, open, openSync, read, readSync} from 'node:fs';
import {crlfInPlace, crlfSlack} from '../../mapper/normalize.js';
import type {MessageBuffers} from '../../contracts/source-store.js';

/** Read at most this much per call once the listed size is exceeded (a file that grows while read). */
const GROW_STEP = 1 << 20;
/** Files up to this size (as listed) are read synchronously. */
const SYNC_READ_MAX = 256 * 1024;

/** The four file calls, as one of Node's two APIs: values (synchronous) or promises (callbacks). */
type FileCalls = Readonly<{
	open(path: Buffer): number | Promise<number>;
	size(fd: number): number | Promise<number>;
	read(fd: number, buf: Buffer, offset: number, length: number): number | Promise<number>;
	/** Never fails: the bytes are read by then. */
	close(fd: number): void | Promise<void>;
}>;

const SYNC_CALLS: FileCalls = {
	open: (path) => openSync(path, 'r'),
	size: (fd) => fstatSync(fd).size,
	read: (fd, buf, offset, length) => readSync(fd, buf, offset, length, offset),
	close: (fd) => {
		try {
			closeSync(fd);
		} catch {
			// Nothing to do about it: the bytes were read.
		}
	},
};

const CALLBACK_CALLS: FileCalls = {
	open: (path) => new Promise((resolve, reject) => open(path, 'r', (error, fd) => (error ? reject(error) : resolve(fd)))),
	size: (fd) => new Promise((resolve, reject) => fstat(fd, (error, stat) => (error ? reject(error) : resolve(stat.size)))),
	read: (fd, buf, offset, length) => new Promise((resolve, reject) => read(fd, buf, offset, length, offset, (error, bytes) => (error ? reject(error) : resolve(bytes)))),
	close: (fd) => new Promise((resolve) => close(fd, () => resolve())),
};

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Buffers of their own, when the consumer gives none back. */
const OWN_BUFFERS: MessageBuffers = {take: (size) => Buffer.allocUnsafe(size), give: () => {}, maxSize: Number.POSITIVE_INFINITY};

/**
 * The file's bytes (CRLF lines when `crlf`), in a buffer from `buffers`. `listedSize` is the size the listing saw
 * (NaN: ask the file). Rejects with the file system's error (ENOENT, EACCES, EISDIR …), having given back the buffer.
 */
export async function readMessageFile(path: Buffer, listedSize: number, crlf: boolean, buffers: MessageBuffers = OWN_BUFFERS): Promise<Buffer> {
	const isListed = Number.isFinite(listedSize) && listedSize >= 0;
	const calls = isListed && listedSize <= SYNC_READ_MAX ? SYNC_CALLS : CALLBACK_CALLS;
	if (calls === SYNC_CALLS) await nextTurn();
	const fd = await calls.open(path);
	try {
		const size = isListed ? listedSize : await calls.size(fd);
		// One byte more than expected, so that a file that grew is noticed without another call.
		let buf = buffers.take(size + 1 + (crlf ? crlfSlack(size) : 0));
		let length = 0;
		try {
			for (;;) {
				if (length === buf.length) {
					const bigger = buffers.take(buf.length + GROW_STEP);
					buf.copy(bigger, 0, 0, length);
					buffers.give(buf);
					buf = bigger;
				}
				const wanted = buf.length - length;
				const bytes = await calls.read(fd, buf, length, wanted);
				length += bytes;
				// A short read of a regular file is its end (read(2)): no extra call to see 0 bytes.
				if (bytes < wanted) break;
			}
		} catch (error) {
			buffers.give(buf);
			throw error;
		}
		if (!crlf) return buf.subarray(0, length);
		const converted = crlfInPlace(buf, length);
		// Not enough room (very short lines): the converted copy is the message, and the buffer read into goes back.
		if (converted.buffer !== buf.buffer || converted.byteOffset !== buf.byteOffset) buffers.give(buf);
		return converted;
	} finally {
		await calls.close(fd);
	}
}
