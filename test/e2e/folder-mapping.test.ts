/**
 * Folder mapping against real servers: a Courier-style namespace (prefix "INBOX.", separator "."), and the
 * user's --map / --exclude / --prefix rules. The server is read back with LIST.
 */
import assert from 'node:assert/strict';
import {mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, test} from 'node:test';
import {dovecotSkipReason, startDovecot} from '../helpers/dovecot.js';
import type {PrivateDovecot} from '../helpers/dovecot.js';
import {readAccount} from '../helpers/imap-readback.js';
import {runCli} from '../helpers/run-cli.js';

const skip = dovecotSkipReason();

/** A Maildir++ tree: one message per folder, Message-ID = folder name. */
async function tree(root: string, folders: readonly string[]): Promise<void> {
	for (const folder of folders) {
		const dir = folder === '' ? root : join(root, `.${folder}`);
		for (const sub of ['cur', 'new', 'tmp']) await mkdir(join(dir, sub), {recursive: true});
		const id = folder === '' ? 'inbox' : folder;
		await writeFile(join(dir, 'cur', '1.M1.h:2,S'), `Subject: ${id}\nMessage-ID: <${id}@t>\nDate: Mon, 2 Mar 2009 08:00:00 +0000\n\nx\n`);
	}
}

async function whereIs(server: PrivateDovecot, user: string): Promise<Record<string, string>> {
	const account = await readAccount(server, user);
	return Object.fromEntries(account.messages.map((m) => [m.messageId ?? '', m.mailbox]));
}

describe('a server whose personal namespace is "INBOX." with separator "."', {skip}, () => {
	let server: PrivateDovecot;
	let work: string;
	before(async () => {
		server = await startDovecot({separator: '.', prefix: 'INBOX.', users: ['alice']});
		work = await mkdtemp(join(tmpdir(), 'ms-ns-'));
	});
	after(async () => {
		await server?.stop();
		await rm(work, {recursive: true, force: true});
	});

	test('folders are created below INBOX. and special folders map to the server\'s INBOX.Sent', async () => {
		const root = join(work, 'Maildir');
		await tree(root, ['', 'Projects', 'Projects.Alpha', 'Sent Items', 'Deleted Items']);
		const result = await runCli(['migrate', root, '--to', `imap://alice@127.0.0.1:${server.port}`, '--stats', '0'], {env: {MAILSHIFT_PASSWORD: server.passwordOf('alice')}});
		assert.equal(result.code, 0, result.stderr);
		assert.deepEqual(await whereIs(server, 'alice'), {
			'inbox@t': 'INBOX',
			'Projects@t': 'INBOX.Projects',
			'Projects.Alpha@t': 'INBOX.Projects.Alpha',
			'Sent Items@t': 'INBOX.Sent',
			'Deleted Items@t': 'INBOX.Trash',
		});
	});
});

describe('the user\'s mapping rules', {skip}, () => {
	let server: PrivateDovecot;
	let work: string;
	before(async () => {
		server = await startDovecot({separator: '/', users: ['alice', 'bob', 'carol']});
		work = await mkdtemp(join(tmpdir(), 'ms-map-'));
	});
	after(async () => {
		await server?.stop();
		await rm(work, {recursive: true, force: true});
	});

	test('--map moves a folder and its subfolders, --exclude skips folders by glob', async () => {
		const root = join(work, 'm1');
		await tree(root, ['', 'Old', 'Old.2019', 'Junk E-mail', 'Private', 'Private.Taxes', 'Keep']);
		const result = await runCli(['migrate', root, '--to', `imap://alice@127.0.0.1:${server.port}`, '--stats', '0',
			'--map', 'Old=Archive/Old Mail', '--exclude', 'private'], {env: {MAILSHIFT_PASSWORD: server.passwordOf('alice')}});
		assert.equal(result.code, 0, result.stderr);
		assert.deepEqual(await whereIs(server, 'alice'), {
			'inbox@t': 'INBOX',
			'Old@t': 'Archive/Old Mail',
			'Old.2019@t': 'Archive/Old Mail/2019',
			'Junk E-mail@t': 'Junk',
			'Keep@t': 'Keep',
		});
	});

	test('--prefix puts the whole tree, Inbox and Sent included, below one folder', async () => {
		const root = join(work, 'm2');
		await tree(root, ['', 'Sent Items', 'Work']);
		const result = await runCli(['migrate', root, '--to', `imap://bob@127.0.0.1:${server.port}`, '--stats', '0', '--prefix', 'Imported/Old PC'],
			{env: {MAILSHIFT_PASSWORD: server.passwordOf('bob')}});
		assert.equal(result.code, 0, result.stderr);
		assert.deepEqual(await whereIs(server, 'bob'), {
			'inbox@t': 'Imported/Old PC/INBOX',
			'Sent Items@t': 'Imported/Old PC/Sent Items',
			'Work@t': 'Imported/Old PC/Work',
		});
	});

	test('a "." in a folder name on a Maildir++ server with "/" is replaced and reported, not lost', async () => {
		// Dovecot's Maildir++ layout with separator "/" refuses "." in names (servers.md §3).
		const root = join(work, 'm3');
		await mkdir(join(root, 'cur'), {recursive: true});
		await mkdir(join(root, 'new'), {recursive: true});
		await mkdir(join(root, 'v1.2', 'cur'), {recursive: true});
		await mkdir(join(root, 'v1.2', 'new'), {recursive: true});
		await writeFile(join(root, 'v1.2', 'cur', '1.M1.h:2,S'), 'Subject: dotted\nMessage-ID: <dotted@t>\nDate: Mon, 2 Mar 2009 08:00:00 +0000\n\nx\n');
		const result = await runCli(['migrate', root, '--to', `imap://carol@127.0.0.1:${server.port}`, '--stats', '0'], {env: {MAILSHIFT_PASSWORD: server.passwordOf('carol')}});
		assert.equal(result.code, 0, result.stderr + result.stdout);
		assert.deepEqual(await whereIs(server, 'carol'), {'dotted@t': 'v1_2'});
		assert.match(result.stderr, /does not allow "\." in folder names/);
	});
});
