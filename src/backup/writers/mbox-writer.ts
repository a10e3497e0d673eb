/**
 * Writes a folder as one mbox file (`Name.mbox`, subfolders in `Name.sbd/`), in mboxrd form (qmail mbox(5)):
 * each message is `From MAILER-DAEMON <asctime INTERNALDATE, UTC>` CRLF, the message with every line that
 * matches `^>*From ` given one more `>`, and an empty line. mailshift's splitter (readers/mbox/mbox-splitter.ts
 * rules 1–3) reads exactly the message back: it removes one `>` from such lines and the one line end before
 * the next From_ line. A message that does not end with a line break cannot be stored exactly in mbox: one
 * CRLF is added and the manifest says so (`mboxAddedLineEnd`).
 *
 * mbox cannot carry IMAP flags without adding headers (which would change the bytes): flags are in the
 * manifest only. The INTERNALDATE is in the From_ line.
 *
 * Atomicity and resume: the file is written as `.<name>.<pid>.mailshift-tmp` and renamed into place when the
 * folder is complete, so a folder file is either the whole folder or absent. A folder interrupted mid-way is
 * written again from its first message (`resumesWithinFolder` false); finished folders are kept.
 */
import {createHash} from 'node:crypto';
import type {Hash} from 'node:crypto';
import {readdir, rename, rm} from 'node:fs/promises';
import type {FileHandle} from 'node:fs/promises';
import {dirname, join} from 'node:path';
import type {FolderPlacement} from '../backup-layout.js';
import type {BackupItem} from '../backup-source.js';
import type {BackupWriter, FolderFinish, FolderWriter, WriteResult} from './backup-writer.js';
import {classifyFsError} from '../classify-fs-error.js';
import {fsyncDirectory} from '../durable-file.js';
import {makePrivateDir, openPrivateFile} from '../private-tree.js';

const TMP_SUFFIX = '.mailshift-tmp';
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** asctime(3) form in UTC, as From_ lines carry it (RFC 4155 App. A): `Mon Feb  7 22:43:04 1994`. */
export function asctime(date: Date): string {
	const p = (n: number): string => String(n).padStart(2, '0');
	return `${DAYS[date.getUTCDay()]} ${MONTHS[date.getUTCMonth()]} ${String(date.getUTCDate()).padStart(2, ' ')} ${p(date.getUTCHours())}:${p(date.getUTCMinutes())}:${p(date.getUTCSeconds())} ${date.getUTCFullYear()}`;
}

/** One mboxrd record for `content` (see the file header). Pure. */
export function encodeMboxRecord(content: Buffer, date: Date): {record: Buffer; addedLineEnd: boolean} {
	const head = Buffer.from(`From MAILER-DAEMON ${asctime(date)}\r\n`, 'latin1');
	// mboxrd: every ^>*From line gets one more '>' (latin1 keeps every byte as one char).
	const body = Buffer.from(content.toString('latin1').replace(/^(>*From )/gm, '>$1'), 'latin1');
	const addedLineEnd = content.length === 0 || content[content.length - 1] !== 0x0a;
	return {record: Buffer.concat([head, body, Buffer.from(addedLineEnd ? '\r\n\r\n' : '\r\n', 'latin1')]), addedLineEnd};
}

/** The message in a record written by `encodeMboxRecord`, or undefined when `record` is not one. Pure. */
export function decodeMboxRecord(record: Buffer, addedLineEnd: boolean): Buffer | undefined {
	if (record.subarray(0, 5).toString('latin1') !== 'From ') return undefined;
	const firstLf = record.indexOf(0x0a);
	if (firstLf < 0) return undefined;
	let end = record.length;
	for (let i = 0; i < (addedLineEnd ? 2 : 1); i++) {
		if (end >= firstLf + 3 && record[end - 1] === 0x0a && record[end - 2] === 0x0d) end -= 2;
		else if (end >= firstLf + 2 && record[end - 1] === 0x0a) end -= 1;
		else return undefined;
	}
	const body = record.subarray(firstLf + 1, end);
	return Buffer.from(body.toString('latin1').replace(/^>(>*From )/gm, '$1'), 'latin1');
}

/** The `mbox` format (a folder is written whole or again). */
export class MboxWriter implements BackupWriter {
	readonly format = 'mbox';
	readonly resumesWithinFolder = false;
	readonly #out: string;

	constructor(out: string) {
		this.#out = out;
	}

	async openFolder(placement: FolderPlacement): Promise<FolderWriter> {
		const target = join(this.#out, ...placement.path.split('/'));
		const dir = dirname(target);
		const fileName = placement.path.split('/').pop() ?? '';
		const tmp = join(dir, `.${fileName}.${process.pid}${TMP_SUFFIX}`);
		try {
			await makePrivateDir(this.#out, dir);
			// Partial files of earlier, interrupted runs: this folder is written again from its start.
			for (const name of await readdir(dir)) if (name.startsWith(`.${fileName}.`) && name.endsWith(TMP_SUFFIX)) await rm(join(dir, name), {force: true});
			return new MboxFolderWriter(this.#out, placement.path, target, tmp, await openPrivateFile(tmp, 'w'));
		} catch (error) {
			throw classifyFsError(error, target, this.#out);
		}
	}
}

class MboxFolderWriter implements FolderWriter {
	readonly #out: string;
	readonly #path: string;
	readonly #target: string;
	readonly #tmp: string;
	readonly #hash: Hash = createHash('sha256');
	#file: FileHandle | undefined;
	#offset = 0;

	constructor(out: string, path: string, target: string, tmp: string, file: FileHandle) {
		this.#out = out;
		this.#path = path;
		this.#target = target;
		this.#tmp = tmp;
		this.#file = file;
	}

	async write(item: BackupItem): Promise<WriteResult> {
		const {record, addedLineEnd} = encodeMboxRecord(item.content, item.internalDate);
		try {
			if (!this.#file) throw new Error('mbox folder writer used after finish');
			await this.#file.write(record);
		} catch (error) {
			throw classifyFsError(error, this.#tmp, this.#out);
		}
		this.#hash.update(record);
		const offset = this.#offset;
		this.#offset += record.length;
		return {path: this.#path, reused: false, offset, length: record.length, ...(addedLineEnd ? {mboxAddedLineEnd: true} as const : {})};
	}

	async sync(): Promise<void> {
		// Nothing is relied on before the folder is complete (it is written again after an interruption).
	}

	async finish(): Promise<FolderFinish> {
		const file = this.#file;
		if (!file) throw new Error('mbox folder writer finished twice');
		this.#file = undefined;
		try {
			await file.sync();
			await file.close();
			await rename(this.#tmp, this.#target);
			await fsyncDirectory(dirname(this.#target));
		} catch (error) {
			throw classifyFsError(error, this.#target, this.#out);
		}
		return {file: {size: this.#offset, sha256: this.#hash.digest('hex')}, files: []};
	}

	async abandon(): Promise<void> {
		const file = this.#file;
		this.#file = undefined;
		await file?.close().catch(() => undefined);
		await rm(this.#tmp, {force: true}).catch(() => undefined);
	}
}
