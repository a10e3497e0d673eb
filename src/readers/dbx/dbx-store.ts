/**
 * DbxStore: reads an Outlook Express 5/6 store (the directory holding `Folders.dbx` and one `.dbx` per
 * folder), or one folder's `.dbx` file, as a SourceStore.
 *
 * Contract (see source-store.ts for the interface contract):
 * - Folders come from Folders.dbx (see dbx-folder-tree.ts). A message `.dbx` in the directory that Folders.dbx
 *   does not name is a folder too, named after the file (nothing is left behind unseen). Without a readable
 *   Folders.dbx every message `.dbx` is a top-level folder named after its file, and a warning says so.
 *   A folder Folders.dbx lists without a file (OE creates it on first use) is an empty folder.
 *   Databases that hold no mail (Offline.dbx, pop3uidl.dbx, news) are not folders.
 * - Messages: in index order; bytes byte-exact from the data chain (OE stores the RFC 822 message as
 *   received). `SourceRef.key` is `m<message index>` (OE's id, stable across compaction), or `r<record
 *   offset>` when the record has none or repeats one; `location` is `file.dbx#<n> (record at byte <offset>)`.
 * - Flags: see dbx-message-info.ts. `storeDate` is the receive time of the info record ('dbx-received-time').
 * - Problems (onProblem; iteration continues): an entry whose body was never downloaded or was removed
 *   (headers only) → MESSAGE_EMPTY 'failed', named with its subject; a damaged info record or data chain, or
 *   data that is no message (zeroed: message-shape.ts) → MESSAGE_UNPARSEABLE 'failed'.
 * - Errors: a folder whose .dbx is missing, unreadable, not a message database or has a damaged index throws
 *   SOURCE_UNREADABLE with disposition 'skip' (the other folders still migrate). Abort: checked before each
 *   message; throws ABORTED ('fatal').
 * - Read-only; at most one message's bytes and one folder's index (one number per message) in memory.
 */
import type {Dirent} from 'node:fs';
import {promises as fs} from 'node:fs';
import {basename, dirname, join, resolve} from 'node:path';

import {MailshiftError} from '../../contracts/errors.js';
import type {SourceMessage} from '../../contracts/types.js';
import {comparePaths, compareStrings, describe, errorCode, pathKey} from '../path-order.js';
import {folderLabel} from '../../contracts/source-store.js';
import type {ReaderOptions, ReaderProblem, SourceFolder, SourceStore, SpecialUse} from '../../contracts/source-store.js';
import {DbxFile, DbxFormatError} from './dbx-file.js';
import {readFolderTree} from './dbx-folder-tree.js';
import {readMessageInfo} from './dbx-message-info.js';
import {notAMessage} from '../message-shape.js';

const FOLDERS_FILE = 'folders.dbx';
const DBX_EXTENSION = /\.dbx$/i;

type FolderEntry = Readonly<{path: readonly string[]; file?: string; specialUse?: SpecialUse}>;

/** True when `path` is a .dbx file with the OE5/6 signature, or a directory holding Folders.dbx. Never throws. */
export async function looksLikeDbx(path: string): Promise<boolean> {
	try {
		const info = await fs.stat(path);
		if (info.isDirectory()) {
			const names = await fs.readdir(path);
			return names.some((name) => name.toLowerCase() === FOLDERS_FILE);
		}
		const file = await DbxFile.open(path);
		await file.close();
		return true;
	} catch {
		return false;
	}
}

export class DbxStore implements SourceStore {
	readonly kind = 'dbx';
	readonly location: string;
	readonly #options: ReaderOptions;
	#index: Map<string, FolderEntry> | undefined;
	#isClosed = false;

	private constructor(location: string, options: ReaderOptions) {
		this.location = location;
		this.#options = options;
	}

