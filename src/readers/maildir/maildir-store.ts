/**
 * MaildirStore: reads a Maildir, a Maildir++ tree, an fs-layout tree of nested Maildirs, or a plain directory
 * that holds Maildirs (mu, notmuch, offlineimap trees), as a SourceStore.
 *
 * Contract (see source-store.ts for the interface contract):
 * - Folder tree. The store root, when it is a Maildir, is ['INBOX']. Below any directory:
 *   - a `.A.B` directory that is a Maildir is a Maildir++ folder [...parent, 'A', 'B'] (Courier Maildir++:
 *     folders are `.Name` dirs, `.` is the hierarchy separator; courier-libs `maildir/maildir.sgml`);
 *   - any other directory is an fs-layout folder [...parent, name] when it is a Maildir, and is searched for
 *     Maildirs in any case (Dovecot `LAYOUT=fs`, mu/notmuch trees). A top-level `inbox` stays `inbox`; the
 *     mapper maps names to roles.
 *   - directories are listed by name bytes and opened by those bytes (fs-names.ts), so a name that is not
 *     UTF-8 (`Entw\xfcrfe`, `.\xff\xfebad`) is read like any other. For display and mapping a name is decoded
 *     as UTF-8 when valid, else as Windows-1252 (`decodeName`); then from modified UTF-7 when valid
 *     (pre-2019 Courier, Dovecot without UTF8); UTF-8 names pass through (decodeMutf7 returns them unchanged).
 *   - skipped: dot-directories that are not Maildirs (`.git`, `.notmuch`, MH caches), `courierimap*`,
 *     `dovecot*` (incl. `DOVECOT-TRASHED`), and the cur/new/tmp of a Maildir. Symlinked directories are not
 *     followed (no loops); folder search stops 32 levels down.
 *   - folders are sorted by path (code-unit order per segment, so the same on every machine). Two directories
 *     that map to the same path (`.Work` and `Work/` side by side) are merged into one folder.
 * - What is a Maildir: a directory with `cur/` and `new/` (`tmp/` optional; git and some archivers drop
 *   empty directories). A directory with only one of `cur/`/`new/` is also read when that one holds
 *   messages, so a copy that lost its empty `new/` does not silently lose mail; when it holds nothing it
 *   is not a folder (neomutt's `banana` fixture).
 * - Messages: non-dot files directly in `new/` and `cur/`, never `tmp/` (in-flight deliveries; maildir.sgml),
 *   sorted by file name (code-unit order), one file read at a time. Messages lying loose outside cur/new
 *   (notmuch accepts them) are NOT read: they are not Maildir messages.
 * - Flags come only from the info suffix, never from being in `cur/` or `new/`. See `parseFileName`.
 * - `SourceRef.key` is the unique part of the file name (before the info suffix). For a unique part that is
 *   not valid UTF-8 it is the decoded text + `/` + the hex of its bytes (`rawKeySuffix`): exact and never
 *   equal to the key of a UTF-8 name; keys of UTF-8 names are unchanged, so old journals resume.
 * - `storeDate` is the file mtime: Dovecot keeps INTERNALDATE in it (dovecot maildir.rst). EXCEPT in a folder
 *   that was copied without its file times (`detectCopiedTimes`): the files of the copy run get no storeDate
 *   (the mapper then takes Received:, then Date:), and the folder is noted once as a MAILDIR_TIMES_LOST
 *   warning, so the summary says so. Detection stats every file of the folder and reads the header of at
 *   most 16 before the first message is yielded.
 * - A file that cannot be read, or is empty, goes to `onProblem` and is not yielded; a folder whose cur/ or
 *   new/ cannot be listed throws SOURCE_UNREADABLE with disposition 'skip' (the rest of the store is fine).
 * - Abort: checked before each message and each directory; an aborted signal throws `ABORTED` ('fatal'),
 *   so a caller can never mistake a stopped folder for a finished one.
 * - Cost: listing folders stats only message files whose names state no `,S=` size (Dovecot's and Courier's names
 *   do); reading a folder stats the files it will read, none the consumer already holds (`isKnown`). Stats run
 *   in short synchronous chunks (file-stats.ts).
 * - Memory: lists file names of one folder at a time; never holds more than one message's bytes.
 */
