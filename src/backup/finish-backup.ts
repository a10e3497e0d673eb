/**
 * finishBackup: the end of a backup run that read every folder — the manifest (written last, from the
 * folders' progress files), then the files of messages and folders the source no longer has, then the state.
 *
 * Contracts:
 * - A folder that could not be read this time, or that may be missing only because listing the source met a
 *   problem, keeps its earlier files (they then show up as extra files in --verify, never silently lost).
 * - A source that ended early (a cut .pst) is backed up as far as it goes, but the manifest says so
 *   (`incomplete`): it is not a complete copy, and `--verify` and the exit code (SOURCE_INCOMPLETE) must not
 *   call it one.
 * - Deletes only what backup-cleanup.ts may delete.
 */
import {join} from 'node:path';
import type {FolderPlacement} from './backup-layout.js';
import {MANIFEST_NAME} from './backup-layout.js';
import type {ProgressLine} from './backup-state.js';
import {classifyFsError} from './classify-fs-error.js';
import {writeManifest} from './manifest.js';
import type {BackupManifest, ManifestFile, ManifestFolder, ManifestSource} from './manifest.js';
import {removeFilesNotIn, removeRecordedFiles} from './backup-cleanup.js';
import type {BackupRun} from './backup-types.js';

/**
 * Writes the manifest and removes what the backup no longer uses (see the file header); `replaced` is the
 * manifest of the complete backup being refreshed. Sets the summary's `incomplete`, `manifestPath`, `removed`.
 * @throws MailshiftError OVER_QUOTA and other classified disk errors writing the manifest.
 */
export async function finishBackup(run: BackupRun, placements: readonly FolderPlacement[], describe: ManifestSource, createdAt: string, replaced: BackupManifest | undefined): Promise<void> {
	const {tally, state, options: {out}} = run;
	const {summary} = tally;
	const incomplete = run.source.incompleteness?.();
	if (incomplete !== undefined) summary.incomplete = incomplete;
	const manifestPath = await writeBackupManifest(run, placements, describe, createdAt, incomplete);
	tally.emit({type: 'manifest', path: manifestPath});
	summary.manifestPath = manifestPath;
	const isListingComplete = tally.globalProblems.length === 0;
	const listed = new Set(placements.map((p) => p.label));
	const keep = (folder: string): boolean => tally.unreadable.has(folder) || (!listed.has(folder) && !isListingComplete);
	if (isListingComplete) summary.removed += await removeRecordedFiles(out, state, new Set(placements.map((p) => state.progressPath(p.label))));
	if (replaced) summary.removed += await removeFilesNotIn(out, replaced, placements, keep);
	await state.remove();
}

/** The manifest from the folders' `done` records and progress lines, plus the problems met outside any folder. */
async function writeBackupManifest(run: BackupRun, placements: readonly FolderPlacement[], sourceInfo: ManifestSource, createdAt: string, incomplete: string | undefined): Promise<string> {
	const {state, options, tally: {globalProblems}} = run;
	const {out, format} = options;
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
			manifestVersion: 1, tool: {name: 'mailshift', version: options.toolVersion}, format, createdAt, completedAt: new Date(run.now()).toISOString(),
			source: sourceInfo, options: {includeTrashed: options.includeTrashed}, totals, ...(incomplete === undefined ? {} : {incomplete}), folders: entries,
		}, {
			messages: () => linesOf('m'), skipped: () => linesOf('s'), failed: () => linesOf('f'), warnings: () => linesOf('w'), files: () => linesOf('x') as AsyncIterable<ManifestFile>,
		});
	} catch (error) {
		throw classifyFsError(error, join(out, MANIFEST_NAME), out);
	}
}

function strip<T extends {t: string}>(line: T): Omit<T, 't'> {
	const {t: _t, ...rest} = line;
	return rest;
}
