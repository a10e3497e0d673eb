/**
 * A filter's folder target (a Thunderbird folder URI) → the server mailbox that folder's mail was migrated to.
 *
 * Reuses the migration's folder mapping (`planFolders`, mapper/folder-map.ts) so that a rule that moved mail
 * to `Local Folders/Invoices` files into the very mailbox `Invoices` was uploaded to — with the same
 * `--map`/`--prefix`/`--exclude`, special-use roles, namespace prefix and delimiter.
 *
 * URIs (comm-central nsMsgFilter.cpp, folder URIs): `mailbox://nobody@Local%20Folders/Invoices/Sub` (local
 * folders and POP accounts: host = account, path percent-encoded) and `imap://user@host/INBOX/X` (path
 * percent-encoded and, for non-ASCII names, modified UTF-7 per RFC 3501 §5.1.3). Both use '/' between levels.
 *
 * Matching a URI path to a migrated folder: the path as is (the user migrated the account folder), then the
 * account name followed by the path (the user migrated the whole `Mail/` directory); NFC, case-insensitive.
 * A target that was not among the migrated folders is still mapped by the same rules (the rule files into
 * the mailbox that folder would have), with a note.
 */
import type {SourceFolder} from '../contracts/source-store.js';
import {decodeMutf7} from '../readers/mutf7.js';
import type {FolderMapOptions} from '../mapper/folder-map.js';
import type {ServerLayout} from '../contracts/server-layout.js';
import {planFolders} from '../mapper/folder-map.js';

export type FolderTarget = Readonly<{
	/** Full server mailbox name (UTF-8, server delimiter), or undefined when the mapping excludes the folder. */
	mailbox: string | undefined;
	/** The source folder path the URI named, joined with '/'. */
	label: string;
	notes: readonly string[];
}>;

/** Turns a folder URI into a target, or a reason why it cannot be one. Pure; never throws. */
export type TargetResolver = Readonly<{
	folder(uri: string): FolderTarget | {readonly error: string};
	/** The mailbox Thunderbird's "Delete" moves mail to (the Trash role through the same mapping). */
	trash(): string;
}>;

export type MigrationContext = Readonly<{
	/** The migrated store's folders (from `SourceStore.listFolders`); empty when unknown. */
	folders: readonly SourceFolder[];
	layout: ServerLayout;
	mapOptions?: FolderMapOptions;
}>;

type ParsedUri = Readonly<{scheme: 'mailbox' | 'imap' | 'folder'; account: string; path: string[]}>;

/**
 * The URI of a source folder named by its path, for readers whose rules name folders directly (Outlook:
 * `folder:///Inbox/Invoices`, each level percent-encoded); resolved like a Thunderbird URI.
 */
export function folderPathUri(path: readonly string[]): string {
	return `folder:///${path.map(encodeURIComponent).join('/')}`;
}

/** Splits a folder URI; undefined when it is not a mailbox:// or imap:// folder URI. */
export function parseFolderUri(uri: string): ParsedUri | undefined {
	const m = /^(mailbox|imap|folder):\/\/(?:[^@/]*@)?([^/]*)\/(.+)$/i.exec(uri.trim());
	if (!m?.[1] || m[2] === undefined || !m[3]) return undefined;
	const scheme = m[1].toLowerCase() as ParsedUri['scheme'];
	const decode = (s: string): string | undefined => {
		try { return decodeURIComponent(s); } catch { return undefined; }
	};
	const account = decode(m[2]);
	const raw = m[3].replace(/\/+$/, '').split('/').map(decode);
	if (account === undefined || raw.some((s) => s === undefined || s === '')) return undefined;
	// Old (pre-v60) filter files name subfolders through their `Name.sbd/` directory (nsMsgFilter.cpp
	// ConvertMoveOrCopyToFolderValue removes the suffix); the folder is `Name`.
	const path = (raw as string[]).map((s, k, all) => (scheme === 'imap' ? decodeMutf7(s) : scheme === 'mailbox' && k < all.length - 1 ? s.replace(/\.sbd$/i, '') : s));
	return {scheme, account, path};
}

const key = (path: readonly string[]): string => path.join('/').normalize('NFC').toLowerCase();

/** Builds the resolver for one migration (folders, server layout, mapping options). */
export function folderTargetResolver(context: MigrationContext): TargetResolver {
	const known = new Map(context.folders.map((f) => [key(f.path), f]));
	const plan = (folder: SourceFolder): {mailbox: string | undefined; notes: readonly string[]} => {
		const [entry] = planFolders([folder], context.layout, context.mapOptions ?? {});
		return {mailbox: entry?.mailbox, notes: entry?.notes ?? []};
	};
	return {
		folder(uri) {
			const parsed = parseFolderUri(uri);
			if (!parsed) return {error: `"${uri}" is not a Thunderbird folder URI (mailbox://… or imap://…)`};
			const found = known.get(key(parsed.path)) ?? known.get(key([parsed.account, ...parsed.path]));
			const notes: string[] = [];
			if (!found && context.folders.length > 0) {
				notes.push(`folder "${parsed.path.join('/')}" was not among the migrated folders; mapped by the same rules (created on first delivery)`);
			}
			const {mailbox, notes: mapNotes} = plan(found ?? {path: parsed.path});
			return {mailbox, label: (found?.path ?? parsed.path).join('/'), notes: [...notes, ...mapNotes]};
		},
		trash() {
			return plan({path: ['Trash'], specialUse: '\\Trash'}).mailbox ?? 'Trash';
		},
	};
}
