/**
 * AppleMailStore: reads Apple Mail's mail directory (`~/Library/Mail/V2` … `V10`, or any part of it) as a
 * SourceStore.
 *
 * Contract (see source-store.ts for the interface contract):
 * - Folder tree. Every `Name.mbox` (or `Name.imapmbox`, Mail 2–3 IMAP caches) directory is a mailbox
 *   ['…', 'Name']; `Name.mbox` directories inside it are its children. The messages of a mailbox are the
 *   `.emlx` files in any directory below it that is not a child mailbox: `Name.mbox/Messages/` (local and
 *   older layouts) and `Name.mbox/<UUID>/Data/<d>/<d>/Messages/` (Mail 3 and later). Directories outside any
 *   mailbox are not part of folder names: account directories (`V10/<account UUID>/`, `POP-user@host/`) and
 *   `Mailboxes/` ("On My Mac") are left out, so mailboxes of the same name in several accounts are read as one
 *   folder (every message kept: keys are file paths) — what people consolidating old POP accounts into one
 *   IMAP account want; `--map` separates them. `MailData/` and `Attachments/` are never searched. .emlx files
 *   lying outside any mailbox form a folder named after their directory (or after the one holding their
 *   `Messages/`).
 *   Folders are sorted by path; a mailbox without messages is still listed (count 0) so it is recreated.
 *   Searched 16 levels down; symlinked and dot-directories are not followed.
 * - An *exported* mailbox (`Name.mbox/mbox` + `table_of_contents`, from Mailbox ▸ Export) is an mbox bundle,
 *   read by MboxStore; met inside an Apple Mail tree its `mbox` file is reported (FILE_IGNORED), not skipped
 *   silently.
 * - Messages: `*.emlx` and `*.partial.emlx` of each message directory, in file-name order, one at a time
 *   (`emlx-file.ts`). `SourceRef.key` is the file's path relative to the store root without `.partial`, so a
 *   message keeps its key when Mail later downloads it in full. Flags from the plist `flags` bit field
 *   (`emlxFlags`); `storeDate` from `date-received` (source 'apple-date-received', the mapper's first
 *   choice, like Outlook's delivery time). `.partial.emlx` attachments are put back from
 *   `Attachments/<id>/<part>/` (`restoreAttachments`); a missing one → ATTACHMENT_MISSING warning and the
 *   rest of the message is uploaded.
 * - Problems (through `onProblem`; iteration continues): not an emlx (no byte-count line: zeroed, cut at the
 *   start) → MESSAGE_UNPARSEABLE 'failed', not yielded; wrong byte count / no plist → MESSAGE_UNPARSEABLE
 *   'warning', yielded without flags; a message part that is no message (message-shape.ts) → MESSAGE_UNPARSEABLE
 *   'failed', not yielded; empty → MESSAGE_EMPTY; unreadable → SOURCE_UNREADABLE; `.emlxpart`
 *   files (attachment parts Mail fetched separately) → FILE_IGNORED 'warning'.
 * - Errors: root missing/unreadable → SOURCE_NOT_FOUND/SOURCE_UNREADABLE 'fatal'; a message directory that
 *   cannot be listed while reading → SOURCE_UNREADABLE 'skip'; aborted signal → ABORTED.
 * - Memory: one message (plus its put-back attachments) per iterator; directory listings one at a time.
 *   Read-only.
 */
import type {Dirent} from 'node:fs';
import {promises as fs} from 'node:fs';
import {basename, dirname, join, relative, resolve, sep} from 'node:path';

import {MailshiftError} from '../../contracts/errors.js';
import type {SourceMessage} from '../../contracts/types.js';
import {comparePaths, compareStrings, describe, errorCode, pathKey} from '../path-order.js';
import {folderLabel} from '../../contracts/source-store.js';
import type {ReaderOptions, ReaderProblem, SourceFolder, SourceStore} from '../../contracts/source-store.js';
import {emlxFlags, parseEmlx} from './emlx-file.js';
import {restoreAttachments} from './partial-attachments.js';
import {notAMessage} from '../message-shape.js';

const WALK_DEPTH = 16;
const DETECT_DEPTH = 10;
const MAILBOX = /\.(?:imap)?mbox$/i;
const EMLX = /\.emlx$/i;
const EMLXPART = /\.emlxpart$/i;
const SKIPPED = new Set(['maildata', 'attachments']);

