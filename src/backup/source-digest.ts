/**
 * Describes a local source for the manifest: size, mtime and SHA-256 of a file, or of a whole directory tree
 * (definition in manifest.ts: the `sha256sum` listing of every regular file, sorted by path in byte order).
 * Reads every byte of the source once (streaming, 64 KiB at a time); a backup reads the messages again after.
 */
import {createHash} from 'node:crypto';
import {lstat, stat} from 'node:fs/promises';
import {MailshiftError} from '../contracts/errors.js';
import {joinRaw, rawPath, readDirRaw} from '../readers/fs-names.js';
import {hashFile} from './durable-file.js';
import type {ManifestSource, SourceKindName} from './manifest.js';

/** The directory digest in words, stored in the manifest beside the value. */
export const TREE_DIGEST_DEFINITION = 'sha256 of the sha256sum listing ("<hex>  ./<path>\\n" per regular file, sorted by path bytes) of every regular file below the directory: cd SOURCE && find . -type f -print0 | LC_ALL=C sort -z | xargs -0r sha256sum | sha256sum';

/**
 * The manifest's `source` for a file or directory store.
 * @throws MailshiftError SOURCE_UNREADABLE (fatal) when it cannot be read; ABORTED when `signal` aborts.
 */
export async function describeLocalSource(kind: SourceKindName, location: string, signal?: AbortSignal): Promise<ManifestSource> {
	try {
		const info = await stat(location);
		if (info.isFile()) {
			const facts = await hashFile(location, signal);
			if (!facts) throw new Error('not a regular file');
			return {kind, location, type: 'file', size: facts.size, mtime: new Date(facts.mtimeMs).toISOString(), sha256: facts.sha256};
		}
		const tree = await digestTree(location, signal);
		return {kind, location, type: 'directory', files: tree.files, size: tree.size, mtime: new Date(tree.mtimeMs).toISOString(), sha256: tree.sha256, sha256Of: TREE_DIGEST_DEFINITION};
	} catch (error) {
		if (signal?.aborted) throw new MailshiftError('ABORTED', 'Stopped.', 'fatal');
		if (error instanceof MailshiftError) throw error;
		throw new MailshiftError('SOURCE_UNREADABLE', `Cannot read ${location} to describe it in the manifest: ${error instanceof Error ? error.message : String(error)}`, 'fatal', {
			cause: error, hint: 'Check that your user can read every file of the source.',
		});
	}
}

/** Facts about a directory tree. */
export type TreeDigest = Readonly<{files: number; size: number; mtimeMs: number; sha256: string}>;

/**
 * The tree digest of `root` (see TREE_DIGEST_DEFINITION). Symlinks are not followed or counted. Names are
 * listed and hashed as bytes (readers/fs-names.ts), so a name that is not UTF-8 is read like any other and
 * enters the listing exactly as `sha256sum` prints it; for UTF-8 names nothing changes.
 */
export async function digestTree(root: string, signal?: AbortSignal): Promise<TreeDigest> {
	const files: Buffer[] = [];
	const walk = async (dir: Buffer, prefix: Buffer | undefined): Promise<void> => {
		if (signal?.aborted) throw new MailshiftError('ABORTED', 'Stopped.', 'fatal');
		for (const entry of await readDirRaw(dir)) {
			const relative = prefix === undefined ? entry.raw : joinRaw(prefix, entry.raw);
			if (entry.isDirectory) await walk(joinRaw(dir, entry.raw), relative);
			else if (entry.isFile) files.push(relative);
		}
	};
	const rootBytes = rawPath(root);
	await walk(rootBytes, undefined);
	// LC_ALL=C sort order of "./<path>" = byte order of the paths.
	files.sort(Buffer.compare);
	const listing = createHash('sha256');
	let size = 0;
	let mtimeMs = 0;
	let count = 0;
	for (const relative of files) {
		const path = joinRaw(rootBytes, relative);
		const info = await lstat(path);
		if (!info.isFile()) continue;
		const facts = await hashFile(path, signal);
		if (!facts) continue; // vanished meanwhile
		count++;
		size += facts.size;
		mtimeMs = Math.max(mtimeMs, facts.mtimeMs);
		listing.update(`${facts.sha256}  ./`, 'utf8');
		listing.update(relative);
		listing.update('\n', 'utf8');
	}
	return {files: count, size, mtimeMs, sha256: listing.digest('hex')};
}
