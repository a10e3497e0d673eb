/**
 * End to end: a POP3 account (Dovecot's pop3d in the private Dovecot) is the source. The real CLI migrates
 * what is on it into another account's INBOX, the server is read back, a re-run uploads nothing, and the POP
 * maildrop is unchanged (same UIDL list, same messages): no DELE is ever sent.
 */
import assert from 'node:assert/strict';
import {existsSync} from 'node:fs';
import {mkdtemp, readFile, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, test} from 'node:test';

import {ImapFlow} from 'imapflow';

import {Pop3Client} from '../../src/readers/pop3/pop3-client.js';
import {Pop3Store} from '../../src/readers/pop3/pop3-store.js';
import {dovecotSkipReason, startDovecot} from '../helpers/dovecot.js';
import type {PrivateDovecot} from '../helpers/dovecot.js';
import {readAccount} from '../helpers/imap-readback.js';
import {runCli} from '../helpers/run-cli.js';

const skip = dovecotSkipReason() ?? (existsSync('/usr/lib/dovecot/pop3') ? undefined : 'dovecot-pop3d is not installed (apt-get install dovecot-pop3d)');

const messages = [
	Buffer.from('Received: from mx by pop.example; Tue, 3 Mar 2009 10:00:00 +0100\r\nDate: Mon, 2 Mar 2009 08:00:00 +0000\r\nFrom: a@example.com\r\nMessage-ID: <pop-1@example.com>\r\nSubject: received wins\r\n\r\nHello.\r\n'),
	Buffer.from('Date: Wed, 4 Mar 2009 12:00:00 +0000\r\nFrom: b@example.com\r\nMessage-ID: <pop-2@example.com>\r\nSubject: date only\r\n\r\n.leading dot line\r\n..two dots\r\n.\r\nend\r\n'),
	Buffer.from(`Received: from mx by pop.example; Thu, 5 Mar 2009 09:00:00 +0000\r\nFrom: c@example.com\r\nMessage-ID: <pop-3@example.com>\r\nSubject: bigger\r\n\r\n${'line of text\r\n'.repeat(20_000)}`),
];
const expectedDates = ['2009-03-03T09:00:00.000Z', '2009-03-04T12:00:00.000Z', '2009-03-05T09:00:00.000Z'];

async function uidlList(server: PrivateDovecot): Promise<Array<{number: number; uid: string}>> {
	const client = await Pop3Client.login({host: server.host, port: server.pop3Port ?? 0, security: 'stls', insecure: true}, 'alice', server.passwordOf('alice'));
	try {
		return await client.uidl();
	} finally {
		await client.quit();
	}
}

describe('POP3 server as a source', {skip}, () => {
	let server: PrivateDovecot;
	let work: string;

	before(async () => {
		server = await startDovecot({users: ['alice', 'bob'], pop3: true, tls: true});
		work = await mkdtemp(join(tmpdir(), 'mailshift-pop3-'));
		const imap = new ImapFlow({host: server.host, port: server.port, secure: false, auth: {user: 'alice', pass: server.passwordOf('alice')}, logger: false, tls: {rejectUnauthorized: false}});
		await imap.connect();
		for (const raw of messages) await imap.append('INBOX', raw, [], new Date('2020-01-01T00:00:00Z'));
		await imap.logout();
	});

	after(async () => {
		await server?.stop();
		if (work) await rm(work, {recursive: true, force: true});
	});

	test('the store reads the maildrop over STLS, keyed by UIDL, byte-exact and dot-unstuffed', async () => {
		const store = await Pop3Store.open(`pop3://alice@127.0.0.1:${server.pop3Port}`, {password: server.passwordOf('alice'), insecure: true, forceStls: true});
		try {
			const [folder] = await store.listFolders();
			assert.deepEqual(folder?.path, ['INBOX']);
			assert.equal(folder?.count, 3);
			const read = [];
			for await (const message of store.messages(folder ?? {path: ['INBOX']})) read.push(message);
			assert.deepEqual(read.map((message) => message.raw), messages);
			assert.deepEqual(read.map((message) => message.ref.key), (await uidlList(server)).map((entry) => entry.uid));
		} finally {
			await store.close();
		}
	});

	test('a wrong source password is AUTH_FAILED and the password is not in the message', async () => {
		await assert.rejects(Pop3Store.open(`pop3://alice@127.0.0.1:${server.pop3Port}`, {password: 'wrong-secret-xyz'}), (error: Error & {code?: string}) => error.code === 'AUTH_FAILED' && !error.message.includes('wrong-secret-xyz'));
	});

	test('migrate pop3:// uploads every message with its Received/Date date, a re-run uploads nothing, and the maildrop is unchanged', async () => {
		const before = await uidlList(server);
		assert.equal(before.length, 3);
		const env = {MAILSHIFT_PASSWORD: server.passwordOf('bob'), MAILSHIFT_SOURCE_PASSWORD: server.passwordOf('alice')};
		const args = ['migrate', `pop3://alice@127.0.0.1:${server.pop3Port}`, '--to', `imap://bob@127.0.0.1:${server.port}`, '--insecure', '--stats', '0'];
		const first = await runCli([...args, '--report', join(work, 'first.json')], {env});
		assert.equal(first.code, 0, first.stderr);
		assert.ok(!first.stderr.includes(server.passwordOf('alice')) && !first.stdout.includes(server.passwordOf('alice')));
		const bob = await readAccount(server, 'bob');
		const inbox = bob.messages.filter((message) => message.mailbox === 'INBOX').sort((a, b) => a.uid - b.uid);
		assert.deepEqual(inbox.map((message) => message.source), messages);
		assert.deepEqual(inbox.map((message) => message.internalDate.toISOString()), expectedDates);

		const second = await runCli([...args, '--report', join(work, 'second.json')], {env});
		assert.equal(second.code, 0, second.stderr);
		const report = JSON.parse(await readFile(join(work, 'second.json'), 'utf8')) as {totals: {uploaded: number; found: number}};
		assert.equal(report.totals.uploaded, 0);
		assert.equal(report.totals.found, 3);
		assert.equal((await readAccount(server, 'bob')).messages.length, 3);
		const verify = await runCli(['verify', ...args.slice(1).filter((a) => a !== '--stats' && a !== '0')], {env});
		assert.equal(verify.code, 0, verify.stderr + verify.stdout);

		assert.deepEqual(await uidlList(server), before, 'the POP maildrop is unchanged');
		const alice = await readAccount(server, 'alice');
		assert.equal(alice.messages.filter((message) => message.mailbox === 'INBOX').length, 3);
		// Dovecot marks what RETR fetched as \Seen when the session ends with QUIT; the old account's read state
		// must not change (its owner may still read it with another program).
		assert.deepEqual(alice.messages.filter((message) => message.flags.has('\\Seen')).map((message) => message.uid), [], 'no message of the POP account was marked read');
		assert.ok(!(await server.logText()).match(/pop3.*DELE/i));
	});
});
