/**
 * Folder names → directory and file names that are safe on every OS (pure: no I/O).
 *
 * Folder names come from the source (a PST, an IMAP server, a Maildir) and can hold anything: `../../etc`,
 * `a/b`, `CON`, `name.`, 300 characters, control characters. A backup writes them as paths, so each name is
 * made into one safe path segment, and the manifest keeps the original (ARCHITECTURE "Fidelity").
 *
 * Rules for one segment (`safeSegment`), in order:
 * 1. Characters that are not safe in a file name on some OS are written `%XX` (their UTF-8 bytes, upper-case
 *    hex): C0/C1 control characters and DEL; `< > : " / \ | ? *` (Windows; `/` everywhere); `%` itself, so the
 *    encoding can be undone; invisible and bidi-control characters (U+200B–U+200F, U+202A–U+202E,
 *    U+2060–U+2064, U+2066–U+206F, U+FEFF), which make names lie about themselves. A lone UTF-16 surrogate
 *    (not representable in UTF-8) is written as U+FFFD's bytes, `%EF%BF%BD`.
 * 2. Trailing dots and spaces (Windows drops them silently) and a leading dot (`.` and `..` are path
 *    traversal; a leading dot hides the name on Unix and makes a Maildir++ folder of it) are written `%2E`/`%20`.
 * 3. Windows device names, also with an extension or trailing spaces before it (`CON`, `con.txt`, `NUL .x`;
 *    CON PRN AUX NUL COM0–9 LPT0–9 COM¹²³ LPT¹²³ CONIN$ CONOUT$ CLOCK$; learn.microsoft.com "Naming Files,
 *    Paths, and Namespaces"), and names the layout reserves (`isReserved`: `cur`, `new`, `tmp` for a Maildir,
 *    `manifest.json` at the top) get their first character encoded: `CON` → `%43ON`.
 * 4. A name shaped like a Windows 8.3 alias (`PROGRA~1`) gets its `~` encoded: on a volume with short names,
 *    opening it could open another folder's directory.
 * 5. An empty name becomes `_`.
 * 6. A segment longer than `maxSegmentBytes` UTF-8 bytes (default 120: room for `.mbox`, `.sbd` and clash
 *    suffixes below the 255-byte limit of every common file system) is cut at a character boundary (never
 *    inside a `%XX`) and ends with `~` + 8 hex digits of the SHA-256 of the original name, so that two long
 *    names with the same beginning stay apart.
 *
 * Clashes (`planSafePaths`): file systems that ignore case (Windows, macOS) or Unicode normalization (macOS)
 * would merge `Work` and `work`, or NFC and NFD `é`. Sibling segments are compared NFC-normalized and lower-
 * cased; the siblings are taken in code-unit order of their original names, the first keeps its segment and
 * each later one gets ` (2)`, ` (3)` … (shortened to fit). The result is the same on every machine.
 *
 * Not limited: the depth and total length of a path (deep trees on Windows need long-path support enabled).
 */
import {createHash} from 'node:crypto';

/** Layout-specific rules on top of the portable ones. */
export type SafePathOptions = Readonly<{
	/** Longest segment in UTF-8 bytes, suffixes included. @default 120 */
	maxSegmentBytes?: number;
	/**
	 * True when the layout uses this name itself at this depth (0 = top level), e.g. `cur` inside a Maildir.
	 * Receives the NFC, lower-cased name after rules 1–2. Such a name gets its first character encoded.
	 * @default none reserved
	 */
	isReserved?: (lowerName: string, depth: number) => boolean;
	/**
	 * True when a reader of this layout would decode the name (a Maildir reader decodes modified UTF-7, so
	 * `Tom&-Jerry` would come back as `Tom&Jerry`); then every `&` is encoded (`%26`). @default never
	 */
	isDecodedOnRead?: (name: string) => boolean;
}>;

/** One planned folder: its original name and the safe segments it is written under. */
export type SafeFolderPath = Readonly<{name: readonly string[]; segments: readonly string[]}>;