type FolderEntry = {readonly path: readonly string[]; readonly dirs: string[]; readonly mailboxDir?: string};

/**
 * True if `path` is a directory with an `.emlx` file at most 10 levels down (Apple Mail's deepest layout is 8:
 * `V10/<acct>/INBOX.mbox/<UUID>/Data/1/2/Messages/`). Never throws.
 */
export async function looksLikeAppleMail(path: string): Promise<boolean> {
	const search = async (dir: string, depth: number): Promise<boolean> => {
		let entries: Dirent[];
		try {
			entries = await fs.readdir(dir, {withFileTypes: true});
		} catch {
			return false;
		}
		if (entries.some((entry) => entry.isFile() && EMLX.test(entry.name))) return true;
		if (depth >= DETECT_DEPTH) return false;
		for (const entry of entries) {
			if (entry.isDirectory() && !entry.name.startsWith('.') && (await search(join(dir, entry.name), depth + 1))) return true;
		}
		return false;
	};
	return search(resolve(path), 0);
}

/**
 * An Apple Mail directory opened read-only. Create with `AppleMailStore.open`. Methods may be called
 * concurrently; each `messages()` iterator is independent and holds at most one message.
 */
export class AppleMailStore implements SourceStore {
	readonly kind = 'apple-mail';
	/** Absolute path of the directory the user named. */
	readonly location: string;
	readonly #options: ReaderOptions;
	#index: Map<string, FolderEntry> | undefined;
	#isClosed = false;
	readonly #reported = new Set<string>();

	private constructor(location: string, options: ReaderOptions) {
		this.location = location;
		this.#options = options;
	}

	/**
	 * Opens the Apple Mail directory at `path` (resolved to an absolute path).
	 * @throws MailshiftError 'SOURCE_NOT_FOUND', 'SOURCE_UNREADABLE' or 'NOT_A_MAIL_STORE' (a file); 'fatal'.
	 */
	static async open(path: string, options: ReaderOptions = {}): Promise<AppleMailStore> {
		const location = resolve(path);
		let isDirectory: boolean;
		try {
			isDirectory = (await fs.stat(location)).isDirectory();
			if (isDirectory) await fs.readdir(location);
		} catch (error) {
			throw rootError(location, error);
		}
		if (!isDirectory) {
			throw new MailshiftError('NOT_A_MAIL_STORE', `${location} is a file, not an Apple Mail directory.`, 'fatal', {
				hint: 'Name the Apple Mail directory (~/Library/Mail/V10, one account in it, or a Name.mbox mailbox), or the directory that holds the .emlx files.',
			});
		}
		return new AppleMailStore(location, options);
	}

	/**
	 * Walks the tree afresh; folders sorted, each with `count` (.emlx files) and `bytes` (their sizes).
	 * @throws MailshiftError 'ABORTED'; 'SOURCE_NOT_FOUND'/'SOURCE_UNREADABLE' when the root has gone.
	 */
	async listFolders(signal?: AbortSignal): Promise<SourceFolder[]> {
		this.#assertOpen();
		const index = await this.#buildIndex(signal);
		const folders: SourceFolder[] = [];
		for (const entry of index.values()) {
			throwIfAborted(signal);
			let count = 0;
			let bytes = 0;
			let isKnown = true;
			for (const dir of entry.dirs) {
				try {
					const names = (await listEmlx(dir)).emlx;
					count += names.length;
					for (const name of names) bytes += (await fs.stat(join(dir, name)).catch(() => ({size: 0}))).size;
				} catch {
					isKnown = false;
				}
			}
			folders.push(isKnown ? {path: entry.path, count, bytes} : {path: entry.path});
		}
		return folders;
	}

