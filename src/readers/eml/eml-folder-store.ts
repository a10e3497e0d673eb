/**
 * EmlFolderStore: reads a directory tree of one-message files (`.eml`: Windows Live Mail and Windows Mail keep
 * one per message in a directory per mail folder; many mail programs export or drag messages out as .eml) as
 * a SourceStore.
 *
 * Contract (see source-store.ts for the interface contract):
 * - Folder tree. Every directory below the store root that holds .eml files, or holds no file and no
 *   directory at all (an empty mail folder), is a folder whose path is its directory names below the root
 *   (`Inbox/Projects/x.eml` → ['Inbox', 'Projects']). .eml files lying in the root itself form the folder
 *   named after the root directory. Directories are searched 32 levels down; symlinked directories and
 *   dot-directories are not followed. Folders are sorted by path (code-unit order per segment).
 * - Messages: `*.eml` and `*.msg` files (any case) of one directory, in file-name order, one file read at a
 *   time; .eml bytes are uploaded as stored; an Outlook .msg (MS-OXMSG) is composed into RFC 5322 by the PST
 *   composition code (msg-file.ts), with its read/flagged/answered flags; a .msg contact, appointment, task or
 *   note is yielded as a not-mail item (`skipHint: 'not-mail'`), as PST items are, with its vCard/iCalendar file
 *   (`nonMailExport`, msg-item-export.ts) when opened with `exportNonMail` (backups). `SourceRef.key` is the file's path relative to the store root ('/'-joined),
 *   stable across reads of an unchanged tree.
 * - Flags: a .msg's own (above); an .eml none. A bare .eml carries no IMAP flags (Windows Live Mail keeps read/flagged state in its own
 *   ESE database, `Mail.MSMessageStore`; reading that is out of scope), so messages arrive unread.
 * - Received date (`storeDate`): the file mtime; the mapper prefers the topmost `Received:` and falls back to
 *   `Date:` (received-date.ts). A .msg: its delivery time, else none when it has a date of its own (see
 *   #composeMsg), else the file mtime. In a folder whose file times look like a copy (`detectCopiedTimes`) the
 *   mtimes are left out (the mapper then takes Received:, else Date:) and the folder is noted once as a
 *   warning.
 * - Problems (through `onProblem`, iteration continues): an unreadable file → SOURCE_UNREADABLE 'failed'; an
 *   empty one → MESSAGE_EMPTY 'failed'; an .eml that is not a message (zero bytes only, binary junk, no
 *   header field first: message-shape.ts) → MESSAGE_UNPARSEABLE 'failed', not yielded; a .msg that cannot be read (damaged, cut short) →
 *   MESSAGE_UNPARSEABLE 'failed' naming the file (the rest continue); any other file (except desktop.ini, Thumbs.db,
 *   .DS_Store) → FILE_IGNORED 'warning' naming it. Listing problems are reported once per store.
 * - Errors: the root missing/unreadable → SOURCE_NOT_FOUND/SOURCE_UNREADABLE ('fatal'); a folder directory
 *   that cannot be listed while reading → SOURCE_UNREADABLE ('skip'). An aborted signal throws ABORTED.
 * - Memory: lists one directory at a time; holds at most one message per iterator. Read-only.
 */
import type {Dirent} from 'node:fs';
import {promises as fs} from 'node:fs';
import {basename, join, relative, resolve, sep} from 'node:path';

import {MailshiftError} from '../../contracts/errors.js';
import type {SourceMessage, SourceRef} from '../../contracts/types.js';
import {comparePaths, compareStrings, describe, errorCode, pathKey} from '../path-order.js';
import {folderLabel} from '../../contracts/source-store.js';
import type {ReaderOptions, ReaderProblem, SourceFolder, SourceStore} from '../../contracts/source-store.js';
import {detectCopiedTimes} from '../copied-times.js';
import {notAMessage} from '../message-shape.js';
import type {MsgReadResult, readMsgFile} from './msg-file.js';

/**
 * msg-file.ts, imported at the first .msg file: it loads @kenjiuno/msgreader, iconv-lite and the PST composer
 * (~10 MiB of a process's memory, issue #14), which a folder of .eml files — and every other store kind, since
 * detection imports this module — never needs.
 */
