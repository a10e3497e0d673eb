/**
 * MboxStore: reads one mbox file, or a directory tree of them (a Thunderbird profile's "Local Folders", an
 * export directory of `*.mbox` files), as a SourceStore. MMDF files are read too (see mbox-splitter.ts).
 *
 * Contract (see source-store.ts for the interface contract):
 * - Folder tree. For a single file, one folder named after the file without a `.mbox`/`.mbx` extension
 *   ('Inbox.mbox' → ['Inbox']). For a directory, every mbox file is a folder [...parent, name]. A
 *   Thunderbird `Name.sbd/` directory holds the subfolders of `Name` (kb.mozillazine.org "Profile folder",
 *   protocol.md §3.3). An Apple Mail export bundle `Name.mbox/mbox` is the folder `Name` (`bundlePath`).
 *   One-message files (`.eml`, `.emlx`, `.msg`) are never mbox folders, even when they start with "From ":
 *   each is reported as FILE_IGNORED (their directory is an `eml` store). Other subdirectories nest the same way (`Archive/2019.mbox` → ['Archive', '2019']).
 *   A parent that has no file of its own (`Name.sbd` without `Name`) is not listed, and only its children
 *   are. Creating a child mailbox creates the parent.
 * - File and directory names are read as bytes and opened by those bytes (fs-names.ts): a name that is not
 *   UTF-8 is read like any other, and is decoded for display and folder names as UTF-8 when valid, else as
 *   Windows-1252 (`decodeName`).
 * - Which files are folders: never dot-files or known non-mail files (`.msf` Mork summaries, `.dat`,
 *   `.json`, `.html`, SQLite, vCard `.vcf` and iCalendar `.ics` as a backup's `non-mail/` holds, …).
 *   Every dot-file and dot-directory is reported as FILE_IGNORED (warning), as is a file that does not look
 *   like mbox; known non-mail files are skipped without a word (a Thunderbird tree has one `.msf` per folder).
 *   Problems found while walking the tree are reported once per store, however often it is walked. Apart from those, a file counts if its first non-empty line is a From_
 *   line or an MMDF delimiter, if it is named `*.mbox`/`*.mbx` (whatever it holds, so that nothing the user
 *   named as mail is silently skipped), or if it is empty. An empty file is an empty folder, and it is kept
 *   so that the folder is recreated (Thunderbird's `Trash` starts as a 0-byte file).
 *   Maildirs (a directory with cur/ and new/) are skipped, and so are symlinked directories (no loops). The
 *   search stops 6 directory levels below the root. Folders are sorted by path (code-unit order per
 *   segment). When two files map to one path (`Inbox` next to `Inbox.mbox`), the later one keeps its full
 *   file name.
 * - Messages: split by `splitMbox` (byte-exact, streaming, 1 MiB reads), so at most one message is held per
 *   iterator. `SourceRef.key` is `${ordinal}:${sha256(raw)[0..16]}` and `location` is
 *   `${file}#${ordinal} (byte ${offset})`. Ordinal 0 is content before the first From_ line.
 * - Flags come from `mboxStatus` (Status/X-Status/X-Mozilla-Status*). The Thunderbird Expunged bit gives
 *   skipHint 'mozilla-expunged'. `storeDate` is the From_ line date when it parses.
 * - Problems (through `onProblem`; iteration continues): an empty or blank-only message → 'MESSAGE_EMPTY'
 *   'failed', not yielded; one that is not a message (zero bytes, binary junk, no header field first:
 *   message-shape.ts) → 'MESSAGE_UNPARSEABLE' 'failed', not yielded. Content before the first From_ line, stray From_ lines, and Thunderbird partial
 *   messages → 'MESSAGE_UNPARSEABLE' 'warning', and the message is still yielded. A message whose body holds
 *   a `From ` line followed by a message header (`suspectedMerges`: messages that may have been run together)
 *   → 'MBOX_MERGE_SUSPECTED' 'warning' (in ATTENTION_CODES: the run does not end OK), still yielded.
 * - Errors: a folder file that cannot be read throws SOURCE_UNREADABLE with disposition 'skip' (the other
 *   folders are fine). An aborted `signal` throws ABORTED ('fatal'), checked before each message and each
 *   directory.
 * - Read-only: never writes, locks or renames anything in the store.
 */