	/**
	 * Yields the messages of `folder`, directory by directory, in file-name order (see contract).
	 * @throws MailshiftError 'SOURCE_UNREADABLE' ('skip'); 'ABORTED'; 'BUG' for an unknown folder or after close().
	 */
	async *messages(folder: SourceFolder, signal?: AbortSignal): AsyncGenerator<SourceMessage> {
		this.#assertOpen();
		throwIfAborted(signal);
		const index = this.#index ?? (await this.#buildIndex(signal));
		const label = folderLabel(folder.path);
		const entry = index.get(pathKey(folder.path));
		if (entry === undefined) throw new MailshiftError('BUG', `Folder "${label}" is not part of ${this.location}.`, 'fatal');
		for (const dir of entry.dirs) {
			throwIfAborted(signal);
			let listing: EmlxListing;
			try {
				listing = await listEmlx(dir);
			} catch (error) {
				throw new MailshiftError('SOURCE_UNREADABLE', `Cannot list folder "${label}" (${dir}): ${describe(error)}`, 'skip', {
					cause: error,
					hint: 'Check that you can read this directory (on macOS, give the terminal Full Disk Access to read ~/Library/Mail).',
				});
			}
			for (const name of listing.parts) {
				this.#reportOnce({folder: label, location: join(dir, name), code: 'FILE_IGNORED', kind: 'warning',
					reason: 'an attachment part Apple Mail downloaded separately (.emlxpart): not put back into its message yet; the message is uploaded without it.'});
			}
			for (const name of listing.emlx) {
				throwIfAborted(signal);
				if (this.#isClosed) return;
				const message = await this.#readMessage(dir, name, label);
				if (message !== undefined) yield message;
			}
		}
	}

	/** Marks the store closed. Idempotent; holds no handles. */
	async close(): Promise<void> {
		this.#isClosed = true;
	}

	async #readMessage(dir: string, name: string, folder: string): Promise<SourceMessage | undefined> {
		const location = join(dir, name);
		let file: Buffer;
		try {
			file = await fs.readFile(location);
		} catch (error) {
			this.#report({folder, location, code: 'SOURCE_UNREADABLE', kind: 'failed', reason: `Cannot read file: ${describe(error)}`});
			return undefined;
		}
		if (file.length === 0) {
			this.#report({folder, location, code: 'MESSAGE_EMPTY', kind: 'failed', reason: 'The file is empty (0 bytes).'});
			return undefined;
		}
		const emlx = parseEmlx(file);
		if (emlx === undefined) {
			this.#report({folder, location, code: 'MESSAGE_UNPARSEABLE', kind: 'failed',
				reason: 'not an Apple Mail .emlx file (it does not start with a byte-count line): damaged or zeroed; it was NOT migrated. Open the message in Mail and drag it out as .eml to save what is left.'});
			return undefined;
		}
		if (emlx.message.length === 0) {
			this.#report({folder, location, code: 'MESSAGE_EMPTY', kind: 'failed', reason: 'The .emlx file holds no message bytes.'});
			return undefined;
		}
		const junk = notAMessage(emlx.message);
		if (junk !== undefined) {
			this.#report({folder, location, code: 'MESSAGE_UNPARSEABLE', kind: 'failed', reason: `The .emlx file holds no message: ${junk}. It was NOT migrated; open the message in Mail to see whether it still shows.`});
			return undefined;
		}
		// A cut message is uploaded as far as it goes, but part of it is lost: MESSAGE_TRUNCATED keeps the run from
		// ending OK (ATTENTION_CODES), as a missing attachment does.
		if (emlx.warning !== undefined) this.#report({folder, location, code: emlx.isTruncated ? 'MESSAGE_TRUNCATED' : 'MESSAGE_UNPARSEABLE', kind: 'warning', reason: emlx.warning});
		let raw = emlx.message;
		const isPartial = /\.partial\.emlx$/i.test(name);
		if (isPartial) {
			const id = name.slice(0, name.indexOf('.'));
			const restored = await restoreAttachments(raw, join(dirname(dir), 'Attachments', id));
			raw = restored.raw;
			if (restored.missing.length > 0) {
				this.#report({folder, location, code: 'ATTACHMENT_MISSING', kind: 'warning',
					reason: `Apple Mail kept attachment part(s) ${restored.missing.join(', ')} apart in ${join(dirname(dir), 'Attachments', id)} and the file is not there: the message was uploaded without it (open the message in Mail to download it, then run again to compare).`});
			}
		}
		const key = relative(this.location, location).split(sep).join('/').replace(/\.partial\.emlx$/i, '.emlx');
		const ref = {store: this.location, folder, key, location};
		const flagsValue = emlx.plist?.get('flags');
		const flags = typeof flagsValue === 'number' ? emlxFlags(flagsValue) : new Set<string>();
		const received = emlx.plist?.get('date-received');
		return typeof received === 'number' && Number.isFinite(received)
			? {ref, raw, flags, storeDate: {date: new Date(received * 1000), source: 'apple-date-received'}}
			: {ref, raw, flags};
	}

	async #buildIndex(signal: AbortSignal | undefined): Promise<Map<string, FolderEntry>> {
		const byKey = new Map<string, FolderEntry>();
		const add = (path: readonly string[], dir: string | undefined): void => {
			const key = pathKey(path);
			const entry = byKey.get(key) ?? {path, dirs: []};
			if (dir !== undefined) entry.dirs.push(dir);
			byKey.set(key, entry);
		};
		const walk = async (dir: string, path: readonly string[], depth: number, isInMailbox: boolean): Promise<void> => {
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
			if (entries.some((entry) => entry.isFile() && (EMLX.test(entry.name) || EMLXPART.test(entry.name)))) {
				// Loose .emlx files (outside any Name.mbox): the folder is named after their directory, or after the
				// one holding their `Messages/`.
				add(isInMailbox ? path : [basename(basename(dir) === 'Messages' && depth > 0 ? dirname(dir) : dir)], dir);
			}
			if (MAILBOX.test(basename(dir)) && entries.some((entry) => entry.isFile() && entry.name === 'mbox')) {
				this.#reportOnce({folder: folderLabel(path), location: join(dir, 'mbox'), code: 'FILE_IGNORED', kind: 'warning',
					reason: 'an exported mailbox (mbox file) inside an Apple Mail directory: it was not read here; migrate it on its own (mailshift migrate <that Name.mbox directory>).'});
			}
			if (depth >= WALK_DEPTH) return;
			const dirs = entries.filter((entry) => entry.isDirectory() && !entry.name.startsWith('.')).map((entry) => entry.name).sort(compareStrings);
			for (const name of dirs) {
				const sub = join(dir, name);
				if (MAILBOX.test(name)) {
					const child = [...path, name.replace(MAILBOX, '') || name];
					add(child, undefined);
					await walk(sub, child, depth + 1, true);
				} else if (isInMailbox) {
					if (name.toLowerCase() !== 'attachments') await walk(sub, path, depth + 1, true);
				} else if (!SKIPPED.has(name.toLowerCase())) {
					await walk(sub, path, depth + 1, false);
				}
			}
		};
		const isRootMailbox = MAILBOX.test(basename(this.location));
		await walk(this.location, isRootMailbox ? [basename(this.location).replace(MAILBOX, '')] : [], 0, isRootMailbox);
		if (isRootMailbox) add([basename(this.location).replace(MAILBOX, '')], undefined);
		const sorted = [...byKey.entries()].sort(([, a], [, b]) => comparePaths(a.path, b.path));
		for (const [, entry] of sorted) entry.dirs.sort(compareStrings);
		this.#index = new Map(sorted);
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
		if (this.#isClosed) throw new MailshiftError('BUG', `AppleMailStore ${this.location} used after close().`, 'fatal');
	}
}

