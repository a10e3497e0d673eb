/**
 * Writes a folder as a directory of `.eml` files (RFC 5322 bytes, CRLF, exactly what the migration would
 * upload), one per message, mtime = INTERNALDATE. An .eml file cannot carry flags without changing the
 * message, so flags are in the manifest only. Temporary files are `.<name>.<pid>.mailshift-tmp` beside them.
 */
import {readdir, rm} from 'node:fs/promises';
import {join} from 'node:path';
import type {FolderPlacement} from '../backup-layout.js';
import {emlFileName} from '../backup-layout.js';
import type {BackupItem} from '../backup-source.js';
import type {BackupWriter, FolderFinish, FolderWriter, WriteResult} from './backup-writer.js';
import {classifyFsError} from '../classify-fs-error.js';
import {ensureMtime, fsyncDirectory, hasContent, writeFileDurably} from '../durable-file.js';
import {makePrivateDir} from '../private-tree.js';

const TMP_SUFFIX = '.mailshift-tmp';

/** The `eml` format: one directory per folder, one file per message (resumes within a folder). */
export class EmlWriter implements BackupWriter {
	readonly format = 'eml';
	readonly resumesWithinFolder = true;
	readonly #out: string;

	constructor(out: string) {
		this.#out = out;
	}

	async openFolder(placement: FolderPlacement): Promise<FolderWriter> {
		const dir = join(this.#out, ...placement.segments);
		try {
			await makePrivateDir(this.#out, dir);
			for (const name of await readdir(dir)) if (name.startsWith('.') && name.endsWith(TMP_SUFFIX)) await rm(join(dir, name), {force: true});
		} catch (error) {
			throw classifyFsError(error, dir, this.#out);
		}
		return new EmlFolderWriter(this.#out, placement, dir);
	}
}

class EmlFolderWriter implements FolderWriter {
	readonly #out: string;
	readonly #placement: FolderPlacement;
	readonly #dir: string;
	readonly #copies = new Map<string, number>();

	constructor(out: string, placement: FolderPlacement, dir: string) {
		this.#out = out;
		this.#placement = placement;
		this.#dir = dir;
	}

	async write(item: BackupItem, sha256: string): Promise<WriteResult> {
		const base = `${Math.floor(item.internalDate.getTime() / 1000)}.${sha256}`;
		const copy = (this.#copies.get(base) ?? 0) + 1;
		this.#copies.set(base, copy);
		const name = emlFileName(item.internalDate, sha256, copy);
		const target = join(this.#dir, name);
		try {
			let reused = false;
			if (await hasContent(target, item.content.length, sha256)) {
				await ensureMtime(target, item.internalDate);
				reused = true;
			} else {
				await writeFileDurably(target, join(this.#dir, `.${name}.${process.pid}${TMP_SUFFIX}`), item.content, item.internalDate);
			}
			return {path: `${this.#placement.path}/${name}`, reused};
		} catch (error) {
			throw classifyFsError(error, target, this.#out);
		}
	}

	async sync(): Promise<void> {
		await fsyncDirectory(this.#dir);
	}

	async finish(): Promise<FolderFinish> {
		await this.sync();
		return {files: []};
	}

	async abandon(): Promise<void> {
		// nothing open
	}
}