import {createHash} from 'node:crypto';
import {promises as fs} from 'node:fs';
import type {PathLike} from 'node:fs';
import type {FileHandle} from 'node:fs/promises';
import {basename, dirname, resolve} from 'node:path';

import {MailshiftError} from '../../contracts/errors.js';
import type {SourceMessage} from '../../contracts/types.js';
import {compareEntries, displayPath, joinRaw, rawPath, readDirRaw} from '../fs-names.js';
import type {RawDirent} from '../fs-names.js';
import {sniffMbox, splitMbox, suspectedMerges} from './mbox-splitter.js';
import type {MboxEntry} from './mbox-splitter.js';
import {notAMessage} from '../message-shape.js';
import {mboxStatus} from './mozilla-status.js';
import {comparePaths, describe, errorCode, pathKey} from '../path-order.js';
import {folderLabel} from '../../contracts/source-store.js';
import type {ReaderOptions, ReaderProblem, SourceFolder, SourceStore} from '../../contracts/source-store.js';

/** How many directory levels below the root are searched, both when detecting and when listing. */
const MAX_DEPTH = 6;
/** Read size: large enough to stream fast, small enough that a chunk is negligible next to one message. */
const CHUNK_BYTES = 1024 * 1024;
/** Bytes read to recognize a file by its first line. */
const SNIFF_BYTES = 8 * 1024;
const MBOX_EXTENSION = /\.(?:mbox|mbx)$/i;
/** One message per file: Windows Live Mail / exported .eml, Apple Mail .emlx, Outlook .msg. */
const ONE_MESSAGE_FILE = /\.(?:eml|emlx|msg)$/i;
/** The other files of an Apple Mail exported bundle (`Name.mbox/mbox` + these): bookkeeping, not mail. */
const APPLE_BUNDLE_FILES = new Set(['table_of_contents', 'Info.plist']);
/** Files that are never mail folders, even when empty: Thunderbird/Netscape bookkeeping and app data. */
const IGNORED_EXTENSION = /\.(?:msf|dat|json|jsonlz4|html?|sqlite|sqlite-wal|sqlite-shm|db|mab|ini|js|xml|lock|log|toc|summary|vcf|ics)$/i;

/** `file` is the path bytes (opened as they are, fs-names.ts); `display` the same path decoded for messages. */
type FolderFile = Readonly<{path: readonly string[]; file: Buffer; display: string; bytes: number; isEmpty: boolean}>;
type Classification = 'mbox' | 'empty' | undefined;
type WalkContext = Readonly<{
	signal: AbortSignal | undefined;
	/** Stop at the first non-empty mbox file (detection only). */
	isDetecting: boolean;
	onProblem: (problem: ReaderProblem) => void;
}>;

/**
 * True if `path` is an mbox or MMDF file (its first non-empty line is a From_ line or `\x01\x01\x01\x01`,
 * or it is named `*.mbox`/`*.mbx`), or a directory that is not a Maildir and holds such a file at most 6
 * levels down (Thunderbird `Name.sbd/` trees included; `.msf` and other non-mail files ignored).
 * Never throws: a missing or unreadable path is false. Read-only; stops at the first mbox file found.
 */
export async function looksLikeMbox(path: string): Promise<boolean> {
	try {
		const location = resolve(path);
		const stat = await fs.stat(location);
		if (stat.isFile()) return (await classifyFile(rawPath(location), stat.size, location)) === 'mbox';
		if (!stat.isDirectory()) return false;
		const context: WalkContext = {signal: undefined, isDetecting: true, onProblem: () => {}};
		const found = await walk(rawPath(location), [], 0, context);
		return found.length > 0;
	} catch {
		return false;
	}
}

/**
 * An mbox file or directory of mbox files, opened read-only. Create with `MboxStore.open`. Methods may be
 * called concurrently; each `messages()` iterator reads its own stream and holds at most one message.
 */
export class MboxStore implements SourceStore {
	readonly kind = 'mbox';
	/** Absolute path of the file or directory the user named. */
	readonly location: string;
	readonly #isFile: boolean;
	readonly #options: ReaderOptions;
	#index: ReadonlyMap<string, FolderFile> | undefined;
	#isClosed = false;
	readonly #readings = new Set<Reading>();
	/** `code\0location` of the problems the tree walk has reported (see `#reportOnce`). */
	readonly #walkReported = new Set<string>();

