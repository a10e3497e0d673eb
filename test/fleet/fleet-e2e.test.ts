/**
 * Fleets end to end (issue #15): a private PostgreSQL (queue + journal) and a private Dovecot; workers are real
 * CLI processes (`mailshift worker`, from source) that the tests kill, pause and resume.
 *   1. 30 mailboxes (Maildir of mixed sizes and an Outlook PST) through 3 workers; one is SIGKILLed in the middle
 *      of a mailbox and a fourth started: every account holds every message exactly once (read back), every
 *      row's report is complete, the fleet-wide connection caps held (logins and logouts counted in Dovecot's
 *      log), and neither the database (pg_dump) nor the workers' output holds a password.
 *   2. Lease fencing: a worker paused (SIGSTOP) past its lease loses the row to another; resumed (SIGCONT), it
 *      stops that row without finishing it, and the mailbox holds every message once.
 *   3. PostgreSQL restarted in the middle: the workers reconnect and finish, nothing lost or doubled.
 * Waits are for events (a line from a worker, a process exit, a row in the database), never fixed times.
 * Sizes are kept small for a loaded 2-core machine (the shape, not the volume, is what is tested).
 */
import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import type {ChildProcess} from 'node:child_process';
import {createHash} from 'node:crypto';
import {once} from 'node:events';
import {mkdtemp, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {createInterface} from 'node:readline';
import {after, before, describe, test} from 'node:test';
import {fileURLToPath} from 'node:url';
import pg from 'pg';
import {sampleMessages, writeSampleMaildir} from '../../src/testing/sample-store.js';
import type {SampleMessage} from '../../src/testing/sample-store.js';
import {dovecotSkipReason, startDovecot} from '../helpers/dovecot.js';
import type {PrivateDovecot} from '../helpers/dovecot.js';
import {crlf, readAccount} from '../helpers/imap-readback.js';
import {PST_TESTDATA} from '../helpers/pst-corpus.js';
import {postgresSkipReason, startPostgres} from '../helpers/postgres.js';
import type {PrivatePostgres} from '../helpers/postgres.js';
import {captureIo} from '../helpers/run-main.js';
import {main} from '../../src/cli/main.js';

const skip = postgresSkipReason() ?? dovecotSkipReason();
const ENTRY = fileURLToPath(new URL('../helpers/cli-entry.ts', import.meta.url));
const ENRON = join(PST_TESTDATA, 'enron.pst');
const hash = (b: Buffer): string => createHash('sha256').update(b).digest('hex').slice(0, 16);

/** A CLI process whose stderr is collected; `waitFor` resolves on the first line matching. */
class Proc {
	readonly child: ChildProcess;
	readonly exited: Promise<[number | null, NodeJS.Signals | null]>;
	text = '';
	readonly #waiters: Array<{re: RegExp; resolve: (line: string) => void}> = [];

	constructor(args: readonly string[], env: NodeJS.ProcessEnv) {
		this.child = spawn(process.execPath, ['--import', 'tsx', ENTRY, ...args], {env, stdio: ['ignore', 'pipe', 'pipe']});
		this.exited = once(this.child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
		const onLine = (line: string): void => {
			this.text += `${line}\n`;
			for (const w of [...this.#waiters]) {
				if (w.re.test(line)) {
					this.#waiters.splice(this.#waiters.indexOf(w), 1);
					w.resolve(line);
				}
			}
		};
		createInterface({input: this.child.stderr!}).on('line', onLine);
		createInterface({input: this.child.stdout!}).on('line', onLine);
	}

	/** The first line (from now on, or already seen) matching `re`; rejects if the process exits first. */
	waitFor(re: RegExp): Promise<string> {
		const seen = this.text.split('\n').find((l) => re.test(l));
		if (seen !== undefined) return Promise.resolve(seen);
		return Promise.race([
			new Promise<string>((resolve) => this.#waiters.push({re, resolve})),
			this.exited.then(([code, signal]) => assert.fail(`the process ended (${String(code ?? signal)}) before printing ${String(re)}:\n${this.text.slice(-3000)}`)),
		]);
	}
}

describe('a fleet of workers sharing one migration through PostgreSQL', {skip}, () => {
	let db: PrivatePostgres;
	let imap: PrivateDovecot;
	let work: string;
	let pool: pg.Pool;
	const mailboxUsers = Array.from({length: 29}, (_, i) => `m${String(i + 1).padStart(2, '0')}`);
	const users = [...mailboxUsers, 'pst1', 'pstref', 'f1', 'r1', 'r2', 'r3'];
	const samples = new Map<string, SampleMessage[]>();
	const procs: Proc[] = [];

	before(async () => {
		db = await startPostgres();
		await db.createDatabase('fleet');
		pool = new pg.Pool({connectionString: db.url('fleet'), max: 2});
		pool.on('error', () => undefined);
		imap = await startDovecot({users});
		work = await mkdtemp(join(tmpdir(), 'ms-fleet-'));
		const sizes = (i: number): number => (i >= 26 ? 600 : 5 + ((i * 13) % 60));
		for (const [i, user] of mailboxUsers.entries()) {
			const s = sampleMessages(sizes(i), 500 + i);
			samples.set(user, s);
			await writeSampleMaildir(join(work, user), s);
		}
		for (const [i, user] of ['f1', 'r1', 'r2', 'r3'].entries()) {
			const s = sampleMessages(user === 'f1' ? 900 : 250, 900 + i);
			samples.set(user, s);
			await writeSampleMaildir(join(work, user), s);
		}
	});
	after(async () => {
		for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
		await pool?.end();
		await imap?.stop();
		await db?.stop();
		await rm(work, {recursive: true, force: true});
	});

	/** The workers' environment: the queue URL (with its password) and every row's env: secret. */
	function env(): NodeJS.ProcessEnv {
		const out: NodeJS.ProcessEnv = {...process.env, MAILSHIFT_QUEUE_URL: db.url('fleet'), XDG_STATE_HOME: join(work, 'state')};
		for (const user of users) out[`PW_${user.toUpperCase()}`] = imap.passwordOf(user);
		delete out['MAILSHIFT_PASSWORD'];
		return out;
	}
	function worker(queueName: string, extra: readonly string[] = []): Proc {
		const p = new Proc(['worker', '--queue-name', queueName, '--concurrency', '2', '--poll', '0.3', '--exit-when-done', ...extra], env());
		procs.push(p);
		return p;
	}
	async function submit(queueName: string, rows: ReadonlyArray<{id: string; source: string; user: string; secret?: 'file' | 'env'}>, extra: readonly string[]): Promise<void> {
		const lines = ['id,source,url,password'];
		for (const r of rows) {
			let secret = `env:PW_${r.user.toUpperCase()}`;
			if (r.secret === 'file') {
				await writeFile(join(work, `${r.user}.pass`), `${imap.passwordOf(r.user)}\n`, {mode: 0o600});
				secret = `file:${r.user}.pass`;
			}
			lines.push(`${r.id},${r.source},imap://${r.user}@127.0.0.1:${imap.port},${secret}`);
		}
		const plan = join(work, `${queueName}.csv`);
		await writeFile(plan, `${lines.join('\n')}\n`);
		const captured = captureIo(env());
		const code = await main(['fleet', 'submit', plan, '--queue-name', queueName, ...extra], captured.io);
		assert.equal(code, 0, captured.output().stderr);
	}
	/** Resolves once `query` returns a truthy first column (a condition in the database, checked every 100 ms). */
	async function until(sql: string, params: unknown[]): Promise<void> {
		for (;;) {
			const {rows} = await pool.query<{ok: boolean}>(sql, params);
			if (rows[0]?.ok) return;
			await new Promise((resolve) => setTimeout(resolve, 100));
		}
	}
	async function assertExactlyOnce(user: string): Promise<void> {
		const account = await readAccount(imap, user);
		const got = account.messages.map((m) => `${m.messageId} ${hash(m.source)}`).sort();
		const want = (samples.get(user) ?? []).map((s) => `${s.messageId} ${hash(crlf(s.raw))}`).sort();
		assert.deepEqual(got, want, `${user} holds each source message exactly once`);
	}
	async function status(queueName: string): Promise<{rows: Array<{id: string; state: string; result: Record<string, unknown> | null}>}> {
		const captured = captureIo(env());
		await main(['fleet', 'status', '--json', '--queue-name', queueName], captured.io);
		return JSON.parse(captured.output().stdout) as {rows: Array<{id: string; state: string; result: Record<string, unknown> | null}>};
	}

	test('30 mailboxes through 3 workers, one SIGKILLed mid-mailbox and a fourth started: each message once, reports complete, caps held, no secret stored', async () => {
		const rows = mailboxUsers.map((user, i) => ({id: user, source: join(work, user), user, secret: i % 2 === 0 ? 'env' as const : 'file' as const}));
		rows.push({id: 'pst1', source: ENRON, user: 'pst1', secret: 'env'});
		await submit('e2e', rows, ['--max-per-user', '2', '--max-per-host', '5', '--lease', '4']);
		await submit('e2e', rows, ['--max-per-user', '2', '--max-per-host', '5', '--lease', '4']); // again: nothing doubled
		const {rows: jobs} = await pool.query<{n: string}>("SELECT count(*)::text AS n FROM pgboss.job WHERE name = 'e2e'");
		assert.equal(Number(jobs[0]?.n), 30, 'one job per row, also after a second submit');

		const started = [worker('e2e'), worker('e2e'), worker('e2e')];
		// The worker that starts a big mailbox first is killed while it is half done: its first batch committed,
		// the mailbox not finished.
		const {w1, line} = await Promise.any(started.map(async (w) => ({w1: w, line: await w.waitFor(/^\[m2[789]\] started/)})));
		const victim = /^\[(m\d+)\]/.exec(line)?.[1] ?? '';
		await until("SELECT (SELECT count(*) FROM mailshift_fleet.journal WHERE row_key = $1 AND state = 'done') > 0 OR (SELECT state FROM mailshift_fleet.plan_rows WHERE queue = 'e2e' AND row_id = $2) = 'done' AS ok", [`e2e/${victim}`, victim]);
		w1.child.kill('SIGKILL');
		await w1.exited;
		const {rows: victimRow} = await pool.query<{state: string}>("SELECT state FROM mailshift_fleet.plan_rows WHERE queue = 'e2e' AND row_id = $1", [victim]);
		assert.equal(victimRow[0]?.state, 'running', `${victim} was killed in the middle (it must not have finished yet: make the big mailboxes bigger on a faster machine)`);
		const w4 = worker('e2e');
		await w4.waitFor(/taking rows/);
		const [w2, w3] = started.filter((w) => w !== w1) as [Proc, Proc];
		for (const w of [w2, w3, w4]) {
			const [code] = await w.exited;
			assert.equal(code, 0, w.text.slice(-3000));
		}
		const logAtEnd = await imap.logText();

		const report = await status('e2e');
		assert.equal(report.rows.length, 30);
		for (const row of report.rows) {
			assert.equal(row.state, 'done', `${row.id}: ${JSON.stringify(row.result)}`);
			assert.equal(row.result?.['status'], 'ok', row.id);
			assert.equal(row.result?.['verify'], 'ok', `${row.id} was verified after its run`);
		}
		const resumed = report.rows.find((r) => r.id === victim);
		assert.notEqual(resumed?.result?.['worker'], undefined);
		assert.ok(w2.text.includes(`[${victim}] started`) || w3.text.includes(`[${victim}] started`) || w4.text.includes(`[${victim}] started`), `another worker resumed ${victim}`);
		assert.match(w2.text + w3.text + w4.text, new RegExp(`\\[${victim}\\] Resuming`), 'from the journal in PostgreSQL');

		for (const user of mailboxUsers) await assertExactlyOnce(user);
		// The PST: the same messages as one single-machine `mailshift migrate` of the same file.
		const ref = captureIo({...env(), MAILSHIFT_PASSWORD: imap.passwordOf('pstref')});
		assert.equal(await main(['migrate', ENRON, '--to', `imap://pstref@127.0.0.1:${imap.port}`, '--plain', '--no-verify'], ref.io), 0, ref.output().stderr);
		const bag = async (user: string): Promise<string[]> => (await readAccount(imap, user)).messages.map((m) => `${m.mailbox} ${hash(m.source)}`).sort();
		const fleetPst = await bag('pst1');
		assert.ok(fleetPst.length > 0);
		assert.deepEqual(fleetPst, await bag('pstref'), 'the PST row holds the same messages as a single-machine run');

		// Connection caps, from Dovecot's own log: logins minus logouts per user, and over all fleet users.
		const fleetUsers = new Set([...mailboxUsers, 'pst1']);
		const open = new Map<string, number>();
		let total = 0;
		let maxTotal = 0;
		const maxPerUser = new Map<string, number>();
		let logins = 0;
		for (const l of logAtEnd.split('\n')) {
			const login = /imap-login: (?:Info: )?Login: user=<([^>]+)>/.exec(l);
			const logout = /imap\(([^)]+)\)<\d+><[^>]*>: (?:Info: )?Disconnected/.exec(l);
			const user = login?.[1] ?? logout?.[1];
			if (!user || !fleetUsers.has(user)) continue;
			const delta = login ? 1 : -1;
			if (login) logins++;
			open.set(user, (open.get(user) ?? 0) + delta);
			total += delta;
			maxTotal = Math.max(maxTotal, total);
			maxPerUser.set(user, Math.max(maxPerUser.get(user) ?? 0, open.get(user) ?? 0));
		}
		assert.ok(logins >= 30, `the log shows the logins (${logins})`);
		assert.ok(maxTotal <= 5, `at most 5 connections to the server at once over the fleet, saw ${maxTotal}`);
		for (const [user, max] of maxPerUser) assert.ok(max <= 2, `${user}: at most 2 connections at once, saw ${max}`);

		// No secret in the database nor in what the workers printed.
		const dump = await db.dump('fleet');
		assert.ok(dump.includes(`m01@127.0.0.1`), 'the dump holds the rows (so the search reads them)');
		for (const user of users) {
			assert.ok(!dump.includes(imap.passwordOf(user)), `${user}'s password is not in the database`);
			for (const w of [w1, w2, w3, w4]) assert.ok(!w.text.includes(imap.passwordOf(user)), `${user}'s password is not in a worker's output`);
		}
		for (const w of [w1, w2, w3, w4]) assert.ok(!w.text.includes(db.password), 'the queue password is not printed');
		assert.match(w2.text, /postgres:\*\*\*@/);
	});

	test('a worker paused past its lease loses the mailbox to another and, resumed, does not finish it; each message is there once', async () => {
		await submit('fence', [{id: 'f1', source: join(work, 'f1'), user: 'f1'}], ['--lease', '3']);
		const a = worker('fence', ['--concurrency', '1']);
		await a.waitFor(/^\[f1\] started/);
		await until("SELECT count(*) > 0 AS ok FROM mailshift_fleet.journal WHERE row_key = 'fence/f1' AND state = 'done'", []);
		a.child.kill('SIGSTOP');
		const b = worker('fence', ['--concurrency', '1']);
		await b.waitFor(/^\[f1\] started/);
		a.child.kill('SIGCONT');
		await a.waitFor(/^\[f1\] (.*no longer holds the lease|the lease was not renewed in time|left to the worker)/);
		const [codeB] = await b.exited;
		assert.equal(codeB, 0, b.text.slice(-3000));
		await a.exited;
		assert.doesNotMatch(a.text, /^\[f1\] done/m, 'the paused worker never completed the row');
		assert.match(b.text, /^\[f1\] done: .*verified/m);
		const {rows} = await pool.query<{generation: string}>("SELECT generation::text FROM mailshift_fleet.leases WHERE row_key = 'fence/f1'");
		assert.ok(Number(rows[0]?.generation) >= 3, 'taken, reaped (fencing the first worker out), taken again');
		await assertExactlyOnce('f1');
	});

	test('PostgreSQL restarted while workers upload: they reconnect and finish, nothing lost or doubled', async () => {
		await submit('restart', ['r1', 'r2', 'r3'].map((u) => ({id: u, source: join(work, u), user: u})), ['--lease', '20']);
		const w = [worker('restart'), worker('restart')];
		await until("SELECT count(*) > 0 AS ok FROM mailshift_fleet.journal WHERE starts_with(row_key, 'restart/') AND state = 'done'", []);
		await db.restart();
		for (const p of w) {
			const [code] = await p.exited;
			assert.equal(code, 0, p.text.slice(-3000));
		}
		const report = await status('restart');
		for (const row of report.rows) assert.equal(row.state, 'done', `${row.id}: ${JSON.stringify(row.result)}`);
		for (const user of ['r1', 'r2', 'r3']) await assertExactlyOnce(user);
	});
});
