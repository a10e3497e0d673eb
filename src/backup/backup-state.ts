/**
 * The working state of an unfinished backup, in `<out>/.mailshift-backup/` (a dot-directory: the Maildir and
 * mbox readers skip it). It is removed once the manifest is written, so "state present, no manifest" means
 * "interrupted: run again to continue".
 *
 * - `state.json`: what this backup is (format, source, options) so that a resume with other arguments is refused.
 * - `lock`: one run at a time (journal/lockfile.ts: O_EXCL; a dead process's lock on this host is taken over).
 * - `progress/<id>.ndjson`, one per folder (`id` = SHA-256 of the folder path): the partial manifest. One JSON
 *   line per message written, skipped or failed, appended as it happens and fsynced at each checkpoint, after
 *   the files it names were fsynced. A torn last line (crash) is ignored. When the folder is finished, the file
 *   is rewritten (atomically) with exactly that pass's lines and a final `done` line. Memory: one folder's lines.
 * - `previous-manifest.json`: the manifest of the complete backup that `--force` is refreshing; files it lists
 *   that the new backup no longer has are deleted at the end (nothing else is ever deleted).
 */
import {createHash} from 'node:crypto';
import {readFile, rm, stat} from 'node:fs/promises';
import type {FileHandle} from 'node:fs/promises';
import {join} from 'node:path';
import type {BackupFormat} from './backup-layout.js';
import {writeFileDurably} from './durable-file.js';
import {makePrivateDir, openPrivateFile} from './private-tree.js';
import {Lockfile} from '../journal/lockfile.js';
import type {ManifestFile, ManifestFolder, ManifestMessage, ManifestProblem, ManifestSkip, SourceKindName} from './manifest.js';

/** Name of the working-state directory inside a backup being written. */
export const STATE_DIR = '.mailshift-backup';

/** `state.json`: what the unfinished backup is, checked before resuming. */
export type BackupStateFile = Readonly<{
	stateVersion: 1;
	format: BackupFormat;
	source: Readonly<{kind: SourceKindName; location: string}>;
	includeTrashed: boolean;
	startedAt: string;
	toolVersion: string;
}>;

/** One line of a folder's progress file: m(essage), s(kipped), f(ailed), w(arning), x (extra file), done. */
export type ProgressLine =
	| ({t: 'm'} & ManifestMessage)
	| ({t: 's'} & ManifestSkip)
	| ({t: 'f'} & ManifestProblem)
	| ({t: 'w'} & ManifestProblem)
	| ({t: 'x'} & ManifestFile)
	| {t: 'done'; folder: ManifestFolder};

/** Handle on `<out>/.mailshift-backup/`. Not concurrency-safe across processes except through `lock()`. */
export class BackupState {
	readonly dir: string;
	readonly #out: string;
	#lock: Lockfile | undefined;

	constructor(out: string) {
		this.#out = out;
		this.dir = join(out, STATE_DIR);
	}

	get statePath(): string {
		return join(this.dir, 'state.json');
	}

	get previousManifestPath(): string {
		return join(this.dir, 'previous-manifest.json');
	}

	async exists(): Promise<boolean> {
		try {
			return (await stat(this.statePath)).isFile();
		} catch {
			return false;
		}
	}

	async read(): Promise<BackupStateFile | undefined> {
		try {
			const data = JSON.parse(await readFile(this.statePath, 'utf8')) as BackupStateFile;
			return data.stateVersion === 1 ? data : undefined;
		} catch {
			return undefined;
		}
	}

	async write(state: BackupStateFile): Promise<void> {
		await makePrivateDir(this.#out, join(this.dir, 'progress'));
		await writeFileDurably(this.statePath, `${this.statePath}.tmp`, Buffer.from(JSON.stringify(state, null, '\t') + '\n'));
	}

	/**
	 * Takes the lock (creating the state directory).
	 * @throws MailshiftError JOURNAL_LOCKED when another live run writes this backup.
	 */
	async lock(): Promise<void> {
		await makePrivateDir(this.#out, this.dir);
		this.#lock = Lockfile.acquire(join(this.dir, 'lock'), undefined, 'is writing to this backup directory');
	}

	unlock(): void {
		this.#lock?.release();
		this.#lock = undefined;
	}

	/** Removes the whole state directory (after the manifest is written, or for a fresh start). */
	async remove(): Promise<void> {
		this.#lock = undefined; // its file goes with the directory
		await rm(this.dir, {recursive: true, force: true});
	}

	/** The progress file of one folder. */
	progressPath(label: string): string {
		return join(this.dir, 'progress', `${createHash('sha256').update(label, 'utf8').digest('hex').slice(0, 24)}.ndjson`);
	}

	/** A folder's recorded lines (torn or foreign lines skipped); empty when it has none. */
	async loadProgress(label: string): Promise<ProgressLine[]> {
		let text: string;
		try {
			text = await readFile(this.progressPath(label), 'utf8');
		} catch {
			return [];
		}
		const lines: ProgressLine[] = [];
		for (const line of text.split('\n')) {
			if (!line) continue;
			try {
				const value = JSON.parse(line) as ProgressLine;
				if (typeof value === 'object' && value !== null && typeof value.t === 'string') lines.push(value);
			} catch {
				// a line torn by a crash: what it described is checked again
			}
		}
		return lines;
	}

	/** Opens a folder's progress file for appending (creating it). */
	async openProgress(label: string): Promise<ProgressWriter> {
		await makePrivateDir(this.#out, join(this.dir, 'progress'));
		const path = this.progressPath(label);
		return new ProgressWriter(path, await openPrivateFile(path, 'a'));
	}

	/** Replaces a folder's progress with `lines` atomically (the finished folder's pass, ending with `done`). */
	async rewriteProgress(label: string, lines: readonly ProgressLine[]): Promise<void> {
		await makePrivateDir(this.#out, join(this.dir, 'progress'));
		const path = this.progressPath(label);
		await writeFileDurably(path, `${path}.tmp`, Buffer.from(lines.map((l) => JSON.stringify(l) + '\n').join('')));
	}
}

/** Appends progress lines; `sync()` makes them durable. Not idempotent (each call appends). */
export class ProgressWriter {
	readonly path: string;
	readonly #file: FileHandle;
	#pending: string[] = [];

	constructor(path: string, file: FileHandle) {
		this.path = path;
		this.#file = file;
	}

	append(line: ProgressLine): void {
		this.#pending.push(JSON.stringify(line) + '\n');
	}

	/** Writes the appended lines and fsyncs the file. */
	async sync(): Promise<void> {
		if (this.#pending.length > 0) {
			const text = this.#pending.join('');
			this.#pending = [];
			await this.#file.write(text);
		}
		await this.#file.sync();
	}

	async close(): Promise<void> {
		await this.#file.close();
	}
}
