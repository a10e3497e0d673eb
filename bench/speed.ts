/**
 * `npm run bench:speed` (and part S of `npm run bench`): issue #14's table, re-measured. The standard corpus
 * (bench/standard-corpus.ts: byte for byte what ../shared/tools/gen-corpus.mjs writes for seed 1 and its default
 * mix, 82% 2–20 KB, 14% 20–100 KB, 4% 0.1–5 MB attachments; 10,000 messages = 639 MiB stored, 648 MiB as sent)
 * is generated once per run (its Maildir++ tree only) and uploaded in interleaved rounds into fresh private
 * Dovecots with fsync, without and with COMPRESS=DEFLATE offered, by mailshift (4 connections, journal on,
 * --no-verify, --compress auto and on), mbsync (if installed) and the raw MULTIAPPEND client of
 * bench/multiappend-experiment (LITERAL+, 4 connections: the server's limit). Every client runs under
 * /usr/bin/time: wall seconds, client CPU seconds (user + sys) and peak RSS. Then a smaller store (the same
 * generator, seed 2) through a loopback proxy limited to BENCH_LINK_MBIT (default 20 Mbit/s, a home uplink):
 * mailshift with --compress on, off and auto.
 *
 * Sizes: BENCH_MESSAGES (default 10000), BENCH_ROUNDS (default 2), BENCH_LINK_MESSAGES (default 300), BENCH_LINK_MBIT
 * (default 20); BENCH_MBSYNC=0 leaves mbsync out.
 * Results: stdout and bench/last-speed-results.json. Needs dovecot-imapd and /usr/bin/time.
 */
