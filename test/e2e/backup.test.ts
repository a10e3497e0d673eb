/**
 * End to end against a private Dovecot: `mailshift backup imap://…` copies what is on the server (bytes as
 * stored, flags, INTERNALDATE as mtimes) without changing anything there; and a backup of a migrated account,
 * migrated with the real CLI into a fresh user, gives the same content. The real corpus (../shared/corpus) is
 * backed up and verified when present (skipped, saying why, when absent).
 *
 * `runBackupCommand` is called directly (the lead wires `backup` into main.ts); migrations use the built CLI.
 */
import assert from 'node:assert/strict';
import {createHash} from 'node:crypto';
import {existsSync} from 'node:fs';
import {mkdtemp, readdir, readFile, rm, stat} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {PassThrough} from 'node:stream';
import {after, before, describe, test} from 'node:test';
import {ImapFlow} from 'imapflow';
import {runBackup} from '../../src/backup/backup-engine.js';
import {StoreBackupSource} from '../../src/backup/backup-source.js';
import {ImapBackupSource} from '../../src/backup/imap-source.js';
import {readManifest} from '../../src/backup/manifest.js';
import {verifyBackup} from '../../src/backup/verify-backup.js';
import {runBackupCommand} from '../../src/app/backup.js';
import type {CliIo} from '../../src/app/migrate.js';
import {EngineControls} from '../../src/contracts/controls.js';
import {isSkip, mapMessage} from '../../src/mapper/map-message.js';
import {openSource} from '../../src/readers/open-source.js';
import {folderLabel} from '../../src/contracts/source-store.js';
import {sampleMessages, writeSampleMaildir} from '../../src/testing/sample-store.js';
import {parseImapUrl} from '../../src/uploader/imap-target.js';
import {dovecotSkipReason, startDovecot} from '../helpers/dovecot.js';
import type {PrivateDovecot} from '../helpers/dovecot.js';
import {readAccount} from '../helpers/imap-readback.js';
import type {ServerMessage} from '../helpers/imap-readback.js';
import {REPO_ROOT, runCli} from '../helpers/run-cli.js';

const skip = dovecotSkipReason();
const CORPUS = join(REPO_ROOT, '..', 'shared', 'corpus');
const corpusSkip = existsSync(CORPUS) ? undefined : `the shared corpus is absent (${CORPUS}); backups of real stores skipped`;
if (corpusSkip) console.log(`# SKIP: ${corpusSkip}`);

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const flagsOf = (m: ServerMessage): string[] => [...m.flags].filter((f) => f !== '\\Recent').sort();
const seconds = (d: Date): number => Math.floor(d.getTime() / 1000);

function captureIo(env: NodeJS.ProcessEnv = {}): {io: CliIo; stdout: () => string; stderr: () => string} {
	let out = '';
	let err = '';
	const stdout = new PassThrough();
	const stderr = new PassThrough();
	stdout.on('data', (d: Buffer) => (out += d.toString()));
	stderr.on('data', (d: Buffer) => (err += d.toString()));
	return {io: {stdout: stdout as unknown as NodeJS.WriteStream, stderr: stderr as unknown as NodeJS.WriteStream, stdin: new PassThrough() as unknown as NodeJS.ReadStream, env}, stdout: () => out, stderr: () => err};
}

/** A fingerprint of an account's content: mailbox, bytes, flags and INTERNALDATE of every message. */
function contentOf(messages: readonly ServerMessage[]): string[] {
	return messages.map((m) => `${m.mailbox}|${sha(m.source)}|${flagsOf(m).join(' ')}|${seconds(m.internalDate)}`).sort();
}