let msgFileModule: Promise<typeof import('./msg-file.js')> | undefined;
const loadMsgFile = (): Promise<typeof import('./msg-file.js')> => (msgFileModule ??= import('./msg-file.js'));

/** How deep detection searches for .eml files. */
const DETECT_DEPTH = 6;
/** How deep listing searches. A guard against pathological trees, not a format limit. */
const WALK_DEPTH = 32;
const EML = /\.eml$/i;
const MSG = /\.msg$/i;
/** Operating-system litter that is never mail and not worth a warning. */
const OS_FILES = new Set(['desktop.ini', 'thumbs.db', '.ds_store']);

type FolderEntry = Readonly<{path: readonly string[]; dir: string}>;

/**
 * True if `path` is a directory that holds at least one `.eml` or `.msg` file at most 6 levels down (root included).
 * Never throws. Detection order (open-source.ts) decides what wins when a tree also holds Maildirs or mbox
 * files: a Thunderbird tree with a saved .eml in it stays an mbox tree.
 */
export async function looksLikeEmlTree(path: string): Promise<boolean> {
	const search = async (dir: string, depth: number): Promise<boolean> => {
		let entries: Dirent[];
		try {
			entries = await fs.readdir(dir, {withFileTypes: true});
		} catch {
			return false;
		}
		if (entries.some((entry) => entry.isFile() && (EML.test(entry.name) || MSG.test(entry.name)))) return true;
		if (depth >= DETECT_DEPTH) return false;
		for (const entry of entries) {
			if (entry.isDirectory() && !entry.name.startsWith('.') && (await search(join(dir, entry.name), depth + 1))) return true;
		}
		return false;
	};
	return search(resolve(path), 0);
}

/**
 * A tree of .eml files opened read-only. Create with `EmlFolderStore.open`. Methods may be called
 * concurrently; each `messages()` iterator is independent and holds at most one message.
 */
export class EmlFolderStore implements SourceStore {
	readonly kind = 'eml';
	/** Absolute path of the directory the user named. */
	readonly location: string;
	readonly #options: ReaderOptions;
	#index: Map<string, FolderEntry> | undefined;
	#isClosed = false;
	/** `code\0location` of problems said so far: each is said once, however often the tree is walked. */
	readonly #reported = new Set<string>();

	private constructor(location: string, options: ReaderOptions) {
		this.location = location;
		this.#options = options;
	}

	/**
	 * Opens the tree at `path` (resolved to an absolute path).
	 * @throws MailshiftError 'SOURCE_NOT_FOUND', 'SOURCE_UNREADABLE' or 'NOT_A_MAIL_STORE' (a file); all 'fatal'.
	 */
	static async open(path: string, options: ReaderOptions = {}): Promise<EmlFolderStore> {
		const location = resolve(path);
		try {
			if (!(await fs.stat(location)).isDirectory()) {
				throw new MailshiftError('NOT_A_MAIL_STORE', `${location} is a file, not a folder of .eml files.`, 'fatal', {
					hint: 'Name the directory that holds the .eml files (each subdirectory becomes a mail folder).',
				});
			}
			await fs.readdir(location);
		} catch (error) {
			if (error instanceof MailshiftError) throw error;
			throw rootError(location, error);
		}
		return new EmlFolderStore(location, options);
	}

	/**
	 * Walks the tree afresh; folders sorted, each with `bytes` (the total size of its .eml and .msg files) and,
	 * when it holds no .msg file, `count` (its .eml files).
	 * @throws MailshiftError 'ABORTED'; 'SOURCE_NOT_FOUND'/'SOURCE_UNREADABLE' when the root has gone.
	 */
	async listFolders(signal?: AbortSignal): Promise<SourceFolder[]> {
		this.#assertOpen();
		const index = await this.#buildIndex(signal);
		const folders: SourceFolder[] = [];
		for (const entry of index.values()) {
			throwIfAborted(signal);
			try {
				const files = await listDir(entry.dir);
				let bytes = 0;
				for (const file of [...files.eml, ...files.msg]) bytes += (await fs.stat(join(entry.dir, file)).catch(() => ({size: 0}))).size;
				// A .msg may be a contact or an appointment (known only by parsing it): a folder holding any gives no
				// `count`, so discover, the guided mode and the plan count its mail by reading, as the summary does.
				folders.push(files.msg.length === 0 ? {path: entry.path, count: files.eml.length, bytes} : {path: entry.path, bytes});
			} catch {
				folders.push({path: entry.path});
			}
		}
		return folders;
	}

