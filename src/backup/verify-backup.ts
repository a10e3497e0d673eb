/**
 * verifyBackup: re-reads a backup against its manifest and lists every difference (read-only; never changes
 * the backup).
 *
 * Checked, for each kind of difference:
 * - `missing`: a file the manifest names is not there (or is not a regular file).
 * - `changed`: a message file's (maildir, eml) size or SHA-256 differs; an mbox file's size or SHA-256 differs,
 *   and then each message record in it is checked, so the message that changed is named; a `dovecot-keywords`
 *   file differs.
 * - `date`: a message file's mtime is not its INTERNALDATE (tolerance 2 s: FAT stores mtimes in 2-second
 *   steps), or an mbox From_ line's date is not.
 * - `extra`: a file in the backup directory that the manifest does not name (leftover temporary files
 *   included). Directories are not files: empty `new/` and `tmp/` are expected.
 * - `unsafe`: a manifest path that is absolute or leaves the backup (`..`): never opened.
 *
 * A manifest that records `incomplete` (the source ended early, a cut .pst) is never clean, whatever the files.
 *
 * Memory: the manifest (about 300 bytes per message) and one message or 64 KiB read buffer at a time.
 */
import {open, readdir} from 'node:fs/promises';
import {join} from 'node:path';
import {MailshiftError} from '../contracts/errors.js';
import {MANIFEST_NAME} from './backup-layout.js';
import {hashFile, sha256Of} from './durable-file.js';
import {readManifest} from './manifest.js';
import type {BackupManifest, ManifestMessage} from './manifest.js';
import {asctime, decodeMboxRecord} from './writers/mbox-writer.js';
import {isSafeRelativePath} from './safe-path.js';

/** Kinds of differences (see the file header). */
export type DifferenceKind = 'missing' | 'changed' | 'date' | 'extra' | 'unsafe';

/** One difference between the backup and its manifest. */
export type BackupDifference = Readonly<{
	kind: DifferenceKind;
	/** Relative path in the backup. */
	path: string;
	detail: string;
	/** The message concerned, when there is one. */
	folder?: string;
	key?: string;
}>;

/** The result of a verify; `isClean` when no difference was found. */
export type BackupVerifyResult = Readonly<{
	dir: string;
	manifest: Pick<BackupManifest, 'format' | 'source' | 'completedAt' | 'tool' | 'totals' | 'incomplete'>;
	/** Messages checked, and those found exactly as recorded. */
	checked: number;
	ok: number;
	/** Non-message files checked (mbox folder files, dovecot-keywords, non-mail exports). */
	files: number;
	counts: Readonly<Record<DifferenceKind, number>>;
	differences: readonly BackupDifference[];
	/** Differences not listed because the list was full (all are counted). */
	differencesDropped: number;
	isClean: boolean;
}>;

/** Options of verifyBackup. */
export type VerifyOptions = Readonly<{
	signal?: AbortSignal;
	/** Differences listed (all are counted). @default 10000 */
	maxDifferences?: number;
}>;

const DATE_TOLERANCE_MS = 2000;

/**
 * Checks the backup in `dir` against its manifest (read-only). Called by `mailshift backup --verify`.
 * @throws MailshiftError NOT_A_MAIL_STORE when `dir` has no (valid) manifest; ABORTED when `signal` aborts.
 */
