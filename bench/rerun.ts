/**
 * `npm run bench:rerun`: issue #14's "a re-run with nothing left to do": an upload of small messages (the
 * standard corpus's generator, seed 21, no attachments: bench/standard-corpus.ts, as gen-corpus.mjs
 * `--seed 21 --big-pct 0 --mid-pct 0` makes it), then re-runs with the same journal, each round into a fresh
 * private Dovecot; the re-run's wall time as a share of the upload's (the target: ≤ 10%). The CLI as users run it
 * (4 connections, --plain, --no-verify: the verify reads every message back on purpose, and is measured apart).
 *
 * BENCH_MESSAGES (default 10000), BENCH_ROUNDS (default 3), BENCH_RERUNS per round (default 2); BENCH_ROOTS="label=/path
 * …" compares builds of other checkouts, interleaved (default: this one; the upload is always this one's). Results on
 * stdout and bench/last-rerun-results.json. Needs dovecot-imapd and /usr/bin/time. Compare within a round: this
 * machine kind's speed drifts by tens of per cent within minutes.
 */
import {mkdtemp, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {isDovecotInstalled, startDovecot} from '../src/testing/private-dovecot.js';
import {writeStandardCorpus} from './standard-corpus.js';
import {timed} from './speed.js';
import type {Measured} from './speed.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const MESSAGES = Number(process.env['BENCH_MESSAGES'] ?? 10_000);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
const RERUNS = Number(process.env['BENCH_RERUNS'] ?? 2);
const ROOTS = (process.env['BENCH_ROOTS'] ?? `this=${ROOT}`).split(/\s+/).filter(Boolean).map((spec) => spec.split('=') as [string, string]);

function args(root: string, maildir: string, port: number, journal: string): string[] {
	return [join(root, 'bin/mailshift.js'), 'migrate', maildir, '--to', `imap://bench@127.0.0.1:${port}`, '--connections', '4', '--stats', '0', '--plain', '--no-verify', '--journal', journal];
}

function line(row: Measured, upload?: Measured): string {
	const share = upload ? `  ${((row.seconds / upload.seconds) * 100).toFixed(1).padStart(5)}% of the upload` : '';
	return `   ${row.label.padEnd(22)} ${row.seconds.toFixed(2).padStart(6)} s  CPU ${row.cpuSeconds.toFixed(2).padStart(5)} s  RSS ${row.maxRssMiB.toFixed(0).padStart(4)} MiB  exit ${row.exitCode}${share}`;
}

if (!isDovecotInstalled()) {
	console.log('bench:rerun skipped: needs dovecot-imapd');
} else {
	const work = await mkdtemp(join(tmpdir(), 'ms-bench-rerun-'));
	try {
		const corpus = writeStandardCorpus(join(work, 'corpus'), {messages: MESSAGES, seed: 21, bigPct: 0, midPct: 0, mbox: false});
		console.log(`No-op re-run: ${MESSAGES} small messages (seed 21, ${(corpus.summary.bytes / 2 ** 20).toFixed(0)} MiB of Maildir), ${ROUNDS} rounds`);
		const rounds: Array<{upload: Measured; reruns: Array<Measured & {root: string; share: number}>}> = [];
		for (let round = 1; round <= ROUNDS; round++) {
			const server = await startDovecot({users: ['bench']});
			try {
				const env = {MAILSHIFT_PASSWORD: server.passwordOf('bench')};
				const journal = join(work, `journal-${round}.sqlite`);
				const upload = await timed(`round ${round} upload`, process.execPath, args(ROOT, corpus.maildir, server.port, journal), env, work);
				console.log(line(upload));
				const reruns: Array<Measured & {root: string; share: number}> = [];
				for (let n = 1; n <= RERUNS; n++) {
					for (const [label, root] of ROOTS) {
						const rerun = await timed(`re-run ${n} (${label})`, process.execPath, args(root, corpus.maildir, server.port, journal), env, work);
						console.log(line(rerun, upload));
						reruns.push({...rerun, root: label, share: rerun.seconds / upload.seconds});
					}
				}
				rounds.push({upload, reruns});
			} finally {
				await server.stop();
			}
		}
		for (const [label] of ROOTS) {
			const shares = rounds.flatMap((r) => r.reruns.filter((x) => x.root === label).map((x) => x.share)).sort((a, b) => a - b);
			const percent = (share: number | undefined): string => ((share ?? Number.NaN) * 100).toFixed(1);
			console.log(`   re-run / upload (${label}): ${percent(shares[0])}–${percent(shares.at(-1))}%, median ${percent(shares[Math.floor(shares.length / 2)])}%`);
		}
		await writeFile(join(ROOT, 'bench/last-rerun-results.json'), `${JSON.stringify({date: new Date().toISOString(), messages: MESSAGES, rounds}, null, 2)}\n`);
	} finally {
		await rm(work, {recursive: true, force: true});
	}
}
