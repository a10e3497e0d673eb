/**
 * A Maildir copied without its file times (issue #12 item 8b): `cp -r`, a zip or a git checkout set every
 * mtime to the copy time, and the mtime (Dovecot's delivery time) then made "everything received today". The
 * copies are built by the tests (fs.utimes); the real corpus (../shared/corpus/maildir) is copied too when
 * present (skipped, saying why, when absent).
 */
import assert from 'node:assert/strict';
import {existsSync, promises as fs} from 'node:fs';
import {tmpdir} from 'node:os';
import {join, resolve} from 'node:path';
import {after, describe, test} from 'node:test';
import {fileURLToPath} from 'node:url';

import type {SourceMessage} from '../../src/contracts/types.js';
import {parseHeaders} from '../../src/mapper/headers.js';
import {chooseReceivedDate} from '../../src/mapper/received-date.js';
import {MaildirStore} from '../../src/readers/maildir/maildir-store.js';
import type {ReaderProblem} from '../../src/contracts/source-store.js';
import {writeRawTree} from '../helpers/raw-tree.js';
import type {RawFile} from '../helpers/raw-tree.js';
import {runCli} from '../helpers/run-cli.js';

const corpusRoot = resolve(fileURLToPath(new URL('../../', import.meta.url)), '../shared/corpus/maildir');
const DAY = 24 * 3600 * 1000;

const roots: string[] = [];
after(async () => {
	for (const root of roots) await fs.rm(root, {recursive: true, force: true});
});

/** Six messages without Received:, written 2010–2015 (Date:), each file at `fileTime(i, written)`. */
async function maildir(fileTime: (i: number, written: Date) => Date): Promise<{root: string; written: Date[]}> {
	const root = await fs.mkdtemp(join(tmpdir(), 'ms-copied-'));
	roots.push(root);
	const written = [0, 1, 2, 3, 4, 5].map((i) => new Date(Date.UTC(2010 + i, i, 10 + i, 8, 30, 0)));
	const files: RawFile[] = written.map((date, i) => ({
		path: [i % 2 === 0 ? 'cur' : 'new', `${1_300_000_000 + i}.M${i}P1.host${i % 2 === 0 ? ':2,S' : ''}`],
		content: `From: a@example.org\nSubject: message ${i}\nDate: ${date.toUTCString().replace('GMT', '+0000')}\nMessage-ID: <m${i}@example.org>\n\nBody ${i}.\n`,
		mtime: fileTime(i, date),
	}));
	await writeRawTree(root, [...files, {path: ['tmp'], content: null}]);
	return {root, written};
}

async function readTwice(root: string): Promise<{messages: SourceMessage[]; problems: ReaderProblem[]}> {
	const problems: ReaderProblem[] = [];
	const store = await MaildirStore.open(root, {onProblem: (problem) => problems.push(problem)});
	const [folder] = await store.listFolders();
	assert.ok(folder);
	let messages: SourceMessage[] = [];
	for (let pass = 0; pass < 2; pass += 1) {
		messages = [];
		for await (const message of store.messages(folder)) messages.push(message);
	}
	return {messages, problems};
}

const receivedDate = (message: SourceMessage): ReturnType<typeof chooseReceivedDate> =>
	chooseReceivedDate(message, parseHeaders(message.raw), Date.now(), new Date(0));

