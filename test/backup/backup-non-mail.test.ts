/**
 * Backup of a PST's non-mail items (issue #6): every calendar item of the Outlook.com OST that ships with
 * pst-extractor becomes one iCalendar file under `non-mail/<folder>/`, listed in the manifest's `files` (with
 * folder, key and kind) and named by its skip entry (`exportedTo`); `--verify` checks those files like messages;
 * a second run keeps them; an mbox-format backup still reads back as a clean mbox tree (no .ics taken for mail).
 */
import assert from 'node:assert/strict';
import {createHash} from 'node:crypto';
import {mkdtemp, readFile, rm, stat, unlink, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, test} from 'node:test';
import {fileURLToPath} from 'node:url';
import {runBackup} from '../../src/backup/backup-engine.js';
import type {BackupFormat} from '../../src/backup/backup-layout.js';
import {StoreBackupSource} from '../../src/backup/backup-source.js';
import {readManifest} from '../../src/backup/manifest.js';
import {verifyBackup} from '../../src/backup/verify-backup.js';
import {EngineControls} from '../../src/contracts/controls.js';
import {openSource} from '../../src/readers/open-source.js';
import type {ReaderProblem} from '../../src/contracts/source-store.js';

const OST = fileURLToPath(new URL('../../node_modules/pst-extractor/example/testdata/pstextractortest@outlook.com.ost', import.meta.url));

async function backup(out: string, format: BackupFormat, force = false): Promise<Awaited<ReturnType<typeof runBackup>>> {
	const source = await StoreBackupSource.open(OST, undefined, {includeTrashed: false});
	try {
		return await runBackup(source, {out, format, force, includeTrashed: false, toolVersion: 'test'}, new EngineControls());
	} finally {
		await source.close();
	}
}

describe('backup of non-mail PST items', () => {
	let work: string;
	before(async () => {
		work = await mkdtemp(join(tmpdir(), 'ms-backup-nonmail-'));
	});
	after(async () => {
		await rm(work, {recursive: true, force: true});
	});

	test('every calendar item is written as an .ics file, listed in the manifest and named by its skip entry', async () => {
		const out = join(work, 'maildir');
		const summary = await backup(out, 'maildir');
		assert.equal(summary.outcome, 'complete');
		const manifest = await readManifest(out);
		const calendarSkips = manifest.skipped.filter((s) => s.itemKind === 'calendar item');
		assert.ok(calendarSkips.length >= 160, `${calendarSkips.length} calendar items`);
		const exports = manifest.files.filter((f) => f.role === 'non-mail-export');
		assert.equal(exports.length, calendarSkips.length);
		assert.equal(summary.exported, exports.length);
		for (const skip of calendarSkips) {
			const file = exports.find((f) => f.path === skip.exportedTo);
			assert.ok(file && file.role === 'non-mail-export', `no file for ${skip.key}`);
			assert.equal(file.key, skip.key);
			assert.equal(file.folder, skip.folder);
			assert.ok(file.path.startsWith(`non-mail/${skip.folder}/`), file.path);
			assert.match(file.path, new RegExp(` \\(${skip.key}\\)\\.ics$`));
			const bytes = await readFile(join(out, file.path));
			assert.equal(bytes.length, file.size);
			assert.equal(createHash('sha256').update(bytes).digest('hex'), file.sha256);
			assert.match(bytes.toString('utf8'), /^BEGIN:VCALENDAR\r\n[\s\S]*BEGIN:VEVENT\r\n[\s\S]*END:VCALENDAR\r\n$/);
		}
		assert.equal(new Set(exports.map((f) => f.path)).size, exports.length, 'file names are unique');
		const report = await verifyBackup(out);
		assert.equal(report.isClean, true, JSON.stringify(report.differences.slice(0, 3)));
		assert.equal(report.files, exports.length);
	});

	test('verify names an export that was changed or deleted', async () => {
		const out = join(work, 'maildir');
		const exports = (await readManifest(out)).files.filter((f) => f.role === 'non-mail-export');
		const [changed, deleted] = exports;
		assert.ok(changed && deleted);
		await writeFile(join(out, changed.path), 'BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n');
		await unlink(join(out, deleted.path));
		const report = await verifyBackup(out);
		assert.equal(report.isClean, false);
		assert.deepEqual(report.differences.map((d) => [d.kind, d.path]).sort(), [['changed', changed.path], ['missing', deleted.path]].sort());
		assert.match(report.differences.find((d) => d.kind === 'changed')?.detail ?? '', /exported calendar item/);
	});

	test('a refresh rewrites what changed and keeps the files that are right', async () => {
		const out = join(work, 'maildir');
		const exports = (await readManifest(out)).files.filter((f) => f.role === 'non-mail-export');
		const kept = exports[5]!;
		const before = (await stat(join(out, kept.path))).mtimeMs;
		const summary = await backup(out, 'maildir', true);
		assert.equal(summary.outcome, 'complete');
		assert.equal((await stat(join(out, kept.path))).mtimeMs, before, 'an unchanged export is not rewritten');
		assert.equal((await verifyBackup(out)).isClean, true);
	});

	test('an mbox-format backup with exports still reads back as a clean mbox tree', async () => {
		const out = join(work, 'mbox');
		await backup(out, 'mbox');
		const problems: ReaderProblem[] = [];
		const store = await openSource(out, 'mbox', {onProblem: (p) => problems.push(p)});
		try {
			let messages = 0;
			for (const folder of await store.listFolders()) for await (const _ of store.messages(folder)) messages++;
			assert.equal(messages, (await readManifest(out)).messages.length);
		} finally {
			await store.close();
		}
		assert.deepEqual(problems, []);
	});
});
