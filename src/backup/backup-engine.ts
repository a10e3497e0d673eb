/**
 * runBackup: source → writer, folder by folder, message by message, with a partial manifest that makes an
 * interrupted backup continue where it stopped, and the manifest written last.
 *
 * Contracts:
 * - Streaming: one message's bytes at a time; memory otherwise grows with the largest folder (its progress
 *   lines, ~300 bytes per message), not with the store.
 * - Durability: each file tmp + fsync + rename; every `checkpointEvery` messages (or `checkpointBytes`) the
 *   directories are fsynced, then the progress lines naming those files. On the next run a message whose
 *   file is there with the recorded size and SHA-256 is not written again (`reused`); a finished folder is not
 *   read again at all.
 * - Existing output: a complete backup (manifest.json) is refused unless `force` (then it is refreshed in
 *   place: unchanged files are kept, files of messages that are gone are deleted — only files the old manifest
 *   lists). With `reuseComplete` (migrate --backup) a complete backup of the same, unchanged source is kept
 *   as it is. An unfinished backup with other options, or a non-empty directory that is not a backup, is
 *   refused unless `force`.
 * - Stops: `controls.stop()` finishes the message in hand, checkpoints and returns `interrupted`. A fatal error
 *   (disk full, source gone) checkpoints what is done and throws it. A folder that cannot be read is recorded
 *   as failed and the backup goes on (STYLE rule 5 dispositions).
 * - Never deletes anything it did not write: deletions are limited to files named in its own progress files or
 *   previous manifest, inside `out`, after `isSafeRelativePath`.
 */
import {readdir, readFile, rename, rm, stat} from 'node:fs/promises';
import {join} from 'node:path';
import type {EngineControls} from '../contracts/controls.js';
import {MailshiftError, toMailshiftError} from '../contracts/errors.js';
import type {ProblemRelay} from '../engine/problem-relay.js';
import type {ReaderProblem} from '../contracts/source-store.js';
import type {BackupFormat, FolderPlacement} from './backup-layout.js';
import {MANIFEST_NAME, NON_MAIL_DIR, nonMailFileName, placeFolders} from './backup-layout.js';
import type {BackupFolder, BackupSource} from './backup-source.js';
import {BackupState, STATE_DIR} from './backup-state.js';
import type {ProgressLine, ProgressWriter} from './backup-state.js';
import {createBackupWriter} from './writers/index.js';
import type {FolderWriter} from './writers/backup-writer.js';
import {classifyFsError} from './classify-fs-error.js';
import {fsyncDirectory, hasContent, sha256Of, writeFileDurably} from './durable-file.js';
import {assertNoLinkAbove, assertNoLinkInside, makeBackupRoot, makePrivateDir} from './private-tree.js';
import {readManifest, readManifestFile, writeManifest} from './manifest.js';
import type {BackupManifest, ManifestFile, ManifestFolder, ManifestMessage, ManifestProblem, ManifestSource} from './manifest.js';
import type {NonMailExport} from '../contracts/types.js';
import {isSafeRelativePath} from './safe-path.js';

/** How runBackup writes; see each option's default. */
export type BackupOptions = Readonly<{
	/** Absolute output directory (created if missing). */
	out: string;
	format: BackupFormat;
	/** Refresh a complete backup / restart an unfinished one with other options / write into a non-empty directory. @default false */
	force: boolean;
	/** Keep a complete backup of the same unchanged source instead of refusing (migrate --backup). @default false */
	reuseComplete?: boolean;
	/** Back up messages the migration skips as trashed (Maildir T), as `--include-trashed`. @default false */
	includeTrashed: boolean;
	/** Written into the manifest. */
	toolVersion: string;
	/** Maildir info separator. @default ':' (';' is for Windows) */
	maildirInfoSeparator?: ':' | ';';
	/** Messages per checkpoint. @default 200 */
	checkpointEvery?: number;
	/** Written bytes per checkpoint. @default 64 MiB */
	checkpointBytes?: number;
	/** Problems kept in the returned summary (all are in the manifest). @default 1000 */
	maxProblems?: number;
	now?: () => number;
}>;

