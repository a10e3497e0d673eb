/**
 * ImapBackupSource: what is on an IMAP server now, as a BackupSource — every selectable mailbox (LIST, RFC
 * 3501 §6.3.8; `\Noselect` and `\NonExistent` ones hold no messages), each message's bytes exactly as stored
 * (`BODY.PEEK[]`: PEEK never sets `\Seen`, and mailboxes are opened read-only with EXAMINE), its FLAGS (without
 * the session flag `\Recent`) and INTERNALDATE. Nothing on the server is changed.
 *
 * Streaming with bounded memory: per mailbox, `UID SEARCH ALL` gives the UIDs (8 bytes each); then pages of
 * `pageSize` UIDs: one FETCH of UID/RFC822.SIZE/FLAGS/INTERNALDATE, and the bodies in FETCHes of at most
 * `batchBytes` (a single larger message alone). At most one page's metadata and one batch's bodies are held.
 *
 * Identity: `ref.key` is `<UIDVALIDITY>.<UID>` (RFC 3501 §2.3.1.1: stable while UIDVALIDITY is); a mailbox whose
 * UIDVALIDITY changes during the backup is reported as failed (it was recreated) and the rest goes on.
 * Folder paths are the server's mailbox names split at its hierarchy delimiter.
 *
 * Errors: a lost connection during a page is retried on a fresh connection (3 attempts; reading is
 * idempotent); a mailbox the server refuses to open throws SOURCE_UNREADABLE with disposition 'skip'; login
 * and connection failures are classified by classify-imap-error.ts.
 */
import type {ImapFlow} from 'imapflow';
import {MailshiftError} from '../contracts/errors.js';
import {firstHeader, normalizeMessageId, parseHeaders} from '../mapper/headers.js';
import type {ReaderProblem} from '../contracts/source-store.js';
import {classifyImapError} from '../uploader/classify-imap-error.js';
import {ConnectionPool} from '../uploader/connection-pool.js';
import type {ImapTarget} from '../uploader/imap-target.js';
import {describeTarget} from '../uploader/imap-target.js';
import type {BackupEntry, BackupFolder, BackupSource} from './backup-source.js';
import type {ManifestSource} from './manifest.js';
import type {TokenSource} from '../contracts/token-source.js';

/** Connection and paging of an IMAP source. */
export type ImapSourceOptions = Readonly<{
	target: ImapTarget;
	password: string;
	/** OAuth2 instead of the password (config/oauth-token.ts). */
	tokenSource?: TokenSource;
	onProblem?: (problem: ReaderProblem) => void;
	/** UIDs per metadata FETCH. @default 500 */
	pageSize?: number;
	/** Body bytes per FETCH. @default 8 MiB */
	batchBytes?: number;
}>;

type Meta = Readonly<{uid: number; size: number; flags: readonly string[]; internalDate: Date}>;

const ATTEMPTS = 3;

/** An IMAP account as a BackupSource (read-only; one connection). Not concurrency-safe: one `entries` at a time. */
export class ImapBackupSource implements BackupSource {
	readonly kind = 'imap';
	readonly location: string;
	readonly #pool: ConnectionPool;
	readonly #options: ImapSourceOptions;
	/** Folder path (JSON) → server mailbox path. */
	readonly #mailboxes = new Map<string, string>();

	private constructor(pool: ConnectionPool, options: ImapSourceOptions) {
		this.#pool = pool;
		this.#options = options;
		this.location = describeTarget(options.target);
	}

	/**
	 * Connects and logs in (one connection).
	 * @throws MailshiftError AUTH_FAILED, HOST_NOT_FOUND, CONNECTION_REFUSED, TLS_FAILED, … (classified).
	 */
	static async connect(options: ImapSourceOptions): Promise<ImapBackupSource> {
		const pool = new ConnectionPool({target: options.target, password: options.password, size: 1, ...(options.tokenSource ? {tokenSource: options.tokenSource} : {})});
		try {
			await pool.open();
		} catch (error) {
			await pool.close();
			throw classifyImapError(error, 'connect', describeTarget(options.target));
		}
		return new ImapBackupSource(pool, options);
	}

	async describe(): Promise<ManifestSource> {
		return {kind: 'imap', location: this.location, type: 'server'};
	}

	async listFolders(signal?: AbortSignal): Promise<BackupFolder[]> {
		const list = await this.#run((client) => client.list(), signal);
		const folders: BackupFolder[] = [];
		for (const box of list) {
			if (box.flags.has('\\Noselect') || box.flags.has('\\NonExistent')) continue;
			const path = box.delimiter ? box.path.split(box.delimiter) : [box.path];
			this.#mailboxes.set(JSON.stringify(path), box.path);
			// RFC 3501 §6.3.10 STATUS: count and UIDVALIDITY without selecting.
			const status = await this.#run((client) => client.status(box.path, {messages: true, uidValidity: true}), signal);
			folders.push({
				path,
				...(status && status.messages !== undefined ? {count: status.messages} : {}),
				...(status && status.uidValidity !== undefined ? {uidValidity: String(status.uidValidity)} : {}),
			});
		}
		return folders.sort((a, b) => compare(a.path.join('\u0000'), b.path.join('\u0000')));
	}

