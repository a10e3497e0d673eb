/**
 * SourceStore: the reader boundary. A store yields its folder tree, then each folder's messages one at a
 * time (streaming: memory must not grow with store size; at most one message is held per iterator).
 *
 * Contract for implementations:
 * - `listFolders` is cheap-ish and side-effect free; counts are optional (filled when known without parsing).
 * - `messages(folder)` yields in a stable order; two opens of the same unchanged store yield identical refs.
 * - A message that cannot be read is reported through `onProblem` (never thrown), and iteration continues.
 *   Only a store-level failure (folder unreadable) throws a MailshiftError.
 * - `close()` is idempotent. Aborting `signal` stops iteration promptly (throws an ABORTED error or returns).
 */
import type {SourceMessage, SourceRef} from './types.js';

export type SpecialUse = '\\Inbox' | '\\Sent' | '\\Drafts' | '\\Trash' | '\\Junk' | '\\Archive';

export type SourceFolder = Readonly<{
	/** Folder path as a list of names, e.g. ['Inbox', 'Projects']. The root of a Maildir is ['INBOX']. */
	path: readonly string[];
	/** Number of messages, when known cheaply (Maildir: file count). */
	count?: number;
	/** Total stored bytes, when known cheaply. */
	bytes?: number;
	/** False when the store knows the folder holds no mail (Outlook Calendar/Contacts): its mailbox is created only if mail turns up. */
	holdsMail?: boolean;
	/** Role known from the store itself (PST entry IDs); name-based roles are the mapper's job. */
	specialUse?: SpecialUse;
}>;

/** A problem a reader met with one message or file; the engine records it and the run continues. */
export type ReaderProblem = Readonly<{
	folder: string;
	location: string;
	/**
	 * FILE_IGNORED: a file in the store that is not read as mail (named so nothing is left behind silently).
	 * MBOX_MERGE_SUSPECTED: an mbox message holds a `From ` line with a message header after it, so several
	 * messages may have been run together (a warning in ATTENTION_CODES: the run does not end OK).
	 * MAILDIR_TIMES_LOST: a Maildir folder was copied without its file times (see maildir-store.ts); a note.
	 * SOURCE_INCOMPLETE: the store ends early (a cut copy); see `SourceStore.incompleteness`.
	 * STORE_INCONSISTENT: the store's own bookkeeping disagrees with what it holds, nothing is lost (a warning).
	 * FILE_TIMES_LOST: a folder of .eml files copied without its file times; received dates come from headers instead.
	 * ATTACHMENT_MISSING: Apple Mail stored an attachment apart and the file is gone; the rest is uploaded.
	 * MESSAGE_TRUNCATED: the file ends before the message does; what is there is uploaded.
	 * Both are in ATTENTION_CODES: part of a message was left behind, so the run does not end OK.
	 */
	code: 'SOURCE_UNREADABLE' | 'SOURCE_INCOMPLETE' | 'STORE_INCONSISTENT' | 'MESSAGE_UNPARSEABLE' | 'MESSAGE_EMPTY' | 'FILE_IGNORED' | 'MBOX_MERGE_SUSPECTED' | 'MAILDIR_TIMES_LOST'
		| 'FILE_TIMES_LOST' | 'ATTACHMENT_MISSING' | 'MESSAGE_TRUNCATED';
	kind: 'failed' | 'warning';
	reason: string;
}>;

/**
 * Warning codes that must not end in a clean run: the message was uploaded as read, but it may be wrong in a
 * way only the user can judge (several messages merged into one). The CLI exits SOME_FAILED when a problem
 * with one of these codes was reported, so it cannot be missed (issue #12 item 3).
 */
export const ATTENTION_CODES: ReadonlySet<string> = new Set(['MBOX_MERGE_SUSPECTED', 'ATTACHMENT_MISSING', 'MESSAGE_TRUNCATED']);

/**
 * Memory a reader may read messages into, used again once given back (util/buffer-ring.ts). `take` returns a
 * buffer of exactly `size` uninitialized bytes; `give` ends its use (any other buffer, or a second give, is ignored).
 * `maxSize`: the largest buffer served from that memory (a larger one is a plain allocation).
 */
export type MessageBuffers = Readonly<{
	take(size: number): Buffer;
	give(buffer: Uint8Array): void;
	maxSize: number;
}>;

export type ReaderOptions = Readonly<{
	onProblem?: (problem: ReaderProblem) => void;
	/**
	 * The consumer sends the bytes over IMAP (CRLF lines, RFC 3501 §2.2): a reader may then yield `raw` with bare
	 * LFs already made CRLF where that saves a copy of a big message (mbox: messages of 1 MiB or more; issue #14).
	 * Refs and keys are the same either way (computed from the stored bytes). On for uploads and backups (which hold
	 * the bytes an upload would send); off where the stored bytes themselves are wanted. @default false
	 */
	crlf?: boolean;
	/**
	 * The consumer gives every yielded message's `raw` back (`give`) once nothing reads it any more: a reader may then
	 * read messages into buffers taken from here (Maildir does), and gives back itself what it does not yield. Only
	 * a consumer that does so on every path passes it (the engine: EngineDeps.messageBuffers). @default none
	 */
	messageBuffers?: MessageBuffers;
	/**
	 * PST/OST, Outlook .msg files (contacts, calendar items, tasks, notes) and .olm contacts: yield them with
	 * their vCard/iCalendar export (`SourceMessage.nonMailExport`), for backups. Off for migrations (they never upload them). @default false
	 */
	exportNonMail?: boolean;
}>;

/** What the consumer of `SourceStore.messages` tells the reader. */
export type MessagesOptions = Readonly<{
	/**
	 * Asked with a message's ref before its bytes are read, by readers whose refs do not depend on the bytes
	 * (Maildir: the file name), in iteration order. True: the consumer already holds this message (the journal has
	 * it as uploaded) and has counted it; the reader then neither reads nor yields it. Readers that need the bytes
	 * to know the ref (mbox, PST) ignore it and yield every message. Optional to honour: never needed for correctness.
	 * The messages a reader does yield are yielded as without it: what it judges of the folder as a whole (Maildir's
	 * copy detection) still sees every message.
	 */
	isKnown?: (ref: SourceRef) => boolean;
}>;

export interface SourceStore {
	readonly kind: 'maildir' | 'mbox' | 'pst' | 'eml' | 'apple-mail' | 'dbx' | 'pop3' | 'olm';
	/** Absolute path of the store. */
	readonly location: string;
	listFolders(signal?: AbortSignal): Promise<SourceFolder[]>;
	messages(folder: SourceFolder, signal?: AbortSignal, options?: MessagesOptions): AsyncIterable<SourceMessage>;
	close(): Promise<void>;
	/**
	 * Optional capability: why the store could not be read to its end (a file cut short), with the shortfall in
	 * numbers, or undefined when it was. Asked by the CLI after a run; a store that answers makes the run fail
	 * with SOURCE_INCOMPLETE (exit 9) even though everything readable was migrated. Never throws.
	 */
	incompleteness?(): string | undefined;
}

/** Folder path as shown to users and used in SourceRef.folder and --map/--exclude matching. */
export function folderLabel(path: readonly string[]): string {
	return path.join('/');
}
