/**
 * The backup manifest (`manifest.json` at the top of a backup): what was backed up, from where, and where
 * each message is. Written last (tmp + fsync + rename), so its presence means "this backup is complete";
 * `mailshift backup --verify DIR` checks the files against it.
 *
 * Format (manifestVersion 1), in this order: tool, format, createdAt, completedAt, source, options, totals,
 * incomplete (only when the source ended early), folders, messages, skipped, failed, warnings, files. Each
 * entry of the long arrays is on one line, so the file is written as a stream (one folder's entries in memory at a time) and stays readable with line tools.
 * Paths are POSIX relative paths inside the backup. Dates are ISO 8601 UTC.
 *
 * Source description (`source`):
 * - a file (mbox, PST): `size`, `mtime` and the `sha256` of its bytes;
 * - a directory (Maildir, Thunderbird tree): `files` (regular files below it, symlinks not followed), `size`
 *   (their total bytes), `mtime` (the newest), and `sha256` of the `sha256sum`-style listing of all of them,
 *   sorted by path in byte order: one line `<hex sha256>  ./<relative path>\n` per file. The same value comes
 *   from `cd SOURCE && find . -type f -print0 | LC_ALL=C sort -z | xargs -0r sha256sum | sha256sum` (for
 *   names without a backslash or line break, which sha256sum escapes);
 * - an IMAP account: `location` (imap(s)://user@host:port) and no digest (`folders[].uidValidity` instead).
 */
import {readFile, rename, rm} from 'node:fs/promises';
import {dirname, join} from 'node:path';
import {MailshiftError} from '../contracts/errors.js';
import type {BackupFormat} from './backup-layout.js';
import {MANIFEST_NAME} from './backup-layout.js';
import {fsyncDirectory} from './durable-file.js';
import {openPrivateFile} from './private-tree.js';

/** Kinds of sources a backup can come from. */
export type SourceKindName = 'maildir' | 'mbox' | 'pst' | 'eml' | 'apple-mail' | 'dbx' | 'pop3' | 'olm' | 'imap';

/** The manifest's `source` (see the file header for the digest definitions). */
export type ManifestSource = Readonly<{
	kind: SourceKindName;
	/** Absolute path, or imap(s)://user@host:port (never a password). */
	location: string;
	type: 'file' | 'directory' | 'server';
	size?: number;
	files?: number;
	mtime?: string;
	sha256?: string;
	/** How `sha256` was computed, in words (see the file header). */
	sha256Of?: string;
}>;

/** One folder: its original name, where it is in the backup, its counts. */
export type ManifestFolder = Readonly<{
	/** Original folder path, one name per level. */
	name: readonly string[];
	/** `name` joined with '/' (SourceRef.folder). */
	label: string;
	/** Where it is in the backup: a directory (maildir, eml) or an mbox file. */
	path: string;
	messages: number;
	skipped: number;
	failed: number;
	/** Bytes of the messages written (CRLF content). */
	bytes: number;
	/** IMAP UIDVALIDITY of the mailbox at backup time (IMAP sources). */
	uidValidity?: string;
	/** The folder's mbox file as a whole (mbox format). */
	file?: Readonly<{size: number; sha256: string}>;
}>;

/** One message backed up. */
export type ManifestMessage = Readonly<{
	folder: string;
	/** SourceRef.key: stable identity in the source (Maildir unique name, mbox ordinal:hash, PST node id, IMAP uidvalidity.uid). */
	key: string;
	messageId?: string;
	/** Bytes of the message as written: what the migration would upload (CRLF). */
	size: number;
	sha256: string;
	flags: readonly string[];
	/** INTERNALDATE the migration would send (the file's mtime for maildir and eml). */
	date: string;
	dateSource?: string;
	/** The file that holds it. */
	path: string;
	/** mbox: the record's byte range in `path` (From_ line to the empty line after it). */
	offset?: number;
	length?: number;
	/** mbox: the message did not end with a line break, so one was added (mbox cannot store it otherwise). */
	mboxAddedLineEnd?: true;
	/** maildir: flags the file name cannot carry (more than 26 keywords in a folder); kept here only. */
	flagsNotInName?: readonly string[];
}>;

/**
 * A message the migration would not upload (trashed, expunged, not mail, empty), with the reason. A non-mail
 * PST item exported as a vCard/iCalendar file names that file in `exportedTo` (also listed in `files`).
 */
export type ManifestSkip = Readonly<{folder: string; key: string; location: string; code: string; reason: string; itemKind?: string; exportedTo?: string}>;
/** A message or folder that could not be read (`failed`) or was read with a warning. */
export type ManifestProblem = Readonly<{folder: string; key: string; location: string; code: string; reason: string}>;
/**
 * Files besides messages that belong to the backup: a Maildir folder's `dovecot-keywords`, and the vCard /
 * iCalendar exports of non-mail PST items (`non-mail/<folder>/<name> (<key>).vcf|ics`, with the item's folder,
 * key and kind).
 */
export type ManifestFile =
	| Readonly<{path: string; size: number; sha256: string; role: 'dovecot-keywords'}>
	| Readonly<{path: string; size: number; sha256: string; role: 'non-mail-export'; folder: string; key: string; itemKind: string; mediaType: string}>;

/** Totals over all folders. */
export type ManifestTotals = Readonly<{folders: number; messages: number; skipped: number; failed: number; warnings: number; bytes: number}>;

