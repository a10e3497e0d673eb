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
import type {SourceMessage} from '../core/types.js';

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
	/** FILE_IGNORED: a file in the store that is not read as mail (named so nothing is left behind silently). */
	code: 'SOURCE_UNREADABLE' | 'MESSAGE_UNPARSEABLE' | 'MESSAGE_EMPTY' | 'FILE_IGNORED';
	kind: 'failed' | 'warning';
	reason: string;
}>;

export type ReaderOptions = Readonly<{
	onProblem?: (problem: ReaderProblem) => void;
	/**
	 * PST/OST only: yield contacts, calendar items, tasks and notes with their vCard/iCalendar export
	 * (`SourceMessage.nonMailExport`), for backups. Off for migrations (they never upload them). @default false
	 */
	exportNonMail?: boolean;
}>;

export interface SourceStore {
	readonly kind: 'mbox' | 'maildir' | 'pst' | 'olm';
	/** Absolute path of the store. */
	readonly location: string;
	listFolders(signal?: AbortSignal): Promise<SourceFolder[]>;
	messages(folder: SourceFolder, signal?: AbortSignal): AsyncIterable<SourceMessage>;
	close(): Promise<void>;
}

/** Folder path as shown to users and used in SourceRef.folder and --map/--exclude matching. */
export function folderLabel(path: readonly string[]): string {
	return path.join('/');
}
