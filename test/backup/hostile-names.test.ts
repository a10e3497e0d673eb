/**
 * Hostile folder names → safe paths, and the manifest maps each path back to the original name.
 *
 * Two sources: (1) a generated Maildir holding every hostile name a Linux file system can hold (device names,
 * case clashes, trailing dots and spaces, Windows-reserved characters, 250-character names, control and
 * bidi characters via modified UTF-7); (2) the same Maildir with its folders renamed by a thin SourceStore
 * wrapper to names no directory can have but a PST or an IMAP server can deliver (`../../etc`, `a/b`, `..`,
 * absolute paths, drive letters, 300 characters, a lone surrogate).
 */
import assert from 'node:assert/strict';
import {mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, test} from 'node:test';
import {runBackup} from '../../src/backup/backup-engine.js';
import type {BackupFormat} from '../../src/backup/backup-layout.js';
import {StoreBackupSource} from '../../src/backup/backup-source.js';
import type {BackupManifest} from '../../src/backup/manifest.js';
import {readManifest} from '../../src/backup/manifest.js';
import {clashKey} from '../../src/backup/safe-path.js';
import {verifyBackup} from '../../src/backup/verify-backup.js';
import {EngineControls} from '../../src/contracts/controls.js';
import type {SourceMessage} from '../../src/contracts/types.js';
import {MaildirStore} from '../../src/readers/maildir/maildir-store.js';
import {MboxStore} from '../../src/readers/mbox/mbox-store.js';
import type {SourceFolder, SourceStore} from '../../src/contracts/source-store.js';
import {folderLabel} from '../../src/contracts/source-store.js';

/** Directory names (fs layout below the root Maildir) → the folder name the Maildir reader gives them. */
const ON_DISK: ReadonlyArray<readonly [dir: string, name: readonly string[]]> = [
	['CON', ['CON']],
	['con', ['con']],
	['Work', ['Work']],
	['work', ['work']],
	['work/WORK', ['work', 'WORK']],
	['name.', ['name.']],
	['trailing ', ['trailing ']],
	['a:b*c?"<x>|', ['a:b*c?"<x>|']],
	['back\\slash', ['back\\slash']],
	['.cur', ['cur']],
	['.new.tmp', ['new', 'tmp']],
	['&AAE-control', ['\u0001control']],
	['&IC4-exe.txt', ['\u202eexe.txt']],
	['x'.repeat(250), ['x'.repeat(250)]],
	['X'.repeat(250), ['X'.repeat(250)]],
	['manifest.json', ['manifest.json']],
	['NUL.txt', ['NUL.txt']],
];

/** Names only a PST or IMAP source can have (the wrapper gives them to the on-disk folders above, in order). */
const IMPOSSIBLE: ReadonlyArray<readonly string[]> = [
	['../../etc'], ['..'], ['.'], ['/etc/passwd'], ['a/b'], ['C:\\Windows'], ['x'.repeat(300)], ['X'.repeat(300)],
	['nested', '..', 'deeper'], ['LPT1.txt'], [''], ['lone\ud800surrogate'], ['Inbox', '../../../tmp/evil'], ['INBOX'], ['inbox'], ['Sent\u0000'], ['ok'],
];

function message(id: string): string {
	return `Message-ID: <${id}@test>\nSubject: ${id}\n\nbody of ${id}\n`;
}

async function buildStore(root: string): Promise<void> {
	for (const sub of ['cur', 'new', 'tmp']) await mkdir(join(root, sub), {recursive: true});
	await writeFile(join(root, 'cur', '1000.M0.root:2,S'), message('root'));
	let n = 1;
	for (const [dir] of ON_DISK) {
		for (const sub of ['cur', 'new', 'tmp']) await mkdir(join(root, dir, sub), {recursive: true});
		await writeFile(join(root, dir, 'cur', `${1000 + n}.M${n}.host:2,S`), message(`m${n}`));
		n++;
	}
}

/** Renames folders of an inner store (folder i → IMPOSSIBLE[i]); messages follow their folder. */
class RenamingStore implements SourceStore {
	readonly kind;
	readonly location;
	readonly #inner: SourceStore;
	readonly #toInner = new Map<string, readonly string[]>();

	constructor(inner: SourceStore) {
		this.#inner = inner;
		this.kind = inner.kind;
		this.location = inner.location;
	}

