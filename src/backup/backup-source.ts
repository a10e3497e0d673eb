/**
 * BackupSource: what a backup reads. It yields, folder by folder, exactly what would be uploaded — the bytes,
 * flags and date — or why a message would not be (STYLE rule 2: a small interface; two implementations).
 *
 * - `StoreBackupSource`: any local store `openSource` opens (Maildir, mbox/Thunderbird, PST), each message
 *   passed through `mapMessage`, the migration's own mapper, so the backup holds the same bytes (CRLF), flags
 *   and INTERNALDATE the migration would send. Skips (trashed, expunged, not mail, empty) are yielded as skips.
 * - `ImapBackupSource` (imap-source.ts): the messages on an IMAP server as stored there.
 *
 * Non-mail items (PST contacts, calendar items, tasks, notes) arrive as skips with code NOT_MAIL and their
 * `itemKind`, and are listed in the manifest. Local stores are opened with `exportNonMail`, so such a skip also
 * carries the item as a vCard/iCalendar file (`export`), which the backup engine writes under `non-mail/`.
 */
import {stat} from 'node:fs/promises';
import type {NonMailExport, SourceRef} from '../contracts/types.js';
import {isSkip, mapMessage} from '../mapper/map-message.js';
import type {SourceKind} from '../readers/open-source.js';
import {openSource} from '../readers/open-source.js';
import type {ReaderProblem, SourceStore} from '../contracts/source-store.js';
import {folderLabel} from '../contracts/source-store.js';
import type {ManifestSource} from './manifest.js';
import {describeLocalSource} from './source-digest.js';

/** One message to write. */
export type BackupItem = Readonly<{
	type: 'message';
	ref: SourceRef;
	/** The exact bytes to store (what the migration would APPEND). */
	content: Buffer;
	flags: readonly string[];
	internalDate: Date;
	dateSource?: string;
	messageId?: string;
}>;

/** One message that is not backed up, and why (listed in the manifest). */
export type BackupSkip = Readonly<{type: 'skip'; ref: SourceRef; code: string; reason: string; itemKind?: string; export?: NonMailExport}>;

/** What `BackupSource.entries` yields. */
export type BackupEntry = BackupItem | BackupSkip;

/** One folder of a source, as `listFolders` returns it. */
export type BackupFolder = Readonly<{
	path: readonly string[];
	/** Messages, when known cheaply. */
	count?: number;
	/** IMAP UIDVALIDITY (string: it is a 32-bit unsigned number, kept exact). */
	uidValidity?: string;
}>;

/** The reader side of a backup (see the file header). Implementations: StoreBackupSource, ImapBackupSource. */
export interface BackupSource {
	readonly kind: ManifestSource['kind'];
	/** Absolute path, or imap(s)://user@host:port. */
	readonly location: string;
	/** Size/mtime/digest for the manifest. May read the whole source (a digest). */
	describe(signal?: AbortSignal): Promise<ManifestSource>;
	listFolders(signal?: AbortSignal): Promise<BackupFolder[]>;
	/**
	 * The folder's messages in a stable order, one at a time (at most one message's bytes held). Per-message
	 * read problems go to the `onProblem` the source was opened with; a folder that cannot be read throws a
	 * MailshiftError with disposition 'skip'; an aborted signal throws ABORTED.
	 */
	entries(folder: BackupFolder, signal?: AbortSignal): AsyncIterable<BackupEntry>;
	/**
	 * Optional: why the source could not be read to its end (a cut .pst), with the shortfall in numbers, or
	 * undefined when it was (SourceStore.incompleteness). Asked once all folders are read. Never throws.
	 */
	incompleteness?(): string | undefined;
	/** Idempotent. */
	close(): Promise<void>;
}

/** Options of a local store source. */
export type StoreBackupOptions = Readonly<{
	/** Back up Maildir-trashed messages too (with \Deleted), like `migrate --include-trashed`. @default false */
	includeTrashed: boolean;
	/** Where per-message read problems go. */
	onProblem?: (problem: ReaderProblem) => void;
	now?: () => number;
}>;

/** A local store, read through the migration's reader and mapper. */
export class StoreBackupSource implements BackupSource {
	readonly kind: SourceKind;
	readonly location: string;
	readonly #store: SourceStore;
	readonly #options: StoreBackupOptions;
	readonly #fallbackDate: Date;

	private constructor(store: SourceStore, fallbackDate: Date, options: StoreBackupOptions) {
		this.#store = store;
		this.kind = store.kind;
		this.location = store.location;
		this.#fallbackDate = fallbackDate;
		this.#options = options;
	}

	/**
	 * Opens the store at `path` (kind detected unless given). The fallback INTERNALDATE is the store's mtime,
	 * as in `migrate` (README "Received dates").
	 * @throws MailshiftError SOURCE_NOT_FOUND / SOURCE_UNREADABLE / NOT_A_MAIL_STORE (fatal), from openSource.
	 */
	static async open(path: string, kind: SourceKind | undefined, options: StoreBackupOptions): Promise<StoreBackupSource> {
		// CRLF lines from the reader where it can make them without a copy (a big mbox message in its own buffer):
		// the backup holds the CRLF bytes the migration would upload, so the mapper then has nothing to copy.
		const store = await openSource(path, kind, {exportNonMail: true, crlf: true, ...(options.onProblem ? {onProblem: options.onProblem} : {})});
		try {
			return new StoreBackupSource(store, (await stat(store.location)).mtime, options);
		} catch (error) {
			await store.close();
			throw error;
		}
	}

	/** Wraps an already open store (tests, `migrate --backup`). */
	static fromStore(store: SourceStore, fallbackDate: Date, options: StoreBackupOptions): StoreBackupSource {
		return new StoreBackupSource(store, fallbackDate, options);
	}

	describe(signal?: AbortSignal): Promise<ManifestSource> {
		return describeLocalSource(this.kind, this.location, signal);
	}

	async listFolders(signal?: AbortSignal): Promise<BackupFolder[]> {
		const folders = await this.#store.listFolders(signal);
		return folders.map((f) => (f.count === undefined ? {path: f.path} : {path: f.path, count: f.count}));
	}

	async *entries(folder: BackupFolder, signal?: AbortSignal): AsyncGenerator<BackupEntry> {
		const now = this.#options.now ?? Date.now;
		const label = folderLabel(folder.path);
		for await (const message of this.#store.messages({path: folder.path}, signal)) {
			const mapped = mapMessage(message, label, {includeTrashed: this.#options.includeTrashed, now: now(), fallbackDate: this.#fallbackDate});
			if (isSkip(mapped)) {
				yield {
					type: 'skip', ref: message.ref, code: mapped.code, reason: mapped.reason, ...(message.itemKind === undefined ? {} : {itemKind: message.itemKind}),
					...(message.nonMailExport === undefined ? {} : {export: message.nonMailExport}),
				};
				continue;
			}
			const {job} = mapped;
			yield {
				type: 'message', ref: job.ref, content: job.content, flags: job.flags, internalDate: job.internalDate, dateSource: job.dateSource,
				...(job.messageId === undefined ? {} : {messageId: job.messageId}),
			};
		}
	}

	incompleteness(): string | undefined {
		return this.#store.incompleteness?.();
	}

	close(): Promise<void> {
		return this.#store.close();
	}
}
