/**
 * Runs `pffexport` (Debian pff-tools, libpff 20180714) on a PST/OST and reads back what it wrote, for the
 * pffexport oracle test. `pffexport -m items -f all -d -l LOG -t OUT file` writes OUT.export/, one directory per
 * folder (named by PR_DISPLAY_NAME, the whole root folder: IPM subtree, search roots, Finder…) and one per item
 * (`Message00001`, `Meeting00002`, `Appointment00003`… numbered by position, not by node id). The log names
 * every folder and item with its node id ("Processing email: 00003 (identifier: 2097476) in path: DIR/" followed
 * by "Created directory: ITEMDIR."), which is what lets the test match items by node id, and it names the
 * items pffexport does not export ("Skipped export of item: 2 out of: 11 of type: IPM.Post (0x12).").
 * Per item: OutlookHeaders.txt (PR_SUBJECT, sender and representing name/address…), InternetHeaders.txt
 * (PR_TRANSPORT_MESSAGE_HEADERS, when the item has them), ItemValues.txt (-d: every property as a hex dump),
 * Attachments/ (`<n>_<file name>` per file attachment, `Attachment0000n/Message00001/` per embedded message).
 */
import {spawnSync} from 'node:child_process';
import {createHash} from 'node:crypto';
import {existsSync, mkdirSync, readdirSync, readFileSync, statSync} from 'node:fs';
import {join, relative, sep} from 'node:path';
import iconv from 'iconv-lite';

export const pffexportMissing: string | undefined =
	spawnSync('pffexport', ['-V']).error !== undefined ? 'pffexport is not installed (apt-get install pff-tools)' : undefined;

/** pffexport item types (log "Processing <type>:") that are not mail for anyone. */
export const PFF_NOT_MAIL_TYPES = new Set(['appointment', 'contact', 'distribution list', 'note', 'task', 'activity']);

export type PffAttachments = Readonly<{
	/** `name sha256` per file attachment; the name is '' where pffexport had none ("Missing attachment filename"). */
	files: string[];
	/** Embedded messages (Attachment0000n/ directories). */
	embedded: PffItem[];
}>;

export type PffItem = Readonly<{
	nid: number;
	/** Log type: email, meeting, appointment, contact, note, distribution list… */
	type: string;
	/** Folder directory relative to the export root, '/'-separated ('' for the root folder itself). */
	folder: string;
	dir: string;
	messageClass: string | undefined;
	/** PR_SUBJECT as OutlookHeaders.txt shows it. */
	subject: string | undefined;
	outlookHeaders: ReadonlyMap<string, string>;
	/** PR_TRANSPORT_MESSAGE_HEADERS (InternetHeaders.txt), when present. */
	internetHeaders: string | undefined;
	/** PR_INTERNET_MESSAGE_ID 0x1035 from ItemValues.txt. */
	internetMessageId: string | undefined;
	/** PR_MESSAGE_CODEPAGE 0x3FFD and PR_MESSAGE_LOCALE_ID 0x3FF1 from ItemValues.txt. */
	codePage: number | undefined;
	localeId: number | undefined;
	attachments: PffAttachments;
}>;

export type PffExport = Readonly<{
	/** Folder directories (relative, '/'-separated) → node id. */
	folders: ReadonlyMap<string, number>;
	items: PffItem[];
	/** Message classes of the items pffexport logged as skipped (not exported). */
	skipped: string[];
	log: string;
}>;

/** 32-bit (ANSI) or 64-bit (Unicode) file, as pffinfo reports it. */
export function pffFileType(file: string): '32-bit' | '64-bit' | undefined {
	const run = spawnSync('pffinfo', [file], {encoding: 'utf8'});
	return /File type:\s*(32-bit|64-bit)/.exec(run.stdout)?.[1] as '32-bit' | '64-bit' | undefined;
}

/** Runs pffexport into `work` (a fresh directory) and parses its output. */
/** Attachment file path → the file name pffexport read from the item (set while parsing a log). */
const originalNames = new Map<string, string>();

export function runPffexport(file: string, work: string, codePage?: string): PffExport {
	mkdirSync(work, {recursive: true});
	const target = join(work, 'out');
	const logFile = join(work, 'pffexport.log');
	const args = ['-q', '-d', '-m', 'items', '-f', 'all', '-l', logFile, '-t', target, ...(codePage === undefined ? [] : ['-c', codePage]), file];
	const run = spawnSync('pffexport', args, {encoding: 'utf8', maxBuffer: 64 * 1024 * 1024});
	if (run.status !== 0) throw new Error(`pffexport ${args.join(' ')} failed (${run.status}): ${run.stdout}${run.stderr}`);
	const root = `${target}.export`;
	const log = readFileSync(logFile, 'utf8');
	const rel = (path: string): string => relative(root, path).split(sep).join('/');

	const folders = new Map<string, number>();
	const items: PffItem[] = [];
	const skipped: string[] = [];
	const lines = log.split('\n');
	// "Saving attachment with filename: X as: <n>_Y": pffexport replaces some characters ('@' → '_'); keep X.
	const attachmentDirs: string[] = [];
	for (const line of lines) {
		const dir = /^Created directory: (.*\/Attachments)\.$/.exec(line);
		if (dir !== null) attachmentDirs.push(dir[1]!);
		const saved = /^Saving attachment with filename: (.*) as: (.*)$/.exec(line);
		if (saved === null) continue;
		const where = attachmentDirs.findLast((d) => existsSync(join(d, saved[2]!)) && !originalNames.has(join(d, saved[2]!)));
		if (where !== undefined) originalNames.set(join(where, saved[2]!), saved[1]!);
	}
	for (let i = 0; i < lines.length; i++) {
		const line = lines[i]!;
		const processing = /^Processing ([a-z ]+): \d+ \(identifier: (\d+)\) in path: (.*)\/$/.exec(line);
		if (processing !== null) {
			const [, type, nid, parent] = processing as unknown as [string, string, string, string];
			const created = /^Created directory: (.*)\.$/.exec(lines.slice(i + 1, i + 4).find((l) => l.startsWith('Created directory: ')) ?? '');
			if (created === null) continue;
			const dir = created[1]!;
			if (type === 'folder') folders.set(rel(dir), Number(nid));
			else if (!rel(parent).split('/').includes('Attachments')) items.push(readItem(dir, Number(nid), type, rel(parent)));
			continue;
		}
		const skip = /^Skipped export of item: \d+ out of: \d+ of type: (.*) \(0x[0-9a-f]+\)\.$/.exec(line);
		if (skip !== null) skipped.push(skip[1]!);
	}
	return {folders, items, skipped, log};
}