describe('MaildirStore: a folder copied without its file times', () => {
	test('Given a folder whose files were all written within seconds today, years after their Date: headers, when read, then the Date: header gives each received date and the folder is noted once', async () => {
		const copiedAt = Date.now() - 60_000;
		const {root, written} = await maildir((i) => new Date(copiedAt + i * 400));
		const {messages, problems} = await readTwice(root);
		assert.equal(messages.length, 6);
		assert.ok(messages.every((message) => message.storeDate === undefined), 'the copy time is not offered as a delivery time');
		const dates = messages.map((message) => receivedDate(message));
		assert.deepEqual(dates.map((d) => d.source), Array(6).fill('date-header'));
		assert.deepEqual(dates.map((d) => d.date.getTime()).sort(), written.map((d) => d.getTime()).sort());
		assert.deepEqual(problems.map((p) => [p.code, p.kind, p.folder]), [['MAILDIR_TIMES_LOST', 'warning', 'INBOX']], 'one note, although the folder was read twice');
		assert.match(problems[0]?.reason ?? '', /6 of 6 message files .* copied without its file times/);
	});

	test('Given a folder whose file times are the delivery times (minutes after each Date:), when read, then the file times are the received dates and nothing is noted', async () => {
		const {root, written} = await maildir((_i, date) => new Date(date.getTime() + 5 * 60_000));
		const {messages, problems} = await readTwice(root);
		assert.deepEqual(messages.map((m) => m.storeDate?.source), Array(6).fill('file-mtime'));
		assert.deepEqual(messages.map((m) => receivedDate(m).date.getTime()).sort(), written.map((d) => d.getTime() + 5 * 60_000).sort());
		assert.deepEqual(problems, []);
	});

	test('Given mail delivered in one burst right after it was written (a fetch of fresh mail), when read, then the file times stay the received dates', async () => {
		const {root} = await maildir((i) => new Date(Date.UTC(2015, 5, 15, 8, 31, i)));
		// Rewrite the Date: headers to a minute before the burst: fresh mail, not a copy.
		for (const sub of ['cur', 'new']) {
			for (const name of await fs.readdir(join(root, sub))) {
				const path = join(root, sub, name);
				const {mtime} = await fs.stat(path);
				await fs.writeFile(path, (await fs.readFile(path, 'latin1')).replace(/^Date: .*$/m, 'Date: Mon, 15 Jun 2015 08:30:00 +0000'), 'latin1');
				await fs.utimes(path, mtime, mtime);
			}
		}
		const {messages, problems} = await readTwice(root);
		assert.ok(messages.every((m) => m.storeDate?.source === 'file-mtime'));
		assert.deepEqual(problems, []);
	});

	test('Given a copied folder of which the consumer already holds all files but one (a resume), when read, then that one is judged with the whole folder: no copy time as its date, and a folder held whole is not even listed further', async () => {
		const copiedAt = Date.now() - 60_000;
		const {root} = await maildir((i) => new Date(copiedAt + i * 400));
		const store = await MaildirStore.open(root, {onProblem: () => {}});
		const [folder] = await store.listFolders();
		assert.ok(folder);
		const all: SourceMessage[] = [];
		for await (const message of store.messages(folder)) all.push(message);
		assert.equal(all.length, 6);
		const last = all.at(-1)!;
		const asked: string[] = [];
		const left: SourceMessage[] = [];
		for await (const message of store.messages(folder, undefined, {isKnown: (ref) => (asked.push(ref.key), ref.key !== last.ref.key)})) left.push(message);
		assert.equal(asked.length, 6, 'asked once per file');
		assert.deepEqual(left.map((m) => m.ref.key), [last.ref.key]);
		assert.equal(left[0]?.storeDate, undefined, 'the copy time is not its date, as when the folder is read whole');
		assert.equal(receivedDate(left[0]!).date.getTime(), receivedDate(last).date.getTime());
		const none: SourceMessage[] = [];
		for await (const message of store.messages(folder, undefined, {isKnown: () => true})) none.push(message);
		assert.deepEqual(none, []);
	});

	test('Given a copied Maildir, when migrated with the CLI (dry run), then the summary lists the note and the run exits 0', async () => {
		const {root} = await maildir((i) => new Date(Date.now() - 60_000 + i * 400));
		const result = await runCli(['migrate', root, '--dry-run', '--stats', '0']);
		assert.equal(result.code, 0, `stderr:\n${result.stderr}\nstdout:\n${result.stdout}`);
		assert.match(result.stdout, /Warnings: 1 maildir times lost/);
		assert.match(result.stdout + result.stderr, /copied without its file times/);
	});

	test('Given each real Maildir of the corpus copied without its file times, when read, then no message with a Received: or Date: header gets the copy time as its received date', async (t) => {
		if (!existsSync(corpusRoot)) {
			const reason = `corpus not found at ${corpusRoot}`;
			console.log(`skipping: ${reason}`);
			t.skip(reason);
			return;
		}
		const copy = await fs.mkdtemp(join(tmpdir(), 'ms-copied-corpus-'));
		roots.push(copy);
		const copiedAt = Date.now();
		let total = 0;
		let withoutReceived = 0;
		let today = 0;
		for (const name of await fs.readdir(corpusRoot)) {
			if (name.startsWith('neomutt')) continue; // detection fixtures, not mail
			await fs.cp(join(corpusRoot, name), join(copy, name), {recursive: true, preserveTimestamps: false});
			const store = await MaildirStore.open(join(copy, name));
			for (const folder of await store.listFolders()) {
				for await (const message of store.messages(folder)) {
					const fields = parseHeaders(message.raw);
					if (!fields.some((f) => f.name === 'date' || f.name === 'received')) continue;
					total += 1;
					if (!fields.some((f) => f.name === 'received')) withoutReceived += 1;
					if (receivedDate(message).date.getTime() > copiedAt - DAY) today += 1;
				}
			}
		}
		t.diagnostic(`${total} dated messages, ${withoutReceived} without Received:, ${today} dated "today"`);
		assert.ok(withoutReceived > 0, 'the corpus has messages without Received: (the case of the issue)');
		assert.equal(today, 0, 'no message is dated by the copy');
	});
});