	async listFolders(signal?: AbortSignal): Promise<SourceFolder[]> {
		const inner = (await this.#inner.listFolders(signal)).filter((f) => f.path.join('/') !== 'INBOX');
		return inner.slice(0, IMPOSSIBLE.length).map((folder, i) => {
			const path = IMPOSSIBLE[i] ?? [];
			this.#toInner.set(JSON.stringify(path), folder.path);
			return {...folder, path};
		});
	}

	async *messages(folder: SourceFolder, signal?: AbortSignal): AsyncGenerator<SourceMessage> {
		const inner = this.#toInner.get(JSON.stringify(folder.path)) ?? folder.path;
		for await (const m of this.#inner.messages({path: inner}, signal)) yield {...m, ref: {...m.ref, folder: folderLabel(folder.path)}};
	}

	close(): Promise<void> {
		return this.#inner.close();
	}
}

async function backupOf(store: SourceStore, out: string, format: BackupFormat): Promise<BackupManifest> {
	const source = StoreBackupSource.fromStore(store, new Date(Date.UTC(2020, 0, 1)), {includeTrashed: false});
	try {
		const summary = await runBackup(source, {out, format, force: false, includeTrashed: false, toolVersion: 'test'}, new EngineControls());
		assert.equal(summary.outcome, 'complete');
		assert.equal(summary.failed, 0, JSON.stringify(summary.problems));
	} finally {
		await source.close();
	}
	return readManifest(out);
}

/** Checks that make a path portable (rules of safe-path.ts), for every segment of every manifest path. */
function assertPortable(path: string): void {
	for (const segment of path.split('/')) {
		assert.ok(segment.length > 0 && segment !== '.' && segment !== '..', `${JSON.stringify(path)}: empty or dot segment`);
		assert.ok(Buffer.byteLength(segment) <= 255, `${JSON.stringify(path)}: segment longer than 255 bytes`);
		assert.doesNotMatch(segment, /[<>"\\|?*\x00-\x1f\x7f]/, `${JSON.stringify(path)}: reserved character`);
		assert.doesNotMatch(segment, /[. ]$/, `${JSON.stringify(path)}: trailing dot or space`);
		assert.ok(!/^(CON|PRN|AUX|NUL|COM[0-9¹²³]|LPT[0-9¹²³])$/i.test((segment.split('.')[0] ?? '').trimEnd()), `${JSON.stringify(path)}: device name`);
	}
}

/** No two folders share a path on a case-insensitive disk. */
function assertNoClashes(manifest: BackupManifest): void {
	const keys = manifest.folders.map((f) => clashKey(f.path));
	assert.equal(new Set(keys).size, keys.length, JSON.stringify(manifest.folders.map((f) => f.path)));
}

describe('hostile folder names', () => {
	let work: string;
	let root: string;
	before(async () => {
		work = await mkdtemp(join(tmpdir(), 'ms-hostile-'));
		root = join(work, 'Maildir');
		await buildStore(root);
	});
	after(async () => {
		await rm(work, {recursive: true, force: true});
	});

	test('Given a Maildir with hostile folder names, when backed up, then every path is portable, no two clash, and the manifest maps each back to its name', async () => {
		const out = join(work, 'deep', 'er', 'out');
		const store = await MaildirStore.open(root);
		const sourceFolders = (await store.listFolders()).map((f) => f.path);
		const manifest = await backupOf(store, out, 'maildir');
		assert.deepEqual(manifest.folders.map((f) => f.name).sort(), sourceFolders.sort(), 'every folder, under its original name');
		for (const [, name] of ON_DISK) assert.ok(manifest.folders.some((f) => JSON.stringify(f.name) === JSON.stringify(name)), `folder ${JSON.stringify(name)}`);
		for (const f of manifest.folders) assertPortable(f.path);
		assertNoClashes(manifest);
		const paths = new Map(manifest.folders.map((f) => [f.label, f.path]));
		assert.equal(paths.get('CON'), '%43ON');
		assert.equal(paths.get('name.'), 'name%2E');
		assert.equal(paths.get('cur'), '%63ur');
		assert.equal(paths.get('manifest.json'), '%6Danifest.json');
		assert.ok(Buffer.byteLength(paths.get('x'.repeat(250)) ?? '') <= 120);

		// Read back with the Maildir reader: every backup folder is one of the manifest's paths, holding that folder's messages.
		const reread = await MaildirStore.open(out);
		const byPath = new Map(manifest.folders.map((f) => [f.path, f]));
		let count = 0;
		for (const folder of await reread.listFolders()) {
			const entry = byPath.get(folder.path.join('/'));
			assert.ok(entry, `backup folder ${folder.path.join('/')} is in the manifest`);
			for await (const m of reread.messages(folder)) {
				count++;
				assert.ok(manifest.messages.some((x) => x.folder === entry.label && m.ref.location.endsWith(x.path.split('/').pop() ?? '')), `${m.ref.location} belongs to ${entry.label}`);
			}
		}
		assert.equal(count, manifest.messages.length);
		assert.ok((await verifyBackup(out)).isClean);
		assert.deepEqual(await readdir(join(work, 'deep', 'er')), ['out'], 'nothing was written beside the backup');
	});

	test('Given folder names only a PST or IMAP server can have, when backed up as maildir and mbox, then nothing is written outside the backup and the names round-trip through the manifest', async () => {
		for (const format of ['maildir', 'mbox'] as const) {
			const out = join(work, `impossible-${format}`, 'a', 'out');
			const manifest = await backupOf(new RenamingStore(await MaildirStore.open(root)), out, format);
			assert.deepEqual(manifest.folders.map((f) => f.name).sort(), [...IMPOSSIBLE].sort(), `${format}: every original name is in the manifest`);
			for (const f of manifest.folders) assertPortable(f.path);
			assertNoClashes(manifest);
			// The manifest is JSON: read raw and parsed again, names are exactly the originals (lone surrogate included).
			const reparsed = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as BackupManifest;
			assert.deepEqual(reparsed.folders.map((f) => f.name), manifest.folders.map((f) => f.name));
			assert.deepEqual(await readdir(join(work, `impossible-${format}`, 'a')), ['out'], `${format}: nothing beside the backup`);
			await assert.rejects(stat(join(work, `impossible-${format}`, 'etc')));
			await assert.rejects(stat(join(work, 'tmp', 'evil')));
			assert.ok((await verifyBackup(out)).isClean, format);
			if (format === 'mbox') {
				const reread = await MboxStore.open(out);
				const labels = new Set((await reread.listFolders()).map((f) => f.path.join('/')));
				for (const f of manifest.folders) {
					const segments = f.path.split('/').map((s, i, all) => (i < all.length - 1 ? s.replace(/\.sbd$/, '') : s.replace(/\.mbox$/, '')));
					assert.ok(labels.has(segments.join('/')), `mbox folder ${f.path} is read back as ${segments.join('/')}`);
				}
			}
		}
	});
});
