/**
 * util/collect-after.ts (issue #14, memory): the collector runs once per step of released bytes, and
 * `fullCollection` reaches V8's full collection in a process started without --expose-gc (a child process of
 * its own: this one may have it). Whether an object is collected is checked through a WeakRef, not by memory
 * figures or time.
 */
import assert from 'node:assert/strict';
import {execFile} from 'node:child_process';
import {promisify} from 'node:util';
import {fileURLToPath, pathToFileURL} from 'node:url';
import {describe, test} from 'node:test';
import {CollectAfter} from '../../src/util/collect-after.js';

const run = promisify(execFile);
const MODULE = pathToFileURL(fileURLToPath(new URL('../../src/util/collect-after.ts', import.meta.url))).href;

/**
 * Runs `then` in a child process started without --expose-gc, after making an object of 1 MiB unreachable (held
 * only by `weak`) and `gc = fullCollection()`; returns the JSON `then` prints.
 */
async function withUnreachableObject(then: string): Promise<unknown> {
	const script = `
		import {backgroundCollection, fullCollection} from ${JSON.stringify(MODULE)};
		import {setImmediate as tick} from 'node:timers/promises';
		const gc = fullCollection();
		let held = {bytes: Buffer.alloc(1 << 20)};
		const weak = new WeakRef(held);
		held = undefined;
		await tick(); // a WeakRef keeps its target alive until the end of the job that made it
		${then}`;
	const {stdout} = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {cwd: fileURLToPath(new URL('../../', import.meta.url))});
	return JSON.parse(stdout);
}

describe('collecting dead message buffers early', () => {
	test('the collector runs each time another step of bytes has been released, and not before', () => {
		let collections = 0;
		const after = new CollectAfter(100, () => collections++);
		after.released(60);
		assert.equal(collections, 0);
		after.released(40);
		assert.equal(collections, 1, 'at 100 bytes');
		after.released(99);
		assert.equal(collections, 1, 'the count started again');
		after.released(250);
		assert.equal(collections, 2, 'one collection for a big message, however many steps it spans');
	});

	test('fullCollection frees an unreachable object in a process started without --expose-gc', async () => {
		const result = await withUnreachableObject(`
			const before = typeof globalThis.gc;
			gc?.();
			console.log(JSON.stringify({found: typeof gc, globalGc: before, collected: weak.deref() === undefined}));`);
		assert.deepEqual(result, {found: 'function', globalGc: 'undefined', collected: true});
	});

	test('a background collection frees an unreachable object once it has finished', async () => {
		const result = await withUnreachableObject(`
			await backgroundCollection(gc)();
			console.log(JSON.stringify({collected: weak.deref() === undefined}));`);
		assert.deepEqual(result, {collected: true});
	});
});
