/**
 * ImapSink: MailSink over a pool of ImapFlow connections. It only speaks IMAP; no source formats, no
 * retries beyond the protocol's own TRYCREATE (RFC 3501 §6.3.11, handled once, in #appendSingle) — retries are
 * RetryingSink's job (retrying-sink.ts), and what an error means is classify-imap-error.ts's: this file reads
 * no response codes itself.
 *
 * Why each step:
 * - Layout comes from NAMESPACE (RFC 2342) and LIST (RFC 3501 §5.1.1): delimiter and prefix are never assumed.
 * - Special-use roles come from LIST attributes (RFC 6154); imapflow adds name heuristics for servers
 *   without SPECIAL-USE (Microsoft 365), used only when no server-declared mailbox has that role.
 * - Every mailbox mailshift fills is SUBSCRIBEd, new or not: clients that show only subscribed folders would
 *   hide it, and Cyrus creates its special-use folders (Sent, Archive, …) unsubscribed (servers.md §3).
 * - PERMANENTFLAGS needs a read-write SELECT: EXAMINE reports an empty list (imapflow append.js notes).
 * - A BAD answer to APPEND means the session may have run the literal's bytes as commands (servers.md §0.1):
 *   that connection is discarded, never reused.
 * - When the server has MULTIAPPEND (RFC 3502), concurrent appends to one mailbox are sent as batches
 *   (append-batcher.ts, multi-append.ts): Dovecot then stores ~2× as fast (docs/benchmarks.md). A batch the
 *   server refuses (NO, BAD) stores nothing, so its messages are sent again one by one, which tells exactly
 *   which message the server refuses and why; a batch cut off by the network fails each message with an
 *   unknown outcome ('verify'), and the engine looks for each on the server before sending it again. After a
 *   cut the batches shrink (halved, down to single messages) and grow back once batches get through again.
 */
import type {ImapFlow, ListResponse} from 'imapflow';
import {MailshiftError} from '../contracts/errors.js';
import type {AppendReceipt, UploadJob} from '../contracts/types.js';
import type {Role, ServerLayout} from '../contracts/server-layout.js';
import {ROLE_ATTRIBUTE} from '../mapper/special-folders.js';
import {classifyImapError, isBadCommand, isDeclined, isNameRefused, isRefusal, isTryCreate} from './classify-imap-error.js';
import {ConnectionPool} from './connection-pool.js';
import type {CompressionReport} from './compression.js';
import type {PoolOptions} from './connection-pool.js';
import {describeTarget} from './imap-target.js';
import type {EnsuredMailbox, MailboxState, MailSink, Quota} from '../contracts/mail-sink.js';
import {ServerIndex} from './server-index.js';
import {AppendBatcher} from './append-batcher.js';
import {multiAppend} from './multi-append.js';
import type {ServerCopy} from '../contracts/mailbox-index.js';
import {firstHeader, normalizeMessageId, parseHeaders} from '../mapper/headers.js';
import {headerBlock, headerDigest, REWRITE_WORDING, rewriteEvidence} from '../mapper/fingerprint.js';
import {encode8bitHeaders, has8bitHeader} from '../mapper/encode-8bit-headers.js';


/** ImapSink.connect options: the pool's, plus batching. */
export type SinkOptions = PoolOptions & Readonly<{
	/**
	 * MULTIAPPEND batching when the server supports it; false turns it off (one APPEND per message).
	 * @default {maxMessages: 50, maxBytes: 8 MiB} (measured best on Dovecot: docs/benchmarks.md)
	 */
	batch?: Readonly<{maxMessages: number; maxBytes: number}> | false;
	/**
	 * Raw 8-bit header bytes on a server without UTF8=ACCEPT: 'probe' finds out with the first such message
	 * whether the server keeps them (see #append8bit); 'keep' / 'encode' decide without looking (tests).
	 * @default 'probe'
	 */
	eightBitHeaders?: 'probe' | 'keep' | 'encode';
	/** The clock that dates the listing (listedUidValidity); tests move it. @default Date.now */
	now?: () => number;
}>;