	/**
	 * Opens an OE store directory or a single `.dbx` file.
	 * @throws MailshiftError 'SOURCE_NOT_FOUND', 'SOURCE_UNREADABLE' or 'NOT_A_MAIL_STORE' (a file that is not
	 *   an OE message database; a directory without any .dbx), all 'fatal', with a hint.
	 */
	static async open(path: string, options: ReaderOptions = {}): Promise<DbxStore> {
		const location = resolve(path);
		let isDirectory: boolean;
		try {
			isDirectory = (await fs.stat(location)).isDirectory();
		} catch (error) {
			const code = errorCode(error);
			throw new MailshiftError(code === 'ENOENT' || code === 'ENOTDIR' ? 'SOURCE_NOT_FOUND' : 'SOURCE_UNREADABLE', `${location} cannot be read: ${describe(error)}`, 'fatal', {
				cause: error,
				hint: 'Name the Outlook Express store folder (the one holding Folders.dbx and Inbox.dbx) or one .dbx file.',
			});
		}
		if (!isDirectory) {
			let file: DbxFile | undefined;
			try {
				file = await DbxFile.open(location);
				if (file.type !== 'messages') throw new DbxFormatError(file.type === 'folders' ? 'it is the folder list (Folders.dbx), not a folder of messages' : 'it is an Outlook Express database that holds no mail');
			} catch (error) {
				throw new MailshiftError('NOT_A_MAIL_STORE', `${location} is not an Outlook Express message file: ${describe(error)}.`, 'fatal', {
					cause: error,
					hint: 'Give a folder .dbx file (e.g. Inbox.dbx), or the whole store folder that holds Folders.dbx.',
				});
			} finally {
				await file?.close();
			}
		} else {
			const names = await fs.readdir(location).catch((error: unknown) => {
				throw new MailshiftError('SOURCE_UNREADABLE', `${location} cannot be read: ${describe(error)}`, 'fatal', {cause: error, hint: 'Check that you can read this folder.'});
			});
			if (!names.some((name) => DBX_EXTENSION.test(name))) {
				throw new MailshiftError('NOT_A_MAIL_STORE', `No Outlook Express .dbx files in ${location}.`, 'fatal', {
					hint: 'Name the Outlook Express store folder (…\\Identities\\{…}\\Microsoft\\Outlook Express, holding Folders.dbx and Inbox.dbx).',
				});
			}
		}
		return new DbxStore(location, options);
	}

	async listFolders(signal?: AbortSignal): Promise<SourceFolder[]> {
		this.#assertOpen();
		const index = await this.#buildIndex(signal);
		const folders: SourceFolder[] = [];
		for (const entry of index.values()) {
			let bytes: number | undefined;
			if (entry.file !== undefined) bytes = await fs.stat(entry.file).then((info) => info.size, () => undefined);
			folders.push({
				path: entry.path,
				...(entry.file === undefined ? {count: 0} : {}),
				...(bytes === undefined ? {} : {bytes}),
				...(entry.specialUse === undefined ? {} : {specialUse: entry.specialUse}),
			});
		}
		return folders;
	}

	async *messages(folder: SourceFolder, signal?: AbortSignal): AsyncGenerator<SourceMessage> {
		this.#assertOpen();
		throwIfAborted(signal);
		const index = this.#index ?? (await this.#buildIndex(signal));
		const label = folderLabel(folder.path);
		const entry = index.get(pathKey(folder.path));
		if (entry === undefined) throw new MailshiftError('BUG', `Folder "${label}" is not part of ${this.location}.`, 'fatal');
		if (entry.file === undefined) return;
		const path = entry.file;
		let file: DbxFile;
		let records: number[];
		try {
			file = await DbxFile.open(path);
		} catch (error) {
			throw folderError(label, path, error);
		}
		try {
			if (file.type !== 'messages') throw folderError(label, path, new DbxFormatError('it is not an Outlook Express message file'));
			try {
				records = await file.itemOffsets(signal);
			} catch (error) {
				throwIfAborted(signal);
				throw folderError(label, path, error);
			}
			const seenKeys = new Set<string>();
			for (const [ordinal, recordOffset] of records.entries()) {
				throwIfAborted(signal);
				if (this.#isClosed) return;
				const message = await this.#readMessage(file, label, ordinal + 1, recordOffset, seenKeys, signal);
				if (message !== undefined) yield message;
			}
		} finally {
			await file.close();
		}
	}

	async close(): Promise<void> {
		this.#isClosed = true;
	}

	async #readMessage(file: DbxFile, folder: string, ordinal: number, recordOffset: number, seenKeys: Set<string>, signal: AbortSignal | undefined): Promise<SourceMessage | undefined> {
		const location = `${file.path}#${ordinal} (record at byte ${recordOffset})`;
		try {
			const info = await readMessageInfo(file, recordOffset);
			const subject = info.subject === undefined ? '' : ` "${info.subject}"`;
			if (info.dataOffset === 0) {
				this.#report({folder, location, code: 'MESSAGE_EMPTY', kind: 'failed', reason: `Message${subject} is listed but its body is not in the file (only the headers were downloaded, or the body was deleted); nothing to upload.`});
				return undefined;
			}
			const raw = await file.readChain(info.dataOffset, signal);
			const junk = notAMessage(raw);
			if (junk !== undefined) {
				this.#report({folder, location, code: 'MESSAGE_UNPARSEABLE', kind: 'failed', reason: `Message${subject} holds no message: ${junk}. It was NOT migrated; the .dbx file is damaged here.`});
				return undefined;
			}
			let key = info.messageIndex === undefined ? `r${recordOffset}` : `m${info.messageIndex}`;
			if (seenKeys.has(key)) key = `r${recordOffset}`;
			seenKeys.add(key);
			const ref = {store: this.location, folder, key, location};
			return info.received === undefined
				? {ref, raw, flags: info.flags}
				: {ref, raw, flags: info.flags, storeDate: {date: info.received, source: 'dbx-received-time'}};
		} catch (error) {
			throwIfAborted(signal);
			if (!(error instanceof DbxFormatError)) throw error;
			this.#report({folder, location, code: 'MESSAGE_UNPARSEABLE', kind: 'failed', reason: `Cannot read this message: ${error.message}.`});
			return undefined;
		}
	}

