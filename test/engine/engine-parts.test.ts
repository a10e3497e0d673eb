/**
 * The parts runMigration is wired from (src/engine/), each with its own fakes: the checkpoint batches journal
 * commits, the scheduler bounds what is queued and keeps the run's budgets, folder setup retries a dropped
 * connection and claims the journal's own copies, the uploader looks before sending again, and the tally keeps
 * found = uploaded + skipped + failed. Given/When/Then in each test's comments where it is not obvious.
 */
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {EngineControls} from '../../src/contracts/controls.js';
import {MailshiftError} from '../../src/contracts/errors.js';
import type {EngineEvent} from '../../src/contracts/events.js';
import type {Journal} from '../../src/contracts/journal.js';
import type {MailboxState, MailSink} from '../../src/contracts/mail-sink.js';
import type {FolderSummary, UploadJob} from '../../src/contracts/types.js';
import {Checkpoint} from '../../src/engine/checkpoint.js';
import {setUpFolder} from '../../src/engine/folder-setup.js';
import {RunTally} from '../../src/engine/run-tally.js';
import {Scheduler} from '../../src/engine/scheduler.js';
import {Uploader} from '../../src/engine/upload.js';
import type {FolderPlan} from '../../src/mapper/folder-map.js';
import {MemorySink} from '../../src/uploader/memory-sink.js';
import {ServerIndex} from '../../src/uploader/server-index.js';

/** A journal that only counts what it is told (the parts under test call a handful of its methods). */
function countingJournal(overrides: Partial<Journal> = {}): Journal & {commits: number; calls: string[]} {
	const calls: string[] = [];
	const journal = {
		commits: 0, calls, isResumed: false,
		checkpoint() { journal.commits++; },
		done(job: UploadJob, _receipt: unknown, how: string) { calls.push(`done ${job.ref.key} ${how}`); },
		fail(ref: {key: string}, code: string) { calls.push(`fail ${ref.key} ${code}`); },
		uidValidity: () => undefined,
		doneIn: () => [],
		lastPendingAt: () => undefined,
		...overrides,
	};
	return journal as unknown as Journal & {commits: number; calls: string[]};
}

function job(key: string, bytes = 10, mailbox = 'INBOX'): UploadJob {
	const content = Buffer.alloc(bytes, 'a');
	return {ref: {store: '/s', folder: 'Inbox', key, location: `/s/${key}`}, mailbox, content, flags: [], internalDate: new Date(0), dateSource: 'fallback', messageId: `<${key}@t>`, fingerprint: key};
}

const folderOf = (): FolderSummary => ({folder: 'Inbox', mailbox: 'INBOX', found: 0, uploaded: 0, skipped: 0, failed: 0, bytes: 0});
const plan: FolderPlan = {folder: {path: ['Inbox']}, label: 'Inbox', mailbox: 'INBOX', rule: 'inbox', notes: []};

test('the checkpoint commits once per batch of writes and once per batch of bytes, and flush commits at once', () => {
	const journal = countingJournal();
	const checkpoint = new Checkpoint(journal, {batchSize: 3, batchBytes: 100});
	checkpoint.noteWrite(1);
	checkpoint.noteWrite(1);
	assert.equal(journal.commits, 0, 'two writes of a batch of three: no commit yet');
	checkpoint.noteWrite(1);
	assert.equal(journal.commits, 1, 'the third write commits');
	checkpoint.noteWrite(150);
	assert.equal(journal.commits, 2, 'a write past the byte batch commits on its own');
	checkpoint.flush();
	assert.equal(journal.commits, 3);
});

test('a checkpoint without a journal (dry run) does nothing and never throws', () => {
	const checkpoint = new Checkpoint(undefined, {batchSize: 1});
	checkpoint.noteWrite(10);
	checkpoint.flush();
});

test('the scheduler refuses a message that would pass the byte budget and names the budget', async () => {
	const controls = new EngineControls();
	const scheduler = new Scheduler(new MemorySink(), {emit: () => {}}, controls, {connections: 1, byteBudget: 25, startedAt: 0, now: () => 0, onDropped: () => {}});
	assert.deepEqual(await scheduler.admit(10), {verdict: 'go'});
	scheduler.submit(10, async () => {});
	assert.deepEqual(await scheduler.admit(10), {verdict: 'go'});
	scheduler.submit(10, async () => {});
	const third = await scheduler.admit(10);
	assert.equal(third.verdict, 'budget');
	assert.match(third.verdict === 'budget' ? third.reason : '', /byte budget \(25 bytes\)/);
	await scheduler.idle();
	scheduler.dispose();
});

test('the scheduler refuses every message once the time limit is reached', async () => {
	let clock = 0;
	const scheduler = new Scheduler(new MemorySink(), {emit: () => {}}, new EngineControls(), {connections: 1, maxDurationMs: 1000, startedAt: 0, now: () => clock, onDropped: () => {}});
	assert.equal((await scheduler.admit(1)).verdict, 'go');
	clock = 1000;
	const late = await scheduler.admit(1);
	assert.equal(late.verdict, 'budget');
	assert.match(late.verdict === 'budget' ? late.reason : '', /--max-duration/);
	scheduler.dispose();
});