function readItem(dir: string, nid: number, type: string, folder: string): PffItem {
	const text = (name: string): string | undefined => (existsSync(join(dir, name)) ? readFileSync(join(dir, name), 'utf8') : undefined);
	const outlookHeaders = new Map<string, string>();
	for (const line of (text('OutlookHeaders.txt') ?? '').split('\n')) {
		const match = /^([^:\t]+):\t+(.*)$/.exec(line);
		if (match !== null) outlookHeaders.set(match[1]!, match[2]!);
	}
	const values = itemValues(join(dir, 'ItemValues.txt'));
	const uint = (tag: number): number | undefined => {
		const value = values.get(tag);
		return value !== undefined && value.type === 0x03 && value.bytes.length === 4 ? value.bytes.readUInt32LE(0) : undefined;
	};
	return {
		nid, type, folder, dir,
		messageClass: stringValue(values.get(0x001a)),
		subject: outlookHeaders.get('Subject'),
		outlookHeaders,
		internetHeaders: text('InternetHeaders.txt'),
		internetMessageId: stringValue(values.get(0x1035)),
		codePage: uint(0x3ffd),
		localeId: uint(0x3ff1),
		attachments: readAttachments(join(dir, 'Attachments')),
	};
}

function readAttachments(dir: string): PffAttachments {
	const files: string[] = [];
	const embedded: PffItem[] = [];
	if (!existsSync(dir)) return {files, embedded};
	for (const name of readdirSync(dir).sort()) {
		const path = join(dir, name);
		if (statSync(path).isDirectory()) {
			// Attachment0000n/Message00001 (the embedded message; its node id is not needed).
			for (const inner of readdirSync(path).sort()) embedded.push(readItem(join(path, inner), 0, 'email', ''));
			continue;
		}
		const match = /^\d+_(.*)$/s.exec(name);
		if (match === null) continue; // ItemValues.txt of the attachments table (-d)
		// "Missing attachment filename defaulting to: <n>_Attachment.txt": pffexport made the name up.
		const original = match[1] === 'Attachment.txt' ? '' : (originalNames.get(path) ?? match[1]!);
		files.push(`${original} ${sha256(readFileSync(path))}`);
	}
	return {files: files.sort(), embedded};
}

type Value = {type: number; bytes: Buffer};

/** ItemValues.txt (set 0 only): property tag → type and bytes, from pffexport's hex dump. */
function itemValues(path: string): Map<number, Value> {
	const values = new Map<number, Value>();
	if (!existsSync(path)) return values;
	let set = -1;
	let current: Value | undefined;
	for (const line of readFileSync(path, 'latin1').split('\n')) {
		const setMatch = /^Set:\s+(\d+)/.exec(line);
		if (setMatch !== null) set = Number(setMatch[1]);
		const entry = /^Entry type:\s+0x([0-9a-f]{8})/.exec(line);
		if (entry !== null) {
			current = {type: 0, bytes: Buffer.alloc(0)};
			if (set === 0) values.set(Number.parseInt(entry[1]!, 16) & 0xffff, current);
			continue;
		}
		const valueType = /^Value type:\s+0x([0-9a-f]{8})/.exec(line);
		if (valueType !== null && current !== undefined) current.type = Number.parseInt(valueType[1]!, 16);
		const hex = /^0x[0-9a-f]{8}: (.{1,49})/.exec(line);
		if (hex !== null && current !== undefined) {
			const bytes = hex[1]!.split(/\s+/).filter((t) => /^[0-9a-f]{2}$/.test(t)).map((t) => Number.parseInt(t, 16));
			current.bytes = Buffer.concat([current.bytes, Buffer.from(bytes)]);
		}
	}
	return values;
}

function stringValue(value: Value | undefined): string | undefined {
	if (value === undefined) return undefined;
	const text = value.type === 0x1f ? value.bytes.toString('utf16le') : value.type === 0x1e ? iconv.decode(value.bytes, 'windows-1252') : undefined;
	return text?.replace(/\0+$/, '');
}

export function sha256(bytes: Uint8Array): string {
	return createHash('sha256').update(bytes).digest('hex').slice(0, 16);
}
