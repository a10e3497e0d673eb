/**
 * Where each folder and message of a backup goes, per output format (pure: no I/O).
 *
 * - `maildir` (default): one directory per folder, nested like the source tree (`INBOX/`, `Archive/2019/`;
 *   Dovecot's "fs" layout), each a Maildir with `cur/ new/ tmp/`. Messages go to `cur/` as
 *   `<seconds>.<sha256[0..16]>[_n].mailshift,S=<size>,W=<size>:2,<flags>` (cr.yp.to/proto/maildir.html; `S=`/`W=`
 *   are Dovecot's size fields, equal here because the bytes are CRLF already). mailshift's own Maildir reader
 *   reads this layout back with the same folder names, so `mailshift migrate BACKUP` restores it.
 * - `eml`: one directory per folder, one `<yyyymmddThhmmssZ>-<sha256[0..12]>[_n].eml` file per message.
 * - `mbox`: Thunderbird's layout with extensions: `Name.mbox` per folder, subfolders in `Name.sbd/`
 *   (kb.mozillazine.org "Profile folder"; mailshift's mbox reader maps it back to the same names).
 *
 * Names are deterministic: the same message in the same folder always gets the same file name, so an
 * interrupted or repeated backup finds what it wrote before. `_n` numbers identical copies (same date and
 * bytes) in one folder.
 */
import {isValidKeyword} from '../mapper/flags.js';
import {decodeMutf7} from '../readers/mutf7.js';
import {planSafePaths, safeSegment} from './safe-path.js';
import type {SafePathOptions} from './safe-path.js';

/** Output format of a backup (see the file header). */
export type BackupFormat = 'maildir' | 'mbox' | 'eml';

/** The output formats, the default first. */
export const BACKUP_FORMATS: readonly BackupFormat[] = ['maildir', 'mbox', 'eml'];

/** The manifest's name at the top of a backup. */
export const MANIFEST_NAME = 'manifest.json';

/**
 * Top-level directory of the vCard/iCalendar exports of non-mail PST items: `non-mail/<folder's safe path>/
 * <safe title> (<key>).vcf|ics`. Outside the folders, so the backup still reads back as a clean Maildir or
 * mbox tree (a directory without cur/new is no Maildir; .vcf/.ics files are no mbox files).
 */
export const NON_MAIL_DIR = 'non-mail';

/** The file name of one exported non-mail item (deterministic: the same item always gets the same name). */
export function nonMailFileName(title: string, key: string, extension: string): string {
	const safeKey = key.replace(/[^A-Za-z0-9._-]/g, '_');
	return `${safeSegment(title.trim() === '' ? 'item' : title, 1, {maxSegmentBytes: 100})} (${safeKey}).${extension}`;
}

/** Where one folder goes. */
export type FolderPlacement = Readonly<{
	/** Original folder path (as the source names it). */
	name: readonly string[];
	/** Original path joined with '/', as in SourceRef.folder. */
	label: string;
	/** The safe segments. */
	segments: readonly string[];
	/** POSIX relative path of the folder's directory (maildir, eml) or mbox file (mbox). */
	path: string;
}>;

/** Maildir letters of system flags (maildir.html "Info semantics"); `P` for $Forwarded as Dovecot and our reader. */
const FLAG_LETTERS: ReadonlyMap<string, string> = new Map([
	['\\Draft', 'D'], ['\\Flagged', 'F'], ['$Forwarded', 'P'], ['\\Answered', 'R'], ['\\Seen', 'S'], ['\\Deleted', 'T'],
]);
/** Dovecot maps keyword letters a–z to indexes 0–25 of `dovecot-keywords` (dovecot maildir.rst). */
export const MAX_MAILDIR_KEYWORDS = 26;

/** Names the reader of each layout treats specially, so a folder may not be called that (matched lower-case). */
function reservedFor(format: BackupFormat): (lower: string, depth: number) => boolean {
	const top = (lower: string, depth: number): boolean => depth === 0 && (lower === MANIFEST_NAME || lower === NON_MAIL_DIR);
	switch (format) {
		case 'maildir':
			// cur/new/tmp are the Maildir itself; the Maildir reader skips courierimap*, dovecot*, maildirfolder, subscriptions.
			return (lower, depth) => top(lower, depth) || lower === 'cur' || lower === 'new' || lower === 'tmp'
				|| lower.startsWith('courierimap') || lower.startsWith('dovecot') || lower === 'maildirfolder' || lower === 'subscriptions';
		case 'eml':
			// A folder directory must never look like a message file beside it.
			return (lower, depth) => top(lower, depth) || lower.endsWith('.eml');
		case 'mbox':
			return top;
	}
}

