/**
 * PstSession: one opened PST/OST, read synchronously (the PST worker drives it; benchmarks may use it in
 * process). Not thread-safe and not re-entrant: pst-extractor keeps a process-wide named-property map, so one
 * session per thread (ARCHITECTURE decision 3).
 *
 * Contract:
 * - `open` checks the header itself before pst-extractor sees the file, so every refusal is one clear reason
 *   (`PstOpenError`): not a PST (no `!BDN`), an address book, an unsupported format version, an unknown
 *   encryption method, a truncated header, or a store whose root cannot be read. "High" (cyclic) encryption is
 *   read (pst-extractor-fixes.ts fix 12).
 * - `readFolder` yields every item of the given folder nodes in contents-table order: a composed message, a
 *   not-mail marker, or a problem naming the folder, the node id and the reason (the item is then skipped).
 *   After each folder node it compares what it found with PR_CONTENT_COUNT and reports a shortfall by name,
 *   after trying the node B-tree for the missing items. A folder node that cannot be opened is an `error`
 *   event (the caller turns it into SOURCE_UNREADABLE for that folder).
 * - pst-extractor's console output is captured per call and attached to the item it concerns.
 */
import {createHash} from 'node:crypto';
import {closeSync, fstatSync, openSync, readSync} from 'node:fs';
import {createRequire} from 'node:module';
import {PSTFile} from 'pst-extractor';
import type {PSTFolder, PSTMessage} from 'pst-extractor';
import {listContents} from './folder-contents.js';
import type {FolderTree} from './folder-tree.js';
import {readFolderTree} from './folder-tree.js';
import {installPstExtractorFixes} from './pst-extractor-fixes.js';
import type {ItemContext, ReadResult} from './read-item.js';
import {NamedProperties} from './named-properties.js';
import {readItem, storeKeyOf} from './read-item.js';

const require = createRequire(import.meta.url);
type LongStatic = {fromNumber(n: number): unknown};
const Long = require('long') as LongStatic;
const {PSTUtil} = require('pst-extractor/dist/PSTUtil.class.js') as {PSTUtil: {detectAndLoadPSTObject(file: PSTFile, id: unknown): unknown}};

export type OpenErrorCode = 'NOT_A_MAIL_STORE' | 'SOURCE_UNREADABLE' | 'SOURCE_INCOMPLETE';

/** Why a file cannot be opened as a PST; `message` names the file and the reason, `hint` what to do. */
export class PstOpenError extends Error {
	override readonly name = 'PstOpenError';
	constructor(readonly code: OpenErrorCode, message: string, readonly hint: string) {
		super(message);
	}
}

export type SessionProblem = Readonly<{
	location: string;
	code: 'SOURCE_UNREADABLE' | 'SOURCE_INCOMPLETE' | 'STORE_INCONSISTENT' | 'MESSAGE_UNPARSEABLE' | 'FILE_IGNORED';
	kind: 'failed' | 'warning';
	reason: string;
}>;

export type SessionEvent =
	| Readonly<{type: 'item'; nid: number; location: string; result: ReadResult}>
	| Readonly<{type: 'problem'; problem: SessionProblem}>
	| Readonly<{type: 'error'; reason: string}>;

export type StoreFormat = Readonly<{kind: 'PST' | 'OST'; version: number; label: string; encryption: 'none' | 'compressible' | 'cyclic'}>;

/** A file shorter than its header says (MS-PST 2.2.2.6 ibFileEof): it ends at `size`, the header says `declaredEnd`. */
export type Truncation = Readonly<{size: number; declaredEnd: number}>;

/** Format versions pst-extractor reads (MS-PST 2.2.2.6 wVer; protocol.md §3.1). */
const VERSIONS: ReadonlyMap<number, string> = new Map([
	[14, 'ANSI (Outlook 97–2002)'], [15, 'ANSI (Outlook 97–2002)'], [23, 'Unicode (Outlook 2003+)'], [36, 'Unicode with 4 KiB pages (Outlook 2013+)'],
]);
const HEADER_BYTES = 564;
/** How pst-extractor-fixes.ts reports a node id that is not in the node B-tree. */
const MISSING_NODE = 'PSTFile::findBtreeItem Unable to find node';
const TOO_NEW_HINT = 'Open it in Outlook and export the folders to a new .pst (File > Open & Export > Import/Export > Export to a file), then migrate that file.';

