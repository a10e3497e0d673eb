/**
 * Message buffers given back (issue #14; ReaderOptions.messageBuffers, EngineDeps.messageBuffers): the engine gives
 * every message's buffer back exactly once, on every path a message can take (uploaded, failed, skipped, already
 * uploaded, dropped by a stop), and an uploaded one only after its upload settled; the Maildir reader gives back
 * what it does not yield. And what matters in the end: with a ring so small that every buffer is used again and
 * again, every message reaches the sink with its own bytes.
 */
import assert from 'node:assert/strict';
import {mkdtemp, readFile, readdir, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {test} from 'node:test';
import {EngineControls} from '../../src/contracts/controls.js';
import {MailshiftError} from '../../src/contracts/errors.js';
import type {MessageBuffers, SourceFolder, SourceStore} from '../../src/contracts/source-store.js';
import type {AppendReceipt, SourceMessage, UploadJob} from '../../src/contracts/types.js';
import {ProblemRelay} from '../../src/engine/problem-relay.js';
import {runMigration} from '../../src/engine/run-migration.js';
import type {EngineOptions} from '../../src/engine/run-migration.js';
import {SqliteJournal} from '../../src/journal/sqlite-journal.js';
import {toCrlf} from '../../src/mapper/normalize.js';
import {MaildirStore} from '../../src/readers/maildir/maildir-store.js';
import {MboxStore} from '../../src/readers/mbox/mbox-store.js';
import {MemorySink} from '../../src/uploader/memory-sink.js';
import {BufferRing} from '../../src/util/buffer-ring.js';
import {mulberry32} from '../../src/testing/prng.js';
import {makeTree, maildirDirs, sampleMessage} from '../helpers/make-maildir.js';

const OPTIONS: EngineOptions = {dryRun: false, includeTrashed: false, connections: 2, folderMap: {}, fallbackDate: new Date(Date.UTC(2020, 0, 1))};
const RUN = {configHash: 'h', configDescription: 'test'};

/** Buffers of their own, with a log of who took and gave back which, and when (`log`, shared with the sink). */
class RecordingBuffers implements MessageBuffers {
	readonly owner = new Map<Uint8Array, string>();
	readonly given = new Map<string, number>();
	readonly maxSize = Number.POSITIVE_INFINITY;
	constructor(readonly log: string[]) {}
	take(size: number): Buffer {
		return Buffer.alloc(size);
	}
	/** A message's bytes, taken from here and known by `key`. */
	message(key: string, text: string): Buffer {
		const raw = this.take(Buffer.byteLength(text));
		raw.write(text);
		this.owner.set(raw, key);
		return raw;
	}
	give(buffer: Uint8Array): void {
		const key = this.owner.get(buffer) ?? 'a buffer not taken from here';
		this.given.set(key, (this.given.get(key) ?? 0) + 1);
		this.log.push(`give ${key}`);
	}
}

/** A MemorySink that logs when each append settled. */
class LoggingSink extends MemorySink {
	constructor(readonly log: string[], options: ConstructorParameters<typeof MemorySink>[0]) {
		super(options);
	}
	override async append(job: UploadJob): Promise<AppendReceipt> {
		try {
			return await super.append(job);
		} finally {
			this.log.push(`settled ${job.ref.key}`);
		}
	}
}

function source(buffers: RecordingBuffers, messages: ReadonlyArray<Omit<SourceMessage, 'raw'> & {text: string}>): SourceStore {
	return {
		kind: 'maildir', location: '/s',
		listFolders: async (): Promise<SourceFolder[]> => [{path: ['Inbox'], count: messages.length}],
		async *messages() {
			for (const {text, ...m} of messages) yield {...m, raw: buffers.message(m.ref.key, text)};
		},
		close: async () => {},
	};
}

const message = (i: number, extra: Partial<SourceMessage> = {}): Omit<SourceMessage, 'raw'> & {text: string} => ({
	ref: {store: '/s', folder: 'Inbox', key: `m${i}`, location: `/s/Inbox/${i}`},
	text: `Message-ID: <m${i}@t>\nReceived: x; Mon, 2 Mar 2009 08:00:00 +0000\n\nbody ${i}\n`,
	flags: new Set(['\\Seen']),
	...extra,
});

test('every message\'s buffer is given back once, an uploaded one after its upload settled, whatever became of it', async () => {
	const dir = await mkdtemp(join(tmpdir(), 'mailshift-buffers-'));
	try {
		// Given a journal that has m0 as uploaded, a trashed m1, a server that refuses m2, and m3–m7 to upload
		const path = join(dir, 'j.sqlite');
		const log: string[] = [];
		const first = SqliteJournal.open({path, isNew: true, run: RUN});
		await runMigration(OPTIONS, {source: source(new RecordingBuffers([]), [message(0)]), sink: new MemorySink(), journal: first, events: {emit: () => {}}}, new EngineControls());
		first.close();
		const journal = SqliteJournal.open({path, run: RUN});
		const buffers = new RecordingBuffers(log);
		const settled = new LoggingSink(log, {
			failWith: (job) => (job.ref.key === 'm2' ? new MailshiftError('MESSAGE_REJECTED', 'NO refused', 'skip') : undefined),
			gate: () => new Promise((resolve) => setImmediate(resolve)),
		});
		const messages = [message(0), message(1, {skipHint: 'maildir-trashed'}), ...[2, 3, 4, 5, 6, 7].map((i) => message(i))];
		// When they are migrated with buffers to give back
		const {summary} = await runMigration(OPTIONS, {source: source(buffers, messages), sink: settled, journal, events: {emit: () => {}}, messageBuffers: buffers}, new EngineControls());
		journal.close();
		assert.deepEqual([summary.found, summary.uploaded, summary.skipped, summary.failed], [8, 5, 2, 1]);
		// Then each buffer came back exactly once
		assert.deepEqual(Object.fromEntries(buffers.given), Object.fromEntries(messages.map((m) => [m.ref.key, 1])));
		// And a message sent to the server came back only after its append had settled
		for (const key of ['m2', 'm3', 'm4', 'm5', 'm6', 'm7']) {
			assert.ok(log.indexOf(`settled ${key}`) >= 0 && log.indexOf(`settled ${key}`) < log.indexOf(`give ${key}`), `${key}: ${log.join(', ')}`);
		}
	} finally {
		await rm(dir, {recursive: true, force: true});
	}
});

test('a stop gives back the buffers of messages it drops from the queue, and those of the uploads in flight once they end', async () => {
	const log: string[] = [];
	const buffers = new RecordingBuffers(log);
	const controls = new EngineControls();
	let release!: () => void;
	const held = new Promise<void>((resolve) => (release = resolve));
	// Given uploads that hold until released, and a stop once the second is in flight (two connections)
	const sink = new MemorySink({gate: async (job) => {
		if (job.ref.key === 'm1') {
			controls.stop();
			setImmediate(release);
		}
		await held;
	}});
	const messages = Array.from({length: 40}, (_, i) => message(i));
	const {summary} = await runMigration(OPTIONS, {source: source(buffers, messages), sink, events: {emit: () => {}}, messageBuffers: buffers}, controls);
	assert.ok(summary.interrupted);
	const read = [...buffers.owner.values()];
	assert.ok(read.length > summary.uploaded, `some messages were read and not sent (${read.length} read, ${summary.uploaded} sent)`);
	// Then every message read was given back, once
	assert.deepEqual(Object.fromEntries(buffers.given), Object.fromEntries(read.map((key) => [key, 1])));
});

test('through a ring so small that its memory is used again and again, every message reaches the sink with its own bytes', async () => {
	// Given a Maildir of 300 messages of 1–20 KB of different bytes, and a ring of 64 KiB (a few messages)
	const random = mulberry32(14);
	const files: Record<string, string> = {};
	for (let i = 0; i < 300; i++) {
		const lines = Array.from({length: 10 + Math.floor(random() * 250)}, (_, k) => `line ${k} of message ${i} ${'x'.repeat(Math.floor(random() * 70))}`);
		files[`cur/${1_600_000_000 + i}.M${i}P1.ring:2,S`] = sampleMessage(`ring ${i}`, `${lines.join('\n')}\n`);
	}
	files['cur/1600000999.M999P1.ring:2,S'] = '';
	files['cur/1600000998.M998P1.ring:2,S'] = '\0\0\0\0 not a message';
	const tree = await makeTree({...maildirDirs(''), ...files});
	try {
		const ring = new BufferRing({capacity: 64 * 1024, maxTake: 32 * 1024});
		const relay = new ProblemRelay();
		const store = await MaildirStore.open(tree.root, {crlf: true, messageBuffers: ring, onProblem: relay.onProblem});
		const sink = new MemorySink({gate: () => new Promise((resolve) => setImmediate(resolve))});
		// When it is migrated
		const {summary} = await runMigration({...OPTIONS, connections: 3}, {source: store, sink, events: {emit: () => {}}, messageBuffers: ring, readerProblems: relay}, new EngineControls());
		await store.close();
		// Then each message was stored with exactly its own file's bytes (CRLF), the empty and junk files were
		// reported, and every buffer of the ring came back
		assert.deepEqual([summary.uploaded, summary.failed], [300, 2]);
		const names = (await readdir(tree.at('cur'))).filter((name) => !/M99[89]P1/.test(name));
		const stored = new Map((sink.mailboxes.get('INBOX') ?? []).map((job) => [job.ref.key, job.content]));
		assert.equal(stored.size, 300);
		for (const name of names) {
			const want = toCrlf(await readFile(tree.at(`cur/${name}`)));
			const key = [...stored.keys()].find((k) => k.includes(name.split(':')[0]!));
			assert.ok(key !== undefined, `${name} stored`);
			assert.ok(stored.get(key)!.equals(want), `${name}: stored with its own bytes`);
		}
		assert.ok(ring.counts.fromRing >= 250, `the ring served the messages (${JSON.stringify(ring.counts)})`);
		assert.equal(ring.counts.out, 0, 'every buffer came back');
	} finally {
		await tree.cleanup();
	}
});

test('an mbox through a ring that small: every message reaches the sink with the bytes a reader without the ring gives', async () => {
	// Given an mbox of 300 messages of 1–20 KB (one with a quoted From_ line to unquote, one empty, one junk, some
	// with CRLF line ends already), and a ring of 64 KiB
	const random = mulberry32(41);
	const parts: string[] = [];
	for (let i = 0; i < 300; i++) {
		const lines = Array.from({length: 10 + Math.floor(random() * 250)}, (_, k) => `line ${k} of message ${i} ${'y'.repeat(Math.floor(random() * 70))}`);
		if (i === 7) lines.push('>From the quoted line of message 7');
		// Lines too short for the CRLF room left after a message: converted into a copy, the ring buffer given back.
		if (i === 50) lines.push(...Array.from({length: 3000}, () => 'x'));
		const eol = i % 5 === 0 ? '\r\n' : '\n';
		parts.push(`From sender@example.org Mon Mar  2 08:00:00 2009\n${sampleMessage(`mbox ${i}`, `${lines.join('\n')}\n`).replaceAll('\n', eol)}\n`);
		if (i === 100) parts.push('From sender@example.org Mon Mar  2 08:00:00 2009\n\n\n');
		if (i === 200) parts.push('From sender@example.org Mon Mar  2 08:00:00 2009\n\0\0\0\0 not a message\n\n');
	}
	const dir = await mkdtemp(join(tmpdir(), 'mailshift-ring-mbox-'));
	try {
		const path = join(dir, 'Inbox.mbox');
		await writeFile(path, parts.join(''), 'latin1');
		const plain = await MboxStore.open(path, {crlf: true});
		const expected = new Map<string, Buffer>();
		for (const folder of await plain.listFolders()) for await (const m of plain.messages(folder)) expected.set(m.ref.key, toCrlf(m.raw));
		await plain.close();
		const ring = new BufferRing({capacity: 64 * 1024, maxTake: 32 * 1024});
		const relay = new ProblemRelay();
		const store = await MboxStore.open(path, {crlf: true, messageBuffers: ring, onProblem: relay.onProblem});
		const sink = new MemorySink({gate: () => new Promise((resolve) => setImmediate(resolve))});
		// When it is migrated through the ring
		const {summary} = await runMigration({...OPTIONS, connections: 3}, {source: store, sink, events: {emit: () => {}}, messageBuffers: ring, readerProblems: relay}, new EngineControls());
		await store.close();
		// Then every message was stored with the same bytes as without the ring, and every buffer came back
		assert.deepEqual([summary.uploaded, summary.failed], [300, 2]);
		const stored = sink.mailboxes.get('INBOX') ?? [];
		assert.equal(stored.length, 300);
		for (const job of stored) assert.ok(job.content.equals(expected.get(job.ref.key)!), `${job.ref.location}: the same bytes as without the ring`);
		assert.ok(ring.counts.fromRing >= 150, `the ring served the messages (${JSON.stringify(ring.counts)})`);
		assert.equal(ring.counts.out, 0, 'every buffer came back');
	} finally {
		await rm(dir, {recursive: true, force: true});
	}
});

test('an mbox reader gives back a message it read but did not yield because of a stop or close()', async () => {
	const dir = await mkdtemp(join(tmpdir(), 'mailshift-ring-stop-'));
	try {
		const path = join(dir, 'Inbox.mbox');
		await writeFile(path, Array.from({length: 5}, (_, i) => `From a@example.org Mon Mar  2 08:00:00 2009\n${sampleMessage(`stop ${i}`)}\n`).join(''));
		for (const how of ['abort', 'close'] as const) {
			const ring = new BufferRing({capacity: 64 * 1024, maxTake: 32 * 1024});
			const store = await MboxStore.open(path, {crlf: true, messageBuffers: ring});
			const controller = new AbortController();
			const [folder] = await store.listFolders();
			const messages = store.messages(folder!, controller.signal);
			// Given a first message read and given back
			const first = await messages.next();
			assert.equal(first.done, false);
			ring.give(first.value!.raw);
			// When the reader is stopped (or closed) while it reads the next one
			const next = messages.next();
			if (how === 'abort') controller.abort();
			else await store.close();
			const outcome = await next.then(() => 'ended', (error: {code?: string}) => error.code);
			// Then it ends, and the message it had read is back in the ring
			assert.equal(outcome, how === 'abort' ? 'ABORTED' : 'ended');
			assert.equal(ring.counts.out, 0, `${how}: every buffer came back`);
			await store.close();
		}
	} finally {
		await rm(dir, {recursive: true, force: true});
	}
});