import {promises as fs} from 'node:fs';
import {resolve} from 'node:path';

import {detectCopiedTimes} from '../copied-times.js';
import {statFiles} from '../file-stats.js';
import type {CopiedTimes} from '../copied-times.js';
import {MailshiftError} from '../../contracts/errors.js';
import type {SourceMessage, SourceRef} from '../../contracts/types.js';
import {compareEntries, displayPath, joinRaw, rawKeySuffix, rawPath, readDirRaw} from '../fs-names.js';
import type {RawDirent} from '../fs-names.js';
import {decodeMutf7} from '../mutf7.js';
import {comparePaths, describe, errorCode, pathKey} from '../path-order.js';
import {folderLabel} from '../../contracts/source-store.js';
import type {MessagesOptions, ReaderOptions, ReaderProblem, SourceFolder, SourceStore} from '../../contracts/source-store.js';
import {notAMessage} from '../message-shape.js';
import {readMessageFile} from './read-message-file.js';

/** How deep `looksLikeMaildir` searches for a Maildir below the given directory (the brief's sniffing bound). */
const DETECT_DEPTH = 6;
/** How deep `listFolders` searches. A guard against pathological trees, not a format limit. */
const WALK_DEPTH = 32;
/**
 * A message file: its directory entry (`raw` its exact name bytes, made only when asked for; `name` the name
 * decoded by `decodeName`: fs-names.ts) and where it lies.
 */
type MessageFile = Readonly<{sub: 'cur' | 'new'; entry: RawDirent}>;
/** Directories are kept as path bytes (fs-names.ts), so names that are not UTF-8 are opened as they are. */
type FolderEntry = {readonly path: readonly string[]; readonly dirs: Buffer[]};
type FoundMaildir = Readonly<{dir: Buffer; path: readonly string[]}>;
type WalkContext = Readonly<{
	maxDepth: number;
	signal: AbortSignal | undefined;
	onUnreadable: (dir: Buffer, path: readonly string[], error: unknown) => void;
}>;

/**
 * True if `path` is a directory that is a Maildir (has cur/ and new/; tmp/ optional), or that contains a
 * Maildir or Maildir++ `.Folder` at most 6 levels below it. Never throws: a missing, unreadable or
 * non-directory path is simply false. Read-only; stops at the first Maildir found.
 */
export async function looksLikeMaildir(path: string): Promise<boolean> {
	try {
		const stat = await fs.stat(path);
		if (!stat.isDirectory()) return false;
		const context: WalkContext = {maxDepth: DETECT_DEPTH, signal: undefined, onUnreadable: () => {}};
		for await (const _found of walkTree(rawPath(resolve(path)), [], 0, false, context)) return true;
		return false;
	} catch {
		return false;
	}
}

/**
 * A Maildir-family store opened read-only. Create with `MaildirStore.open`. Never writes to the store
 * (no renames to cur/, no flag changes). Methods may be called concurrently; each `messages()` iterator is
 * independent and holds at most one message.
 */
export class MaildirStore implements SourceStore {
	readonly kind = 'maildir';
	/** Absolute path of the directory the user named. */
	readonly location: string;
	readonly #options: ReaderOptions;
	#index: Map<string, FolderEntry> | undefined;
	#isClosed = false;
	/** `code\0location` of the notes and walk problems said so far (`#reportOnce`); bounded by the tree's size. */
	readonly #reported = new Set<string>();

	private constructor(location: string, options: ReaderOptions) {
		this.location = location;
		this.#options = options;
	}

