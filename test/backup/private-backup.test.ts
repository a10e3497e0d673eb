/**
 * Backups hold mail: every file is owner-only (0600) and every directory mailshift creates owner-only (0700),
 * whatever the umask; and a symbolic link already inside --out is never written or deleted through
 * (src/backup/private-tree.ts).
 */
import assert from 'node:assert/strict';
import {chmod, cp, lstat, mkdir, mkdtemp, readdir, readFile, rename, rm, stat, symlink, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, test} from 'node:test';
import {runBackup} from '../../src/backup/backup-engine.js';
import type {BackupFormat} from '../../src/backup/backup-layout.js';
import {StoreBackupSource} from '../../src/backup/backup-source.js';
import {readManifest} from '../../src/backup/manifest.js';
import {verifyBackup} from '../../src/backup/verify-backup.js';
import {EngineControls} from '../../src/contracts/controls.js';
import {sampleMessages, writeSampleMaildir} from '../../src/testing/sample-store.js';

async function backup(sourcePath: string, out: string, format: BackupFormat, force = false): Promise<Awaited<ReturnType<typeof runBackup>>> {
	const source = await StoreBackupSource.open(sourcePath, undefined, {includeTrashed: false});
	try {
		return await runBackup(source, {out, format, force, includeTrashed: false, toolVersion: 'test'}, new EngineControls());
	} finally {
		await source.close();
	}
}

/** Every entry below `dir` (not following links) with its permission bits, as `relative path → mode`. */
async function modes(dir: string, prefix = ''): Promise<Map<string, {mode: number; isDir: boolean}>> {
	const result = new Map<string, {mode: number; isDir: boolean}>();
	for (const name of await readdir(dir)) {
		const info = await lstat(join(dir, name));
		result.set(`${prefix}${name}`, {mode: info.mode & 0o777, isDir: info.isDirectory()});
		if (info.isDirectory()) for (const [k, v] of await modes(join(dir, name), `${prefix}${name}/`)) result.set(k, v);
	}
	return result;
}

