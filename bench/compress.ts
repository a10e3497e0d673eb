/**
 * `npm run bench:compress` (issue #14): is `--compress auto` never much worse than the better of `on` and `off`?
 * mailshift (4 connections, journal on, --no-verify) uploads two gen-corpus stores into a fresh private Dovecot
 * offering COMPRESS=DEFLATE, with --compress off, on and auto in a rotating order (interleaved, so load
 * changes hit all three alike), straight on loopback and through a loopback proxy limited to BENCH_LINK_MBIT
 * (default 20 Mbit/s each way, one token bucket per direction shared by all connections: a home uplink).
 * Every run is under /usr/bin/time (wall, client CPU, peak RSS); the proxy counts the client→server bytes
 * it carried; `auto`'s decision and numbers come from the --json summary's `compression`.
 *
 * Stores (bench/standard-corpus.ts, byte-identical to gen-corpus.mjs): the standard mix (seed 1, BENCH_STD_MESSAGES,
 * default 1000: 82% 2–20 KB text, 14% 20–100 KB, 4% 0.1–5 MB base64 attachments) and text only (seed 2,
 * `--big-pct 0 --mid-pct 0`, BENCH_TEXT_MESSAGES, default 3000). BENCH_ROUNDS (default 2).
 * Results: stdout and bench/last-compress-results.json. Needs dovecot-imapd and /usr/bin/time.
 */
import {existsSync} from 'node:fs';
import {mkdtemp, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {isDovecotInstalled, startDovecot} from '../src/testing/private-dovecot.js';
import {startRateLimitedProxy} from '../src/testing/rate-limited-proxy.js';
import {mailshiftArgs, timed} from './speed.js';
import {writeStandardCorpus} from './standard-corpus.js';
import type {Measured} from './speed.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 2);
const LINK_MBIT = Number(process.env['BENCH_LINK_MBIT'] ?? 20);
const CORPORA = [
	{name: 'standard', options: {messages: Number(process.env['BENCH_STD_MESSAGES'] ?? 1000), seed: 1}},
	{name: 'text only', options: {messages: Number(process.env['BENCH_TEXT_MESSAGES'] ?? 3000), seed: 2, bigPct: 0, midPct: 0}},
] as const;
const MODES = ['off', 'on', 'auto'] as const;

type Row = Measured & {round: number; corpus: string; link: string; mode: string; wireMiB: number | null; compression: unknown};

async function main(): Promise<void> {
	if (!isDovecotInstalled() || !existsSync('/usr/bin/time')) {
		console.log('compress bench skipped: needs dovecot-imapd and /usr/bin/time');
		return;
	}
	const work = await mkdtemp(join(tmpdir(), 'mailshift-compress-'));
	const rows: Row[] = [];
	try {
		const stores: Array<{name: string; maildir: string; mib: number; messages: number}> = [];
		for (const corpus of CORPORA) {
			const out = join(work, corpus.name.replace(/\W+/g, '-'));
			const {maildir, summary} = writeStandardCorpus(out, {...corpus.options, mbox: false});
			stores.push({name: corpus.name, maildir, mib: summary.crlfBytes / 2 ** 20, messages: summary.messages});
			console.log(`${corpus.name}: ${summary.messages} messages, ${(summary.crlfBytes / 2 ** 20).toFixed(1)} MiB (${JSON.stringify(corpus.options)})`);
		}
		for (let round = 1; round <= ROUNDS; round++) {
			for (const store of stores) {
				for (const link of ['loopback', `${LINK_MBIT} Mbit/s proxy`]) {
					// Rotate the order each round and link, so no mode always runs first (or last) in a group.
					const shift = (round + (link === 'loopback' ? 0 : 1)) % MODES.length;
					for (const mode of [...MODES.slice(shift), ...MODES.slice(0, shift)]) {
						const server = await startDovecot({users: ['bench'], compress: true});
						const proxy = link === 'loopback' ? undefined : await startRateLimitedProxy(server.port, (LINK_MBIT * 1e6) / 8);
						try {
							let compression: unknown = null;
							const tag = `${round}-${store.name}-${link}-${mode}`.replace(/\W+/g, '-');
							const args = [...mailshiftArgs(store.maildir, proxy?.port ?? server.port, work, tag, mode).filter((a) => a !== '--plain'), '--json'];
							const measured = await timed(`${store.name}, ${link}, --compress ${mode}`, process.execPath, args, {MAILSHIFT_PASSWORD: server.passwordOf('bench')}, work, (stdout) => {
								try {
									compression = (JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as {compression?: unknown}).compression ?? null;
								} catch {
									compression = null;
								}
							});
							const row: Row = {...measured, round, corpus: store.name, link, mode, wireMiB: proxy ? proxy.clientBytes / 2 ** 20 : null, compression};
							rows.push(row);
							const c = compression as {used?: boolean; measured?: {predictedSpeedup?: number; trialSpeedup?: number | null} | null} | null;
							console.log(`  r${round} ${row.label.padEnd(42)} ${row.seconds.toFixed(1).padStart(6)} s  CPU ${row.cpuSeconds.toFixed(1).padStart(5)} s  RSS ${row.maxRssMiB.toFixed(0).padStart(4)} MiB${row.wireMiB === null ? '' : `  wire ${row.wireMiB.toFixed(1)} MiB`}  exit ${row.exitCode}${mode === 'auto' ? `  auto: ${c?.used ? 'on' : 'off'} (predicted ${c?.measured?.predictedSpeedup ?? '-'}×, trial ${c?.measured?.trialSpeedup ?? '-'}×)` : ''}`);
						} finally {
							await proxy?.close();
							await server.stop();
						}
					}
				}
			}
		}
		await writeFile(join(ROOT, 'bench', 'last-compress-results.json'), JSON.stringify({date: new Date().toISOString(), node: process.version, linkMbit: LINK_MBIT, stores: stores.map(({name, mib, messages}) => ({name, mib, messages})), rows}, null, 2) + '\n');
		console.log('Wrote bench/last-compress-results.json');
	} finally {
		await rm(work, {recursive: true, force: true});
	}
}

await main();