	/**
	 * Opens the Maildir (tree) at `path` (resolved to an absolute path).
	 * @throws MailshiftError 'SOURCE_NOT_FOUND' (missing), 'SOURCE_UNREADABLE' (no permission, I/O error) or
	 *   'NOT_A_MAIL_STORE' (a file, or a directory with no Maildir within 6 levels); all 'fatal', with a hint.
	 */
	static async open(path: string, options: ReaderOptions = {}): Promise<MaildirStore> {
		const location = resolve(path);
		let isDirectory: boolean;
		try {
			isDirectory = (await fs.stat(location)).isDirectory();
			if (isDirectory) await fs.readdir(location);
		} catch (error) {
			throw rootError(location, error);
		}
		if (!isDirectory) {
			throw new MailshiftError(
				'NOT_A_MAIL_STORE',
				`${location} is a file, not a Maildir: expected a directory with cur/ and new/ subdirectories, or a directory that contains Maildirs.`,
				'fatal',
				{hint: 'Name the Maildir directory itself (the one that contains cur/ and new/, e.g. ~/Maildir). If this file is an mbox, open it as an mbox store instead.'},
			);
		}
		if (!(await looksLikeMaildir(location))) {
			throw new MailshiftError(
				'NOT_A_MAIL_STORE',
				`No Maildir found in ${location}: expected cur/ and new/ subdirectories, Maildir++ ".Folder" directories, or Maildirs nested at most ${DETECT_DEPTH} levels below it.`,
				'fatal',
				{hint: 'Name the Maildir directory itself (the one that contains cur/ and new/, e.g. ~/Maildir), or the directory that holds your Maildirs.'},
			);
		}
		return new MaildirStore(location, options);
	}

	/**
	 * Walks the tree afresh and returns its folders, sorted, with `count` (message files in cur/ + new/) and
	 * `bytes` (their total size: the `,S=` of a file's name when it has one, else its size on disk; `countFolder`). A folder whose cur/ or new/ cannot be listed is returned without count and
	 * bytes; a subdirectory that cannot be read is reported to `onProblem` as a warning and skipped.
	 * @throws MailshiftError 'ABORTED' when `signal` aborts; 'SOURCE_NOT_FOUND'/'SOURCE_UNREADABLE' when the
	 *   root itself has gone or become unreadable.
	 */
	async listFolders(signal?: AbortSignal): Promise<SourceFolder[]> {
		this.#assertOpen();
		const index = await this.#buildIndex(signal);
		const folders: SourceFolder[] = [];
		for (const entry of index.values()) {
			throwIfAborted(signal);
			const totals = await countFolder(entry.dirs, signal);
			folders.push(totals === undefined ? {path: entry.path} : {path: entry.path, ...totals});
		}
		return folders;
	}

