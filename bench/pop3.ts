/**
 * POP3 source benchmark (not a test): read speed and peak RSS of Pop3Store against Dovecot's pop3d (the
 * private Dovecot of src/testing/private-dovecot.ts, on loopback, no TLS) serving a small and a large maildrop
 * of generated messages (bench/generate.ts size mix, written straight into the user's Maildir). The reader
 * RETRs one message at a time (plus the UIDL list), so its peak RSS must not grow with the maildrop.
 *
 *   node --import tsx bench/pop3.ts       (BENCH_POP3_MESSAGES=500,5000 by default)
 *
 * Each read runs in its own process (`bench/pop3.ts read URL`, the password in the environment, never in
 * argv). Results: stdout and bench/last-pop3-results.json. Needs dovecot-imapd and dovecot-pop3d.
 */
import {chown, mkdir, readdir, rm, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';

import {Pop3Store} from '../src/readers/pop3/pop3-store.js';
import {startDovecot} from '../src/testing/private-dovecot.js';
import {benchMessages} from './generate.js';
import {runNodeChild} from './node-child.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const SIZES = (process.env['BENCH_POP3_MESSAGES'] ?? '500,5000').split(',').map(Number);
const PASSWORD_VARIABLE = 'MAILSHIFT_BENCH_POP3_PASSWORD';

if (process.argv[2] === 'read') {
	// Child: read the whole maildrop once, as bench/read-store.ts reads a file store.
	const started = process.hrtime.bigint();
	const store = await Pop3Store.open(process.argv[3] ?? '', {password: process.env[PASSWORD_VARIABLE] ?? ''});
	let messages = 0;
	let bytes = 0;
	for (const folder of await store.listFolders()) {
		for await (const message of store.messages(folder)) {
			messages++;
			bytes += message.raw.length;
		}
	}
	await store.close();
	const ms = Number(process.hrtime.bigint() - started) / 1e6;
	process.stdout.write(JSON.stringify({messages, bytes, ms, maxRssMiB: process.resourceUsage().maxRSS / 1024}) + '\n');
} else if (process.argv[2] === 'fill') {
	// Child: the maildrop is written by a process of its own (see bench/dbx.ts: a reader forked from a parent
	// holding the generator's pages would count them as its own peak RSS).
	process.stdout.write(JSON.stringify({fileBytes: await fill(process.argv[3] ?? '', Number(process.argv[4]))}) + '\n');
} else {
	await main();
}

function child(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<Record<string, number>> {
	return runNodeChild(['bench/pop3.ts', ...args], env);
}

/** Fills `user`'s Maildir INBOX with `count` messages (cur/, seen), owned as Dovecot's mail processes need. */
async function fill(maildir: string, count: number): Promise<number> {
	for (const sub of ['cur', 'new', 'tmp']) await mkdir(join(maildir, sub), {recursive: true});
	let bytes = 0;
	for (const message of benchMessages(count)) {
		bytes += message.raw.length;
		await writeFile(join(maildir, 'cur', `${1_600_000_000 + message.i}.M${message.i}P1.bench:2,S`), message.raw);
	}
	if (process.getuid?.() === 0) {
		// As root the private Dovecot runs mail processes as uid/gid 5000 (private-dovecot.ts).
		const own = async (path: string): Promise<void> => {
			await chown(path, 5000, 5000);
			for (const entry of await readdir(path, {withFileTypes: true})) {
				if (entry.isDirectory()) await own(join(path, entry.name));
				else await chown(join(path, entry.name), 5000, 5000);
			}
		};
		await own(join(maildir, '..'));
	}
	return bytes;
}

async function main(): Promise<void> {
	const rows: Array<Record<string, unknown>> = [];
	for (const count of SIZES) {
		const server = await startDovecot({users: ['bench'], pop3: true});
		try {
			const {fileBytes = 0} = await child(['fill', server.mailDir('bench'), String(count)]);
			const result = await child(['read', `pop3://bench@127.0.0.1:${server.pop3Port}`], {...process.env, [PASSWORD_VARIABLE]: server.passwordOf('bench')});
			const row = {store: `${count} messages`, fileMiB: fileBytes / 2 ** 20, ...result};
			rows.push(row);
			const seconds = (result['ms'] ?? 1) / 1000;
			console.log(`${String(row.store).padEnd(16)} ${(fileBytes / 2 ** 20).toFixed(0).padStart(5)} MiB  ${((result['messages'] ?? 0) / seconds).toFixed(0).padStart(5)} msg/s  ${((result['bytes'] ?? 0) / 2 ** 20 / seconds).toFixed(1).padStart(6)} MiB/s  peak RSS ${(result['maxRssMiB'] ?? 0).toFixed(0)} MiB`);
		} finally {
			await server.stop();
			await rm(server.dir, {recursive: true, force: true});
		}
	}
	await writeFile(join(ROOT, 'bench/last-pop3-results.json'), JSON.stringify({date: new Date().toISOString(), node: process.version, rows}, null, '\t') + '\n');
}
