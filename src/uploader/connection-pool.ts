/**
 * A bounded pool of ImapFlow connections (imapflow runs one command at a time per connection,
 * packages.md §4, so parallelism = connections).
 *
 * Contract:
 * - `run(fn)` leases a connection, runs fn, releases it. At most `size` connections exist.
 * - A connection that closed or errored is discarded and replaced by a new one on the next lease —
 *   never reconnected (imapflow instances cannot reconnect: InstanceReused).
 * - Every instance has `error` and `close` listeners: an unhandled 'error' event would crash Node.
 * - When the server refuses an extra connection ([LIMIT], servers.md §0.5), the pool shrinks to what it
 *   has and goes on; the first connection's failure is fatal and classified.
 * - `logger: false`: imapflow's default pino logger writes to stdout (packages.md §4).
 */
import {ImapFlow} from 'imapflow';
import {MailshiftError} from '../contracts/errors.js';
import {classifyImapError, lacksLoginMechanism} from './classify-imap-error.js';
import type {ImapTarget} from './imap-target.js';
import type {TokenSource} from '../contracts/token-source.js';
import {describeTarget} from './imap-target.js';
import {pinnedTransport} from './tls-pin.js';
import {compressionReport, decideCompression} from './compression.js';
import type {CompressMode, CompressionDecision, CompressionReport} from './compression.js';

export type PoolOptions = Readonly<{
	target: ImapTarget;
	password: string;
	/** When set, log in with XOAUTH2/OAUTHBEARER using this token instead of the password. */
	tokenSource?: TokenSource;
	/** Maximum connections. @default 4 */
	size: number;
	/** Called on connection state changes (for progress displays). */
	onConnection?: (id: number, state: 'up' | 'down') => void;
	/** Called when the pool shrinks because the server refused a connection. */
	onShrink?: (size: number, reason: string) => void;
	/** COMPRESS=DEFLATE (RFC 4978): decided once per pool, see compression.ts. @default 'auto' */
	compress?: CompressMode;
}>;

type Slot = {id: number; client: ImapFlow; busy: boolean};

export class ConnectionPool {
	readonly #options: PoolOptions;
	readonly #slots: Slot[] = [];
	#size: number;
	#nextId = 1;
	#opening = 0;
	#closed = false;
	readonly #waiters: Array<() => void> = [];
	#decision: Promise<CompressionDecision> | undefined;
	#compression: CompressionReport | undefined;

	constructor(options: PoolOptions) {
		this.#options = options;
		this.#size = Math.max(1, options.size);
	}

	get size(): number {
		return this.#size;
	}

	/** Changes the maximum; extra idle connections are logged out. */
	setSize(n: number): void {
		this.#size = Math.max(1, n);
		for (const slot of this.#slots.filter((s) => !s.busy).slice(Math.max(0, this.#size - this.#slots.filter((s) => s.busy).length))) {
			this.#discard(slot);
			void slot.client.logout().catch(() => slot.client.close());
		}
		this.#wake();
	}

	get openCount(): number {
		return this.#slots.length;
	}

	/** Whether the sessions are compressed and why; undefined before the first connection is up. */
	get compression(): CompressionReport | undefined {
		return this.#compression;
	}

	/** Opens one connection (used up front to validate the URL and credentials). */
	async open(): Promise<ImapFlow> {
		const slot = await this.#create();
		return slot.client;
	}

	/** Runs fn with a leased connection. The connection is discarded if it is no longer usable afterwards. */
	async run<T>(fn: (client: ImapFlow) => Promise<T>, signal?: AbortSignal): Promise<T> {
		const slot = await this.#lease(signal);
		try {
			return await fn(slot.client);
		} finally {
			slot.busy = false;
			if (!slot.client.usable) this.#discard(slot);
			this.#wake();
		}
	}

	/** Drops a connection whose session can no longer be trusted (e.g. BAD after a non-synchronizing literal). */
	discard(client: ImapFlow): void {
		const slot = this.#slots.find((s) => s.client === client);
		if (slot) this.#discard(slot);
		client.close();
	}

