/**
 * RetryingSink, the one retry policy of uploads, with a fake clock: it re-sends only what the server did not
 * store ('retry'), within bounds, waits for throttles across all uploads, and a stop withdraws a waiting message.
 */
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {MailshiftError} from '../../src/contracts/errors.js';
import type {UploadJob} from '../../src/contracts/types.js';
import {MemorySink} from '../../src/uploader/memory-sink.js';
import {RetryingSink} from '../../src/uploader/retrying-sink.js';

function job(key: string): UploadJob {
	return {ref: {store: 's', folder: 'INBOX', key, location: key}, mailbox: 'INBOX', content: Buffer.alloc(10), flags: [], internalDate: new Date(0), dateSource: 'fallback', fingerprint: key};
}

function clock(): {now: () => number; sleep: (ms: number, signal?: AbortSignal) => Promise<void>; slept: number[]} {
	let t = 0;
	const slept: number[] = [];
	return {now: () => t, sleep: async (ms) => { slept.push(ms); t += ms; }, slept};
}

test('a refusal that stored nothing is sent again three times in a row at most, then its error goes to the engine', async () => {
	const c = clock();
	let calls = 0;
	const sink = new RetryingSink(new MemorySink({failWith: () => (calls++, new MailshiftError('CONNECTION_LOST', 'no connection', 'retry'))}), c);
	await assert.rejects(sink.append(job('a')), (e: unknown) => e instanceof MailshiftError && e.code === 'CONNECTION_LOST');
	assert.equal(calls, 3);
	assert.deepEqual(c.slept, [2000, 4000], 'backoff doubles between attempts');
});

test('while other messages land, a message whose sends keep failing keeps its turn, up to 30 attempts', async () => {
	// Given a sink on which message "a" always fails with 'retry', and every wait lets another message land.
	const c = clock();
	let calls = 0;
	const inner = new MemorySink({failWith: (j) => (j.ref.key === 'a' ? (calls++, new MailshiftError('CONNECTION_LOST', 'cut', 'retry', {retryAfterMs: 1})) : undefined)});
	const sink = new RetryingSink(inner, {now: c.now, sleep: async (ms) => {
		c.slept.push(ms);
		await sink.append(job(`other-${c.slept.length}`));
	}});
	// When "a" is sent.
	await assert.rejects(sink.append(job('a')));
	// Then it was tried 30 times (never stalled: something landed between every two tries).
	assert.equal(calls, 30);
	assert.equal(inner.mailboxes.get('INBOX')?.length, 29);
});

test('an upload whose outcome is unknown is never sent again here (the engine looks on the server first)', async () => {
	const c = clock();
	let calls = 0;
	const sink = new RetryingSink(new MemorySink({failWith: () => (calls++, new MailshiftError('CONNECTION_LOST', 'cut during APPEND', 'verify'))}), c);
	await assert.rejects(sink.append(job('a')), (e: unknown) => e instanceof MailshiftError && e.disposition === 'verify');
	assert.equal(calls, 1);
	assert.deepEqual(c.slept, []);
});

test('a stop during the wait withdraws the message: ABORTED, and it is not sent again', async () => {
	const controller = new AbortController();
	let calls = 0;
	const sink = new RetryingSink(new MemorySink({failWith: () => (calls++, new MailshiftError('CONNECTION_LOST', 'no connection', 'retry'))}), {
		now: () => 0, sleep: async () => controller.abort(),
	});
	await assert.rejects(sink.append(job('a'), controller.signal), (e: unknown) => e instanceof MailshiftError && e.code === 'ABORTED');
	assert.equal(calls, 1);
});

test('a throttled message waits the server\'s time once, the user is told once, and it is then stored', async () => {
	// Given a server that throttles the first APPEND for 200 ms.
	const c = clock();
	let calls = 0;
	const inner = new MemorySink({failWith: () => (++calls === 1 ? new MailshiftError('THROTTLED', 'slow down', 'retry', {retryAfterMs: 200}) : undefined)});
	const throttles: number[] = [];
	const sink = new RetryingSink(inner, {now: c.now, sleep: c.sleep, random: () => 0.5, onThrottle: (until) => throttles.push(until)});
	await sink.append(job('a'));
	// When another message is sent before the pause ends (the clock is still inside it).
	const before = c.slept.length;
	await sink.append(job('b'));
	// Then "a" waited the server's 200 ms once, the user was told once, and "b" found the pause over.
	assert.deepEqual(throttles, [200]);
	assert.deepEqual(c.slept.slice(0, before), [200]);
	assert.equal(inner.mailboxes.get('INBOX')?.length, 2);
});
