/**
 * End to end: the real CLI migrates a generated Outlook Express store (test/helpers/make-dbx.ts) into a
 * private Dovecot; the server is read back (bytes, \Seen, INTERNALDATE from OE's receive time), a re-run
 * uploads nothing. With the real OE6 corpus store when present: its one message lands byte-exact.
 */
import assert from 'node:assert/strict';
import {existsSync} from 'node:fs';
import {execFile} from 'node:child_process';
import {mkdir, mkdtemp, readdir, readFile, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join, resolve} from 'node:path';
import {after, before, describe, test} from 'node:test';
import {promisify} from 'node:util';

import {dovecotSkipReason, startDovecot} from '../helpers/dovecot.js';
import type {PrivateDovecot} from '../helpers/dovecot.js';
import {crlf, readAccount} from '../helpers/imap-readback.js';
import {foldersDbx, messageDbx} from '../helpers/make-dbx.js';
import {REPO_ROOT, runCli} from '../helpers/run-cli.js';

const skip = dovecotSkipReason();
const corpusStore = resolve(REPO_ROOT, '../shared/corpus/dbx/dbxoe__DbxOutlookExpressTests');

function mail(id: string, received: string | undefined): Buffer {
	return Buffer.from(`${received === undefined ? '' : `Received: from mx by pop; ${received}\r\n`}Date: Mon, 1 Mar 2004 08:00:00 +0000\r\nFrom: a@example.com\r\nMessage-ID: <${id}@example.com>\r\nSubject: ${id}\r\n\r\n${'body line\r\n'.repeat(80)}`);
}

describe('migrate an Outlook Express store', {skip}, () => {
	let server: PrivateDovecot;
	let work: string;

	before(async () => {
		server = await startDovecot({users: ['alice', 'bob']});
		work = await mkdtemp(join(tmpdir(), 'mailshift-dbx-e2e-'));
	});

	after(async () => {
		await server?.stop();
		if (work) await rm(work, {recursive: true, force: true});
	});

	test('folders, bytes, the read flag and the OE receive time arrive; a re-run uploads nothing', async () => {
		const store = join(work, 'Outlook Express');
		await mkdir(store);
		const inbox = [mail('in-1', 'Tue, 2 Mar 2004 10:00:00 +0000'), mail('in-2', undefined)];
		const receivedAt = new Date('2004-03-02T09:30:00.000Z');
		await writeFile(join(store, 'Folders.dbx'), foldersDbx([
			{id: 1, parent: 0, name: 'Local Folders', localStore: true},
			{id: 4, parent: 1, name: 'Inbox', fileName: 'Inbox.dbx', special: 1},
			{id: 5, parent: 1, name: 'Projects', fileName: 'Projects.dbx'},
			{id: 6, parent: 5, name: 'Old', fileName: 'Old.dbx'},
		]));
		await writeFile(join(store, 'Inbox.dbx'), messageDbx([
			{raw: inbox[0] ?? Buffer.alloc(0), index: 1, flags: 0x81, received: receivedAt},
			{raw: inbox[1] ?? Buffer.alloc(0), index: 2, flags: 0x01},
		]));
		await writeFile(join(store, 'Projects.dbx'), messageDbx([{raw: mail('proj-1', undefined), index: 1, flags: 0x80}]));
		await writeFile(join(store, 'Old.dbx'), messageDbx([{raw: mail('old-1', 'Wed, 3 Mar 2004 10:00:00 +0000'), index: 1, flags: 0}]));

		const env = {MAILSHIFT_PASSWORD: server.passwordOf('alice')};
		const args = ['migrate', store, '--to', `imap://alice@127.0.0.1:${server.port}`, '--stats', '0'];
		const first = await runCli(args, {env});
		assert.equal(first.code, 0, first.stderr);
		const account = await readAccount(server, 'alice');
		const byId = new Map(account.messages.map((message) => [message.messageId, message]));
		assert.deepEqual(byId.get('in-1@example.com')?.source, inbox[0]);
		assert.equal(byId.get('in-1@example.com')?.mailbox, 'INBOX');
		assert.ok(byId.get('in-1@example.com')?.flags.has('\\Seen'));
		assert.equal(byId.get('in-1@example.com')?.internalDate.toISOString(), receivedAt.toISOString(), 'the OE receive time wins');
		assert.ok(!byId.get('in-2@example.com')?.flags.has('\\Seen'));
		assert.equal(byId.get('in-2@example.com')?.internalDate.toISOString(), '2004-03-01T08:00:00.000Z', 'no receive time, no Received: the Date header');
		assert.equal(byId.get('proj-1@example.com')?.mailbox, 'Projects');
		assert.equal(byId.get('old-1@example.com')?.mailbox, 'Projects/Old');
		assert.equal(byId.get('old-1@example.com')?.internalDate.toISOString(), '2004-03-03T10:00:00.000Z');

		const report = join(work, 'second.json');
		const second = await runCli([...args, '--report', report], {env});
		assert.equal(second.code, 0, second.stderr);
		assert.equal((JSON.parse(await readFile(report, 'utf8')) as {totals: {uploaded: number}}).totals.uploaded, 0);
		assert.equal((await readAccount(server, 'alice')).messages.length, 4);
	});

	test('the real Outlook Express 6 store migrates its message byte-exact', async (t) => {
		if (!existsSync(corpusStore)) return t.skip(`corpus absent: ${corpusStore}`);
		const result = await runCli(['migrate', corpusStore, '--to', `imap://bob@127.0.0.1:${server.port}`, '--stats', '0'], {env: {MAILSHIFT_PASSWORD: server.passwordOf('bob')}});
		assert.equal(result.code, 0, result.stderr);
		const messages = (await readAccount(server, 'bob')).messages;
		assert.equal(messages.length, 1);
		const uploaded = messages[0]?.source ?? Buffer.alloc(0);
		assert.match(uploaded.toString('latin1'), /Welcome to Outlook Express 6/);
		if (!existsSync('/usr/bin/undbx')) return t.diagnostic('undbx is not installed: bytes not compared with the oracle');
		const out = join(work, 'undbx');
		await mkdir(out);
		await promisify(execFile)('undbx', [join(corpusStore, 'Inbox.dbx'), out]);
		const [name] = (await readdir(join(out, 'Inbox'))).filter((file) => file.endsWith('.eml'));
		assert.deepEqual(uploaded, crlf(await readFile(join(out, 'Inbox', name ?? ''))), 'the uploaded message is undbx\'s bytes (CRLF line ends)');
	});
});
