/**
 * statFiles (readers/file-stats.ts): many stats cheaply — synchronous in short chunks that let the event loop
 * run between them, through the thread pool once stats turn out slow (a network file system). Counted and
 * observed through node:fs's functions and an injected clock, never timed.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import {mkdir, mkdtemp, rm, utimes, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describe, mock, test} from 'node:test';
import {ASYNC_BATCH, SLOW_STAT_MS, SYNC_CHUNK_FILES, statFiles} from '../../src/readers/file-stats.js';

async function files(t: {after: (fn: () => Promise<void>) => void}, n: number): Promise<{dir: string; paths: Buffer[]}> {
	const dir = await mkdtemp(join(tmpdir(), 'ms-file-stats-'));
	t.after(() => rm(dir, {recursive: true, force: true}));
	const paths: Buffer[] = [];
	for (let i = 0; i < n; i++) {
		const path = join(dir, `f${i}`);
		await writeFile(path, 'x'.repeat(i % 50));
		await utimes(path, new Date(Date.UTC(2010, 0, 1 + (i % 28))), new Date(Date.UTC(2010, 0, 1 + (i % 28))));
		paths.push(Buffer.from(path));
	}
	return {dir, paths};
}

const onAbort = (): Error => new Error('stopped');

/** node:fs's statSync and fs.promises.stat, counted (and still doing their work) until the test ends. */
function watchStats(t: {after: (fn: () => void) => void}): {sync: ReturnType<typeof mock.method>; promised: ReturnType<typeof mock.method>} {
	const sync = mock.method(fs, 'statSync');
	const promised = mock.method(fs.promises, 'stat');
	t.after(() => {
		sync.mock.restore();
		promised.mock.restore();
	});
	return {sync, promised};
}

describe('statFiles', () => {
	test('sizes and mtimes come back in the order of the paths; a missing file or a directory is NaN', async (t) => {
		const {dir, paths} = await files(t, 5);
		await mkdir(join(dir, 'sub'));
		const all = [...paths, Buffer.from(join(dir, 'gone')), Buffer.from(join(dir, 'sub'))];
		const {size, mtimeMs} = await statFiles(all, {onAbort});
		assert.deepEqual([...size], [0, 1, 2, 3, 4, Number.NaN, Number.NaN]);
		assert.deepEqual([...mtimeMs].slice(0, 5), [0, 1, 2, 3, 4].map((i) => Date.UTC(2010, 0, 1 + i)));
		assert.ok(Number.isNaN(mtimeMs[5]) && Number.isNaN(mtimeMs[6]));
	});

	test('on a fast file system every stat is synchronous, and the event loop runs between chunks', async (t) => {
		const n = SYNC_CHUNK_FILES * 2 + 10;
		const {paths} = await files(t, n);
		const {sync, promised} = watchStats(t);
		// A callback queued before the stats start runs before the last chunk: the loop got a turn in between.
		let statsWhenLoopRan: number | undefined;
		setImmediate(() => (statsWhenLoopRan = sync.mock.callCount()));
		const {size} = await statFiles(paths, {onAbort, now: () => 0});
		assert.equal(sync.mock.callCount(), n);
		assert.equal(promised.mock.callCount(), 0);
		assert.equal(statsWhenLoopRan, SYNC_CHUNK_FILES, 'the first chunk ends after SYNC_CHUNK_FILES stats, then the loop runs');
		assert.equal(size[n - 1], (n - 1) % 50);
	});

	test('when stats are slow (a network file system), the rest go through the thread pool, with the same results', async (t) => {
		const n = ASYNC_BATCH + 20;
		const {paths} = await files(t, n);
		const {sync, promised} = watchStats(t);
		// Each stat seems to take 4 × SLOW_STAT_MS: the first chunk ends at its time bound, and the rest is asynchronous.
		let clock = 0;
		const now = (): number => (clock += 4 * SLOW_STAT_MS);
		const slow = await statFiles(paths, {onAbort, now});
		const synchronous = sync.mock.callCount();
		assert.ok(synchronous > 0 && synchronous < 20, `${synchronous} synchronous stats before switching`);
		assert.equal(promised.mock.callCount(), n - synchronous);
		const fast = await statFiles(paths, {onAbort, now: () => 0});
		assert.deepEqual([...slow.size], [...fast.size]);
		assert.deepEqual([...slow.mtimeMs], [...fast.mtimeMs]);
	});

	test('an aborted signal stops it with the caller\'s error', async (t) => {
		const {paths} = await files(t, 3);
		const controller = new AbortController();
		controller.abort();
		await assert.rejects(statFiles(paths, {signal: controller.signal, onAbort}), /stopped/);
	});
});
