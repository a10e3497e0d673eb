/**
 * The folder tree of an Outlook Express store, read from `Folders.dbx`.
 *
 * Folders.dbx item attributes (Arne Schloh's DBX notes; checked on a real OE6 store): 0x00 folder id,
 * 0x01 parent id, 0x02 name, 0x03 the folder's message file name (absent until OE first stores a message
 * there), 0x05 account/store id on a root entry, 0x09 special folder (1 Inbox, 2 Outbox, 3 Sent Items,
 * 4 Deleted Items, 5 Drafts).
 *
 * Paths: the entries directly below the tree root are stores: "Local Folders" (the local POP store) holds the
 * top-level folders, so its children are ['Inbox'], ['Sent Items'] …; any other store (an IMAP or HTTP mail
 * account, a news server) becomes the first path segment (['Hotmail', 'Inbox']). The root and the stores are
 * containers, not folders.
 */
import type {SpecialUse} from '../../contracts/source-store.js';
import type {DbxFile} from './dbx-file.js';

export type DbxFolderEntry = Readonly<{
	path: readonly string[];
	/** The folder's message file name as Folders.dbx records it, when OE has created one. */
	fileName?: string;
	specialUse?: SpecialUse;
}>;

type RawEntry = {id: number; parent: number; name: string; fileName?: string; special?: number};

const LOCAL_STORE = 'LocalStore';
/** Deepest folder path followed; a deeper one means the parent links loop. */
const MAX_DEPTH = 64;

const SPECIAL_USE: Readonly<Record<number, SpecialUse>> = {1: '\\Inbox', 3: '\\Sent', 4: '\\Trash', 5: '\\Drafts'};

/** Reads the folder entries of an open Folders.dbx. Throws DbxFormatError when its index is damaged. */
export async function readFolderTree(file: DbxFile, signal?: AbortSignal): Promise<DbxFolderEntry[]> {
	const raw: RawEntry[] = [];
	const localStores = new Set<number>();
	for (const offset of await file.itemOffsets(signal)) {
		const attributes = await file.itemAttributes(offset);
		const id = (await file.readNumber(attributes.get(0x00))) ?? 0;
		const parent = (await file.readNumber(attributes.get(0x01))) ?? 0;
		const name = (await file.readString(attributes.get(0x02))) ?? `folder ${id}`;
		const fileName = await file.readString(attributes.get(0x03));
		const special = attributes.get(0x09)?.direct ? attributes.get(0x09)?.value : undefined;
		if ((await file.readString(attributes.get(0x05))) === LOCAL_STORE) localStores.add(id);
		raw.push({id, parent, name, ...(fileName ? {fileName} : {}), ...(special === undefined ? {} : {special})});
	}
	const byId = new Map(raw.map((entry) => [entry.id, entry]));
	const isContainer = (entry: RawEntry): boolean => entry.id === 0 || entry.parent === 0 || !byId.has(entry.parent) && entry.fileName === undefined;
	const pathOf = (entry: RawEntry): string[] => {
		const segments: string[] = [];
		let current: RawEntry | undefined = entry;
		for (let depth = 0; current !== undefined && !isContainer(current) && depth < MAX_DEPTH; depth += 1) {
			segments.unshift(current.name);
			current = byId.get(current.parent);
		}
		if (current !== undefined && current.id !== 0 && !localStores.has(current.id)) segments.unshift(current.name);
		return segments;
	};
	const entries: DbxFolderEntry[] = [];
	for (const entry of raw) {
		if (isContainer(entry)) continue;
		const specialUse = entry.special === undefined ? undefined : SPECIAL_USE[entry.special];
		entries.push({
			path: pathOf(entry),
			...(entry.fileName === undefined ? {} : {fileName: entry.fileName}),
			...(specialUse === undefined ? {} : {specialUse}),
		});
	}
	return entries;
}