	/**
	 * Yields the messages of `folder` (a folder returned by `listFolders`, or any folder with the same path)
	 * in file-name order. Unreadable and empty files go to `onProblem` and are skipped. Files whose ref
	 * `options.isKnown` accepts (asked for every file of the folder before the first is read) are neither read nor
	 * yielded, and not stat'ed either when it accepts them all. If `close()` is called
	 * meanwhile, the iterator ends after the current message.
	 * @throws MailshiftError 'SOURCE_UNREADABLE' (disposition 'skip') when cur/ or new/ cannot be listed;
	 *   'ABORTED' when `signal` aborts; 'BUG' for a folder that is not in this store or after `close()`.
	 */
	async *messages(folder: SourceFolder, signal?: AbortSignal, options?: MessagesOptions): AsyncGenerator<SourceMessage> {
		this.#assertOpen();
		throwIfAborted(signal);
		const index = this.#index ?? (await this.#buildIndex(signal));
		const entry = index.get(pathKey(folder.path));
		const label = folderLabel(folder.path);
		if (entry === undefined) {
			throw new MailshiftError('BUG', `Folder "${label}" is not part of ${this.location}.`, 'fatal');
		}
		const listed: Array<{dir: Buffer; files: MessageFile[]}> = [];
		for (const dir of entry.dirs) {
			throwIfAborted(signal);
			try {
				listed.push({dir, files: await listMessageFiles(dir)});
			} catch (error) {
				throw new MailshiftError('SOURCE_UNREADABLE', `Cannot list folder "${label}" (${displayPath(dir)}): ${describe(error)}`, 'skip', {
					cause: error,
					hint: 'Check that you can read this directory and its cur/ and new/ subdirectories.',
				});
			}
		}
		// A ref is the file name: files the consumer already holds (options.isKnown) are neither read nor yielded, and
		// when it holds them all, not even stat'ed (a re-run with nothing to do). When some are left, every file is
		// stat'ed all the same: the copy detection below judges the folder as a whole, as the first run and verify do.
		// (Judged on the files left alone, a resume with one file left took "not a copy" and gave that message its
		// copy-time date, which verify then called altered: seen in CI, test/e2e/quota-resume.test.ts.)
		const isKnown = options?.isKnown;
		let known: Uint8Array | undefined;
		if (isKnown !== undefined) {
			known = new Uint8Array(listed.reduce((n, {files}) => n + files.length, 0));
			let at = 0;
			let left = 0;
			for (const {dir, files} of listed) {
				const dirPath = dirLocation(dir);
				for (const file of files) {
					const isHeld = isKnown(refOf(this.location, label, dirPath, file));
					known[at++] = isHeld ? 1 : 0;
					if (!isHeld) left += 1;
				}
			}
			if (left === 0) return;
		}
		// One stat per file, here: its mtime serves both the copy detection and the message's date (read below).
		const paths = listed.flatMap(({dir, files}) => files.map((file) => joinRaw(dir, file.sub, file.entry.raw)));
		const stats = await statFiles(paths, {signal, onAbort: aborted});
		const copied = await copiedTimesOf(paths, stats.mtimeMs, signal);
		if (copied !== undefined) {
			const when = new Date(copied.to).toISOString().replace(/\.\d{3}Z$/, 'Z');
			this.#reportOnce({
				folder: label,
				location: displayPath(entry.dirs[0] ?? rawPath(this.location)),
				code: 'MAILDIR_TIMES_LOST',
				kind: 'warning',
				reason: `${copied.inRun} of ${copied.total} message files have file times within ${Math.ceil((copied.to - copied.from) / 1000)} s of each other (up to ${when}), long after the dates in their Date: headers: this folder was copied without its file times (cp -r, a zip, a git checkout). Their received dates come from their Received: or Date: headers instead of the file times.`,
			});
		}
		let position = 0;
		for (const {dir, files} of listed) {
			throwIfAborted(signal);
			if (files.length === 0) continue;
			const keywords = await readDovecotKeywords(dir);
			for (const file of files) {
				throwIfAborted(signal);
				if (this.#isClosed) return;
				if (known?.[position] === 1) {
					position += 1;
					continue;
				}
				const message = await this.#readMessage(dir, file, label, keywords, copied, stats.mtimeMs[position] ?? Number.NaN, stats.size[position] ?? Number.NaN);
				position += 1;
				if (message !== undefined) yield message;
			}
		}
	}

	/** Marks the store closed. Idempotent; holds no handles, so it never fails. */
	async close(): Promise<void> {
		this.#isClosed = true;
	}

	/** Reads one file; undefined (after reporting) when it is unreadable or empty. */
	async #readMessage(
		dir: Buffer,
		file: MessageFile,
		folder: string,
		keywords: ReadonlyMap<number, string>,
		copied: CopiedTimes | undefined,
		/** The file's mtime from the listing's stat (statFiles), NaN when that stat failed or found no regular file. */
		listedMtimeMs: number,
		/** The file's size from the same stat (NaN: unknown). */
		listedSize: number,
	): Promise<SourceMessage | undefined> {
		const path = joinRaw(dir, file.sub, file.entry.raw);
		const location = displayPath(path);
		let raw: Buffer;
		let mtime: Date;
		try {
			// The stat of the listing (statFiles) when it found a regular file; else stat now, to say what it is.
			// One message per turn of the event loop (read-message-file.ts says why).
			if (Number.isNaN(listedMtimeMs)) {
				const stat = await fs.stat(path);
				if (!stat.isFile()) {
					this.#report({folder, location, code: 'SOURCE_UNREADABLE', kind: 'failed', reason: 'Not a regular file.'});
					return undefined;
				}
				mtime = stat.mtime;
			} else {
				mtime = new Date(listedMtimeMs);
			}
			raw = await readMessageFile(path, listedSize, this.#options.crlf === true, this.#options.messageBuffers);
		} catch (error) {
			// EACCES, or the file vanished (moved to cur/ or expunged by a running MUA) after listing.
			this.#report({folder, location, code: 'SOURCE_UNREADABLE', kind: 'failed', reason: `Cannot read file: ${describe(error)}`});
			return undefined;
		}
		if (raw.length === 0) {
			this.#options.messageBuffers?.give(raw);
			this.#report({folder, location, code: 'MESSAGE_EMPTY', kind: 'failed', reason: 'The file is empty (0 bytes).'});
			return undefined;
		}
		// Junk (a zeroed file, binary bytes, no header field first) is reported, not uploaded (message-shape.ts).
		const junk = notAMessage(raw);
		if (junk !== undefined) {
			this.#options.messageBuffers?.give(raw);
			this.#report({folder, location, code: 'MESSAGE_UNPARSEABLE', kind: 'failed', reason: `The file is not a message: ${junk}. It was NOT migrated; restore it from a backup if it should be one.`});
			return undefined;
		}
		const parsed = parseFileName(file.entry.name, keywords);
		const ref = refOf(this.location, folder, dirLocation(dir), file);
		// A file time from a copy is the copy time, not the delivery time: leave it out (the mapper then uses
		// Received:, then Date:; received-date.ts).
		const isCopyTime = copied !== undefined && mtime.getTime() >= copied.from && mtime.getTime() <= copied.to;
		const dates = isCopyTime ? {} : {storeDate: {date: mtime, source: 'file-mtime'} as const};
		// readMessageFile made the lines CRLF when asked to (ReaderOptions.crlf).
		const lineEnds = this.#options.crlf === true ? {isCrlf: true} as const : {};
		return parsed.isTrashed
			? {ref, raw, ...lineEnds, flags: parsed.flags, ...dates, skipHint: 'maildir-trashed'}
			: {ref, raw, ...lineEnds, flags: parsed.flags, ...dates};
	}

	async #buildIndex(signal: AbortSignal | undefined): Promise<Map<string, FolderEntry>> {
		const context: WalkContext = {
			maxDepth: WALK_DEPTH,
			signal,
			onUnreadable: (dir, path, error) =>
				this.#reportOnce({
					folder: folderLabel(path),
					location: displayPath(dir),
					code: 'SOURCE_UNREADABLE',
					kind: 'warning',
					reason: `Cannot read directory, skipped it and everything below it: ${describe(error)}`,
				}),
		};
		const byKey = new Map<string, FolderEntry>();
		for await (const found of walkTree(rawPath(this.location), [], 0, false, context)) {
			const key = pathKey(found.path);
			const existing = byKey.get(key);
			if (existing === undefined) byKey.set(key, {path: found.path, dirs: [found.dir]});
			else existing.dirs.push(found.dir);
		}
		const sorted = [...byKey.entries()].sort(([, a], [, b]) => comparePaths(a.path, b.path));
		for (const [, entry] of sorted) entry.dirs.sort(Buffer.compare);
		this.#index = new Map(sorted);
		return this.#index;
	}

	#report(problem: ReaderProblem): void {
		this.#options.onProblem?.(problem);
	}

	/**
	 * Folder notes and tree-walk problems are said once per store, however often the tree is walked or a
	 * folder is read (a run, then its verify).
	 */
	#reportOnce(problem: ReaderProblem): void {
		const key = `${problem.code}\0${problem.location}`;
		if (this.#reported.has(key)) return;
		this.#reported.add(key);
		this.#report(problem);
	}

	#assertOpen(): void {
		if (this.#isClosed) throw new MailshiftError('BUG', `MaildirStore ${this.location} used after close().`, 'fatal');
	}
}