/**
 * How long the UIDVALIDITYs of the LIST at connect are trusted (listedUidValidity): a re-run with nothing to do
 * reaches every folder within seconds; a folder reached later in a long upload is SELECTed as before, so that a
 * mailbox another client recreated meanwhile is noticed when its folder starts.
 */
const LISTING_TRUSTED_MS = 60_000;

const DEFAULT_BATCH = {maxMessages: 50, maxBytes: 8 * 1024 * 1024} as const;
/** How long a not-yet-full batch waits for more messages while a connection is free. */
const LINGER_MS = 5;

export class ImapSink implements MailSink {
	readonly #pool: ConnectionPool;
	readonly #label: string;
	readonly #layout: ServerLayout;
	readonly #existing: Map<string, string>; // lower-case path → server path
	/** UIDVALIDITY per server path, from the LIST at connect (LIST-STATUS, RFC 5819), when the server has it. */
	readonly #listedUidValidity = new Map<string, bigint>();
	readonly #now: () => number;
	readonly #listedAt: number;
	readonly #capabilities: ReadonlyMap<string, boolean | number>;
	readonly #secure: boolean;
	readonly #ensuring = new Map<string, Promise<EnsuredMailbox>>();
	/**
	 * Existing mailboxes SUBSCRIBEd in this session, or listed as subscribed when it began (lower-case path): once
	 * each, and not at all when the LIST said so (a re-run then spends no round trip, and no write of the server's
	 * subscriptions file, per folder; issue #14).
	 */
	readonly #subscribing = new Map<string, Promise<void>>();
	readonly #permanent = new Map<string, Promise<ReadonlySet<string> | undefined>>();
	readonly #batcher: AppendBatcher | undefined;
	readonly #batchSize: number;
	#appendCommands = 0;
	/** Raw 8-bit header bytes: sent as they are ('keep'), RFC 2047-encoded ('encode'), or not known yet (see #append8bit). */
	#eightBit: 'keep' | 'encode' | undefined;
	#probing: Promise<void> | undefined;
	#encodedHeaders = 0;
	#closed = false;