/** Default segment length limit in UTF-8 bytes (rule 6). */
export const DEFAULT_MAX_SEGMENT_BYTES = 120;
/** Fewest bytes a segment may be limited to: room for the hash suffix and a character. */
const MIN_SEGMENT_BYTES = 32;

const UNSAFE_ASCII = new Set(['<', '>', ':', '"', '/', '\\', '|', '?', '*', '%']);
const DEVICE_NAMES = new Set([
	'CON', 'PRN', 'AUX', 'NUL', 'CONIN$', 'CONOUT$', 'CLOCK$',
	...['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '¹', '²', '³'].flatMap((d) => [`COM${d}`, `LPT${d}`]),
]);
/** Windows 8.3 alias: up to 6 characters, `~`, digits, optional extension of up to 3 characters. */
const SHORT_NAME_ALIAS = /^[^.~]{1,6}~[0-9]{1,6}(?:\.[^.]{0,3})?$/;

function isUnsafeCodePoint(cp: number): boolean {
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)
		|| (cp >= 0x200b && cp <= 0x200f) || (cp >= 0x202a && cp <= 0x202e)
		|| (cp >= 0x2060 && cp <= 0x2064) || (cp >= 0x2066 && cp <= 0x206f) || cp === 0xfeff;
}

function percent(text: string): string {
	return [...Buffer.from(text, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
}

/** Rules 1–5 as a list of tokens (one per source character; a token is the character or its `%XX` form). */
function encodeTokens(name: string, depth: number, options: SafePathOptions): string[] {
	const tokens: string[] = [];
	const encodeAmpersand = options.isDecodedOnRead?.(name) ?? false;
	for (let i = 0; i < name.length; i++) {
		const unit = name.charCodeAt(i);
		let char = name[i] ?? '';
		if (unit >= 0xd800 && unit <= 0xdbff) {
			const next = name.charCodeAt(i + 1);
			if (next >= 0xdc00 && next <= 0xdfff) {
				tokens.push(name.slice(i, i + 2));
				i++;
				continue;
			}
			char = '\ufffd';
		} else if (unit >= 0xdc00 && unit <= 0xdfff) {
			char = '\ufffd';
		}
		const isLoneSurrogate = char !== name[i];
		const unsafe = isLoneSurrogate || UNSAFE_ASCII.has(char) || isUnsafeCodePoint(unit) || (encodeAmpersand && char === '&');
		tokens.push(unsafe ? percent(char) : char);
	}
	if (tokens.length === 0) return ['_'];
	for (let i = tokens.length - 1; i >= 0 && (tokens[i] === '.' || tokens[i] === ' '); i--) tokens[i] = percent(tokens[i] ?? '');
	if (tokens[0] === '.') tokens[0] = '%2E';

	const joined = tokens.join('');
	const stem = (joined.split('.')[0] ?? '').replace(/ +$/, '').toUpperCase();
	const lower = joined.normalize('NFC').toLowerCase();
	const first = tokens[0] ?? '';
	if (!first.startsWith('%') && (DEVICE_NAMES.has(stem) || (options.isReserved?.(lower, depth) ?? false))) tokens[0] = percent(first);
	if (SHORT_NAME_ALIAS.test(tokens.join(''))) {
		for (let i = 0; i < tokens.length; i++) if (tokens[i] === '~') tokens[i] = '%7E';
	}
	return tokens;
}

/**
 * Joins tokens + suffix within `max` UTF-8 bytes, dropping whole tokens from the end (never half a `%XX`).
 * The suffix ends the name, so a dot or space left at the cut is not trailing.
 */
function fit(tokens: readonly string[], suffix: string, max: number): string {
	const budget = max - Buffer.byteLength(suffix, 'utf8');
	let out = '';
	let bytes = 0;
	for (const token of tokens) {
		const size = Buffer.byteLength(token, 'utf8');
		if (bytes + size > budget) break;
		out += token;
		bytes += size;
	}
	return out + suffix;
}

function maxBytes(options: SafePathOptions): number {
	return Math.max(MIN_SEGMENT_BYTES, options.maxSegmentBytes ?? DEFAULT_MAX_SEGMENT_BYTES);
}

function hashSuffix(name: string): string {
	return '~' + createHash('sha256').update(name, 'utf8').digest('hex').slice(0, 8);
}

/**
 * The safe segment for one folder name at `depth` (rules 1–6, no clash resolution). Pure and total: never
 * throws, always returns a non-empty segment of at most `maxSegmentBytes` UTF-8 bytes.
 */
export function safeSegment(name: string, depth = 0, options: SafePathOptions = {}): string {
	return segmentFor(name, encodeTokens(name, depth, options), 1, maxBytes(options));
}

/** The segment for a name's `n`-th clash candidate (n = 1: no clash suffix). */
function segmentFor(name: string, tokens: readonly string[], n: number, max: number): string {
	const whole = tokens.join('');
	const isLong = Buffer.byteLength(whole, 'utf8') > max;
	if (!isLong && n === 1) return whole;
	return fit(tokens, (isLong ? hashSuffix(name) : '') + (n > 1 ? ` (${n})` : ''), max);
}

/** The key under which two sibling segments are the same on a case- or normalization-insensitive disk. */
export function clashKey(segment: string): string {
	return segment.normalize('NFC').toLowerCase();
}

type Node = {readonly name: string; readonly children: Map<string, Node>; segment: string};

/**
 * Safe segments for every folder path, clashes resolved (see the file header). Intermediate levels that are
 * not folders themselves (`Archive` for `Archive/2019`) are resolved too, so a child always lands below its
 * parent's segment. Returns one entry per input path, in input order. Pure and deterministic: the result
 * does not depend on the order of `paths`.
 */
export function planSafePaths(paths: readonly (readonly string[])[], options: SafePathOptions = {}): SafeFolderPath[] {
	const root: Node = {name: '', children: new Map(), segment: ''};
	for (const path of paths) {
		let node = root;
		for (const name of path) {
			let child = node.children.get(name);
			if (!child) {
				child = {name, children: new Map(), segment: ''};
				node.children.set(name, child);
			}
			node = child;
		}
	}
	const max = maxBytes(options);
	const resolveLevel = (parent: Node, depth: number): void => {
		const taken = new Set<string>();
		const siblings = [...parent.children.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
		for (const child of siblings) {
			const tokens = encodeTokens(child.name, depth, options);
			let segment = segmentFor(child.name, tokens, 1, max);
			for (let n = 2; taken.has(clashKey(segment)); n++) segment = segmentFor(child.name, tokens, n, max);
			taken.add(clashKey(segment));
			child.segment = segment;
			resolveLevel(child, depth + 1);
		}
	};
	resolveLevel(root, 0);
	return paths.map((path) => {
		const segments: string[] = [];
		let node = root;
		for (const name of path) {
			node = node.children.get(name) ?? node;
			segments.push(node.segment);
		}
		return {name: path, segments};
	});
}

/**
 * Undoes rule 1's `%XX` encoding, for display. Not the inverse of `safeSegment` in general (cut names, clash
 * suffixes): the manifest is the authority on original names.
 */
export function decodeSegment(segment: string): string {
	try {
		return decodeURIComponent(segment);
	} catch {
		return segment;
	}
}

/**
 * True when `relative` is a path a backup may name: '/'-separated, relative (no leading '/', no drive letter
 * `C:`), every segment non-empty and not `.` or `..`, no backslash or control character. A ':' elsewhere is
 * allowed (Maildir info, `:2,S`). `verify` and the cleanup of stale files check every path from a manifest or
 * progress file with it before touching the disk, so a tampered manifest cannot reach outside the backup.
 */
export function isSafeRelativePath(relative: string): boolean {
	if (relative.length === 0 || relative.startsWith('/') || /^[A-Za-z]:/.test(relative)) return false;
	if (/[\\\x00-\x1f\x7f]/.test(relative)) return false;
	return relative.split('/').every((segment) => segment !== '' && segment !== '.' && segment !== '..');
}
