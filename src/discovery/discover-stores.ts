/**
 * discoverStores: the mail stores on this computer, looked for where the mail programs keep them — the one
 * search behind `mailshift discover` and the guided mode's first step (issue #16).
 *
 * Where (every place is tried on every system; a place that does not exist costs one failed readdir):
 * - Windows: `%LOCALAPPDATA%\Microsoft\Outlook` and `Documents\Outlook Files` (.pst/.ost),
 *   `%APPDATA%\Thunderbird` (profiles.ini), `%LOCALAPPDATA%\Microsoft\Windows Live Mail` (.eml folders),
 *   Outlook Express identities `%LOCALAPPDATA%\Identities\{GUID}\Microsoft\Outlook Express` (.dbx).
 * - macOS: `~/Library/Mail/V*` (Apple Mail), `*.olm` Outlook for Mac exports in ~/Documents, ~/Downloads,
 *   ~/Desktop and ~, `~/Library/Thunderbird` (profiles.ini).
 * - Linux: `~/.thunderbird` (profiles.ini), `~/Maildir`, `~/mail`, `~/.local/share/evolution/mail/local`.
 * - Anywhere: .pst/.ost files in ~/Documents, ~/Desktop, ~/Downloads and ~; folders of .eml/.msg files (each
 *   directory in ~/Documents, ~/Desktop and ~/Downloads holding such files at most two levels down).
 *
 * Home and environment are passed in (never read here: STYLE rule 7), so tests build fake homes. A store of a
 * kind this build cannot read yet (`readable: false`) is still listed — never hidden. Never throws for what it
 * finds: an unreadable place is skipped, a store that cannot be counted carries `problem`.
 * Cost: directory listings, plus (with `count`) one full read of every readable store whose folders do not
 * know their counts (mbox), bounded by the stores' own streaming. Sizes are `storeSize` (readers/store-size.ts),
 * the one size the guided mode and the run summary show too: each readable store is opened and its folders listed.
 */
import {existsSync, promises as fs} from 'node:fs';
import {basename, join} from 'node:path';
import {isMailshiftError} from '../contracts/errors.js';
import {detectSourceKind, isSourceKind, openSource} from '../readers/open-source.js';
import {bytesOnDisk, storeSize} from '../readers/store-size.js';

/** Kinds discovery knows how to find; some may not be readable by this build (see `readable`). */
export type DiscoveredKind = 'pst' | 'mbox' | 'maildir' | 'olm' | 'apple-mail' | 'dbx' | 'eml';

export type DiscoveredStore = Readonly<{
	kind: DiscoveredKind;
	/** Absolute path of the store (file or directory): what `mailshift migrate` takes. */
	path: string;
	/** What it is, for people: "Outlook data file Archive.pst", "Thunderbird default: Local Folders". */
	label: string;
	/** False when this version of mailshift cannot read this kind yet: listed so nothing is hidden. */
	readable: boolean;
	/** The store's size (`storeSize`: the bytes of its mail files; bytes on disk for a kind this build cannot read). */
	bytes?: number;
	/** With `count`: folders holding mail and their messages. */
	folders?: number;
	messages?: number;
	/** With `count`: why the store could not be counted. */
	problem?: string;
}>;

export type DiscoveryPlace = Readonly<{
	/** The user's home directory. */
	home: string;
	/** The environment (LOCALAPPDATA, APPDATA on Windows). */
	env: Readonly<Record<string, string | undefined>>;
}>;

export type DiscoverOptions = Readonly<{
	/** Open each readable store and count its folders and messages. @default false */
	count?: boolean;
	signal?: AbortSignal;
}>;

/** Sentence shown for a store of a kind this build cannot read. */
export const NOT_READABLE_YET = 'found; this version cannot read it yet';

type Found = Omit<DiscoveredStore, 'readable' | 'bytes'>;

