/**
 * Writing backup files so that a crash leaves either the old file or the whole new one, never half of one:
 * tmp → write → set mtime → fsync → rename (restic local.Save; STYLE rule 6). The directory is fsynced by
 * the caller once per checkpoint (`fsyncDirectory`), not per file: a rename lost in a crash is found on the
 * next run, which checks every file it relies on by size and SHA-256 before skipping it.
 */
import {createHash} from 'node:crypto';
import {createReadStream} from 'node:fs';
import {chmod, lstat, open, rename, rm, stat, utimes} from 'node:fs/promises';
import {openPrivateFile, PRIVATE_FILE_MODE} from './private-tree.js';

/**
 * Writes `data` to `target` through `tmp` (same directory or file system), with mtime and atime = `mtime`
 * when given. The file is owner-only and `tmp` is never followed if it is a symbolic link (private-tree.ts);
 * renaming over `target` replaces a link there, never writes through it. Idempotent for the same arguments.
 * Throws the fs error (the caller classifies it); the tmp file is removed on failure.
 */
export async function writeFileDurably(target: string, tmp: string, data: Buffer, mtime?: Date): Promise<void> {
	const file = await openPrivateFile(tmp, 'w');
	try {
		try {
			await file.writeFile(data);
			if (mtime) await file.utimes(mtime, mtime);
			await file.sync();
		} finally {
			await file.close();
		}
		await rename(tmp, target);
	} catch (error) {
		await rm(tmp, {force: true}).catch(() => undefined);
		throw error;
	}
}

/** fsync of a directory, so that renames into it survive a crash. Some file systems refuse: then nothing. */
export async function fsyncDirectory(dir: string): Promise<void> {
	let handle;
	try {
		handle = await open(dir, 'r');
		await handle.sync();
	} catch {
		// EISDIR/EINVAL/EPERM on some platforms and file systems (Windows, some FUSE): the rename is still atomic.
	} finally {
		await handle?.close().catch(() => undefined);
	}
}

/** What a file holds, for comparisons. */
export type FileFacts = Readonly<{size: number; sha256: string; mtimeMs: number}>;

/**
 * Size, SHA-256 and mtime of a regular file, or undefined when it is missing or not a regular file. Streams (64 KiB reads).
 * `path` may be bytes (a source file whose name is not UTF-8, see readers/fs-names.ts).
 */
export async function hashFile(path: string | Buffer, signal?: AbortSignal): Promise<FileFacts | undefined> {
	let info;
	try {
		info = await stat(path);
	} catch {
		return undefined;
	}
	if (!info.isFile()) return undefined;
	const hash = createHash('sha256');
	const stream = createReadStream(path, signal ? {highWaterMark: 64 * 1024, signal} : {highWaterMark: 64 * 1024});
	for await (const chunk of stream) hash.update(chunk as Buffer);
	return {size: info.size, sha256: hash.digest('hex'), mtimeMs: info.mtimeMs};
}

/**
 * Checks that `path` is a regular file (not a symbolic link to one: a backup never relies on what a link points
 * to) holding exactly `size` bytes with this SHA-256 (size first: no read when it differs).
 */
export async function hasContent(path: string, size: number, sha256: string, signal?: AbortSignal): Promise<boolean> {
	try {
		const info = await lstat(path);
		if (!info.isFile() || info.size !== size) return false;
	} catch {
		return false;
	}
	return (await hashFile(path, signal))?.sha256 === sha256;
}

/**
 * For a kept file (a regular file, checked by hasContent): sets its mtime (and atime) when it differs from
 * `date` by a second or more, and makes it owner-only when an earlier version left it readable by others.
 */
export async function ensureMtime(path: string, date: Date): Promise<void> {
	const info = await lstat(path);
	if (Math.abs(info.mtimeMs - date.getTime()) >= 1000) await utimes(path, date, date);
	if ((info.mode & 0o777) !== PRIVATE_FILE_MODE) await chmod(path, PRIVATE_FILE_MODE);
}

/** Hex SHA-256 of a buffer. */
export function sha256Of(data: Buffer): string {
	return createHash('sha256').update(data).digest('hex');
}
