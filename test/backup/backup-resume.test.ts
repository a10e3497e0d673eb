/**
 * Resumable, never silently overwriting: an interrupted backup continues without rewriting what it wrote
 * (same inode, same ctime), even when its progress records were lost; a complete backup is refused without
 * --force and refreshed in place with it; an unreadable folder never costs the files backed up before.
 */
import assert from 'node:assert/strict';
import {mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {PassThrough} from 'node:stream';
import {after, before, describe, test} from 'node:test';
import {runBackup} from '../../src/backup/backup-engine.js';
import type {BackupOptions, BackupSummary} from '../../src/backup/backup-engine.js';
import {StoreBackupSource} from '../../src/backup/backup-source.js';
import {readManifest} from '../../src/backup/manifest.js';
import {verifyBackup} from '../../src/backup/verify-backup.js';
import {runBackupCommand} from '../../src/app/backup.js';
import type {CliIo} from '../../src/app/migrate.js';
import {EngineControls} from '../../src/contracts/controls.js';
import {MailshiftError} from '../../src/contracts/errors.js';
import type {SourceMessage} from '../../src/contracts/types.js';
import {openSource} from '../../src/readers/open-source.js';
import type {SourceFolder, SourceStore} from '../../src/contracts/source-store.js';
import {sampleMessages, writeSampleMaildir, writeSampleThunderbird} from '../../src/testing/sample-store.js';

function captureIo(): {io: CliIo; stdout: () => string; stderr: () => string} {
	let out = '';
	let err = '';
	const stdout = new PassThrough();
	const stderr = new PassThrough();
	stdout.on('data', (d: Buffer) => (out += d.toString()));
	stderr.on('data', (d: Buffer) => (err += d.toString()));
	return {io: {stdout: stdout as unknown as NodeJS.WriteStream, stderr: stderr as unknown as NodeJS.WriteStream, stdin: new PassThrough() as unknown as NodeJS.ReadStream, env: {}}, stdout: () => out, stderr: () => err};
}

type Identity = Readonly<{ino: number; ctimeMs: number}>;

/** inode and ctime of every regular file below `dir`: a rewrite (tmp + rename) or a touch changes them. */
async function identities(dir: string, prefix = ''): Promise<Map<string, Identity>> {
	const out = new Map<string, Identity>();
	for (const entry of await readdir(join(dir, prefix), {withFileTypes: true})) {
		const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
		if (entry.isDirectory()) {
			if (entry.name === '.mailshift-backup') continue;
			for (const [k, v] of await identities(dir, rel)) out.set(k, v);
		} else if (entry.isFile()) {
			const info = await stat(join(dir, rel));
			out.set(rel, {ino: info.ino, ctimeMs: info.ctimeMs});
		}
	}
	return out;
}

async function run(sourcePath: string, options: Partial<BackupOptions> & {out: string}, stopAfter?: number, store?: SourceStore): Promise<BackupSummary> {
	const source = store ? StoreBackupSource.fromStore(store, new Date(0), {includeTrashed: false}) : await StoreBackupSource.open(sourcePath, undefined, {includeTrashed: false});
	const controls = new EngineControls();
	let seen = 0;
	try {
		return await runBackup(source, {format: 'maildir', force: false, includeTrashed: false, toolVersion: 'test', checkpointEvery: 5, ...options}, controls, {
			onEvent: (e) => {
				if (e.type === 'message' && stopAfter !== undefined && ++seen >= stopAfter) controls.stop();
			},
		});
	} finally {
		await source.close();
	}
}

/** A store that throws for one folder (as a folder whose directory cannot be listed does). */
class FailingFolderStore implements SourceStore {
	readonly kind;
	readonly location;
	readonly #inner: SourceStore;
	readonly #failing: string;

	constructor(inner: SourceStore, failing: string) {
		this.#inner = inner;
		this.kind = inner.kind;
		this.location = inner.location;
		this.#failing = failing;
	}

	listFolders(signal?: AbortSignal): Promise<SourceFolder[]> {
		return this.#inner.listFolders(signal);
	}

	async *messages(folder: SourceFolder, signal?: AbortSignal): AsyncGenerator<SourceMessage> {
		if (folder.path.join('/') === this.#failing) throw new MailshiftError('SOURCE_UNREADABLE', `Cannot list folder "${this.#failing}"`, 'skip');
		yield* this.#inner.messages(folder, signal);
	}

	close(): Promise<void> {
		return this.#inner.close();
	}
}

describe('resuming and refreshing backups', () => {
	let work: string;
	let maildir: string;
	let total: number;
	before(async () => {
		work = await mkdtemp(join(tmpdir(), 'ms-backup-resume-'));
		maildir = join(work, 'Maildir');
		await writeSampleMaildir(maildir, sampleMessages(40, 5));
		total = 40;
	});
	after(async () => {
		await rm(work, {recursive: true, force: true});
	});

	test('Given a backup stopped mid-way, when run again, then it completes without rewriting any file it had written', async () => {
		const out = join(work, 'interrupted');
		const first = await run(maildir, {out}, 17);
		assert.equal(first.outcome, 'interrupted');
		assert.equal(first.written, 17);
		await assert.rejects(stat(join(out, 'manifest.json')), 'no manifest while unfinished');
		assert.ok((await stat(join(out, '.mailshift-backup', 'state.json'))).isFile());
		const before = await identities(out);
		assert.equal(before.size, 17);

		const second = await run(maildir, {out});
		assert.equal(second.outcome, 'complete');
		assert.equal(second.reused, 17, 'the 17 files of the first run are kept');
		assert.equal(second.written, total - 17);
		const afterIds = await identities(out);
		for (const [path, id] of before) assert.deepEqual(afterIds.get(path), id, `${path} was not rewritten`);
		await assert.rejects(stat(join(out, '.mailshift-backup')), 'the working state is removed once complete');
		assert.ok((await verifyBackup(out)).isClean);
	});

	test('Given a backup killed before its progress was saved, when run again, then the files already there are found by size and SHA-256 and kept', async () => {
		const out = join(work, 'crashed');
		await run(maildir, {out}, 12);
		await rm(join(out, '.mailshift-backup', 'progress'), {recursive: true}); // as if the process died before its checkpoint
		const before = await identities(out);
		const second = await run(maildir, {out});
		assert.equal(second.outcome, 'complete');
		assert.equal(second.reused, before.size);
		const afterIds = await identities(out);
		for (const [path, id] of before) assert.deepEqual(afterIds.get(path), id, `${path} was not rewritten`);
		assert.ok((await verifyBackup(out)).isClean);
	});

	test('Given an mbox backup stopped in its third folder, when run again, then finished folder files are kept and the partial one is written again', async () => {
		const tb = join(work, 'tb');
		await writeSampleThunderbird(tb, sampleMessages(21, 9));
		const out = join(work, 'mbox-interrupted');
		const first = await run(tb, {out, format: 'mbox'}, 7);
		assert.equal(first.outcome, 'interrupted');
		const finished = [...(await identities(out)).entries()].filter(([p]) => p.endsWith('.mbox'));
		assert.ok(finished.length >= 2, `finished folder files: ${finished.map(([p]) => p).join(', ')}`);
		const second = await run(tb, {out, format: 'mbox'});
		assert.equal(second.outcome, 'complete');
		const afterIds = await identities(out);
		for (const [path, id] of finished) assert.deepEqual(afterIds.get(path), id, `${path} was kept`);
		assert.deepEqual([...afterIds.keys()].filter((p) => p.includes('mailshift-tmp')), [], 'no partial file left');
		assert.ok((await verifyBackup(out)).isClean);
	});

	test('Given a complete backup, when backed up again without --force, then it is refused (exit 2) and left untouched', async () => {
		const out = join(work, 'complete');
		await run(maildir, {out});
		const manifest = await readFile(join(out, 'manifest.json'));
		const cli = captureIo();
		assert.equal(await runBackupCommand({source: maildir, out, stats: 0}, cli.io), 2);
		assert.match(cli.stderr(), /already holds a complete backup/);
		assert.match(cli.stderr(), /--force/);
		assert.deepEqual(await readFile(join(out, 'manifest.json')), manifest);
	});

	test('Given a complete backup and a changed source, when backed up with --force, then unchanged files are kept, new ones written and files of vanished or re-flagged messages removed', async () => {
		const src = join(work, 'changing');
		await writeSampleMaildir(src, sampleMessages(12, 21));
		const out = join(work, 'refresh');
		await run(src, {out});
		const before = await identities(out);
		// One message deleted, one re-flagged (renamed with another info), one added.
		const inbox = join(src, 'cur');
		const files = (await readdir(inbox)).sort();
		const [gone, reflag] = files;
		assert.ok(gone && reflag);
		await rm(join(inbox, gone));
		await rename(join(inbox, reflag), join(inbox, reflag.replace(/:2,.*$/, ':2,FS')));
		await writeFile(join(inbox, '1700000000.M99P1.new'), 'Message-ID: <added@test>\nSubject: new\n\nhi\n');

		const summary = await run(src, {out, force: true});
		assert.equal(summary.outcome, 'complete');
		assert.equal(summary.refreshed, true);
		assert.equal(summary.written, 2, 'the added and the re-flagged message');
		assert.equal(summary.removed, 2, 'the files of the deleted message and of the old flags');
		const afterIds = await identities(out);
		const kept = [...before.keys()].filter((p) => afterIds.has(p));
		assert.equal(kept.length, before.size - 1 - 2 + 1, 'all files but the two replaced ones (and the manifest, rewritten)');
		for (const path of kept) if (path !== 'manifest.json') assert.deepEqual(afterIds.get(path), before.get(path), `${path} kept as it was`);
		const verified = await verifyBackup(out);
		assert.ok(verified.isClean, JSON.stringify(verified.differences));
		assert.equal(verified.checked, 12);
	});

	test('Given a folder that cannot be read during a --force refresh, when the backup completes, then that folder is reported failed and its earlier files are kept', async () => {
		const src = join(work, 'flaky');
		await writeSampleMaildir(src, sampleMessages(14, 31));
		const out = join(work, 'flaky-out');
		await run(src, {out});
		const before = await readManifest(out);
		const projects = before.messages.filter((m) => m.folder === 'Projects');
		assert.ok(projects.length > 0);
		const store = new FailingFolderStore(await openSource(src, undefined), 'Projects');
		const summary = await run(src, {out, force: true}, undefined, store);
		assert.equal(summary.outcome, 'complete');
		assert.equal(summary.failed, 1);
		assert.ok(summary.problems.some((p) => p.kind === 'failed' && p.folder === 'Projects'));
		for (const m of projects) assert.ok((await stat(join(out, m.path))).isFile(), `${m.path} is kept`);
		const after = await readManifest(out);
		assert.ok(after.failed.some((f) => f.folder === 'Projects'), 'the manifest lists the unreadable folder');
	});

	test('Given a directory that is not empty and holds no backup, when backed up into, then it is refused unless --force', async () => {
		const out = join(work, 'occupied');
		await mkdir(out);
		await writeFile(join(out, 'notes.txt'), 'mine');
		const cli = captureIo();
		assert.equal(await runBackupCommand({source: maildir, out, stats: 0}, cli.io), 2);
		assert.match(cli.stderr(), /not empty/);
		const forced = captureIo();
		assert.equal(await runBackupCommand({source: maildir, out, stats: 0, force: true}, forced.io), 0, forced.stderr());
		assert.equal(await readFile(join(out, 'notes.txt'), 'utf8'), 'mine', 'nothing that was there is deleted');
	});

	test('Given an unfinished backup in another format, when a backup with other options is started there, then it is refused unless --force', async () => {
		const out = join(work, 'other-format');
		await run(maildir, {out}, 5);
		const cli = captureIo();
		assert.equal(await runBackupCommand({source: maildir, out, format: 'eml', stats: 0}, cli.io), 2);
		assert.match(cli.stderr(), /unfinished backup/);
		const forced = captureIo();
		assert.equal(await runBackupCommand({source: maildir, out, format: 'eml', stats: 0, force: true}, forced.io), 0, forced.stderr());
		const manifest = await readManifest(out);
		assert.equal(manifest.format, 'eml');
		assert.ok((await verifyBackup(out)).isClean, 'the files of the abandoned maildir backup were removed');
	});

	test('Given a complete backup of an unchanged source, when migrate --backup asks for it again, then it is kept; when the source changed, it is refreshed', async () => {
		const src = join(work, 'reuse');
		await writeSampleMaildir(src, sampleMessages(6, 41));
		const out = join(work, 'reuse-out');
		const cli = captureIo();
		assert.equal(await runBackupCommand({source: src, out, stats: 0, reuseComplete: true}, cli.io), 0);
		const again = captureIo();
		assert.equal(await runBackupCommand({source: src, out, stats: 0, reuseComplete: true}, again.io), 0);
		assert.match(again.stdout(), /nothing to do/);
		await writeFile(join(src, 'cur', '1700000001.M1P1.x:2,S'), 'Message-ID: <later@test>\n\nx\n');
		const changed = captureIo();
		assert.equal(await runBackupCommand({source: src, out, stats: 0, reuseComplete: true}, changed.io), 0, changed.stderr());
		assert.equal((await readManifest(out)).messages.length, 7);
	});
});