/**
 * Depth-first search for Maildirs below `dir` (inclusive). `path` is the folder path of `dir`; the root
 * Maildir itself is ['INBOX']. Only the root's read errors are thrown (as `rootError`); deeper ones go to
 * `onUnreadable`.
 */
async function* walkTree(
	dir: Buffer,
	path: readonly string[],
	depth: number,
	isDotFolder: boolean,
	context: WalkContext,
): AsyncGenerator<FoundMaildir> {
	throwIfAborted(context.signal);
	let entries: RawDirent[];
	try {
		entries = await readDirRaw(dir);
	} catch (error) {
		if (depth === 0) throw rootError(displayPath(dir), error);
		context.onUnreadable(dir, path, error);
		return;
	}
	const hasCur = hasSubdirectory(entries, 'cur');
	const hasNew = hasSubdirectory(entries, 'new');
	const isMaildir = (hasCur && hasNew) || ((hasCur || hasNew) && (await holdsMessages(dir)));
	if (isMaildir) yield {dir, path: depth === 0 ? ['INBOX'] : path};
	// Maildir++ folders are flat `.A.B` directories; a dot-directory that is not a Maildir is something else.
	if (isDotFolder && !isMaildir) return;
	if (depth >= context.maxDepth) return;

	const children = entries
		.filter((entry) => entry.isDirectory && !isSkippedDirectory(entry.name, hasCur || hasNew))
		.sort(compareEntries);
	for (const {raw, name} of children) {
		if (name.startsWith('.')) {
			const segments = name.slice(1).split('.').filter((segment) => segment !== '').map(decodeMutf7);
			if (segments.length === 0) continue;
			yield* walkTree(joinRaw(dir, raw), [...path, ...segments], depth + 1, true, context);
		} else {
			yield* walkTree(joinRaw(dir, raw), [...path, decodeMutf7(name)], depth + 1, false, context);
		}
	}
}

