/**
 * Steering a fleet (issue #15): `fleet pause|resume|cancel|retry` and `fleet status`, with real worker processes
 * on a private PostgreSQL and Dovecot. Also: a row whose secret a worker cannot find fails with a clear error
 * naming where it looked, the other rows go on, and `fleet retry --only-failed` finishes it once the secret is
 * there; a changed row is refused on resubmission; the queue's password is refused on the command line.
 */
import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import type {ChildProcess} from 'node:child_process';
import {once} from 'node:events';
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {createInterface} from 'node:readline';
import {after, before, describe, test} from 'node:test';
import {fileURLToPath} from 'node:url';
import {parseCsv} from '../../src/batch/csv.js';
import {main} from '../../src/cli/main.js';
import {sampleMessages, writeSampleMaildir} from '../../src/testing/sample-store.js';
import {dovecotSkipReason, startDovecot} from '../helpers/dovecot.js';
import type {PrivateDovecot} from '../helpers/dovecot.js';
import {readAccount} from '../helpers/imap-readback.js';
import pg from 'pg';
import {createHash} from 'node:crypto';
import {crlf} from '../helpers/imap-readback.js';
import {postgresSkipReason, startPostgres} from '../helpers/postgres.js';
import type {PrivatePostgres} from '../helpers/postgres.js';
import {captureIo} from '../helpers/run-main.js';

const skip = postgresSkipReason() ?? dovecotSkipReason();
const ENTRY = fileURLToPath(new URL('../helpers/cli-entry.ts', import.meta.url));

type Worker = {child: ChildProcess; text: () => string; line: (re: RegExp) => Promise<string>; exited: Promise<unknown[]>};

