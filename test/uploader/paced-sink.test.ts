/** PacedSink (rate and byte limits) and RetryingSink over it (server throttling with backoff, bounded attempts), with a fake clock. */
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {MailshiftError} from '../../src/contracts/errors.js';
import type {UploadJob} from '../../src/contracts/types.js';
import {MemorySink} from '../../src/uploader/memory-sink.js';
import {PacedSink} from '../../src/uploader/paced-sink.js';
import {RetryingSink} from '../../src/uploader/retrying-sink.js';

function job(i: number, size = 100): UploadJob {
	return {ref: {store: 's', folder: 'INBOX', key: String(i), location: String(i)}, mailbox: 'INBOX', content: Buffer.alloc(size), flags: [], internalDate: new Date(0), dateSource: 'fallback', fingerprint: String(i)};
}

function clock(): {now: () => number; sleep: (ms: number) => Promise<void>; slept: number[]} {
	let t = 0;
	const slept: number[] = [];
	return {now: () => t, sleep: async (ms) => { slept.push(ms); t += ms; }, slept};
}

test('--max-rate 10 allows a one-second burst, then spaces uploads at 10 per second (31 uploads take about 2 s)', async () => {
	const c = clock();
	const sink = new PacedSink(new MemorySink(), {maxRate: 10, now: c.now, sleep: c.sleep});
	for (let i = 0; i < 31; i++) await sink.append(job(i));
	assert.ok(c.now() >= 1900 && c.now() <= 2100, `took ${c.now()} ms`);
});

test('--bwlimit lets a message bigger than one second of budget through, and makes the next ones wait for it', async () => {
	const c = clock();
	const sink = new PacedSink(new MemorySink(), {bytesPerSecond: 100_000, now: c.now, sleep: c.sleep});
	await sink.append(job(1, 1_000_000)); // 10 s worth
	await sink.append(job(2, 1000));
	assert.ok(c.now() >= 8900 && c.now() <= 9100, `waited ${c.now()} ms for the debt of the first message`);
});

test('a throttled upload waits the server\'s suggested time and is sent again', async () => {
	const c = clock();
	let calls = 0;
	const throttles: number[] = [];
	const inner = new MemorySink({failWith: () => (++calls <= 2 ? new MailshiftError('THROTTLED', 'Request is throttled', 'retry', {retryAfterMs: 200}) : undefined)});
	const sink = new RetryingSink(new PacedSink(inner, {now: c.now, sleep: c.sleep}), {now: c.now, sleep: c.sleep, random: () => 0.5, onThrottle: (until) => throttles.push(until)});
	const receipt = await sink.append(job(1));
	assert.equal(receipt.mailbox, 'INBOX');
	assert.equal(calls, 3);
	assert.equal(throttles.length, 2, 'the user is told each time');
	assert.ok(c.slept.filter((ms) => ms === 200).length >= 2, `slept ${c.slept.join(',')}`);
	assert.equal(inner.mailboxes.get('INBOX')?.length, 1, 'stored once');
});

test('a server that keeps throttling gets up to 8 attempts, then the error goes to the engine', async () => {
	const c = clock();
	let calls = 0;
	const sink = new RetryingSink(new PacedSink(new MemorySink({failWith: () => (calls++, new MailshiftError('THROTTLED', 'slow down', 'retry'))}), {now: c.now, sleep: c.sleep}), {now: c.now, sleep: c.sleep, random: () => 0.5});
	await assert.rejects(sink.append(job(1)), (e: unknown) => e instanceof MailshiftError && e.code === 'THROTTLED');
	assert.equal(calls, 8);
	assert.ok(c.slept.every((ms) => ms <= 5 * 60_000), 'every wait is capped at 5 minutes');
});

test('other errors pass straight through without waiting', async () => {
	const c = clock();
	const sink = new RetryingSink(new PacedSink(new MemorySink({failWith: () => new MailshiftError('TOO_BIG', 'too big', 'skip')}), {now: c.now, sleep: c.sleep}), {now: c.now, sleep: c.sleep});
	await assert.rejects(sink.append(job(1)), /too big/);
	assert.equal(c.now(), 0);
});
