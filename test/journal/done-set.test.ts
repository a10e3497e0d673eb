/**
 * A re-run with nothing to do (issue #14): the journal reads a folder's `done` rows in one query and answers
 * the engine's per-message `get` from them; writes keep the answers true. Counted with better-sqlite3's
 * statement trace, not timed.
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

describe('the done set of a folder', () => {
	test('asking about every message of a finished folder runs one query, not one per message', (t) => {
		const {journal, statements} = opened(t);
		for (let i = 0; i < 200; i++) {
			const j = job(`m${i}`, 'Inbox', 'INBOX', `m${i}@example.org`);
			journal.begin(j);
			journal.done(j, {mailbox: 'INBOX', uid: i + 1, uidValidity: 7n}, 'uploaded');
		}
		journal.checkpoint();
		assert.ok(statements.length >= 400, 'the trace sees the statements run');
		statements.length = 0;
		for (let i = 0; i < 200; i++) assert.equal(journal.get(job(`m${i}`).ref)?.state, 'done');
		assert.equal(journal.get(job('never-seen').ref), undefined);
		assert.ok(statements.length <= 2, `${statements.length} statements for 201 lookups`);
		assert.equal(journal.doneIn('Inbox').length, 200);
	});

	test('what is written after the set was read is what get and doneIn answer', (t) => {
		const {journal} = opened(t);
		const a = job('a');
		const b = job('b');
		journal.begin(a);
		journal.done(a, {mailbox: 'INBOX', uid: 1, uidValidity: 7n}, 'uploaded');
		journal.checkpoint();
		assert.equal(journal.get(a.ref)?.state, 'done');
		journal.fail(a.ref, 'MESSAGE_REJECTED', 'refused');
		assert.equal(journal.get(a.ref)?.state, 'failed');
		journal.begin(b);
		assert.equal(journal.get(b.ref)?.state, 'pending');
		journal.done(b, {mailbox: 'INBOX', uid: 2, uidValidity: 7n}, 'uploaded');
		assert.deepEqual([journal.get(b.ref)?.state, journal.get(b.ref)?.uid], ['done', 2]);
		assert.deepEqual(journal.doneIn('Inbox').map((e) => e.key), ['b']);
		journal.resetMailbox('INBOX', 8n);
		assert.equal(journal.get(b.ref)?.state, 'pending', 'a changed UIDVALIDITY turns done rows back into pending');
		assert.deepEqual(journal.doneIn('Inbox'), []);
	});

	test('folders are told apart: the set of one folder never answers for another', (t) => {
		const {journal} = opened(t);
		const inInbox = job('same-key', 'Inbox');
		journal.begin(inInbox);
		journal.done(inInbox, {mailbox: 'INBOX', uid: 1}, 'uploaded');
		journal.checkpoint();
		assert.equal(journal.get(inInbox.ref)?.state, 'done');
		assert.equal(journal.get(job('same-key', 'Sent', 'Sent').ref), undefined);
		assert.equal(journal.get(inInbox.ref)?.state, 'done');
	});
});