	/**
	 * Yields the .eml messages of `folder` in file-name order; reports .msg and other files (see contract).
	 * @throws MailshiftError 'SOURCE_UNREADABLE' ('skip') when the directory cannot be listed; 'ABORTED';
	 *   'BUG' for a folder not in this store or after `close()`.
	 */
	async *messages(folder: SourceFolder, signal?: AbortSignal): AsyncGenerator<SourceMessage> {
		this.#assertOpen();
		throwIfAborted(signal);
		const index = this.#index ?? (await this.#buildIndex(signal));
		const label = folderLabel(folder.path);
		const entry = index.get(pathKey(folder.path));
		if (entry === undefined) throw new MailshiftError('BUG', `Folder "${label}" is not part of ${this.location}.`, 'fatal');
		let files: Listing;
		try {
			files = await listDir(entry.dir);
		} catch (error) {
			throw new MailshiftError('SOURCE_UNREADABLE', `Cannot list folder "${label}" (${entry.dir}): ${describe(error)}`, 'skip', {
				cause: error,
				hint: 'Check that you can read this directory.',
			});
		}
		for (const name of files.other) {
			this.#reportOnce({folder: label, location: join(entry.dir, name), code: 'FILE_IGNORED', kind: 'warning',
				reason: 'not an .eml message file, so it was not read as mail; if it is a message, rename it to *.eml and run again.'});
		}
		const names = [...files.eml, ...files.msg].sort(compareStrings);
		const stats: Array<{path: string; name: string; mtime: number}> = [];
		for (const name of names) {
			throwIfAborted(signal);
			const path = join(entry.dir, name);
			try {
				stats.push({path, name, mtime: (await fs.stat(path)).mtimeMs});
			} catch {
				stats.push({path, name, mtime: Number.NaN}); // Reading reports it.
			}
		}
		// Judged on the .eml files only: the judge compares file times with Date: headers, which a .msg (binary
		// MS-OXMSG) has not in readable form; a .msg takes its delivery time first anyway (msg-file.ts).
		const copied = await detectCopiedTimes(stats.filter((file) => !Number.isNaN(file.mtime) && EML.test(file.name)));
		if (copied !== undefined) {
			this.#reportOnce({folder: label, location: entry.dir, code: 'FILE_TIMES_LOST', kind: 'warning',
				reason: `${copied.inRun} of ${copied.total} .eml files have file times within ${Math.ceil((copied.to - copied.from) / 1000)} s of each other, long after the dates in their Date: headers: this folder was copied without its file times. Their received dates come from their Received: or Date: headers instead.`});
		}
		for (const file of stats) {
			throwIfAborted(signal);
			if (this.#isClosed) return;
			const location = file.path;
			let raw: Buffer;
			let mtime: Date;
			let mtimeMs: number;
			try {
				const stat = await fs.stat(location);
				mtime = stat.mtime;
				mtimeMs = stat.mtimeMs;
				raw = await fs.readFile(location);
			} catch (error) {
				this.#report({folder: label, location, code: 'SOURCE_UNREADABLE', kind: 'failed', reason: `Cannot read file: ${describe(error)}`});
				continue;
			}
			if (raw.length === 0) {
				this.#report({folder: label, location, code: 'MESSAGE_EMPTY', kind: 'failed', reason: 'The file is empty (0 bytes).'});
				continue;
			}
			// Junk named .eml (a zeroed copy, a binary file, a 2-byte stub) holds no RFC 5322 message: reported by
			// name, not uploaded (message-shape.ts). A .msg is binary by design and judged by its own parser.
			const junk = MSG.test(file.name) ? undefined : notAMessage(raw);
			if (junk !== undefined) {
				this.#report({folder: label, location, code: 'MESSAGE_UNPARSEABLE', kind: 'failed', reason: `The file is not a message: ${junk}. It was NOT migrated; if it should be a message, open it in a mail program to see what it holds, or restore it from a backup.`});
				continue;
			}
			const ref = {store: this.location, folder: label, key: relative(this.location, location).split(sep).join('/'), location};
			const isCopyTime = copied !== undefined && mtimeMs >= copied.from && mtimeMs <= copied.to;
			if (MSG.test(file.name)) {
				const message = this.#composeMsg((await loadMsgFile()).readMsgFile, ref, raw, isCopyTime ? undefined : mtime);
				if (message !== undefined) yield message;
				continue;
			}
			yield isCopyTime ? {ref, raw, flags: new Set()} : {ref, raw, flags: new Set(), storeDate: {date: mtime, source: 'file-mtime'}};
		}
	}

	/**
	 * An Outlook .msg composed into RFC 5322 (msg-file.ts), a not-mail item (contact, appointment, …) marked as
	 * PST items are, or undefined after reporting a damaged file by name (MESSAGE_UNPARSEABLE 'failed'). Losses
	 * inside a readable .msg (an unreadable attachment or body) are one MESSAGE_UNPARSEABLE 'warning', as for PST.
	 * storeDate: PR_MESSAGE_DELIVERY_TIME, else `fileTime` (the mapper prefers the topmost Received:).
	 */
	#composeMsg(read: typeof readMsgFile, ref: SourceRef, bytes: Buffer, fileTime: Date | undefined): SourceMessage | undefined {
		let result: MsgReadResult;
		try {
			result = read(bytes, ref.key, {exportNonMail: this.#options.exportNonMail === true});
		} catch (error) {
			this.#report({folder: ref.folder, location: ref.location, code: 'MESSAGE_UNPARSEABLE', kind: 'failed',
				reason: `This Outlook .msg file cannot be read (${describe(error)}): it is damaged or cut short. It was NOT migrated; open it in Outlook and save it again, or restore it from a backup.`});
			return undefined;
		}
		if (result.warnings.length > 0) {
			this.#report({folder: ref.folder, location: ref.location, code: 'MESSAGE_UNPARSEABLE', kind: 'warning', reason: `The .msg was read with problems: ${result.warnings.join('; ')}`});
		}
		if (result.kind === 'not-mail') {
			const exported = result.export === undefined ? {} : {nonMailExport: {...result.export}};
			return {ref, raw: Buffer.alloc(0), flags: new Set(), skipHint: 'not-mail', itemKind: result.itemKind, ...exported};
		}
		const flags = new Set(result.flags);
		// 'msg-delivery-time' (not 'pst-delivery-time'): the mapper takes the topmost Received: first, then this
		// (issue #16: Received:, else the .msg delivery time, else the file time, else Date:).
		if (result.deliveryTime !== undefined) return {ref, raw: result.raw, flags, storeDate: {date: result.deliveryTime, source: 'msg-delivery-time'}};
		// Deliberately before the file time: a .msg file is made when the message is dragged out of Outlook (or
		// copied), so its time is the export's, never the message's (found trying a copied folder of drafts, which
		// all arrived dated "today"). The composed Date: holds the message's own submit, modification or creation
		// time; only a .msg with none of them falls back to the file time.
		if (result.hasOwnDate || fileTime === undefined) return {ref, raw: result.raw, flags};
		return {ref, raw: result.raw, flags, storeDate: {date: fileTime, source: 'file-mtime'}};
	}

	/** Marks the store closed. Idempotent; holds no handles. */
	async close(): Promise<void> {
		this.#isClosed = true;
	}

	async #buildIndex(signal: AbortSignal | undefined): Promise<Map<string, FolderEntry>> {
		const found: FolderEntry[] = [];
		const walk = async (dir: string, path: readonly string[], depth: number): Promise<void> => {
			throwIfAborted(signal);
			let entries: Dirent[];
			try {
				entries = await fs.readdir(dir, {withFileTypes: true});
			} catch (error) {
				if (depth === 0) throw rootError(dir, error);
				this.#reportOnce({folder: folderLabel(path), location: dir, code: 'SOURCE_UNREADABLE', kind: 'warning',
					reason: `Cannot read directory, skipped it and everything below it: ${describe(error)}`});
				return;
			}
			const dirs = entries.filter((entry) => entry.isDirectory() && !entry.name.startsWith('.')).map((entry) => entry.name).sort(compareStrings);
			const files = entries.filter((entry) => !entry.isDirectory());
			const hasMail = files.some((entry) => EML.test(entry.name) || MSG.test(entry.name));
			if (depth === 0) {
				if (hasMail) found.push({path: [basename(dir)], dir});
			} else if (hasMail || entries.length === 0) {
				found.push({path, dir});
			} else if (files.some((entry) => !isOsFile(entry.name))) {
				// Files but no mail in a folder directory: say so, as messages() would for a mail folder.
				for (const entry of files) {
					if (isOsFile(entry.name)) continue;
					this.#reportOnce({folder: folderLabel(path), location: join(dir, entry.name), code: 'FILE_IGNORED', kind: 'warning',
						reason: 'not an .eml message file, so it was not read as mail; if it is a message, rename it to *.eml and run again.'});
				}
			}
			if (depth >= WALK_DEPTH) return;
			for (const name of dirs) await walk(join(dir, name), [...path, name], depth + 1);
		};
		await walk(this.location, [], 0);
		// A root folder named like a subdirectory shares its path: keep the root's under its full name.
		const byKey = new Map<string, FolderEntry>();
		for (const entry of found) {
			let path = entry.path;
			for (let n = 2; byKey.has(pathKey(path)); n += 1) path = [...entry.path.slice(0, -1), `${entry.path.at(-1) ?? ''} (${n})`];
			byKey.set(pathKey(path), {path, dir: entry.dir});
		}
		this.#index = new Map([...byKey.entries()].sort(([, a], [, b]) => comparePaths(a.path, b.path)));
		return this.#index;
	}

	#report(problem: ReaderProblem): void {
		this.#options.onProblem?.(problem);
	}

	#reportOnce(problem: ReaderProblem): void {
		const key = `${problem.code}\0${problem.location}`;
		if (this.#reported.has(key)) return;
		this.#reported.add(key);
		this.#report(problem);
	}

	#assertOpen(): void {
		if (this.#isClosed) throw new MailshiftError('BUG', `EmlFolderStore ${this.location} used after close().`, 'fatal');
	}
}