	private constructor(pool: ConnectionPool, label: string, layout: ServerLayout, mailboxes: readonly ListResponse[], capabilities: ReadonlyMap<string, boolean | number>, isSecure: boolean, batch: SinkOptions['batch'], eightBit: NonNullable<SinkOptions['eightBitHeaders']>, now: () => number) {
		this.#now = now;
		this.#listedAt = now();
		this.#capabilities = capabilities;
		// RFC 6855: with UTF8=ACCEPT (imapflow ENABLEs it when offered) the server takes 8-bit headers as they are.
		this.#eightBit = capabilities.has('UTF8=ACCEPT') ? 'keep' : eightBit === 'probe' ? undefined : eightBit;
		const limits = batch === false ? undefined : batch ?? DEFAULT_BATCH;
		this.#batchSize = limits !== undefined && capabilities.has('MULTIAPPEND') ? Math.max(1, limits.maxMessages) : 1;
		this.#batcher = limits !== undefined && this.#batchSize > 1
			? new AppendBatcher({...limits, lingerMs: LINGER_MS, slots: () => this.#pool.size, send: (jobs) => this.#sendBatch(jobs)})
			: undefined;
		this.#secure = isSecure;
		this.#pool = pool;
		this.#label = label;
		this.#layout = layout;
		this.#existing = new Map(mailboxes.filter((m) => !m.flags.has('\\Noselect') && !m.flags.has('\\NonExistent')).map((m) => [m.path.toLowerCase(), m.path]));
		// imapflow's list() says `subscribed` from LIST RETURN (SUBSCRIBED) (RFC 5258) or LSUB; when the server says
		// neither, nothing is marked, and every mailbox is subscribed as before.
		for (const m of mailboxes) if (m.subscribed === true) this.#subscribing.set(m.path.toLowerCase(), Promise.resolve());
		for (const m of mailboxes) if (typeof m.status?.uidValidity === 'bigint' && this.#existing.has(m.path.toLowerCase())) this.#listedUidValidity.set(m.path, m.status.uidValidity);
	}

	/**
	 * Connects (validating URL and credentials), reads the layout. A dropped or timed-out first connection is
	 * tried again (3 attempts, 2 s then 4 s apart); refusals (login, TLS, DNS, refused port) are not.
	 * Throws classified MailshiftErrors.
	 */
	static async connect(options: SinkOptions): Promise<ImapSink> {
		for (let attempt = 1; ; attempt++) {
			try {
				return await ImapSink.#connectOnce(options);
			} catch (error) {
				const e = classifyImapError(error, 'connect', describeTarget(options.target));
				const isTransient = e.code === 'CONNECTION_LOST' || e.code === 'TIMEOUT' || e.code === 'THROTTLED';
				if (!isTransient || attempt >= 3) throw e;
				await new Promise((resolve) => setTimeout(resolve, 2000 * attempt));
			}
		}
	}

	static async #connectOnce(options: SinkOptions): Promise<ImapSink> {
		const pool = new ConnectionPool(options);
		const label = describeTarget(options.target);
		try {
			const first = await pool.open();
			// With LIST-STATUS the same round trip says every mailbox's UIDVALIDITY, so a folder the journal has as
			// done needs no SELECT (engine/folder-setup.ts canDeferSetup). Asked only when offered: without it
			// imapflow would send a STATUS per mailbox.
			const listStatus = first.capabilities.has('LIST-STATUS');
			const mailboxes = await pool.run((client) => client.list(listStatus ? {statusQuery: {uidValidity: true}} : {}));
			return new ImapSink(pool, label, readLayout(first, mailboxes), mailboxes, new Map(first.capabilities), first.secureConnection, options.batch, options.eightBitHeaders ?? 'probe', options.now ?? Date.now);
		} catch (error) {
			await pool.close();
			throw classifyImapError(error, 'connect', label);
		}
	}

	/** Whether the sessions are compressed (COMPRESS=DEFLATE) and why (compression.ts). */
	get compression(): CompressionReport | undefined {
		return this.#pool.compression;
	}

	layout(): ServerLayout {
		return this.#layout;
	}

	/** The server's capabilities after login (name → true, or the number of e.g. APPENDLIMIT=n). */
	capabilities(): ReadonlyMap<string, boolean | number> {
		return this.#capabilities;
	}

	/** A round trip (NOOP), to measure latency. */
	async ping(): Promise<void> {
		await this.#pool.run((client) => client.noop());
	}

	/** Whether the first connection is encrypted (implicit TLS or STARTTLS). */
	isSecure(): boolean {
		return this.#secure;
	}

	/** RFC 7889 APPENDLIMIT, when the server announces one. */
	appendLimit(): number | undefined {
		const v = this.#capabilities.get('APPENDLIMIT');
		return typeof v === 'number' ? v : undefined;
	}

	connections(): number {
		return this.#pool.openCount;
	}

	/** APPEND commands sent so far (a MULTIAPPEND counts once): for tests and benchmarks. */
	get appendCommands(): number {
		return this.#appendCommands;
	}

	/** How many appends per connection the engine should keep in flight: the batch size (1 without MULTIAPPEND). */
	appendWindow(): number {
		return this.#batchSize;
	}

	setConnections(n: number): void {
		this.#pool.setSize(n);
	}

	/** Existing selectable mailboxes (server paths). */
	mailboxPaths(): string[] {
		return [...this.#existing.values()];
	}

	ensureMailbox(path: string, signal?: AbortSignal): Promise<EnsuredMailbox> {
		const key = path.toLowerCase();
		const known = this.#existing.get(key);
		if (key === 'inbox') return Promise.resolve({path: known ?? 'INBOX', created: false});
		if (known !== undefined) return this.#subscribeExisting(key, known, signal).then(() => ({path: known, created: false}));
		let pending = this.#ensuring.get(key);
		if (!pending) {
			pending = this.#create(path, signal);
			this.#ensuring.set(key, pending);
			pending.catch(() => this.#ensuring.delete(key));
		}
		return pending;
	}

	async #create(path: string, signal?: AbortSignal): Promise<EnsuredMailbox> {
		try {
			return await this.#createExactly(path, signal);
		} catch (error) {
			// Cyrus 3.6 answers CREATE of an existing mailbox "NO Mailbox already exists" without RFC 5530's
			// [ALREADYEXISTS], which imapflow turns into created:false (servers.md §3): a parent Cyrus made real when
			// its child was created, or a folder another client created after our LIST. Whether it exists is asked
			// (STATUS succeeds only on an existing selectable mailbox), not read from the text.
			if (isDeclined(error) && (await this.#isSelectable(path, signal))) {
				this.#existing.set(path.toLowerCase(), path);
				await this.#subscribeExisting(path.toLowerCase(), path, signal);
				return {path, created: false};
			}
			const classified = classifyImapError(error, 'mailbox', path);
			// Dovecot's Maildir++ layout with '/' as separator cannot store '.' in a name:
			// "NO [CANNOT] Character not allowed in mailbox name: '.'" (servers.md §3).
			if (isNameRefused(error) && path.includes('.') && this.#layout.delimiter !== '.') {
				const prefix = this.#layout.prefix;
				const body = path.startsWith(prefix) ? path.slice(prefix.length) : path;
				const alt = prefix + body.replaceAll('.', '_');
				try {
					const ensured = await this.#createExactly(alt, signal);
					return {...ensured, note: `the server does not allow "." in folder names; "${path}" was created as "${alt}"`};
				} catch {
					throw classified;
				}
			}
			throw classified;
		}
	}

	/** Whether `path` exists and can be selected (RFC 3501 §6.3.10 STATUS); any failure means no. */
	#isSelectable(path: string, signal?: AbortSignal): Promise<boolean> {
		return this.#pool.run((client) => client.status(path, {uidValidity: true}), signal).then(() => true, () => false);
	}

	/**
	 * SUBSCRIBE (RFC 3501 §6.3.6) a mailbox that already existed, once per session. Idempotent on the server
	 * (subscribing twice is fine); a refusal is not a failure of the upload (some servers refuse it for
	 * special folders), so it is ignored like the one after CREATE.
	 */
	#subscribeExisting(key: string, path: string, signal?: AbortSignal): Promise<void> {
		let pending = this.#subscribing.get(key);
		if (!pending) {
			pending = this.#pool.run(async (client) => {
				await client.mailboxSubscribe(path);
			}, signal).catch(() => undefined);
			this.#subscribing.set(key, pending);
		}
		return pending;
	}

