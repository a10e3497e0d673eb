/**
 * `npm run bench:fleet` (issue #15): the same plan — BENCH_FLEET_MAILBOXES (default 40) Maildirs of
 * BENCH_FLEET_MESSAGES (default 500) generated messages (bench/generate.ts size mix) — migrated into a private
 * Dovecot three ways: `mailshift batch --parallel 2`, one `mailshift worker --concurrency 2`, and three workers
 * with `--concurrency 2` each, all on this machine (2 cores: the shape, not a speed-up, is what this shows).
 * Per run: wall time, messages/s, and what PostgreSQL was asked to do (pg_stat_statements: statements by kind,
 * transactions), per message and per row (job). Results to stdout and bench/last-fleet-results.json.
 * BENCH_FLEET_REVERSE=1 runs them in the reverse order.
 * Needs dovecot-imapd and PostgreSQL (skips with a note otherwise).
 */
import {spawn} from 'node:child_process';
import {mkdtemp, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import pg from 'pg';
import {isDovecotInstalled, startDovecot} from '../src/testing/private-dovecot.js';
import {postgresUnavailableReason, startPostgres} from '../src/testing/private-postgres.js';
import {writeBenchMaildir} from './generate.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const BIN = join(ROOT, 'bin/mailshift.js');
const MAILBOXES = Number(process.env['BENCH_FLEET_MAILBOXES'] ?? 40);
const MESSAGES = Number(process.env['BENCH_FLEET_MESSAGES'] ?? 500);

function cli(args: readonly string[], env: NodeJS.ProcessEnv): Promise<{code: number | null; stderr: string}> {
	return new Promise((resolve, reject) => {
		const child = spawn(process.execPath, [BIN, ...args], {cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe']});
		let stderr = '';
		child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
		child.on('error', reject);
		child.on('close', (code) => resolve({code, stderr}));
	});
}

const unavailable = postgresUnavailableReason() ?? (isDovecotInstalled() ? undefined : 'dovecot-imapd is not installed');
if (unavailable) {
	console.log(`bench:fleet skipped: ${unavailable}`);
	process.exit(0);
}

const work = await mkdtemp(join(tmpdir(), 'mailshift-bench-fleet-'));
/** BENCH_FLEET_REVERSE=1 runs the three in reverse order (to see order effects on a shared machine). */
const configs = process.env['BENCH_FLEET_REVERSE'] ? (['worker×3', 'worker×1', 'batch'] as const) : (['batch', 'worker×1', 'worker×3'] as const);
const users = configs.flatMap((_, c) => Array.from({length: MAILBOXES}, (__, i) => `c${c}u${i}`));
const db = await startPostgres({settings: {shared_preload_libraries: 'pg_stat_statements', 'pg_stat_statements.track': 'all'}});
const imap = await startDovecot({users});
const results: Record<string, unknown> = {date: new Date().toISOString(), node: process.version, mailboxes: MAILBOXES, messagesPerMailbox: MESSAGES, runs: []};
try {
	await db.createDatabase('fleet');
	await db.psql('fleet', 'CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
	let bytes = 0;
	for (let i = 0; i < MAILBOXES; i++) bytes += (await writeBenchMaildir(join(work, `store${i}`), MESSAGES, 100 + i)).bytes;
	console.log(`Fleet bench: ${MAILBOXES} mailboxes × ${MESSAGES} messages, ${(bytes / 2 ** 20).toFixed(0)} MiB per run`);
	const pool = new pg.Pool({connectionString: db.url('fleet'), max: 1});
	const baseEnv: NodeJS.ProcessEnv = {...process.env, XDG_STATE_HOME: join(work, 'state'), MAILSHIFT_QUEUE_URL: db.url('fleet')};
	for (const user of users) baseEnv[`PW_${user.toUpperCase()}`] = imap.passwordOf(user);
	for (const [c, config] of configs.entries()) {
		const plan = join(work, `plan${c}.csv`);
		const lines = ['id,source,url,password'];
		for (let i = 0; i < MAILBOXES; i++) lines.push(`r${i},${join(work, `store${i}`)},imap://c${c}u${i}@127.0.0.1:${imap.port},env:PW_C${c}U${i}`);
		await writeFile(plan, `${lines.join('\n')}\n`);
		await pool.query('SELECT pg_stat_statements_reset()');
		const before = (await pool.query<{x: string}>("SELECT xact_commit::text AS x FROM pg_stat_database WHERE datname = 'fleet'")).rows[0]?.x ?? '0';
		const started = performance.now();
		if (config === 'batch') {
			const r = await cli(['batch', plan, '--parallel', '2', '--out', join(work, 'batch-out'), '--stats', '0'], baseEnv);
			if (r.code !== 0) throw new Error(`batch exited ${String(r.code)}: ${r.stderr.slice(-2000)}`);
		} else {
			const name = `q${c}`;
			const submitted = await cli(['fleet', 'submit', plan, '--queue-name', name, '--max-per-host', '8'], baseEnv);
			if (submitted.code !== 0) throw new Error(submitted.stderr);
			const n = config === 'worker×1' ? 1 : 3;
			const runs = await Promise.all(Array.from({length: n}, () => cli(['worker', '--queue-name', name, '--concurrency', '2', '--exit-when-done', '--poll', '0.5'], baseEnv)));
			for (const r of runs) if (r.code !== 0) throw new Error(`a worker exited ${String(r.code)}: ${r.stderr.slice(-2000)}`);
		}
		const seconds = (performance.now() - started) / 1000;
		const after = (await pool.query<{x: string}>("SELECT xact_commit::text AS x FROM pg_stat_database WHERE datname = 'fleet'")).rows[0]?.x ?? '0';
		const {rows} = await pool.query<{query: string; calls: string}>("SELECT query, calls::text FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = 'fleet')");
		const kinds: Record<string, number> = {};
		for (const r of rows) {
			const q = r.query;
			const kind = /INSERT INTO mailshift_fleet\.journal \(/.test(q) ? 'journal upsert'
				: /mailshift_fleet\.journal_mailboxes/.test(q) ? 'journal mailboxes'
					: /mailshift_fleet\.leases/.test(q) && /FOR SHARE/.test(q) ? 'journal fence check'
						: /^(BEGIN|COMMIT|ROLLBACK)/i.test(q.trim()) ? 'BEGIN/COMMIT'
							: /mailshift_fleet\.leases/.test(q) ? 'leases (take, renew, caps, reap)'
								: /pgboss\./.test(q) ? 'pg-boss (fetch, complete, maintenance)'
									: /mailshift_fleet\./.test(q) ? 'plan rows (status, progress)'
										: /pg_stat_statements|pg_stat_database/.test(q) ? 'bench itself' : 'other';
			kinds[kind] = (kinds[kind] ?? 0) + Number(r.calls);
		}
		delete kinds['bench itself'];
		const statements = Object.values(kinds).reduce((a, b) => a + b, 0);
		const messages = MAILBOXES * MESSAGES;
		const run = {config, seconds: Number(seconds.toFixed(1)), messagesPerSecond: Math.round(messages / seconds), statements, statementsPerMessage: Number((statements / messages).toFixed(3)), statementsPerRow: Math.round(statements / MAILBOXES), transactions: Number(after) - Number(before), kinds};
		(results['runs'] as unknown[]).push(run);
		console.log(`  ${config.padEnd(9)} ${seconds.toFixed(1).padStart(6)} s  ${String(run.messagesPerSecond).padStart(5)} msg/s  PostgreSQL: ${statements} statements (${run.statementsPerMessage}/message, ${run.statementsPerRow}/row), ${run.transactions} transactions`);
		for (const [kind, n] of Object.entries(kinds).sort((a, b) => b[1] - a[1])) console.log(`      ${kind.padEnd(40)} ${n}`);
	}
	await pool.end();
	await writeFile(join(ROOT, 'bench/last-fleet-results.json'), `${JSON.stringify(results, null, 2)}\n`);
} finally {
	await imap.stop();
	await db.stop();
	await rm(work, {recursive: true, force: true});
}
