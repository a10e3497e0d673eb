/**
 * `npm run bench`: speed and memory, measured (never asserted in tests).
 *
 *   A. Reader memory vs store size: the same reader over a small and a large mbox (and a Maildir), each in
 *      its own process; peak RSS must not grow with the store (a 1 GB mbox in the memory of a 1 MB one).
 *   B. Upload throughput: the real CLI migrating a generated Maildir (realistic size mix) into a private
 *      Dovecot on loopback, with 1 and 4 connections: wall time, msg/s, MB/s, peak RSS of the CLI.
 *
 *   C. mbsync (Debian isync: Sync Push, Create Far, CopyArrivalDate yes) pushing the same Maildir, for scale.
 *   S. Issue #14's table (bench/speed.ts): the standard corpus into Dovecot with and without COMPRESS, mailshift,
 *      mbsync and the raw MULTIAPPEND client interleaved, client CPU and peak RSS; a rate-limited link. Not in
 *      the default parts (it runs for a quarter of an hour): BENCH_PARTS=S, or `npm run bench:speed`.
 *
 * Sizes: BENCH_MBOX_MB (default 512), BENCH_MESSAGES (default 10000); BENCH_PARTS (default ABCD),
 * BENCH_ROUNDS of B+C (default 1, interleaved), BENCH_CONNECTIONS for B (default 1,2,4). Results go to stdout
 * and bench/last-results.json (merged: parts not run keep their last results). Needs dovecot-imapd for part B (skipped with a note otherwise).
 */
import {spawn, spawnSync} from 'node:child_process';
import {mkdir, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {isDovecotInstalled, startDovecot} from '../src/testing/private-dovecot.js';
import {writeBenchMaildir, writeBenchMbox} from './generate.js';
import {runSpeedBench} from './speed.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const MBOX_MB = Number(process.env['BENCH_MBOX_MB'] ?? 512);
const MESSAGES = Number(process.env['BENCH_MESSAGES'] ?? 10_000);
/** Which parts to run (BENCH_PARTS=BC: uploads and mbsync only), and how many rounds of B+C (interleaved, for fair comparison on a shared machine). */
const PARTS = process.env['BENCH_PARTS'] ?? 'ABCD';
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 1);
/** Connection counts of part B (BENCH_CONNECTIONS=1,2). */
const CONNECTIONS = (process.env['BENCH_CONNECTIONS'] ?? '1,2,4').split(',').map(Number);

function run(args: string[], env: Record<string, string> = {}): Promise<{code: number | null; stdout: string; stderr: string; ms: number}> {
	return new Promise((resolve, reject) => {
		const started = process.hrtime.bigint();
		const child = spawn(process.execPath, args, {cwd: ROOT, env: {...process.env, ...env}, stdio: ['ignore', 'pipe', 'pipe']});
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
		child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
		child.on('error', reject);
		child.on('close', (code) => resolve({code, stdout, stderr, ms: Number(process.hrtime.bigint() - started) / 1e6}));
	});
}