export class PstSession {
	readonly location: string;
	readonly format: StoreFormat;
	/** Warnings found while opening (e.g. a file shorter than its header says). */
	readonly openProblems: SessionProblem[];
	/** Set when the file ends before the end its header records (a cut copy); PstStore reports the shortfall. */
	readonly truncation: Truncation | undefined;
	readonly #file: PSTFile;
	#tree: FolderTree | undefined;
	#context: ItemContext | undefined;
	readonly #exportNonMail: boolean;

	private constructor(location: string, file: PSTFile, format: StoreFormat, openProblems: SessionProblem[], truncation: Truncation | undefined, exportNonMail: boolean) {
		this.location = location;
		this.truncation = truncation;
		this.#exportNonMail = exportNonMail;
		this.#file = file;
		this.format = format;
		this.openProblems = openProblems;
	}

	/**
	 * Opens `location` (an absolute path). With `exportNonMail`, contacts, calendar items, tasks and notes are
	 * yielded with their vCard/iCalendar export (backup); without, only as "not mail" markers (migrate).
	 * @throws PstOpenError (see module comment).
	 */
	static open(location: string, options: Readonly<{exportNonMail?: boolean}> = {}): PstSession {
		installPstExtractorFixes();
		const {format, problems, truncation} = checkHeader(location);
		let file: PSTFile;
		try {
			file = captureConsole(() => new PSTFile(location)).value;
		} catch (error) {
			throw damaged(location, error, truncation);
		}
		try {
			captureConsole(() => {
				file.getMessageStore();
				file.getRootFolder();
			});
		} catch (error) {
			file.close();
			throw damaged(location, error, truncation);
		}
		return new PstSession(location, file, format, problems, truncation, options.exportNonMail === true);
	}

