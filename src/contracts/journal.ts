/**
 * Journal: what happened to every source message of one migration, so that re-runs and crashes never
 * duplicate or lose a message (ARCHITECTURE §5; issue #4).
 *
 * The protocol the engine follows, and why it is enough for exactly-once:
 *   1. `begin(job)` records `pending` before the APPEND is sent; `done(ref, receipt)` / `fail` / `skip` after.
 *   2. Rows are written in transactions committed per batch (`--batch-size` messages or `--batch-bytes`),
 *      at folder ends and when the run stops. A crash loses at most the uncommitted tail: those messages
 *      are absent or `pending` in the journal on the next run.
 *   3. On the next run, `done` messages are not sent again. Every other message whose mailbox is not empty
 *      is looked up on the server first (ServerIndex: Message-ID, else size + date + exact bytes) and only
 *      uploaded when no unclaimed copy is there. So an APPEND whose outcome was lost (crash, cut connection)
 *      is found instead of repeated.
 *   4. UIDs are only trusted with the mailbox's UIDVALIDITY they came with (RFC 3501 §2.3.1.1); a changed
 *      UIDVALIDITY turns that mailbox's `done` rows back into "check the server".
 * No secrets are stored: the destination is kept as scheme://user@host:port, never a password.
 */
import type {AppendReceipt, UploadJob, SourceRef} from './types.js';

export type EntryState = 'pending' | 'done' | 'failed' | 'skipped';

export type JournalEntry = Readonly<{
	folder: string;
	key: string;
	state: EntryState;
	mailbox: string | undefined;
	messageId: string | undefined;
	fingerprint: string | undefined;
	size: number | undefined;
	uid: number | undefined;
	uidValidity: bigint | undefined;
	errorCode: string | undefined;
	error: string | undefined;
}>;

/** Where a `done` message's copy is, as far as the journal knows: what folder setup needs to claim it on the server. */
export type DoneCopy = Pick<JournalEntry, 'key' | 'mailbox' | 'uid' | 'uidValidity'>;

export type JournalRun = Readonly<{
	/** Hash of what must not change between runs of one migration: source, destination, folder mapping. */
	configHash: string;
	/** The hash an earlier version stored for the same migration (accepted, then replaced by `configHash`). */
	legacyConfigHash?: string;
	/** Human description of the same, shown when a resume is refused. */
	configDescription: string;
}>;

export interface Journal {
	/** Absolute path of the journal file. */
	readonly path: string;
	/** True when the journal already held entries before this run (a resume). */
	readonly isResumed: boolean;
	/** The entry of one source message, if any. */
	get(ref: SourceRef): JournalEntry | undefined;
	/**
	 * True when the journal has this exact message (folder and key) as `done` — the engine's question for every
	 * message of a re-run, so answered from memory after one read per folder (issue #14). Writes of this run count.
	 */
	isDone(ref: SourceRef): boolean;
	/** Where the `done` messages of one source folder are (for claiming their server copies first). Writes of this run count. */
	doneIn(folder: string): DoneCopy[];
	/**
	 * True when the journal has at least one message of `folder` as `done` and every one of them has a UID of
	 * `uidValidity` in `mailbox` (engine/folder-setup.ts canDeferSetup: the folder then needs no SELECT). Writes of
	 * this run count.
	 */
	doneAllNamedBy(folder: string, mailbox: string, uidValidity: bigint): boolean;
	/** When the newest `pending` row of a folder was written (ms since epoch), if there is one. */
	lastPendingAt(folder: string): number | undefined;
	/** UIDVALIDITY recorded for a mailbox (from APPENDUID), if any. */
	uidValidity(mailbox: string): bigint | undefined;
	/** Forgets the UIDs of a mailbox whose UIDVALIDITY changed, and records the new one. */
	resetMailbox(mailbox: string, uidValidity: bigint | undefined): void;
	begin(job: UploadJob): void;
	done(job: UploadJob, receipt: AppendReceipt, how: 'uploaded' | 'found-on-server'): void;
	fail(ref: SourceRef, code: string, message: string): void;
	skip(ref: SourceRef, code: string, reason: string): void;
	/** Commits the open transaction (durable). Called per batch, per folder, at stop. */
	checkpoint(): void;
	/** Counts by state (for `status`). */
	counts(): Record<EntryState, number>;
	/** Commits, releases the lock, closes. Idempotent. */
	close(): void;
}
