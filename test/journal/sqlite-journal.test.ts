/**
 * SqliteJournal against the Journal contract (journal.ts): states and queries, commits per checkpoint (a killed
 * process loses only its uncommitted tail), resume and refusal of another migration, the lock, UIDVALIDITY
 * changes (RFC 3501 §2.3.1.1), file mode and secrets, damaged files. The lock file itself: lockfile.test.ts.
 */
import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {once} from 'node:events';
import {mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {createInterface} from 'node:readline';
import {describe, test} from 'node:test';
import {fileURLToPath} from 'node:url';
import type {JournalRun} from '../../src/contracts/journal.js';
import {journalRun} from '../../src/journal/journal-location.js';
import {SqliteJournal, type OpenJournalOptions} from '../../src/journal/sqlite-journal.js';
import {parseImapUrl} from '../../src/uploader/imap-target.js';
import {uploadJob as job} from '../helpers/journal-jobs.js';

const WRITER = fileURLToPath(new URL('../helpers/journal-writer.ts', import.meta.url));
const RUN = {configHash: 'hash-of-migration-1', configDescription: '/store → imap://alice@127.0.0.1:1143'};

function journalPath(t: {after: (fn: () => void) => void}): string {
	const dir = mkdtempSync(join(tmpdir(), 'ms-journal-'));
	t.after(() => rmSync(dir, {recursive: true, force: true}));
	return join(dir, 'state', 'journal.sqlite');
}

/** Opens the journal at `path` for RUN unless told another migration. */
function open(path: string, options: Omit<OpenJournalOptions, 'path' | 'run'> & {run?: JournalRun} = {}): SqliteJournal {
	return SqliteJournal.open({run: RUN, ...options, path});
}

/** Starts journal-writer.ts on `path` and resolves once it printed `written` (its uncommitted rows are written). */
async function startWriter(path: string) {
	const child = spawn(process.execPath, ['--import', 'tsx', WRITER, path, RUN.configHash], {stdio: ['pipe', 'pipe', 'inherit']});
	const exited = once(child, 'exit');
	const lines = createInterface({input: child.stdout});
	const first = await Promise.race([once(lines, 'line'), exited.then(([code]) => assert.fail(`the writer exited (${String(code)}) before writing`))]);
	assert.equal(first[0], 'written');
	return {child, exited};
}

describe('a journal\'s entries', () => {
	test('begin records pending, then done, failed or skipped replace it, and get returns what was recorded', (t) => {
		const journal = open(journalPath(t));
		t.after(() => journal.close());
		const a = job('a', 'Inbox', 'INBOX', 'a@example.org');
		journal.begin(a);
		assert.deepEqual(journal.get(a.ref), {
			folder: 'Inbox', key: 'a', state: 'pending', mailbox: 'INBOX', messageId: 'a@example.org', fingerprint: 'sha256:a',
			size: a.content.length, uid: undefined, uidValidity: undefined, errorCode: undefined, error: undefined,
		});
		journal.done(a, {mailbox: 'INBOX', uid: 41, uidValidity: 9n}, 'uploaded');
		assert.deepEqual(journal.get(a.ref), {
			folder: 'Inbox', key: 'a', state: 'done', mailbox: 'INBOX', messageId: 'a@example.org', fingerprint: 'sha256:a',
			size: a.content.length, uid: 41, uidValidity: 9n, errorCode: undefined, error: undefined,
		});

		const b = job('b');
		journal.begin(b);
		journal.fail(b.ref, 'TOO_BIG', 'larger than the server accepts');
		const failed = journal.get(b.ref);
		assert.equal(failed?.state, 'failed');
		assert.equal(failed?.errorCode, 'TOO_BIG');
		assert.equal(failed?.error, 'larger than the server accepts');
		assert.equal(failed?.mailbox, 'INBOX', 'what begin recorded is kept');

		const c = job('c');
		journal.skip(c.ref, 'TRASHED', 'marked deleted in the store');
		assert.equal(journal.get(c.ref)?.state, 'skipped');
		assert.equal(journal.get(c.ref)?.error, 'marked deleted in the store');

		const d = job('d');
		journal.done(d, {mailbox: 'INBOX'}, 'found-on-server');
		assert.equal(journal.get(d.ref)?.errorCode, 'FOUND_ON_SERVER', 'a copy found on the server is told apart from an upload');
		assert.equal(journal.get(d.ref)?.uid, undefined);

		assert.equal(journal.get(job('never-seen').ref), undefined);
		assert.equal(journal.get(job('a', 'Sent').ref), undefined, 'the same key in another folder is another message');
		assert.deepEqual(journal.counts(), {pending: 0, done: 2, failed: 1, skipped: 1});
	});

	test('a failed message that is begun again and uploaded is done, its old error forgotten', (t) => {
		const journal = open(journalPath(t));
		t.after(() => journal.close());
		const a = job('a');
		journal.begin(a);
		journal.fail(a.ref, 'NETWORK', 'connection reset');
		journal.begin(a);
		journal.done(a, {mailbox: 'INBOX', uid: 3, uidValidity: 5n}, 'uploaded');
		const entry = journal.get(a.ref);
		assert.equal(entry?.state, 'done');
		assert.equal(entry?.errorCode, undefined);
		assert.equal(entry?.error, undefined);
		assert.deepEqual(journal.counts(), {pending: 0, done: 1, failed: 0, skipped: 0});
	});

	test('doneIn lists only the done entries of that folder, and lastPendingAt dates the newest pending one', (t) => {
		const journal = open(journalPath(t));
		t.after(() => journal.close());
		assert.equal(journal.lastPendingAt('Inbox'), undefined, 'nothing pending yet');
		const before = Date.now();
		for (const key of ['a', 'b', 'c']) journal.begin(job(key));
		journal.done(job('a'), {mailbox: 'INBOX', uid: 1, uidValidity: 1n}, 'uploaded');
		journal.done(job('b'), {mailbox: 'INBOX', uid: 2, uidValidity: 1n}, 'uploaded');
		journal.begin(job('x', 'Sent', 'Sent'));
		journal.done(job('x', 'Sent', 'Sent'), {mailbox: 'Sent', uid: 1, uidValidity: 2n}, 'uploaded');

		assert.deepEqual(journal.doneIn('Inbox').map((e) => e.key).sort(), ['a', 'b']);
		assert.deepEqual(journal.doneIn('Sent').map((e) => e.key), ['x']);
		assert.deepEqual(journal.doneIn('Drafts'), []);
		const pendingAt = journal.lastPendingAt('Inbox');
		assert.ok(pendingAt !== undefined && pendingAt >= before - 1 && pendingAt <= Date.now(), `pending at ${String(pendingAt)}`);
		assert.equal(journal.lastPendingAt('Sent'), undefined, 'Sent has no pending message');
		journal.done(job('c'), {mailbox: 'INBOX', uid: 3, uidValidity: 1n}, 'uploaded');
		assert.equal(journal.lastPendingAt('Inbox'), undefined, 'no pending message is left');
	});
});

describe('commits and crashes', () => {
	test('a process killed without a checkpoint loses its uncommitted writes and keeps the checkpointed ones', async (t) => {
		const path = journalPath(t);
		const {child, exited} = await startWriter(path);
		child.kill('SIGKILL');
		const [code, signal] = await exited;
		assert.equal(signal, 'SIGKILL', `the writer ended by itself (code ${String(code)})`);

		const journal = open(path);
		t.after(() => journal.close());
		assert.equal(journal.isResumed, true);
		assert.equal(journal.get(job('a').ref)?.state, 'done', 'committed before the kill');
		assert.equal(journal.get(job('a').ref)?.uid, 1);
		assert.equal(journal.get(job('b').ref)?.state, 'pending', 'its done was not committed: the next run checks the server');
		assert.equal(journal.get(job('c').ref), undefined, 'begun after the last checkpoint');
		assert.deepEqual(journal.counts(), {pending: 1, done: 1, failed: 0, skipped: 0});
	});

	test('close commits what was written since the last checkpoint', (t) => {
		const path = journalPath(t);
		const first = open(path);
		first.begin(job('a'));
		first.done(job('a'), {mailbox: 'INBOX', uid: 1, uidValidity: 1n}, 'uploaded');
		first.close();
		first.close(); // idempotent
		const again = open(path);
		t.after(() => again.close());
		assert.equal(again.get(job('a').ref)?.state, 'done');
	});
});

describe('resuming a journal', () => {
	test('a new journal is not a resume; reopening one that holds entries is', (t) => {
		const path = journalPath(t);
		const first = open(path);
		assert.equal(first.isResumed, false);
		first.close();
		const empty = open(path);
		assert.equal(empty.isResumed, false, 'a journal without entries has nothing to resume');
		empty.begin(job('a'));
		empty.close();
		const resumed = open(path);
		t.after(() => resumed.close());
		assert.equal(resumed.isResumed, true);
		assert.equal(resumed.get(job('a').ref)?.state, 'pending');
	});

	test('another destination or mapping is refused with JOURNAL_MISMATCH naming the original, and the lock is released', (t) => {
		const path = journalPath(t);
		const first = open(path);
		first.begin(job('a'));
		first.close();
		assert.throws(() => open(path, {run: {configHash: 'hash-of-migration-2', configDescription: '/store → imap://bob@127.0.0.1:1143'}}), (e: {code?: string; message?: string; hint?: string}) =>
			e.code === 'JOURNAL_MISMATCH' && (e.message ?? '').includes(RUN.configDescription) && (e.hint ?? '').includes('--new-journal'));
		const original = open(path);
		t.after(() => original.close());
		assert.equal(original.get(job('a').ref)?.state, 'pending', 'the refused open changed nothing');
	});

	test('isNew starts over: another migration is accepted and the old entries are gone', (t) => {
		const path = journalPath(t);
		const first = open(path);
		first.begin(job('a'));
		first.done(job('a'), {mailbox: 'INBOX', uid: 1, uidValidity: 1n}, 'uploaded');
		first.close();
		const other = {configHash: 'hash-of-migration-2', configDescription: 'other'};
		const fresh = open(path, {run: other, isNew: true});
		assert.equal(fresh.isResumed, false);
		assert.equal(fresh.get(job('a').ref), undefined);
		assert.equal(fresh.uidValidity('INBOX'), undefined);
		fresh.close();
		assert.throws(() => open(path), {code: 'JOURNAL_MISMATCH'}, 'the new journal belongs to the new migration');
		open(path, {run: other}).close();
	});
});

describe('the journal\'s lock', () => {
	test('a journal held by a running process is refused with JOURNAL_LOCKED; after that process is killed it is taken over and the caller told', async (t) => {
		const path = journalPath(t);
		const {child, exited} = await startWriter(path);
		t.after(() => child.kill('SIGKILL'));
		assert.throws(() => open(path), (e: {code?: string; message?: string}) => e.code === 'JOURNAL_LOCKED' && (e.message ?? '').includes(`pid ${String(child.pid)}`));
		child.kill('SIGKILL');
		await exited;
		const told: string[] = [];
		const journal = open(path, {onStaleLock: (message) => told.push(message)});
		assert.equal(told.length, 1);
		assert.match(told[0] ?? '', new RegExp(`pid ${String(child.pid)}`));
		assert.throws(() => open(path), {code: 'JOURNAL_LOCKED'}, 'the new holder is this process');
		journal.close();
		const next = open(path, {onStaleLock: (message) => told.push(message)});
		next.close();
		assert.equal(told.length, 1, 'a lock released by close is not stale');
	});

	test('close releases the lock even when called twice, and the journal refuses writes after it', (t) => {
		const path = journalPath(t);
		const journal = open(path);
		journal.close();
		journal.close();
		assert.throws(() => journal.begin(job('a')), {code: 'BUG'});
		assert.deepEqual(readdirSync(join(path, '..')).filter((name) => name.endsWith('.lock')), []);
	});
});

describe('a changed UIDVALIDITY', () => {
	test('uidValidity is the one recorded with the first APPEND of a mailbox', (t) => {
		const journal = open(journalPath(t));
		t.after(() => journal.close());
		assert.equal(journal.uidValidity('INBOX'), undefined);
		journal.done(job('a'), {mailbox: 'INBOX', uid: 1}, 'uploaded');
		assert.equal(journal.uidValidity('INBOX'), undefined, 'a server without UIDPLUS tells none');
		journal.done(job('b'), {mailbox: 'INBOX', uid: 2, uidValidity: 1234567890123n}, 'uploaded');
		assert.equal(journal.uidValidity('INBOX'), 1234567890123n);
		journal.done(job('c'), {mailbox: 'INBOX', uid: 3, uidValidity: 99n}, 'uploaded');
		assert.equal(journal.uidValidity('INBOX'), 1234567890123n, 'only resetMailbox changes it');
		assert.equal(journal.uidValidity('Sent'), undefined);
	});

	test('resetMailbox turns that mailbox\'s done entries back into checks, forgets their UIDs and records the new UIDVALIDITY', (t) => {
		const path = journalPath(t);
		const journal = open(path);
		journal.done(job('a'), {mailbox: 'INBOX', uid: 1, uidValidity: 7n}, 'uploaded');
		journal.done(job('b'), {mailbox: 'INBOX', uid: 2, uidValidity: 7n}, 'found-on-server');
		journal.begin(job('f'));
		journal.fail(job('f').ref, 'TOO_BIG', 'too big');
		journal.done(job('s', 'Sent', 'Sent'), {mailbox: 'Sent', uid: 1, uidValidity: 8n}, 'uploaded');
		journal.checkpoint();

		journal.resetMailbox('INBOX', 70n);
		for (const key of ['a', 'b']) {
			const entry = journal.get(job(key).ref);
			assert.equal(entry?.state, 'pending', `${key} is checked on the server again`);
			assert.equal(entry?.uid, undefined);
			assert.equal(entry?.uidValidity, undefined);
			assert.equal(entry?.fingerprint, `sha256:${key}`, 'what finds it on the server is kept');
		}
		assert.deepEqual(journal.doneIn('Inbox'), []);
		assert.equal(journal.get(job('f').ref)?.state, 'failed', 'a failed entry stays failed');
		assert.equal(journal.uidValidity('INBOX'), 70n);
		assert.equal(journal.get(job('s', 'Sent', 'Sent').ref)?.state, 'done', 'another mailbox is untouched');
		assert.equal(journal.uidValidity('Sent'), 8n);
		journal.close();

		const again = open(path);
		t.after(() => again.close());
		assert.equal(again.get(job('a').ref)?.state, 'pending', 'the reset is committed');
		assert.equal(again.uidValidity('INBOX'), 70n);
		again.close();
		// `mailshift status` lists a reset copy that had been found on the server as to check, not as FOUND_ON_SERVER.
		const listed = SqliteJournal.inspect(path).failures.find((f) => f.location.endsWith('b'));
		assert.equal(listed?.code, 'PENDING');
	});
});

describe('the journal file', () => {
	test('is readable by its owner only, as are its WAL and lock, and holds the account but no password', (t) => {
		const path = journalPath(t);
		const password = 'pw-Correct-Horse-7461';
		const target = parseImapUrl('imap://alice@127.0.0.1:1143', false);
		const run = journalRun({source: '/store', target, prefix: undefined, rules: [], excludes: []});
		// A run holds the password in memory (from MAILSHIFT_PASSWORD, a file or a prompt); none of it may reach the journal.
		const previousPassword = process.env['MAILSHIFT_PASSWORD'];
		process.env['MAILSHIFT_PASSWORD'] = password;
		t.after(() => {
			if (previousPassword === undefined) delete process.env['MAILSHIFT_PASSWORD'];
			else process.env['MAILSHIFT_PASSWORD'] = previousPassword;
		});
		const previousUmask = process.umask(0o022);
		t.after(() => process.umask(previousUmask));
		const journal = SqliteJournal.open({path, run});
		journal.begin(job('a', 'Inbox', 'INBOX', 'a@example.org'));
		journal.done(job('a', 'Inbox', 'INBOX', 'a@example.org'), {mailbox: 'INBOX', uid: 1, uidValidity: 1n}, 'uploaded');
		journal.checkpoint();
		const dir = join(path, '..');
		const files = readdirSync(dir);
		assert.ok(files.includes('journal.sqlite') && files.includes('journal.sqlite.lock'), files.join(', '));
		for (const name of files) assert.equal(statSync(join(dir, name)).mode & 0o777, 0o600, name);
		assert.equal(statSync(dir).mode & 0o777, 0o700, 'the directory it created');
		const bytes = Buffer.concat(files.map((name) => readFileSync(join(dir, name))));
		journal.close();
		const all = Buffer.concat([bytes, readFileSync(path)]);
		assert.ok(all.includes('alice@127.0.0.1:1143'), 'the account is there, so the search below reads the rows');
		assert.ok(!all.includes(password), 'no password');
		assert.doesNotMatch(all.toString('latin1'), /alice:[^@\s]*@/, 'no user:password@ form');
	});

	test('garbage bytes give JOURNAL_CORRUPT with a hint, release the lock, and isNew replaces the file', (t) => {
		const path = journalPath(t);
		open(path).close();
		const garbage = Buffer.alloc(8192);
		for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 7919 + 13) % 251;
		writeFileSync(path, garbage);
		assert.throws(() => open(path), (e: {code?: string; message?: string; hint?: string; disposition?: string}) =>
			e.code === 'JOURNAL_CORRUPT' && e.disposition === 'fatal' && (e.message ?? '').includes(path) && (e.hint ?? '').includes('--new-journal'));
		const fresh = open(path, {isNew: true});
		t.after(() => fresh.close());
		assert.equal(fresh.isResumed, false);
		fresh.begin(job('a'));
		assert.equal(fresh.get(job('a').ref)?.state, 'pending');
	});
});