test('a stop drops the queued messages, reports how many, and later admissions say stopped', async () => {
	// Given one connection held by an upload that waits for a gate, and two more queued behind it.
	const controls = new EngineControls();
	let dropped = -1;
	const scheduler = new Scheduler(new MemorySink(), {emit: () => {}}, controls, {connections: 1, startedAt: 0, now: () => 0, onDropped: (n) => (dropped = n)});
	let release!: () => void;
	const gate = new Promise<void>((resolve) => (release = resolve));
	let ran = 0;
	scheduler.submit(1, async () => {
		ran++;
		await gate;
	});
	scheduler.submit(1, async () => void ran++);
	scheduler.submit(1, async () => void ran++);
	// When the run stops.
	controls.stop();
	release();
	await scheduler.idle();
	// Then the one in flight finished, the two queued never ran, and nothing more is admitted.
	assert.equal(ran, 1);
	assert.equal(dropped, 2);
	assert.equal((await scheduler.admit(1)).verdict, 'stopped');
	scheduler.dispose();
});

test('a change of connections from the controls reaches the sink and is announced', async () => {
	const controls = new EngineControls();
	const events: EngineEvent[] = [];
	let asked = 0;
	const sink: MailSink = Object.assign(new MemorySink(), {setConnections: (n: number) => void (asked = n)});
	const scheduler = new Scheduler(sink, {emit: (e) => events.push(e)}, controls, {connections: 2, startedAt: 0, now: () => 0, onDropped: () => {}});
	controls.setConnections(5);
	assert.equal(asked, 5);
	assert.deepEqual(events.filter((e) => e.type === 'connections:target'), [{type: 'connections:target', connections: 5}]);
	scheduler.dispose();
});

test('folder setup retries a dropped connection and then succeeds', async () => {
	const sink = new MemorySink();
	let tries = 0;
	const ensure = sink.ensureMailbox.bind(sink);
	sink.ensureMailbox = async (path: string) => {
		if (++tries === 1) throw new MailshiftError('CONNECTION_LOST', 'cut', 'retry', {retryAfterMs: 1});
		return ensure(path);
	};
	const tally = new RunTally({emit: () => {}}, {dryRun: false, maxProblems: 10});
	const folder = folderOf();
	const target = await setUpFolder({sink, journal: undefined, events: {emit: () => {}}, tally, controls: new EngineControls(), now: () => 0, skipExisting: true}, plan, folder);
	assert.ok(!(target instanceof MailshiftError), 'the second attempt prepared the folder');
	assert.equal(tries, 2);
	assert.equal(target.mailbox, 'INBOX');
});

test('folder setup gives a fatal error back at once, without retrying', async () => {
	const sink = new MemorySink();
	let tries = 0;
	sink.ensureMailbox = async () => {
		tries++;
		throw new MailshiftError('AUTH_FAILED', 'login lost', 'fatal');
	};
	const tally = new RunTally({emit: () => {}}, {dryRun: false, maxProblems: 10});
	const result = await setUpFolder({sink, journal: undefined, events: {emit: () => {}}, tally, controls: new EngineControls(), now: () => 0, skipExisting: true}, plan, folderOf());
	assert.ok(result instanceof MailshiftError);
	assert.equal(result.code, 'AUTH_FAILED');
	assert.equal(tries, 1);
});

test('folder setup claims the copies the journal knows by UID and keeps the others for a claim by content', async () => {
	// Given a mailbox with two messages, and a journal that uploaded one as UID 1 and one whose UID it never learnt.
	const state: MailboxState = {exists: 2, uidValidity: 7n, permanentFlags: undefined};
	const copy = (uid: number) => ({uid, size: 10, internalDate: new Date(0), messageId: `<m${uid}@t>`});
	const index = new ServerIndex('INBOX', 7n, [copy(1), copy(2)]);
	const sink: MailSink = Object.assign(new MemorySink(), {mailboxState: async () => state, loadIndex: async () => index});
	const journal = countingJournal({
		isResumed: true,
		doneIn: () => [{key: 'ours', mailbox: 'INBOX', uid: 1, uidValidity: 7n}, {key: 'unknown-uid', mailbox: 'INBOX'}] as ReturnType<Journal['doneIn']>,
	});
	const tally = new RunTally({emit: () => {}}, {dryRun: false, maxProblems: 10});
	// When the folder is set up.
	const target = await setUpFolder({sink, journal, events: {emit: () => {}}, tally, controls: new EngineControls(), now: () => 0, skipExisting: true}, plan, folderOf());
	// Then UID 1 is taken, and the other key waits for a claim by content.
	assert.ok(!(target instanceof MailshiftError));
	assert.equal(target.index, index);
	assert.equal(index.unclaimed, 1);
	assert.deepEqual([...target.pendingClaims], ['unknown-uid']);
});

