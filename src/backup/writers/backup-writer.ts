/**
 * BackupWriter: stores one folder's messages in one output format (STYLE rule 2: a small interface, one
 * implementation per format). The backup engine owns ordering, progress and resume decisions; a writer only
 * knows its layout on disk.
 *
 * Contract for implementations:
 * - Every file is written with tmp + fsync + rename (durable-file.ts); `sync()` fsyncs the directories so that
 *   renames are durable, and is called before the engine records the messages as done.
 * - File names are deterministic (backup-layout.ts). A one-file-per-message writer that finds the file it
 *   would write already there with the same size and SHA-256 keeps it (`reused`: never rewritten) and only
 *   corrects its mtime.
 * - `write` throws fs errors classified (classify-fs-error.ts). Not concurrency-safe: one message at a time.
 * - `abandon()` releases handles after a stop; what was written stays for the next run (or is cleaned by it).
 */
import type {BackupFormat, FolderPlacement} from '../backup-layout.js';
import type {BackupItem} from '../backup-source.js';
import type {ManifestFile} from '../manifest.js';

/** Where one message went. */
export type WriteResult = Readonly<{
	/** Relative path of the file that holds the message. */
	path: string;
	/** The file was already there with these bytes and was kept. */
	reused: boolean;
	offset?: number;
	length?: number;
	mboxAddedLineEnd?: true;
	flagsNotInName?: readonly string[];
}>;

/** What a finished folder adds to the manifest. */
export type FolderFinish = Readonly<{
	/** The folder's single file (mbox). */
	file?: Readonly<{size: number; sha256: string}>;
	/** Other files of the folder (dovecot-keywords). */
	files: readonly ManifestFile[];
}>;

/** Writes one folder; obtained from BackupWriter.openFolder, used for one folder pass. */
export interface FolderWriter {
	/** Stores one message whose content has SHA-256 `sha256`. */
	write(item: BackupItem, sha256: string): Promise<WriteResult>;
	/** Makes everything written so far durable. */
	sync(): Promise<void>;
	/** Completes the folder (mbox: renames the finished file into place). */
	finish(): Promise<FolderFinish>;
	/** Stops without finishing. Idempotent. */
	abandon(): Promise<void>;
}

/** One output format (see the file header). */
export interface BackupWriter {
	readonly format: BackupFormat;
	/** True: a folder interrupted mid-way continues where it stopped. False (mbox): it is written again. */
	readonly resumesWithinFolder: boolean;
	/** Creates the folder's directories and returns its writer. Throws classified fs errors. */
	openFolder(placement: FolderPlacement): Promise<FolderWriter>;
}

/** Options shared by the writers. */
export type WriterOptions = Readonly<{
	/** Absolute backup directory. */
	out: string;
	/** Maildir info separator: ':' (standard) or ';' (Windows). @default ':' */
	maildirInfoSeparator?: ':' | ';';
}>;
