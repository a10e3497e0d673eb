/**
 * Issue #12 item 8a(c): every mailbox mailshift fills is subscribed, also one that existed unsubscribed before
 * (Cyrus creates its special-use folders unsubscribed: servers.md §3; clients that show subscribed folders only
 * would hide Sent and Archive). Against the real Dovecot: an unsubscribed folder is created first, the migration
 * fills it, and LIST (SUBSCRIBED) must show it afterwards. A re-run sends no SUBSCRIBE for what the LIST says is
 * subscribed already (issue #14: no round trip and no write of the server's subscriptions file per folder).
 */
import assert from 'node:assert/strict';
import {mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, test} from 'node:test';
import {ImapFlow} from 'imapflow';
import {dovecotSkipReason, startDovecot} from '../helpers/dovecot.js';
import type {PrivateDovecot} from '../helpers/dovecot.js';
import {recordingProxy} from '../helpers/recording-proxy.js';
import {runCli} from '../helpers/run-cli.js';

const skip = dovecotSkipReason();

describe('subscribing the mailboxes a migration fills', {skip}, () => {
	let server: PrivateDovecot;
	let work: string;
	before(async () => {
		server = await startDovecot({users: ['alice'], specialUse: false});
		work = await mkdtemp(join(tmpdir(), 'ms-subscribe-'));
	});
	after(async () => {
		await server?.stop();
		await rm(work, {recursive: true, force: true});
	});

	const connect = async (): Promise<ImapFlow> => {
		const client = new ImapFlow({host: '127.0.0.1', port: server.port, secure: false, auth: {user: 'alice', pass: server.passwordOf('alice')}, logger: false});
		await client.connect();
		return client;
	};
	const subscribed = async (client: ImapFlow): Promise<string[]> => (await client.list()).filter((m) => m.subscribed === true).map((m) => m.path).sort();

	test('a folder that existed unsubscribed on the server is subscribed once mailshift has migrated into it', async () => {
		// Given a server folder "Projects" that exists but is not subscribed, and one that mailshift will create
		const admin = await connect();
		try {
			await admin.mailboxCreate('Projects');
			await admin.mailboxUnsubscribe('Projects');
			assert.deepEqual((await subscribed(admin)).filter((p) => p !== 'INBOX'), [], 'precondition: nothing subscribed');
		} finally {
			await admin.logout();
		}
		const root = join(work, 'Maildir');
		for (const folder of ['.Projects', '.Brand new']) {
			for (const sub of ['cur', 'new', 'tmp']) await mkdir(join(root, folder, sub), {recursive: true});
			await writeFile(join(root, folder, 'cur', '1.M1.h:2,S'), `Subject: ${folder}\nMessage-ID: <${folder}@t>\nDate: Mon, 2 Mar 2009 08:00:00 +0000\n\nx\n`);
		}
		for (const sub of ['cur', 'new', 'tmp']) await mkdir(join(root, sub), {recursive: true});

		// When it is migrated
		const run = await runCli(['migrate', root, '--to', `imap://alice@127.0.0.1:${server.port}`, '--stats', '0'], {env: {MAILSHIFT_PASSWORD: server.passwordOf('alice')}});
		assert.equal(run.code, 0, run.stdout + run.stderr);

		// Then LIST shows both folders as subscribed (imapflow's list() merges LSUB / LIST (SUBSCRIBED))
		const client = await connect();
		try {
			const names = await subscribed(client);
			assert.ok(names.includes('Projects'), `Projects subscribed: ${names.join(', ')}`);
			assert.ok(names.includes('Brand new'), `Brand new subscribed: ${names.join(', ')}`);
		} finally {
			await client.logout();
		}

		// And when the same folders are migrated again (a new message in one, without a journal: every folder is set
		// up again), through a proxy that records what the client sends
		await writeFile(join(root, '.Projects', 'cur', '2.M2.h:2,S'), 'Subject: two\nMessage-ID: <two@t>\nDate: Mon, 2 Mar 2009 09:00:00 +0000\n\ny\n');
		const proxy = await recordingProxy(server.port);
		try {
			const again = await runCli(['migrate', root, '--to', `imap://alice@127.0.0.1:${proxy.port}`, '--stats', '0', '--new-journal', '--no-verify'], {env: {MAILSHIFT_PASSWORD: server.passwordOf('alice')}});
			assert.equal(again.code, 0, again.stdout + again.stderr);
		} finally {
			proxy.close();
		}
		// Then it sent no SUBSCRIBE (both are listed as subscribed), and still uploaded the new message
		const sent = Buffer.concat(proxy.client).toString('latin1');
		assert.ok(/ APPEND /i.test(sent), 'the new message was sent');
		assert.deepEqual(sent.split('\r\n').filter((line) => / (UN)?SUBSCRIBE /i.test(line)), []);
	});
});
