/**
 * File and folder names as the file system stores them: bytes. The file-based readers (Maildir, mbox) and the
 * backup's tree digest list directories as Buffers and open files by those exact bytes, so a name that is not
 * valid UTF-8 (Latin-1 names from old Windows or Linux copies: `Entw\xfcrfe`, a Maildir++ `.\xff\xfebad`) is
 * read like any other. Node decodes string names as UTF-8 with U+FFFD for invalid bytes, and such a string
 * names no file (ENOENT): that silently lost folders and messages (issue #12 item 1).
 *
 * Contract:
 * - `decodeName` is the one rule for showing and mapping a name: UTF-8 when the bytes are valid UTF-8 (then the
 *   result is exactly what Node's string APIs give, so folder labels and journal keys of such names never
 *   change); otherwise Windows-1252 (CP1252, the WHATWG "windows-1252" decoder, a superset of Latin-1 for
 *   printable text: every byte maps to one character, nothing is replaced or lost). No replacement characters
 *   are ever produced. A name that is CP1252 in one folder and UTF-8 beside it can decode to the same text;
 *   the readers then treat the two as one folder (Maildir) or rename the later one (mbox), as for any two
 *   names that map to one folder.
 * - `rawKeySuffix` keeps a non-UTF-8 name's exact bytes in an identity key (`/` + hex): `/` cannot occur in a
 *   file name, so such a key never equals the key of a valid UTF-8 name.
 * - Paths are joined with `/` (POSIX; Windows accepts `/` too, and Windows names are UTF-16, so never invalid
 *   here). `displayPath` decodes each segment on its own, so one bad segment does not garble the others.
 */
import {isUtf8} from 'node:buffer';
import type {Dirent} from 'node:fs';
import {promises as fs} from 'node:fs';

const SLASH = 0x2f;
/**
 * Windows-1252 for 0x80–0x9F (WHATWG encoding index "windows-1252"; the five undefined bytes map to the C1
 * control of the same value, as WHATWG does). Written out because Node 20's TextDecoder('windows-1252')
 * decodes as plain Latin-1 (0x80 → U+0080, not €). 0x00–0x7F and 0xA0–0xFF are Latin-1.
 */
const CP1252_HIGH = '€\x81‚ƒ„…†‡ˆ‰Š‹Œ\x8DŽ\x8F\x90‘’“”•–—˜™š›œ\x9DžŸ';

/** A directory entry with its exact name bytes and the name decoded by `decodeName`. */
export type RawDirent = Readonly<{
	raw: Buffer;
	name: string;
	isValidUtf8: boolean;
	isFile: boolean;
	isDirectory: boolean;
	isSymbolicLink: boolean;
}>;

/** True when `raw` is valid UTF-8 (and so decodes losslessly through Node's string APIs). */
export function isValidUtf8Name(raw: Buffer): boolean {
	return isUtf8(raw);
}

/** The name for display and folder mapping: UTF-8 if valid, else CP1252 (see the file header). Pure. */
export function decodeName(raw: Buffer): string {
	if (isUtf8(raw)) return raw.toString('utf8');
	let text = '';
	for (const byte of raw) text += byte >= 0x80 && byte <= 0x9f ? CP1252_HIGH[byte - 0x80] : String.fromCharCode(byte);
	return text;
}

/** '' for a valid UTF-8 name; otherwise `/` + the hex of its bytes, appended to keys built from the decoded name. */
export function rawKeySuffix(raw: Buffer): string {
	return isUtf8(raw) ? '' : `/${raw.toString('hex')}`;
}

/** The path bytes of a path given as text (a command-line argument, `path.resolve` output). */
export function rawPath(path: string): Buffer {
	return Buffer.from(path, 'utf8');
}

/** `dir` + `/` + each name, as bytes. */
export function joinRaw(dir: Buffer, ...names: ReadonlyArray<Buffer | string>): Buffer {
	const parts: Buffer[] = [dir];
	for (const name of names) {
		if (parts.length > 1 || dir.at(-1) !== SLASH) parts.push(Buffer.from('/'));
		parts.push(typeof name === 'string' ? Buffer.from(name, 'utf8') : name);
	}
	return Buffer.concat(parts);
}

/** A path for messages and reports: each segment decoded by `decodeName`. Pure. */
export function displayPath(raw: Buffer): string {
	if (isUtf8(raw)) return raw.toString('utf8');
	const segments: string[] = [];
	let start = 0;
	for (;;) {
		const slash = raw.indexOf(SLASH, start);
		segments.push(decodeName(raw.subarray(start, slash === -1 ? raw.length : slash)));
		if (slash === -1) break;
		start = slash + 1;
	}
	return segments.join('/');
}

/**
 * An entry whose name is valid UTF-8: its bytes are made from the name when asked for (issue #14: a Maildir
 * folder of 17,000 files listed as text takes half the time and memory of a Buffer per name, and a re-run with
 * nothing to do never needs the bytes of a file it does not open).
 */
class TextDirent implements RawDirent {
	readonly name: string;
	readonly isValidUtf8 = true;
	readonly isFile: boolean;
	readonly isDirectory: boolean;
	readonly isSymbolicLink: boolean;
	#raw: Buffer | undefined;

	constructor(entry: Dirent) {
		this.name = entry.name;
		this.isFile = entry.isFile();
		this.isDirectory = entry.isDirectory();
		this.isSymbolicLink = entry.isSymbolicLink();
	}

	get raw(): Buffer {
		this.#raw ??= Buffer.from(this.name, 'utf8');
		return this.#raw;
	}
}

/**
 * Lists `dir` by name bytes. Errors of `readdir` propagate (ENOENT, EACCES …). Listed as text first when the
 * directory's own path is UTF-8: Node decodes each name as UTF-8, with U+FFFD for bytes that are not; only when a
 * name holds U+FFFD (a name that is not UTF-8, or one that really holds that character) is the directory listed
 * again as bytes. The text listing is given the path as text: where the file system does not say an entry's type
 * (DT_UNKNOWN: XFS without ftype, some network and FUSE file systems) Node stats `path + name`, and cannot join a
 * Buffer path with a string name (ERR_INVALID_ARG_TYPE).
 */
export async function readDirRaw(dir: Buffer): Promise<RawDirent[]> {
	if (isUtf8(dir)) {
		const text = await fs.readdir(dir.toString('utf8'), {withFileTypes: true});
		if (!text.some((entry) => entry.name.includes('\uFFFD'))) return text.map((entry) => new TextDirent(entry));
	}
	const entries = (await fs.readdir(dir, {withFileTypes: true, encoding: 'buffer'})) as unknown as Array<Dirent<Buffer>>;
	return entries.map((entry) => {
		// Checked once per name (a Maildir folder lists every message file): decodeName would check it again.
		const isValidUtf8 = isUtf8(entry.name);
		return {
			raw: entry.name,
			name: isValidUtf8 ? entry.name.toString('utf8') : decodeName(entry.name),
			isValidUtf8,
			isFile: entry.isFile(),
			isDirectory: entry.isDirectory(),
			isSymbolicLink: entry.isSymbolicLink(),
		};
	});
}

/** Order of entries: by decoded name (code units, as before), then by bytes, so equal-looking names stay stable. */
export function compareEntries(a: Pick<RawDirent, 'raw' | 'name'>, b: Pick<RawDirent, 'raw' | 'name'>): number {
	return (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) || Buffer.compare(a.raw, b.raw);
}
