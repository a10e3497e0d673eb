/**
 * What runBackup finds in its output directory before it writes, and whether it may write there (the
 * "Existing output" contract of backup-engine.ts):
 * - a complete backup (manifest.json) is refused unless `force` (then refreshed in place); with `reuseComplete`
 *   (migrate --backup) a complete backup of the same, unchanged source is kept as it is;
 * - an unfinished backup made with other options is refused unless `force` (then its files are deleted —
 *   only those its progress files name — and it starts over);
 * - a non-empty directory that is not a backup is refused unless `force` (nothing in it is deleted).
 * Called once per run, before the run takes the lock for writing.
 */
import {readdir, stat} from 'node:fs/promises';
import {join} from 'node:path';
import type {EngineControls} from '../contracts/controls.js';
import {MailshiftError} from '../contracts/errors.js';
import {MANIFEST_NAME} from './backup-layout.js';
import type {BackupSource} from './backup-source.js';
import {STATE_DIR} from './backup-state.js';
import type {BackupState} from './backup-state.js';
import {classifyFsError} from './classify-fs-error.js';
import {assertNoLinkInside} from './private-tree.js';
import {readManifest} from './manifest.js';
import type {BackupManifest, ManifestSource} from './manifest.js';
import {removeRecordedFiles} from './backup-cleanup.js';
import type {BackupOptions} from './backup-types.js';

/**
 * kept: an up-to-date complete backup is there (nothing to do). write: go on; `previous` is the complete backup
 * being refreshed, `describe` the source's description when it was read to decide, `removed` the files of an
 * unfinished backup with other options that were deleted.
 */
export type ExistingOutput =
	| Readonly<{kind: 'kept'}>
	| Readonly<{kind: 'write'; previous: BackupManifest | undefined; describe: ManifestSource | undefined; removed: number}>;

/**
 * Decides whether the backup may write into `options.out` (see the file header).
 * @throws MailshiftError USAGE (refused, with a hint), a damaged manifest's error (unless `force`), JOURNAL_LOCKED
 *   (another run holds the state), a link inside a backup being refreshed (classified), ABORTED when stopped while
 *   describing the source.
 */
export async function checkExistingOutput(source: BackupSource, options: BackupOptions, controls: EngineControls, state: BackupState): Promise<ExistingOutput> {
	const {out, format} = options;
	const hasState = await state.exists();
	const previous = await exists(join(out, MANIFEST_NAME)) ? await readManifest(out).catch((error: unknown) => {
		if (options.force) return undefined; // a damaged manifest is replaced
		throw error;
	}) : undefined;

	let describe: ManifestSource | undefined;
	let removed = 0;
	if (previous) {
		const isSameSource = previous.source.kind === source.kind && previous.source.location === source.location && previous.format === format;
		if (options.reuseComplete && isSameSource && !options.force) {
			describe = await source.describe(controls.stopSignal);
			if (describe.sha256 !== undefined && describe.sha256 === previous.source.sha256 && previous.options.includeTrashed === options.includeTrashed
				&& previous.incomplete === undefined) {
				return {kind: 'kept'};
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
			removed += await removeRecordedFiles(out, state, undefined);
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
	return {kind: 'write', previous, describe, removed};
}

/** Whether `path` exists (anything stat can see). */
export async function exists(path: string): Promise<boolean> {
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
