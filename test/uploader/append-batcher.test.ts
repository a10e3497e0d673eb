/**
 * AppendBatcher (group commit into MULTIAPPEND batches) and the APPENDUID uid-set parser, without a server:
 * a fake `send` records the batches. What must hold: batches never exceed their bounds, nothing waits while a
 * connection is free and nothing else is coming, each caller gets its own message's outcome, and a message
 * withdrawn before its batch is sent is never sent.
 */
import assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import type {AppendReceipt, UploadJob} from '../../src/contracts/types.js';
import {AppendBatcher} from '../../src/uploader/append-batcher.js';
import {parseUidSet} from '../../src/uploader/multi-append.js';

function job(n: number, mailbox = 'INBOX', size = 10): UploadJob {
	return {
		ref: {store: 's', folder: 'f', key: String(n), location: `#${n}`}, mailbox, content: Buffer.alloc(size, 65), flags: [],
		internalDate: new Date(0), dateSource: 'fallback', fingerprint: `sha256:${n}`,
	};
}

type Sent = {keys: string[]; release: () => void};

function fakeSend(sent: Sent[], outcome: (j: UploadJob, i: number) => AppendReceipt | Error = (j, i) => ({mailbox: j.mailbox, uid: i + 1})): (jobs: readonly UploadJob[]) => Promise<ReadonlyArray<AppendReceipt | Error>> {
	return (jobs) => new Promise((resolve) => {
		sent.push({keys: jobs.map((j) => j.ref.key), release: () => resolve(jobs.map(outcome))});
	});
}

const tick = (ms = 0): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('AppendBatcher', () => {
	test('after a cut the batches halve down to single messages, and grow back after four batches in a row got through', async () => {
		const sent: Sent[] = [];
		const batcher = new AppendBatcher({maxMessages: 8, maxBytes: 1e9, lingerMs: 1000, slots: () => 1, send: fakeSend(sent)});
		for (let cut = 0; cut < 4; cut++) batcher.shrink();
		assert.deepEqual(batcher.limits.maxMessages, 1, 'halved 8 → 4 → 2 → 1, never below one');
		const first = Array.from({length: 3}, (_, i) => batcher.append(job(i)));
		await tick();
		assert.deepEqual(sent.map((s) => s.keys), [['0'], ['1'], ['2']], 'a single message per batch');
		for (let i = 0; i < 3; i++) {
			sent[i]!.release();
			await tick();
		}
		await Promise.all(first);
		for (let good = 0; good < 4; good++) batcher.delivered();
		assert.equal(batcher.limits.maxMessages, 2, 'doubled after four good batches');
		for (let good = 0; good < 40; good++) batcher.delivered();
		assert.equal(batcher.limits.maxMessages, 8, 'never beyond the configured limit');
	});

	test('a full batch goes at once, and the next one fills while it is in flight, then goes when it returns', async () => {
		const sent: Sent[] = [];
		const batcher = new AppendBatcher({maxMessages: 3, maxBytes: 1e9, lingerMs: 1000, slots: () => 1, send: fakeSend(sent)});
		const results = Array.from({length: 5}, (_, i) => batcher.append(job(i)));
		await tick();
		assert.deepEqual(sent.map((s) => s.keys), [['0', '1', '2']], 'the first three go together; the rest wait for the busy connection');
		sent[0]!.release();
		await tick();
		assert.deepEqual(sent.map((s) => s.keys), [['0', '1', '2'], ['3', '4']], 'the waiting two go as soon as the connection is free');
		sent[1]!.release();
		assert.deepEqual((await Promise.all(results)).map((r) => r.uid), [1, 2, 3, 1, 2]);
	});

	test('a partial batch goes after the linger time when a connection is free', async () => {
		const sent: Sent[] = [];
		const batcher = new AppendBatcher({maxMessages: 50, maxBytes: 1e9, lingerMs: 5, slots: () => 2, send: fakeSend(sent)});
		const one = batcher.append(job(1));
		await tick();
		assert.equal(sent.length, 0);
		await tick(20);
		assert.deepEqual(sent.map((s) => s.keys), [['1']]);
		sent[0]!.release();
		assert.equal((await one).uid, 1);
	});

	test('the byte bound splits batches, but a message bigger than the bound still goes alone', async () => {
		const sent: Sent[] = [];
		const batcher = new AppendBatcher({maxMessages: 50, maxBytes: 100, lingerMs: 1, slots: () => 8, send: fakeSend(sent)});
		const all = [batcher.append(job(1, 'INBOX', 60)), batcher.append(job(2, 'INBOX', 60)), batcher.append(job(3, 'INBOX', 500)), batcher.append(job(4, 'INBOX', 10))];
		await tick(10);
		// 60 + 60 > 100: the first goes alone; the 500-byte one is over the bound by itself and goes alone too.
		assert.deepEqual(sent.map((s) => s.keys), [['1'], ['2'], ['3'], ['4']]);
		for (const s of sent) s.release();
		await Promise.all(all);
	});

	test('messages for different mailboxes never share a batch', async () => {
		const sent: Sent[] = [];
		const batcher = new AppendBatcher({maxMessages: 10, maxBytes: 1e9, lingerMs: 1, slots: () => 4, send: fakeSend(sent)});
		const all = [batcher.append(job(1, 'A')), batcher.append(job(2, 'B')), batcher.append(job(3, 'A'))];
		await tick(10);
		assert.deepEqual(sent.map((s) => s.keys).sort(), [['1', '3'], ['2']]);
		for (const s of sent) s.release();
		await Promise.all(all);
	});

	test('each caller gets its own outcome: one refused message does not fail the others', async () => {
		const sent: Sent[] = [];
		const batcher = new AppendBatcher({maxMessages: 3, maxBytes: 1e9, lingerMs: 1, slots: () => 1, send: fakeSend(sent, (j, i) => (j.ref.key === '1' ? new Error('too big') : {mailbox: 'INBOX', uid: i + 10}))});
		const all = [0, 1, 2].map((n) => batcher.append(job(n)).then((r) => r.uid, (e: Error) => e.message));
		await tick();
		sent[0]!.release();
		assert.deepEqual(await Promise.all(all), [10, 'too big', 12]);
	});

	test('a message withdrawn (aborted) before its batch is sent is never sent', async () => {
		const sent: Sent[] = [];
		const batcher = new AppendBatcher({maxMessages: 3, maxBytes: 1e9, lingerMs: 1000, slots: () => 1, send: fakeSend(sent)});
		const first = [0, 1, 2].map((n) => batcher.append(job(n)));
		await tick();
		const controller = new AbortController();
		const withdrawn = batcher.append(job(3), controller.signal);
		const kept = batcher.append(job(4));
		controller.abort();
		await assert.rejects(withdrawn, {code: 'ABORTED'});
		sent[0]!.release();
		await Promise.all(first);
		await tick();
		assert.deepEqual(sent.map((s) => s.keys), [['0', '1', '2'], ['4']]);
		sent[1]!.release();
		await kept;
	});
});

describe('APPENDUID uid sets', () => {
	test('ranges and lists expand in order; malformed sets are refused', () => {
		assert.deepEqual(parseUidSet('5'), [5]);
		assert.deepEqual(parseUidSet('5:8'), [5, 6, 7, 8]);
		assert.deepEqual(parseUidSet('1,3:4,9'), [1, 3, 4, 9]);
		assert.equal(parseUidSet(''), undefined);
		assert.equal(parseUidSet('1:*'), undefined);
		assert.equal(parseUidSet('0'), undefined);
		assert.equal(parseUidSet('1:999999999'), undefined);
	});
});