/** Progress for displays (emitted synchronously; a throwing listener is ignored). */
export type BackupEvent =
	| {type: 'start'; folders: number; resumed: boolean; refreshing: boolean}
	| {type: 'folder'; label: string; path: string; index: number; count?: number; done: boolean}
	| {type: 'message'; folder: string; bytes: number; reused: boolean}
	| {type: 'skipped'; folder: string; code: string; reason: string}
	| {type: 'problem'; kind: 'failed' | 'warning'; problem: ManifestProblem}
	| {type: 'manifest'; path: string};

/** Optional observers of a run. */
export type BackupHooks = Readonly<{
	onEvent?: (event: BackupEvent) => void;
	/** The relay the source was opened with (per-message read problems). */
	problems?: ProblemRelay;
}>;

/** Per-folder counts of one run (folders finished by an earlier run count as reused). */
export type BackupFolderSummary = {
	label: string;
	path: string;
	messages: number;
	written: number;
	reused: number;
	skipped: number;
	/** Non-mail items (contacts, calendar items, tasks, notes) written as vCard/iCalendar files. */
	exported: number;
	failed: number;
	bytes: number;
};

/** A failed, warned or skipped message or folder, for the end-of-run listing (all are in the manifest). */
export type BackupProblem = Readonly<{kind: 'failed' | 'warning' | 'skipped'; folder: string; location: string; key: string; code: string; reason: string}>;

/** The outcome of one run (counts of this run; the manifest has the whole backup). */
export type BackupSummary = {
	/** complete: manifest written; interrupted: run again to continue; kept: an up-to-date complete backup was there. */
	outcome: 'complete' | 'interrupted' | 'kept';
	out: string;
	format: BackupFormat;
	resumed: boolean;
	refreshed: boolean;
	folders: BackupFolderSummary[];
	messages: number;
	written: number;
	reused: number;
	skipped: number;
	/** Non-mail items (contacts, calendar items, tasks, notes) written as vCard/iCalendar files. */
	exported: number;
	failed: number;
	warnings: number;
	bytes: number;
	/** Files of an earlier backup that the source no longer has, deleted. */
	removed: number;
	/** Why the source could not be read to its end (a cut .pst); also in the manifest (`incomplete`). */
	incomplete?: string;
	elapsedMs: number;
	problems: BackupProblem[];
	problemsDropped: number;
	manifestPath?: string;
};

/**
 * Backs up `source` into `options.out` (see the file header for the contracts). Called by the `backup` command
 * and by `migrate --backup`; one run per directory at a time (a lock refuses a second, JOURNAL_LOCKED).
 * @returns the summary; `outcome` says whether the manifest was written.
 * @throws MailshiftError USAGE (existing output refused, see above), JOURNAL_LOCKED, OVER_QUOTA (disk full),
 *   the source's fatal errors (SOURCE_*, AUTH_FAILED, CONNECTION_LOST …), ABORTED when stopped while
 *   describing or listing the source.
 */
