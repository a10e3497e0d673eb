/**
 * `mailshift backup` of local stores: what is written equals what the migration would upload (mapMessage's
 * job: bytes, flags, INTERNALDATE), in each format, read back through mailshift's own readers; `--verify`
 * finds a fresh backup clean and names every changed, missing, extra or re-dated file.
 */
import assert from 'node:assert/strict';
import {createHash} from 'node:crypto';
import {mkdir, mkdtemp, readFile, rm, stat, utimes, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {PassThrough} from 'node:stream';
import {after, before, describe, test} from 'node:test';
import {runBackup} from '../../src/backup/backup-engine.js';
import type {BackupFormat} from '../../src/backup/backup-layout.js';
import {StoreBackupSource} from '../../src/backup/backup-source.js';
import {readManifest} from '../../src/backup/manifest.js';
import {verifyBackup} from '../../src/backup/verify-backup.js';
import {runBackupCommand} from '../../src/app/backup.js';
import type {CliIo} from '../../src/app/migrate.js';
import {EngineControls} from '../../src/contracts/controls.js';
import {isSkip, mapMessage} from '../../src/mapper/map-message.js';
import {MaildirStore} from '../../src/readers/maildir/maildir-store.js';
import {MboxStore} from '../../src/readers/mbox/mbox-store.js';
import {openSource} from '../../src/readers/open-source.js';
import {folderLabel} from '../../src/contracts/source-store.js';
import {sampleMessages, writeSampleMaildir, writeSampleThunderbird} from '../../src/testing/sample-store.js';

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

type Expected = Readonly<{content: Buffer; flags: readonly string[]; date: Date} | {skip: string}>;

/** What the migration would do with every message: computed here with openSource + mapMessage, independently of the backup. */
async function expectedJobs(path: string): Promise<Map<string, Expected>> {
	const store = await openSource(path, undefined);
	const fallbackDate = (await stat(path)).mtime;
	const out = new Map<string, Expected>();
	try {
		for (const folder of await store.listFolders()) {
			for await (const message of store.messages(folder)) {
				const mapped = mapMessage(message, folderLabel(folder.path), {includeTrashed: false, now: Date.now(), fallbackDate});
				out.set(`${message.ref.folder}\u0000${message.ref.key}`, isSkip(mapped) ? {skip: mapped.code} : {content: mapped.job.content, flags: mapped.job.flags, date: mapped.job.internalDate});
			}
		}
	} finally {
		await store.close();
	}
	return out;
}

export function captureIo(env: NodeJS.ProcessEnv = {}): {io: CliIo; stdout: () => string; stderr: () => string} {
	let out = '';
	let err = '';
	const stdout = new PassThrough();
	const stderr = new PassThrough();
	stdout.on('data', (d: Buffer) => (out += d.toString()));
	stderr.on('data', (d: Buffer) => (err += d.toString()));
	return {io: {stdout: stdout as unknown as NodeJS.WriteStream, stderr: stderr as unknown as NodeJS.WriteStream, stdin: new PassThrough() as unknown as NodeJS.ReadStream, env}, stdout: () => out, stderr: () => err};
}

async function backup(sourcePath: string, out: string, format: BackupFormat): Promise<Awaited<ReturnType<typeof runBackup>>> {
	const source = await StoreBackupSource.open(sourcePath, undefined, {includeTrashed: false});
	try {
		return await runBackup(source, {out, format, force: false, includeTrashed: false, toolVersion: 'test'}, new EngineControls());
	} finally {
		await source.close();
	}
}

/** A Maildir++ tree from the sample generator plus edge cases: keywords, trashed, CRLF, LF, no Received. */
async function buildMaildir(root: string): Promise<void> {
	await writeSampleMaildir(root, sampleMessages(35, 7));
	const edge = join(root, '.Edge');
	for (const sub of ['cur', 'new', 'tmp']) await mkdir(join(edge, sub), {recursive: true});
	await writeFile(join(edge, 'dovecot-keywords'), '0 $Junk\n1 Work\n');
	const put = async (name: string, text: string, mtime = new Date(Date.UTC(2011, 4, 6, 7, 8, 9))): Promise<void> => {
		await writeFile(join(edge, name), text);
		await utimes(join(edge, name), mtime, mtime);
	};
	await put('cur/1000000001.M1P1.host:2,Sab', 'Message-ID: <kw@test>\nSubject: keywords\n\nbody\n');
	await put('cur/1000000002.M2P1.host:2,ST', 'Message-ID: <trashed@test>\nSubject: trashed\n\nbody\n');
	await put('cur/1000000003.M3P1.host:2,RS', 'Received: by mx; 1 Jan 2001 00:00:01 +0000\r\nMessage-ID: <crlf@test>\r\n\r\nline\r\n');
	await put('new/1000000004.M4P1.host', 'Message-ID: <no-newline@test>\nSubject: x\n\nFrom the start, no newline at the end');
}

describe('backup of local stores', () => {
	let work: string;
	let maildir: string;
	let thunderbird: string;
	let bigMbox: string;
	before(async () => {
		work = await mkdtemp(join(tmpdir(), 'ms-backup-'));
		maildir = join(work, 'Maildir');
		await buildMaildir(maildir);
		thunderbird = join(work, 'Local Folders');
		await writeSampleThunderbird(thunderbird, sampleMessages(28, 11));
		// A message of 1 MiB or more is handed over in the reader's own buffer and made CRLF there (not copied).
		bigMbox = join(work, 'big.mbox');
		const big = `Message-ID: <big@test>\nSubject: big\nDate: Mon, 2 Mar 2009 08:00:00 +0000\n\n${'line of the big one\n'.repeat(80_000)}end\n`;
		await writeFile(bigMbox, `From a@b Mon Mar  2 08:00:00 2009\nMessage-ID: <small@test>\n\nsmall\n\nFrom a@b Mon Mar  2 08:01:00 2009\n${big}\nFrom a@b Mon Mar  2 08:02:00 2009\nMessage-ID: <after@test>\n\nafter\n`);
	});
	after(async () => {
		await rm(work, {recursive: true, force: true});
	});

	for (const [name, store] of [['a generated Maildir++ tree', (): string => maildir], ['a Thunderbird mbox tree', (): string => thunderbird], ['an mbox with a 1.6 MB message', (): string => bigMbox]] as const) {
		test(`Given ${name}, when backed up as maildir, then every file holds exactly the bytes, flags and date mapMessage produces, and the Maildir reader reads them back`, async () => {
			const out = join(work, `out-maildir-${name.length}`);
			const expected = await expectedJobs(store());
			const summary = await backup(store(), out, 'maildir');
			assert.equal(summary.outcome, 'complete');
			const manifest = await readManifest(out);
			const messages = [...expected.values()].filter((e) => !('skip' in e));
			assert.equal(manifest.messages.length, messages.length, 'one manifest entry per message the migration would upload');
			assert.equal(manifest.skipped.length, expected.size - messages.length);
			for (const m of manifest.messages) {
				const want = expected.get(`${m.folder}\u0000${m.key}`);
				assert.ok(want && !('skip' in want), `${m.folder} ${m.key} is a message of the source`);
				const file = join(out, m.path);
				assert.deepEqual(await readFile(file), want.content, `${m.path}: the bytes mapMessage produces`);
				assert.equal(m.sha256, sha(want.content));
				assert.deepEqual([...m.flags].sort(), [...want.flags].sort(), `${m.path}: flags`);
				assert.equal(m.date, want.date.toISOString());
				assert.equal((await stat(file)).mtime.getTime(), want.date.getTime(), `${m.path}: mtime = INTERNALDATE`);
			}
			// Read back through mailshift's Maildir reader: same folders, bytes, flags, dates.
			const reread = await MaildirStore.open(out);
			const byContent = new Map(manifest.messages.map((m) => [`${m.folder}\u0000${m.sha256}`, m]));
			let count = 0;
			for (const folder of await reread.listFolders()) {
				const label = folderLabel(folder.path);
				assert.ok(manifest.folders.some((f) => f.label === label), `backup folder ${label} has its original name`);
				for await (const message of reread.messages(folder)) {
					count++;
					const m = byContent.get(`${label}\u0000${sha(message.raw)}`);
					assert.ok(m, `${message.ref.location} is in the manifest`);
					assert.deepEqual([...message.flags].sort(), [...m.flags].sort(), `${message.ref.location}: flags read back`);
					assert.equal(message.storeDate?.date.getTime(), Date.parse(m.date));
				}
			}
			assert.equal(count, manifest.messages.length);
			const verified = await verifyBackup(out);
			assert.ok(verified.isClean, JSON.stringify(verified.differences.slice(0, 5)));
			assert.equal(verified.ok, manifest.messages.length);
		});
	}

	test('Given a Maildir with trashed and keyword messages, when backed up, then the trashed one is listed as skipped with its reason and keywords survive via dovecot-keywords', async () => {
		const out = join(work, 'out-edge');
		await backup(maildir, out, 'maildir');
		const manifest = await readManifest(out);
		const trashed = manifest.skipped.find((s) => s.location.includes('1000000002'));
		assert.equal(trashed?.code, 'TRASHED');
		assert.match(trashed?.reason ?? '', /trashed/);
		const kw = manifest.messages.find((m) => m.messageId === 'kw@test');
		assert.deepEqual([...(kw?.flags ?? [])].sort(), ['$Junk', 'Work', '\\Seen']);
		assert.match(kw?.path ?? '', /:2,Sab$/);
		assert.ok(manifest.files.some((f) => f.role === 'dovecot-keywords' && f.path === 'Edge/dovecot-keywords'));
	});

	test('Given a Maildir, when backed up as mbox, then the mbox reader reads back exactly the uploaded bytes with their dates (one CRLF added where the message had no final line break)', async () => {
		const out = join(work, 'out-mbox');
		const expected = await expectedJobs(maildir);
		await backup(maildir, out, 'mbox');
		const manifest = await readManifest(out);
		const store = await MboxStore.open(out);
		const read = new Map<string, {raw: Buffer; date: number | undefined}>();
		for (const folder of await store.listFolders()) {
			for await (const message of store.messages(folder)) read.set(`${folderLabel(folder.path)}\u0000${sha(message.raw)}`, {raw: message.raw, date: message.storeDate?.date.getTime()});
		}
		assert.equal(read.size, manifest.messages.length);
		for (const m of manifest.messages) {
			const want = expected.get(`${m.folder}\u0000${m.key}`);
			assert.ok(want && !('skip' in want));
			const stored = m.mboxAddedLineEnd ? Buffer.concat([want.content, Buffer.from('\r\n')]) : want.content;
			const got = read.get(`${m.folder}\u0000${sha(stored)}`);
			assert.ok(got, `${m.folder} ${m.messageId ?? m.key} read back from ${m.path}`);
			assert.equal(got.date, Math.floor(want.date.getTime() / 1000) * 1000, 'From_ line date = INTERNALDATE');
		}
		assert.ok(manifest.messages.some((m) => m.mboxAddedLineEnd), 'the message without a final line break is marked');
		assert.ok((await verifyBackup(out)).isClean);
	});

	test('Given a Thunderbird tree, when backed up as eml, then each .eml file is the uploaded bytes with mtime = INTERNALDATE', async () => {
		const out = join(work, 'out-eml');
		const expected = await expectedJobs(thunderbird);
		await backup(thunderbird, out, 'eml');
		const manifest = await readManifest(out);
		assert.equal(manifest.messages.length, [...expected.values()].filter((e) => !('skip' in e)).length);
		for (const m of manifest.messages) {
			const want = expected.get(`${m.folder}\u0000${m.key}`);
			assert.ok(want && !('skip' in want));
			assert.match(m.path, /\.eml$/);
			assert.deepEqual(await readFile(join(out, m.path)), want.content);
			assert.equal((await stat(join(out, m.path))).mtime.getTime(), want.date.getTime());
		}
		assert.ok((await verifyBackup(out)).isClean);
	});

	test('Given a backup, when one file is changed, one deleted, one re-dated and one added, then --verify names each of them and exits 5', async () => {
		const out = join(work, 'out-corrupt');
		await backup(maildir, out, 'maildir');
		const manifest = await readManifest(out);
		const [changed, missing, redated] = manifest.messages;
		assert.ok(changed && missing && redated);
		const bytes = await readFile(join(out, changed.path));
		bytes.writeUInt8(bytes.readUInt8(bytes.length - 3) ^ 0x20, bytes.length - 3);
		await writeFile(join(out, changed.path), bytes);
		await utimes(join(out, changed.path), new Date(changed.date), new Date(changed.date));
		await rm(join(out, missing.path));
		await utimes(join(out, redated.path), new Date('2020-01-01T00:00:00Z'), new Date('2020-01-01T00:00:00Z'));
		await writeFile(join(out, 'INBOX', 'cur', 'stray-file'), 'not mine');

		const result = await verifyBackup(out);
		assert.equal(result.isClean, false);
		const kindOf = (path: string): string | undefined => result.differences.find((d) => d.path === path)?.kind;
		assert.equal(kindOf(changed.path), 'changed');
		assert.equal(kindOf(missing.path), 'missing');
		assert.equal(kindOf(redated.path), 'date');
		assert.equal(kindOf('INBOX/cur/stray-file'), 'extra');
		assert.deepEqual(result.counts, {missing: 1, changed: 1, date: 1, extra: 1, unsafe: 0});

		const cli = captureIo();
		assert.equal(await runBackupCommand({verify: out}, cli.io), 5);
		assert.ok(cli.stdout().includes(`changed: ${changed.path}`), cli.stdout());
		assert.match(cli.stdout(), /NOT OK/);
	});

	test('Given an mbox backup, when one byte of one message is changed, then --verify names the mbox file and that message', async () => {
		const out = join(work, 'out-mbox-corrupt');
		await backup(thunderbird, out, 'mbox');
		const manifest = await readManifest(out);
		const target = manifest.messages.find((m) => m.folder === 'Inbox' && m.offset !== undefined && m.offset > 0);
		assert.ok(target && target.offset !== undefined && target.length !== undefined);
		const file = join(out, target.path);
		const bytes = await readFile(file);
		bytes.writeUInt8(bytes.readUInt8(target.offset + target.length - 10) ^ 0x01, target.offset + target.length - 10);
		await writeFile(file, bytes);
		const result = await verifyBackup(out);
		assert.ok(result.differences.some((d) => d.kind === 'changed' && d.path === target.path && d.key === undefined), 'the mbox file');
		assert.ok(result.differences.some((d) => d.kind === 'changed' && d.key === target.key), 'the message in it');
		assert.equal(result.ok, manifest.messages.length - 1, 'the other messages of the file are intact');
	});

	test('Given a directory without a manifest, when verified, then the user is told it is not a complete backup (exit 3)', async () => {
		const cli = captureIo();
		assert.equal(await runBackupCommand({verify: work}, cli.io), 3);
		assert.match(cli.stderr(), /not a complete mailshift backup/);
	});
});