	private constructor(location: string, isFile: boolean, options: ReaderOptions, index: ReadonlyMap<string, FolderFile>) {
		this.location = location;
		this.#isFile = isFile;
		this.#options = options;
		this.#index = index;
	}

	/**
	 * Opens the mbox file or directory at `path` (resolved to an absolute path) and lists its folders.
	 * @throws MailshiftError 'SOURCE_NOT_FOUND' (missing), 'SOURCE_UNREADABLE' (no permission, I/O error) or
	 *   'NOT_A_MAIL_STORE' (not an mbox/MMDF file; a Maildir; a directory without mbox files); all 'fatal',
	 *   with a hint.
	 */
	static async open(path: string, options: ReaderOptions = {}): Promise<MboxStore> {
		const location = resolve(path);
		let isFile: boolean;
		let size: number;
		try {
			const stat = await fs.stat(location);
			isFile = !stat.isDirectory();
			size = stat.size;
			if (isFile) await (await fs.open(location, 'r')).close();
			else await fs.readdir(location);
		} catch (error) {
			throw rootError(location, error);
		}
		if (isFile) {
			let kind: Classification;
			try {
				kind = await classifyFile(rawPath(location), size, location);
			} catch (error) {
				throw rootError(location, error);
			}
			if (kind !== 'mbox') {
				throw new MailshiftError(
					'NOT_A_MAIL_STORE',
					size === 0
						? `${location} is empty: expected an mbox file (first line "From <sender> <date>") or a directory of mbox files.`
						: `${location} is not an mbox file: expected its first line to be an mbox "From <sender> <date>" line (or an MMDF \\x01\\x01\\x01\\x01 line).`,
					'fatal',
					{hint: 'Name an mbox file (e.g. Inbox.mbox, a Thunderbird folder file, a Google Takeout .mbox) or the directory that holds them.'},
				);
			}
			return new MboxStore(location, true, options, toIndex([{path: bundlePath(dirname(location), [], basename(location)), file: rawPath(location), display: location, bytes: size, isEmpty: size === 0}]));
		}
		const store = new MboxStore(location, false, options, new Map());
		const index = await store.#buildIndex(undefined);
		if (![...index.values()].some((entry) => !entry.isEmpty)) {
			const isMaildir = await hasMaildirShape(location);
			throw new MailshiftError(
				'NOT_A_MAIL_STORE',
				isMaildir
					? `${location} is a Maildir (it has cur/ and new/), not a directory of mbox files.`
					: `No mbox files found in ${location}: expected files whose first line is an mbox "From <sender> <date>" line, files named *.mbox or *.mbx, or Thunderbird folders (Name + Name.sbd/), at most ${MAX_DEPTH} levels below it.`,
				'fatal',
				{
					hint: isMaildir
						? 'Open this directory as a Maildir store instead.'
						: 'Name the mbox file itself, or the directory that holds your mbox files (for Thunderbird: the profile\'s Mail/Local Folders directory).',
				},
			);
		}
		return store;
	}

