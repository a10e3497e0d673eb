/**
 * Test helper: builds Maildir trees (or any small file tree) in a fresh directory under os.tmpdir().
 *
 * Contract: every call gets its own directory; `cleanup()` removes it and is idempotent. Nothing here is
 * Maildir-smart beyond `maildirDirs` and `sampleMessage`: tests spell out exact file names, so each edge
 * case (separators, flags, dot-folders) is visible in the test itself.
 */
import {promises as fs} from 'node:fs';
import {tmpdir} from 'node:os';
import {dirname, join} from 'node:path';

/** File content, optionally with a modification time (Maildir readers use mtime as delivery time). */
export type FileSpec = string | Buffer | Readonly<{content: string | Buffer; mtime?: Date}>;

/**
 * Relative path → file. A path ending in '/' with value `null` is an empty directory. Parents are created
 * as needed.
 */
export type TreeSpec = Readonly<Record<string, FileSpec | null>>;

export type TempTree = Readonly<{
	/** Absolute path of the tree's root directory. */
	root: string;
	/** Absolute path of `relative` inside the tree. */
	at: (relative: string) => string;
	/** Removes the tree. Idempotent. */
	cleanup: () => Promise<void>;
}>;

/**
 * Spec entries for the empty cur/, new/ (and by default tmp/) of a Maildir at `dir` ('' = the tree root).
 * @default options.tmp true
 */
export function maildirDirs(dir: string, options: Readonly<{tmp?: boolean}> = {}): TreeSpec {
	const prefix = dir === '' ? '' : `${dir}/`;
	const spec: Record<string, null> = {[`${prefix}cur/`]: null, [`${prefix}new/`]: null};
	if (options.tmp ?? true) spec[`${prefix}tmp/`] = null;
	return spec;
}

/** A small, valid RFC 5322 message with LF line ends. */
export function sampleMessage(subject: string, body = 'Hello.\n'): string {
	return [
		'From: Alice <alice@example.org>',
		'To: Bob <bob@example.org>',
		`Subject: ${subject}`,
		'Date: Mon, 07 Feb 1994 22:43:04 -0800',
		`Message-ID: <${subject.replace(/[^A-Za-z0-9]/g, '')}@example.org>`,
		'',
		body,
	].join('\n');
}

/** Creates a fresh temp directory and writes `spec` into it. */
export async function makeTree(spec: TreeSpec, prefix = 'mailshift-maildir-'): Promise<TempTree> {
	const root = await fs.mkdtemp(join(tmpdir(), prefix));
	const at = (relative: string): string => join(root, relative);
	const tree: TempTree = {root, at, cleanup: () => fs.rm(root, {recursive: true, force: true})};
	await writeTree(root, spec);
	return tree;
}

/** Writes `spec` below an existing directory `root`. */
export async function writeTree(root: string, spec: TreeSpec): Promise<void> {
	for (const [relative, file] of Object.entries(spec)) {
		const target = join(root, relative);
		if (file === null) {
			await fs.mkdir(target, {recursive: true});
			continue;
		}
		await fs.mkdir(dirname(target), {recursive: true});
		const isPlain = typeof file === 'string' || Buffer.isBuffer(file);
		await fs.writeFile(target, isPlain ? file : file.content);
		if (!isPlain && file.mtime !== undefined) await fs.utimes(target, file.mtime, file.mtime);
	}
}
