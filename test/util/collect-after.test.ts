/**
 * util/collect-after.ts (issue #14, memory): the collector runs when the measured memory has grown by a step, and
 * `fullCollection` reaches V8's full collection in a process started without --expose-gc (a child process of
 * its own: this one may have it). Whether an object is collected is checked through a WeakRef, not by memory
 * figures or time.
 */
import assert from 'node:assert/strict';
import {execFile} from 'node:child_process';
import {promisify} from 'node:util';
import {fileURLToPath, pathToFileURL} from 'node:url';
import {describe, test} from 'node:test';
import {CollectOnGrowth, heapAndBuffers} from '../../src/util/collect-after.js';

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
	test('memory is measured once per step of released bytes, and collected only when it grew by the step since the last collection', async () => {
		let memory = 1000;
		let measurements = 0;
		let finish: (() => void) | undefined;
		const collector = new CollectOnGrowth({
			growth: 500, checkEvery: 100, defer: (run) => run(),
			measure: () => {
				measurements++;
				return memory;
			},
			collect: () => new Promise<void>((resolve) => {
				finish = () => {
					memory = 1200; // what is left after the collection: the next floor
					resolve();
				};
			}),
		});
		assert.equal(measurements, 1, 'the floor, when made');
		collector.released(99);
		assert.equal(measurements, 1, 'not a step yet');
		memory = 1499;
		collector.released(1);
		assert.equal(measurements, 2);
		assert.equal(collector.collections, 0, 'grown 499 of 500');
		memory = 1500;
		collector.released(100);
		assert.equal(collector.collections, 1, 'grown 500');
		memory = 5000;
		collector.released(1000);
		assert.equal(collector.collections, 1, 'not while one is running');
		finish!();
		await new Promise((resolve) => setImmediate(resolve));
		memory = 1699;
		collector.released(100);
		assert.equal(collector.collections, 1, 'the floor is what was left after the collection (1200)');
		memory = 1700;
		collector.released(100);
		assert.equal(collector.collections, 2);
	});

	test('a collector that throws or rejects does not stop later collections', async () => {
		let memory = 0;
		let calls = 0;
		const collector = new CollectOnGrowth({growth: 10, checkEvery: 1, defer: (run) => run(), measure: () => memory, collect: () => {
			calls++;
			if (calls === 1) throw new Error('refused');
			return Promise.reject(new Error('refused too'));
		}});
		memory = 10;
		collector.released(1);
		memory = 20;
		collector.released(1);
		await new Promise((resolve) => setImmediate(resolve));
		memory = 30;
		collector.released(1);
		assert.equal(calls, 3);
	});

	test('the measurement waits for the next turn of the event loop, when whoever released the bytes has let go of them', async () => {
		let measured = 0;
		const collector = new CollectOnGrowth({growth: 1000, checkEvery: 1, measure: () => ++measured, collect: () => undefined});
		assert.equal(measured, 1, 'the floor');
		collector.released(5);
		collector.released(5);
		assert.equal(measured, 1, 'not yet');
		await new Promise((resolve) => setImmediate(resolve));
		assert.equal(measured, 2, 'once, for both');
	});

	test('a measurement that throws collects nothing and does not stop later measurements', async () => {
		let fail = true;
		let collections = 0;
		const collector = new CollectOnGrowth({growth: 10, checkEvery: 1, defer: (run) => run(), measure: () => {
			if (fail) throw new Error('no statistics');
			return 100;
		}, collect: () => collections++});
		collector.released(1);
		assert.equal(collections, 0);
		fail = false;
		collector.released(1);
		assert.equal(collections, 1, 'measured again, grown from the floor of 0');
	});

	test('a single release of a step or more is collected at once, synchronously, on the next turn', async () => {
		const calls: string[] = [];
		const collector = new CollectOnGrowth({growth: 100, checkEvery: 10, measure: () => 0, collect: () => calls.push('background'), collectNow: () => calls.push('now')});
		collector.released(99);
		collector.released(100);
		assert.deepEqual(calls, [], 'not before the next turn');
		await new Promise((resolve) => setImmediate(resolve));
		assert.deepEqual(calls, ['now']);
		assert.equal(collector.collections, 1);
	});

	test('what is measured is the heap in use plus the ArrayBuffers\' bytes', () => {
		const before = heapAndBuffers();
		const held = new ArrayBuffer(8 << 20);
		// Not exactly 8 MiB more: V8 frees the memory of dead ArrayBuffers in the background after a collection, so
		// what the first measurement counted of them may be gone by the second (seen in CI: a few hundred KiB).
		assert.ok(heapAndBuffers() - before >= 7 << 20, 'an 8 MiB ArrayBuffer counts');
		assert.equal(held.byteLength, 8 << 20);
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
