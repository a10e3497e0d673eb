/**
 * `npm run bench`: speed and memory, measured (never asserted in tests).
 *
 *   A. Reader memory vs store size: the same reader over a small and a large mbox (and a Maildir), each in
 *      its own process; peak RSS must not grow with the store (a 1 GB mbox in the memory of a 1 MB one).
 *   B. Upload throughput: the real CLI migrating a generated Maildir (realistic size mix) into a private
 *      Dovecot on loopback, with 1 and 4 connections: wall time, msg/s, MB/s, peak RSS of the CLI.
 *
 *   C. mbsync (Debian isync: Sync Push, Create Far, CopyArrivalDate yes) pushing the same Maildir, for scale.
 *
 * Sizes: BENCH_MBOX_MB (default 512), BENCH_MESSAGES (default 10000). Results go to stdout and
 * bench/last-results.json. Needs dovecot-imapd for part B (skipped with a note otherwise).
 */
import {spawn, spawnSync} from 'node:child_process';
import {mkdtemp, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {isDovecotInstalled, startDovecot} from '../src/testing/private-dovecot.js';
import {writeBenchMaildir, writeBenchMbox} from './generate.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const MBOX_MB = Number(process.env['BENCH_MBOX_MB'] ?? 512);
const MESSAGES = Number(process.env['BENCH_MESSAGES'] ?? 10_000);

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

	console.log(`\nB. Upload into a private Dovecot on 127.0.0.1 (${MESSAGES} messages, realistic size mix)`);
	if (!isDovecotInstalled()) {
		console.log('   skipped: dovecot-imapd is not installed');
	} else {
		const maildir = join(work, 'Maildir');
		const {bytes} = await writeBenchMaildir(maildir, MESSAGES);
		console.log(`   store: ${(bytes / 2 ** 20).toFixed(1)} MiB`);
		const uploadRows: Array<Record<string, unknown>> = [];
		for (const connections of [1, 4]) {
			const server = await startDovecot({users: ['bench']});
			try {
				const r = await run(['--import', './bench/rss-at-exit.mjs', 'bin/mailshift.js', 'migrate', maildir, '--to', `imap://bench@127.0.0.1:${server.port}`,
					'--connections', String(connections), '--stats', '0'], {MAILSHIFT_PASSWORD: server.passwordOf('bench')});
				const rss = Number(/BENCH_MAX_RSS_KIB=(\d+)/.exec(r.stderr)?.[1] ?? 0) / 1024;
				const row = {connections, exitCode: r.code, seconds: r.ms / 1000, msgPerSec: MESSAGES / (r.ms / 1000), mbPerSec: bytes / 1e6 / (r.ms / 1000), maxRssMiB: rss};
				uploadRows.push(row);
				console.log(`   ${connections} connection(s): ${row.seconds.toFixed(1)} s, ${row.msgPerSec.toFixed(0)} msg/s, ${row.mbPerSec.toFixed(1)} MB/s, peak RSS ${rss.toFixed(0)} MiB, exit ${r.code}`);
			} finally {
				await server.stop();
			}
		}
		results['upload'] = uploadRows;

		// C. The same store pushed by mbsync (Debian isync), the usual open-source tool for this job.
		console.log('\nC. mbsync (isync) pushing the same Maildir into a fresh Dovecot');
		if (spawnSync('sh', ['-c', 'command -v mbsync'], {stdio: 'ignore'}).status !== 0) {
			console.log('   skipped: mbsync is not installed (apt-get install -y isync)');
		} else {
			const server = await startDovecot({users: ['bench']});
			try {
				const rc = join(work, 'mbsyncrc');
				await writeFile(rc, [
					'IMAPAccount far', 'Host 127.0.0.1', `Port ${server.port}`, 'User bench', `Pass ${server.passwordOf('bench')}`, 'SSLType None', 'AuthMechs LOGIN', '',
					'IMAPStore far', 'Account far', '',
					'MaildirStore near', `Inbox ${maildir}`, 'SubFolders Maildir++', '',
					'Channel push', 'Far :far:', 'Near :near:', 'Patterns INBOX Archive Projects "Sent Items"', 'Sync Push', 'Create Far', 'CopyArrivalDate yes', 'SyncState *', '',
				].join('\n'));
				const started = process.hrtime.bigint();
				const r = spawnSync('mbsync', ['-c', rc, '-a', '-q'], {encoding: 'utf8'});
				const seconds = Number(process.hrtime.bigint() - started) / 1e9;
				const row = {exitCode: r.status, seconds, msgPerSec: MESSAGES / seconds, mbPerSec: bytes / 1e6 / seconds};
				results['mbsync'] = row;
				console.log(`   mbsync: ${seconds.toFixed(1)} s, ${row.msgPerSec.toFixed(0)} msg/s, ${row.mbPerSec.toFixed(1)} MB/s, exit ${r.status}${r.status ? ` ${r.stderr.slice(0, 200)}` : ''}`);
				const best = Math.min(...uploadRows.map((u) => Number(u['seconds'])));
				console.log(`   mailshift (best of the runs above) is ${(seconds / best).toFixed(2)}× mbsync's speed`);
			} finally {
				await server.stop();
			}
		}
	}
	// D. The live dashboard's cost: the same upload with the ink TUI in a pseudo-terminal vs --plain.
	if (isDovecotInstalled() && spawnSync('sh', ['-c', 'command -v script'], {stdio: 'ignore'}).status === 0) {
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
	await writeFile(join(ROOT, 'bench', 'last-results.json'), JSON.stringify(results, null, 2) + '\n');
	console.log('\nWrote bench/last-results.json');
} finally {
	await rm(work, {recursive: true, force: true});
}
