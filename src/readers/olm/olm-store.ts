/**
 * OlmStore: an Outlook for Mac archive (`.olm`, a ZIP of XML) as a SourceStore. The ZIP is never unpacked:
 * its central directory is read once (zip-reader.ts) and each message's XML and attachment files are read
 * when that message is yielded, so memory holds one message at a time.
 *
 * Layout (Outlook for Mac 2011–16 "Export"): `Accounts/<account>/com.microsoft.__Messages/<folder…>/
 * message_NNNNN.xml` and `Local/com.microsoft.__Messages/…` ("On My Computer"); attachment bytes in the
 * folder's `com.microsoft.__Attachments/`, named by each attachment's `OPFAttachmentURL`; contacts, calendar,
 * tasks and notes as XML under `Local/Address Book`, `Local/Calendar`, … .
 *
 * Contract (see source-store.ts):
 * - Folders: each directory under `com.microsoft.__Messages` (also empty ones), path as the archive names it;
 *   with more than one root (accounts, "On My Computer"), the root's name comes first. Directories holding
 *   contacts/calendar/tasks/notes XML are folders with `holdsMail: false`. `count` is the number of items:
 *   given for mail folders (Outlook writes one `<email>` per message_NNNNN.xml), omitted for the others, whose
 *   one XML file holds many items (known only by parsing it).
 * - Messages: in archive-name order. An email with its original source (`OPFMessageCopySource`) is yielded as
 *   that source; otherwise it is composed (pst/compose-message.ts) from its properties (olm-email.ts), with
 *   its attachments. Flags from the XML; `storeDate` = received time ('olm-received-time'). Non-mail items
 *   are yielded with `raw` empty, `skipHint: 'not-mail'` and `itemKind`, so they are counted, never dropped.
 *   `ref.key` = the XML entry name (plus `#n` for the n-th item when a file holds several). With
 *   `exportNonMail` (backups), contacts carry their vCard (olm-contact.ts); calendar, tasks and notes are
 *   counted only (their OLM elements are not read yet).
 * - Problems (onProblem, iteration continues): an XML entry that is damaged or not XML ('failed',
 *   MESSAGE_UNPARSEABLE); an attachment that is missing or damaged (the message is uploaded without it,
 *   'warning' naming it); top-level files that are not mail (`Categories.xml`: FILE_IGNORED 'warning').
 * - A cut archive (its directory at the end is gone; zip-reader.ts walks the entries instead): every whole
 *   entry is read; a message whose attachment lies past the cut is NOT yielded ('failed' MESSAGE_TRUNCATED:
 *   uploading it without the attachment would mark it done, and a whole copy could never add it), and
 *   `incompleteness()` states the shortfall, so the run fails with SOURCE_INCOMPLETE (exit 9) as for a cut PST.
 *   When only the directory's end is damaged but every entry is whole, one STORE_INCONSISTENT warning says so.
 * - Errors: a file that is not a ZIP → `open` throws SOURCE_UNREADABLE ('fatal', naming the file). Aborting
 *   `signal` throws ABORTED. `close()` is idempotent.
 */
import {resolve} from 'node:path';
import {MailshiftError} from '../../contracts/errors.js';
import type {SourceMessage} from '../../contracts/types.js';
import {composeMessage} from '../pst/compose-message.js';
import type {MailAttachment} from '../pst/compose-message.js';
import {comparePaths, compareStrings, pathKey} from '../path-order.js';
import {folderLabel} from '../../contracts/source-store.js';
import type {ReaderOptions, SourceFolder, SourceStore} from '../../contracts/source-store.js';
import {buildCard} from '../../export/vcard.js';
import {olmContactCard} from './olm-contact.js';
import {isWholeMessage, readOlmEmail} from './olm-email.js';
import {parseXml, XmlSyntaxError} from './xml-parser.js';
import type {XmlElement} from './xml-parser.js';
import {ZipReader} from './zip-reader.js';
import type {ZipDamage, ZipEntry} from './zip-reader.js';

/** Largest item XML read (a message's XML holds its text and HTML bodies). */
const MAX_XML_BYTES = 64 * 1024 * 1024;
/** Largest attachment file read (beyond any IMAP server's message limit). */
const MAX_ATTACHMENT_BYTES = 256 * 1024 * 1024;

