/**
 * `npm run bench:latency`: an upload through a loopback proxy that delays every chunk by BENCH_DELAY_MS each
 * way (default 25: a 50 ms round trip, a server across a country), into a fresh private Dovecot per run. What it
 * shows: how many round trips per message the client waits for. With LITERAL+ the APPEND of a whole batch goes
 * out at once (src/uploader/append-command.ts); a client that sends literals over 4 KiB as synchronizing ones
 * waits one round trip per such message.
 *
 * BENCH_LATENCY_MESSAGES (default 600) messages of the standard mix (bench/standard-corpus.ts, seed 3),
 * BENCH_ROUNDS (default 2) rounds; BENCH_ROOTS="label=/path/to/checkout …" compares builds of other checkouts
 * interleaved (default: this one). Results on stdout. Needs dovecot-imapd and /usr/bin/time.
 */
import {spawn} from 'node:child_process';
import {mkdtemp, readFile, rm} from 'node:fs/promises';
import {createServer, connect} from 'node:net';
import type {AddressInfo, Socket} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {isDovecotInstalled, startDovecot} from '../src/testing/private-dovecot.js';
import {writeStandardCorpus} from './standard-corpus.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const DELAY = Number(process.env['BENCH_DELAY_MS'] ?? 25);
const MESSAGES = Number(process.env['BENCH_LATENCY_MESSAGES'] ?? 600);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 2);
const ROOTS = (process.env['BENCH_ROOTS'] ?? `this=${ROOT}`).split(/\s+/).filter(Boolean).map((spec) => spec.split('=') as [string, string]);

/** Forwards `from` to `to`, each chunk `DELAY` ms late, in order. */
function delayed(from: Socket, to: Socket): void {
	from.on('data', (chunk: Buffer) => setTimeout(() => to.destroyed || to.write(chunk), DELAY));
	from.on('end', () => setTimeout(() => to.end(), DELAY));
	from.on('error', () => to.destroy());
}

async function main(): Promise<void> {
	if (!isDovecotInstalled()) {
		console.log('latency bench skipped: needs dovecot-imapd');
		return;
	}
	const work = await mkdtemp(join(tmpdir(), 'ms-latency-'));
	try {
		const {maildir} = writeStandardCorpus(join(work, 'corpus'), {messages: MESSAGES, seed: 3, mbox: false});
		console.log(`${MESSAGES} messages, round trip ${2 * DELAY} ms, 4 connections, journal on, --no-verify`);
		for (let round = 1; round <= ROUNDS; round++) {
			for (const [label, root] of ROOTS) {
				const server = await startDovecot({users: ['bench']});
				const sockets = new Set<Socket>();
				const proxy = createServer((inbound) => {
					const outbound = connect(server.port, '127.0.0.1');
					for (const s of [inbound, outbound]) sockets.add(s);
					delayed(inbound, outbound);
					delayed(outbound, inbound);
				});
				await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
				const timeFile = join(work, `time-${label}-${round}`);
				const args = [join(root, 'bin/mailshift.js'), 'migrate', maildir, '--to', `imap://bench@127.0.0.1:${(proxy.address() as AddressInfo).port}`, '--connections', '4',
					'--stats', '0', '--plain', '--no-verify', '--journal', join(work, `journal-${label}-${round}.sqlite`)];
				const code = await new Promise<number | null>((resolve) => {
					const child = spawn('/usr/bin/time', ['-o', timeFile, '-f', '%e %U %S %M', process.execPath, ...args], {env: {...process.env, MAILSHIFT_PASSWORD: server.passwordOf('bench')}, stdio: 'ignore'});
					child.on('close', resolve);
				});
				const [e, u, s, m] = (await readFile(timeFile, 'utf8')).trim().split('\n').at(-1)!.split(' ').map(Number);
				console.log(`round ${round} ${label.padEnd(10)} exit ${code}  ${e!.toFixed(1).padStart(6)} s  CPU ${(u! + s!).toFixed(1)} s  RSS ${(m! / 1024).toFixed(0)} MiB`);
				for (const socket of sockets) socket.destroy();
				proxy.close();
				await server.stop();
			}
		}
	} finally {
		await rm(work, {recursive: true, force: true});
	}
}

await main();
