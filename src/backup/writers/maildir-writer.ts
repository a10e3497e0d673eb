/**
 * Writes a folder as a Maildir (cr.yp.to/proto/maildir.html) in Dovecot's "fs" layout: `<folder>/cur|new|tmp`.
 * Every message goes to `cur/` with its flags in the info suffix (`:2,` + letters in ASCII order: D F P R S T,
 * then keyword letters a–z), its mtime = INTERNALDATE (Dovecot keeps INTERNALDATE in the mtime; dovecot
 * maildir.rst), written in `tmp/` first and renamed into `cur/` (the Maildir delivery protocol).
 *
 * Keywords: the first 26 of a folder get letters through the folder's `dovecot-keywords` file ("N keyword"
 * lines; the file is written durably before any file name uses a new letter, and only ever appended to, so
 * letters in existing names keep their meaning on resume). Keywords beyond 26 stay in the manifest only
 * (`flagsNotInName`).
 */
import {readdir, readFile, rm} from 'node:fs/promises';
import {join} from 'node:path';
import type {FolderPlacement} from '../backup-layout.js';
import {dovecotKeywordsText, maildirFileName, maildirFlagLetters, maildirKeywords, maildirUniqueName, MAX_MAILDIR_KEYWORDS, parseDovecotKeywords} from '../backup-layout.js';
import type {BackupItem} from '../backup-source.js';
import type {BackupWriter, FolderFinish, FolderWriter, WriteResult} from './backup-writer.js';
import {classifyFsError} from '../classify-fs-error.js';
import {ensureMtime, fsyncDirectory, hasContent, hashFile, writeFileDurably} from '../durable-file.js';
import {makePrivateDir} from '../private-tree.js';

const TMP_SUFFIX = '.mailshift-tmp';
const KEYWORDS_FILE = 'dovecot-keywords';

/** The `maildir` format (resumes within a folder). Not concurrency-safe per folder. */
export class MaildirWriter implements BackupWriter {
	readonly format = 'maildir';
	readonly resumesWithinFolder = true;
	readonly #out: string;
	readonly #separator: ':' | ';';

	constructor(out: string, separator: ':' | ';') {
		this.#out = out;
		this.#separator = separator;
	}

	async openFolder(placement: FolderPlacement): Promise<FolderWriter> {
		const dir = join(this.#out, ...placement.segments);
		try {
			for (const sub of ['cur', 'new', 'tmp']) await makePrivateDir(this.#out, join(dir, sub));
			// Leftovers of an interrupted write: never renamed, so never part of the backup.
			for (const name of await readdir(join(dir, 'tmp'))) if (name.endsWith(TMP_SUFFIX)) await rm(join(dir, 'tmp', name), {force: true});
		} catch (error) {
			throw classifyFsError(error, dir, this.#out);
		}
		let keywords = new Map<string, number>();
		try {
			keywords = parseDovecotKeywords(await readFile(join(dir, KEYWORDS_FILE), 'utf8'));
		} catch {
			// none yet
		}
		return new MaildirFolderWriter(this.#out, placement, dir, this.#separator, keywords);
	}
}

class MaildirFolderWriter implements FolderWriter {
	readonly #out: string;
	readonly #placement: FolderPlacement;
	readonly #dir: string;
	readonly #separator: ':' | ';';
	readonly #keywords: Map<string, number>;
	readonly #copies = new Map<string, number>();

	constructor(out: string, placement: FolderPlacement, dir: string, separator: ':' | ';', keywords: Map<string, number>) {
		this.#out = out;
		this.#placement = placement;
		this.#dir = dir;
		this.#separator = separator;
		this.#keywords = keywords;
	}

	async write(item: BackupItem, sha256: string): Promise<WriteResult> {
		const notInName: string[] = [];
		const wanted = maildirKeywords(item.flags);
		if (wanted.some((k) => !this.#keywords.has(k))) {
			for (const keyword of wanted) {
				if (!this.#keywords.has(keyword) && this.#keywords.size < MAX_MAILDIR_KEYWORDS) this.#keywords.set(keyword, this.#nextIndex());
			}
			await this.#writeKeywords();
		}
		for (const keyword of wanted) if (!this.#keywords.has(keyword)) notInName.push(keyword);

		const size = item.content.length;
		const base = `${Math.floor(item.internalDate.getTime() / 1000)}.${sha256}`;
		const copy = (this.#copies.get(base) ?? 0) + 1;
		this.#copies.set(base, copy);
		const name = maildirFileName(maildirUniqueName(item.internalDate, sha256, size, copy), maildirFlagLetters(item.flags, this.#keywords), this.#separator);
		const target = join(this.#dir, 'cur', name);
		const path = [this.#placement.path, 'cur', name].join('/');
		try {
			let reused = false;
			if (await hasContent(target, size, sha256)) {
				await ensureMtime(target, item.internalDate);
				reused = true;
			} else {
				await writeFileDurably(target, join(this.#dir, 'tmp', `${name.replaceAll(this.#separator, '_')}.${process.pid}${TMP_SUFFIX}`), item.content, item.internalDate);
			}
			return {path, reused, ...(notInName.length > 0 ? {flagsNotInName: notInName} : {})};
		} catch (error) {
			throw classifyFsError(error, target, this.#out);
		}
	}

	async sync(): Promise<void> {
		await fsyncDirectory(join(this.#dir, 'cur'));
	}

	async finish(): Promise<FolderFinish> {
		await this.sync();
		if (this.#keywords.size === 0) return {files: []};
		const facts = await hashFile(join(this.#dir, KEYWORDS_FILE));
		return facts ? {files: [{path: `${this.#placement.path}/${KEYWORDS_FILE}`, size: facts.size, sha256: facts.sha256, role: 'dovecot-keywords'}]} : {files: []};
	}

	async abandon(): Promise<void> {
		// nothing open: every file is complete or was never renamed into cur/
	}

	#nextIndex(): number {
		const used = new Set(this.#keywords.values());
		for (let i = 0; i < MAX_MAILDIR_KEYWORDS; i++) if (!used.has(i)) return i;
		return MAX_MAILDIR_KEYWORDS;
	}

	async #writeKeywords(): Promise<void> {
		const text = dovecotKeywordsText([...this.#keywords.entries()]);
		const target = join(this.#dir, KEYWORDS_FILE);
		try {
			await writeFileDurably(target, join(this.#dir, 'tmp', `${KEYWORDS_FILE}.${process.pid}${TMP_SUFFIX}`), Buffer.from(text, 'utf8'));
			await fsyncDirectory(this.#dir);
		} catch (error) {
			throw classifyFsError(error, target, this.#out);
		}
	}
}
