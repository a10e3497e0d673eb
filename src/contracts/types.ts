/**
 * Data that crosses module boundaries: reader → mapper → sink.
 *
 * Contract: everything here is plain, immutable data. Readers know nothing about IMAP; sinks know nothing
 * about source formats; the mapper (pure) turns one into the other.
 */

/** Where a message came from. `key` is stable across runs of the same, unchanged store (see ARCHITECTURE §5). */
export type SourceRef = Readonly<{
	/** Absolute path of the store the user named (file or directory). */
	store: string;
	/** Source folder path joined with '/', exactly as shown to the user (e.g. `Inbox/Projects`). */
	folder: string;
	/** Stable identity inside the folder: Maildir unique name; mbox `ordinal:sha256(raw)[0..16]`. */
	key: string;
	/** Human-readable location for error messages: a file path, or `file.mbox#17 (byte 12345)`. */
	location: string;
}>;

/** Where a store-supplied delivery time came from (used only when no `Received:` date is usable). */
export type StoreDateSource = 'file-mtime' | 'from-line' | 'pst-delivery-time' | 'apple-date-received' | 'dbx-received-time' | 'olm-received-time'
	/** PR_MESSAGE_DELIVERY_TIME of an Outlook .msg file: after the topmost Received: (issue #16), unlike a PST's. */
	| 'msg-delivery-time';

/** Why a reader says a message should not be uploaded by default. */
export type SourceSkipHint = 'maildir-trashed' | 'mozilla-expunged' | 'not-mail';

export type SourceMessage = Readonly<{
	ref: SourceRef;
	/** RFC 5322 bytes as found (any EOL, mbox quoting already undone). Never modified by later stages except EOL. */
	raw: Buffer;
	/**
	 * Set when `raw` has CRLF lines only (no bare LF): a reader asked for them (ReaderOptions.crlf) made them. The
	 * mapper then sends `raw` as it is instead of scanning it again for bare LFs (issue #14: a pass over every
	 * byte uploaded). A reader that did not convert a message leaves it unset.
	 */
	isCrlf?: true;
	/** IMAP flags and keywords from the store (`\Seen`, `\Answered`, `\Flagged`, `\Draft`, `$Forwarded`, keywords). */
	flags: ReadonlySet<string>;
	/** The store's own idea of the delivery time, when it has one (Maildir mtime, mbox From_ date). */
	storeDate?: Readonly<{date: Date; source: StoreDateSource}>;
	/** Set when the store marks the message as deleted-but-kept; the mapper skips it unless told otherwise. */
	skipHint?: SourceSkipHint;
	/** For 'not-mail': what the item is (e.g. "contact", "calendar item"), shown in the plan and report. */
	itemKind?: string;
	/** For 'not-mail' items a reader can export (PST contacts → vCard, calendar/tasks/notes → iCalendar). */
	nonMailExport?: NonMailExport;
}>;

/** A non-mail item as a file of its own standard format. */
export type NonMailExport = Readonly<{
	extension: 'vcf' | 'ics';
	mediaType: string;
	/** The item's name or subject, for a readable file name. */
	title: string;
	content: Buffer;
}>;

/** Where an INTERNALDATE came from; reported so users can see why a date was chosen. */
export type DateSource = 'received-header' | StoreDateSource | 'date-header' | 'fallback';

export type UploadJob = Readonly<{
	ref: SourceRef;
	/** Target mailbox, full server path (namespace prefix and server delimiter applied). */
	mailbox: string;
	/** Bytes to APPEND: CRLF line ends. */
	content: Buffer;
	/** Flags to send, already filtered to valid atoms (PERMANENTFLAGS filtering happens in the sink). */
	flags: readonly string[];
	internalDate: Date;
	dateSource: DateSource;
	/** Normalized Message-ID (without brackets), when the message has one. */
	messageId?: string;
	/** `mid:<message-id>:<size>` or `sha256:<hex>`; see mapper/fingerprint.ts. */
	fingerprint: string;
}>;

export type AppendReceipt = Readonly<{
	mailbox: string; uid?: number; uidValidity?: bigint;
	/** What the sink changed in the bytes to store them faithfully (e.g. 8-bit headers RFC 2047-encoded), for the summary. */
	note?: string;
}>;

/** Per-folder and overall outcome of a run. */
export type FolderSummary = {
	folder: string;
	mailbox: string;
	found: number;
	uploaded: number;
	skipped: number;
	failed: number;
	bytes: number;
};

export type Problem = Readonly<{
	folder: string;
	location: string;
	key: string;
	kind: 'failed' | 'skipped' | 'warning';
	code: string;
	reason: string;
}>;

export type Summary = {
	dryRun: boolean;
	folders: FolderSummary[];
	found: number;
	uploaded: number;
	skipped: number;
	failed: number;
	bytes: number;
	elapsedMs: number;
	/** True when the run was stopped (signal, or a fatal error) before every folder was processed. */
	interrupted: boolean;
	/** Failed, skipped and warned messages with their source reference and reason (bounded; see engine). */
	problems: Problem[];
	/** Count of problems not kept in `problems` because the list was full. */
	problemsDropped: number;
	/**
	 * Set when the run stopped early: how many messages of the store it did not get to (neither uploaded nor
	 * skipped nor failed). The next run takes them; those this run had begun stay `pending` in the journal and
	 * are looked for on the server first. `isExact` is false when the reader does not know its folders' sizes:
	 * then `messages` counts only those read and not sent (the rest of the store is more).
	 */
	notSent?: Readonly<{messages: number; isExact: boolean}>;
	/** Why the run stopped early on its own (time or byte budget), for the user. */
	stopReason?: string;
	/** Skips counted but not listed one by one, by code (ALREADY_UPLOADED, ALREADY_ON_SERVER). */
	skippedUnlisted: Record<string, number>;
};