import {spawn, spawnSync} from 'node:child_process';
import {mkdir, mkdtemp, readdir, readFile, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {isDovecotInstalled, startDovecot} from '../src/testing/private-dovecot.js';
import type {PrivateDovecot} from '../src/testing/private-dovecot.js';
import {writeStandardCorpus} from './standard-corpus.js';
import {startRateLimitedProxy} from '../src/testing/rate-limited-proxy.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const MESSAGES = Number(process.env['BENCH_MESSAGES'] ?? 10_000);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 2);
const LINK_MESSAGES = Number(process.env['BENCH_LINK_MESSAGES'] ?? 300);
const LINK_MBIT = Number(process.env['BENCH_LINK_MBIT'] ?? 20);

export type Measured = Readonly<{label: string; exitCode: number | null; seconds: number; cpuSeconds: number; maxRssMiB: number; note?: string}>;

/** Runs a command under /usr/bin/time; its wall time, CPU (user + sys) and peak RSS. `onStdout` gets its whole stdout. */
export function timed(label: string, command: string, args: readonly string[], env: Record<string, string>, work: string, onStdout?: (stdout: string) => void): Promise<Measured> {
	const out = join(work, `time-${Date.now()}-${Math.random().toString(36).slice(2)}.txt`);
	return new Promise((resolve, reject) => {
		const child = spawn('/usr/bin/time', ['-o', out, '-f', '%e %U %S %M', command, ...args], {cwd: ROOT, env: {...process.env, ...env}, stdio: ['ignore', 'pipe', 'pipe']});
		let stderr = '';
		let stdout = '';
		child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
		child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
		child.on('error', reject);
		child.on('close', (code) => {
			onStdout?.(stdout);
			readFile(out, 'utf8').then((text) => {
				const [e, u, s, m] = (text.trim().split('\n').at(-1) ?? '').split(' ').map(Number);
				const compression = /Compression \(COMPRESS=DEFLATE\): (\w+)/.exec(stdout)?.[1];
				resolve({label, exitCode: code, seconds: e ?? NaN, cpuSeconds: (u ?? 0) + (s ?? 0), maxRssMiB: (m ?? 0) / 1024,
					...(code ? {note: stderr.slice(-300)} : compression ? {note: `compression ${compression}`} : {})});
			}, reject);
		});
	});
}

/**
 * mbsync's config for pushing `maildir` (Maildir++) into `server`. Its Patterns name the tree's own folders
 * (".Projects.Alpha" → Projects/Alpha), not `*`: a `*` also matches the server's special-use Trash, which the
 * Maildir lacks, and mbsync then fails on the missing near-side box.
 */
async function mbsyncArgs(work: string, maildir: string, server: PrivateDovecot, tag: string): Promise<string[]> {
	const rc = join(work, `mbsyncrc-${tag}`);
	const stateDir = join(work, `mbsync-state-${tag}`);
	const folders = ['INBOX', ...(await readdir(maildir, {withFileTypes: true})).filter((e) => e.isDirectory() && e.name.startsWith('.')).map((e) => e.name.slice(1).split('.').join('/'))];
	return mkdir(stateDir, {recursive: true}).then(() => writeFile(rc, [
		'IMAPAccount far', 'Host 127.0.0.1', `Port ${server.port}`, 'User bench', `Pass ${server.passwordOf('bench')}`, 'SSLType None', 'AuthMechs LOGIN', '',
		'IMAPStore far', 'Account far', '',
		'MaildirStore near', `Inbox ${maildir}`, 'SubFolders Maildir++', '',
		'Channel push', 'Far :far:', 'Near :near:', `Patterns ${folders.map((f) => `"${f}"`).join(' ')}`, 'Sync Push', 'Create Far', 'CopyArrivalDate yes', `SyncState ${stateDir}/`, '',
	].join('\n'))).then(() => ['-c', rc, '-a', '-q']);
}

export function mailshiftArgs(maildir: string, port: number, work: string, tag: string, compress: string): string[] {
	return ['bin/mailshift.js', 'migrate', maildir, '--to', `imap://bench@127.0.0.1:${port}`, '--connections', '4', '--stats', '0', '--plain', '--no-verify',
		'--compress', compress, '--journal', join(work, `journal-${tag}.sqlite`)];
}

function print(row: Measured): void {
	console.log(`   ${row.label.padEnd(44)} ${row.seconds.toFixed(1).padStart(6)} s  CPU ${row.cpuSeconds.toFixed(1).padStart(5)} s  RSS ${row.maxRssMiB.toFixed(0).padStart(4)} MiB  exit ${row.exitCode}${row.note ? `  ${row.note.replace(/\s+/g, ' ').slice(0, 120)}` : ''}`);
}

export async function runSpeedBench(): Promise<Record<string, unknown>> {
	if (!isDovecotInstalled() || spawnSync('sh', ['-c', 'command -v /usr/bin/time'], {stdio: 'ignore'}).status !== 0) {
		console.log('S. skipped: needs dovecot-imapd and /usr/bin/time');
		return {};
	}
	// BENCH_MBSYNC=0 leaves mbsync out (it takes 3–5 minutes a run on a loaded 2-core machine).
	const hasMbsync = process.env['BENCH_MBSYNC'] !== '0' && spawnSync('sh', ['-c', 'command -v mbsync'], {stdio: 'ignore'}).status === 0;
	const work = await mkdtemp(join(tmpdir(), 'mailshift-speed-'));
	const rows: Array<Measured & {round: number; server: string}> = [];
	try {
		// Generated once, read by every client of every round (the bench only reads the tree).
		const {maildir, summary: {bytes}} = writeStandardCorpus(join(work, 'corpus'), {messages: MESSAGES, seed: 1, mbox: false});
		console.log(`S. Upload speed (issue #14): ${MESSAGES} messages of the standard corpus, ${(bytes / 2 ** 20).toFixed(0)} MiB, ${ROUNDS} round(s), fresh Dovecot per run${hasMbsync ? '' : ' (without mbsync: BENCH_MBSYNC=0, or not installed: apt-get install -y isync)'}`);
		const password = {MAILSHIFT_PASSWORD: 'pw-bench'};
		for (let round = 1; round <= ROUNDS; round++) {
			console.log(`   round ${round}`);
			for (const compress of [false, true]) {
				const serverLabel = compress ? 'Dovecot offering COMPRESS' : 'Dovecot without COMPRESS';
				const clients: Array<[string, (server: PrivateDovecot, tag: string) => Promise<[string, string[]]>]> = [
					['mailshift (auto)', async (s, tag) => [process.execPath, mailshiftArgs(maildir, s.port, work, tag, 'auto')]],
					...(compress ? [['mailshift --compress on', async (s: PrivateDovecot, tag: string) => [process.execPath, mailshiftArgs(maildir, s.port, work, tag, 'on')]]] as Array<[string, (server: PrivateDovecot, tag: string) => Promise<[string, string[]]>]> : []),
					...(hasMbsync ? [['mbsync', async (s: PrivateDovecot, tag: string) => ['mbsync', await mbsyncArgs(work, maildir, s, tag)]]] as Array<[string, (server: PrivateDovecot, tag: string) => Promise<[string, string[]]>]> : []),
					['raw MULTIAPPEND, LITERAL+, 4 conns', async (s) => [process.execPath, ['bench/multiappend-experiment/client.mjs', '--maildir', maildir, '--port', String(s.port), '--user', 'bench', '--password', s.passwordOf('bench'), '--mode', 'multi-plus', '--conns', '4', '--window', '2']]],
				];
				for (const [label, make] of clients) {
					const server = await startDovecot({users: ['bench'], compress});
					try {
						const tag = `${round}-${compress}-${label.replace(/\W+/g, '-')}`;
						const [command, args] = await make(server, tag);
						const row = {...(await timed(`${serverLabel}: ${label}`, command, args, password, work)), round, server: serverLabel};
						rows.push(row);
						print(row);
					} finally {
						await server.stop();
					}
				}
			}
		}
		// Through a slow link: a smaller store (the same mix), COMPRESS offered.
		const {maildir: small, summary: {bytes: smallBytes}} = writeStandardCorpus(join(work, 'small'), {messages: LINK_MESSAGES, seed: 2, mbox: false});
		console.log(`   through a ${LINK_MBIT} Mbit/s loopback proxy: ${LINK_MESSAGES} messages, ${(smallBytes / 2 ** 20).toFixed(1)} MiB (auto decides from what it measures: see npm run bench:compress)`);
		const linkRows: Measured[] = [];
		for (const compress of ['off', 'on', 'auto']) {
			const server = await startDovecot({users: ['bench'], compress: true});
			const proxy = await startRateLimitedProxy(server.port, (LINK_MBIT * 1e6) / 8);
			try {
				const row = await timed(`slow link: mailshift --compress ${compress}`, process.execPath, mailshiftArgs(small, proxy.port, work, `link-${compress}`, compress), password, work);
				linkRows.push(row);
				print(row);
			} finally {
				await proxy.close();
				await server.stop();
			}
		}
		return {date: new Date().toISOString(), node: process.version, messages: MESSAGES, mib: bytes / 2 ** 20, rounds: rows, slowLink: {mbit: LINK_MBIT, messages: LINK_MESSAGES, mib: smallBytes / 2 ** 20, rows: linkRows}};
	} finally {
		await rm(work, {recursive: true, force: true});
	}
}

if (import.meta.url === `file://${process.argv[1]}`) {
	const results = await runSpeedBench();
	await writeFile(join(ROOT, 'bench', 'last-speed-results.json'), JSON.stringify(results, null, 2) + '\n');
	console.log('Wrote bench/last-speed-results.json');
}
