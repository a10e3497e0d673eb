/**
 * What the mbox reader holds for one big message (issue #14: a 50 MB single-line mbox peaked at 271 MiB): its
 * window grows in place by a quarter at a time instead of doubling, a big message is handed over in the
 * window's own buffer instead of copied, and for an upload it is made CRLF in that buffer (the same bytes the
 * mapper's toCrlf makes) instead of in a second copy. Counted (capacities, bytes), never timed.
 */
import assert from 'node:assert/strict';
import {promises as fs} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {test} from 'node:test';
import type {SourceMessage} from '../../src/contracts/types.js';
import {toCrlf} from '../../src/mapper/normalize.js';
import {splitMbox} from '../../src/readers/mbox/mbox-splitter.js';
import {MboxStore} from '../../src/readers/mbox/mbox-store.js';
import {chunked, seededRandom} from '../helpers/make-mbox.js';

const MiB = 1024 * 1024;

/** A message of about `size` bytes whose lines end in LF, CRLF, a lone CR or nothing, at random (seeded). */
function bigMessage(size: number, seed: number): Buffer {
	const random = seededRandom(seed);
	const parts = [`Message-ID: <big${seed}@t>\nDate: Mon, 2 Mar 2009 08:00:00 +0000\r\nSubject: big ${seed}\n\n`];
	let length = parts[0]!.length;
	while (length < size) {
		const line = 'x'.repeat(Math.floor(random() * 200)) + ['\n', '\r\n', '\r', '\n\n', ''][Math.floor(random() * 5)];
		parts.push(line);
		length += line.length;
	}
	// The body ends with a line end: the empty line before the next From_ line is the separator.
	return Buffer.from(`${parts.join('')}\n`, 'latin1');
}

function mboxOf(messages: readonly Buffer[]): Buffer {
	return Buffer.concat(messages.flatMap((message, i) => [Buffer.from(`From sender@example.com Mon Mar  2 08:0${i}:00 2009\n`), message, Buffer.from('\n')]));
}

test('a big message is handed over in the window\'s buffer and made CRLF there with the same bytes as the mapper\'s toCrlf', async () => {
	// Given an mbox of a small message, two big ones with every kind of line end, and a small one after them.
	const big = [bigMessage(1.5 * MiB, 1), bigMessage(2.5 * MiB, 2)];
	const small = [Buffer.from('Subject: first\n\nFirst.\n'), Buffer.from('Subject: last\n\nLast.\n')];
	const file = mboxOf([small[0]!, big[0]!, big[1]!, small[1]!]);
	// When it is split (in 64 KiB chunks).
	const entries = [];
	for await (const entry of splitMbox(chunked(file, 64 * 1024))) entries.push({raw: Buffer.from(entry.raw), crlf: entry.toCrlf?.(), ordinal: entry.ordinal});
	// Then every message is whole (the bytes after a handed-over message were kept), the big ones convert in
	// place to exactly what toCrlf makes, and the small ones are copies with no in-place conversion offered.
	const expected = [small[0]!, big[0]!, big[1]!, small[1]!];
	assert.deepEqual(entries.map((e) => e.ordinal), [1, 2, 3, 4]);
	entries.forEach((entry, i) => assert.ok(entry.raw.equals(expected[i]!), `message ${i + 1} is whole`));
	assert.equal(entries[0]!.crlf, undefined);
	assert.equal(entries[3]!.crlf, undefined);
	for (const i of [1, 2]) {
		const crlf = entries[i]!.crlf;
		assert.ok(crlf !== undefined);
		assert.ok(crlf.equals(toCrlf(expected[i]!)), `message ${i + 1} converted in place equals toCrlf`);
	}
});

test('while a big message is read, the window grows to at most a quarter more than it needs, not to twice', async () => {
	// Given a 4.2 MB message (doubling from 64 KiB would reach 8 MiB for it).
	const message = bigMessage(4.2 * MiB, 3);
	const file = mboxOf([message]);
	let capacity = 0;
	// When it is split in 1 MiB chunks, as the store reads.
	for await (const entry of splitMbox(chunked(file, MiB), {onBufferAllocated: (c) => (capacity = Math.max(capacity, c))})) assert.ok(entry.raw.length > 4 * MiB);
	// Then the window never held more than 1.25 × (the message and one chunk).
	assert.ok(capacity <= 1.25 * (file.length + MiB), `capacity ${capacity} <= 1.25 × ${file.length + MiB}`);
});