export async function runBackup(source: BackupSource, options: BackupOptions, controls: EngineControls, hooks: BackupHooks = {}): Promise<BackupSummary> {
	const now = options.now ?? Date.now;
	const started = now();
	const {out, format} = options;
	const emit = (event: BackupEvent): void => {
		try {
			hooks.onEvent?.(event);
		} catch {
			// a display bug never stops a backup
		}
	};
	const summary: BackupSummary = {
		outcome: 'interrupted', out, format, resumed: false, refreshed: false, folders: [], messages: 0, written: 0, reused: 0,
		skipped: 0, exported: 0, failed: 0, warnings: 0, bytes: 0, removed: 0, elapsedMs: 0, problems: [], problemsDropped: 0,
	};
	const maxProblems = options.maxProblems ?? 1000;
	/** The folder being written, where reader problems of that folder are recorded. */
	let current: {label: string; record: (line: ProgressLine) => void; summary: BackupFolderSummary} | undefined;
	/** Problems outside any folder being written (e.g. while listing folders); bounded. */
	const globalProblems: ProgressLine[] = [];
	/** Folders that could not be read (further) in this run: their earlier backup files are never deleted. */
	const unreadable = new Set<string>();
	const note = (problem: BackupProblem): void => {
		if (summary.problems.length < maxProblems) summary.problems.push(problem);
		else summary.problemsDropped++;
	};

	try {
		await makeBackupRoot(out);
	} catch (error) {
		throw classifyFsError(error, out, out);
	}
	const state = new BackupState(out);
	const hasState = await state.exists();
	const previous = await exists(join(out, MANIFEST_NAME)) ? await readManifest(out).catch((error: unknown) => {
		if (options.force) return undefined; // a damaged manifest is replaced
		throw error;
	}) : undefined;

	let describe: ManifestSource | undefined;
	if (previous) {
		const isSameSource = previous.source.kind === source.kind && previous.source.location === source.location && previous.format === format;
		if (options.reuseComplete && isSameSource && !options.force) {
			describe = await source.describe(controls.stopSignal);
			if (describe.sha256 !== undefined && describe.sha256 === previous.source.sha256 && previous.options.includeTrashed === options.includeTrashed
				&& previous.incomplete === undefined) {
				summary.outcome = 'kept';
				summary.manifestPath = join(out, MANIFEST_NAME);
				summary.elapsedMs = now() - started;
				return summary;
			}
		} else if (!options.force) {
			throw new MailshiftError('USAGE', `${out} already holds a complete backup (of ${previous.source.location}, finished ${previous.completedAt}).`, 'fatal', {
				hint: 'Use --force to refresh it (unchanged messages are kept, files of messages no longer in the source are deleted), or choose another --out.',
			});
		}
	} else if (hasState) {
		const recorded = await state.read();
		const isSame = recorded !== undefined && recorded.format === format && recorded.source.kind === source.kind
			&& recorded.source.location === source.location && recorded.includeTrashed === options.includeTrashed;
		if (!isSame && !options.force) {
			throw new MailshiftError('USAGE', `${out} holds an unfinished backup${recorded ? ` of ${recorded.source.location} (format ${recorded.format}${recorded.includeTrashed ? ', trashed included' : ''})` : ''} made with other options.`, 'fatal', {
				hint: 'Run that backup again to finish it, use --force to start this one over there, or choose another --out.',
			});
		}
		if (!isSame) {
			await state.lock();
			summary.removed += await removeRecordedFiles(out, state, undefined);
			await state.remove();
		}
	} else if (!(await isEmptyDir(out)) && !options.force) {
		throw new MailshiftError('USAGE', `${out} is not empty and holds no mailshift backup.`, 'fatal', {
			hint: 'Choose an empty or new --out directory (or use --force to write into this one anyway; nothing in it is deleted).',
		});
	}

	if (previous) {
		// A refresh moves the manifest aside before it writes: a link that would refuse the run later is refused
		// now, while the backup is still exactly as it was.
		try {
			await assertNoLinkInside(out);
		} catch (error) {
			throw classifyFsError(error, out, out);
		}
	}
	await state.lock();
	const relayDetach = hooks.problems?.attach((p) => onReaderProblem(p)) ?? ((): void => {});
	try {
		summary.resumed = await state.exists();
		if (previous) {
			// Refresh: the old manifest moves into the state (it names the files that may be deleted at the end).
			await makePrivateDir(out, state.dir);
			await rename(join(out, MANIFEST_NAME), state.previousManifestPath);
		}
		// Also when a refresh that was interrupted is resumed.
		const replaced = previous ?? (await exists(state.previousManifestPath) ? await readManifestFile(state.previousManifestPath).catch(() => undefined) : undefined);
		summary.refreshed = replaced !== undefined;
		const createdAt = (await state.read())?.startedAt ?? new Date(now()).toISOString();
		if (!summary.resumed) {
			await state.write({
				stateVersion: 1, format, source: {kind: source.kind, location: source.location}, includeTrashed: options.includeTrashed,
				startedAt: createdAt, toolVersion: options.toolVersion,
			});
		}
		describe ??= await source.describe(controls.stopSignal);
		const folders = await source.listFolders(controls.stopSignal);
		const placements = placeFolders(format, folders.map((f) => f.path));
		emit({type: 'start', folders: folders.length, resumed: summary.resumed, refreshing: summary.refreshed});
		const writer = createBackupWriter(format, {out, ...(options.maildirInfoSeparator ? {maildirInfoSeparator: options.maildirInfoSeparator} : {})});

		for (let i = 0; i < folders.length; i++) {
			if (controls.isStopping) break;
			const folder = folders[i];
			const placement = placements[i];
			if (!folder || !placement) continue;
			const isDone = await backupFolder(folder, placement, i, writer);
			if (!isDone) break;
		}
		if (controls.isStopping) {
			summary.outcome = 'interrupted';
			return summary;
		}

		// Complete: the manifest, then files of messages and folders the source no longer has. A folder that could
		// not be read this time, or that may be missing only because listing the source met a problem, keeps its
		// earlier files (they then show up as extra files in --verify, never silently lost).
		// A source that ended early (a cut .pst) is backed up as far as it goes, but the manifest says so: it is
		// not a complete copy, and `--verify` and the exit code (SOURCE_INCOMPLETE) must not call it one.
		const incomplete = source.incompleteness?.();
		if (incomplete !== undefined) summary.incomplete = incomplete;
		const manifestPath = await writeBackupManifest(placements, describe, createdAt, incomplete);
		emit({type: 'manifest', path: manifestPath});
		summary.manifestPath = manifestPath;
		const isListingComplete = globalProblems.length === 0;
		const listed = new Set(placements.map((p) => p.label));
		const keep = (folder: string): boolean => unreadable.has(folder) || (!listed.has(folder) && !isListingComplete);
		if (isListingComplete) summary.removed += await removeRecordedFiles(out, state, new Set(placements.map((p) => state.progressPath(p.label))));
		if (replaced) summary.removed += await removeFilesNotIn(out, replaced, placements, keep);
		await state.remove();
		summary.outcome = 'complete';
		return summary;
	} finally {
		relayDetach();
		state.unlock();
		summary.elapsedMs = now() - started;
	}

	// --- per folder ---------------------------------------------------------------------------------------

	/** Backs up one folder; false when the run stopped in it. */
	async function backupFolder(folder: BackupFolder, placement: FolderPlacement, index: number, writer: ReturnType<typeof createBackupWriter>): Promise<boolean> {
		const {label} = placement;
		const folderSummary: BackupFolderSummary = {label, path: placement.path, messages: 0, written: 0, reused: 0, skipped: 0, exported: 0, failed: 0, bytes: 0};
		summary.folders.push(folderSummary);
		const recordedLines = await state.loadProgress(label);
		const done = recordedLines.find((l): l is Extract<ProgressLine, {t: 'done'}> => l.t === 'done');
		if (done && done.folder.path === placement.path) {
			// Finished by an earlier run: counted from its record, not read again.
			folderSummary.messages = folderSummary.reused = done.folder.messages;
			folderSummary.skipped = done.folder.skipped;
			folderSummary.failed = done.folder.failed;
			folderSummary.bytes = done.folder.bytes;
			folderSummary.exported = recordedLines.filter((l) => l.t === 'x' && l.role === 'non-mail-export').length;
			summary.exported += folderSummary.exported;
			summary.messages += done.folder.messages;
			summary.reused += done.folder.messages;
			summary.skipped += done.folder.skipped;
			summary.failed += done.folder.failed;
			summary.bytes += done.folder.bytes;
			emit({type: 'folder', label, path: placement.path, index, done: true, ...(folder.count === undefined ? {} : {count: folder.count})});
			return true;
		}
		emit({type: 'folder', label, path: placement.path, index, done: false, ...(folder.count === undefined ? {} : {count: folder.count})});
		const previousPaths = new Set<string>();
		for (const line of recordedLines) if (line.t === 'm' || line.t === 'x') previousPaths.add(line.path);
		if (!writer.resumesWithinFolder || done) await state.rewriteProgress(label, []);

		const pass: ProgressLine[] = [];
		const progress = await state.openProgress(label);
		let folderWriter: FolderWriter | undefined;
		let sinceCheckpoint = 0;
		let bytesSinceCheckpoint = 0;
		const record = (line: ProgressLine): void => {
			pass.push(line);
			progress.append(line);
		};
		current = {label, record, summary: folderSummary};
		try {
			folderWriter = await writer.openFolder(placement);
			try {
				for await (const entry of source.entries(folder, controls.stopSignal)) {
					if (controls.isStopping) break;
					if (entry.type === 'skip') {
						let exportedTo: string | undefined;
						if (entry.export !== undefined) {
							const file = await writeExport(placement, entry.ref.key, entry.itemKind ?? 'non-mail item', entry.export);
							record({t: 'x', ...file});
							previousPaths.delete(file.path);
							exportedTo = file.path;
							folderSummary.exported++;
							summary.exported++;
						}
						record({
							t: 's', folder: label, key: entry.ref.key, location: entry.ref.location, code: entry.code, reason: entry.reason,
							...(entry.itemKind === undefined ? {} : {itemKind: entry.itemKind}), ...(exportedTo === undefined ? {} : {exportedTo}),
						});
						folderSummary.skipped++;
						summary.skipped++;
						note({kind: 'skipped', folder: label, location: entry.ref.location, key: entry.ref.key, code: entry.code, reason: entry.reason});
						emit({type: 'skipped', folder: label, code: entry.code, reason: entry.reason});
						continue;
					}
					const sha256 = sha256Of(entry.content);
					const result = await folderWriter.write(entry, sha256);
					const message: ManifestMessage = {
						folder: label, key: entry.ref.key, ...(entry.messageId === undefined ? {} : {messageId: entry.messageId}),
						size: entry.content.length, sha256, flags: entry.flags, date: entry.internalDate.toISOString(),
						...(entry.dateSource === undefined ? {} : {dateSource: entry.dateSource}), path: result.path,
						...(result.offset === undefined ? {} : {offset: result.offset}), ...(result.length === undefined ? {} : {length: result.length}),
						...(result.mboxAddedLineEnd ? {mboxAddedLineEnd: true} as const : {}),
						...(result.flagsNotInName ? {flagsNotInName: result.flagsNotInName} : {}),
					};
					record({t: 'm', ...message});
					previousPaths.delete(result.path);
					folderSummary.messages++;
					summary.messages++;
					folderSummary.bytes += message.size;
					summary.bytes += message.size;
					if (result.reused) {
						folderSummary.reused++;
						summary.reused++;
					} else {
						folderSummary.written++;
						summary.written++;
					}
					emit({type: 'message', folder: label, bytes: message.size, reused: result.reused});
					sinceCheckpoint++;
					bytesSinceCheckpoint += message.size;
					if (sinceCheckpoint >= (options.checkpointEvery ?? 200) || bytesSinceCheckpoint >= (options.checkpointBytes ?? 64 * 1024 * 1024)) {
						await checkpoint(folderWriter, progress);
						sinceCheckpoint = 0;
						bytesSinceCheckpoint = 0;
					}
				}
			} catch (error) {
				const e = toMailshiftError(error);
				if (!(e.code === 'ABORTED' && controls.isStopping)) {
					if (e.disposition !== 'skip') throw e;
					// The folder cannot be read (further): recorded, and the rest of the source is still backed up.
					const problem: ManifestProblem = {folder: label, key: '', location: label, code: e.code, reason: `${e.message}${e.hint ? ` ${e.hint}` : ''}`};
					unreadable.add(label);
					record({t: 'f', ...problem});
					folderSummary.failed++;
					summary.failed++;
					note({kind: 'failed', ...problem});
					emit({type: 'problem', kind: 'failed', problem});
				}
			}
			if (controls.isStopping) {
				await checkpoint(folderWriter, progress);
				await folderWriter.abandon();
				return false;
			}
			const finish = await folderWriter.finish();
			for (const file of finish.files) {
				record({t: 'x', ...file});
				previousPaths.delete(file.path);
			}
			previousPaths.delete(placement.path);
			// Files an earlier pass wrote for messages that now have other names (flags changed) or are gone.
			if (writer.resumesWithinFolder && !unreadable.has(label)) for (const path of previousPaths) summary.removed += await removeInside(out, path);
			const folderEntry: ManifestFolder = {
				name: placement.name, label, path: placement.path, messages: folderSummary.messages, skipped: folderSummary.skipped,
				failed: folderSummary.failed, bytes: folderSummary.bytes,
				...(folder.uidValidity === undefined ? {} : {uidValidity: folder.uidValidity}),
				...(finish.file ? {file: finish.file} : {}),
			};
			pass.push({t: 'done', folder: folderEntry});
			await progress.close().catch(() => undefined);
			await state.rewriteProgress(label, pass);
			return true;
		} catch (error) {
			// Fatal: keep what is done (checkpoint), then stop the run with the error.
			if (folderWriter) {
				await checkpoint(folderWriter, progress).catch(() => undefined);
				await folderWriter.abandon();
			}
			throw toMailshiftError(error);
		} finally {
			current = undefined;
			await progress.close().catch(() => undefined);
		}
	}

	/**
	 * Writes one non-mail item's vCard/iCalendar file under `non-mail/` (durably: tmp + fsync + rename +
	 * fsync(dir)); a file already there with these bytes is kept. Non-mail items are few next to mail, so the
	 * directory is synced per file rather than per checkpoint.
	 */
	async function writeExport(placement: FolderPlacement, key: string, itemKind: string, item: NonMailExport): Promise<ManifestFile> {
		const name = nonMailFileName(item.title, key, item.extension);
		const relative = [NON_MAIL_DIR, ...placement.segments].join('/');
		const dir = join(out, NON_MAIL_DIR, ...placement.segments);
		const target = join(dir, name);
		const sha256 = sha256Of(item.content);
		try {
			await makePrivateDir(out, dir);
			if (!(await hasContent(target, item.content.length, sha256))) {
				await writeFileDurably(target, join(dir, `.${name}.${process.pid}.mailshift-tmp`), item.content);
				await fsyncDirectory(dir);
			}
		} catch (error) {
			throw classifyFsError(error, target, out);
		}
		return {path: `${relative}/${name}`, size: item.content.length, sha256, role: 'non-mail-export', folder: placement.label, key, itemKind, mediaType: item.mediaType};
	}

	async function checkpoint(folderWriter: FolderWriter, progress: ProgressWriter): Promise<void> {
		await folderWriter.sync();
		await progress.sync();
	}

	// --- problems -----------------------------------------------------------------------------------------

	function onReaderProblem(p: ReaderProblem): void {
		const problem: ManifestProblem = {folder: p.folder, key: '', location: p.location, code: p.code, reason: p.reason};
		const isFailed = p.kind === 'failed';
		if (current && current.label === p.folder) {
			current.record({t: isFailed ? 'f' : 'w', ...problem});
			if (isFailed) current.summary.failed++;
		} else if (globalProblems.length < 10_000) {
			globalProblems.push({t: isFailed ? 'f' : 'w', ...problem});
		}
		if (isFailed) summary.failed++;
		else summary.warnings++;
		note({kind: p.kind, ...problem});
		emit({type: 'problem', kind: p.kind, problem});
	}

	// --- manifest -----------------------------------------------------------------------------------------

	async function writeBackupManifest(placements: readonly FolderPlacement[], sourceInfo: ManifestSource, createdAt: string, incomplete: string | undefined): Promise<string> {
		const entries: ManifestFolder[] = [];
		let warnings = globalProblems.filter((l) => l.t === 'w').length;
		for (const placement of placements) {
			const lines = await state.loadProgress(placement.label);
			const done = lines.find((l): l is Extract<ProgressLine, {t: 'done'}> => l.t === 'done');
			if (done) entries.push(done.folder);
			warnings += lines.filter((l) => l.t === 'w').length;
		}
		const totals = entries.reduce((t, f) => ({...t, messages: t.messages + f.messages, skipped: t.skipped + f.skipped, failed: t.failed + f.failed, bytes: t.bytes + f.bytes}),
			{folders: entries.length, messages: 0, skipped: 0, failed: globalProblems.filter((l) => l.t === 'f').length, warnings, bytes: 0});
		const linesOf = async function* <T extends ProgressLine['t']>(t: T): AsyncGenerator<Omit<Extract<ProgressLine, {t: T}>, 't'>> {
			if (t === 'f' || t === 'w') for (const line of globalProblems) if (line.t === t) yield strip(line) as Omit<Extract<ProgressLine, {t: T}>, 't'>;
			for (const placement of placements) {
				for (const line of await state.loadProgress(placement.label)) if (line.t === t) yield strip(line) as Omit<Extract<ProgressLine, {t: T}>, 't'>;
			}
		};
		try {
			return await writeManifest(out, {
				manifestVersion: 1, tool: {name: 'mailshift', version: options.toolVersion}, format, createdAt, completedAt: new Date(now()).toISOString(),
				source: sourceInfo, options: {includeTrashed: options.includeTrashed}, totals, ...(incomplete === undefined ? {} : {incomplete}), folders: entries,
			}, {
				messages: () => linesOf('m'), skipped: () => linesOf('s'), failed: () => linesOf('f'), warnings: () => linesOf('w'), files: () => linesOf('x') as AsyncIterable<ManifestFile>,
			});
		} catch (error) {
			throw classifyFsError(error, join(out, MANIFEST_NAME), out);
		}
	}
}

