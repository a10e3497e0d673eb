/**
 * Client CPU per message and the no-op re-run (issue #14): the Maildir reader stats each message file once when
 * it reads it (its mtime serves both the copy detection of copied-times.ts and the message's received date), and
 * a listing stats no file whose name states its size (Maildir++ `,S=`). Counted by wrapping node:fs's stat
 * functions, not timed; the messages read and the bytes counted are the same.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import {mkdir, mkdtemp, rm, utimes, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describe, mock, test} from 'node:test';
import type {SourceMessage} from '../../src/contracts/types.js';
import {MaildirStore, sizeInName} from '../../src/readers/maildir/maildir-store.js';

/** Counts stats of message files (names `<digits>.M…`), synchronous or not, until the test ends. */
function countMessageStats(t: {after: (fn: () => void) => void}): {count: () => number; reset: () => void} {
	const sync = mock.method(fs, 'statSync');
	const promised = mock.method(fs.promises, 'stat');
	t.after(() => {
		sync.mock.restore();
		promised.mock.restore();
	});
	const ofMessages = (calls: ReadonlyArray<{arguments: unknown[]}>): number => calls.filter((call) => /\/(cur|new)\/\d+\.M/.test(String(call.arguments[0]))).length;
	return {
		count: () => ofMessages(sync.mock.calls) + ofMessages(promised.mock.calls),
		reset: () => {
			sync.mock.resetCalls();
			promised.mock.resetCalls();
		},
	};
}