type EmlxListing = Readonly<{emlx: string[]; parts: string[]}>;

/** The .emlx and .emlxpart files of one message directory, sorted (code-unit order). Throws listing errors. */
async function listEmlx(dir: string): Promise<EmlxListing> {
	const emlx: string[] = [];
	const parts: string[] = [];
	for (const entry of await fs.readdir(dir, {withFileTypes: true})) {
		if (entry.isDirectory() || entry.name.startsWith('.')) continue;
		if (EMLX.test(entry.name)) emlx.push(entry.name);
		else if (EMLXPART.test(entry.name)) parts.push(entry.name);
	}
	return {emlx: emlx.sort(compareStrings), parts: parts.sort(compareStrings)};
}

function throwIfAborted(signal: AbortSignal | undefined): void {
	if (signal?.aborted) throw new MailshiftError('ABORTED', 'Stopped', 'fatal');
}

function rootError(location: string, error: unknown): MailshiftError {
	const code = errorCode(error);
	if (code === 'ENOENT' || code === 'ENOTDIR') {
		return new MailshiftError('SOURCE_NOT_FOUND', `${location} does not exist.`, 'fatal', {
			cause: error,
			hint: 'Check the path: Apple Mail keeps its mail in ~/Library/Mail/V10 (V2…V10 by macOS version).',
		});
	}
	return new MailshiftError('SOURCE_UNREADABLE', `Cannot read ${location}: ${describe(error)}`, 'fatal', {
		cause: error,
		hint: 'Check that your user can read this directory (on macOS, give the terminal Full Disk Access to read ~/Library/Mail).',
	});
}