	async #createExactly(path: string, signal?: AbortSignal): Promise<EnsuredMailbox> {
		return this.#pool.run(async (client) => {
			const result = await client.mailboxCreate(path);
			try {
				await client.mailboxSubscribe(result.path);
			} catch {
				// Subscribing is a courtesy for clients that list only subscribed folders; not a failure.
			}
			this.#existing.set(result.path.toLowerCase(), result.path);
			return {path: result.path, created: result.created};
		}, signal);
	}

	async permanentFlags(path: string, signal?: AbortSignal): Promise<ReadonlySet<string> | undefined> {
		let cached = this.#permanent.get(path);
		if (!cached) {
			cached = this.mailboxState(path, signal).then((state) => state.permanentFlags);
			this.#permanent.set(path, cached);
			cached.catch(() => this.#permanent.delete(path));
		}
		return cached;
	}

	listedUidValidity(path: string): bigint | undefined {
		if (this.#now() - this.#listedAt > LISTING_TRUSTED_MS) return undefined;
		return this.#listedUidValidity.get(path);
	}

	/** SELECT (read-write, for PERMANENTFLAGS): message count, UIDVALIDITY, PERMANENTFLAGS. */
	async mailboxState(path: string, signal?: AbortSignal): Promise<MailboxState> {
		try {
			return await this.#pool.run(async (client) => {
				const mailbox = await client.mailboxOpen(path);
				const state: MailboxState = {
					exists: mailbox.exists,
					uidValidity: mailbox.uidValidity,
					permanentFlags: mailbox.permanentFlags ? new Set(mailbox.permanentFlags) : undefined,
				};
				this.#permanent.set(path, Promise.resolve(state.permanentFlags));
				return state;
			}, signal);
		} catch (error) {
			throw classifyImapError(error, 'mailbox', path);
		}
	}

	/**
	 * Reads every message's UID, RFC822.SIZE, INTERNALDATE, FLAGS and its Message-ID, Date, From and Subject
	 * header fields (one FETCH, no bodies; BODY.PEEK[HEADER.FIELDS …], RFC 3501 §6.4.5). With `headerDigests`
	 * (verify) it reads the whole header block instead (BODY.PEEK[HEADER]) and keeps only its sha256: the same
	 * FETCH pass, a few KiB per message more on the wire (measured in the issue #12 report), and it catches a
	 * server that rewrites headers without changing the size. Bodies are fetched later only to confirm a
	 * Message-ID-less candidate (ServerIndex rule 3) or for `verify --deep`.
	 */
	async loadIndex(path: string, signal?: AbortSignal, options: Readonly<{headerDigests?: boolean}> = {}): Promise<ServerIndex> {
		try {
			return await this.#pool.run(async (client) => {
				const mailbox = await client.mailboxOpen(path, {readOnly: true});
				const copies: ServerCopy[] = [];
				if (mailbox.exists > 0) {
					const headers = options.headerDigests === true ? true : ['message-id', 'date', 'from', 'subject'];
					for await (const m of client.fetch('1:*', {uid: true, size: true, internalDate: true, flags: true, headers})) {
						const messageId = normalizeMessageId(m.headers ? firstHeader(parseHeaders(m.headers), 'message-id') : undefined);
						const evidence = m.headers ? rewriteEvidence(m.headers) : undefined;
						const digest = options.headerDigests === true && m.headers ? headerDigest(m.headers) : undefined;
						copies.push({
							uid: m.uid, size: m.size ?? -1, internalDate: new Date(m.internalDate ?? 0), messageId, flags: new Set(m.flags ?? []),
							...(evidence === undefined ? {} : {evidence}), ...(digest === undefined ? {} : {headerDigest: digest}),
						});
					}
				}
				const fetchBody = (uid: number): Promise<Buffer | undefined> => this.#pool.run(async (c) => {
					if (!c.mailbox || c.mailbox.path !== path) await c.mailboxOpen(path, {readOnly: true});
					const found = await c.fetchOne(String(uid), {source: true}, {uid: true});
					return found ? found.source : undefined;
				}, signal);
				return new ServerIndex(path, mailbox.uidValidity, copies, fetchBody);
			}, signal);
		} catch (error) {
			throw classifyImapError(error, 'mailbox', path);
		}
	}

	async quota(signal?: AbortSignal): Promise<Quota | undefined> {
		try {
			return await this.#pool.run(async (client) => {
				if (!client.capabilities.has('QUOTA')) return undefined;
				const q = await client.getQuota('INBOX');
				if (!q || q.storage?.usage === undefined || q.storage.limit === undefined) return undefined;
				return {usedBytes: q.storage.usage, limitBytes: q.storage.limit};
			}, signal);
		} catch {
			return undefined; // a quota we cannot read is not a reason to fail
		}
	}

	async append(job: UploadJob, signal?: AbortSignal): Promise<AppendReceipt> {
		if (this.#closed) throw new MailshiftError('ABORTED', 'The uploader is closed.', 'fatal');
		if (this.#eightBit !== 'keep' && has8bitHeader(job.content)) return this.#append8bit(job, signal);
		return this.#appendPlain(job, signal);
	}

	/** Messages whose raw 8-bit header bytes were RFC 2047-encoded before APPEND in this session. */
	get encodedHeaders(): number {
		return this.#encodedHeaders;
	}

	#appendPlain(job: UploadJob, signal?: AbortSignal): Promise<AppendReceipt> {
		if (this.#batcher !== undefined) return this.#batcher.append(job, signal);
		return this.#appendSingle(job, signal);
	}

	/**
	 * A message with raw 8-bit header bytes, to a server that has not offered UTF8=ACCEPT (RFC 6855), which may
	 * therefore change them (Cyrus 3.6: each becomes `X`; Dovecot keeps them). The first such message of the
	 * session is the probe: sent as it is, its stored header is read back by its APPENDUID; kept → every later
	 * one is sent as it is; changed → that copy (ours, by UID: RFC 4315 UID EXPUNGE touches nothing else) is
	 * removed and it and every later one are sent with their 8-bit header values RFC 2047-encoded
	 * (encode-8bit-headers.ts), each receipt carrying a note for the summary.
	 * Exactly-once: the changed copy is removed BEFORE the encoded one is sent, so a crash in between leaves the
	 * message missing (its journal row `pending`: the next run looks, finds nothing, sends it) rather than twice.
	 * Without UIDPLUS nothing can be read back or removed safely: such servers keep getting the bytes as they are.
	 * Dedup and verify recognise the encoded copy (ServerIndex rule 4, '8bit-header-encoded').
	 */
	async #append8bit(job: UploadJob, signal?: AbortSignal): Promise<AppendReceipt> {
		while (this.#eightBit === undefined && this.#probing !== undefined) await this.#probing;
		if (this.#eightBit === 'keep') return this.#appendPlain(job, signal);
		if (this.#eightBit === 'encode') return this.#appendEncoded(job, signal);
		let done!: () => void;
		this.#probing = new Promise<void>((resolve) => (done = resolve));
		try {
			return await this.#probe8bit(job, signal);
		} finally {
			this.#probing = undefined;
			done();
		}
	}

	async #appendEncoded(job: UploadJob, signal?: AbortSignal): Promise<AppendReceipt> {
		const receipt = await this.#appendPlain({...job, content: encode8bitHeaders(job.content)}, signal);
		this.#encodedHeaders++;
		return {...receipt, note: REWRITE_WORDING['8bit-header-encoded']};
	}

	async #probe8bit(job: UploadJob, signal?: AbortSignal): Promise<AppendReceipt> {
		const receipt = await this.#appendSingle(job, signal);
		const uid = receipt.uid;
		const sent = headerBlock(job.content);
		if (uid === undefined || sent === undefined || !this.#capabilities.has('UIDPLUS')) {
			this.#eightBit = 'keep';
			return receipt;
		}
		const outcome = await this.#pool.run(async (client) => {
			await client.mailboxOpen(receipt.mailbox);
			const stored = await client.fetchOne(String(uid), {headers: true}, {uid: true});
			if (!stored || !stored.headers || stored.headers.equals(sent)) return 'kept';
			if (!(await client.messageDelete(String(uid), {uid: true}))) {
				throw new MailshiftError('MESSAGE_REJECTED', `${this.#label} changed the raw 8-bit header bytes of the message it stored as UID ${uid} in ${receipt.mailbox}, and that copy could not be removed.`, 'skip', {
					hint: 'Remove that copy by hand and run again: mailshift then sends it with its header encoded (RFC 2047).',
				});
			}
			return 'changed';
		}, signal).catch((error: unknown) => {
			throw error instanceof MailshiftError ? error : classifyImapError(error, 'append', `${this.#label} ${receipt.mailbox}`);
		});
		if (outcome === 'kept') {
			this.#eightBit = 'keep';
			return receipt;
		}
		this.#eightBit = 'encode';
		return this.#appendEncoded(job, signal);
	}

	/**
	 * One batch (see the file header). Outcomes per job: a receipt, or the classified error of that message.
	 * Never rejects as a whole.
	 */
	async #sendBatch(jobs: readonly UploadJob[]): Promise<Array<AppendReceipt | Error>> {
		const mailbox = jobs[0]!.mailbox;
		if (jobs.length === 1) {
			try {
				const receipt = await this.#appendSingle(jobs[0]!);
				this.#batcher?.delivered();
				return [receipt];
			} catch (error) {
				const e = toError(error);
				if (e instanceof MailshiftError && (e.disposition === 'verify' || e.disposition === 'retry')) this.#batcher?.shrink();
				return [e];
			}
		}
		try {
			return await this.#pool.run(async (client: ImapFlow) => {
				try {
					this.#appendCommands++;
					const receipts = await multiAppend(client, mailbox, jobs);
					this.#pool.acknowledged(client, jobs.map((job) => job.content));
					this.#batcher?.delivered();
					return receipts;
				} catch (error) {
					if (isBadCommand(error)) this.#pool.discard(client);
					throw error;
				}
			});
		} catch (error) {
			// Cut off, timed out, throttled: the same outcome for every message of the batch; later batches are
			// smaller (issue #12 item 11: on a link that drops every ~1 MB, an 8 MiB batch never gets through).
			// A refusal ([TRYCREATE] included) goes on below.
			if (!isRefusal(error)) {
				const e = classifyImapError(error, 'append', `${this.#label} ${mailbox}`);
				if (e.disposition === 'verify' || e.disposition === 'retry') this.#batcher?.shrink();
				return jobs.map(() => e);
			}
		}
		// Refused as a whole, nothing stored (RFC 3502): one by one, so each message gets its own answer, and a
		// vanished mailbox ([TRYCREATE]) is created again in #appendSingle, the one place that handles it.
		const outcomes: Array<AppendReceipt | Error> = [];
		for (const job of jobs) outcomes.push(await this.#appendSingle(job).catch((e: unknown) => toError(e)));
		return outcomes;
	}

	async #appendSingle(job: UploadJob, signal?: AbortSignal): Promise<AppendReceipt> {
		try {
			return await this.#appendOnce(job, signal);
		} catch (error) {
			if (!isTryCreate(error)) throw error;
			// RFC 3501 §6.3.11: [TRYCREATE] — the mailbox vanished (deleted by another client): create, send once more.
			// The one place TRYCREATE is handled: a refused batch is sent again one by one through here.
			this.#existing.delete(job.mailbox.toLowerCase());
			this.#listedUidValidity.delete(job.mailbox);
			this.#ensuring.delete(job.mailbox.toLowerCase());
			await this.ensureMailbox(job.mailbox, signal);
			try {
				return await this.#appendOnce(job, signal);
			} catch (again) {
				throw classifyImapError(again, 'append', `${this.#label} ${job.mailbox}`);
			}
		}
	}

	async #appendOnce(job: UploadJob, signal?: AbortSignal): Promise<AppendReceipt> {
		return this.#pool.run(async (client: ImapFlow) => {
			try {
				this.#appendCommands++;
				// Our own APPEND (multi-append.ts) for one message too: LITERAL+ whatever its size.
				const [receipt] = await multiAppend(client, job.mailbox, [job]);
				this.#pool.acknowledged(client, [job.content]);
				return receipt!;
			} catch (error) {
				if (isBadCommand(error)) this.#pool.discard(client);
				if (isTryCreate(error)) throw error;
				throw classifyImapError(error, 'append', `${this.#label} ${job.mailbox}`);
			}
		}, signal);
	}

	async close(): Promise<void> {
		if (this.#closed) return;
		this.#closed = true;
		await this.#pool.close();
	}
}

