/**
 * MailSink: the uploader boundary. The engine talks to this; it knows nothing about source formats.
 * Decorators (dry-run, pacing, retry) wrap it; `buildSink` (uploader/build-sink.ts) assembles the stack.
 */
import type {AppendReceipt, UploadJob} from './types.js';
import type {MailboxIndex} from './mailbox-index.js';
import type {ServerLayout} from './server-layout.js';

export type Quota = Readonly<{usedBytes: number; limitBytes: number}>;

export type MailboxState = Readonly<{exists: number; uidValidity: bigint | undefined; permanentFlags: ReadonlySet<string> | undefined}>;

export type EnsuredMailbox = Readonly<{
	/** The server path actually used (may differ from the requested one when the server refused a character). */
	path: string;
	created: boolean;
	/** Why the path differs from the requested one, for the report. */
	note?: string;
}>;

export interface MailSink {
	/** Hierarchy delimiter, namespace prefix and special-use mailboxes, read from the server. */
	layout(): ServerLayout;
	/**
	 * Creates the mailbox and its parents when missing, and subscribes it (also when it existed: a folder
	 * mailshift fills must be visible in clients that show subscribed folders only). Idempotent;
	 * concurrency-safe per path.
	 */
	ensureMailbox(path: string, signal?: AbortSignal): Promise<EnsuredMailbox>;
	/** The mailbox's PERMANENTFLAGS (RFC 3501 §7.1), or undefined when the server sent none. Cached. */
	permanentFlags(path: string, signal?: AbortSignal): Promise<ReadonlySet<string> | undefined>;
	/**
	 * Optional capability: how many messages the mailbox holds and its UIDVALIDITY (from a read-write SELECT,
	 * which also caches PERMANENTFLAGS). Sinks without it are treated as "empty, no UIDs".
	 */
	mailboxState?(path: string, signal?: AbortSignal): Promise<MailboxState>;
	/**
	 * Optional capability: the mailbox's UIDVALIDITY as the server listed it when the sink connected (LIST-STATUS,
	 * RFC 5819), without a command; undefined when the server did not say, the mailbox was not listed, or the
	 * listing is too old to trust (a minute). A mailbox the sink saw vanish since (TRYCREATE) is forgotten.
	 */
	listedUidValidity?(path: string): bigint | undefined;
	/**
	 * Optional capability: an index of what the mailbox holds, to find a message before uploading it. With
	 * `headerDigests`, each copy also carries the sha256 of its stored header block (for verify). @default false
	 */
	loadIndex?(path: string, signal?: AbortSignal, options?: Readonly<{headerDigests?: boolean}>): Promise<MailboxIndex>;
	/** Optional capability: storage quota of the account (RFC 9208 GETQUOTAROOT), when the server has QUOTA. */
	quota?(signal?: AbortSignal): Promise<Quota | undefined>;
	/**
	 * Uploads one message. NOT idempotent: a failure with disposition 'verify' may have stored it. A mailbox that
	 * does not exist (never ensured, or deleted by another client since) is created and subscribed first
	 * (RFC 3501 §6.3.11 TRYCREATE). A receipt means the message is stored (test/uploader/sink-conformance.ts).
	 * `signal` withdraws the message while it is not on the wire yet (waiting for pacing, a throttle back-off, a
	 * connection or a batch): it then rejects with ABORTED, and ABORTED always means "not sent". Once sent, the
	 * APPEND runs to its end (an IMAP command cannot be withdrawn); only `close()` cuts it off. The engine passes
	 * its graceful-stop signal, so a stop never waits for pacing (issue #12 item 9). Once the returned promise
	 * settles, the sink holds no reference to `job.content` (nor writes queued from it): the engine then hands
	 * the message's buffer to the next message (util/buffer-ring.ts). A sink that keeps messages copies them.
	 */
	append(job: UploadJob, signal?: AbortSignal): Promise<AppendReceipt>;
	/** Optional capability: the selectable mailboxes the server has (server paths), as far as the sink knows. */
	mailboxPaths?(): string[];
	/** Optional capability: RFC 7889 APPENDLIMIT, when the server announces one. */
	appendLimit?(): number | undefined;
	/**
	 * Optional capability: how many appends per connection the engine should keep in flight (a sink that
	 * batches them, e.g. into MULTIAPPEND, needs several at once to fill a batch). @default 1
	 */
	appendWindow?(): number;
	/** Optional capability: change how many connections may be open (TUI +/-). */
	setConnections?(n: number): void;
	/** Number of connections currently open (for progress displays). */
	connections(): number;
	/** Idempotent. */
	close(): Promise<void>;
}
