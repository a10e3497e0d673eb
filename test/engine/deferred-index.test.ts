/**
 * A re-run with nothing left to do (issue #14): the engine loads a mailbox's index from the server only when a
 * message is to be looked for there, and a Maildir reader neither stats nor reads the files the journal already
 * has as uploaded. Exactly-once is kept: a `pending` row of an interrupted run is still looked for on the
 * server before anything is sent again. Counted (index loads, file reads), never timed.
 */
import assert from 'node:assert/strict';
import fs, {promises as fsPromises} from 'node:fs';
import {mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {mock, test} from 'node:test';
import type {TestContext} from 'node:test';
import {EngineControls} from '../../src/contracts/controls.js';
import type {MailboxIndex} from '../../src/contracts/mailbox-index.js';
import type {EnsuredMailbox, MailboxState} from '../../src/contracts/mail-sink.js';
import {MailshiftError} from '../../src/contracts/errors.js';
import type {AppendReceipt, UploadJob} from '../../src/contracts/types.js';
import {runMigration} from '../../src/engine/run-migration.js';
import type {EngineOptions} from '../../src/engine/run-migration.js';
import {SqliteJournal} from '../../src/journal/sqlite-journal.js';
import {isSkip, mapMessage} from '../../src/mapper/map-message.js';
import {MaildirStore} from '../../src/readers/maildir/maildir-store.js';
import {MemorySink} from '../../src/uploader/memory-sink.js';
import {ServerIndex} from '../../src/uploader/server-index.js';

const OPTIONS: EngineOptions = {dryRun: false, includeTrashed: false, connections: 2, folderMap: {}, fallbackDate: new Date(Date.UTC(2020, 0, 1))};
const RUN = {configHash: 'h', configDescription: 'test'};

/**
 * A MemorySink that says what a mailbox holds (SELECT) and serves its index, counting the SELECTs and index loads.
 * With `listing`, it also says each mailbox's UIDVALIDITY as a LIST-STATUS at connect would; `recreate` stands
 * for another client deleting and creating a mailbox (its copies gone, a new UIDVALIDITY).
 */
class IndexedSink extends MemorySink {
	indexLoads = 0;
	selects = 0;
	#validity = 1n;
	readonly #copies = new Map<string, Array<{uid: number; job: UploadJob}>>();
	listedUidValidity?: (mailbox: string) => bigint | undefined;
	constructor(listing = false) {
		super();
		if (listing) this.listedUidValidity = (mailbox) => (this.#copies.has(mailbox) ? this.#validity : undefined);
	}

	override async append(job: UploadJob): Promise<AppendReceipt> {
		const receipt = await super.append(job);
		const list = this.#copies.get(job.mailbox) ?? [];
		list.push({uid: receipt.uid ?? 0, job: {...job, content: Buffer.from(job.content)}});
		this.#copies.set(job.mailbox, list);
		return {...receipt, uidValidity: this.#validity};
	}

	ensures = 0;
	/** Set: ensureMailbox fails with it (a mailbox the server will not make or open). */
	ensureError: MailshiftError | undefined;
	override async ensureMailbox(path: string): Promise<EnsuredMailbox> {
		this.ensures++;
		if (this.ensureError) throw this.ensureError;
		return super.ensureMailbox(path);
	}

	recreate(mailbox: string): void {
		this.#copies.set(mailbox, []);
		this.#validity += 1n;
	}

	async mailboxState(mailbox: string): Promise<MailboxState> {
		this.selects++;
		return {exists: this.#copies.get(mailbox)?.length ?? 0, uidValidity: this.#validity, permanentFlags: undefined};
	}

	async loadIndex(mailbox: string): Promise<MailboxIndex> {
		this.indexLoads++;
		const copies = (this.#copies.get(mailbox) ?? []).map(({uid, job}) => ({uid, size: job.content.length, internalDate: job.internalDate, messageId: job.messageId}));
		return new ServerIndex(mailbox, this.#validity, copies);
	}
}

async function maildirWith(t: TestContext, count: number): Promise<string> {
	const root = await mkdtemp(join(tmpdir(), 'ms-deferred-index-'));
	t.after(() => rm(root, {recursive: true, force: true}));
	for (const sub of ['cur', 'new', 'tmp']) await mkdir(join(root, sub), {recursive: true});
	for (let i = 0; i < count; i++) await writeMessage(root, i);
	return root;
}

function writeMessage(root: string, i: number): Promise<void> {
	return writeFile(join(root, 'cur', `${1000 + i}.M${i}P1.host:2,S`), `Message-ID: <d${i}@t>\nReceived: x; Mon, 2 Mar 2009 08:00:00 +0000\nSubject: s${i}\n\nbody ${i}\n`);
}

/**
 * `later`: the run's clock is this far ahead (so a `pending` row just written is not waited for, PENDING_SETTLE_MS).
 * `trace`: told every SQL statement the journal runs.
 */
async function migrate(root: string, sink: IndexedSink, journalPath: string, isNew: boolean, later = 0, trace?: (sql: string) => void) {
	const source = await MaildirStore.open(root);
	const journal = SqliteJournal.open({path: journalPath, ...(isNew ? {isNew: true} : {}), run: RUN, ...(trace ? {trace} : {})});
	try {
		return await runMigration(OPTIONS, {source, sink, journal, events: {emit: () => {}}, now: () => Date.now() + later}, new EngineControls());
	} finally {
		journal.close();
		await source.close();
	}
}

test('a re-run whose journal has every message as uploaded loads no server index and reads no message file', async (t) => {
	// Given a Maildir of five messages uploaded by a first run.
	const root = await maildirWith(t, 5);
	const sink = new IndexedSink();
	const journalPath = join(root, 'journal.sqlite');
	const first = await migrate(root, sink, journalPath, true);
	assert.equal(first.summary.uploaded, 5);
	// When it is migrated again with that journal.
	sink.indexLoads = 0;
	const reads = mock.method(fsPromises, 'readFile');
	t.after(() => reads.mock.restore());
	const again = await migrate(root, sink, journalPath, false);
	const messageReads = reads.mock.calls.filter((call) => /\/cur\/\d+\.M/.test(String(call.arguments[0]))).length;
	reads.mock.restore();
	// Then every message is counted as uploaded by the earlier run, without fetching the mailbox's index or
	// reading a single message file.
	assert.deepEqual([again.summary.found, again.summary.skipped, again.summary.uploaded, again.summary.failed], [5, 5, 0, 0]);
	assert.equal(sink.indexLoads, 0);
	assert.equal(messageReads, 0);
	assert.equal(sink.mailboxes.get('INBOX')?.length, 5);
});

test('a message left pending by an interrupted run is looked for on the server before it is sent again', async (t) => {
	// Given a first run that uploaded three messages, then a fourth message whose APPEND reached the server while
	// the run was killed before it could record it (its journal row is `pending`).
	const root = await maildirWith(t, 3);
	const sink = new IndexedSink();
	const journalPath = join(root, 'journal.sqlite');
	await migrate(root, sink, journalPath, true);
	await writeMessage(root, 3);
	const store = await MaildirStore.open(root);
	const [folder] = await store.listFolders();
	assert.ok(folder);
	let fourth: UploadJob | undefined;
	for await (const message of store.messages(folder)) {
		const mapped = mapMessage(message, 'INBOX', {includeTrashed: false, now: Date.now(), fallbackDate: OPTIONS.fallbackDate});
		if (!isSkip(mapped) && message.ref.key.startsWith('1003.')) fourth = mapped.job;
	}
	await store.close();
	assert.ok(fourth);
	const interrupted = SqliteJournal.open({path: journalPath, run: RUN});
	interrupted.begin(fourth);
	interrupted.close();
	await sink.append(fourth);
	// When the store is migrated again, a minute later.
	sink.indexLoads = 0;
	const again = await migrate(root, sink, journalPath, false, 60_000);
	// Then the server's index is loaded once, the pending message is found there, and nothing is sent twice.
	assert.equal(sink.indexLoads, 1);
	assert.deepEqual([again.summary.found, again.summary.skipped, again.summary.uploaded, again.summary.failed], [4, 4, 0, 0]);
	assert.equal(sink.mailboxes.get('INBOX')?.length, 4);
});

test('a re-run of a Dovecot-named Maildir reads each folder\'s done rows in one query and stats no message file', async (t) => {
	// Given a Maildir++ store of two folders whose file names state their sizes (,S=, as Dovecot writes them),
	// uploaded by a first run.
	const root = await mkdtemp(join(tmpdir(), 'ms-deferred-index-'));
	t.after(() => rm(root, {recursive: true, force: true}));
	for (const dir of ['', '.Sent/']) {
		for (const sub of ['cur', 'new', 'tmp']) await mkdir(join(root, dir, sub), {recursive: true});
		for (let i = 0; i < 4; i++) {
			const text = `Message-ID: <${dir}s${i}@t>\nReceived: x; Mon, 2 Mar 2009 08:00:00 +0000\nSubject: s${i}\n\nbody ${i}\n`;
			await writeFile(join(root, dir, 'cur', `${2000 + i}.M${i}P1.host,S=${text.length}:2,S`), text);
		}
	}
	const sink = new IndexedSink();
	const journalPath = join(root, 'journal.sqlite');
	assert.equal((await migrate(root, sink, journalPath, true)).summary.uploaded, 8);
	// When it is migrated again with that journal.
	const sync = mock.method(fs, 'statSync');
	const promised = mock.method(fsPromises, 'stat');
	t.after(() => {
		sync.mock.restore();
		promised.mock.restore();
	});
	const statements: string[] = [];
	const again = await migrate(root, sink, journalPath, false, 0, (sql) => statements.push(sql));
	const messageStats = [...sync.mock.calls, ...promised.mock.calls].filter((call) => /\/cur\/\d+\.M/.test(String(call.arguments[0]))).length;
	// Then all eight are counted as uploaded before, one query per folder read its done rows, and no message file
	// was stat'ed (nor read: see the first test).
	assert.deepEqual([again.summary.found, again.summary.skipped, again.summary.uploaded], [8, 8, 0]);
	assert.equal(statements.filter((sql) => /^SELECT key\b.* state = 'done'/.test(sql)).length, 2, statements.join('\n'));
	assert.equal(messageStats, 0);
});

test('on a server that lists each mailbox\'s UIDVALIDITY (LIST-STATUS), a re-run with nothing to do selects no mailbox', async (t) => {
	// Given a Maildir of five messages uploaded by a first run, to a server that says UIDVALIDITY in its LIST.
	const root = await maildirWith(t, 5);
	const sink = new IndexedSink(true);
	const journalPath = join(root, 'journal.sqlite');
	assert.equal((await migrate(root, sink, journalPath, true)).summary.uploaded, 5);
	// When it is migrated again with that journal.
	sink.selects = 0;
	const again = await migrate(root, sink, journalPath, false);
	// Then every message is counted as uploaded before, and the mailbox was neither selected nor indexed.
	assert.deepEqual([again.summary.found, again.summary.skipped, again.summary.uploaded], [5, 5, 0]);
	assert.equal(sink.selects, 0);
	assert.equal(sink.indexLoads, 0);
});

test('a message added to the store since the last run is sent after its mailbox is set up then, and the others are not sent again', async (t) => {
	// Given three messages uploaded by a first run (LIST-STATUS), and a fourth delivered into the Maildir since.
	const root = await maildirWith(t, 3);
	const sink = new IndexedSink(true);
	const journalPath = join(root, 'journal.sqlite');
	await migrate(root, sink, journalPath, true);
	await writeMessage(root, 3);
	// When it is migrated again.
	sink.selects = 0;
	sink.indexLoads = 0;
	const again = await migrate(root, sink, journalPath, false);
	// Then the mailbox is selected (and indexed) once, for the fourth message, which is the only one sent.
	assert.deepEqual([again.summary.found, again.summary.skipped, again.summary.uploaded], [4, 3, 1]);
	assert.equal(sink.selects, 1);
	assert.equal(sink.indexLoads, 1);
	assert.deepEqual(sink.mailboxes.get('INBOX')?.map((job) => job.messageId).sort(), ['d0@t', 'd1@t', 'd2@t', 'd3@t']);
});

test('a mailbox deleted and created again since the last run (another UIDVALIDITY listed) is set up at once, and every message is sent again', async (t) => {
	// Given three messages uploaded by a first run (LIST-STATUS), and then another client recreating the mailbox
	// (listed, empty, with a new UIDVALIDITY).
	const root = await maildirWith(t, 3);
	const sink = new IndexedSink(true);
	const journalPath = join(root, 'journal.sqlite');
	await migrate(root, sink, journalPath, true);
	sink.recreate('INBOX');
	sink.selects = 0;
	// When it is migrated again.
	const again = await migrate(root, sink, journalPath, false);
	// Then the journal's rows, which name the old mailbox's UIDs, are not trusted: the mailbox is set up at once
	// and all three are sent again, with a warning that says why.
	assert.equal(sink.selects, 1);
	assert.deepEqual([again.summary.found, again.summary.skipped, again.summary.uploaded], [3, 0, 3]);
	assert.equal(sink.mailboxes.get('INBOX')?.length, 6, 'the memory sink keeps what the first run sent too');
	assert.ok(again.summary.problems.some((p) => p.code === 'UIDVALIDITY_CHANGED'), JSON.stringify(again.summary.problems));
});

test('a folder whose deferred setup fails is not set up again for each of its new messages: they fail with its reason', async (t) => {
	// Given three messages uploaded by a first run (LIST-STATUS), then three more delivered into the Maildir, and
	// a server that now refuses the mailbox (not fatal: the rest of the run would go on)
	const root = await maildirWith(t, 3);
	const sink = new IndexedSink(true);
	const journalPath = join(root, 'journal.sqlite');
	await migrate(root, sink, journalPath, true);
	for (let i = 3; i < 6; i++) await writeMessage(root, i);
	sink.ensures = 0;
	sink.ensureError = new MailshiftError('MAILBOX_CREATE_FAILED', 'INBOX cannot be made or opened.', 'skip');
	// When it is migrated again
	const again = await migrate(root, sink, journalPath, false);
	// Then the setup was tried once, and the three new messages failed with its reason
	assert.equal(sink.ensures, 1);
	assert.deepEqual([again.summary.found, again.summary.skipped, again.summary.uploaded, again.summary.failed], [6, 3, 0, 3]);
	assert.deepEqual(again.summary.problems.filter((p) => p.kind === 'failed').map((p) => p.code), ['MAILBOX_CREATE_FAILED', 'MAILBOX_CREATE_FAILED', 'MAILBOX_CREATE_FAILED']);
});
