/**
 * A re-run with nothing to do (issue #14): the journal reads a folder's `done` keys in one query — only the column
 * the engine needs — and answers the engine's per-message `isDone` from them, and the folder setup's `doneIn` from
 * one more when asked; writes keep the answers true. Counted with better-sqlite3's statement trace, not timed.
 */
import assert from 'node:assert/strict';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describe, test} from 'node:test';
import {SqliteJournal} from '../../src/journal/sqlite-journal.js';
import {uploadJob as job} from '../helpers/journal-jobs.js';

const RUN = {configHash: 'hash-of-done-set', configDescription: '/store → imap://alice@127.0.0.1:1143'};

function opened(t: {after: (fn: () => void) => void}): {journal: SqliteJournal; statements: string[]} {
	const dir = mkdtempSync(join(tmpdir(), 'ms-done-set-'));
	const statements: string[] = [];
	const journal = SqliteJournal.open({path: join(dir, 'journal.sqlite'), run: RUN, trace: (sql) => statements.push(sql)});
	t.after(() => {
		journal.close();
		rmSync(dir, {recursive: true, force: true});
	});
	return {journal, statements};
}

/** Messages m0…m(n-1) of Inbox uploaded to INBOX as UIDs 1…n (UIDVALIDITY 7), committed. */
function uploaded(journal: SqliteJournal, n: number): void {
	for (let i = 0; i < n; i++) {
		const j = job(`m${i}`, 'Inbox', 'INBOX', `m${i}@example.org`);
		journal.begin(j);
		journal.done(j, {mailbox: 'INBOX', uid: i + 1, uidValidity: 7n}, 'uploaded');
	}
	journal.checkpoint();
}

describe('the done set of a folder', () => {
	test('asking about every message of a finished folder runs one query, not one per message', (t) => {
		const {journal, statements} = opened(t);
		uploaded(journal, 200);
		assert.ok(statements.length >= 400, 'the trace sees the statements run');
		statements.length = 0;
		for (let i = 0; i < 200; i++) assert.equal(journal.isDone(job(`m${i}`).ref), true);
		assert.equal(journal.isDone(job('never-seen').ref), false);
		assert.equal(statements.length, 1, `${statements.length} statements for 201 lookups`);
		assert.match(statements[0] ?? '', /^SELECT key FROM messages/, 'the keys alone: a re-run with nothing to do needs no more');
		assert.equal(journal.doneIn('Inbox').length, 200);
		assert.equal(statements.length, 2, 'where they are is read once, when asked for');
		assert.equal(journal.doneIn('Inbox').length, 200);
		assert.equal(statements.length, 2);
	});

	test('whether every done message of a folder is named by a UID of one UIDVALIDITY in one mailbox, this run\'s writes included', (t) => {
		const {journal} = opened(t);
		assert.equal(journal.doneAllNamedBy('Inbox', 'INBOX', 7n), false, 'nothing done yet');
		uploaded(journal, 3);
		assert.equal(journal.doneAllNamedBy('Inbox', 'INBOX', 7n), true);
		assert.equal(journal.doneAllNamedBy('Inbox', 'INBOX', 8n), false, 'another UIDVALIDITY');
		assert.equal(journal.doneAllNamedBy('Inbox', 'Archive', 7n), false, 'another mailbox');
		assert.equal(journal.doneAllNamedBy('Sent', 'INBOX', 7n), false, 'another folder has none');
		const found = job('found', 'Inbox', 'INBOX', 'found@example.org');
		journal.begin(found);
		journal.done(found, {mailbox: 'INBOX'}, 'found-on-server');
		assert.equal(journal.doneAllNamedBy('Inbox', 'INBOX', 7n), false, 'one done without a UID (not committed yet)');
		journal.fail(found.ref, 'MESSAGE_REJECTED', 'refused');
		assert.equal(journal.doneAllNamedBy('Inbox', 'INBOX', 7n), true, 'failed rows do not count');
	});

	test('a folder\'s done rows are read once for both the folder setup (doneIn) and every message (isDone), four columns of them', (t) => {
		const {journal, statements} = opened(t);
		uploaded(journal, 50);
		statements.length = 0;
		const copies = journal.doneIn('Inbox');
		for (let i = 0; i < 50; i++) assert.equal(journal.isDone(job(`m${i}`).ref), true);
		assert.deepEqual(journal.doneIn('Inbox'), copies);
		assert.deepEqual(statements.length, 1, `statements run: ${statements.join(' | ')}`);
		assert.match(statements[0] ?? '', /^SELECT key, mailbox, uid, uid_validity FROM messages/);
		assert.deepEqual(copies.find((c) => c.key === 'm3'), {key: 'm3', mailbox: 'INBOX', uid: 4, uidValidity: 7n});
	});

	test('what is written after the set was read is what get and doneIn answer', (t) => {
		const {journal} = opened(t);
		const a = job('a');
		const b = job('b');
		journal.begin(a);
		journal.done(a, {mailbox: 'INBOX', uid: 1, uidValidity: 7n}, 'uploaded');
		journal.checkpoint();
		assert.equal(journal.isDone(a.ref), true);
		journal.fail(a.ref, 'MESSAGE_REJECTED', 'refused');
		assert.equal(journal.isDone(a.ref), false);
		assert.equal(journal.get(a.ref)?.state, 'failed');
		journal.begin(b);
		assert.equal(journal.isDone(b.ref), false);
		journal.done(b, {mailbox: 'INBOX', uid: 2, uidValidity: 7n}, 'uploaded');
		assert.equal(journal.isDone(b.ref), true);
		assert.deepEqual(journal.doneIn('Inbox'), [{key: 'b', mailbox: 'INBOX', uid: 2, uidValidity: 7n}]);
		journal.resetMailbox('INBOX', 8n);
		assert.equal(journal.isDone(b.ref), false, 'a changed UIDVALIDITY turns done rows back into pending');
		assert.equal(journal.get(b.ref)?.state, 'pending');
		assert.deepEqual(journal.doneIn('Inbox'), []);
		journal.done(b, {mailbox: 'INBOX'}, 'found-on-server');
		assert.deepEqual(journal.doneIn('Inbox'), [{key: 'b', mailbox: 'INBOX', uid: undefined, uidValidity: undefined}], 'a copy found without a UID is done without one');
		const written = journal.doneIn('Inbox');
		journal.isDone(job('other', 'Sent', 'Sent').ref);
		assert.deepEqual(journal.doneIn('Inbox'), written, 'read again from SQLite (another folder was asked about in between), the answer is the same');
	});

	test('folders are told apart: the set of one folder never answers for another', (t) => {
		const {journal} = opened(t);
		const inInbox = job('same-key', 'Inbox');
		journal.begin(inInbox);
		journal.done(inInbox, {mailbox: 'INBOX', uid: 1}, 'uploaded');
		journal.checkpoint();
		assert.equal(journal.isDone(inInbox.ref), true);
		assert.equal(journal.isDone(job('same-key', 'Sent', 'Sent').ref), false);
		assert.equal(journal.isDone(inInbox.ref), true);
	});
});