describe('backup files are private and stay inside --out', () => {
	let work: string;
	let maildir: string;
	let umask: number;
	before(async () => {
		umask = process.umask(0o022); // the common default, under which files would be 0644 and directories 0755
		work = await mkdtemp(join(tmpdir(), 'ms-private-'));
		maildir = join(work, 'Maildir');
		await writeSampleMaildir(maildir, sampleMessages(12, 5));
	});
	after(async () => {
		process.umask(umask);
		await rm(work, {recursive: true, force: true});
	});

	for (const format of ['maildir', 'eml', 'mbox'] as const) {
		test(`Given umask 022, when a ${format} backup is written, then every file is 0600 and every directory 0700, --out included`, async () => {
			const out = join(work, `out-${format}`);
			assert.equal((await backup(maildir, out, format)).outcome, 'complete');
			assert.equal((await stat(out)).mode & 0o777, 0o700, '--out, created by the backup');
			const entries = await modes(out);
			assert.ok([...entries.values()].filter((e) => !e.isDir).length >= (format === 'mbox' ? 2 : 12), 'the backup has its files');
			for (const [path, {mode, isDir}] of entries) assert.equal(mode, isDir ? 0o700 : 0o600, `${path}: ${mode.toString(8)}`);
		});
	}

	test('Given a kept file an earlier version left readable by others, when the backup is refreshed, then it becomes 0600', async () => {
		const out = join(work, 'out-refresh-mode');
		await backup(maildir, out, 'eml');
		const file = join(out, (await readManifest(out)).messages[0]!.path);
		await chmod(file, 0o644);
		const summary = await backup(maildir, out, 'eml', true);
		assert.ok(summary.reused > 0, 'files were kept, not rewritten');
		assert.equal((await stat(file)).mode & 0o777, 0o600);
	});

	test('Given a folder directory inside --out replaced by a link to elsewhere, when backup --force runs, then it refuses naming the link and writes nothing there', async () => {
		const out = join(work, 'out-link');
		await backup(maildir, out, 'maildir');
		const elsewhere = join(work, 'elsewhere');
		await mkdir(elsewhere);
		const path = (await readManifest(out)).messages[0]!.path;
		const linked = join(out, ...path.split('/').slice(0, -1)); // the folder's cur/ directory
		await rm(linked, {recursive: true});
		await symlink(elsewhere, linked);
		await assert.rejects(backup(maildir, out, 'maildir', true), (error: {code?: string; message?: string; hint?: string}) => {
			assert.equal(error.code, 'USAGE');
			assert.ok((error.message ?? '').startsWith(`${linked} is a symbolic link inside the backup directory`), error.message);
			assert.match(error.hint ?? '', /Remove the link/);
			return true;
		});
		assert.deepEqual(await readdir(elsewhere), [], 'nothing was written through the link');
	});

	test('Given the backup state directory inside --out replaced by a link, when backup --force runs, then it refuses and moves nothing there', async () => {
		const out = join(work, 'out-state-link');
		await backup(maildir, out, 'eml');
		const elsewhere = join(work, 'elsewhere-state');
		await mkdir(elsewhere);
		await symlink(elsewhere, join(out, '.mailshift-backup'));
		await assert.rejects(backup(maildir, out, 'eml', true), {code: 'USAGE'});
		assert.deepEqual(await readdir(elsewhere), []);
	});

	test('Given a folder directory inside --out moved away and replaced by a link, when backup --force is refused, then the backup is left exactly as it was, manifest included', async () => {
		const out = join(work, 'out-refused');
		await backup(maildir, out, 'maildir');
		const folderDir = (await readManifest(out)).folders.find((f) => f.label !== 'INBOX')!.path;
		const elsewhere = join(work, 'elsewhere-refused');
		await rename(join(out, folderDir), elsewhere);
		await symlink(elsewhere, join(out, folderDir));
		const before = await modes(out);
		const manifestBefore = await readFile(join(out, 'manifest.json'));
		await assert.rejects(backup(maildir, out, 'maildir', true), (error: {code?: string; message?: string}) => {
			assert.equal(error.code, 'USAGE');
			assert.ok((error.message ?? '').startsWith(`${join(out, folderDir)} is a symbolic link inside the backup directory`), error.message);
			return true;
		});
		assert.deepEqual(await modes(out), before, 'nothing in --out was added, moved or removed');
		assert.deepEqual(await readFile(join(out, 'manifest.json')), manifestBefore, 'the manifest is where it was, unchanged');
		const verified = await verifyBackup(out);
		assert.equal(verified.isClean, false, 'the link is reported, the manifest is still read');
	});

	test('Given a folder the source no longer has whose directory in --out is now a link, when backup --force refreshes, then it is refused and nothing outside --out is deleted', async () => {
		const source = join(work, 'Maildir-shrinking');
		await cp(maildir, source, {recursive: true});
		await mkdir(join(source, '.Gone', 'cur'), {recursive: true});
		await mkdir(join(source, '.Gone', 'new'), {recursive: true});
		await mkdir(join(source, '.Gone', 'tmp'), {recursive: true});
		await writeFile(join(source, '.Gone', 'cur', '1.M1.h:2,S'), 'Message-ID: <gone@t>\nSubject: gone\n\nbody\n');
		const out = join(work, 'out-delete-link');
		await backup(source, out, 'maildir');
		const gone = (await readManifest(out)).messages.find((m) => m.folder === 'Gone');
		assert.ok(gone, 'the folder was backed up');
		const folderDir = gone.path.split('/')[0]!;
		// The folder's directory moves elsewhere and a link takes its place; then the folder leaves the source.
		const elsewhere = join(work, 'elsewhere-delete');
		await rename(join(out, folderDir), elsewhere);
		await symlink(elsewhere, join(out, folderDir));
		await rm(join(source, '.Gone'), {recursive: true});
		// Any link inside --out refuses a refresh before it changes anything (private-tree.ts assertNoLinkInside).
		await assert.rejects(backup(source, out, 'maildir', true), {code: 'USAGE'});
		assert.deepEqual(await readdir(join(elsewhere, 'cur')), [gone.path.split('/').pop()], 'the file behind the link is still there');
		assert.equal((await readManifest(out)).source.location, source, 'the backup keeps its manifest');
	});
});
