/**
 * End to end (issue #12 item 1): a Maildir++ tree and an mbox directory whose folder and file names are not
 * UTF-8 (Latin-1 copies from old systems), written through Buffer paths, are migrated by the real CLI into a
 * private Dovecot; every message must arrive (read back independently), verify must agree, the run must exit
 * 0, and `mailshift backup` of the same trees must complete with every message.
 */
import assert from 'node:assert/strict';
import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, test} from 'node:test';
import {readManifest} from '../../src/backup/manifest.js';
import {dovecotSkipReason, startDovecot} from '../helpers/dovecot.js';
import type {PrivateDovecot} from '../helpers/dovecot.js';
import {readAccount} from '../helpers/imap-readback.js';
import {sampleMessage} from '../helpers/make-maildir.js';
import {writeRawTree} from '../helpers/raw-tree.js';
import {runCli} from '../helpers/run-cli.js';

const skip = dovecotSkipReason();
const latin1 = (text: string): Buffer => Buffer.from(text, 'latin1');
const mboxOf = (...subjects: string[]): string => subjects.map((s) => `From alice@example.org Mon Jan  1 10:00:00 2001\n${sampleMessage(s)}\n`).join('');

describe('stores with names that are not UTF-8, through the CLI', {skip}, () => {
	let server: PrivateDovecot;
	let work: string;
	before(async () => {
		server = await startDovecot({separator: '/', users: ['alice', 'bob']});
		work = await mkdtemp(join(tmpdir(), 'ms-e2e-names-'));
	});
	after(async () => {
		await server?.stop();
		await rm(work, {recursive: true, force: true});
	});

	test('Given a Maildir++ tree with Latin-1 folder and file names, when migrated and backed up, then every message is on the server under the decoded folder name and in the backup', async () => {
		const root = join(work, 'Maildir');
		await writeRawTree(root, [
			{path: ['cur', '1000.inbox.host:2,S'], content: sampleMessage('inbox')},
			{path: ['new'], content: null},
			{path: [latin1('.\xff\xfebad'), 'cur', '1001.a.host:2,S'], content: sampleMessage('bad one')},
			{path: [latin1('.\xff\xfebad'), 'new', latin1('1002.\xe9t\xe9.host')], content: sampleMessage('bad two')},
			{path: [latin1('.Entw\xfcrfe'), 'cur', latin1('1003.\xe9t\xe9.host:2,S')], content: sampleMessage('draft')},
			{path: [latin1('.Entw\xfcrfe'), 'new'], content: null},
		]);
		const result = await runCli(['migrate', root, '--to', `imap://alice@127.0.0.1:${server.port}`, '--stats', '0'], {env: {MAILSHIFT_PASSWORD: server.passwordOf('alice')}});
		assert.equal(result.code, 0, `stderr:\n${result.stderr}\nstdout:\n${result.stdout}`);
		assert.match(result.stdout, /Verify: OK — all 4 messages/);
		const account = await readAccount(server, 'alice');
		const placed = account.messages.map((m) => `${m.mailbox}: ${/^Subject: (.*)$/m.exec(m.source.toString('utf8'))?.[1] ?? '?'}`).sort();
		assert.deepEqual(placed, ['Drafts: draft', 'INBOX: inbox', 'ÿþbad: bad one', 'ÿþbad: bad two']);

		const out = join(work, 'maildir-backup');
		const backup = await runCli(['backup', root, '--out', out, '--stats', '0']);
		assert.equal(backup.code, 0, `stderr:\n${backup.stderr}\nstdout:\n${backup.stdout}`);
		const manifest = await readManifest(out);
		assert.deepEqual(manifest.messages.map((m) => m.folder).sort(), ['Entwürfe', 'INBOX', 'ÿþbad', 'ÿþbad'], 'every message is in the backup');
		assert.equal(manifest.failed.length, 0);
	});

	test('Given an mbox directory with Latin-1 file names, when migrated, then every message arrives under the decoded folder name', async () => {
		const root = join(work, 'mbox');
		await writeRawTree(root, [
			{path: [latin1('Gel\xf6scht')], content: mboxOf('one', 'two')},
			{path: [latin1('Kunden \xc4.mbox')], content: mboxOf('three')},
		]);
		const result = await runCli(['migrate', root, '--to', `imap://bob@127.0.0.1:${server.port}`, '--stats', '0'], {env: {MAILSHIFT_PASSWORD: server.passwordOf('bob')}});
		assert.equal(result.code, 0, `stderr:\n${result.stderr}\nstdout:\n${result.stdout}`);
		const account = await readAccount(server, 'bob');
		const placed = account.messages.map((m) => `${m.mailbox}: ${/^Subject: (.*)$/m.exec(m.source.toString('utf8'))?.[1] ?? '?'}`).sort();
		assert.deepEqual(placed, ['Gelöscht: one', 'Gelöscht: two', 'Kunden Ä: three']);
	});
});