type Listing = Readonly<{eml: string[]; msg: string[]; other: string[]}>;

/** The files of one folder directory, by kind, each sorted by name (code-unit order). Throws listing errors. */
async function listDir(dir: string): Promise<Listing> {
	const eml: string[] = [];
	const msg: string[] = [];
	const other: string[] = [];
	for (const entry of await fs.readdir(dir, {withFileTypes: true})) {
		if (entry.isDirectory()) continue;
		if (EML.test(entry.name) && !entry.name.startsWith('.')) eml.push(entry.name);
		else if (MSG.test(entry.name)) msg.push(entry.name);
		else if (!isOsFile(entry.name)) other.push(entry.name);
	}
	return {eml: eml.sort(compareStrings), msg: msg.sort(compareStrings), other: other.sort(compareStrings)};
}

function isOsFile(name: string): boolean {
	return OS_FILES.has(name.toLowerCase());
}

function throwIfAborted(signal: AbortSignal | undefined): void {
	if (signal?.aborted) throw new MailshiftError('ABORTED', 'Stopped', 'fatal');
}

function rootError(location: string, error: unknown): MailshiftError {
	const code = errorCode(error);
	if (code === 'ENOENT' || code === 'ENOTDIR') {
		return new MailshiftError('SOURCE_NOT_FOUND', `${location} does not exist.`, 'fatal', {
			cause: error,
			hint: 'Check the path: name the directory that holds the .eml files.',
		});
	}
	return new MailshiftError('SOURCE_UNREADABLE', `Cannot read ${location}: ${describe(error)}`, 'fatal', {
		cause: error,
		hint: 'Check that your user can read this directory and everything below it (mailshift only reads).',
	});
}