	async close(): Promise<void> {
		if (this.#closed) return;
		this.#closed = true;
		const slots = this.#slots.splice(0);
		await Promise.all(slots.map(async (slot) => {
			try {
				await slot.client.logout();
			} catch {
				slot.client.close();
			}
		}));
		this.#wake();
	}

	async #lease(signal?: AbortSignal): Promise<Slot> {
		for (;;) {
			if (this.#closed) throw new MailshiftError('ABORTED', 'The connection pool is closed.', 'fatal');
			if (signal?.aborted) throw new MailshiftError('ABORTED', 'Stopped.', 'fatal');
			const idle = this.#slots.find((s) => !s.busy && s.client.usable);
			if (idle) {
				idle.busy = true;
				return idle;
			}
			if (this.#slots.length + this.#opening < this.#size) {
				this.#opening++;
				try {
					const slot = await this.#create();
					slot.busy = true;
					return slot;
				} catch (error) {
					const classified = classifyImapError(error, 'connect', describeTarget(this.#options.target));
					if (this.#slots.length === 0 || classified.code !== 'THROTTLED') throw classified;
					this.#size = Math.max(1, this.#slots.length);
					this.#options.onShrink?.(this.#size, classified.message);
				} finally {
					this.#opening--;
				}
				continue;
			}
			await new Promise<void>((resolve) => this.#waiters.push(resolve));
		}
	}

	async #create(): Promise<Slot> {
		try {
			return await this.#createOnce();
		} catch (error) {
			// An OAuth token expires (an hour for Google and Microsoft): get a new one and log in again, once.
			const tokens = this.#options.tokenSource;
			if (!tokens || lacksLoginMechanism(error) || classifyImapError(error, 'connect', describeTarget(this.#options.target)).code !== 'AUTH_FAILED' || !(await tokens.refresh())) throw error;
			return await this.#createOnce();
		}
	}

	async #createOnce(): Promise<Slot> {
		const {target, password, tokenSource} = this.#options;
		const auth = tokenSource ? {user: target.user, accessToken: await tokenSource.current()} : {user: target.user, pass: password};
		this.#decision ??= decideCompression(this.#options.compress ?? 'auto', target.host);
		const decision = await this.#decision;
		const client = new ImapFlow({
			host: target.host,
			port: target.port,
			secure: target.implicitTls,
			...(target.implicitTls ? {} : {doSTARTTLS: target.requireStartTls ? true : undefined}),
			auth,
			tls: {rejectUnauthorized: !target.insecure, ...(target.ca ? {ca: target.ca} : {})},
			...(target.tlsFingerprint ? {transport: pinnedTransport(target.tlsFingerprint)} : {}),
			logger: false,
			disableAutoIdle: true,
			disableCompression: !decision.request,
			clientInfo: {name: 'mailshift'},
			connectionTimeout: 30_000,
			greetingTimeout: 30_000,
		});
		const id = this.#nextId++;
		const slot: Slot = {id, client, busy: false};
		client.on('error', () => {
			// Handled through failed commands and 'close'; the listener prevents a process crash.
		});
		client.on('close', () => {
			this.#discard(slot);
			this.#wake();
		});
		try {
			await client.connect();
		} catch (error) {
			client.close();
			throw classifyImapError(error, 'connect', describeTarget(target), {isOAuth: tokenSource !== undefined});
		}
		if (this.#closed) {
			client.close();
			throw new MailshiftError('ABORTED', 'The connection pool is closed.', 'fatal');
		}
		// imapflow 2.x keeps the deflate stream of a compressed session in `_deflate` (no public accessor).
		this.#compression ??= compressionReport(decision, (client as unknown as {_deflate?: unknown})._deflate != null, client.capabilities.has('COMPRESS=DEFLATE'));
		this.#slots.push(slot);
		this.#options.onConnection?.(id, 'up');
		return slot;
	}

	#discard(slot: Slot): void {
		const index = this.#slots.indexOf(slot);
		if (index >= 0) {
			this.#slots.splice(index, 1);
			this.#options.onConnection?.(slot.id, 'down');
		}
	}

	#wake(): void {
		for (const waiter of this.#waiters.splice(0)) waiter();
	}
}