	/** The folder tree (computed once). @throws PstOpenError when the tree's root cannot be read. */
	folderTree(): FolderTree {
		if (this.#tree !== undefined) return this.#tree;
		try {
			this.#tree = captureConsole(() => readFolderTree(this.#file, this.location)).value;
		} catch (error) {
			throw damaged(this.location, error, this.truncation);
		}
		return this.#tree;
	}

	/** Reads the items of the folder nodes `nids` that make up the folder `label`; see the module comment. */
	*readFolder(nids: readonly number[], label: string): Generator<SessionEvent> {
		const context = this.#itemContext();
		for (const folderNid of nids) {
			let folder: PSTFolder;
			let expected: number;
			let nodes: number[];
			let unreadableRows: number;
			try {
				folder = captureConsole(() => PSTUtil.detectAndLoadPSTObject(this.#file, Long.fromNumber(folderNid)) as PSTFolder).value;
				expected = Math.max(0, folder.contentCount);
				let contents = captureConsole(() => listContents(this.#file, folder)).value;
				if (contents.nids.length < expected) contents = captureConsole(() => listContents(this.#file, folder, true)).value;
				nodes = contents.nids;
				unreadableRows = contents.unreadableRows;
			} catch (error) {
				yield {type: 'error', reason: `the folder (node ${folderNid}) cannot be opened: ${describe(error)}`};
				continue;
			}
			// Rows beyond PR_CONTENT_COUNT whose node is gone are stale rows (seen in cached-mode OSTs), not losses.
			let staleAllowance = Math.max(0, nodes.length - expected);
			let found = 0;
			let unreadable = 0;
			for (const nid of nodes) {
				const location = `${this.location}#${label}/${nid}`;
				let result: ReadResult;
				let notes: string[];
				try {
					({value: result, notes} = captureConsole(() => {
						const item = PSTUtil.detectAndLoadPSTObject(this.#file, Long.fromNumber(nid)) as PSTMessage;
						return readItem(item, nid, context);
					}));
				} catch (error) {
					const reason = describe(error);
					if (staleAllowance > 0 && reason.startsWith(`${MISSING_NODE} ${nid} `)) {
						staleAllowance--;
						yield {type: 'problem', problem: {location, code: 'FILE_IGNORED', kind: 'warning',
							reason: `"${label}" lists item ${nid}, which no longer exists in the file; the folder's own count (${expected}) does not include it, so nothing is lost`}};
						continue;
					}
					found++;
					unreadable++;
					yield {type: 'problem', problem: {location, code: 'MESSAGE_UNPARSEABLE', kind: 'failed', reason: `item ${nid} in "${label}" cannot be read: ${reason}`}};
					continue;
				}
				found++;
				const warnings = [...result.warnings, ...notes.map((n) => `pst-extractor: ${n}`)];
				if (warnings.length > 0) {
					yield {type: 'problem', problem: {location, code: 'MESSAGE_UNPARSEABLE', kind: 'warning', reason: `item ${nid} in "${label}" was read with problems: ${warnings.join('; ')}`}};
				}
				yield {type: 'item', nid, location, result};
			}
			const missing = expected - found;
			if (missing > 0 && unreadableRows === 0 && unreadable === 0 && this.truncation === undefined) {
				// Every row of the contents table and every item node under the folder was read: nothing in the file
				// is left behind, only the count stored with the folder is stale (scanpst repairs such counts). A store
				// inconsistency worth a note, not a failed message (issue 12 item 8).
				yield {
					type: 'problem',
					problem: {
						location: `${this.location}#${label}`, code: 'STORE_INCONSISTENT', kind: 'warning',
						reason: `folder "${label}" (node ${folderNid}) says it holds ${expected} item(s), but its contents table and the file's node index list only ${found}, and all ${found} were read: the folder's stored count is out of date (a store inconsistency); nothing in the file was left behind`,
					},
				};
			} else if (missing > 0) {
				const rows = unreadableRows > 0 ? ` (${unreadableRows} row(s) of its contents table are damaged)` : '';
				yield {
					type: 'problem',
					problem: {
						location: `${this.location}#${label}`, code: 'SOURCE_UNREADABLE', kind: 'failed',
						reason: `folder "${label}" (node ${folderNid}) says it holds ${expected} item(s), but only ${found} could be found${rows}; ${missing} item(s) are missing from this migration`,
					},
				};
			}
		}
	}

	/** Closes the file. Idempotent. */
	close(): void {
		try {
			this.#file.close();
		} catch {
			// already closed
		}
	}

	#itemContext(): ItemContext {
		if (this.#context !== undefined) return this.#context;
		const tree = this.folderTree();
		let storeKey: string | undefined;
		try {
			storeKey = storeKeyOf(this.#file.getMessageStore());
		} catch {
			storeKey = undefined;
		}
		this.#context = {
			storeCharset: tree.storeCharset,
			storeKey: storeKey ?? createHash('sha256').update(this.location).digest('hex').slice(0, 32),
			named: new NamedProperties(this.#file),
			exportNonMail: this.#exportNonMail,
		};
		return this.#context;
	}
}

/** Header checks (MS-PST 2.2.2.6): magic, client, version, encryption, size. */
function checkHeader(location: string): {format: StoreFormat; problems: SessionProblem[]; truncation: Truncation | undefined} {
	const header = Buffer.alloc(HEADER_BYTES);
	let size: number;
	let read: number;
	let fd: number | undefined;
	try {
		fd = openSync(location, 'r');
		size = fstatSync(fd).size;
		read = readSync(fd, header, 0, HEADER_BYTES, 0);
	} catch (error) {
		throw new PstOpenError('SOURCE_UNREADABLE', `${location} cannot be read (${describe(error)}).`, 'Check that the file exists and that you can read it; copy it off a network drive or out of OneDrive first if it lives there.');
	} finally {
		if (fd !== undefined) closeSync(fd);
	}
	if (read < 4 || header.toString('latin1', 0, 4) !== '!BDN') {
		const looksLikeMbox = header.toString('latin1', 0, 5) === 'From ';
		throw new PstOpenError('NOT_A_MAIL_STORE', `${location} is not an Outlook data file (.pst/.ost): it does not start with the PST signature "!BDN".`,
			looksLikeMbox ? 'It starts like an mbox file; if that is what it is, give it an .mbox name or use --from mbox.' : 'Check that this is the .pst or .ost file Outlook uses (File > Account Settings > Data Files shows the path), not a shortcut or a partial copy.');
	}
	const client = header.toString('latin1', 8, 10);
	if (client === 'AB') {
		throw new PstOpenError('NOT_A_MAIL_STORE', `${location} is an Outlook personal address book (.pab), not a mail store.`, 'Give the .pst or .ost file that holds the mail.');
	}
	const version = header.readUInt16LE(10);
	const label = VERSIONS.get(version);
	if (label === undefined) {
		throw new PstOpenError('SOURCE_UNREADABLE', `${location} is a PST of format version ${version}, which mailshift cannot read (it reads versions 14/15 ANSI, 23 Unicode and 36 Unicode 4K).`, TOO_NEW_HINT);
	}
	const isAnsi = version === 14 || version === 15;
	const minimum = isAnsi ? 512 : HEADER_BYTES;
	if (size < minimum) {
		throw new PstOpenError('SOURCE_INCOMPLETE', `${location} is truncated: it has ${size} bytes, fewer than the ${minimum}-byte PST header alone.`, COPY_AGAIN_HINT);
	}
	const encryption = header[isAnsi ? 461 : 513] ?? 0;
	// 0x02 NDB_CRYPT_CYCLIC ("high" encryption) is decrypted block by block (pst-extractor-fixes.ts fix 12).
	if (encryption !== 0x00 && encryption !== 0x01 && encryption !== 0x02) {
		throw new PstOpenError('SOURCE_UNREADABLE', `${location} has an unknown encryption type ${encryption}; its header is damaged.`, 'Repair it with Outlook\'s Inbox Repair Tool (scanpst.exe), then try again.');
	}
	const problems: SessionProblem[] = [];
	const declaredEnd = isAnsi ? header.readUInt32LE(168) : Number(header.readBigUInt64LE(184));
	let truncation: Truncation | undefined;
	if (declaredEnd > size) {
		truncation = {size, declaredEnd};
		problems.push({location, code: 'SOURCE_INCOMPLETE', kind: 'warning', reason: `the file has ${size} bytes but its header says ${declaredEnd}: it was cut short; items stored past the end cannot be read`});
	}
	return {
		format: {kind: client === 'SO' ? 'OST' : 'PST', version, label, encryption: encryption === 1 ? 'compressible' : encryption === 2 ? 'cyclic' : 'none'},
		problems, truncation,
	};
}

const COPY_AGAIN_HINT = 'The file was cut short (an interrupted copy or download). Copy it again from the original, then run the same command: messages already uploaded are not sent twice.';

function damaged(location: string, error: unknown, truncation: Truncation | undefined): PstOpenError {
	if (truncation !== undefined) {
		return new PstOpenError('SOURCE_INCOMPLETE', `${location} is truncated: the file ends at byte ${truncation.size}, but its header says it is ${truncation.declaredEnd} bytes long, and the missing part holds the index of its folders (${describe(error)}); nothing can be read from it.`, COPY_AGAIN_HINT);
	}
	return new PstOpenError('SOURCE_UNREADABLE', `${location} is damaged and cannot be opened: ${describe(error)}.`,
		'Repair a copy with Outlook\'s Inbox Repair Tool (scanpst.exe), or open it in Outlook and export the folders to a new .pst, then migrate that file.');
}

/** Runs `fn` with console output captured (pst-extractor logs through console); returns the lines. */
function captureConsole<T>(fn: () => T): {value: T; notes: string[]} {
	const notes: string[] = [];
	const saved = {log: console.log, error: console.error, warn: console.warn, info: console.info, debug: console.debug};
	const capture = (...args: unknown[]): void => {
		const line = args.map((a) => (a instanceof Error ? a.message : String(a))).join(' ').replace(/\s+/g, ' ').trim();
		// Unknown classes are handled by item-kind.ts; the library's complaint about them is noise.
		if (line !== '' && !line.includes('unknown message type') && notes.length < 20) notes.push(line);
	};
	console.log = console.error = console.warn = console.info = console.debug = capture;
	try {
		return {value: fn(), notes};
	} finally {
		Object.assign(console, saved);
	}
}

function describe(error: unknown): string {
	return (error instanceof Error ? error.message : String(error)).replace(/\s+/g, ' ').trim();
}