function hasSubdirectory(entries: readonly RawDirent[], name: string): boolean {
	return entries.some((entry) => entry.name === name && entry.isDirectory);
}

/** Directories never searched: Maildir internals (when the parent is a Maildir) and server bookkeeping. */
function isSkippedDirectory(name: string, isInsideMaildir: boolean): boolean {
	if (isInsideMaildir && (name === 'cur' || name === 'new' || name === 'tmp')) return true;
	const lower = name.toLowerCase();
	// Courier: courierimapkeywords/, courierimapacl …; Dovecot: DOVECOT-TRASHED/, dovecot.index* (files).
	return lower.startsWith('courierimap') || lower.startsWith('dovecot') || lower === 'maildirfolder' || lower === 'subscriptions';
}

/**
 * True when cur/ or new/ of `dir` holds at least one message file (used only for partial Maildirs), or when
 * one of them exists but cannot be listed (a `cur` that is a file, a permission error): such a folder is
 * listed so that reading it reports the damage, instead of its mail in new/ being passed over in silence.
 */
async function holdsMessages(dir: Buffer): Promise<boolean> {
	try {
		return (await listMessageFiles(dir)).length > 0;
	} catch {
		return true;
	}
}

/**
 * Message files of one Maildir: non-dot regular files (or symlinks) directly in cur/ and new/, sorted by
 * name then sub-directory. A missing cur/ or new/ counts as empty; other listing errors are thrown.
 */
async function listMessageFiles(dir: Buffer): Promise<MessageFile[]> {
	const files = await listUnsorted(dir);
	return files.sort((a, b) => compareEntries(a.entry, b.entry) || (a.sub < b.sub ? -1 : a.sub > b.sub ? 1 : 0));
}

/** The message files of cur/ and new/ as the directories list them (counting needs no order). */
async function listUnsorted(dir: Buffer): Promise<MessageFile[]> {
	const files: MessageFile[] = [];
	for (const sub of ['cur', 'new'] as const) {
		let entries: RawDirent[];
		try {
			entries = await readDirRaw(joinRaw(dir, sub));
		} catch (error) {
			if (errorCode(error) === 'ENOENT') continue;
			throw error;
		}
		for (const entry of entries) {
			if (entry.name.startsWith('.')) continue;
			if (entry.isFile || entry.isSymbolicLink) files.push({sub, entry});
		}
	}
	return files;
}

/**
 * Count and total bytes of the message files in `dirs`; undefined when a listing fails. A file's bytes are the
 * `,S=<size>` of its name when it has one (`sizeInName`), else its size on disk (a file that cannot be stat'ed
 * counts 0: reading it reports the problem). So a Dovecot or Courier Maildir is counted without one stat.
 */
async function countFolder(
	dirs: readonly Buffer[],
	signal: AbortSignal | undefined,
): Promise<{count: number; bytes: number} | undefined> {
	let count = 0;
	let bytes = 0;
	for (const dir of dirs) {
		let files: MessageFile[];
		try {
			files = await listUnsorted(dir);
		} catch {
			return undefined;
		}
		count += files.length;
		const unnamed: Buffer[] = [];
		for (const file of files) {
			const size = sizeInName(file.entry.name);
			if (size === undefined) unnamed.push(joinRaw(dir, file.sub, file.entry.raw));
			else bytes += size;
		}
		for (const size of (await statFiles(unnamed, {signal, onAbort: aborted})).size) if (!Number.isNaN(size)) bytes += size;
	}
	return {count, bytes};
}