export async function discoverStores(place: DiscoveryPlace, options: DiscoverOptions = {}): Promise<DiscoveredStore[]> {
	const {home, env} = place;
	// Windows' defaults under the home when the variables are not set (a Windows profile copied to or mounted on
	// another system, or a shell that does not pass them on): such a home is searched like a Windows one.
	const local = env['LOCALAPPDATA'] || join(home, 'AppData', 'Local');
	const roaming = env['APPDATA'] || join(home, 'AppData', 'Roaming');
	const found: Found[] = [];
	const add = (store: Found): void => {
		if (!found.some((f) => f.path === store.path)) found.push(store);
	};
	const documents = [join(home, 'Documents'), join(home, 'Desktop'), join(home, 'Downloads'), home];
	for (const dir of [...(local ? [join(local, 'Microsoft', 'Outlook')] : []), join(home, 'Documents', 'Outlook Files'), ...documents]) {
		for (const name of await fileNames(dir, /\.(pst|ost)$/i)) add({kind: 'pst', path: join(dir, name), label: `Outlook data file ${name}`});
	}
	for (const dir of documents) {
		for (const name of await fileNames(dir, /\.olm$/i)) add({kind: 'olm', path: join(dir, name), label: `Outlook for Mac archive ${name}`});
	}
	// Messages dragged out of Outlook (.msg) or saved/exported as .eml land in a folder the user made in
	// Documents, Desktop or Downloads (found by a QA pass as a new user: discover listed nothing).
	for (const dir of documents.slice(0, 3)) {
		for (const name of await dirNames(dir, /^[^.]/)) {
			const path = join(dir, name);
			if (!(await holdsMessageFiles(path, MESSAGE_FOLDER_DEPTH))) continue;
			if ((await detectSourceKind(path).catch(() => undefined)) === 'eml') add({kind: 'eml', path, label: `Folder of .eml/.msg files ${name}`});
		}
	}
	const thunderbirdRoots = [join(home, '.thunderbird'), join(home, 'Library', 'Thunderbird'), ...(roaming ? [join(roaming, 'Thunderbird')] : [])];
	for (const store of await thunderbirdStores(thunderbirdRoots)) add(store);
	for (const version of await dirNames(join(home, 'Library', 'Mail'), /^V\d+$/)) {
		add({kind: 'apple-mail', path: join(home, 'Library', 'Mail', version), label: `Apple Mail (${version})`});
	}
	if (local) {
		const liveMail = join(local, 'Microsoft', 'Windows Live Mail');
		if (existsSync(liveMail)) add({kind: 'eml', path: liveMail, label: 'Windows Live Mail'});
		const identities = join(local, 'Identities');
		for (const identity of await dirNames(identities, /^\{[0-9A-Fa-f-]+\}$/)) {
			const express = join(identities, identity, 'Microsoft', 'Outlook Express');
			if ((await fileNames(express, /\.dbx$/i)).length > 0) add({kind: 'dbx', path: express, label: `Outlook Express identity ${identity}`});
		}
	}
	for (const [relative, label] of [['Maildir', '~/Maildir'], ['mail', '~/mail'], [join('.local', 'share', 'evolution', 'mail', 'local'), 'Evolution local folders']] as const) {
		const path = join(home, relative);
		if (!existsSync(path)) continue;
		try {
			const kind = await detectSourceKind(path);
			if (kind === 'maildir' || kind === 'mbox') add({kind, path, label});
		} catch {
			// Not a mail store (e.g. an empty ~/mail): nothing to list.
		}
	}
	const out: DiscoveredStore[] = [];
	for (const store of found) {
		options.signal?.throwIfAborted();
		const readable = isSourceKind(store.kind);
		const measured = readable ? await measureStore(store, options.count === true, options.signal) : {};
		const bytes = 'bytes' in measured ? measured.bytes : await bytesOnDisk(store.path);
		out.push({...store, readable, ...(bytes === undefined ? {} : {bytes}), ...measured});
	}
	return out;
}

/**
 * Opens the store for its size (`storeSize`) and, with `count`, counts its mail folders and messages (reading
 * mbox files whose counts are unknown). A store that cannot be opened gives no size (the caller falls back to
 * bytes on disk) and, with `count`, a problem.
 */
async function measureStore(store: Found, count: boolean, signal: AbortSignal | undefined): Promise<Pick<DiscoveredStore, 'bytes' | 'folders' | 'messages' | 'problem'>> {
	try {
		const source = await openSource(store.path, isSourceKind(store.kind) ? store.kind : undefined);
		try {
			const listed = await source.listFolders(signal);
			const bytes = await storeSize(source, listed, signal);
			const size = bytes === undefined ? {} : {bytes};
			if (!count) return size;
			let folders = 0;
			let messages = 0;
			for (const folder of listed) {
				if (folder.holdsMail === false) continue;
				folders++;
				if (folder.count !== undefined) {
					messages += folder.count;
					continue;
				}
				for await (const message of source.messages(folder, signal)) if (message.skipHint !== 'not-mail') messages++;
			}
			return {...size, folders, messages};
		} finally {
			await source.close();
		}
	} catch (error) {
		if (signal?.aborted) throw error;
		return count ? {problem: isMailshiftError(error) ? error.message : String(error)} : {};
	}
}

/** Thunderbird profiles from each root's profiles.ini: each profile's Mail/* account folders. */
async function thunderbirdStores(roots: readonly string[]): Promise<Found[]> {
	const out: Found[] = [];
	for (const root of roots) {
		const ini = await fs.readFile(join(root, 'profiles.ini'), 'utf8').catch(() => undefined);
		if (ini === undefined) continue;
		for (const section of ini.split(/^\[/m)) {
			const path = /^Path=(.+)$/m.exec(section)?.[1]?.trim();
			if (!path) continue;
			// profiles.ini writes relative paths with '/' on every system.
			const profile = /^IsRelative=1$/m.test(section) ? join(root, ...path.split('/')) : path;
			const mail = join(profile, 'Mail');
			for (const account of await dirNames(mail, /./)) {
				out.push({kind: 'mbox', path: join(mail, account), label: `Thunderbird ${basename(profile)}: ${account === 'Local Folders' ? 'Local Folders' : `${account} (POP account)`}`});
			}
		}
	}
	return out;
}

/** How deep below a folder in Documents/Desktop/Downloads message files are looked for (its subfolders' subfolders). */
const MESSAGE_FOLDER_DEPTH = 2;

/** True when `dir` or a directory at most `depth` levels below holds an .eml or .msg file. Dot-directories are skipped. */
async function holdsMessageFiles(dir: string, depth: number): Promise<boolean> {
	if ((await fileNames(dir, /\.(eml|msg)$/i)).length > 0) return true;
	if (depth === 0) return false;
	for (const name of await dirNames(dir, /^[^.]/)) if (await holdsMessageFiles(join(dir, name), depth - 1)) return true;
	return false;
}

async function fileNames(dir: string, pattern: RegExp): Promise<string[]> {
	const entries = await fs.readdir(dir, {withFileTypes: true}).catch(() => []);
	return entries.filter((e) => e.isFile() && pattern.test(e.name)).map((e) => e.name).sort();
}

async function dirNames(dir: string, pattern: RegExp): Promise<string[]> {
	const entries = await fs.readdir(dir, {withFileTypes: true}).catch(() => []);
	return entries.filter((e) => e.isDirectory() && pattern.test(e.name)).map((e) => e.name).sort();
}
