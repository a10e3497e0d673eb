/**
 * PgJournal against the Journal contract (journal/journal.ts), mirroring sqlite-journal.test.ts on a private
 * PostgreSQL cluster: states and queries, commits per checkpoint (an abandoned worker loses only its uncommitted
 * tail), resume and refusal of another migration, UIDVALIDITY changes (RFC 3501 §2.3.1.1), no secret in the
 * database — and what only a shared journal needs: fencing by the lease generation, and commits that survive a
 * PostgreSQL restart.
 */
import assert from 'node:assert/strict';
import {after, before, describe, test} from 'node:test';
import pg from 'pg';
import {ensureFleetSchema} from '../../src/fleet/fleet-schema.js';
import {fleetPoolConfig, IDLE_IN_TRANSACTION_MS} from '../../src/fleet/fleet-queue.js';
import {PgJournal} from '../../src/fleet/pg-journal.js';
import type {OpenPgJournalOptions} from '../../src/fleet/pg-journal.js';
import {RowLease} from '../../src/fleet/row-lease.js';
import {journalRun} from '../../src/journal/journal-location.js';
import {parseImapUrl} from '../../src/uploader/imap-target.js';
import {uploadJob as job} from '../helpers/journal-jobs.js';
import {postgresSkipReason, startPostgres} from '../helpers/postgres.js';
import type {PrivatePostgres} from '../helpers/postgres.js';

const skip = postgresSkipReason();
const RUN = {configHash: 'hash-of-migration-1', configDescription: '/store → imap://alice@127.0.0.1:1143'};

let server: PrivatePostgres;
let pool: pg.Pool;
let rowCounter = 0;
/** A fresh row key per test: the tests share one cluster. */
const newRow = (): string => `q/row-${++rowCounter}`;

function open(rowKey: string, options: Partial<OpenPgJournalOptions> = {}): Promise<PgJournal> {
	return PgJournal.open(pool, {run: RUN, ...options, rowKey});
}

async function closed(journal: PgJournal): Promise<void> {
	journal.close();
	await journal.settle();
}