test('an mbox store opened for an upload yields a big message with CRLF line ends and the same key as for a backup', async (t) => {
	// Given an mbox file holding one big message with LF line ends.
	const dir = await fs.mkdtemp(join(tmpdir(), 'ms-mbox-memory-'));
	t.after(() => fs.rm(dir, {recursive: true, force: true}));
	const message = bigMessage(2 * MiB, 4);
	const path = join(dir, 'Big');
	await fs.writeFile(path, mboxOf([message]));
	const read = async (crlf: boolean): Promise<SourceMessage[]> => {
		const store = await MboxStore.open(path, {crlf});
		const [folder] = await store.listFolders();
		assert.ok(folder);
		const messages: SourceMessage[] = [];
		for await (const m of store.messages(folder)) messages.push(m);
		await store.close();
		return messages;
	};
	// When it is read for an upload (crlf) and for a backup (the stored bytes).
	const [upload] = await read(true);
	const [backup] = await read(false);
	// Then the backup gets the stored bytes, the upload their CRLF form, and both the same ref.
	const stored = message;
	assert.ok(backup?.raw.equals(stored));
	assert.ok(upload?.raw.equals(toCrlf(stored)));
	assert.deepEqual(upload?.ref, backup?.ref);
});

test('the window gives back the memory of each big message: 40 messages of 4 MiB, each after a small one, raise the resident memory by far less than their sum', async () => {
	// The window grows to hold a big message, then shrinks for the small one after it. Shrunk in place, its pages
	// go back at once; dropped for a fresh buffer, they would wait for a full collection, which nothing triggers:
	// V8 does not count a resizable ArrayBuffer's memory as external (process.memoryUsage() shows 0 for it), and the
	// messages go into one reused room here, as into the message ring in an upload. 160 MiB would then pile up.
	const small = Buffer.from('Subject: small\n\nhello\n');
	const big = Buffer.from(`Subject: big\n\n${`${'y'.repeat(99)}\n`.repeat(40 * 1024)}`, 'latin1');
	async function* input(): AsyncGenerator<Buffer> {
		for (let i = 0; i < 40; i++) {
			for (const message of [small, big]) {
				yield Buffer.from(`From a@b Mon Mar  2 08:00:00 2009\n`);
				// As a file is read: in chunks of 1 MiB.
				for (let at = 0; at < message.length; at += MiB) yield message.subarray(at, at + MiB);
				yield Buffer.from('\n');
			}
		}
	}
	const room = Buffer.allocUnsafe(8 * MiB);
	const buffers = {maxSize: room.length, take: () => room, give: () => undefined};
	const before = process.memoryUsage().rss;
	let peak = before;
	let count = 0;
	for await (const entry of splitMbox(input(), {buffers})) {
		count++;
		assert.equal(entry.raw.buffer, room.buffer, 'copied into the room');
		peak = Math.max(peak, process.memoryUsage().rss);
	}
	assert.equal(count, 80);
	assert.ok(peak - before < 32 * MiB, `resident memory grew by ${((peak - before) / MiB).toFixed(0)} MiB (at most one big message's window is expected, ~5 MiB)`);
});

test('messages handed over in the window\'s own buffer are freed once dropped: 60 messages of 4 MiB read without message buffers raise the resident memory by far less than their sum', async () => {
	// Without message buffers (a backup, a plain read) each message of 1 MiB or more is handed over in the buffer
	// the window read it into (ByteWindow.take), a resizable ArrayBuffer that V8 does not count as external memory:
	// dropped by the reader's consumer, it waits for a full collection that nothing else triggers (a backup of an
	// mbox of 20 MB messages peaked at 208 MiB). The splitter asks for one after every 16 MiB handed over
	// (measured here: 11–27 MiB of growth with it, 55–62 MiB without).
	const big = Buffer.from(`Subject: big\n\n${`${'z'.repeat(99)}\n`.repeat(40 * 1024)}`, 'latin1');
	async function* input(): AsyncGenerator<Buffer> {
		for (let i = 0; i < 60; i++) {
			yield Buffer.from(`From a@b Mon Mar  2 08:00:00 2009\n`);
			for (let at = 0; at < big.length; at += MiB) yield big.subarray(at, at + MiB);
			yield Buffer.from('\n');
		}
	}
	const before = process.memoryUsage().rss;
	let peak = before;
	let bytes = 0;
	let count = 0;
	// The consumer holds the last three messages, as a backup's writes in flight do: they outlive a few scavenges.
	const held: Buffer[] = [];
	for await (const entry of splitMbox(input())) {
		count++;
		bytes += entry.raw.length;
		assert.ok(entry.raw.length >= big.length, 'the message is whole');
		held.push(entry.raw);
		if (held.length > 3) held.shift();
		peak = Math.max(peak, process.memoryUsage().rss);
	}
	assert.equal(count, 60);
	assert.ok(peak - before < 40 * MiB, `resident memory grew by ${((peak - before) / MiB).toFixed(0)} MiB for ${(bytes / MiB).toFixed(0)} MiB read`);
});
