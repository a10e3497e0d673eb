/**
 * backupFolder: one folder of a backup run, message by message, with its progress file (the partial manifest)
 * checkpointed every `checkpointEvery` messages or `checkpointBytes` written bytes.
 *
 * Contracts:
 * - A folder finished by an earlier run (its progress ends in a `done` line for the same path) is counted
 *   from that record and not read again.
 * - Each message's file is written durably by the folder writer; a file already there with the recorded size
 *   and SHA-256 is kept (`reused`). Non-mail items with an export become vCard/iCalendar files under `non-mail/`.
 * - A folder that cannot be read (further) is recorded as failed, its earlier files are kept, and the run goes
 *   on (`skip` disposition). A fatal error checkpoints what is done and is thrown.
 * - A stop finishes the message in hand, checkpoints, and returns false.
 * - Deletes only files an earlier pass of this folder recorded and this pass no longer uses (backup-cleanup.ts).
 */
import {join} from 'node:path';
import {toMailshiftError} from '../contracts/errors.js';
import type {NonMailExport} from '../contracts/types.js';
import type {FolderPlacement} from './backup-layout.js';
import {NON_MAIL_DIR, nonMailFileName} from './backup-layout.js';
import type {BackupFolder} from './backup-source.js';
import type {ProgressLine, ProgressWriter} from './backup-state.js';
import type {BackupWriter, FolderWriter} from './writers/backup-writer.js';
import {classifyFsError} from './classify-fs-error.js';
import {fsyncDirectory, hasContent, sha256Of, writeFileDurably} from './durable-file.js';
import {makePrivateDir} from './private-tree.js';
import type {ManifestFile, ManifestFolder, ManifestMessage, ManifestProblem} from './manifest.js';
import {removeInside} from './backup-cleanup.js';
import type {BackupFolderSummary, BackupRun} from './backup-types.js';

/**
 * Backs up one folder (see the file header); `index` is its place in the run, for the events.
 * @returns false when the run stopped in it.
 * @throws MailshiftError fatal errors of the source or the disk (after a checkpoint).
 */
export async function backupFolder(run: BackupRun, folder: BackupFolder, placement: FolderPlacement, index: number, writer: BackupWriter): Promise<boolean> {
	const {state, tally, options, controls} = run;
	const {label} = placement;
	const folderSummary = tally.startFolder(label, placement.path);
	const recordedLines = await state.loadProgress(label);
	const done = recordedLines.find((l): l is Extract<ProgressLine, {t: 'done'}> => l.t === 'done');
	if (done && done.folder.path === placement.path) {
		tally.finishedEarlier(folderSummary, done.folder, recordedLines.filter((l) => l.t === 'x' && l.role === 'non-mail-export').length);
		tally.emit({type: 'folder', label, path: placement.path, index, done: true, ...(folder.count === undefined ? {} : {count: folder.count})});
		return true;
	}
	tally.emit({type: 'folder', label, path: placement.path, index, done: false, ...(folder.count === undefined ? {} : {count: folder.count})});
	const previousPaths = new Set<string>();
	for (const line of recordedLines) if (line.t === 'm' || line.t === 'x') previousPaths.add(line.path);
	if (!writer.resumesWithinFolder || done) await state.rewriteProgress(label, []);

	const pass: ProgressLine[] = [];
	const progress = await state.openProgress(label);
	let folderWriter: FolderWriter | undefined;
	const record = (line: ProgressLine): void => {
		pass.push(line);
		progress.append(line);
	};
	tally.current = {label, record, summary: folderSummary};
	try {
		folderWriter = await writer.openFolder(placement);
		await writeEntries(run, folder, placement, {summary: folderSummary, folderWriter, progress, record, previousPaths});
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
		if (writer.resumesWithinFolder && !tally.unreadable.has(label)) for (const path of previousPaths) tally.summary.removed += await removeInside(options.out, path);
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
		tally.current = undefined;
		await progress.close().catch(() => undefined);
	}
}