describe('PgJournal', {skip}, () => {
	before(async () => {
		server = await startPostgres();
		await server.createDatabase('fleet');
		pool = new pg.Pool({connectionString: server.url('fleet'), max: 4});
		pool.on('error', () => undefined); // idle clients cut by the restart test
		const client = await pool.connect();
		await ensureFleetSchema(client);
		await ensureFleetSchema(client); // idempotent
		client.release();
	});
	after(async () => {
		await pool?.end();
		await server?.stop();
	});

	test('a fleet connection stopped inside a transaction is ended by PostgreSQL, so the lock it held on a lease row is released', async () => {
		// Given a fleet pool, one of whose connections takes the FOR SHARE lock a journal commit takes, and then
		// does nothing more (its process stopped)
		const fleet = new pg.Pool(fleetPoolConfig(server.url('fleet'), 1));
		fleet.on('error', () => undefined);
		try {
			const stuck = await fleet.connect();
			stuck.on('error', () => undefined);
			const {rows: [setting]} = await stuck.query<{idle_in_transaction_session_timeout: string}>('SHOW idle_in_transaction_session_timeout');
			assert.equal(setting?.idle_in_transaction_session_timeout, `${IDLE_IN_TRANSACTION_MS / 1000}s`);
			const rowKey = newRow();
			await pool.query(`INSERT INTO mailshift_fleet.leases (row_key, generation) VALUES ($1, 1)`, [rowKey]);
			await stuck.query('BEGIN');
			await stuck.query('SELECT generation FROM mailshift_fleet.leases WHERE row_key = $1 FOR SHARE', [rowKey]);
			const lockable = async (): Promise<boolean> => (await pool.query('SELECT row_key FROM mailshift_fleet.leases WHERE row_key = $1 FOR UPDATE SKIP LOCKED', [rowKey])).rowCount === 1;
			assert.equal(await lockable(), false, 'precondition: the reaper skips the locked row');
			// When the session stays idle in its transaction, then PostgreSQL ends it and the row can be taken
			// (waited for as an event: the lock's release, looked for every 200 ms, for 60 s at most)
			for (let i = 0; i < 300 && !(await lockable()); i++) await new Promise((resolve) => setTimeout(resolve, 200));
			assert.equal(await lockable(), true, 'the row is free again');
			stuck.release(true);
		} finally {
			await fleet.end();
		}
	});

	test('begin records pending, then done, failed or skipped replace it, and get returns what was recorded — also after reopening', async () => {
		const row = newRow();
		const journal = await open(row);
		const a = job('a', 'Inbox', 'INBOX', 'a@example.org');
		journal.begin(a);
		assert.deepEqual(journal.get(a.ref), {
			folder: 'Inbox', key: 'a', state: 'pending', mailbox: 'INBOX', messageId: 'a@example.org', fingerprint: 'sha256:a',
			size: a.content.length, uid: undefined, uidValidity: undefined, errorCode: undefined, error: undefined,
		});
		journal.done(a, {mailbox: 'INBOX', uid: 41, uidValidity: 9n}, 'uploaded');
		const b = job('b');
		journal.begin(b);
		journal.fail(b.ref, 'TOO_BIG', 'larger than the server accepts');
		journal.skip(job('c').ref, 'TRASHED', 'marked deleted in the store');
		journal.done(job('d'), {mailbox: 'INBOX'}, 'found-on-server');
		await closed(journal);

		const again = await open(row);
		assert.equal(again.isResumed, true);
		assert.deepEqual(again.get(a.ref), {
			folder: 'Inbox', key: 'a', state: 'done', mailbox: 'INBOX', messageId: 'a@example.org', fingerprint: 'sha256:a',
			size: a.content.length, uid: 41, uidValidity: 9n, errorCode: undefined, error: undefined,
		});
		assert.equal(again.get(b.ref)?.state, 'failed');
		assert.equal(again.get(b.ref)?.errorCode, 'TOO_BIG');
		assert.equal(again.get(b.ref)?.mailbox, 'INBOX', 'what begin recorded is kept');
		assert.equal(again.get(job('c').ref)?.error, 'marked deleted in the store');
		assert.equal(again.get(job('d').ref)?.errorCode, 'FOUND_ON_SERVER');
		assert.equal(again.get(job('a', 'Sent').ref), undefined, 'the same key in another folder is another message');
		assert.deepEqual(again.counts(), {pending: 0, done: 2, failed: 1, skipped: 1});
		assert.equal(again.uidValidity('INBOX'), 9n);
		await closed(again);
		const other = await open(newRow());
		assert.equal(other.isResumed, false, 'rows do not see each other\'s entries');
		assert.equal(other.get(a.ref), undefined);
		await closed(other);
	});

	test('doneIn lists only the done entries of that folder, and lastPendingAt dates the newest pending one', async () => {
		const journal = await open(newRow());
		const before = Date.now();
		for (const key of ['a', 'b', 'c']) journal.begin(job(key));
		journal.done(job('a'), {mailbox: 'INBOX', uid: 1, uidValidity: 1n}, 'uploaded');
		journal.done(job('b'), {mailbox: 'INBOX', uid: 2, uidValidity: 1n}, 'uploaded');
		journal.done(job('x', 'Sent', 'Sent'), {mailbox: 'Sent', uid: 1, uidValidity: 2n}, 'uploaded');
		assert.deepEqual(journal.doneIn('Inbox').map((e) => e.key).sort(), ['a', 'b']);
		assert.deepEqual(journal.doneIn('Sent').map((e) => e.key), ['x']);
		const pendingAt = journal.lastPendingAt('Inbox');
		assert.ok(pendingAt !== undefined && pendingAt >= before - 1 && pendingAt <= Date.now(), `pending at ${String(pendingAt)}`);
		assert.equal(journal.lastPendingAt('Sent'), undefined);
		await closed(journal);
	});

	test('doneAllNamedBy says whether every done entry of a folder has a UID of that UIDVALIDITY in that mailbox', async () => {
		const journal = await open(newRow());
		assert.equal(journal.doneAllNamedBy('Inbox', 'INBOX', 1n), false, 'nothing done');
		for (const key of ['a', 'b', 'c']) journal.begin(job(key));
		journal.done(job('a'), {mailbox: 'INBOX', uid: 1, uidValidity: 1n}, 'uploaded');
		journal.done(job('b'), {mailbox: 'INBOX', uid: 2, uidValidity: 1n}, 'uploaded');
		assert.equal(journal.doneAllNamedBy('Inbox', 'INBOX', 1n), true, 'a pending entry does not count');
		assert.equal(journal.doneAllNamedBy('Inbox', 'INBOX', 2n), false);
		assert.equal(journal.doneAllNamedBy('Inbox', 'Archive', 1n), false);
		journal.done(job('c'), {mailbox: 'INBOX'}, 'found-on-server');
		assert.equal(journal.doneAllNamedBy('Inbox', 'INBOX', 1n), false, 'one without a UID');
		await closed(journal);
	});

	test('a worker abandoned without a checkpoint loses its uncommitted writes and keeps the checkpointed ones', async () => {
		const row = newRow();
		const first = await open(row);
		first.begin(job('a'));
		first.done(job('a'), {mailbox: 'INBOX', uid: 1, uidValidity: 1n}, 'uploaded');
		first.begin(job('b'));
		first.checkpoint();
		await first.settle();
		first.done(job('b'), {mailbox: 'INBOX', uid: 2, uidValidity: 1n}, 'uploaded');
		first.begin(job('c'));
		// No checkpoint: the process "dies" here.
		const next = await open(row);
		assert.equal(next.get(job('a').ref)?.state, 'done');
		assert.equal(next.get(job('b').ref)?.state, 'pending', 'its done was not committed: the next worker checks the server');
		assert.equal(next.get(job('c').ref), undefined, 'begun after the last checkpoint');
		await closed(next);
	});

	test('another destination or mapping for the same row is refused with JOURNAL_MISMATCH; isNew starts over', async () => {
		const row = newRow();
		const first = await open(row);
		first.done(job('a'), {mailbox: 'INBOX', uid: 1, uidValidity: 1n}, 'uploaded');
		await closed(first);
		const other = {configHash: 'hash-of-migration-2', configDescription: '/store → imap://bob@127.0.0.1:1143'};
		await assert.rejects(open(row, {run: other}), (e: {code?: string; message?: string}) => e.code === 'JOURNAL_MISMATCH' && (e.message ?? '').includes(RUN.configDescription));
		const fresh = await open(row, {run: other, isNew: true});
		assert.equal(fresh.isResumed, false);
		assert.equal(fresh.get(job('a').ref), undefined);
		await closed(fresh);
		await assert.rejects(open(row), {code: 'JOURNAL_MISMATCH'});
	});

	test('resetMailbox turns that mailbox\'s done entries back into checks and records the new UIDVALIDITY, durably', async () => {
		const row = newRow();
		const journal = await open(row);
		journal.done(job('a'), {mailbox: 'INBOX', uid: 1, uidValidity: 7n}, 'uploaded');
		journal.done(job('b'), {mailbox: 'INBOX', uid: 2, uidValidity: 7n}, 'found-on-server');
		journal.done(job('s', 'Sent', 'Sent'), {mailbox: 'Sent', uid: 1, uidValidity: 8n}, 'uploaded');
		assert.equal(journal.uidValidity('INBOX'), 7n);
		journal.done(job('c'), {mailbox: 'INBOX', uid: 3, uidValidity: 99n}, 'uploaded');
		assert.equal(journal.uidValidity('INBOX'), 7n, 'only resetMailbox changes it');
		journal.checkpoint();
		journal.resetMailbox('INBOX', 70n);
		await closed(journal);
		const again = await open(row);
		for (const key of ['a', 'b', 'c']) {
			const entry = again.get(job(key).ref);
			assert.equal(entry?.state, 'pending', `${key} is checked on the server again`);
			assert.equal(entry?.uid, undefined);
			assert.equal(entry?.errorCode, undefined);
			assert.equal(entry?.fingerprint, `sha256:${key}`, 'what finds it on the server is kept');
		}
		assert.equal(again.uidValidity('INBOX'), 70n);
		assert.equal(again.get(job('s', 'Sent', 'Sent').ref)?.state, 'done', 'another mailbox is untouched');
		assert.equal(again.uidValidity('Sent'), 8n);
		await closed(again);
	});

	test('writes after close are refused as a bug', async () => {
		const journal = await open(newRow());
		await closed(journal);
		assert.throws(() => journal.begin(job('a')), {code: 'BUG'});
	});

	test('a worker whose lease was taken over cannot begin an APPEND nor commit, and the new holder\'s journal is intact', async () => {
		const row = newRow();
		const lost: string[] = [];
		const lease = await RowLease.acquire(pool, {rowKey: row, worker: 'w1', jobId: 'j1', leaseMs: 60_000, onLost: (e) => lost.push(e.code)});
		const first = await open(row, {fence: lease});
		first.done(job('a'), {mailbox: 'INBOX', uid: 1, uidValidity: 1n}, 'uploaded');
		first.checkpoint();
		await first.settle();
		// The lease expires unseen (the worker was paused): another worker takes the row.
		await pool.query('UPDATE mailshift_fleet.leases SET expires_at = now() - interval \'1 second\' WHERE row_key = $1', [row]);
		const second = await RowLease.acquire(pool, {rowKey: row, worker: 'w2', jobId: 'j1', leaseMs: 60_000});
		assert.equal(BigInt(second.generation), BigInt(lease.generation) + 1n);
		const takeover = await open(row, {fence: second});

		first.done(job('b'), {mailbox: 'INBOX', uid: 2, uidValidity: 1n}, 'uploaded');
		first.checkpoint();
		await assert.rejects(first.settle(), {code: 'LEASE_LOST'});
		assert.deepEqual(lost, ['LEASE_LOST'], 'the lease holder is told once');
		assert.throws(() => first.begin(job('c')), {code: 'LEASE_LOST'}, 'no APPEND may follow');
		assert.equal(lease.isHeld(), false);

		takeover.done(job('c'), {mailbox: 'INBOX', uid: 3, uidValidity: 1n}, 'uploaded');
		await closed(takeover);
		const check = await open(row);
		assert.equal(check.get(job('b').ref), undefined, 'the fenced-out write never reached the database');
		assert.equal(check.get(job('c').ref)?.state, 'done');
		await closed(check);
		await second.release();
	});

	test('a worker paused past its lease may not begin another APPEND, before any other worker took the row', async () => {
		const row = newRow();
		const lease = await RowLease.acquire(pool, {rowKey: row, worker: 'w1', jobId: 'j1', leaseMs: 300});
		const journal = await open(row, {fence: lease});
		journal.begin(job('a'));
		await assert.rejects(RowLease.acquire(pool, {rowKey: row, worker: 'w2', jobId: 'j1', leaseMs: 300}), {code: 'LEASE_LOST'}, 'a live lease is not taken');
		// The whole thread stops, as under SIGSTOP: no heartbeat runs. (The pause is the condition under test.)
		Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 700);
		assert.throws(() => journal.begin(job('b')), {code: 'LEASE_LOST'}, 'checked locally, before any timer ran');
		const second = await RowLease.acquire(pool, {rowKey: row, worker: 'w2', jobId: 'j1', leaseMs: 60_000});
		assert.ok(second.isHeld());
		await lease.release();
		await second.release();
		journal.close();
		await assert.rejects(journal.settle(), {code: 'LEASE_LOST'}, 'its pending write is fenced out');
	});

	test('commits queued while PostgreSQL restarts are retried and land once it is back', async () => {
		const row = newRow();
		const journal = await open(row);
		journal.done(job('a'), {mailbox: 'INBOX', uid: 1, uidValidity: 1n}, 'uploaded');
		journal.checkpoint();
		await journal.settle();
		const restarted = server.restart();
		journal.done(job('b'), {mailbox: 'INBOX', uid: 2, uidValidity: 1n}, 'uploaded');
		journal.checkpoint();
		await restarted;
		journal.done(job('c'), {mailbox: 'INBOX', uid: 3, uidValidity: 1n}, 'uploaded');
		await closed(journal);
		const again = await open(row);
		assert.deepEqual(['a', 'b', 'c'].map((k) => again.get(job(k).ref)?.state), ['done', 'done', 'done']);
		await closed(again);
	});

	test('the database holds the account but no password (pg_dump and grep)', async () => {
		const password = 'pw-Correct-Horse-7461';
		const target = parseImapUrl('imap://alice@127.0.0.1:1143', false);
		const run = journalRun({source: '/store', target, prefix: undefined, rules: [], excludes: []});
		const previous = process.env['MAILSHIFT_PASSWORD'];
		process.env['MAILSHIFT_PASSWORD'] = password;
		try {
			const journal = await PgJournal.open(pool, {rowKey: newRow(), run});
			journal.done(job('a', 'Inbox', 'INBOX', 'a@example.org'), {mailbox: 'INBOX', uid: 1, uidValidity: 1n}, 'uploaded');
			await closed(journal);
		} finally {
			if (previous === undefined) delete process.env['MAILSHIFT_PASSWORD'];
			else process.env['MAILSHIFT_PASSWORD'] = previous;
		}
		const dump = await server.dump('fleet');
		assert.ok(dump.includes('alice@127.0.0.1:1143'), 'the account is there, so the search below reads the rows');
		assert.ok(!dump.includes(password));
		assert.ok(!dump.includes(server.password), 'nor the database password');
	});
});