describe('backup of an IMAP account', {skip}, () => {
	let server: PrivateDovecot;
	let work: string;
	before(async () => {
		server = await startDovecot({separator: '/', users: ['alice', 'bob', 'carol']});
		work = await mkdtemp(join(tmpdir(), 'ms-e2e-backup-'));
	});
	after(async () => {
		await server?.stop();
		await rm(work, {recursive: true, force: true});
	});

	test('Given messages uploaded with imapflow, when the account is backed up, then each file holds the server\'s bytes, its mtime is the INTERNALDATE, its name carries the flags, and nothing on the server changed', async () => {
		// Given: folders and messages with chosen flags, keywords and dates
		const client = new ImapFlow({host: server.host, port: server.port, secure: false, auth: {user: 'alice', pass: server.passwordOf('alice')}, logger: false});
		await client.connect();
		const uploads: Array<{mailbox: string; raw: string; flags: string[]; date: Date}> = [
			{mailbox: 'INBOX', raw: 'From: a@example.org\r\nSubject: read\r\nMessage-ID: <read@test>\r\n\r\nhello\r\n', flags: ['\\Seen'], date: new Date(Date.UTC(2003, 1, 3, 4, 5, 6))},
			{mailbox: 'INBOX', raw: 'Subject: unread, answered keyword\r\nMessage-ID: <kw@test>\r\n\r\nFrom the start\r\n>From quoted\r\n', flags: ['\\Answered', '\\Flagged', 'Work'], date: new Date(Date.UTC(2010, 6, 7, 8, 9, 10))},
			{mailbox: 'INBOX', raw: 'Subject: 8-bit\r\nMessage-ID: <8bit@test>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nGrüße aus Köln\r\n', flags: [], date: new Date(Date.UTC(2015, 11, 31, 23, 59, 59))},
			{mailbox: 'Projects/2024', raw: 'Subject: draft\r\n\r\nno message-id\r\n', flags: ['\\Draft', '\\Seen'], date: new Date(Date.UTC(2024, 0, 2, 3, 4, 5))},
			{mailbox: 'Reports: Q1?', raw: 'Subject: odd folder\r\nMessage-ID: <odd@test>\r\n\r\nx\r\n', flags: ['$Forwarded', '\\Seen'], date: new Date(Date.UTC(2019, 4, 5, 6, 7, 8))},
		];
		try {
			for (const box of ['Projects', 'Projects/2024', 'Reports: Q1?']) await client.mailboxCreate(box);
			for (const u of uploads) await client.append(u.mailbox, Buffer.from(u.raw, 'utf8'), u.flags, u.date);
		} finally {
			await client.logout();
		}
		const before = await readAccount(server, 'alice');
		const out = join(work, 'alice-backup');

		// When: backed up through the command
		const cli = captureIo({MAILSHIFT_PASSWORD: server.passwordOf('alice')});
		const code = await runBackupCommand({source: `imap://alice@127.0.0.1:${server.port}`, out, stats: 0}, cli.io);
		assert.equal(code, 0, cli.stderr());

		// Then: every server message is in the backup, byte for byte, with its flags and date
		const manifest = await readManifest(out);
		assert.equal(manifest.source.kind, 'imap');
		assert.equal(manifest.source.location, `imap://alice@127.0.0.1:${server.port}`);
		assert.equal(manifest.messages.length, before.messages.length);
		assert.equal(before.messages.length, uploads.length);
		for (const m of before.messages) {
			const entry = manifest.messages.find((e) => e.folder === m.mailbox && e.sha256 === sha(m.source));
			assert.ok(entry, `${m.mailbox} UID ${m.uid} is in the backup`);
			assert.equal(entry.key.endsWith(`.${m.uid}`), true, 'key = UIDVALIDITY.UID');
			const file = join(out, entry.path);
			assert.deepEqual(await readFile(file), m.source, `${entry.path}: the server's bytes`);
			assert.equal((await stat(file)).mtime.getTime(), m.internalDate.getTime(), `${entry.path}: mtime = INTERNALDATE`);
			assert.deepEqual([...entry.flags].sort(), flagsOf(m), `${entry.path}: flags`);
		}
		const kw = manifest.messages.find((e) => e.messageId === 'kw@test');
		assert.match(kw?.path ?? '', /:2,FRa$/, 'Answered, Flagged and keyword a (= Work, via dovecot-keywords)');
		assert.equal(await readFile(join(out, 'INBOX', 'dovecot-keywords'), 'utf8'), '0 Work\n');
		assert.ok(manifest.folders.some((f) => f.label === 'Reports: Q1?' && f.path === 'Reports%3A Q1%3F'), 'an unsafe mailbox name gets a safe path');
		for (const f of manifest.folders) assert.match(f.uidValidity ?? '', /^\d+$/, `${f.label}: UIDVALIDITY recorded`);
		assert.ok(['Sent', 'Drafts', 'Trash', 'Junk', 'Archive'].every((name) => manifest.folders.some((f) => f.label === name)), 'empty folders are backed up too');
		assert.ok((await verifyBackup(out)).isClean);

		// And nothing on the server changed (no \Seen set by reading, no message added or removed)
		const after = await readAccount(server, 'alice');
		assert.deepEqual(contentOf(after.messages), contentOf(before.messages));
	});

	test('Given tiny pages and batches, when the account is backed up, then the result is the same as with the defaults (paging loses nothing)', async () => {
		const target = parseImapUrl(`imap://alice@127.0.0.1:${server.port}`, false);
		const source = await ImapBackupSource.connect({target, password: server.passwordOf('alice'), pageSize: 2, batchBytes: 1});
		const out = join(work, 'alice-paged');
		try {
			const summary = await runBackup(source, {out, format: 'eml', force: false, includeTrashed: false, toolVersion: 'test'}, new EngineControls());
			assert.equal(summary.outcome, 'complete');
		} finally {
			await source.close();
		}
		const paged = await readManifest(out);
		const full = await readManifest(join(work, 'alice-backup'));
		assert.deepEqual(paged.messages.map((m) => `${m.folder}|${m.key}|${m.sha256}`).sort(), full.messages.map((m) => `${m.folder}|${m.key}|${m.sha256}`).sort());
	});

	test('Given a wrong password, when backing up, then the login is refused with exit 4 and nothing is written', async () => {
		const out = join(work, 'refused');
		const cli = captureIo({MAILSHIFT_PASSWORD: 'wrong'});
		assert.equal(await runBackupCommand({source: `imap://alice@127.0.0.1:${server.port}`, out, stats: 0}, cli.io), 4);
		assert.match(cli.stderr(), /Login to .* failed/);
		assert.equal(existsSync(out), false);
	});

	test('Given a migrated account, when backed up and the backup is migrated into a fresh user with the real CLI, then the fresh account has the same content', async () => {
		// Given: a sample Maildir migrated into bob with the real CLI
		const maildir = join(work, 'Maildir');
		await writeSampleMaildir(maildir, sampleMessages(30, 17));
		const migrated = await runCli(['migrate', maildir, '--to', `imap://bob@127.0.0.1:${server.port}`, '--stats', '0'], {env: {MAILSHIFT_PASSWORD: server.passwordOf('bob')}});
		assert.equal(migrated.code, 0, migrated.stderr);
		const bob = await readAccount(server, 'bob');
		assert.equal(bob.messages.length, 30);

		// When: bob's account is backed up, and the backup is migrated into carol
		const out = join(work, 'bob-backup');
		const cli = captureIo({MAILSHIFT_PASSWORD: server.passwordOf('bob')});
		assert.equal(await runBackupCommand({source: `imap://bob@127.0.0.1:${server.port}`, out, stats: 0}, cli.io), 0, cli.stderr());
		const restored = await runCli(['migrate', out, '--to', `imap://carol@127.0.0.1:${server.port}`, '--stats', '0'], {env: {MAILSHIFT_PASSWORD: server.passwordOf('carol')}});
		assert.equal(restored.code, 0, `${restored.stderr}\n${restored.stdout}`);

		// Then: same mailboxes, and every message with the same bytes, flags and INTERNALDATE
		const carol = await readAccount(server, 'carol');
		const selectable = (a: typeof bob): string[] => a.mailboxes.filter((m) => !m.flags.has('\\Noselect')).map((m) => m.path).sort();
		assert.deepEqual(selectable(carol), selectable(bob));
		assert.deepEqual(contentOf(carol.messages), contentOf(bob.messages));
	});
});

