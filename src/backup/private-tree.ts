/**
 * A backup tree is private and never leads outside itself.
 *
 * - Private: backups hold mail, so every file is created owner-only (0600) and every directory mailshift
 *   creates owner-only (0700), as the journal is. The mode is set explicitly (fchmod/chmod after creating), so
 *   the umask (often 022) does not decide it. An existing `--out` directory keeps its own mode (the user chose
 *   it); what mailshift puts into it is private either way.
 * - Never through a link: a symbolic link already inside `--out` (left by a user, a restore tool or another
 *   program) would make a refresh write or delete outside the backup. Directories are walked component by
 *   component with lstat(2) and a link refuses the run naming it; files are opened with O_NOFOLLOW where the
 *   platform has it (POSIX.1-2008; Windows has no such flag, and creating links there needs privileges).
 *   `--out` itself may be a link: the user named it.
 */
import {constants} from 'node:fs';
import {chmod, lstat, mkdir, open, readdir} from 'node:fs/promises';
import type {FileHandle} from 'node:fs/promises';
import {isAbsolute, join, relative, sep} from 'node:path';
import {symlinkRefusal} from './classify-fs-error.js';

/** Mode of every file a backup writes. */
export const PRIVATE_FILE_MODE = 0o600;
/** Mode of every directory a backup creates. */
export const PRIVATE_DIR_MODE = 0o700;

const O_NOFOLLOW = constants.O_NOFOLLOW ?? 0;

function errno(error: unknown): string | undefined {
	return (error as NodeJS.ErrnoException).code;
}

/**
 * Creates the backup directory `out` (0700, with any missing parents) unless it exists. Idempotent.
 * Throws the fs error unclassified.
 */
export async function makeBackupRoot(out: string): Promise<void> {
	const created = await mkdir(out, {recursive: true, mode: PRIVATE_DIR_MODE});
	if (created !== undefined) await chmod(out, PRIVATE_DIR_MODE);
}

/**
 * Makes `dir` (inside the existing `out`) a real directory: each component below `out` that is missing is
 * created 0700; one that is a symbolic link refuses. Idempotent; safe against a concurrent creator.
 * @throws MailshiftError USAGE for a link (naming it); fs errors unclassified (ENOTDIR for a file in the way).
 */
export async function makePrivateDir(out: string, dir: string): Promise<void> {
	let current = out;
	for (const segment of segmentsBelow(out, dir)) {
		current = join(current, segment);
		if (await isRealDirectory(out, current)) continue;
		try {
			await mkdir(current, {mode: PRIVATE_DIR_MODE});
			await chmod(current, PRIVATE_DIR_MODE);
		} catch (error) {
			if (errno(error) !== 'EEXIST' || !(await isRealDirectory(out, current))) throw error;
		}
	}
}

/**
 * Checks that no directory between `out` and `path` (a file inside it) is a symbolic link, so that writing or
 * deleting `path` stays inside the backup. The file itself is not checked (rename and unlink act on a link,
 * not on its target). @throws MailshiftError USAGE naming the link; fs errors other than ENOENT unclassified.
 */
export async function assertNoLinkAbove(out: string, path: string): Promise<void> {
	const segments = segmentsBelow(out, path).slice(0, -1);
	let current = out;
	for (const segment of segments) {
		current = join(current, segment);
		try {
			if ((await lstat(current)).isSymbolicLink()) throw symlinkRefusal(current, out);
		} catch (error) {
			if (errno(error) === 'ENOENT') return;
			throw error;
		}
	}
}

/**
 * Checks the whole tree below `out` for symbolic links (readdir types, never followed), before a refresh
 * changes anything: a link met only half-way would leave the backup changed by a refused run (its manifest
 * moved aside). Recursion depth is the tree's own depth. @throws MailshiftError USAGE naming the first link;
 * fs errors other than ENOENT unclassified.
 */
export async function assertNoLinkInside(out: string, dir = out): Promise<void> {
	let entries;
	try {
		entries = await readdir(dir, {withFileTypes: true});
	} catch (error) {
		if (errno(error) === 'ENOENT') return;
		throw error;
	}
	for (const entry of entries) {
		const path = join(dir, entry.name);
		if (entry.isSymbolicLink()) throw symlinkRefusal(path, out);
		if (entry.isDirectory()) await assertNoLinkInside(out, path);
	}
}

/**
 * Opens a backup file for writing, owner-only, never through a symbolic link (ELOOP, classified by
 * classify-fs-error.ts). `mode` 'w' truncates or creates; 'a' appends or creates.
 */
export async function openPrivateFile(path: string, mode: 'w' | 'a'): Promise<FileHandle> {
	const flags = constants.O_WRONLY | constants.O_CREAT | O_NOFOLLOW | (mode === 'w' ? constants.O_TRUNC : constants.O_APPEND);
	const file = await open(path, flags, PRIVATE_FILE_MODE);
	try {
		await file.chmod(PRIVATE_FILE_MODE);
	} catch (error) {
		await file.close().catch(() => undefined);
		throw error;
	}
	return file;
}

/** Whether `path` exists as a directory (false when missing); a link refuses. */
async function isRealDirectory(out: string, path: string): Promise<boolean> {
	let info;
	try {
		info = await lstat(path);
	} catch (error) {
		if (errno(error) === 'ENOENT') return false;
		throw error;
	}
	if (info.isSymbolicLink()) throw symlinkRefusal(path, out);
	if (!info.isDirectory()) throw Object.assign(new Error(`${path} is not a directory`), {code: 'ENOTDIR'});
	return true;
}

/** The path segments of `path` below `out`. Throws (a bug) when `path` is not inside `out`. */
function segmentsBelow(out: string, path: string): string[] {
	const rel = relative(out, path);
	if (rel === '') return [];
	if (isAbsolute(rel) || rel === '..' || rel.startsWith(`..${sep}`)) throw new Error(`${path} is not inside the backup directory ${out}`);
	return rel.split(sep);
}