function strip<T extends {t: string}>(line: T): Omit<T, 't'> {
	const {t: _t, ...rest} = line;
	return rest;
}

async function exists(path: string): Promise<boolean> {
	try {
		await stat(path);
		return true;
	} catch {
		return false;
	}
}

/** Empty, or holding only the state directory of a run that died before it recorded anything. */
async function isEmptyDir(dir: string): Promise<boolean> {
	try {
		return (await readdir(dir)).every((name) => name === STATE_DIR);
	} catch {
		return true;
	}
}

/**
 * Deletes one file of the backup (a path the backup itself recorded). Returns 1 when a file was deleted. A path
 * that leads through a symbolic link (put there after that backup) is left alone: it may lead outside the backup.
 */
async function removeInside(out: string, relative: string): Promise<number> {
	if (!isSafeRelativePath(relative) || relative.split('/')[0] === STATE_DIR) return 0;
	try {
		const path = join(out, ...relative.split('/'));
		await assertNoLinkAbove(out, path);
		await rm(path);
		return 1;
	} catch {
		return 0;
	}
}

/** Deletes the files recorded in progress files other than `keep` (all when undefined), and those progress files. */
async function removeRecordedFiles(out: string, state: BackupState, keep: ReadonlySet<string> | undefined): Promise<number> {
	let removed = 0;
	let names: string[];
	try {
		names = await readdir(join(state.dir, 'progress'));
	} catch {
		return 0;
	}
	for (const name of names) {
		const path = join(state.dir, 'progress', name);
		if (!name.endsWith('.ndjson') || keep?.has(path)) continue;
		const lines = await loadLines(path);
		for (const line of lines) if (line.t === 'm' || line.t === 'x') removed += await removeInside(out, line.path);
		await rm(path, {force: true});
	}
	return removed;
}

