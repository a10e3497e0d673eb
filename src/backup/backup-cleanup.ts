/**
 * What a backup deletes, and only that: files named in its own progress files or in the manifest it replaces,
 * inside `out`, after `isSafeRelativePath`, never through a symbolic link, never in the state directory
 * (the contract "never deletes anything it did not write" of backup-engine.ts). Used by existing-output.ts,
 * backup-folder.ts and finish-backup.ts.
 */
import {readdir, readFile, rm} from 'node:fs/promises';
import {join} from 'node:path';
import type {FolderPlacement} from './backup-layout.js';
import {STATE_DIR} from './backup-state.js';
import type {BackupState, ProgressLine} from './backup-state.js';
import {assertNoLinkAbove} from './private-tree.js';
import {readManifest} from './manifest.js';
import type {BackupManifest} from './manifest.js';
import {isSafeRelativePath} from './safe-path.js';

/**
 * Deletes one file of the backup (a path the backup itself recorded). Returns 1 when a file was deleted. A path
 * that leads through a symbolic link (put there after that backup) is left alone: it may lead outside the backup.
 */
export async function removeInside(out: string, relative: string): Promise<number> {
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
export async function removeRecordedFiles(out: string, state: BackupState, keep: ReadonlySet<string> | undefined): Promise<number> {
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
export async function removeFilesNotIn(out: string, previous: BackupManifest, placements: readonly FolderPlacement[], keep: (folder: string) => boolean): Promise<number> {
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
