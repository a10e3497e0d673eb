/**
 * The folder tree of a PST/OST as the user sees it in Outlook (runs in the PST worker).
 *
 * - Only the IPM subtree ("Top of Personal Folders"; MS-OXOSFLD, protocol.md §3.1: clients "should not display
 *   any folders that are not subfolders of" it). Found through the store's PR_IPM_SUBTREE_ENTRYID 0x35E0; OSTs
 *   have no such entry ID and hold it as `Root - Mailbox/IPM_SUBTREE` (packages.md §2), found by name.
 *   Search folders (node type 0x03) and hidden folders (PR_ATTR_HIDDEN 0x10F4) are not listed; a hidden folder
 *   that holds items is reported, never skipped silently.
 * - Children of the IPM subtree are top-level folders. Items lying in the IPM subtree itself (some PSTs keep
 *   mail there) go to a folder named after the store (PR_DISPLAY_NAME of the message store, else the file
 *   name), as readpst does.
 * - Which folders are listed: every mail folder (container class IPF.Note*, IPF.Post*, IPF.Imap*, or none),
 *   even when empty, so the tree is recreated; other folders (Calendar, Contacts, Tasks, …) only when they hold
 *   items, which are then counted as "not mail". Two folders with the same path are merged (read in turn).
 * - Outlook-internal folders are listed only when they hold items, and then with `holdsMail: false`, so a
 *   mailbox is created for them only when a mail item actually turns up (issue 12 item 18: an empty Outbox or
 *   RSS Feeds on the server is clutter): the
 *   Outbox (the store's PR_IPM_OUTBOX_ENTRYID 0x35E2), the sync-issue folders (PR_ADDITIONAL_REN_ENTRYIDS
 *   0x36D8[0..3]: Conflicts, Sync Issues, Local Failures, Server Failures; MS-OXOSFLD 2.2.4), folders of the
 *   container classes IPF.Note.OutlookHomepage (RSS Feeds) and IPF.Configuration (Conversation Action Settings,
 *   Quick Step Settings), and everything below them. OSTs carry Exchange entry IDs that do not name nodes (see
 *   Roles), so there the top-level English names Outlook gives them are used as well (INTERNAL_NAMES).
 * - Roles (SourceFolder.specialUse, top-level folders only, see mapper/folder-map.ts): Sent Items and Deleted
 *   Items from the store's PR_IPM_SENTMAIL_ENTRYID 0x35E4 / PR_IPM_WASTEBASKET_ENTRYID 0x35E3, Drafts from
 *   PR_IPM_DRAFTS_ENTRYID 0x36D7 and Junk from PR_ADDITIONAL_REN_ENTRYIDS 0x36D8[4] (MS-OXOSFLD 2.2.4), which
 *   Outlook stores on the Inbox and the root folder; the Inbox is the top-level folder that carries those
 *   entry IDs (the receive folder; MS-OXOSFLD 2.2.3). Entry IDs are PST ones (24 bytes, node id last). OSTs
 *   use Exchange folder entry IDs (46 bytes, MS-OXCDATA 2.2.4.3: database GUID + global counter), and nothing
 *   in the file links those to node ids: checked on both Outlook.com OSTs and the Aspose OST, whose folders
 *   carry no PR_ENTRYID or PR_SOURCE_KEY, and whose Inbox names Drafts as global counter 0x10F while the
 *   Drafts folder is node index 0x40A. So in OSTs the Inbox is still found by those entry IDs, and the other
 *   roles come from the container class and the localized names, in the mapper.
 * - Names: PR_DISPLAY_NAME decoded with the store's ANSI code page in 32-bit (ANSI) files, estimated from the
 *   code page / locale of the first items (an ANSI PST has no store-wide code page property; CP932 stores
 *   otherwise show mojibake), default windows-1252.
 */
import {createRequire} from 'node:module';
import {basename, extname} from 'node:path';
import {PSTFile} from 'pst-extractor';
import type {PSTFolder} from 'pst-extractor';
import type {SpecialUse} from '../../contracts/source-store.js';
import {charsetOfCodePage, codePageOfLcid} from './code-pages.js';
import {listContents} from './folder-contents.js';
import {nidOfEntryId, PropertyBag} from './property-bag.js';

const require = createRequire(import.meta.url);
type LongStatic = {fromNumber(n: number): unknown};
const Long = require('long') as LongStatic;
const {PSTUtil} = require('pst-extractor/dist/PSTUtil.class.js') as {PSTUtil: {detectAndLoadPSTObject(file: PSTFile, id: unknown): unknown}};

