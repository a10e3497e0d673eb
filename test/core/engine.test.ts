/**
 * The engine with an in-memory sink and a scripted source: message-level failures don't stop the run,
 * fatal ones stop it cleanly, a graceful stop lets in-flight uploads finish, back-pressure bounds what is
 * held, and reader problems reach the summary.
 */
import assert from 'node:assert/strict';
import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {test} from 'node:test';
import {EngineControls} from '../../src/contracts/controls.js';
import {runMigration} from '../../src/engine/run-migration.js';
import type {EngineOptions} from '../../src/engine/run-migration.js';
import {MailshiftError} from '../../src/contracts/errors.js';
import type {EngineEvent} from '../../src/contracts/events.js';
import {ProblemRelay} from '../../src/engine/problem-relay.js';
import type {SourceMessage} from '../../src/contracts/types.js';
import type {SourceFolder, SourceStore} from '../../src/contracts/source-store.js';
import {SqliteJournal} from '../../src/journal/sqlite-journal.js';
import {MemorySink} from '../../src/uploader/memory-sink.js';
import {PacedSink} from '../../src/uploader/paced-sink.js';

const OPTIONS: EngineOptions = {dryRun: false, includeTrashed: false, connections: 3, folderMap: {}, fallbackDate: new Date(Date.UTC(2020, 0, 1))};

function msg(folder: string, i: number, extra: Partial<SourceMessage> = {}): SourceMessage {
	return {
		ref: {store: '/s', folder, key: `${folder}-${i}`, location: `/s/${folder}/${i}`},
		raw: Buffer.from(`Message-ID: <${folder}-${i}@t>\nReceived: x; Mon, 2 Mar 2009 08:00:00 +0000\n\nbody ${i}\n`),
		flags: new Set(['\\Seen']),
		...extra,
	};
}

/** A source whose messages are produced lazily; `pulled` counts how far the engine has read. */
class ScriptedSource implements SourceStore {
	readonly kind = 'maildir';
	readonly location = '/s';
	pulled = 0;
	constructor(readonly script: Record<string, SourceMessage[]>, readonly relay?: ProblemRelay) {}
	async listFolders(): Promise<SourceFolder[]> {
		return Object.keys(this.script).map((name) => ({path: name.split('/'), count: this.script[name]!.length}));
	}
	async *messages(folder: SourceFolder): AsyncIterable<SourceMessage> {
		const name = folder.path.join('/');
		if (name === 'Broken') this.relay?.onProblem({folder: name, location: '/s/Broken/bad', code: 'SOURCE_UNREADABLE', kind: 'failed', reason: 'EACCES'});
		for (const m of this.script[name] ?? []) {
			this.pulled++;
			yield m;
		}
	}
	async close(): Promise<void> {}
}

test('a refused message is recorded by name and the rest of the folder still uploads', async () => {
	const source = new ScriptedSource({Inbox: [msg('Inbox', 1), msg('Inbox', 2), msg('Inbox', 3)]});
	const sink = new MemorySink({failWith: (job) => (job.ref.key === 'Inbox-2' ? new MailshiftError('MESSAGE_REJECTED', 'NO bad message', 'skip') : undefined)});
	const {summary, fatal} = await runMigration(OPTIONS, {source, sink, events: {emit: () => {}}}, new EngineControls());
	assert.equal(fatal, undefined);
	assert.deepEqual([summary.found, summary.uploaded, summary.failed], [3, 2, 1]);
	assert.deepEqual(sink.mailboxes.get('INBOX')?.map((j) => j.ref.key), ['Inbox-1', 'Inbox-3']);
	assert.ok(summary.problems.some((p) => p.kind === 'failed' && p.location === '/s/Inbox/2' && p.code === 'MESSAGE_REJECTED'));
});

test('a fatal error stops feeding, keeps what was done, and is returned with the summary', async () => {
	const messages = Array.from({length: 30}, (_, i) => msg('Inbox', i));
	const source = new ScriptedSource({Inbox: messages, Later: [msg('Later', 1)]});
	const sink = new MemorySink({failWith: (job) => (job.ref.key === 'Inbox-5' ? new MailshiftError('OVER_QUOTA', 'full', 'fatal') : undefined)});
	const {summary, fatal} = await runMigration({...OPTIONS, connections: 1}, {source, sink, events: {emit: () => {}}}, new EngineControls());
	assert.equal(fatal?.code, 'OVER_QUOTA');
	assert.equal(summary.uploaded, 5, 'the five before the fatal error are kept');
	assert.ok(summary.interrupted);
	assert.ok(source.pulled < 30, `the reader is not drained after a fatal error (pulled ${source.pulled})`);
	assert.equal(sink.mailboxes.has('Later'), false, 'later folders are not touched');
});

