/**
 * Issue #12 item 8a(c): every mailbox mailshift fills is subscribed, also one that existed unsubscribed before
 * (Cyrus creates its special-use folders unsubscribed: servers.md §3; clients that show subscribed folders only
 * would hide Sent and Archive). Against the real Dovecot: an unsubscribed folder is created first, the migration
 * fills it, and LIST (SUBSCRIBED) must show it afterwards.
 */
import assert from 'node:assert/strict';
import {mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, test} from 'node:test';
import {ImapFlow} from 'imapflow';
import {dovecotSkipReason, startDovecot} from '../helpers/dovecot.js';
import type {PrivateDovecot} from '../helpers/dovecot.js';
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
	});
});