describe('file-system calls of the Maildir reader', () => {
	test('each message file is stat\'ed once, with its file time as the received date', async (t) => {
		const root = await mkdtemp(join(tmpdir(), 'ms-maildir-calls-'));
		t.after(() => rm(root, {recursive: true, force: true}));
		for (const sub of ['cur', 'new', 'tmp']) await mkdir(join(root, sub), {recursive: true});
		const files = 40;
		for (let i = 0; i < files; i++) {
			const path = join(root, i % 4 === 0 ? 'new' : 'cur', `${1000 + i}.M${i}P1.host${i % 4 === 0 ? '' : ':2,S'}`);
			await writeFile(path, `Subject: s${i}\nMessage-ID: <s${i}@calls.test>\nDate: Mon, 2 Mar 2009 08:00:00 +0000\n\n${'x'.repeat(i * 100)}\n`);
			// Delivery times days apart: not a copied folder, so each file's mtime is its received date.
			await utimes(path, new Date(Date.UTC(2009, 2, 2 + i)), new Date(Date.UTC(2009, 2, 2 + i)));
		}
		const stats = countMessageStats(t);
		const store = await MaildirStore.open(root);
		const [folder] = await store.listFolders();
		assert.ok(folder);
		stats.reset();
		const messages: SourceMessage[] = [];
		for await (const message of store.messages(folder)) messages.push(message);
		await store.close();
		assert.equal(messages.length, files);
		assert.equal(stats.count(), files, 'one stat per message file');
		for (const m of messages) {
			const i = Number(/<s(\d+)@/.exec(m.raw.toString())?.[1]);
			assert.equal(m.raw.length, `Subject: s${i}\nMessage-ID: <s${i}@calls.test>\nDate: Mon, 2 Mar 2009 08:00:00 +0000\n\n${'x'.repeat(i * 100)}\n`.length);
			assert.equal(m.storeDate?.date.getTime(), Date.UTC(2009, 2, 2 + i));
		}
	});

	test('for an upload (ReaderOptions.crlf) each file is read once, without fs.promises.readFile, with CRLF lines and the same keys', async (t) => {
		const root = await mkdtemp(join(tmpdir(), 'ms-maildir-crlf-'));
		t.after(() => rm(root, {recursive: true, force: true}));
		for (const sub of ['cur', 'new', 'tmp']) await mkdir(join(root, sub), {recursive: true});
		const stored = (i: number): string => `Subject: s${i}\nMessage-ID: <s${i}@crlf.test>\n\n${'line of text\n'.repeat(i * 50)}${i % 3 === 0 ? 'crlf already\r\n' : ''}end\n`;
		for (let i = 0; i < 12; i++) await writeFile(join(root, 'cur', `${2000 + i}.M${i}P1.host:2,S`), stored(i));
		const readFile = mock.method(fs.promises, 'readFile');
		t.after(() => readFile.mock.restore());
		const read = async (crlf: boolean): Promise<SourceMessage[]> => {
			const store = await MaildirStore.open(root, {crlf});
			const [folder] = await store.listFolders();
			const out: SourceMessage[] = [];
			for await (const message of store.messages(folder!)) out.push(message);
			await store.close();
			return out;
		};
		readFile.mock.resetCalls();
		const upload = await read(true);
		assert.equal(readFile.mock.calls.filter((call) => /\/cur\//.test(String(call.arguments[0]))).length, 0, 'no promise-based readFile per message');
		const backup = await read(false);
		assert.equal(upload.length, 12);
		for (const [n, message] of upload.entries()) {
			const i = Number(/<s(\d+)@/.exec(message.raw.toString())?.[1]);
			assert.equal(message.raw.toString(), stored(i).replace(/\r?\n/g, '\r\n'), 'CRLF lines for the upload');
			assert.equal(backup[n]!.raw.toString(), stored(i), 'the stored bytes for a backup');
			assert.deepEqual(message.ref, backup[n]!.ref, 'the same key either way');
		}
	});

	test('listing a Maildir whose file names state their size (,S=) stats none of those files and counts the sizes they state', async (t) => {
		const root = await mkdtemp(join(tmpdir(), 'ms-maildir-sizes-'));
		t.after(() => rm(root, {recursive: true, force: true}));
		for (const sub of ['cur', 'new', 'tmp']) await mkdir(join(root, sub), {recursive: true});
		let stated = 0;
		for (let i = 0; i < 30; i++) {
			const text = `Subject: s${i}\n\n${'y'.repeat(i * 10)}\n`;
			stated += text.length;
			// Dovecot's names: unique part, ,S=<file size>,W=<size with CRLF>, then the info suffix.
			await writeFile(join(root, i % 3 === 0 ? 'new' : 'cur', `${2000 + i}.M${i}P7.host,S=${text.length},W=${text.length + 2}${i % 3 === 0 ? '' : ':2,S'}`), text);
		}
		const plain = 'Subject: no size in my name\n\nbody\n';
		await writeFile(join(root, 'cur', '3000.M1P7.host:2,'), plain);
		const stats = countMessageStats(t);
		const store = await MaildirStore.open(root);
		stats.reset();
		const [folder] = await store.listFolders();
		await store.close();
		assert.deepEqual(folder, {path: ['INBOX'], count: 31, bytes: stated + plain.length});
		assert.equal(stats.count(), 1, 'only the file whose name states no size is stat\'ed');
	});
});

describe('the size a Maildir file name states', () => {
	const cases: ReadonlyArray<readonly [string, number | undefined, string]> = [
		['1234567890.M20046P2137.mailserver,S=4542,W=4642:2,Sb', 4542, 'Dovecot: S= then W=, then the info'],
		['1491941793.M41850P8566.mx1.example.com,S=10956;2,STln', 10956, 'S= ended by a Windows-safe info separator'],
		['1035478339.27041_118.foo.org,S=1000', 1000, 'S= at the end of the name'],
		['1035478339.27041_118.foo.org,S=1000!2,S', 1000, 'S= ended by Evolution\'s "!" separator'],
		['1035478339.27041_118.foo.org:2,S', undefined, 'no S= (mbsync, offlineimap names)'],
		['1035478339.host,W=1030:2,S', undefined, 'W= alone is the CRLF size, not the file\'s'],
		['1035478339.host,S=:2,S', undefined, 'S= without digits'],
		['1035478339.host,S=12x:2,S', undefined, 'S= followed by something other than a separator'],
		['1035478339.host,S=99999999999999999:2,S', undefined, 'a size of more than 15 digits'],
	];
	for (const [name, size, why] of cases) {
		test(`${why}: ${name} → ${size}`, () => {
			assert.equal(sizeInName(name), size);
		});
	}
});