test('a graceful stop lets uploads in flight finish and then stops reading', async () => {
	const messages = Array.from({length: 50}, (_, i) => msg('Inbox', i));
	const source = new ScriptedSource({Inbox: messages});
	const controls = new EngineControls();
	let release!: () => void;
	const held = new Promise<void>((r) => (release = r));
	const sink = new MemorySink({gate: async (job) => {
		if (job.ref.key === 'Inbox-4') {
			controls.stop();
			setTimeout(release, 20);
		}
		if (Number(job.ref.key.split('-')[1]) >= 4) await held;
	}});
	const {summary} = await runMigration(OPTIONS, {source, sink, events: {emit: () => {}}}, controls);
	assert.ok(summary.interrupted);
	assert.equal(summary.failed, 0, 'nothing in flight was cut off');
	assert.equal(summary.uploaded, sink.mailboxes.get('INBOX')?.length);
	assert.ok(summary.uploaded >= 5 && summary.uploaded < 50, `uploaded ${summary.uploaded}`);
});

test('back-pressure: the reader never runs more than a bounded number of messages ahead of the uploads', async () => {
	const messages = Array.from({length: 200}, (_, i) => msg('Inbox', i));
	const source = new ScriptedSource({Inbox: messages});
	let maxAhead = 0;
	let appended = 0;
	const sink = new MemorySink({gate: async () => {
		maxAhead = Math.max(maxAhead, source.pulled - appended);
		await new Promise((r) => setTimeout(r, 1));
		appended++;
	}});
	await runMigration(OPTIONS, {source, sink, events: {emit: () => {}}}, new EngineControls());
	assert.equal(sink.mailboxes.get('INBOX')?.length, 200);
	assert.ok(sink.maxInFlight <= OPTIONS.connections, `in flight ${sink.maxInFlight}`);
	assert.ok(maxAhead <= 3 * OPTIONS.connections + 1, `reader ran ${maxAhead} messages ahead`);
});

test('reader problems and policy skips reach the summary, and events mirror the counts', async () => {
	const relay = new ProblemRelay();
	const trashed = msg('Inbox', 2, {skipHint: 'maildir-trashed'});
	const source = new ScriptedSource({Inbox: [msg('Inbox', 1), trashed], Broken: []}, relay);
	const events: EngineEvent[] = [];
	const {summary} = await runMigration(OPTIONS, {source, sink: new MemorySink(), events: {emit: (e) => events.push(e)}, readerProblems: relay}, new EngineControls());
	assert.deepEqual([summary.found, summary.uploaded, summary.skipped, summary.failed], [3, 1, 1, 1]);
	assert.ok(summary.problems.some((p) => p.code === 'TRASHED'));
	assert.ok(summary.problems.some((p) => p.code === 'SOURCE_UNREADABLE' && p.location === '/s/Broken/bad'));
	assert.equal(events.filter((e) => e.type === 'message:uploaded').length, 1);
	assert.equal(events.at(-1)?.type, 'run:done');
});

test('a byte budget stops the run cleanly before it would be passed, with a reason to resume', async () => {
	const messages = Array.from({length: 20}, (_, i) => msg('Inbox', i));
	const size = msg('Inbox', 0).raw.length + 2; // CRLF adds a byte per line (2 lines here at most)
	const sink = new MemorySink();
	const {summary} = await runMigration({...OPTIONS, connections: 1, byteBudget: size * 5}, {source: new ScriptedSource({Inbox: messages}), sink, events: {emit: () => {}}}, new EngineControls());
	assert.ok(summary.interrupted);
	assert.match(summary.stopReason ?? '', /byte budget/);
	assert.ok(summary.uploaded >= 4 && summary.uploaded <= 5, `uploaded ${summary.uploaded}`);
	assert.equal(summary.found, summary.uploaded + summary.skipped + summary.failed, 'nothing counted that was not processed');
});

test('a pause asked for before the run starts holds until resume, then everything uploads', async () => {
	const messages = Array.from({length: 10}, (_, i) => msg('Inbox', i));
	const sink = new MemorySink();
	const controls = new EngineControls();
	controls.pause();
	const run = runMigration(OPTIONS, {source: new ScriptedSource({Inbox: messages}), sink, events: {emit: () => {}}}, controls);
	await new Promise((r) => setTimeout(r, 50));
	assert.equal(sink.mailboxes.get('INBOX')?.length, 0, 'nothing uploads while paused');
	controls.resume();
	const {summary} = await run;
	assert.equal(summary.uploaded, 10);
});

test('with a batching sink (appendWindow) the engine keeps connections × window uploads in flight, and paced waits on the run\'s signals raise no listener-leak warning', async () => {
	const source = new ScriptedSource({Inbox: Array.from({length: 120}, (_, i) => msg('Inbox', i))});
	const inner = Object.assign(new MemorySink({gate: () => new Promise((r) => setTimeout(r, 5))}), {appendWindow: () => 20});
	// Pacing makes every upload in flight wait on the abort signal (one listener each).
	const sink = new PacedSink(inner, {maxRate: 60});
	const warnings: string[] = [];
	const onWarning = (w: Error): void => void warnings.push(w.name);
	process.on('warning', onWarning);
	try {
		const {summary} = await runMigration({...OPTIONS, connections: 2}, {source, sink, events: {emit: () => {}}}, new EngineControls());
		assert.equal(summary.uploaded, 120);
	} finally {
		process.off('warning', onWarning);
	}
	assert.ok(inner.maxInFlight > 2 && inner.maxInFlight <= 40, `in flight ${inner.maxInFlight}`);
	await new Promise((r) => setImmediate(r)); // warnings are emitted on the next tick
	assert.deepEqual(warnings.filter((w) => w === 'MaxListenersExceededWarning'), []);
});