export type TreeFolder = {
	path: string[];
	/** Node ids of the PST folders behind this path (more than one when names repeat). */
	nids: number[];
	/** PR_CONTENT_COUNT summed over `nids`. */
	count: number;
	/** False when every PST folder behind this path has a non-mail container class (IPF.Appointment, IPF.Contact…). */
	holdsMail: boolean;
	specialUse?: SpecialUse;
};

export type TreeProblem = Readonly<{folder: string; location: string; reason: string}>;

export type FolderTree = Readonly<{
	folders: TreeFolder[];
	problems: TreeProblem[];
	/** Charset for PT_STRING8 values when an item names none. */
	storeCharset: string;
	storeName: string;
}>;

const P = {
	DISPLAY_NAME: 0x3001, CONTAINER_CLASS: 0x3613, ATTR_HIDDEN: 0x10f4, IPM_SUBTREE: 0x35e0, OUTBOX: 0x35e2,
	WASTEBASKET: 0x35e3, SENTMAIL: 0x35e4, APPOINTMENT: 0x36d0, DRAFTS: 0x36d7, ADDITIONAL_REN: 0x36d8,
	MESSAGE_CODEPAGE: 0x3ffd, MESSAGE_LOCALE_ID: 0x3ff1,
} as const;
const NID_TYPE_SEARCH_FOLDER = 0x03;
/** Container classes of Outlook-internal folders (module comment), lower case. */
const INTERNAL_CLASSES = new Set(['ipf.note.outlookhomepage', 'ipf.configuration']);
/** Top-level names of Outlook-internal folders, for OSTs (module comment), lower case. */
const INTERNAL_NAMES = new Set(['outbox', 'sync issues', 'rss feeds', 'rss subscriptions', 'conversation action settings', 'quick step settings']);
const MAX_DEPTH = 64;
/** Items sampled to estimate an ANSI store's code page. */
const CODE_PAGE_SAMPLES = 12;

type RawFolder = {folder: PSTFolder; nid: number; parentPath: readonly RawFolder[]};

/** Reads the tree; throws only when the root folder or message store cannot be read at all. */
export function readFolderTree(file: PSTFile, location: string): FolderTree {
	const problems: TreeProblem[] = [];
	const store = file.getMessageStore();
	const storeBag = new PropertyBag(store, 'windows-1252');
	const root = file.getRootFolder();
	const ipmRoot = findIpmSubtree(file, root, storeBag);
	const ipmNid = nidOf(ipmRoot);
	const isAnsi = file.pstFileType === PSTFile.PST_TYPE_ANSI;

	// Pass 1: the folder objects (names need the code page, which needs items from these folders).
	const raw: RawFolder[] = [];
	const visited = new Set<number>([ipmNid]);
	const walk = (parent: PSTFolder, parentPath: readonly RawFolder[]): void => {
		if (parentPath.length >= MAX_DEPTH) return;
		for (const child of subFolders(parent, parentPath, problems, location)) {
			const nid = nidOf(child);
			if (visited.has(nid) || (nid & 0x1f) === NID_TYPE_SEARCH_FOLDER) continue;
			visited.add(nid);
			const entry = {folder: child, nid, parentPath};
			raw.push(entry);
			walk(child, [...parentPath, entry]);
		}
	};
	walk(ipmRoot, []);

	const storeCharset = isAnsi ? estimateStoreCharset(file, [ipmRoot, ...raw.map((r) => r.folder)]) : 'windows-1252';
	const nameOf = (folder: PSTFolder, nid: number): string =>
		new PropertyBag(folder, storeCharset).text(P.DISPLAY_NAME) ?? `(unnamed folder ${nid})`;
	const storeName = new PropertyBag(store, storeCharset).text(P.DISPLAY_NAME) ?? basename(location, extname(location));

	// Pass 2: paths, filters, merging.
	const byPath = new Map<string, TreeFolder>();
	const hidden = new Set<number>();
	const internal = internalNids(storeBag, root, ipmRoot);
	const add = (path: string[], nid: number, count: number, holdsMail = true): void => {
		const key = JSON.stringify(path);
		const existing = byPath.get(key);
		if (existing === undefined) byPath.set(key, {path, nids: [nid], count, holdsMail});
		else {
			existing.nids.push(nid);
			existing.count += count;
			existing.holdsMail ||= holdsMail;
		}
	};
	const ipmCount = contentCount(ipmRoot);
	if (ipmCount > 0) add([storeName], ipmNid, ipmCount);
	for (const entry of raw) {
		const bag = new PropertyBag(entry.folder, storeCharset);
		const path = [...entry.parentPath.map((p) => nameOf(p.folder, p.nid)), nameOf(entry.folder, entry.nid)];
		const count = contentCount(entry.folder);
		if (bag.bool(P.ATTR_HIDDEN) === true || entry.parentPath.some((p) => hidden.has(p.nid))) {
			hidden.add(entry.nid);
			if (count > 0) {
				problems.push({folder: path.join('/'), location: `${location}#${path.join('/')}`, reason: `hidden folder with ${count} item(s), not migrated (Outlook does not show it either)`});
			}
			continue;
		}
		const containerClass = (bag.string(P.CONTAINER_CLASS) ?? '').trim().toLowerCase();
		const isInternal = internal.has(entry.nid) || INTERNAL_CLASSES.has(containerClass)
			|| (entry.parentPath.length === 0 && INTERNAL_NAMES.has(path[0]?.toLowerCase() ?? ''))
			|| entry.parentPath.some((p) => internal.has(p.nid));
		if (isInternal) internal.add(entry.nid);
		const isMailFolder = !isInternal && (containerClass === '' || containerClass === 'ipf' || /^ipf\.(note|post|imap)(\.|$)/.test(containerClass));
		if (isMailFolder || count > 0) add(path, entry.nid, count, isMailFolder);
	}

	const folders = [...byPath.values()];
	assignRoles(file, folders, storeBag, ipmRoot, root);
	return {folders, problems, storeCharset, storeName};
}