/**
 * The size a Maildir file name states: `,S=<size>` in its unique part (courier-libs `maildir/maildirquota` —
 * "S=nnnnn: the size of the message"; Dovecot maildir.rst "S=<size>: the file size … avoids a stat()"). Read like
 * Dovecot's `maildir_filename_get_size`: the first `,S=`, then digits, ended by `,`, the info separator or the end
 * of the name. Undefined when the name states none. Pure.
 */
export function sizeInName(name: string): number | undefined {
	const at = name.indexOf(',S=');
	if (at === -1) return undefined;
	const start = at + 3;
	let end = start;
	while (end < name.length && name.charCodeAt(end) >= 0x30 && name.charCodeAt(end) <= 0x39) end += 1;
	if (end === start || end - start > 15) return undefined;
	const after = name[end];
	if (after !== undefined && after !== ',' && after !== ':' && after !== '!' && after !== ';') return undefined;
	return Number(name.slice(start, end));
}

/**
 * Dovecot keywords of one Maildir: `dovecot-keywords` lines "N keyword" (dovecot maildir.rst "IMAP
 * Keywords"). Only indexes 0–25 can appear in file names (letters a–z). Missing or unreadable → no keywords:
 * keywords are optional metadata, never a reason to stop.
 */
async function readDovecotKeywords(dir: Buffer): Promise<ReadonlyMap<number, string>> {
	const keywords = new Map<number, string>();
	let text: string;
	try {
		text = await fs.readFile(joinRaw(dir, 'dovecot-keywords'), 'utf8');
	} catch {
		return keywords;
	}
	for (const line of text.split(/\r?\n/)) {
		const match = /^(\d+) (\S+)/.exec(line);
		if (match?.[1] === undefined || match[2] === undefined) continue;
		const index = Number(match[1]);
		if (index < 26) keywords.set(index, match[2]);
	}
	return keywords;
}

type ParsedName = Readonly<{key: string; flags: ReadonlySet<string>; isTrashed: boolean}>;

// Maildir: cr.yp.to/proto/maildir.html — `unique:2,FLAGS`, flags in ASCII order, `:1,` experimental.
// Windows cannot store ':' — Evolution writes '!', a James proposal and stalwart's fixtures ';', OfflineIMAP has
// maildir-windows-compatible (protocol.md §3.4). The last separator wins, as Dovecot's strrchr(':').
const INFO_PATTERN = /^(.*)[:!;]([12]),(.*)$/s;

const FLAG_LETTERS: Readonly<Record<string, string>> = {
	S: '\\Seen',
	R: '\\Answered',
	F: '\\Flagged',
	D: '\\Draft',
	P: '$Forwarded',
	T: '\\Deleted',
};

/**
 * Splits a Maildir file name into its unique name (`key`, which keeps Dovecot's `,S=`/`,W=` fields) and its
 * flags. Only `2,` info carries flags; they end at the first ',' (Dovecot's MAILDIR_FLAGS_SEP). Unknown
 * capitals are ignored; lowercase letters are Dovecot keywords by index, ignored when the index is unknown.
 * `T` (trashed) yields `\Deleted` and `isTrashed`; the mapper decides what to do with it.
 */
/**
 * A message file's ref, from its name alone (the key is the name's unique part: flags and keywords excluded).
 * `dirPath` is `dirLocation(dir)`. Asked for every file of a folder on a re-run, so built from strings: the same
 * key and location as `rawKeySuffix(uniqueBytes(raw))` and `displayPath(joinRaw(dir, sub, raw))` give (a valid UTF-8
 * name has a valid UTF-8 unique part, as the info suffix starts at an ASCII byte; displayPath decodes per segment).
 */
function refOf(store: string, folder: string, dirPath: string, file: MessageFile): SourceRef {
	const {entry} = file;
	const key = keyOf(entry.name);
	return {store, folder, key: entry.isValidUtf8 ? key : key + rawKeySuffix(uniqueBytes(entry.raw)), location: `${dirPath}${file.sub}/${entry.name}`};
}