describe('steering a fleet: pause, resume, cancel, retry, status', {skip}, () => {
	let db: PrivatePostgres;
	let imap: PrivateDovecot;
	let work: string;
	const users = ['s1', 's2', 's3', 's4', 's5', 's6'];
	const children: ChildProcess[] = [];

	before(async () => {
		db = await startPostgres();
		await db.createDatabase('fleet');
		imap = await startDovecot({users});
		work = await mkdtemp(join(tmpdir(), 'ms-steer-'));
		for (const [i, u] of users.entries()) await writeSampleMaildir(join(work, u), sampleMessages(u === 's5' ? 600 : 12, 40 + i));
	});
	after(async () => {
		for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
		await imap?.stop();
		await db?.stop();
		await rm(work, {recursive: true, force: true});
	});

	const baseEnv = (): NodeJS.ProcessEnv => {
		const env: NodeJS.ProcessEnv = {...process.env, MAILSHIFT_QUEUE_URL: db.url('fleet'), XDG_STATE_HOME: join(work, 'state')};
		for (const u of users) env[`PW_${u.toUpperCase()}`] = imap.passwordOf(u);
		return env;
	};
	async function cli(args: readonly string[], env: NodeJS.ProcessEnv = baseEnv()): Promise<{code: number; stdout: string; stderr: string}> {
		const captured = captureIo(env);
		const code = await main(args, captured.io);
		return {code, ...captured.output()};
	}
	function worker(queueName: string, env: NodeJS.ProcessEnv): Worker {
		const child = spawn(process.execPath, ['--import', 'tsx', ENTRY, 'worker', '--queue-name', queueName, '--poll', '0.3', '--exit-when-done'], {env, stdio: ['ignore', 'ignore', 'pipe']});
		children.push(child);
		let text = '';
		const waiters: Array<{re: RegExp; resolve: (l: string) => void}> = [];
		createInterface({input: child.stderr!}).on('line', (l) => {
			text += `${l}\n`;
			for (const w of [...waiters]) if (w.re.test(l)) {
				waiters.splice(waiters.indexOf(w), 1);
				w.resolve(l);
			}
		});
		const exited = once(child, 'exit');
		return {
			child, text: () => text, exited,
			line: (re) => {
				const seen = text.split('\n').find((l) => re.test(l));
				if (seen !== undefined) return Promise.resolve(seen);
				return Promise.race([new Promise<string>((resolve) => waiters.push({re, resolve})), exited.then(() => assert.fail(`the worker exited before ${String(re)}:\n${text}`))]);
			},
		};
	}
	async function plan(name: string, rows: ReadonlyArray<readonly [string, string]>): Promise<string> {
		const path = join(work, `${name}.csv`);
		await writeFile(path, `id,source,url,password\n${rows.map(([u, secret]) => `${u},${join(work, u)},imap://${u}@127.0.0.1:${imap.port},${secret}`).join('\n')}\n`);
		return path;
	}

	test('a paused queue starts no row until resumed; a cancelled row is not run and comes back with retry --include-cancelled', async () => {
		const file = await plan('steer', [['s1', 'env:PW_S1'], ['s2', 'env:PW_S2']]);
		assert.equal((await cli(['fleet', 'submit', file, '--queue-name', 'steer'])).code, 0);
		assert.match((await cli(['fleet', 'pause', '--queue-name', 'steer'])).stdout, /Paused/);
		assert.match((await cli(['fleet', 'cancel', 's2', '--queue-name', 'steer'])).stdout, /Cancelled: s2/);
		const w = worker('steer', baseEnv());
		await w.line(/the queue is paused/);
		const paused = JSON.parse((await cli(['fleet', 'status', '--json', '--queue-name', 'steer'])).stdout) as {isPaused: boolean; rows: Array<{id: string; state: string}>};
		assert.equal(paused.isPaused, true);
		assert.deepEqual(paused.rows.map((r) => [r.id, r.state]), [['s1', 'queued'], ['s2', 'cancelled']], 'nothing started while paused');
		assert.equal((await cli(['fleet', 'resume', '--queue-name', 'steer'])).code, 0);
		await w.line(/^\[s1\] done/);
		await w.exited;
		assert.doesNotMatch(w.text(), /\[s2\] started/, 'the cancelled row was not run');
		assert.equal((await readAccount(imap, 's2')).messages.length, 0);
		assert.match((await cli(['fleet', 'retry', '--include-cancelled', '--queue-name', 'steer'])).stdout, /Sent again: s2/);
		const again = worker('steer', baseEnv());
		await again.line(/^\[s2\] done: 12 uploaded/);
		await again.exited;
		const out = join(work, 'reports');
		const text = await cli(['fleet', 'status', '--queue-name', 'steer', '--out', out]);
		assert.equal(text.code, 0);
		assert.match(text.stdout, /Rows: 2 \(2 done/);
		// The per-row reports the workers kept in the database, written where the admin asks (batch's format).
		const csv = parseCsv(await readFile(join(out, 'report.csv'), 'utf8'));
		assert.deepEqual(csv.slice(1).map(({fields: f}) => [f[0], f[4], f[6], f[11]]), [['s1', 'ok', '12', 'ok'], ['s2', 'ok', '12', 'ok']]);
		const json = JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as {kind: string; totals: {uploaded: number}};
		assert.equal(json.kind, 'batch');
		assert.equal(json.totals.uploaded, 24);
	});

	test('a row whose secret a worker lacks fails with where it looked, the rest go on, and retry --only-failed finishes it', async () => {
		const file = await plan('secret', [['s3', 'env:PW_S3'], ['s4', 'env:PW_S4']]);
		assert.equal((await cli(['fleet', 'submit', file, '--queue-name', 'secret'])).code, 0);
		const env = baseEnv();
		delete env['PW_S4'];
		const w = worker('secret', env);
		const failed = await w.line(/^\[s4\] failed/);
		assert.match(failed, /PW_S4 is not set.*on this worker/);
		await w.exited;
		const status = await cli(['fleet', 'status', '--json', '--queue-name', 'secret']);
		assert.equal(status.code, 5, 'status exits 5 while a row failed');
		const rows = (JSON.parse(status.stdout) as {rows: Array<{id: string; state: string; lastError: string}>}).rows;
		assert.deepEqual(rows.map((r) => [r.id, r.state]), [['s3', 'done'], ['s4', 'failed']]);
		assert.match(rows[1]?.lastError ?? '', /PW_S4/);
		assert.match((await cli(['fleet', 'retry', '--only-failed', '--queue-name', 'secret'])).stdout, /Sent again: s4/);
		const fixed = worker('secret', baseEnv());
		// `status --watch` (not a terminal: a status every 5 s) returns by itself once no row is left to run.
		const watched = await cli(['fleet', 'status', '--watch', '--queue-name', 'secret']);
		assert.equal(watched.code, 0);
		assert.match(watched.stdout, /Rows: 2 \(2 done/);
		await fixed.line(/^\[s4\] done: 12 uploaded/);
		await fixed.exited;
		assert.equal((await cli(['fleet', 'status', '--queue-name', 'secret'])).code, 0);
	});

	test('SIGTERM stops a worker gracefully: the row\'s journal is committed, its lease released, the row handed back and finished by another worker once', async () => {
		const file = await plan('term', [['s5', 'env:PW_S5'], ['s6', 'env:PW_S6']]);
		assert.equal((await cli(['fleet', 'submit', file, '--queue-name', 'term'])).code, 0);
		// s6's store goes away after submit (a share unmounted): that row fails with its path, the other goes on.
		await rm(join(work, 's6'), {recursive: true});
		const pool = new pg.Pool({connectionString: db.url('fleet'), max: 1});
		try {
			const w = worker('term', baseEnv());
			await w.line(/^\[s5\] started/);
			for (;;) {
				const {rows} = await pool.query<{n: string}>("SELECT count(*)::text AS n FROM mailshift_fleet.journal WHERE row_key = 'term/s5' AND state = 'done'");
				if (Number(rows[0]?.n) > 0) break;
				await new Promise((resolve) => setTimeout(resolve, 100));
			}
			w.child.kill('SIGTERM');
			await w.line(/stopping — finishing 1 running row|stopping — finishing 2 running rows/);
			const [code] = await w.exited as [number | null];
			assert.equal(code, 0, w.text());
			assert.match(w.text(), /^\[s5\] interrupted, handed back to the queue/m);
			assert.match(w.text(), /^\[s6\] failed: .*s6/m, 'the unreadable source is named');
			const lease = (await pool.query<{worker: string | null}>("SELECT worker FROM mailshift_fleet.leases WHERE row_key = 'term/s5'")).rows[0];
			assert.equal(lease?.worker, null, 'the lease was released, not left to expire');
			const journal = (await pool.query<{state: string; n: string}>("SELECT state, count(*)::text AS n FROM mailshift_fleet.journal WHERE row_key = 'term/s5' GROUP BY state")).rows;
			// Messages withdrawn before they were on the wire stay `pending` (the engine's contract); everything the
			// server holds was confirmed and committed before the worker exited.
			const done = Number(journal.find((r) => r.state === 'done')?.n ?? 0);
			assert.ok(done > 0);
			assert.equal((await readAccount(imap, 's5')).messages.length, done, 'the server holds exactly the messages the committed journal says are done');
			const row = (await pool.query<{state: string}>("SELECT state FROM mailshift_fleet.plan_rows WHERE queue = 'term' AND row_id = 's5'")).rows[0];
			assert.equal(row?.state, 'retry');
		} finally {
			await pool.end();
		}
		const next = worker('term', baseEnv());
		await next.line(/^\[s5\] done: .*verified/);
		await next.exited;
		const got = (await readAccount(imap, 's5')).messages.map((m) => createHash('sha256').update(m.source).digest('hex')).sort();
		const want = sampleMessages(600, 44).map((m) => createHash('sha256').update(crlf(m.raw)).digest('hex')).sort();
		assert.deepEqual(got, want, 's5 holds each message exactly once');
	});

	test('resubmitting a plan whose row changed is refused with PLAN_CHANGED (exit 2) and enqueues nothing', async () => {
		const first = await plan('changed', [['s1', 'env:PW_S1']]);
		assert.equal((await cli(['fleet', 'submit', first, '--queue-name', 'changed'])).code, 0);
		const second = join(work, 'changed2.csv');
		await writeFile(second, `id,source,url,password\ns1,${join(work, 's2')},imap://s1@127.0.0.1:${imap.port},env:PW_S1\ns9,${join(work, 's3')},imap://s3@127.0.0.1:${imap.port},env:PW_S3\n`);
		const refused = await cli(['fleet', 'submit', second, '--queue-name', 'changed']);
		assert.equal(refused.code, 2);
		assert.match(refused.stderr, /row s1 with other values.*nothing was submitted/);
		const rows = (JSON.parse((await cli(['fleet', 'status', '--json', '--queue-name', 'changed'])).stdout) as {rows: unknown[]}).rows;
		assert.equal(rows.length, 1, 's9 was not enqueued either');
	});

	test('a second plan submitted without caps keeps the caps and lease the first one set; one that names them changes them', async () => {
		const first = await plan('caps', [['s1', 'env:PW_S1']]);
		assert.equal((await cli(['fleet', 'submit', first, '--queue-name', 'caps', '--max-per-user', '3', '--max-per-host', '7', '--lease', '30'])).code, 0);
		const second = join(work, 'caps2.csv');
		await writeFile(second, `id,source,url,password\ns7,${join(work, 's2')},imap://s2@127.0.0.1:${imap.port},env:PW_S2\n`);
		assert.equal((await cli(['fleet', 'submit', second, '--queue-name', 'caps'])).code, 0);
		const caps = async (): Promise<unknown> => (JSON.parse((await cli(['fleet', 'status', '--json', '--queue-name', 'caps'])).stdout) as {caps: unknown}).caps;
		assert.deepEqual(await caps(), {maxPerHost: 7, maxPerUser: 3, leaseSeconds: 30});
		const third = join(work, 'caps3.csv');
		await writeFile(third, `id,source,url,password\ns8,${join(work, 's3')},imap://s3@127.0.0.1:${imap.port},env:PW_S3\n`);
		assert.equal((await cli(['fleet', 'submit', third, '--queue-name', 'caps', '--max-per-user', '4'])).code, 0);
		assert.deepEqual(await caps(), {maxPerHost: 7, maxPerUser: 4, leaseSeconds: 30});
	});

	test('a queue password on the command line is refused, and an unreachable queue is exit 8 without the password', async () => {
		const env = baseEnv();
		delete env['MAILSHIFT_QUEUE_URL'];
		const url = db.url('fleet');
		const captured = captureIo(env);
		const code = await main(['fleet', 'status', '--queue', url], {...captured.io, commandLine: `mailshift fleet status --queue ${url}`});
		assert.equal(code, 2);
		assert.match(captured.output().stderr, /never accepted on the command line/);
		assert.ok(!captured.output().stderr.includes(db.password));
		const down = await cli(['fleet', 'status'], {...env, MAILSHIFT_QUEUE_URL: `postgres://postgres:${db.password}@127.0.0.1:1/fleet`});
		assert.equal(down.code, 8);
		assert.match(down.stderr, /QUEUE|cannot be used/);
		assert.ok(!down.stderr.includes(db.password), down.stderr);
	});
});
