/**
 * storeSize: THE size of a mail store as mailshift shows it — `mailshift discover`, the guided mode's store
 * details and the end-of-run summary's "Store size" line all print this one number (issue #16: they used to
 * show file sizes in one place and message bytes in another, so the same store had three sizes).
 *
 * Definition: the bytes of the files that hold the store's mail. When every folder reports its `bytes`
 * (Maildir, mbox/Thunderbird, .eml/.msg folders, Apple Mail), their sum — so Thunderbird's .msf indexes,
 * desktop.ini and other files beside the mail are not counted; otherwise (PST/OST, .olm, .dbx: one file or
 * a few holding everything) the bytes on disk of the store's file or tree. A POP3 account has no size on
 * disk: undefined. The bytes a run uploads differ from this (composed PST items, CRLF line ends) and are
 * shown as such ("uploaded"), never as the store's size.
 *
 * Read-only; never throws (a store or file that cannot be read counts what could be).
 */
import {promises as fs} from 'node:fs';
import {join} from 'node:path';

import type {SourceFolder, SourceStore} from '../contracts/source-store.js';

/** Files walked at most when adding up a tree's bytes on disk; beyond, the result is a lower bound. */
export const MAX_SIZE_FILES = 200_000;

/**
 * The store's size (see module comment). `folders`: its `listFolders()` result when the caller has it
 * (saves listing twice); listed here otherwise. Undefined only when nothing on disk belongs to it.
 */
export async function storeSize(store: SourceStore, folders?: readonly SourceFolder[], signal?: AbortSignal): Promise<number | undefined> {
	if (store.kind === 'pop3') return undefined;
	let listed = folders;
	if (listed === undefined) {
		try {
			listed = await store.listFolders(signal);
		} catch {
			listed = [];
		}
	}
	return foldersBytes(listed) ?? (await bytesOnDisk(store.location));
}

/** The sum of the folders' `bytes` when every folder reports them (and there is at least one), else undefined. Pure. */
export function foldersBytes(folders: readonly SourceFolder[]): number | undefined {
	if (folders.length === 0 || folders.some((folder) => folder.bytes === undefined)) return undefined;
	return folders.reduce((sum, folder) => sum + (folder.bytes ?? 0), 0);
}

/**
 * Size of a file, or of the files below a directory (symlinks not followed; stops after MAX_SIZE_FILES).
 * Undefined when `path` does not exist. For stores of a kind this build cannot open (discover lists them too).
 */
export async function bytesOnDisk(path: string): Promise<number | undefined> {
	const info = await fs.stat(path).catch(() => undefined);
	if (info === undefined) return undefined;
	if (info.isFile()) return info.size;
	let total = 0;
	let files = 0;
	const pending = [path];
	while (pending.length > 0 && files < MAX_SIZE_FILES) {
		const dir = pending.pop()!;
		for (const entry of await fs.readdir(dir, {withFileTypes: true}).catch(() => [])) {
			const p = join(dir, entry.name);
			if (entry.isDirectory()) pending.push(p);
			else if (entry.isFile() && files++ < MAX_SIZE_FILES) total += (await fs.stat(p).catch(() => ({size: 0}))).size;
		}
	}
	return total;
}