test('an upload whose outcome is unknown is looked for on the server and, when there, recorded as found, not sent again', async () => {
	// Given a sink that cuts the APPEND (outcome unknown) but stored the message.
	let appends = 0;
	const stored = job('m1');
	const sink: MailSink = Object.assign(new MemorySink({failWith: () => (appends++, new MailshiftError('CONNECTION_LOST', 'cut during APPEND', 'verify'))}), {
		loadIndex: async () => new ServerIndex('INBOX', 3n, [{uid: 42, size: stored.content.length, internalDate: stored.internalDate, messageId: stored.messageId}]),
	});
	const journal = countingJournal();
	const tally = new RunTally({emit: () => {}}, {dryRun: false, maxProblems: 10});
	const folder = folderOf();
	const uploader = new Uploader({sink, journal, tally, checkpoint: new Checkpoint(journal), controls: new EngineControls(), now: Date.now, onFatal: () => assert.fail('not fatal')});
	// When it is uploaded (the two looks wait VERIFY_GRACE_MS each: 2.5 s, then 5 s at most).
	await uploader.upload(stored, folder);
	// Then it was sent once and is done as found on the server.
	assert.equal(appends, 1);
	assert.deepEqual(journal.calls, ['done m1 found-on-server']);
	assert.deepEqual([folder.uploaded, folder.failed], [1, 0]);
});

test('a refused message is failed in the journal and the summary with the server\'s reason, and is not retried', async () => {
	let appends = 0;
	const sink = new MemorySink({failWith: () => {
		appends++;
		return new MailshiftError('MESSAGE_REJECTED', 'NO message refused', 'skip');
	}});
	const journal = countingJournal();
	const tally = new RunTally({emit: () => {}}, {dryRun: false, maxProblems: 10});
	const folder = folderOf();
	await new Uploader({sink, journal, tally, checkpoint: new Checkpoint(journal), controls: new EngineControls(), now: Date.now, onFatal: () => assert.fail('not fatal')}).upload(job('m1'), folder);
	assert.equal(appends, 1);
	assert.deepEqual(journal.calls, ['fail m1 MESSAGE_REJECTED']);
	assert.deepEqual(tally.summary.problems.map((p) => [p.kind, p.code, p.reason]), [['failed', 'MESSAGE_REJECTED', 'NO message refused']]);
});

test('a fatal error of one upload is handed to the run and the message counts as failed', async () => {
	const sink = new MemorySink({failWith: () => new MailshiftError('OVER_QUOTA', 'mailbox full', 'fatal')});
	const tally = new RunTally({emit: () => {}}, {dryRun: false, maxProblems: 10});
	const fatal: MailshiftError[] = [];
	const folder = folderOf();
	await new Uploader({sink, journal: undefined, tally, checkpoint: new Checkpoint(undefined), controls: new EngineControls(), now: Date.now, onFatal: (e) => fatal.push(e)}).upload(job('m1'), folder);
	assert.deepEqual(fatal.map((e) => e.code), ['OVER_QUOTA']);
	assert.equal(folder.failed, 1);
	assert.match(tally.summary.problems[0]?.reason ?? '', /^not uploaded: mailbox full/);
});

test('the tally keeps found = uploaded + skipped + failed and counts unlisted skips by code', () => {
	const events: EngineEvent[] = [];
	const tally = new RunTally({emit: (e) => events.push(e)}, {dryRun: false, maxProblems: 1});
	const folder = folderOf();
	for (let i = 0; i < 4; i++) tally.found(folder);
	tally.landed(job('a'), folder, 'INBOX', 1);
	tally.skip(job('b').ref, folder, 'ALREADY_UPLOADED', 'done before', false);
	tally.skip(job('c').ref, folder, 'TRASHED', 'trashed', true);
	tally.fail(job('d').ref, folder, 'MESSAGE_REJECTED', 'refused');
	const summary = tally.finish([plan], false, 5);
	assert.equal(summary.found, summary.uploaded + summary.skipped + summary.failed);
	assert.deepEqual(summary.skippedUnlisted, {ALREADY_UPLOADED: 1});
	assert.equal(summary.problems.length, 1, 'maxProblems 1 keeps one problem');
	assert.equal(summary.problemsDropped, 1);
	assert.equal(summary.notSent, undefined, 'a run that was not stopped has nothing not sent');
});

test('a stopped run says exactly how much is not sent when every folder\'s size is known', () => {
	const tally = new RunTally({emit: () => {}}, {dryRun: false, maxProblems: 10});
	const folder = folderOf();
	tally.found(folder);
	tally.found(folder);
	tally.leaveUnsent(folder);
	const summary = tally.finish([{...plan, folder: {path: ['Inbox'], count: 10}}], true, 1);
	assert.deepEqual(summary.notSent, {messages: 9, isExact: true});
	assert.equal(summary.found, 1);
});
