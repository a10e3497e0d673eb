/**
 * runBackup: source → writer, folder by folder, message by message, with a partial manifest that makes an
 * interrupted backup continue where it stopped, and the manifest written last. This file wires the parts:
 * existing-output.ts (may it write there?), backup-folder.ts (one folder, checkpoints), finish-backup.ts
 * (manifest, then deletions), backup-tally.ts (counts, problems, events), backup-cleanup.ts (what may be deleted).
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
import {rename} from 'node:fs/promises';
import {join} from 'node:path';
import type {EngineControls} from '../contracts/controls.js';
import {MANIFEST_NAME, placeFolders} from './backup-layout.js';
import type {BackupSource} from './backup-source.js';
import {BackupState} from './backup-state.js';
import {createBackupWriter} from './writers/index.js';
import {classifyFsError} from './classify-fs-error.js';
import {makeBackupRoot, makePrivateDir} from './private-tree.js';
import {readManifestFile} from './manifest.js';
import {BackupTally} from './backup-tally.js';
import {checkExistingOutput, exists} from './existing-output.js';
import {backupFolder} from './backup-folder.js';
import {finishBackup} from './finish-backup.js';
import type {BackupHooks, BackupOptions, BackupRun, BackupSummary} from './backup-types.js';

export type {BackupEvent, BackupFolderSummary, BackupHooks, BackupOptions, BackupProblem, BackupSummary} from './backup-types.js';

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
	const tally = new BackupTally(out, format, options.maxProblems ?? 1000, hooks.onEvent);
	const {summary} = tally;

	try {
		await makeBackupRoot(out);
	} catch (error) {
		throw classifyFsError(error, out, out);
	}
	const state = new BackupState(out);
	const existing = await checkExistingOutput(source, options, controls, state);
	if (existing.kind === 'kept') {
		summary.outcome = 'kept';
		summary.manifestPath = join(out, MANIFEST_NAME);
		summary.elapsedMs = now() - started;
		return summary;
	}
	const {previous} = existing;
	summary.removed += existing.removed;
	await state.lock();
	const relayDetach = hooks.problems?.attach((p) => tally.readerProblem(p)) ?? ((): void => {});
	const run: BackupRun = {source, options, controls, state, tally, now};
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
		const describe = existing.describe ?? await source.describe(controls.stopSignal);
		const folders = await source.listFolders(controls.stopSignal);
		const placements = placeFolders(format, folders.map((f) => f.path));
		tally.emit({type: 'start', folders: folders.length, resumed: summary.resumed, refreshing: summary.refreshed});
		const writer = createBackupWriter(format, {out, ...(options.maildirInfoSeparator ? {maildirInfoSeparator: options.maildirInfoSeparator} : {})});

		for (let i = 0; i < folders.length; i++) {
			if (controls.isStopping) break;
			const folder = folders[i];
			const placement = placements[i];
			if (!folder || !placement) continue;
			const isDone = await backupFolder(run, folder, placement, i, writer);
			if (!isDone) break;
		}
		if (controls.isStopping) {
			summary.outcome = 'interrupted';
			return summary;
		}
		await finishBackup(run, placements, describe, createdAt, replaced);
		summary.outcome = 'complete';
		return summary;
	} finally {
		relayDetach();
		state.unlock();
		summary.elapsedMs = now() - started;
	}
}
