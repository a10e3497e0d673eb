import assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import {ConnectionSemaphore, ServerConnectionCaps} from '../../src/batch/connection-semaphore.js';

describe('ConnectionSemaphore (per-server connection cap)', () => {
	test('given a cap of 8, rows asking 4, 4 and 4 get 4 and 4, and the third waits until one releases', async () => {
		const s = new ConnectionSemaphore(8);
		const a = await s.acquire(4);
		const b = await s.acquire(4);
		assert.equal(a.count + b.count, 8);
		let third: number | undefined;
		const pending = s.acquire(4).then((p) => (third = p.count));
		await new Promise((r) => setImmediate(r));
		assert.equal(third, undefined, 'the third row waits');
		a.release();
		await pending;
		assert.equal(third, 4);
		assert.equal(s.free, 0);
	});

	test('a row asking more than is free is clamped to what is free, so the sum never exceeds the cap', async () => {
		const s = new ConnectionSemaphore(8);
		const a = await s.acquire(6);
		const b = await s.acquire(6);
		assert.deepEqual([a.count, b.count], [6, 2]);
		assert.equal(s.free, 0);
	});

	test('a request above the cap is clamped to the cap; asking for less than 1 gets 1', async () => {
		const s = new ConnectionSemaphore(3);
		const a = await s.acquire(10);
		assert.equal(a.count, 3);
		a.release();
		a.release(); // idempotent
		assert.equal(s.free, 3);
		const b = await s.acquire(0);
		assert.equal(b.count, 1);
	});

	test('many rows against one server never hold more than the cap at once', async () => {
		const s = new ConnectionSemaphore(8);
		let held = 0;
		let peak = 0;
		await Promise.all(Array.from({length: 20}, async (_, i) => {
			const p = await s.acquire(1 + (i % 5));
			held += p.count;
			peak = Math.max(peak, held);
			await new Promise((r) => setTimeout(r, 1 + (i % 3)));
			held -= p.count;
			p.release();
		}));
		assert.ok(peak <= 8, `peak ${peak}`);
		assert.equal(s.free, 8);
	});

	test('a waiter whose signal aborts leaves the queue and holds nothing', async () => {
		const s = new ConnectionSemaphore(2);
		const a = await s.acquire(2);
		const controller = new AbortController();
		const waiting = s.acquire(1, controller.signal);
		controller.abort(new Error('stop'));
		await assert.rejects(waiting, /stop/);
		a.release();
		assert.equal(s.free, 2);
	});

	test('rows on the same host:port share one cap; other servers have their own', async () => {
		const caps = new ServerConnectionCaps(4);
		assert.equal(caps.forServer('IMAP.example.com', 993), caps.forServer('imap.example.com', 993));
		assert.notEqual(caps.forServer('imap.example.com', 993), caps.forServer('imap.example.com', 143));
		const p = await caps.forServer('a', 1).acquire(4);
		assert.equal(caps.forServer('b', 1).free, 4);
		p.release();
	});
});