/** A folder being written: its counts, its writer, its progress file, and the files an earlier pass recorded that this pass has not used (yet). */
type FolderPass = Readonly<{
	summary: BackupFolderSummary;
	folderWriter: FolderWriter;
	progress: ProgressWriter;
	/** Appends a line to the progress file (and keeps it for the folder's `done` rewrite). */
	record: (line: ProgressLine) => void;
	previousPaths: Set<string>;
}>;

/**
 * Reads the folder's entries into its writer until the end or a stop, checkpointing as it goes. A folder that
 * cannot be read (further) is recorded as failed; a stop's ABORTED is the stop, not an error.
 * @throws MailshiftError a fatal error (the caller checkpoints and rethrows it).
 */
async function writeEntries(run: BackupRun, folder: BackupFolder, placement: FolderPlacement, pass: FolderPass): Promise<void> {
	const {tally, options, controls} = run;
	const {label} = placement;
	let sinceCheckpoint = 0;
	let bytesSinceCheckpoint = 0;
	try {
		for await (const entry of run.source.entries(folder, controls.stopSignal)) {
			if (controls.isStopping) break;
			if (entry.type === 'skip') {
				let exportedTo: string | undefined;
				if (entry.export !== undefined) {
					const file = await writeExport(options.out, placement, entry.ref.key, entry.itemKind ?? 'non-mail item', entry.export);
					pass.record({t: 'x', ...file});
					pass.previousPaths.delete(file.path);
					exportedTo = file.path;
					tally.exported(pass.summary);
				}
				pass.record({
					t: 's', folder: label, key: entry.ref.key, location: entry.ref.location, code: entry.code, reason: entry.reason,
					...(entry.itemKind === undefined ? {} : {itemKind: entry.itemKind}), ...(exportedTo === undefined ? {} : {exportedTo}),
				});
				tally.skipped(pass.summary, {kind: 'skipped', folder: label, location: entry.ref.location, key: entry.ref.key, code: entry.code, reason: entry.reason});
				continue;
			}
			const sha256 = sha256Of(entry.content);
			const result = await pass.folderWriter.write(entry, sha256);
			const message: ManifestMessage = {
				folder: label, key: entry.ref.key, ...(entry.messageId === undefined ? {} : {messageId: entry.messageId}),
				size: entry.content.length, sha256, flags: entry.flags, date: entry.internalDate.toISOString(),
				...(entry.dateSource === undefined ? {} : {dateSource: entry.dateSource}), path: result.path,
				...(result.offset === undefined ? {} : {offset: result.offset}), ...(result.length === undefined ? {} : {length: result.length}),
				...(result.mboxAddedLineEnd ? {mboxAddedLineEnd: true} as const : {}),
				...(result.flagsNotInName ? {flagsNotInName: result.flagsNotInName} : {}),
			};
			pass.record({t: 'm', ...message});
			pass.previousPaths.delete(result.path);
			tally.message(pass.summary, label, message.size, result.reused);
			sinceCheckpoint++;
			bytesSinceCheckpoint += message.size;
			if (sinceCheckpoint >= (options.checkpointEvery ?? 200) || bytesSinceCheckpoint >= (options.checkpointBytes ?? 64 * 1024 * 1024)) {
				await checkpoint(pass.folderWriter, pass.progress);
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
			pass.record({t: 'f', ...problem});
			tally.folderFailed(pass.summary, problem);
		}
	}
}

/**
 * Writes one non-mail item's vCard/iCalendar file under `non-mail/` (durably: tmp + fsync + rename +
 * fsync(dir)); a file already there with these bytes is kept. Non-mail items are few next to mail, so the
 * directory is synced per file rather than per checkpoint.
 */
async function writeExport(out: string, placement: FolderPlacement, key: string, itemKind: string, item: NonMailExport): Promise<ManifestFile> {
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

/** Makes what is written so far durable: the message files (and their directories), then the progress lines naming them. */
async function checkpoint(folderWriter: FolderWriter, progress: ProgressWriter): Promise<void> {
	await folderWriter.sync();
	await progress.sync();
}