describe('backup of the real corpus', {skip: corpusSkip}, () => {
	let work: string;
	before(async () => {
		work = await mkdtemp(join(tmpdir(), 'ms-corpus-backup-'));
	});
	after(async () => {
		await rm(work, {recursive: true, force: true});
	});

	/** Messages the migration would upload, counted with openSource + mapMessage. */
	async function uploadable(path: string): Promise<number> {
		const store = await openSource(path, undefined);
		let n = 0;
		try {
			for (const folder of await store.listFolders()) {
				for await (const m of store.messages(folder)) if (!isSkip(mapMessage(m, folderLabel(folder.path), {includeTrashed: false, now: Date.now(), fallbackDate: new Date(0)}))) n++;
			}
		} finally {
			await store.close();
		}
		return n;
	}

	const mboxFiles = existsSync(CORPUS) ? ['thunderbird__mbox_mboxrd.mbox', 'mimekit__content-length.mbox', 'tika__complex.mbox'] : [];
	const pstFiles = existsSync(CORPUS) ? ['tika__testPST.pst', 'gopst__support.pst', 'javalibpst__dist-list.pst'] : [];
	const cases: Array<readonly [string, string]> = [['the Maildir trees', join(CORPUS, 'maildir')], ...mboxFiles.map((f) => [f, join(CORPUS, 'mbox', f)] as const), ...pstFiles.map((f) => [f, join(CORPUS, 'pst', f)] as const)];
	for (const [name, path] of cases) {
		test(`Given ${name} from the corpus, when backed up in each format, then every uploadable message is in it and --verify finds it clean`, async () => {
			const expected = await uploadable(path);
			for (const format of ['maildir', 'mbox', 'eml'] as const) {
				const out = join(work, `${name.replace(/\W/g, '_')}-${format}`);
				const source = await StoreBackupSource.open(path, undefined, {includeTrashed: false});
				try {
					const summary = await runBackup(source, {out, format, force: false, includeTrashed: false, toolVersion: 'test'}, new EngineControls());
					assert.equal(summary.outcome, 'complete');
					assert.equal(summary.messages, expected, `${format}: messages backed up`);
				} finally {
					await source.close();
				}
				const verified = await verifyBackup(out);
				assert.ok(verified.isClean, `${format}: ${JSON.stringify(verified.differences.slice(0, 3))}`);
				assert.ok((await readdir(out)).includes('manifest.json'));
			}
		});
	}
});
