/**
 * Client CPU per message (issue #14): the Maildir reader stats each message file once (its mtime serves both the
 * copy detection of copied-times.ts and the message's received date), where it used to stat every file twice.
 * Counted by wrapping fs.promises.stat, not timed; the messages read are the same (bytes, dates).
 */
import assert from 'node:assert/strict';
import {promises as fsPromises} from 'node:fs';
import {mkdir, mkdtemp, rm, utimes, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describe, mock, test} from 'node:test';
import type {SourceMessage} from '../../src/contracts/types.js';
import {MaildirStore} from '../../src/readers/maildir/maildir-store.js';

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
		const stat = mock.method(fsPromises, 'stat');
		t.after(() => stat.mock.restore());
		const store = await MaildirStore.open(root);
		const [folder] = await store.listFolders();
		assert.ok(folder);
		stat.mock.resetCalls();
		const messages: SourceMessage[] = [];
		for await (const message of store.messages(folder)) messages.push(message);
		await store.close();
		assert.equal(messages.length, files);
		const messageStats = stat.mock.calls.filter((call) => /\/(cur|new)\/\d+\.M/.test(String(call.arguments[0]))).length;
		assert.equal(messageStats, files, 'one stat per message file');
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
		const readFile = mock.method(fsPromises, 'readFile');
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
});