test('a stop ends the pacer\'s waits at once: no upload starts after the stop, and the unsent messages are "not sent yet", not failed', async () => {
	// --max-rate 1 with 2 connections × a window of 20: 40 uploads wait for the pacer (40 s of debt).
	const source = new ScriptedSource({Inbox: Array.from({length: 60}, (_, i) => msg('Inbox', i))});
	const controls = new EngineControls();
	let startedAfterStop = 0;
	const inner = Object.assign(new MemorySink({gate: async () => {
		if (controls.isStopping) startedAfterStop++;
	}}), {appendWindow: () => 20});
	const sink = new PacedSink(inner, {maxRate: 1});
	const events: EngineEvent[] = [];
	const {summary} = await runMigration({...OPTIONS, connections: 2}, {source, sink, events: {emit: (e) => {
		events.push(e);
		if (e.type === 'message:uploaded') controls.stop(); // the first upload has returned: stop
	}}}, controls);
	assert.equal(startedAfterStop, 0, 'no APPEND started after the stop');
	assert.ok(summary.interrupted);
	assert.equal(summary.uploaded, inner.mailboxes.get('INBOX')?.length);
	assert.ok(summary.uploaded >= 1 && summary.uploaded <= 2, `only the pacer's burst went out: ${summary.uploaded}`);
	assert.equal(summary.failed, 0, 'a message the stop kept back is not a failure');
	assert.equal(events.filter((e) => e.type === 'message:failed').length, 0);
	assert.deepEqual(summary.notSent, {messages: 60 - summary.uploaded, isExact: true});
	assert.equal(summary.found, summary.uploaded + summary.skipped + summary.failed);
});

test('an abort cuts the uploads on the wire: they stay pending in the journal, the rest is not sent, and nothing is reported as failed', async () => {
	const dir = await mkdtemp(join(tmpdir(), 'ms-engine-'));
	const journal = SqliteJournal.open({path: join(dir, 'j.sqlite'), isNew: true, run: {configHash: 'h', configDescription: 'test'}});
	try {
		const messages = Array.from({length: 50}, (_, i) => msg('Inbox', i));
		const controls = new EngineControls();
		let onWire = 0;
		// Like the IMAP sink whose connections the CLI closes on abort: an APPEND on the wire ends "outcome unknown".
		const sink = new MemorySink({gate: async (job) => {
			if (Number(job.ref.key.split('-')[1]) < 3) return;
			if (++onWire === OPTIONS.connections) controls.abort(); // every connection holds an APPEND: abort
			if (!controls.abortSignal.aborted) await new Promise((resolve) => controls.abortSignal.addEventListener('abort', resolve, {once: true}));
			throw new MailshiftError('CONNECTION_LOST', 'The connection to the server was closed.', 'verify');
		}});
		const events: EngineEvent[] = [];
		const {summary, fatal} = await runMigration(OPTIONS, {source: new ScriptedSource({Inbox: messages}), sink, journal, events: {emit: (e) => events.push(e)}}, controls);
		assert.equal(fatal, undefined, 'an abort is not a fatal error');
		assert.ok(summary.interrupted);
		assert.equal(summary.uploaded, 3);
		assert.equal(summary.failed, 0, 'nothing is listed as failed');
		assert.deepEqual(summary.problems.filter((p) => p.kind === 'failed'), []);
		assert.equal(events.filter((e) => e.type === 'message:failed').length, 0);
		assert.deepEqual(summary.notSent, {messages: 47, isExact: true});
		const states = messages.map((m) => journal.get(m.ref)?.state);
		assert.equal(states.filter((s) => s === 'done').length, 3);
		assert.equal(states.filter((s) => s === 'failed').length, 0, 'no unsent message is failed in the journal');
		assert.ok(states.filter((s) => s === 'pending').length >= OPTIONS.connections, 'the cut uploads stay pending: the next run looks for them first');
	} finally {
		journal.close();
		await rm(dir, {recursive: true, force: true});
	}
});

test('folders the caller listed already (while it logged in) are the ones migrated, and the store is not listed again', async () => {
	const source = new ScriptedSource({Inbox: [msg('Inbox', 1)], Archive: [msg('Archive', 1), msg('Archive', 2)]});
	let listings = 0;
	const list = source.listFolders.bind(source);
	source.listFolders = async () => {
		listings++;
		return list();
	};
	const listedFolders = source.listFolders();
	const sink = new MemorySink();
	const {summary} = await runMigration(OPTIONS, {source, sink, events: {emit: () => {}}, listedFolders}, new EngineControls());
	assert.equal(listings, 1);
	assert.deepEqual(summary.folders.map((f) => [f.folder, f.uploaded]).sort(), [['Archive', 2], ['Inbox', 1]]);
});