const MESSAGES_DIR = 'com.microsoft.__Messages';
const ATTACHMENTS_DIR = 'com.microsoft.__Attachments';
/** Non-mail XML: root element → the item element inside it and what it is called in the plan and report. */
const NON_MAIL: Readonly<Record<string, readonly [string, string]>> = {
	contacts: ['contact', 'contact'], appointments: ['appointment', 'calendar item'], calendar: ['appointment', 'calendar item'],
	tasks: ['task', 'task'], notes: ['note', 'note'], groups: ['group', 'contact group'],
};

type FolderFiles = {path: string[]; entries: ZipEntry[]; holdsMail: boolean};

export class OlmStore implements SourceStore {
	readonly kind = 'olm' as const;
	readonly location: string;
	readonly #zip: ZipReader;
	readonly #options: ReaderOptions;
	readonly #byName: ReadonlyMap<string, ZipEntry>;
	readonly #folders: ReadonlyMap<string, FolderFiles>;
	readonly #ignored: readonly ZipEntry[];
	readonly #damage: ZipDamage | undefined;
	#isDamageSaid = false;
	/** Messages and items yielded (a cut archive's shortfall names them). */
	#itemsRead = 0;

	private constructor(location: string, zip: ZipReader, options: ReaderOptions) {
		this.location = location;
		this.#zip = zip;
		this.#options = options;
		this.#damage = zip.damage();
		const entries = zip.entries();
		this.#byName = new Map(entries.map((e) => [e.name, e]));
		const {folders, ignored} = groupFolders(entries);
		this.#folders = folders;
		this.#ignored = ignored;
	}

	/** Opens the archive at `path`. @throws MailshiftError SOURCE_NOT_FOUND / SOURCE_UNREADABLE ('fatal'). */
	static async open(path: string, options: ReaderOptions = {}): Promise<OlmStore> {
		const location = resolve(path);
		let zip: ZipReader;
		try {
			zip = await ZipReader.open(location);
		} catch (error) {
			if (error instanceof MailshiftError) throw error;
			const code = (error as NodeJS.ErrnoException).code;
			throw new MailshiftError(code === 'ENOENT' ? 'SOURCE_NOT_FOUND' : 'SOURCE_UNREADABLE', `The Outlook for Mac archive ${location} cannot be opened (${code ?? String(error)}).`, 'fatal', {
				cause: error, hint: 'Check the path and that you may read the file.',
			});
		}
		return new OlmStore(location, zip, options);
	}

	async listFolders(signal?: AbortSignal): Promise<SourceFolder[]> {
		throwIfAborted(signal);
		if (this.#damage !== undefined && !this.#isDamageSaid) {
			this.#isDamageSaid = true;
			// As a cut PST says at open (pst-session.ts); the shortfall in numbers follows from incompleteness().
			this.#options.onProblem?.(this.#damage.isComplete
				? {folder: '', location: this.location, code: 'STORE_INCONSISTENT', kind: 'warning',
					reason: `the archive's directory is damaged (${this.#damage.reason}), but all ${this.#damage.entriesRead} of its files were found whole and read.`}
				: {folder: '', location: this.location, code: 'SOURCE_INCOMPLETE', kind: 'warning',
					reason: `the archive was cut short at byte ${this.#damage.fileSize} (${this.#damage.reason}): every whole file in it is read; what was stored past the cut cannot be.`});
		}
		for (const entry of this.#ignored) {
			this.#options.onProblem?.({folder: '', location: `${this.location}#${entry.name}`, code: 'FILE_IGNORED', kind: 'warning', reason: 'Outlook settings (categories), not mail; not migrated.'});
		}
		return [...this.#folders.values()].sort((a, b) => comparePaths(a.path, b.path)).map((f) => (f.holdsMail ? {path: f.path, count: f.entries.length} : {path: f.path, holdsMail: false}));
	}