	async #buildIndex(signal: AbortSignal | undefined): Promise<Map<string, FolderEntry>> {
		let directory = this.location;
		let names: string[];
		let isSingleFile = false;
		try {
			const info = await fs.stat(this.location);
			if (info.isDirectory()) {
				names = (await fs.readdir(this.location, {withFileTypes: true})).filter((entry: Dirent) => entry.isFile()).map((entry) => entry.name).sort(compareStrings);
			} else {
				directory = dirname(this.location);
				names = [basename(this.location)];
				isSingleFile = true;
			}
		} catch (error) {
			throw new MailshiftError('SOURCE_UNREADABLE', `${this.location} cannot be read: ${describe(error)}`, 'fatal', {cause: error, hint: 'Check that you can read it.'});
		}
		const entries: FolderEntry[] = [];
		const named = new Set<string>();
		const foldersName = names.find((name) => name.toLowerCase() === FOLDERS_FILE);
		if (!isSingleFile && foldersName !== undefined) {
			let tree: DbxFile | undefined;
			try {
				tree = await DbxFile.open(join(directory, foldersName));
				if (tree.type !== 'folders') throw new DbxFormatError('it is not a folder list');
				for (const folder of await readFolderTree(tree, signal)) {
					const actual = folder.fileName === undefined ? undefined : names.find((name) => name.toLowerCase() === folder.fileName?.toLowerCase());
					if (actual !== undefined) named.add(actual);
					entries.push({
						path: folder.path,
						// A file name Folders.dbx gives but the directory lacks: the folder is kept, and reading it names the missing file.
						...(folder.fileName === undefined ? {} : {file: join(directory, actual ?? folder.fileName)}),
						...(folder.specialUse === undefined ? {} : {specialUse: folder.specialUse}),
					});
				}
			} catch (error) {
				throwIfAborted(signal);
				entries.length = 0;
				named.clear();
				this.#report({folder: '', location: join(directory, foldersName), code: 'SOURCE_UNREADABLE', kind: 'warning', reason: `The folder list cannot be read (${describe(error)}); every .dbx file is read as a top-level folder named after the file.`});
			} finally {
				await tree?.close();
			}
		} else if (!isSingleFile) {
			this.#report({folder: '', location: join(directory, 'Folders.dbx'), code: 'SOURCE_UNREADABLE', kind: 'warning', reason: 'Folders.dbx is missing; every .dbx file is read as a top-level folder named after the file.'});
		}
		for (const name of names) {
			if (!DBX_EXTENSION.test(name) || named.has(name) || name === foldersName) continue;
			const file = join(directory, name);
			const type = await DbxFile.open(file).then(async (opened) => {
				await opened.close();
				return opened.type;
			}, () => 'damaged' as const);
			// Offline.dbx, pop3uidl.dbx, news databases: not mail. A damaged one stays a folder, so reading it names the damage.
			if (type === 'other' || type === 'folders') continue;
			entries.push({path: [name.replace(DBX_EXTENSION, '')], file});
		}
		const byKey = new Map<string, FolderEntry>();
		for (const entry of entries.sort((a, b) => comparePaths(a.path, b.path))) {
			let key = pathKey(entry.path);
			if (byKey.has(key) && entry.file !== undefined) {
				const withFile: FolderEntry = {...entry, path: [...entry.path.slice(0, -1), basename(entry.file)]};
				key = pathKey(withFile.path);
				byKey.set(key, withFile);
				continue;
			}
			if (!byKey.has(key)) byKey.set(key, entry);
		}
		this.#index = byKey;
		return byKey;
	}

	#report(problem: ReaderProblem): void {
		this.#options.onProblem?.(problem);
	}

	#assertOpen(): void {
		if (this.#isClosed) throw new MailshiftError('BUG', `DbxStore ${this.location} used after close().`, 'fatal');
	}
}

function folderError(label: string, path: string, error: unknown): MailshiftError {
	const missing = errorCode(error) === 'ENOENT';
	return new MailshiftError('SOURCE_UNREADABLE', missing
		? `Folder "${label}": its file ${path} is missing.`
		: `Folder "${label}" (${path}) cannot be read: ${describe(error)}.`, 'skip', {
		cause: error,
		hint: missing
			? 'Copy the whole Outlook Express store folder, including this .dbx file; the other folders are migrated.'
			: 'The file is damaged. Let Outlook Express compact it (File > Folder > Compact), or recover it with `undbx --recover`; the other folders are migrated.',
	});
}

function throwIfAborted(signal: AbortSignal | undefined): void {
	if (signal?.aborted) throw new MailshiftError('ABORTED', 'Stopped', 'fatal');
}