/** Node ids of the Outbox and the sync-issue folders, from the store's and the root's / Inbox's entry IDs. */
function internalNids(storeBag: PropertyBag, root: PSTFolder, ipmRoot: PSTFolder): Set<number> {
	const nids = new Set<number>();
	const outbox = nidOfEntryId(storeBag.bytes(P.OUTBOX));
	if (outbox !== undefined) nids.add(outbox);
	const sources: unknown[] = [root, ipmRoot];
	try {
		// The Inbox carries PR_ADDITIONAL_REN_ENTRYIDS too (MS-OXOSFLD 2.2.4); it is one of the IPM subtree's children.
		for (const child of ipmRoot.hasSubfolders ? ipmRoot.getSubFolders() : []) sources.push(child);
	} catch {
		// an unreadable subfolder list is reported by the tree walk
	}
	for (const source of sources) {
		const ren = new PropertyBag(source, 'windows-1252').multiBinary(P.ADDITIONAL_REN);
		for (const entryId of ren.slice(0, 4)) {
			const nid = nidOfEntryId(entryId);
			if (nid !== undefined) nids.add(nid);
		}
	}
	return nids;
}

function nidOf(object: unknown): number {
	return (object as {descriptorNodeId: {toNumber(): number}}).descriptorNodeId.toNumber();
}

function contentCount(folder: PSTFolder): number {
	try {
		return Math.max(0, folder.contentCount);
	} catch {
		return 0;
	}
}

function subFolders(folder: PSTFolder, parentPath: readonly RawFolder[], problems: TreeProblem[], location: string): PSTFolder[] {
	if (!folder.hasSubfolders) return [];
	try {
		return folder.getSubFolders().filter((f): f is PSTFolder => f !== null && f !== undefined);
	} catch (error) {
		const name = new PropertyBag(folder, 'windows-1252').text(P.DISPLAY_NAME) ?? String(nidOf(folder));
		const label = [...parentPath.map((p) => new PropertyBag(p.folder, 'windows-1252').text(P.DISPLAY_NAME) ?? ''), name].join('/');
		problems.push({folder: label, location: `${location}#${label}/${nidOf(folder)}`, reason: `its subfolders cannot be read (${describe(error)}); they are not migrated`});
		return [];
	}
}

/** The IPM subtree: by the store's entry ID, else `IPM_SUBTREE` (OST layout), else the root itself. */
function findIpmSubtree(file: PSTFile, root: PSTFolder, storeBag: PropertyBag): PSTFolder {
	const nid = nidOfEntryId(storeBag.bytes(P.IPM_SUBTREE));
	if (nid !== undefined) {
		try {
			const folder = PSTUtil.detectAndLoadPSTObject(file, Long.fromNumber(nid));
			if (folder !== null && typeof folder === 'object' && 'getSubFolders' in folder) return folder as PSTFolder;
		} catch {
			// fall through to the name search
		}
	}
	const queue: Array<{folder: PSTFolder; depth: number; underPublic: boolean}> = [{folder: root, depth: 0, underPublic: false}];
	while (queue.length > 0) {
		const {folder, depth, underPublic} = queue.shift()!;
		const name = new PropertyBag(folder, 'windows-1252').text(P.DISPLAY_NAME) ?? '';
		if (depth > 0 && name === 'IPM_SUBTREE' && !underPublic) return folder;
		if (depth >= 3 || !folder.hasSubfolders) continue;
		try {
			for (const child of folder.getSubFolders()) {
				queue.push({folder: child, depth: depth + 1, underPublic: underPublic || name === 'Root - Public'});
			}
		} catch {
			// an unreadable branch is not the IPM subtree
		}
	}
	return root;
}