async function loadLines(path: string): Promise<ProgressLine[]> {
	try {
		return (await readFile(path, 'utf8')).split('\n').filter(Boolean).flatMap((line) => {
			try {
				return [JSON.parse(line) as ProgressLine];
			} catch {
				return [];
			}
		});
	} catch {
		return [];
	}
}

/** After a refresh: deletes files the previous manifest lists that the new backup does not use, except `keep`'s folders'. */
async function removeFilesNotIn(out: string, previous: BackupManifest, placements: readonly FolderPlacement[], keep: (folder: string) => boolean): Promise<number> {
	const manifest = await readManifest(out);
	const used = new Set<string>([...manifest.messages.map((m) => m.path), ...manifest.files.map((f) => f.path), ...placements.map((p) => p.path)]);
	const folderOfFile = new Map(previous.folders.map((f) => [f.path, f.label]));
	const candidates = new Map<string, string>();
	for (const m of previous.messages) candidates.set(m.path, m.folder);
	for (const f of previous.files) candidates.set(f.path, folderOfFile.get(f.path.slice(0, f.path.lastIndexOf('/'))) ?? '');
	let removed = 0;
	for (const [path, folder] of candidates) {
		if (!used.has(path) && !keep(folder)) removed += await removeInside(out, path);
	}
	return removed;
}
