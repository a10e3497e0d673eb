/**
 * `mailshift backup` at the edge: argument resolution (USAGE errors say what to write instead), exit codes,
 * the summary on stdout, the source description in the manifest (the directory digest equals the shell
 * recipe documented in manifest.ts), and flags beyond what a Maildir name can carry.
 */
import assert from 'node:assert/strict';
import {execFileSync, spawnSync} from 'node:child_process';
import {createHash} from 'node:crypto';
import {mkdir, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {PassThrough} from 'node:stream';
import {after, before, describe, test} from 'node:test';
import {resolveBackupConfig} from '../../src/backup/backup-config.js';
import {runBackup} from '../../src/backup/backup-engine.js';
import type {BackupEntry, BackupFolder, BackupSource} from '../../src/backup/backup-source.js';
import {readManifest} from '../../src/backup/manifest.js';
import type {ManifestSource} from '../../src/backup/manifest.js';
import {digestTree} from '../../src/backup/source-digest.js';
import {verifyBackup} from '../../src/backup/verify-backup.js';
import {runBackupCommand} from '../../src/app/backup.js';
import type {CliIo} from '../../src/app/migrate.js';
import {EngineControls} from '../../src/contracts/controls.js';
import {MailshiftError} from '../../src/contracts/errors.js';
import {MaildirStore} from '../../src/readers/maildir/maildir-store.js';
import {sampleMessages, writeSampleMaildir, writeSampleThunderbird} from '../../src/testing/sample-store.js';
import {REPO_ROOT} from '../helpers/run-cli.js';

function captureIo(env: NodeJS.ProcessEnv = {}): {io: CliIo; stdout: () => string; stderr: () => string} {
	let out = '';
	let err = '';
	const stdout = new PassThrough();
	const stderr = new PassThrough();
	stdout.on('data', (d: Buffer) => (out += d.toString()));
	stderr.on('data', (d: Buffer) => (err += d.toString()));
	return {io: {stdout: stdout as unknown as NodeJS.WriteStream, stderr: stderr as unknown as NodeJS.WriteStream, stdin: new PassThrough() as unknown as NodeJS.ReadStream, env}, stdout: () => out, stderr: () => err};
}

const usage = (fn: () => unknown, pattern: RegExp): void => {
	assert.throws(fn, (error: unknown) => error instanceof MailshiftError && error.code === 'USAGE' && pattern.test(error.message));
};

describe('backup arguments', () => {
	test('Given no --out, when resolved, then it is a usage error naming --out', () => usage(() => resolveBackupConfig({source: '/tmp/x'}), /--out/));
	test('Given no source, when resolved, then it is a usage error', () => usage(() => resolveBackupConfig({out: '/tmp/y'}), /No source/));
	test('Given an unknown --format, when resolved, then the error lists the formats', () => usage(() => resolveBackupConfig({source: '/a', out: '/b', format: 'pst'}), /--format pst/));
	test('Given --verify with a source, when resolved, then it is refused', () => usage(() => resolveBackupConfig({verify: '/b', source: '/a'}), /takes no source/));
	test('Given --out inside the source, when resolved, then it is refused (a backup must not end up in the store)', () => usage(() => resolveBackupConfig({source: '/data/Maildir', out: '/data/Maildir/backup'}), /overlaps/));
	test('Given --from for an IMAP source, when resolved, then it is refused', () => usage(() => resolveBackupConfig({source: 'imaps://me@imap.example.com', out: '/b', from: 'mbox'}), /--from/));
	test('Given a password in the IMAP URL, when resolved, then it is refused without echoing it', () => {
		assert.throws(() => resolveBackupConfig({source: 'imaps://me:secret@imap.example.com', out: '/b'}), (e: unknown) => e instanceof MailshiftError && e.code === 'USAGE' && !e.message.includes('secret'));
	});
	test('Given an IMAP URL, when resolved, then the source is the server, maildir by default, and the info separator fits the platform', () => {
		const config = resolveBackupConfig({source: 'imap://alice@127.0.0.1:1143', out: '/b'}, 'linux');
		assert.equal(config.mode, 'backup');
		assert.ok(config.mode === 'backup' && config.source.type === 'imap' && config.source.target.port === 1143 && config.format === 'maildir' && config.maildirInfoSeparator === ':');
		const windows = resolveBackupConfig({source: 'C:/mail/Inbox.mbox', out: 'D:/backup'}, 'win32');
		assert.ok(windows.mode === 'backup' && windows.maildirInfoSeparator === ';');
	});
	test('Given usage errors through the command, when run, then the exit code is 2 and a hint is printed', async () => {
		const cli = captureIo();
		assert.equal(await runBackupCommand({source: '/tmp/somewhere'}, cli.io), 2);
		assert.match(cli.stderr(), /mailshift: No --out/);
		assert.match(cli.stderr(), /mailshift backup <source> --out DIR/);
	});
	test('Given a source that does not exist, when backed up, then the exit code is 3', async () => {
		const cli = captureIo();
		assert.equal(await runBackupCommand({source: '/nonexistent/mail', out: join(tmpdir(), 'ms-never'), stats: 0}, cli.io), 3);
	});
	test('Given an IMAP source and no password anywhere, when backed up, then it says where a password can come from (exit 2)', async () => {
		const cli = captureIo({});
		assert.equal(await runBackupCommand({source: 'imap://alice@127.0.0.1:1', out: join(tmpdir(), 'ms-never'), stats: 0}, cli.io), 2);
		assert.match(cli.stderr(), /MAILSHIFT_PASSWORD/);
	});
});

describe('backup command output and manifest source', () => {
	let work: string;
	before(async () => {
		work = await mkdtemp(join(tmpdir(), 'ms-backup-cli-'));
	});
	after(async () => {
		await rm(work, {recursive: true, force: true});
	});

	test('Given a Maildir, when backed up through the command, then stdout has the per-folder table and the manifest path, and exit is 0', async () => {
		const src = join(work, 'Maildir');
		await writeSampleMaildir(src, sampleMessages(14, 3));
		const out = join(work, 'out');
		const cli = captureIo();
		assert.equal(await runBackupCommand({source: src, out, stats: 0}, cli.io), 0, cli.stderr());
		assert.match(cli.stdout(), /Backup of .*Maildir → .*out \(maildir\)/);
		assert.match(cli.stdout(), /Sent Items\s+→ Sent Items\s+2/);
		assert.match(cli.stdout(), /Total\s+14/);
		assert.match(cli.stdout(), /Manifest: .*manifest\.json/);
		const verify = captureIo();
		assert.equal(await runBackupCommand({verify: out}, verify.io), 0);
		assert.match(verify.stdout(), /OK: every file of the backup matches its manifest/);
	});

	test('Given a directory source, when described, then size, file count, newest mtime and a digest equal to the documented sha256sum recipe are recorded', async () => {
		const src = join(work, 'digest');
		await writeSampleThunderbird(src, sampleMessages(9, 4));
		await mkdir(join(src, 'Sub dir'), {recursive: true});
		await writeFile(join(src, 'Sub dir', 'ümlaut file'), 'x');
		const out = join(work, 'digest-out');
		const cli = captureIo();
		assert.equal(await runBackupCommand({source: src, out, stats: 0}, cli.io), 0, cli.stderr());
		const {source} = await readManifest(out);
		assert.equal(source.type, 'directory');
		const tree = await digestTree(src);
		assert.equal(source.sha256, tree.sha256);
		assert.equal(source.files, tree.files);
		if (spawnSync('sh', ['-c', 'command -v sha256sum'], {stdio: 'ignore'}).status === 0) {
			const shell = execFileSync('sh', ['-c', 'find . -type f -print0 | LC_ALL=C sort -z | xargs -0r sha256sum | sha256sum'], {cwd: src, encoding: 'utf8'});
			assert.equal(source.sha256, shell.split(' ')[0], 'the manifest digest equals the shell recipe');
		} else {
			console.log('# SKIP: sha256sum is not installed; the shell recipe was not compared');
		}
	});

	test('Given an mbox file source, when described, then its size, mtime and SHA-256 are the file\'s', async () => {
		const src = join(work, 'tb-file');
		await writeSampleThunderbird(src, sampleMessages(5, 8));
		const file = join(src, 'Inbox');
		const out = join(work, 'file-out');
		const cli = captureIo();
		assert.equal(await runBackupCommand({source: file, out, stats: 0}, cli.io), 0, cli.stderr());
		const {source} = await readManifest(out);
		const bytes = await readFile(file);
		assert.deepEqual({type: source.type, size: source.size, sha256: source.sha256}, {type: 'file', size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex')});
	});

	test('Given a folder with more than 26 keywords, when backed up as maildir, then 26 get letters via dovecot-keywords and the rest are kept in the manifest only', async () => {
		const keywords = Array.from({length: 30}, (_, i) => `kw${i}`);
		const source: BackupSource = {
			kind: 'maildir', location: '/virtual',
			describe: async (): Promise<ManifestSource> => ({kind: 'maildir', location: '/virtual', type: 'directory'}),
			listFolders: async (): Promise<BackupFolder[]> => [{path: ['Tagged']}],
			entries: async function* (): AsyncGenerator<BackupEntry> {
				yield {type: 'message', ref: {store: '/virtual', folder: 'Tagged', key: 'k1', location: 'virtual#1'}, content: Buffer.from('Subject: x\r\n\r\ny\r\n'), flags: ['\\Seen', ...keywords], internalDate: new Date(Date.UTC(2010, 0, 1))};
			},
			close: async () => {},
		};
		const out = join(work, 'keywords-out');
		await runBackup(source, {out, format: 'maildir', force: false, includeTrashed: false, toolVersion: 'test'}, new EngineControls());
		const manifest = await readManifest(out);
		const m = manifest.messages[0];
		assert.equal(m?.flagsNotInName?.length, 4);
		assert.deepEqual([...(m?.flags ?? [])].sort(), ['\\Seen', ...keywords].sort(), 'every flag is in the manifest');
		const reread = await MaildirStore.open(out);
		for await (const message of reread.messages({path: ['Tagged']})) assert.equal(message.flags.size, 1 + 26, 'Seen and 26 keywords are in the file name');
		assert.ok((await verifyBackup(out)).isClean);
	});
});

describe('backup of a source that ends early', () => {
	let work: string;
	before(async () => {
		work = await mkdtemp(join(tmpdir(), 'ms-backup-cut-'));
	});
	after(async () => {
		await rm(work, {recursive: true, force: true});
	});

	test('Given a .pst cut short that still opens, when backed up, then the exit is 9 naming the shortfall, the manifest records it and --verify says NOT OK', async () => {
		// The OST pst-extractor ships, cut at 3,400,000 bytes: every item it lists is still readable (see
		// test/readers/pst-store.test.ts), yet the file is not whole.
		const data = await readFile(join(REPO_ROOT, 'node_modules/pst-extractor/example/testdata/pstextractortest@outlook.com.ost'));
		const cut = join(work, 'cut.ost');
		await writeFile(cut, data.subarray(0, 3_400_000));
		const out = join(work, 'out');
		const cli = captureIo();
		assert.equal(await runBackupCommand({source: cut, out, stats: 0}, cli.io), 9, cli.stderr());
		assert.match(cli.stderr(), /could not be read to its end: read \d+ of ~\d+ items; the file ends early at byte 3400000/);
		const manifest = await readManifest(out);
		assert.match(manifest.incomplete ?? '', /the file ends early at byte 3400000/);
		assert.ok(manifest.messages.length > 0, 'what could be read is backed up');

		const verify = captureIo();
		assert.equal(await runBackupCommand({verify: out}, verify.io), 5, verify.stderr());
		assert.match(verify.stdout(), /incomplete: the source could not be read to its end/);
		assert.match(verify.stdout(), /^NOT OK: the files match the manifest, but the backup is incomplete/m);
		assert.equal((await verifyBackup(out)).isClean, false);
	});
});