/** Safe-path options of a format (see safe-path.ts). */
export function safePathOptionsFor(format: BackupFormat): SafePathOptions {
	return format === 'maildir'
		// The Maildir reader decodes modified UTF-7 names (`R&AOk-sum&AOk-`); a name that would decode keeps its '&' encoded.
		? {isReserved: reservedFor(format), isDecodedOnRead: (name) => decodeMutf7(name) !== name}
		: {isReserved: reservedFor(format)};
}

/**
 * Places every folder (input order kept). Pure and deterministic.
 */
export function placeFolders(format: BackupFormat, folders: readonly (readonly string[])[]): FolderPlacement[] {
	return planSafePaths(folders, safePathOptionsFor(format)).map(({name, segments}) => ({
		name,
		label: name.join('/'),
		segments,
		path: format === 'mbox'
			? [...segments.slice(0, -1).map((s) => `${s}.sbd`), `${segments[segments.length - 1] ?? '_'}.mbox`].join('/')
			: segments.join('/'),
	}));
}

/** Maildir info letters: known flags by letter, keywords by their `dovecot-keywords` index; ASCII order. */
export function maildirFlagLetters(flags: readonly string[], keywordIndex: ReadonlyMap<string, number>): string {
	const letters = new Set<string>();
	for (const flag of flags) {
		const letter = FLAG_LETTERS.get(flag);
		if (letter) letters.add(letter);
		else {
			const index = keywordIndex.get(flag);
			if (index !== undefined && index < MAX_MAILDIR_KEYWORDS) letters.add(String.fromCharCode(0x61 + index));
		}
	}
	return [...letters].sort().join('');
}

/** Keywords (not system flags, not $Forwarded) a Maildir file name can carry through `dovecot-keywords`. */
export function maildirKeywords(flags: readonly string[]): string[] {
	return flags.filter((f) => !f.startsWith('\\') && !FLAG_LETTERS.has(f) && isValidKeyword(f));
}

/** `dovecot-keywords` text: "<index> <keyword>" lines by index (dovecot maildir.rst "IMAP Keywords"). */
export function dovecotKeywordsText(keywords: ReadonlyArray<readonly [keyword: string, index: number]>): string {
	return [...keywords].sort((a, b) => a[1] - b[1]).map(([k, i]) => `${i} ${k}\n`).join('');
}

/** Parses `dovecot-keywords` (indexes 0–25 only); lines that do not parse are ignored. */
export function parseDovecotKeywords(text: string): Map<string, number> {
	const map = new Map<string, number>();
	for (const line of text.split(/\r?\n/)) {
		const match = /^(\d+) (\S+)$/.exec(line);
		if (!match?.[1] || !match[2]) continue;
		const index = Number(match[1]);
		if (index < MAX_MAILDIR_KEYWORDS && !map.has(match[2])) map.set(match[2], index);
	}
	return map;
}

/**
 * The unique part of a Maildir file name (before `:2,`). `copy` is 1 for the first message with this date
 * and content in the folder, 2 for the next identical one, ….
 */
export function maildirUniqueName(date: Date, sha256: string, size: number, copy: number): string {
	const seconds = Math.max(0, Math.floor(date.getTime() / 1000));
	return `${seconds}.${sha256.slice(0, 16)}${copy > 1 ? `_${copy}` : ''}.mailshift,S=${size},W=${size}`;
}

/**
 * The whole Maildir file name. `separator` is `:` (the standard) or `;` on Windows, which cannot store `:`
 * in a file name (NTFS would write an alternate data stream); mailshift's reader accepts both.
 */
export function maildirFileName(unique: string, letters: string, separator: ':' | ';'): string {
	return `${unique}${separator}2,${letters}`;
}

/** The file name of one message in the `eml` format. */
export function emlFileName(date: Date, sha256: string, copy: number): string {
	const stamp = date.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
	return `${stamp}-${sha256.slice(0, 12)}${copy > 1 ? `_${copy}` : ''}.eml`;
}