	async *messages(folder: SourceFolder, signal?: AbortSignal): AsyncGenerator<SourceMessage> {
		const label = folderLabel(folder.path);
		const files = this.#folders.get(pathKey(folder.path));
		if (files === undefined) throw new MailshiftError('BUG', `Folder "${label}" is not in ${this.location}.`, 'fatal');
		for (const entry of files.entries) {
			throwIfAborted(signal);
			const location = `${this.location}#${entry.name}`;
			const failed = (reason: string): void => this.#options.onProblem?.({folder: label, location, code: 'MESSAGE_UNPARSEABLE', kind: 'failed', reason});
			let root: XmlElement;
			try {
				const bytes = await this.#zip.read(entry, MAX_XML_BYTES, signal);
				root = parseXml(bytes.toString('utf8'));
			} catch (error) {
				if (error instanceof XmlSyntaxError) failed(`the item's XML is damaged (${error.message}); it is not migrated.`);
				else if (error instanceof MailshiftError && error.disposition === 'skip') failed(error.message);
				else throw error;
				continue;
			}
			const items = itemsOf(root);
			if (items === undefined) {
				failed(`<${root.name}> is not an item Outlook for Mac exports; it is not migrated.`);
				continue;
			}
			for (const [index, item] of items.elements.entries()) {
				// One XML file can hold many items (a contacts file): an abort must stop between them too.
				throwIfAborted(signal);
				const key = items.elements.length === 1 ? entry.name : `${entry.name}#${index + 1}`;
				const ref = {store: this.location, folder: label, key, location: items.elements.length === 1 ? location : `${location}#${index + 1}`};
				if (items.itemKind !== undefined) {
					const card = items.itemKind === 'contact' && this.#options.exportNonMail === true ? olmContactCard(item, `${this.location}#${key}`) : undefined;
					const nonMailExport = card === undefined ? {} : {nonMailExport: {extension: 'vcf' as const, mediaType: 'text/vcard', title: card.formattedName, content: Buffer.from(buildCard(card), 'utf8')}};
					this.#itemsRead++;
					yield {ref, raw: Buffer.alloc(0), flags: new Set(), skipHint: 'not-mail', itemKind: items.itemKind, ...nonMailExport};
					continue;
				}
				const message = await this.#message(item, ref, signal);
				if (message === undefined) continue;
				this.#itemsRead++;
				yield message;
			}
		}
	}

	/**
	 * SourceStore capability: for a cut archive, what was read and where the file ends (its directory, which
	 * would say how much is missing, is what a cut loses first: hence "unknown"). Undefined for a whole archive.
	 */
	incompleteness(): string | undefined {
		const damage = this.#damage;
		if (damage === undefined || damage.isComplete) return undefined;
		const where = damage.cutEntry === undefined ? `in the header of the file at byte ${damage.stoppedAt}` : `inside "${damage.cutEntry}" (from byte ${damage.stoppedAt})`;
		return `read ${this.#itemsRead} items from the ${damage.entriesRead} files that are whole; the archive is cut short at byte ${damage.fileSize}, ${where}, and its directory (at the end of the file) is missing, so how many more items it held is unknown`;
	}

	async close(): Promise<void> {
		await this.#zip.close();
	}