export async function verifyBackup(dir: string, options: VerifyOptions = {}): Promise<BackupVerifyResult> {
	const manifest = await readManifest(dir);
	const max = options.maxDifferences ?? 10_000;
	const differences: BackupDifference[] = [];
	const counts: Record<DifferenceKind, number> = {missing: 0, changed: 0, date: 0, extra: 0, unsafe: 0};
	let dropped = 0;
	let checked = 0;
	let ok = 0;
	let files = 0;
	const report = (difference: BackupDifference): void => {
		counts[difference.kind]++;
		if (differences.length < max) differences.push(difference);
		else dropped++;
	};
	const aborted = (): void => {
		if (options.signal?.aborted) throw new MailshiftError('ABORTED', 'Stopped.', 'fatal');
	};
	const expected = new Set<string>([MANIFEST_NAME]);
	const at = (relative: string): string => join(dir, ...relative.split('/'));

	if (manifest.format === 'mbox') {
		const byFile = new Map<string, ManifestMessage[]>();
		for (const m of manifest.messages) byFile.set(m.path, [...(byFile.get(m.path) ?? []), m]);
		for (const folder of manifest.folders) {
			aborted();
			if (!isSafeRelativePath(folder.path)) {
				report({kind: 'unsafe', path: folder.path, detail: 'the manifest names a path outside the backup; not opened'});
				continue;
			}
			expected.add(folder.path);
			const messages = byFile.get(folder.path) ?? [];
			checked += messages.length;
			files++;
			const facts = await hashFile(at(folder.path), options.signal);
			if (!facts) {
				report({kind: 'missing', path: folder.path, detail: `the mbox file of folder "${folder.label}" (${messages.length} messages) is missing`});
				continue;
			}
			if (folder.file && facts.size === folder.file.size && facts.sha256 === folder.file.sha256) {
				ok += messages.length; // the whole file is as written, so is every record in it
				continue;
			}
			report({kind: 'changed', path: folder.path, detail: folder.file ? `expected ${folder.file.size} bytes (sha256 ${folder.file.sha256.slice(0, 12)}…), found ${facts.size} bytes (sha256 ${facts.sha256.slice(0, 12)}…)` : 'no size recorded'});
			ok += await checkMboxRecords(at(folder.path), folder.path, messages, report, aborted);
		}
	} else {
		for (const m of manifest.messages) {
			aborted();
			checked++;
			if (!isSafeRelativePath(m.path)) {
				report({kind: 'unsafe', path: m.path, folder: m.folder, key: m.key, detail: 'the manifest names a path outside the backup; not opened'});
				continue;
			}
			expected.add(m.path);
			const facts = await hashFile(at(m.path), options.signal);
			if (!facts) {
				report({kind: 'missing', path: m.path, folder: m.folder, key: m.key, detail: `message ${m.messageId ? `<${m.messageId}> ` : ''}of folder "${m.folder}" is missing`});
				continue;
			}
			if (facts.size !== m.size || facts.sha256 !== m.sha256) {
				report({kind: 'changed', path: m.path, folder: m.folder, key: m.key, detail: `expected ${m.size} bytes (sha256 ${m.sha256.slice(0, 12)}…), found ${facts.size} bytes (sha256 ${facts.sha256.slice(0, 12)}…)`});
				continue;
			}
			const date = Date.parse(m.date);
			if (Math.abs(facts.mtimeMs - date) > DATE_TOLERANCE_MS) {
				report({kind: 'date', path: m.path, folder: m.folder, key: m.key, detail: `the file's time is ${new Date(facts.mtimeMs).toISOString()}, the message's received date ${m.date} (copy backups with their times)`});
				continue;
			}
			ok++;
		}
	}
	for (const file of manifest.files) {
		aborted();
		files++;
		if (!isSafeRelativePath(file.path)) {
			report({kind: 'unsafe', path: file.path, detail: 'the manifest names a path outside the backup; not opened'});
			continue;
		}
		expected.add(file.path);
		const facts = await hashFile(at(file.path), options.signal);
		const what = file.role === 'non-mail-export' ? `the exported ${file.itemKind} (${file.folder}, item ${file.key})` : `the ${file.role} file`;
		if (!facts) report({kind: 'missing', path: file.path, detail: `${what} is missing`});
		else if (facts.size !== file.size || facts.sha256 !== file.sha256) {
			report({kind: 'changed', path: file.path, detail: file.role === 'non-mail-export' ? `${what} changed` : `${what} changed: flags of this folder's messages may read differently`});
		}
	}
	for await (const path of walkFiles(dir, '')) {
		aborted();
		if (!expected.has(path)) report({kind: 'extra', path, detail: 'not part of the backup (not in the manifest)'});
	}
	const {format, source, completedAt, tool, totals, incomplete} = manifest;
	return {
		dir, manifest: {format, source, completedAt, tool, totals, ...(incomplete === undefined ? {} : {incomplete})}, checked, ok, files, counts,
		differences, differencesDropped: dropped,
		// A backup of a source that ended early matches its manifest at best: it is still not a complete copy.
		isClean: Object.values(counts).every((n) => n === 0) && incomplete === undefined,
	};
}

/** Checks each record of a changed mbox file; returns how many are intact. */
async function checkMboxRecords(file: string, path: string, messages: readonly ManifestMessage[], report: (d: BackupDifference) => void, aborted: () => void): Promise<number> {
	let ok = 0;
	const handle = await open(file, 'r');
	try {
		const size = (await handle.stat()).size;
		for (const m of messages) {
			aborted();
			const offset = m.offset ?? -1;
			const length = m.length ?? -1;
			const where = {path, folder: m.folder, key: m.key};
			const name = `message ${m.messageId ? `<${m.messageId}> ` : ''}at byte ${offset}`;
			if (offset < 0 || length < 0 || offset + length > size) {
				report({...where, kind: 'missing', detail: `${name} lies beyond the end of the file`});
				continue;
			}
			const record = Buffer.alloc(length);
			await handle.read(record, 0, length, offset);
			const content = decodeMboxRecord(record, m.mboxAddedLineEnd === true);
			if (!content || content.length !== m.size || sha256Of(content) !== m.sha256) {
				report({...where, kind: 'changed', detail: `${name} changed`});
				continue;
			}
			const fromLine = record.subarray(0, record.indexOf(0x0a)).toString('latin1').replace(/\r$/, '');
			if (fromLine !== `From MAILER-DAEMON ${asctime(new Date(m.date))}`) {
				report({...where, kind: 'date', detail: `${name}: the From_ line "${fromLine}" does not carry its received date ${m.date}`});
				continue;
			}
			ok++;
		}
	} finally {
		await handle.close();
	}
	return ok;
}

/** Every non-directory entry below `dir`, as POSIX relative paths (symlinks reported, never followed). */
async function* walkFiles(dir: string, prefix: string): AsyncGenerator<string> {
	let entries;
	try {
		entries = await readdir(join(dir, prefix), {withFileTypes: true});
	} catch {
		return;
	}
	for (const entry of entries) {
		const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
		if (entry.isDirectory()) yield* walkFiles(dir, relative);
		else yield relative;
	}
}