/** Code page of an ANSI store: the first items' PR_MESSAGE_CODEPAGE or locale; windows-1252 when none. */
function estimateStoreCharset(file: PSTFile, folders: readonly PSTFolder[]): string {
	let sampled = 0;
	for (const folder of folders) {
		if (contentCount(folder) === 0) continue;
		let nids: number[];
		try {
			nids = listContents(file, folder).nids.slice(0, 3);
		} catch {
			continue;
		}
		for (const nid of nids) {
			if (sampled++ >= CODE_PAGE_SAMPLES) return 'windows-1252';
			try {
				const bag = new PropertyBag(PSTUtil.detectAndLoadPSTObject(file, Long.fromNumber(nid)), 'windows-1252');
				const codePage = bag.uint(P.MESSAGE_CODEPAGE);
				const fromCodePage = codePage === undefined ? undefined : charsetOfCodePage(codePage);
				if (fromCodePage !== undefined) return fromCodePage;
				const lcid = bag.uint(P.MESSAGE_LOCALE_ID);
				if (lcid !== undefined && lcid !== 0) return charsetOfCodePage(codePageOfLcid(lcid)) ?? 'windows-1252';
			} catch {
				// an unreadable item says nothing about the code page
			}
		}
	}
	return 'windows-1252';
}

/** Sets specialUse on top-level folders from the entry IDs described in the module comment. */
function assignRoles(file: PSTFile, folders: TreeFolder[], storeBag: PropertyBag, ipmRoot: PSTFolder, root: PSTFolder): void {
	const topLevel = folders.filter((f) => f.path.length === 1);
	const roleByNid = new Map<number, SpecialUse>();
	const sent = nidOfEntryId(storeBag.bytes(P.SENTMAIL));
	const trash = nidOfEntryId(storeBag.bytes(P.WASTEBASKET));
	if (sent !== undefined) roleByNid.set(sent, '\\Sent');
	if (trash !== undefined) roleByNid.set(trash, '\\Trash');

	// The Inbox carries the default-folder entry IDs (as does the root); so does nothing else at top level.
	const carriers = topLevel.filter((f) => f.nids.some((nid) => {
		try {
			const bag = new PropertyBag(PSTUtil.detectAndLoadPSTObject(file, Long.fromNumber(nid)), 'windows-1252');
			return bag.has(P.APPOINTMENT) || bag.has(P.DRAFTS);
		} catch {
			return false;
		}
	}));
	const inbox = carriers.length === 1 ? carriers[0] : undefined;
	const sources: unknown[] = [root, ipmRoot];
	if (inbox?.nids[0] !== undefined) {
		try {
			sources.unshift(PSTUtil.detectAndLoadPSTObject(file, Long.fromNumber(inbox.nids[0])));
		} catch {
			// the roles from the root still apply
		}
	}
	for (const source of sources) {
		const bag = new PropertyBag(source, 'windows-1252');
		const drafts = nidOfEntryId(bag.bytes(P.DRAFTS));
		if (drafts !== undefined && !roleByNid.has(drafts)) roleByNid.set(drafts, '\\Drafts');
		const junk = nidOfEntryId(bag.multiBinary(P.ADDITIONAL_REN)[4]);
		if (junk !== undefined && !roleByNid.has(junk)) roleByNid.set(junk, '\\Junk');
	}
	const used = new Set<SpecialUse>();
	if (inbox !== undefined) {
		inbox.specialUse = '\\Inbox';
		used.add('\\Inbox');
	}
	for (const folder of topLevel) {
		if (folder.specialUse !== undefined) continue;
		const role = folder.nids.map((nid) => roleByNid.get(nid)).find((r) => r !== undefined);
		if (role !== undefined && !used.has(role)) {
			folder.specialUse = role;
			used.add(role);
		}
	}
}

function describe(error: unknown): string {
	return error instanceof Error ? error.message : String(error);
}