	async *entries(folder: BackupFolder, signal?: AbortSignal): AsyncGenerator<BackupEntry> {
		const mailbox = this.#mailboxes.get(JSON.stringify(folder.path)) ?? folder.path.join('/');
		const label = folder.path.join('/');
		let uidValidity: bigint | undefined = folder.uidValidity === undefined ? undefined : BigInt(folder.uidValidity);
		const uids = await this.#inMailbox(mailbox, async (client, validity) => {
			checkValidity(mailbox, uidValidity, validity);
			uidValidity = validity;
			const found = await client.search({all: true}, {uid: true});
			return found ? [...found].sort((a, b) => a - b) : [];
		}, signal);
		const pageSize = Math.max(1, this.#options.pageSize ?? 500);
		const batchBytes = this.#options.batchBytes ?? 8 * 1024 * 1024;
		for (let start = 0; start < uids.length; start += pageSize) {
			const page = uids.slice(start, start + pageSize);
			const metas = await this.#inMailbox(mailbox, async (client, validity) => {
				checkValidity(mailbox, uidValidity, validity);
				const out: Meta[] = [];
				for await (const m of client.fetch(page.join(','), {uid: true, size: true, flags: true, internalDate: true}, {uid: true})) {
					out.push({uid: m.uid, size: m.size ?? 0, flags: [...(m.flags ?? [])].filter((f) => f !== '\\Recent').sort(), internalDate: toDate(m.internalDate)});
				}
				return out.sort((a, b) => a.uid - b.uid);
			}, signal);
			const seen = new Set(metas.map((m) => m.uid));
			for (const uid of page) {
				if (!seen.has(uid)) this.#vanished(label, mailbox, uid);
			}
			for (let i = 0; i < metas.length;) {
				// One batch: at least one message, at most batchBytes (by RFC822.SIZE).
				const batch: Meta[] = [];
				let bytes = 0;
				while (i < metas.length && (batch.length === 0 || bytes + (metas[i]?.size ?? 0) <= batchBytes)) {
					const meta = metas[i++];
					if (!meta) break;
					batch.push(meta);
					bytes += meta.size;
				}
				const bodies = await this.#inMailbox(mailbox, async (client, validity) => {
					checkValidity(mailbox, uidValidity, validity);
					const out = new Map<number, Buffer>();
					for await (const m of client.fetch(batch.map((b) => b.uid).join(','), {uid: true, source: true}, {uid: true})) {
						if (m.source) out.set(m.uid, m.source);
					}
					return out;
				}, signal);
				for (const meta of batch) {
					if (signal?.aborted) throw new MailshiftError('ABORTED', 'Stopped.', 'fatal');
					const content = bodies.get(meta.uid);
					bodies.delete(meta.uid);
					if (!content) {
						this.#vanished(label, mailbox, meta.uid);
						continue;
					}
					const key = `${uidValidity ?? 0n}.${meta.uid}`;
					const messageId = normalizeMessageId(firstHeader(parseHeaders(content), 'message-id'));
					yield {
						type: 'message',
						ref: {store: this.location, folder: label, key, location: `${this.location}/${mailbox} UID ${meta.uid}`},
						content, flags: meta.flags, internalDate: meta.internalDate, dateSource: 'internaldate',
						...(messageId === undefined ? {} : {messageId}),
					};
				}
			}
		}
	}

	async close(): Promise<void> {
		await this.#pool.close();
	}

	#vanished(folder: string, mailbox: string, uid: number): void {
		this.#options.onProblem?.({folder, location: `${this.location}/${mailbox} UID ${uid}`, code: 'SOURCE_UNREADABLE', kind: 'warning', reason: 'expunged on the server while the backup ran; not in the backup'});
	}

	/** Runs fn on a connection with `mailbox` open read-only; retries on a lost connection. */
	async #inMailbox<T>(mailbox: string, fn: (client: ImapFlow, uidValidity: bigint) => Promise<T>, signal?: AbortSignal): Promise<T> {
		return this.#run(async (client) => {
			if (!client.mailbox || client.mailbox.path !== mailbox || !client.mailbox.readOnly) {
				try {
					await client.mailboxOpen(mailbox, {readOnly: true});
				} catch (error) {
					const e = classifyImapError(error, 'other', `${this.location} ${mailbox}`);
					if (e.disposition === 'retry') throw error;
					throw new MailshiftError('SOURCE_UNREADABLE', `The server refused to open mailbox "${mailbox}": ${e.message}`, 'skip', {cause: error});
				}
			}
			const opened = client.mailbox;
			if (!opened) throw new MailshiftError('SOURCE_UNREADABLE', `Mailbox "${mailbox}" could not be opened.`, 'skip');
			return fn(client, opened.uidValidity);
		}, signal);
	}

	/** Runs fn on a leased connection; a lost connection is retried (fresh connection) up to 3 times. */
	async #run<T>(fn: (client: ImapFlow) => Promise<T>, signal?: AbortSignal): Promise<T> {
		for (let attempt = 1; ; attempt++) {
			if (signal?.aborted) throw new MailshiftError('ABORTED', 'Stopped.', 'fatal');
			try {
				return await this.#pool.run(fn, signal);
			} catch (error) {
				if (error instanceof MailshiftError) throw error;
				const e = classifyImapError(error, 'other', this.location);
				if (e.disposition !== 'retry' || attempt >= ATTEMPTS) throw e;
				await new Promise((resolve) => setTimeout(resolve, Math.min(e.retryAfterMs ?? 500 * attempt, 30_000)));
			}
		}
	}
}

function checkValidity(mailbox: string, expected: bigint | undefined, actual: bigint): void {
	if (expected !== undefined && expected !== actual) {
		throw new MailshiftError('SOURCE_UNREADABLE', `Mailbox "${mailbox}" was recreated on the server during the backup (UIDVALIDITY ${expected} → ${actual}).`, 'skip', {
			hint: 'Run the backup again (with --force) to copy it as it is now.',
		});
	}
}

function toDate(value: Date | string | undefined): Date {
	const date = value instanceof Date ? value : new Date(value ?? 0);
	return Number.isNaN(date.getTime()) ? new Date(0) : date;
}

function compare(a: string, b: string): number {
	return a < b ? -1 : a > b ? 1 : 0;
}
