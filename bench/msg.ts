/**
 * Outlook .msg reader benchmark (not a test): read speed and peak RSS of a folder of generated `.msg` files
 * (the bench/generate.ts size mix: each message's header block as PR_TRANSPORT_MESSAGE_HEADERS, its text as
 * PR_BODY, its attachment as a file attachment; written by test/helpers/make-msg.ts), a small and a large one.
 * Each read runs in its own process (bench/read-store.ts), so peak RSS is the reader's alone: the reader holds
 * one file at a time, so it must not grow with the number of files.
 *
 *   node --import tsx bench/msg.ts        (BENCH_MSG_MESSAGES=500,5000 by default)
 *
 * Results: stdout and bench/last-msg-results.json. The folder is written by a child process of its own (see
 * bench/dbx.ts: a forked reader would otherwise count the generator's pages as its own peak RSS).
 */
import {mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';

import {makeMsg} from '../test/helpers/make-msg.js';
import type {MsgAttachment, MsgValue} from '../test/helpers/make-msg.js';
import {benchMessages} from './generate.js';
import {runNodeChild} from './node-child.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const SIZES = (process.env['BENCH_MSG_MESSAGES'] ?? '500,5000').split(',').map(Number);


/** One generated message as an Outlook .msg: headers, subject, sender, body and (when it has one) its attachment. */
function toMsg(raw: Buffer, date: Date): Buffer {
	const text = raw.toString('latin1');
	const split = text.indexOf('\n\n');
	const head = text.slice(0, split + 1);
	let body = text.slice(split + 2);
	const attachments: MsgAttachment[] = [];
	const boundary = /boundary="([^"]+)"/.exec(head)?.[1];
	if (boundary !== undefined) {
		const parts = body.split(`--${boundary}`);
		body = (parts[1] ?? '').replace(/^[^\n]*\n\n/, '');
		const encoded = (parts[2] ?? '').split('\n\n')[1] ?? '';
		attachments.push({filename: 'data.bin', data: Buffer.from(encoded.replace(/\s+/g, ''), 'base64')});
	}
	const header = (name: string): string => new RegExp(`^${name}: (.*)$`, 'm').exec(head)?.[1] ?? '';
	const properties = new Map<number, MsgValue>([
		[0x001a, {type: 'unicode', value: 'IPM.Note'}], [0x0037, {type: 'unicode', value: header('Subject')}],
		[0x007d, {type: 'unicode', value: head.replace(/\n/g, '\r\n')}], [0x1000, {type: 'unicode', value: body}],
		[0x0c1a, {type: 'unicode', value: header('From')}], [0x0c1f, {type: 'unicode', value: header('From')}], [0x0c1e, {type: 'unicode', value: 'SMTP'}],
		[0x1035, {type: 'unicode', value: header('Message-ID')}], [0x0e06, {type: 'time', value: date}], [0x0e07, {type: 'long', value: 1}],
	]);
	return makeMsg(properties, [], attachments);
}

/** Child mode: `bench/msg.ts make DIR COUNT` writes the folder and prints its size. */
if (process.argv[2] === 'make') {
	const dir = process.argv[3] ?? '';
	await mkdir(dir, {recursive: true});
	let fileBytes = 0;
	for (const message of benchMessages(Number(process.argv[4]))) {
		const bytes = toMsg(message.raw, message.date);
		fileBytes += bytes.length;
		await writeFile(join(dir, `${String(message.i).padStart(6, '0')}.msg`), bytes);
	}
	process.stdout.write(JSON.stringify({fileBytes}) + '\n');
} else {
	await main();
}

async function main(): Promise<void> {
	const work = await mkdtemp(join(tmpdir(), 'mailshift-bench-msg-'));
	const rows: Array<Record<string, unknown>> = [];
	try {
		for (const count of SIZES) {
			const dir = join(work, `Inbox-${count}`);
			const {fileBytes = 0} = await runNodeChild(['bench/msg.ts', 'make', dir, String(count)]);
			const result = await runNodeChild(['bench/read-store.ts', dir]);
			const row = {store: `${count} .msg files`, fileMiB: fileBytes / 2 ** 20, ...result};
			rows.push(row);
			const seconds = (result['ms'] ?? 1) / 1000;
			console.log(`${String(row.store).padEnd(18)} ${(fileBytes / 2 ** 20).toFixed(0).padStart(5)} MiB files  ${((result['messages'] ?? 0) / seconds).toFixed(0).padStart(5)} msg/s  ${((result['bytes'] ?? 0) / 2 ** 20 / seconds).toFixed(1).padStart(6)} MiB/s composed  peak RSS ${(result['maxRssMiB'] ?? 0).toFixed(0)} MiB`);
			await rm(dir, {recursive: true, force: true});
		}
		await writeFile(join(ROOT, 'bench/last-msg-results.json'), JSON.stringify({date: new Date().toISOString(), node: process.version, rows}, null, '\t') + '\n');
	} finally {
		await rm(work, {recursive: true, force: true});
	}
}