const results: Record<string, unknown> = {date: new Date().toISOString(), node: process.version, mboxMiB: MBOX_MB, messages: MESSAGES};
const work = await mkdtemp(join(tmpdir(), 'mailshift-bench-'));
try {
	if (PARTS.includes('A')) {
	console.log(`A. Reader memory vs store size (each read in its own process)`);
	const readRows: Array<Record<string, unknown>> = [];
	for (const [label, mib] of [['small mbox', 4], ['large mbox', MBOX_MB]] as const) {
		const file = join(work, `${mib}.mbox`);
		const made = await writeBenchMbox(file, mib * 1024 * 1024);
		const r = await run(['--import', 'tsx', 'bench/read-store.ts', file]);
		const row = {store: `${label} (${mib} MiB)`, ...JSON.parse(r.stdout.trim() || '{}'), generatedMessages: made.messages};
		readRows.push(row);
		console.log(`   ${String(row.store).padEnd(22)} ${String(row['messages']).padStart(7)} msgs  ${(Number(row['bytes']) / 2 ** 20).toFixed(0).padStart(5)} MiB  ${(Number(row['bytes']) / 2 ** 20 / (Number(row['ms']) / 1000)).toFixed(0).padStart(5)} MiB/s  peak RSS ${Number(row['maxRssMiB']).toFixed(0)} MiB`);
		await rm(file);
	}
	results['read'] = readRows;
	}

	console.log(`\nB. Upload into a private Dovecot on 127.0.0.1 (${MESSAGES} messages, realistic size mix)`);
	if (!isDovecotInstalled()) {
		console.log('   skipped: dovecot-imapd is not installed');
	} else {
		const maildir = join(work, 'Maildir');
		const {bytes} = await writeBenchMaildir(maildir, MESSAGES);
		console.log(`   store: ${(bytes / 2 ** 20).toFixed(1)} MiB`);
		const uploadRows: Array<Record<string, unknown>> = [];
		const mbsyncRows: Array<Record<string, unknown>> = [];
		for (let round = 1; round <= ROUNDS && (PARTS.includes('B') || PARTS.includes('C')); round++) {
		if (ROUNDS > 1) console.log(`   round ${round}`);
		for (const connections of PARTS.includes('B') ? CONNECTIONS : []) {
			const server = await startDovecot({users: ['bench']});
			try {
				const r = await run(['--import', './bench/rss-at-exit.mjs', 'bin/mailshift.js', 'migrate', maildir, '--to', `imap://bench@127.0.0.1:${server.port}`,
					// --no-verify: mbsync checks nothing afterwards either; the journal is on, as the issue asks.
					'--connections', String(connections), '--stats', '0', '--no-verify'], {MAILSHIFT_PASSWORD: server.passwordOf('bench')});
				const rss = Number(/BENCH_MAX_RSS_KIB=(\d+)/.exec(r.stderr)?.[1] ?? 0) / 1024;
				const row = {round, connections, exitCode: r.code, seconds: r.ms / 1000, msgPerSec: MESSAGES / (r.ms / 1000), mbPerSec: bytes / 1e6 / (r.ms / 1000), maxRssMiB: rss};
				uploadRows.push(row);
				console.log(`   ${connections} connection(s): ${row.seconds.toFixed(1)} s, ${row.msgPerSec.toFixed(0)} msg/s, ${row.mbPerSec.toFixed(1)} MB/s, peak RSS ${rss.toFixed(0)} MiB, exit ${r.code}`);
			} finally {
				await server.stop();
			}
		}
		results['upload'] = uploadRows;

		// C. The same store pushed by mbsync (Debian isync), the usual open-source tool for this job.
		if (!PARTS.includes('C')) continue;
		console.log('   C. mbsync (isync) pushing the same Maildir into a fresh Dovecot');
		if (spawnSync('sh', ['-c', 'command -v mbsync'], {stdio: 'ignore'}).status !== 0) {
			console.log('   skipped: mbsync is not installed (apt-get install -y isync)');
		} else {
			const server = await startDovecot({users: ['bench']});
			try {
				const rc = join(work, 'mbsyncrc');
				// Sync state outside the Maildir and fresh per run: each run pushes into a fresh server.
				const stateDir = join(work, `mbsync-state-${round}`);
				await mkdir(stateDir, {recursive: true});
				await writeFile(rc, [
					'IMAPAccount far', 'Host 127.0.0.1', `Port ${server.port}`, 'User bench', `Pass ${server.passwordOf('bench')}`, 'SSLType None', 'AuthMechs LOGIN', '',
					'IMAPStore far', 'Account far', '',
					'MaildirStore near', `Inbox ${maildir}`, 'SubFolders Maildir++', '',
					'Channel push', 'Far :far:', 'Near :near:', 'Patterns INBOX Archive Projects "Sent Items"', 'Sync Push', 'Create Far', 'CopyArrivalDate yes', `SyncState ${stateDir}/`, '',
				].join('\n'));
				const started = process.hrtime.bigint();
				const r = spawnSync('mbsync', ['-c', rc, '-a', '-q'], {encoding: 'utf8'});
				const seconds = Number(process.hrtime.bigint() - started) / 1e9;
				const row = {exitCode: r.status, seconds, msgPerSec: MESSAGES / seconds, mbPerSec: bytes / 1e6 / seconds};
				mbsyncRows.push(row);
				results['mbsync'] = mbsyncRows;
				console.log(`   mbsync: ${seconds.toFixed(1)} s, ${row.msgPerSec.toFixed(0)} msg/s, ${row.mbPerSec.toFixed(1)} MB/s, exit ${r.status}${r.status ? ` ${r.stderr.slice(0, 200)}` : ''}`);
				// Compared within the round: the machine's speed drifts between rounds.
				const thisRound = uploadRows.filter((u) => u['round'] === round);
				const ratio = (c: number): string => {
					const row = thisRound.find((u) => u['connections'] === c);
					return row ? `${(seconds / Number(row['seconds'])).toFixed(2)}×` : '—';
				};
				console.log(`   mailshift vs mbsync, this round: ${CONNECTIONS.map((c) => `${c} connection(s) ${ratio(c)}`).join(', ')} mbsync's speed`);
			} finally {
				await server.stop();
			}
		}
		}
	}
	// D. The live dashboard's cost: the same upload with the ink TUI in a pseudo-terminal vs --plain.
	if (PARTS.includes('D') && isDovecotInstalled() && spawnSync('sh', ['-c', 'command -v script'], {stdio: 'ignore'}).status === 0) {
		console.log('\nD. Dashboard overhead (1 connection, same store): TUI in a pseudo-terminal vs --plain');
		const maildir = join(work, 'Maildir');
		const rows: Record<string, number> = {};
		for (const mode of ['plain', 'tui', 'plain', 'tui'] as const) {
			const server = await startDovecot({users: ['bench']});
			try {
				const cli = `node bin/mailshift.js migrate ${maildir} --to imap://bench@127.0.0.1:${server.port} --connections 1 --no-verify --journal ${join(work, `j-${mode}-${Date.now()}.sqlite`)}${mode === 'plain' ? ' --plain' : ''}`;
				const started = process.hrtime.bigint();
				const r = spawnSync('script', ['-qfec', cli, '/dev/null'], {cwd: ROOT, env: {...process.env, MAILSHIFT_PASSWORD: server.passwordOf('bench'), COLUMNS: '100', LINES: '30'}, encoding: 'utf8'});
				const seconds = Number(process.hrtime.bigint() - started) / 1e9;
				rows[mode] = Math.min(rows[mode] ?? Infinity, seconds);
				console.log(`   ${mode.padEnd(5)} ${seconds.toFixed(1)} s (exit ${r.status})`);
			} finally {
				await server.stop();
			}
		}
		const overhead = ((rows['tui'] ?? 0) / (rows['plain'] ?? 1) - 1) * 100;
		results['dashboard'] = {plainSeconds: rows['plain'], tuiSeconds: rows['tui'], overheadPercent: overhead};
		console.log(`   dashboard overhead (best of two each): ${overhead.toFixed(1)}%`);
	}
	if (PARTS.includes('S')) results['speed'] = await runSpeedBench();
	// Parts not run this time (BENCH_PARTS) keep their last results.
	const file = join(ROOT, 'bench', 'last-results.json');
	const previous = await readFile(file, 'utf8').then((t) => JSON.parse(t) as Record<string, unknown>, () => ({}));
	await writeFile(file, JSON.stringify({...previous, ...results}, null, 2) + '\n');
	console.log('\nWrote bench/last-results.json');
} finally {
	await rm(work, {recursive: true, force: true});
}
