/**
 * statFiles: the size and mtime of many files (a Maildir folder's message files), cheaply and without holding up
 * the event loop for long.
 *
 * Why not one `fs.promises.stat` per file: each goes through libuv's thread pool and a promise, ~3× the CPU of
 * `fs.statSync` for the same answer from the kernel's inode cache (issue #14: 10,000 files cost ~0.15 s of a
 * no-op re-run). Why not all of them synchronously: the TUI's spinner and Ctrl-C handling run on the same
 * loop, and on a network file system (SMB, NFS) each synchronous stat waits for a round trip.
 *
 * Contract:
 * - Files are stat'ed synchronously in chunks of at most SYNC_CHUNK_FILES files and SYNC_CHUNK_MS; between
 *   chunks the loop runs (setImmediate). When a chunk's stats take more than SLOW_STAT_MS each on average (a
 *   network or cold file system, a machine under load), the rest go through the thread pool in batches of
 *   ASYNC_BATCH, as before, so that slow stats overlap instead of queueing behind one another.
 * - Never throws for a file: one that cannot be stat'ed (vanished, EACCES) or is not a regular file gets NaN in
 *   both arrays; the caller reads it later and reports why. Symlinks are followed (`stat`, not `lstat`).
 * - Abort: checked before each chunk or batch; an aborted signal throws `onAbort()`'s error.
 * - Memory: 16 bytes per file (two Float64Arrays).
 * - `fs` is `node:fs`'s module object, looked up at call time, so tests can count the calls (`mock.method`).
 */
import fs from 'node:fs';
import {setImmediate as nextTurn} from 'node:timers/promises';

/** Files per synchronous chunk. */
export const SYNC_CHUNK_FILES = 256;
/** Longest a synchronous chunk runs before the loop gets a turn (a spinner frame is 80–100 ms). */
export const SYNC_CHUNK_MS = 8;
/** Average stat time above which the rest of the files are stat'ed through the thread pool. */
export const SLOW_STAT_MS = 0.25;
/** Parallel thread-pool stats in the slow path. */
export const ASYNC_BATCH = 64;

export type FileStats = Readonly<{
	/** Size in bytes per file, NaN when it could not be stat'ed or is not a regular file. */
	size: Float64Array;
	/** mtime in ms since the epoch per file, NaN likewise. */
	mtimeMs: Float64Array;
}>;

export type StatFilesOptions = Readonly<{
	signal?: AbortSignal | undefined;
	/** The error thrown when `signal` is aborted. */
	onAbort: () => Error;
	/** Clock for the chunk bounds (tests). @default performance.now */
	now?: () => number;
}>;

/** Stats `paths` (see the module comment). Order of the results = order of `paths`. */
export async function statFiles(paths: readonly Buffer[], options: StatFilesOptions): Promise<FileStats> {
	const now = options.now ?? ((): number => performance.now());
	const size = new Float64Array(paths.length).fill(Number.NaN);
	const mtimeMs = new Float64Array(paths.length).fill(Number.NaN);
	const keep = (i: number, stat: fs.Stats | undefined): void => {
		if (stat === undefined || !stat.isFile()) return;
		size[i] = stat.size;
		mtimeMs[i] = stat.mtimeMs;
	};
	let next = 0;
	let isSlow = false;
	while (next < paths.length && !isSlow) {
		if (options.signal?.aborted) throw options.onAbort();
		const started = now();
		const first = next;
		let elapsed = 0;
		while (next < paths.length && next - first < SYNC_CHUNK_FILES && elapsed < SYNC_CHUNK_MS) {
			keep(next, statSyncOrUndefined(paths[next]!));
			next += 1;
			elapsed = now() - started;
		}
		isSlow = elapsed / (next - first) > SLOW_STAT_MS;
		if (next < paths.length) await nextTurn();
	}
	for (let start = next; start < paths.length; start += ASYNC_BATCH) {
		if (options.signal?.aborted) throw options.onAbort();
		await Promise.all(paths.slice(start, start + ASYNC_BATCH).map(async (path, i) => {
			keep(start + i, await fs.promises.stat(path).catch(() => undefined));
		}));
	}
	return {size, mtimeMs};
}

function statSyncOrUndefined(path: Buffer): fs.Stats | undefined {
	try {
		return fs.statSync(path, {throwIfNoEntry: false});
	} catch {
		return undefined; // EACCES, ELOOP …: left NaN, reading the file reports it.
	}
}