	/**
	 * Lists the folders afresh (sorted by path), each with `bytes` = file size; `count` is omitted (it would
	 * need a full parse). Subdirectories and files that cannot be read go to `onProblem` as warnings.
	 * @throws MailshiftError 'ABORTED' when `signal` aborts; 'SOURCE_NOT_FOUND'/'SOURCE_UNREADABLE' when the
	 *   root itself has gone or become unreadable; 'BUG' after `close()`.
	 */
	async listFolders(signal?: AbortSignal): Promise<SourceFolder[]> {
		this.#assertOpen();
		throwIfAborted(signal);
		if (this.#isFile) {
			let bytes: number;
			try {
				bytes = (await fs.stat(this.location)).size;
			} catch (error) {
				throw rootError(this.location, error);
			}
			const only = [...(this.#index ?? new Map<string, FolderFile>()).values()][0];
			if (only === undefined) return [];
			this.#index = toIndex([{...only, bytes}]);
			return [{path: only.path, bytes}];
		}
		const index = await this.#buildIndex(signal);
		return [...index.values()].map((entry) => ({path: entry.path, bytes: entry.bytes}));
	}

	/**
	 * Yields the messages of `folder` (a folder from `listFolders`, or one with the same path) in file order.
	 * Empty messages and warnings go to `onProblem` (see the file header). A parent path without a file of
	 * its own yields nothing. If `close()` is called meanwhile, the iterator ends.
	 * @throws MailshiftError 'SOURCE_UNREADABLE' (disposition 'skip') when the folder's file cannot be read;
	 *   'ABORTED' when `signal` aborts; 'BUG' for a folder that is not in this store, or after `close()`.
	 */
	async *messages(folder: SourceFolder, signal?: AbortSignal): AsyncGenerator<SourceMessage> {
		this.#assertOpen();
		throwIfAborted(signal);
		const index = this.#index ?? (await this.#buildIndex(signal));
		const label = folderLabel(folder.path);
		const entry = index.get(pathKey(folder.path));
		if (entry === undefined) {
			if ([...index.values()].some((known) => isPrefix(folder.path, known.path))) return;
			throw new MailshiftError('BUG', `Folder "${label}" is not part of ${this.location}.`, 'fatal');
		}
		const reading: Reading = {handle: undefined};
		this.#readings.add(reading);
		try {
			const buffers = this.#options.messageBuffers;
			for await (const item of splitMbox(fileChunks(entry.file, reading, signal), buffers === undefined ? {} : {buffers})) {
				// A message read and not yielded (a stop or close() while it was read, an empty or junk one, or a
				// failure to make it one) goes back at once (ReaderOptions.messageBuffers).
				let message: SourceMessage | undefined;
				try {
					throwIfAborted(signal);
					if (this.#isClosed) return;
					message = this.#toMessage(item, entry.display, label);
				} finally {
					if (message === undefined) buffers?.give(item.raw);
				}
				if (message !== undefined) yield message;
			}
		} catch (error) {
			if (signal?.aborted === true) throw abortedError();
			if (this.#isClosed) return;
			if (error instanceof MailshiftError) throw error;
			throw new MailshiftError('SOURCE_UNREADABLE', `Cannot read folder "${label}" (${entry.display}): ${describe(error)}`, 'skip', {
				cause: error,
				hint: 'Check that the file still exists and that your user can read it (mailshift only reads).',
			});
		} finally {
			this.#readings.delete(reading);
			await closeReading(reading);
		}
	}

	/** Marks the store closed and stops open reads. Idempotent; never fails. */
	async close(): Promise<void> {
		this.#isClosed = true;
		const readings = [...this.#readings];
		this.#readings.clear();
		await Promise.all(readings.map(closeReading));
	}

	#toMessage(item: MboxEntry, file: string, folder: string): SourceMessage | undefined {
		const location = `${file}#${item.ordinal} (byte ${item.offset})`;
		const report = (code: ReaderProblem['code'], kind: ReaderProblem['kind'], reason: string): void =>
			this.#options.onProblem?.({folder, location, code, kind, reason});
		const {raw} = item;
		if (isBlank(raw)) {
			report(
				'MESSAGE_EMPTY',
				'failed',
				raw.length === 0 ? 'Empty message: nothing between this From_ line and the next one.' : 'Empty message: it holds only blank lines.',
			);
			return undefined;
		}
		// Junk (a zero-filled file, binary bytes before the first From_ line, a "message" with no header) is
		// reported and not uploaded (message-shape.ts).
		const junk = notAMessage(raw);
		if (junk !== undefined) {
			report('MESSAGE_UNPARSEABLE', 'failed', `${item.ordinal === 0 ? 'The content before the first From_ line' : 'This message'} is not a message: ${junk}. It was NOT migrated; the mbox file may be damaged here (look at it in a text editor at the byte named).`);
			return undefined;
		}
		if (item.ordinal === 0) report('MESSAGE_UNPARSEABLE', 'warning', 'content before the first From_ line; uploaded as its own message');
		if (item.strayFromLines > 0) {
			report(
				'MESSAGE_UNPARSEABLE',
				'warning',
				`The message contains ${item.strayFromLines} line(s) that look like mbox From_ separators but have no empty line before them and no header after them; they were kept as text. If this message looks like several messages run together, the mbox file is damaged.`,
			);
		}
		const merges = suspectedMerges(raw);
		if (merges > 0) {
			report(
				'MBOX_MERGE_SUSPECTED',
				'warning',
				`The message contains ${merges} line(s) starting with "From " followed by a message header (From:, Date:, Subject: …) without an empty line before them: several messages may have been run together into this one. It was uploaded as it is; check it in the mail program, and if it holds several messages, repair the mbox file (an empty line before each "From " line) and migrate it again.`,
			);
		}
		const status = mboxStatus(raw);
		if (status.isPartial) {
			report('MESSAGE_UNPARSEABLE', 'warning', 'Thunderbird marks this message as partial: only its first part was downloaded over POP, and the rest is not in this file.');
		}
		const key = `${item.ordinal}:${createHash('sha256').update(raw).digest('hex').slice(0, 16)}`;
		const ref = {store: this.location, folder, key, location};
		// For an upload, a message is made CRLF in the reader's buffer (after its key is computed: a big one in the
		// window's, handed over; one copied into a message buffer in that), so the mapper has nothing to copy: one
		// copy of it in memory instead of two (ReaderOptions.crlf). When the room was short the converted copy is
		// the message, and the buffer it was read into goes back.
		const convert = this.#options.crlf === true ? item.toCrlf : undefined;
		const crlf = convert === undefined ? raw : convert();
		if (crlf.buffer !== raw.buffer || crlf.byteOffset !== raw.byteOffset) this.#options.messageBuffers?.give(raw);
		return {
			ref,
			raw: crlf,
			...(convert === undefined ? {} : {isCrlf: true} as const),
			flags: status.flags,
			...(item.fromDate === undefined ? {} : {storeDate: {date: item.fromDate, source: 'from-line'} as const}),
			...(status.isExpunged ? {skipHint: 'mozilla-expunged'} as const : {}),
		};
	}

	async #buildIndex(signal: AbortSignal | undefined): Promise<ReadonlyMap<string, FolderFile>> {
		const context: WalkContext = {
			signal,
			isDetecting: false,
			onProblem: (problem) => this.#reportOnce(problem),
		};
		const index = toIndex(await walk(rawPath(this.location), [], 0, context));
		this.#index = index;
		return index;
	}

	/**
	 * The tree is walked by `open()` and again by every `listFolders()`: a problem found by the walk is
	 * reported the first time only, so an ignored or unreadable file is listed and counted once (issue #12
	 * item 23 had it twice). Bounded by the number of files in the store.
	 */
	#reportOnce(problem: ReaderProblem): void {
		const key = `${problem.code}\0${problem.location}`;
		if (this.#walkReported.has(key)) return;
		this.#walkReported.add(key);
		this.#options.onProblem?.(problem);
	}

	#assertOpen(): void {
		if (this.#isClosed) throw new MailshiftError('BUG', `MboxStore ${this.location} used after close().`, 'fatal');
	}
}

/**
 * Folder files below `dir` (depth 0 = the store root), in walk order. Only the root's read errors are
 * thrown; deeper ones are reported as warnings and skipped.
 */
async function walk(dir: Buffer, path: readonly string[], depth: number, context: WalkContext): Promise<FolderFile[]> {
	throwIfAborted(context.signal);
	let entries: RawDirent[];
	try {
		entries = await readDirRaw(dir);
	} catch (error) {
		if (depth === 0) throw rootError(displayPath(dir), error);
		context.onProblem({
			folder: folderLabel(path),
			location: displayPath(dir),
			code: 'SOURCE_UNREADABLE',
			kind: 'warning',
			reason: `Cannot read directory, skipped it and everything below it: ${describe(error)}`,
		});
		return [];
	}
	if (isMaildir(entries)) return [];
	const found: FolderFile[] = [];
	const sorted = entries.filter((entry) => !entry.name.startsWith('.')).sort(compareEntries);
	if (!context.isDetecting) {
		// Hidden files are not read (`.DS_Store`, AppleDouble `._Inbox`, editor backups), but never silently:
		// a `.hidden.mbox` may be mail (issue #12 item 8a). Hidden directories are not searched, said once each.
		for (const entry of entries.filter((candidate) => candidate.name.startsWith('.')).sort(compareEntries)) {
			if (!entry.isFile && !entry.isDirectory && !entry.isSymbolicLink) continue;
			context.onProblem({
				folder: folderLabel(path),
				location: displayPath(joinRaw(dir, entry.raw)),
				code: 'FILE_IGNORED',
				kind: 'warning',
				reason: entry.isDirectory
					? 'hidden directory (its name starts with "."), not searched for mail; if it holds mail, rename it without the leading "." or migrate it on its own'
					: 'hidden file (its name starts with "."), not read as mail; if it is mail, rename it without the leading "." or migrate it on its own with --from mbox',
			});
		}
	}
	// Exact names (latin1 is one character per byte), for the Thunderbird `Name.msf`/`Name.sbd` look-up.
	const names = new Set(entries.map((entry) => entry.raw.toString('latin1')));
	for (const entry of sorted) {
		if (!entry.isFile && !entry.isSymbolicLink) continue;
		if (IGNORED_EXTENSION.test(entry.name) || APPLE_BUNDLE_FILES.has(entry.name)) continue;
		const file = joinRaw(dir, entry.raw);
		const display = displayPath(file);
		if (ONE_MESSAGE_FILE.test(entry.name)) {
			// One message per file (.eml/.emlx/.msg) is never an mbox folder, even when it starts with "From ".
			if (!context.isDetecting) {
				context.onProblem({folder: folderLabel(path), location: display, code: 'FILE_IGNORED', kind: 'warning',
					reason: 'a single-message file, not an mbox folder, so it was not read here; migrate its directory on its own (--from eml for .eml files)'});
			}
			continue;
		}
		let kind: Classification;
		let size: number;
		try {
			const stat = await fs.stat(file);
			if (!stat.isFile()) continue;
			size = stat.size;
			kind = await classifyFile(file, size, entry.name);
		} catch (error) {
			context.onProblem({
				folder: folderLabel([...path, folderName(entry.name)]),
				location: display,
				code: 'SOURCE_UNREADABLE',
				kind: 'warning',
				reason: `Cannot read file, so it was not checked for mail and is skipped: ${describe(error)}`,
			});
			continue;
		}
		// Thunderbird: a file with a `Name.msf` summary or a `Name.sbd/` directory beside it is a mail folder,
		// even when its first bytes are damaged or are not a From_ line (the splitter keeps leading content).
		const exactName = entry.raw.toString('latin1');
		if (kind === undefined && size > 0 && (names.has(`${exactName}.msf`) || names.has(`${exactName}.sbd`))) kind = 'mbox';
		if (kind === undefined && !context.isDetecting) {
			context.onProblem({
				folder: folderLabel(path),
				location: display,
				code: 'FILE_IGNORED',
				kind: 'warning',
				reason: 'not an mbox file (its first line is not a "From " line), so it was not read as mail; if it is mail, name it *.mbox or migrate it on its own with --from mbox',
			});
		}
		if (kind === undefined || (context.isDetecting && kind === 'empty')) continue;
		found.push({path: bundlePath(displayPath(dir), path, entry.name), file, display, bytes: size, isEmpty: kind === 'empty'});
		if (context.isDetecting) return found;
	}
	if (depth >= MAX_DEPTH) return found;
	for (const entry of sorted) {
		if (!entry.isDirectory) continue;
		const name = entry.name.endsWith('.sbd') && entry.name.length > 4 ? entry.name.slice(0, -4) : entry.name;
		const below = await walk(joinRaw(dir, entry.raw), [...path, name], depth + 1, context);
		found.push(...below);
		if (context.isDetecting && found.length > 0) return found;
	}
	return found;
}

/**
 * 'mbox' when the file's first non-empty line is a From_ line or an MMDF delimiter, or when it is named
 * `*.mbox`/`*.mbx` (`name`: its decoded name); 'empty' for a 0-byte or blank-only file; otherwise undefined.
 * Throws read errors.
 */
async function classifyFile(file: Buffer, size: number, name: string): Promise<Classification> {
	if (size === 0) return MBOX_EXTENSION.test(name) ? 'mbox' : 'empty';
	const handle = await fs.open(file, 'r');
	let head: Buffer;
	try {
		const buffer = Buffer.alloc(Math.min(SNIFF_BYTES, size));
		const {bytesRead} = await handle.read(buffer, 0, buffer.length, 0);
		head = buffer.subarray(0, bytesRead);
	} finally {
		await handle.close();
	}
	const sniffed = sniffMbox(head);
	if (sniffed === 'mbox' || sniffed === 'mmdf' || MBOX_EXTENSION.test(name)) return 'mbox';
	return sniffed === 'empty' && size <= SNIFF_BYTES ? 'empty' : undefined;
}

/** Builds the path-keyed index; a later file whose path is taken gets its full file name (then a number). */
function toIndex(files: readonly FolderFile[]): ReadonlyMap<string, FolderFile> {
	const index = new Map<string, FolderFile>();
	for (const entry of files) {
		let candidate = entry;
		if (index.has(pathKey(candidate.path))) candidate = {...entry, path: [...entry.path.slice(0, -1), basename(entry.display)]};
		for (let n = 2; index.has(pathKey(candidate.path)); n += 1) {
			candidate = {...entry, path: [...entry.path.slice(0, -1), `${basename(entry.display)} (${n})`]};
		}
		index.set(pathKey(candidate.path), candidate);
	}
	return new Map([...index.entries()].sort(([, a], [, b]) => comparePaths(a.path, b.path)));
}

/**
 * Folder path of the mbox file `name` in `dir` (folder path `path`). Apple Mail's exported mailbox is a
 * bundle `Name.mbox/` holding the file `mbox` (and `table_of_contents`): its folder is `Name`, in place of
 * the bundle, not `Name.mbox/mbox`.
 */
function bundlePath(dir: string, path: readonly string[], name: string): readonly string[] {
	const bundle = basename(dir);
	if (name !== 'mbox' || !/\.mbox$/i.test(bundle) || bundle.length <= 5) return [...path, folderName(name)];
	return [...(path.at(-1) === bundle ? path.slice(0, -1) : path), folderName(bundle)];
}

/** Folder name of an mbox file: the file name without a `.mbox`/`.mbx` extension. */
function folderName(fileName: string): string {
	const stripped = fileName.replace(MBOX_EXTENSION, '');
	return stripped === '' ? fileName : stripped;
}

function isMaildir(entries: readonly RawDirent[]): boolean {
	const has = (name: string): boolean => entries.some((entry) => entry.name === name && entry.isDirectory);
	return has('cur') && has('new');
}

async function hasMaildirShape(dir: string): Promise<boolean> {
	try {
		return isMaildir(await readDirRaw(rawPath(dir)));
	} catch {
		return false;
	}
}

function isBlank(bytes: Buffer): boolean {
	for (const byte of bytes) if (byte !== 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d) return false;
	return true;
}

function isPrefix(prefix: readonly string[], path: readonly string[]): boolean {
	return prefix.length < path.length && prefix.every((segment, i) => segment === path[i]);
}

function throwIfAborted(signal: AbortSignal | undefined): void {
	if (signal?.aborted === true) throw abortedError();
}

function abortedError(): MailshiftError {
	return new MailshiftError('ABORTED', 'Stopped', 'fatal');
}

/** Maps a failure to reach the store root to the user-facing error. */
function rootError(location: string, error: unknown): MailshiftError {
	const code = errorCode(error);
	if (code === 'ENOENT' || code === 'ENOTDIR') {
		return new MailshiftError('SOURCE_NOT_FOUND', `${location} does not exist.`, 'fatal', {
			cause: error,
			hint: 'Check the path: name an mbox file (e.g. Inbox.mbox) or the directory that holds your mbox files.',
		});
	}
	return new MailshiftError('SOURCE_UNREADABLE', `Cannot read ${location}: ${describe(error)}`, 'fatal', {
		cause: error,
		hint: 'Check that your user can read this file or directory and everything below it (mailshift only reads).',
	});
}

/** One open read of an mbox file; `handle` is closed by the reader's end or by `close()`, whichever comes first. */
type Reading = {handle: FileHandle | undefined};

async function closeReading(reading: Reading): Promise<void> {
	const handle = reading.handle;
	reading.handle = undefined;
	await handle?.close().catch(() => {});
}

/**
 * The file's bytes, CHUNK_BYTES at a time, read into one buffer that is reused: each chunk is valid until the
 * next is asked for, which splitMbox allows (it copies a chunk into its window on arrival). A stream allocates a
 * buffer per read, and a 50 MB message left ~25 MiB of them for the garbage collector (issue #14).
 */
async function* fileChunks(file: PathLike, reading: Reading, signal: AbortSignal | undefined): AsyncGenerator<Buffer> {
	const handle = await fs.open(file, 'r');
	reading.handle = handle;
	const buffer = Buffer.allocUnsafeSlow(CHUNK_BYTES);
	for (;;) {
		throwIfAborted(signal);
		if (reading.handle !== handle) return;
		const {bytesRead} = await handle.read(buffer, 0, CHUNK_BYTES, null);
		if (bytesRead === 0) return;
		yield buffer.subarray(0, bytesRead);
	}
}