	/** The message, or undefined when a cut archive lost one of its attachments (reported; see contract). */
	async #message(item: XmlElement, ref: SourceMessage['ref'], signal: AbortSignal | undefined): Promise<SourceMessage | undefined> {
		const email = readOlmEmail(item);
		const storeDate = email.received === undefined ? {} : {storeDate: {date: email.received, source: 'olm-received-time' as const}};
		if (email.source !== undefined && isWholeMessage(email.source)) {
			return {ref, raw: Buffer.from(email.source, 'utf8'), flags: email.flags, ...storeDate};
		}
		const attachments: MailAttachment[] = [];
		for (const attachment of email.attachments) {
			const entry = this.#byName.get(attachment.url);
			const name = attachment.name === '' ? attachment.url : attachment.name;
			if (entry === undefined && this.#damage !== undefined && !this.#damage.isComplete) {
				this.#options.onProblem?.({folder: ref.folder, location: ref.location, code: 'MESSAGE_TRUNCATED', kind: 'failed',
					reason: `its attachment "${name}" lies past the end of the cut archive; the message is NOT migrated (a whole copy of the archive will add it with all its attachments).`});
				return undefined;
			}
			if (entry === undefined) {
				this.#warn(ref, `attachment "${name}" is not in the archive (${attachment.url || 'no file named'}); the message is migrated without it.`);
				continue;
			}
			let data: Buffer;
			try {
				data = await this.#zip.read(entry, MAX_ATTACHMENT_BYTES, signal);
			} catch (error) {
				if (!(error instanceof MailshiftError) || error.disposition !== 'skip') throw error;
				this.#warn(ref, `attachment "${name}" cannot be read (${error.message}); the message is migrated without it.`);
				continue;
			}
			attachments.push(attachment.isMessage
				? {type: 'raw-message', raw: data, ...(attachment.name === '' ? {} : {filename: attachment.name})}
				: {type: 'file', filename: attachment.name, contentType: attachment.contentType, data, ...(attachment.contentId === undefined ? {} : {contentId: attachment.contentId})});
		}
		const raw = composeMessage({...email.content, attachments}, `${this.location}#${ref.key}`);
		return {ref, raw, flags: email.flags, ...storeDate};
	}

	#warn(ref: SourceMessage['ref'], reason: string): void {
		this.#options.onProblem?.({folder: ref.folder, location: ref.location, code: 'MESSAGE_UNPARSEABLE', kind: 'warning', reason});
	}
}

/** The item elements of a parsed XML file, and the non-mail kind when they are not emails. */
function itemsOf(root: XmlElement): {elements: XmlElement[]; itemKind?: string} | undefined {
	if (root.name === 'email') return {elements: [root]};
	if (root.name === 'emails') return {elements: root.children.filter((c) => c.name === 'email')};
	const nonMail = NON_MAIL[root.name];
	if (nonMail !== undefined) return {elements: root.children.filter((c) => c.name === nonMail[0]), itemKind: nonMail[1]};
	return undefined;
}

/**
 * Folders from entry names, in name order (stable across opens). Message folders come from directories under
 * `com.microsoft.__Messages`; non-mail folders from other directories holding XML below a root.
 */
function groupFolders(entries: readonly ZipEntry[]): {folders: Map<string, FolderFiles>; ignored: ZipEntry[]} {
	type Found = {root: string; rest: string[]; holdsMail: boolean; entry?: ZipEntry};
	const found: Found[] = [];
	const ignored: ZipEntry[] = [];
	for (const entry of [...entries].sort((a, b) => compareStrings(a.name, b.name))) {
		const parts = entry.name.split('/').filter((p) => p !== '');
		const rootLength = parts[0] === 'Accounts' ? 2 : 1;
		const dirs = entry.isDirectory ? parts : parts.slice(0, -1);
		const file = entry.isDirectory ? undefined : parts[parts.length - 1];
		const isXml = file !== undefined && /\.xml$/i.test(file);
		if (dirs.includes(ATTACHMENTS_DIR)) continue;
		if (dirs.length < rootLength) {
			if (isXml) ignored.push(entry);
			continue;
		}
		const root = dirs.slice(0, rootLength).join('/');
		const rest = dirs.slice(rootLength);
		if (rest[0] === MESSAGES_DIR) {
			if (rest.length < 2) continue;
			if (file === undefined || isXml) found.push({root, rest: rest.slice(1), holdsMail: true, ...(isXml ? {entry} : {})});
		} else if (isXml && rest.length > 0) {
			found.push({root, rest, holdsMail: false, entry});
		}
	}
	const roots = new Set(found.map((f) => f.root));
	const folders = new Map<string, FolderFiles>();
	for (const f of found) {
		const rootName = f.root === 'Local' ? 'On My Computer' : f.root.split('/')[1] ?? f.root;
		const path = roots.size > 1 ? [rootName, ...f.rest] : f.rest;
		const key = pathKey(path);
		const folder = folders.get(key) ?? {path, entries: [], holdsMail: f.holdsMail};
		folder.holdsMail ||= f.holdsMail;
		if (f.entry !== undefined) folder.entries.push(f.entry);
		folders.set(key, folder);
	}
	return {folders, ignored};
}

function throwIfAborted(signal: AbortSignal | undefined): void {
	if (signal?.aborted) throw new MailshiftError('ABORTED', 'Stopped', 'fatal');
}