/** A Maildir's path for display, ending in `/` (`displayPath`, as `joinRaw` joins). */
function dirLocation(dir: Buffer): string {
	const path = displayPath(dir);
	return dir.at(-1) === 0x2f ? path : `${path}/`;
}

/**
 * A file name's key: what INFO_PATTERN's first group takes — the name up to its last info separator (`:`, `!` or
 * `;`, then `1` or `2`, then `,`), else the whole name. Found by a scan from the end, so asking for the key of
 * every file of a re-run allocates nothing but the key (no match array, no flags; issue #14).
 */
export function keyOf(name: string): string {
	for (let i = name.length - 3; i >= 0; i--) {
		const separator = name.charCodeAt(i);
		const version = name.charCodeAt(i + 1);
		if ((separator === 0x3a || separator === 0x21 || separator === 0x3b) && (version === 0x31 || version === 0x32) && name.charCodeAt(i + 2) === 0x2c) return name.slice(0, i);
	}
	return name;
}

function parseFileName(name: string, keywords: ReadonlyMap<number, string>): ParsedName {
	const match = INFO_PATTERN.exec(name);
	if (match === null) return {key: name, flags: new Set(), isTrashed: false};
	const key = match[1] ?? name;
	const flags = new Set<string>();
	if (match[2] !== '2') return {key, flags, isTrashed: false};
	const letters = (match[3] ?? '').split(',')[0] ?? '';
	for (const letter of letters) {
		const flag = FLAG_LETTERS[letter];
		if (flag !== undefined) {
			flags.add(flag);
		} else if (letter >= 'a' && letter <= 'z') {
			const keyword = keywords.get(letter.charCodeAt(0) - 0x61);
			if (keyword !== undefined) flags.add(keyword);
		}
	}
	return {key, flags, isTrashed: letters.includes('T')};
}

/**
 * The mtimes of a folder's message files (statFiles), judged by `detectCopiedTimes` (copied-times.ts). A file
 * that could not be stat'ed is left out (reading it later reports it).
 */
async function copiedTimesOf(paths: readonly Buffer[], mtimes: Float64Array, signal: AbortSignal | undefined): Promise<CopiedTimes | undefined> {
	if (paths.length < 2) return undefined;
	const times: Array<{path: Buffer; mtime: number}> = [];
	paths.forEach((path, i) => {
		const mtime = mtimes[i] ?? Number.NaN;
		if (!Number.isNaN(mtime)) times.push({path, mtime});
	});
	try {
		return await detectCopiedTimes(times, signal);
	} catch (error) {
		throwIfAborted(signal);
		throw error;
	}
}

/**
 * The bytes of a file name's unique part (before the info suffix, by the same `INFO_PATTERN`): what
 * `rawKeySuffix` keeps for a name that is not UTF-8, so a flag change (a new info suffix) keeps the key.
 */
function uniqueBytes(raw: Buffer): Buffer {
	const match = INFO_PATTERN.exec(raw.toString('latin1'));
	return match?.[1] === undefined ? raw : Buffer.from(match[1], 'latin1');
}

function throwIfAborted(signal: AbortSignal | undefined): void {
	if (signal?.aborted) throw aborted();
}

function aborted(): MailshiftError {
	return new MailshiftError('ABORTED', 'Stopped', 'fatal');
}

/** Maps a failure to reach the store root to the user-facing error. */
function rootError(location: string, error: unknown): MailshiftError {
	const code = errorCode(error);
	if (code === 'ENOENT' || code === 'ENOTDIR') {
		return new MailshiftError('SOURCE_NOT_FOUND', `${location} does not exist.`, 'fatal', {
			cause: error,
			hint: 'Check the path: name the Maildir directory (the one that contains cur/ and new/) or the directory that holds your Maildirs.',
		});
	}
	return new MailshiftError('SOURCE_UNREADABLE', `Cannot read ${location}: ${describe(error)}`, 'fatal', {
		cause: error,
		hint: 'Check that your user can read this directory and everything below it (mailshift only reads).',
	});
}