/** Everything in the manifest but the long arrays. */
export type ManifestHeader = Readonly<{
	manifestVersion: 1;
	tool: Readonly<{name: 'mailshift'; version: string}>;
	format: BackupFormat;
	createdAt: string;
	completedAt: string;
	source: ManifestSource;
	options: Readonly<{includeTrashed: boolean}>;
	totals: ManifestTotals;
	/**
	 * Present when the source could not be read to its end (a cut .pst): what was read against what it lists.
	 * The backup then holds everything readable but is not a complete copy; `--verify` reports NOT OK for it.
	 */
	incomplete?: string;
	folders: readonly ManifestFolder[];
}>;

/** A whole manifest as read back. */
export type BackupManifest = ManifestHeader & Readonly<{
	messages: readonly ManifestMessage[];
	skipped: readonly ManifestSkip[];
	failed: readonly ManifestProblem[];
	warnings: readonly ManifestProblem[];
	files: readonly ManifestFile[];
}>;

/** The long arrays, each produced as a stream (e.g. folder by folder from the progress files). */
export type ManifestSections = Readonly<{
	messages: () => AsyncIterable<ManifestMessage>;
	skipped: () => AsyncIterable<ManifestSkip>;
	failed: () => AsyncIterable<ManifestProblem>;
	warnings: () => AsyncIterable<ManifestProblem>;
	files: () => AsyncIterable<ManifestFile>;
}>;

const FLUSH_BYTES = 256 * 1024;

/**
 * Writes `dir/manifest.json` atomically (tmp + fsync + rename + fsync(dir)). Memory: the header plus one
 * 256 KiB buffer; the sections are pulled one entry at a time. Throws fs errors unclassified.
 */
export async function writeManifest(dir: string, header: ManifestHeader, sections: ManifestSections): Promise<string> {
	const target = join(dir, MANIFEST_NAME);
	const tmp = join(dir, `.${MANIFEST_NAME}.${process.pid}.tmp`);
	const file = await openPrivateFile(tmp, 'w');
	let buffer: string[] = [];
	let buffered = 0;
	const write = async (text: string): Promise<void> => {
		buffer.push(text);
		buffered += text.length;
		if (buffered >= FLUSH_BYTES) await flush();
	};
	const flush = async (): Promise<void> => {
		if (buffer.length === 0) return;
		await file.write(buffer.join(''));
		buffer = [];
		buffered = 0;
	};
	try {
		const {folders, ...rest} = header;
		const head = JSON.stringify(rest, null, '\t');
		await write(head.slice(0, -2)); // without the closing "\n}"
		await write(',\n\t"folders": [');
		await writeArray(folders, write);
		for (const name of ['messages', 'skipped', 'failed', 'warnings', 'files'] as const) {
			await write(`,\n\t${JSON.stringify(name)}: [`);
			await writeArray(sections[name](), write);
		}
		await write('\n}\n');
		await flush();
		await file.sync();
	} catch (error) {
		await file.close().catch(() => undefined);
		await rm(tmp, {force: true});
		throw error;
	}
	await file.close();
	await rename(tmp, target);
	await fsyncDirectory(dirname(target));
	return target;
}

async function writeArray(items: Iterable<unknown> | AsyncIterable<unknown>, write: (text: string) => Promise<void>): Promise<void> {
	let first = true;
	for await (const item of items) {
		await write(`${first ? '' : ','}\n\t\t${JSON.stringify(item)}`);
		first = false;
	}
	if (!first) await write('\n\t');
	await write(']');
}

/**
 * Reads and checks `dir/manifest.json`. Memory: the whole manifest (about 300 bytes per message).
 * @throws MailshiftError NOT_A_MAIL_STORE when it is missing (with a hint when the backup is unfinished) or
 *   is not a mailshift manifest of a known version.
 */
export async function readManifest(dir: string): Promise<BackupManifest> {
	return readManifestFile(join(dir, MANIFEST_NAME), dir);
}

/** Reads and checks one manifest file (see `readManifest`); `dir` names the backup in messages. */
export async function readManifestFile(path: string, dir = dirname(path)): Promise<BackupManifest> {
	let text: string;
	try {
		text = await readFile(path, 'utf8');
	} catch (error) {
		throw new MailshiftError('NOT_A_MAIL_STORE', `${dir} holds no ${MANIFEST_NAME}: it is not a complete mailshift backup.`, 'fatal', {
			cause: error, hint: 'Name the directory given to `mailshift backup --out`. If that backup was interrupted, run the same backup command again to finish it.',
		});
	}
	let data: unknown;
	try {
		data = JSON.parse(text);
	} catch (error) {
		throw new MailshiftError('NOT_A_MAIL_STORE', `${path} is damaged (not valid JSON).`, 'fatal', {cause: error, hint: 'The manifest cannot be trusted; make the backup again with --force.'});
	}
	if (!isManifest(data)) {
		throw new MailshiftError('NOT_A_MAIL_STORE', `${path} is not a mailshift backup manifest of a known version.`, 'fatal', {
			hint: 'It may come from a newer mailshift: use that version to verify it.',
		});
	}
	return data;
}

function isManifest(data: unknown): data is BackupManifest {
	if (typeof data !== 'object' || data === null) return false;
	const m = data as Record<string, unknown>;
	return m['manifestVersion'] === 1 && typeof m['format'] === 'string' && typeof m['source'] === 'object'
		&& ['folders', 'messages', 'skipped', 'failed', 'warnings', 'files'].every((key) => Array.isArray(m[key]));
}
