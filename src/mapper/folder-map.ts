/**
 * Source folder → IMAP mailbox (pure). The server's hierarchy delimiter and personal-namespace prefix are
 * inputs read from the server (RFC 3501 §5.1.1, RFC 2342), never assumed.
 *
 * Rules, first match wins (README "Folder mapping"):
 *   1. `--exclude GLOB`: the folder (and its subfolders) is skipped. `*` and `?` stay within one level,
 *      `**` crosses levels, and `**` followed by '/' also matches no level (as in gitignore); matched
 *      case-insensitively, after Unicode NFC normalization of both sides, against the path joined with '/'.
 *   2. `--map 'Local=Remote'`: exact folder, or a folder below it (children keep their relative path).
 *      Remote uses '/' between levels; `INBOX` is the inbox.
 *   3. `--prefix 'A/B'`: the whole tree goes below that folder, names unchanged (no special-use mapping).
 *   4. Top-level Inbox (any well-known spelling) → `INBOX`, its subfolders below it.
 *      Top-level special folders (Sent Items, Gesendete Objekte, Deleted Items, Junk E-mail, …) → the
 *      server's SPECIAL-USE mailbox of that role, or its usual name when the server has none. A role the
 *      store itself knows (SourceFolder.specialUse) counts for a top-level folder only, and its subfolders
 *      follow it; on a deeper folder it is ignored (that folder keeps its path).
 *   5. Everything else keeps its path.
 * A delimiter character inside one local name is replaced by '_' and reported (it would create levels).
 * The namespace prefix (e.g. `INBOX.`) is put before every path except INBOX and its children.
 */
import type {SourceFolder} from '../contracts/source-store.js';
import {folderLabel} from '../contracts/source-store.js';
import type {Role, ServerLayout} from '../contracts/server-layout.js';
import {USUAL_NAME, roleOfName} from './special-folders.js';

export type MapRule = Readonly<{from: string; to: string}>;

export type FolderMapOptions = Readonly<{
	prefix?: string;
	rules?: readonly MapRule[];
	excludes?: readonly string[];
}>;

export type FolderPlan = Readonly<{
	folder: SourceFolder;
	/** Source path joined with '/'. */
	label: string;
	/** Full server path, or undefined when excluded. */
	mailbox: string | undefined;
	/** Why: 'excluded' | 'map' | 'prefix' | 'inbox' | role name | 'same-name'. */
	rule: string;
	/** Human-readable notes about changed names (delimiter replaced, …). */
	notes: readonly string[];
}>;

/** Parses one `--map 'Local=Remote'` value; throws a plain Error with a usable message when malformed. */
export function parseMapRule(text: string): MapRule {
	const eq = text.indexOf('=');
	const from = eq < 0 ? '' : text.slice(0, eq).trim().replace(/^\/+|\/+$/g, '');
	const to = eq < 0 ? '' : text.slice(eq + 1).trim().replace(/^\/+|\/+$/g, '');
	if (!from || !to) throw new Error(`--map "${text}" is not of the form 'Local folder=Remote folder'`);
	return {from, to};
}

/** Glob (`*`, `?`, `**`) → RegExp over NFC '/'-joined folder paths, case-insensitive. */
export function globToRegExp(pattern: string): RegExp {
	const glob = pattern.normalize('NFC');
	let re = '';
	for (let i = 0; i < glob.length; i++) {
		const c = glob[i] ?? '';
		if (c === '*') {
			if (glob[i + 1] === '*' && glob[i + 2] === '/') { re += '(?:.*/)?'; i += 2; }
			else if (glob[i + 1] === '*') { re += '.*'; i++; }
			else re += '[^/]*';
		} else if (c === '?') re += '[^/]';
		else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
	}
	return new RegExp(`^${re}$`, 'iu');
}

function isExcluded(path: readonly string[], patterns: readonly RegExp[]): boolean {
	for (let depth = 1; depth <= path.length; depth++) {
		const label = path.slice(0, depth).join('/').normalize('NFC');
		if (patterns.some((p) => p.test(label))) return true;
	}
	return false;
}

function samePath(a: string, b: string): boolean {
	return a.normalize('NFC').toLowerCase() === b.normalize('NFC').toLowerCase();
}

/** Plans every folder; the result has one entry per input folder, in input order. */
export function planFolders(folders: readonly SourceFolder[], layout: ServerLayout, options: FolderMapOptions = {}): FolderPlan[] {
	const excludes = (options.excludes ?? []).map(globToRegExp);
	const delim = layout.delimiter;
	const topStoreRoles = new Map<string, Role>();
	for (const f of folders) {
		const role = f.path.length === 1 ? storeRole(f) : undefined;
		if (role && f.path[0] !== undefined) topStoreRoles.set(f.path[0], role);
	}

	const sanitize = (segments: readonly string[], notes: string[]): string[] =>
		segments.map((seg) => {
			let s = seg;
			if (delim && s.includes(delim)) {
				s = s.split(delim).join('_');
				notes.push(`"${seg}" contains the server's folder separator "${delim}"; uploaded as "${s}"`);
			}
			if (s.trim() === '') {
				s = '_';
				notes.push(`an empty folder name was replaced by "_"`);
			}
			return s;
		});

	const join = (segments: readonly string[]): string => {
		if (segments.length > 0 && samePath(segments[0] ?? '', 'INBOX')) return ['INBOX', ...segments.slice(1)].join(delim);
		return layout.prefix + segments.join(delim);
	};

	const underRole = (role: Exclude<Role, 'inbox'>, rest: readonly string[]): string => {
		const base = layout.specialUse.get(role) ?? layout.prefix + USUAL_NAME[role];
		return rest.length > 0 ? base + delim + rest.join(delim) : base;
	};

	return folders.map((folder): FolderPlan => {
		const label = folderLabel(folder.path);
		const notes: string[] = [];
		if (isExcluded(folder.path, excludes)) return {folder, label, mailbox: undefined, rule: 'excluded', notes};

		for (const rule of options.rules ?? []) {
			const fromPath = rule.from.split('/');
			const head = folder.path.slice(0, fromPath.length).join('/');
			if (folder.path.length >= fromPath.length && samePath(head, rule.from)) {
				const rest = sanitize(folder.path.slice(fromPath.length), notes);
				return {folder, label, mailbox: join([...sanitize(rule.to.split('/'), notes), ...rest]), rule: 'map', notes};
			}
		}

		const segments = sanitize(folder.path, notes);
		if (options.prefix) {
			return {folder, label, mailbox: join([...sanitize(options.prefix.split('/').filter(Boolean), notes), ...segments]), rule: 'prefix', notes};
		}

		const top = folder.path[0] ?? '';
		const role: Role | undefined = (folder.path.length === 1 ? storeRole(folder) : topStoreRoles.get(top)) ?? roleOfName(top);
		if (role === 'inbox') return {folder, label, mailbox: ['INBOX', ...segments.slice(1)].join(delim), rule: 'inbox', notes};
		if (role) return {folder, label, mailbox: underRole(role, segments.slice(1)), rule: role, notes};
		return {folder, label, mailbox: join(segments), rule: 'same-name', notes};
	});
}

function storeRole(folder: SourceFolder): Role | undefined {
	switch (folder.specialUse) {
		case '\\Inbox': return 'inbox';
		case '\\Sent': return 'sent';
		case '\\Drafts': return 'drafts';
		case '\\Trash': return 'trash';
		case '\\Junk': return 'junk';
		case '\\Archive': return 'archive';
		default: return undefined;
	}
}
