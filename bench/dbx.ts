/**
 * Outlook Express reader benchmark (not a test): read speed and peak RSS of DbxStore on a small and a large
 * generated `.dbx` (bench/generate.ts size mix, written by test/helpers/make-dbx.ts). Each read runs in its
 * own process (bench/read-store.ts), so peak RSS is the reader's alone; it must not grow with the store.
 *
 *   node --import tsx bench/dbx.ts        (BENCH_DBX_MESSAGES=300,3000 by default)
 *
 * Results: stdout and bench/last-dbx-results.json.
 *
 * The store is generated in a child process of its own: Linux keeps a process's peak RSS across fork+exec
 * (the forked copy counts the parent's pages), so a reader spawned by a parent holding the generated file
 * would report the parent's memory as its own.
 */
import {mkdtemp, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';

import {messageDbx} from '../test/helpers/make-dbx.js';
import {benchMessages} from './generate.js';
import {runNodeChild} from './node-child.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const SIZES = (process.env['BENCH_DBX_MESSAGES'] ?? '300,3000').split(',').map(Number);


/** Child mode: `bench/dbx.ts make FILE COUNT` writes the store and prints its size. */
if (process.argv[2] === 'make') {
	const count = Number(process.argv[4]);
	const messages = [...benchMessages(count)].map((message) => ({raw: message.raw, index: message.i + 1, flags: message.i % 3 === 0 ? 0 : 0x80, received: message.date}));
	const content = messageDbx(messages);
	await writeFile(process.argv[3] ?? '', content);
	process.stdout.write(JSON.stringify({fileBytes: content.length}) + '\n');
} else {
	await main();
}

async function main(): Promise<void> {
	const work = await mkdtemp(join(tmpdir(), 'mailshift-bench-dbx-'));
	const rows: Array<Record<string, unknown>> = [];
	try {
		for (const count of SIZES) {
			const file = join(work, `Inbox-${count}.dbx`);
			const {fileBytes = 0} = await runNodeChild(['bench/dbx.ts', 'make', file, String(count)]);
			const result = await runNodeChild(['bench/read-store.ts', file]);
			const row = {store: `${count} messages`, fileMiB: fileBytes / 2 ** 20, ...result};
			rows.push(row);
			console.log(`${String(row.store).padEnd(16)} ${(fileBytes / 2 ** 20).toFixed(0).padStart(5)} MiB file  ${((result['bytes'] ?? 0) / 2 ** 20 / ((result['ms'] ?? 1) / 1000)).toFixed(0).padStart(5)} MiB/s  peak RSS ${(result['maxRssMiB'] ?? 0).toFixed(0)} MiB`);
			await rm(file);
		}
		await writeFile(join(ROOT, 'bench/last-dbx-results.json'), JSON.stringify({date: new Date().toISOString(), node: process.version, rows}, null, '\t') + '\n');
	} finally {
		await rm(work, {recursive: true, force: true});
	}
}