/** Layout from the first connection: NAMESPACE's personal namespace, else LIST's delimiter. */
function readLayout(client: ImapFlow, mailboxes: readonly ListResponse[]): ServerLayout {
	const delimiter = client.namespace?.delimiter || mailboxes.find((m) => m.delimiter)?.delimiter || '/';
	const prefix = client.namespace?.prefix ?? '';
	const specialUse = new Map<Exclude<Role, 'inbox'>, string>();
	const byAttribute = new Map(Object.entries(ROLE_ATTRIBUTE).map(([role, attr]) => [attr.toLowerCase(), role as Exclude<Role, 'inbox'>]));
	// Server-declared roles (RFC 6154) first, then imapflow's name heuristics; first mailbox of a role wins.
	for (const trusted of [true, false]) {
		for (const mailbox of mailboxes) {
			if (!mailbox.specialUse || mailbox.flags.has('\\Noselect')) continue;
			const isDeclared = mailbox.specialUseSource !== 'name';
			if (isDeclared !== trusted) continue;
			const role = byAttribute.get(mailbox.specialUse.toLowerCase());
			if (role && !specialUse.has(role)) specialUse.set(role, mailbox.path);
		}
	}
	return {delimiter, prefix, specialUse};
}

function toError(error: unknown): Error {
	return error instanceof Error ? error : new Error(String(error));
}
