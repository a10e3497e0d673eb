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
import {ImapFlow} from './imapflow-class.js';
import {MailshiftError} from '../contracts/errors.js';
import {classifyImapError, lacksLoginMechanism} from './classify-imap-error.js';
import type {ImapTarget} from './imap-target.js';
import type {TokenSource} from '../contracts/token-source.js';
import {describeTarget} from './imap-target.js';
import {pinnedTransport} from './tls-pin.js';
import {CompressionMeter, CompressionTrial, DEFLATE_LEVEL, measuredNumbers} from './compression.js';
import type {CompressMode, CompressionReport, MeterOptions} from './compression.js';
import {startDeflate} from './deflate-session.js';
import {literalMode} from './append-command.js';

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
	/** COMPRESS=DEFLATE (RFC 4978), see compression.ts. @default 'auto' */
	compress?: CompressMode;
	/** `auto`'s measurement windows (tests pass small ones). @default CompressionMeter's defaults */
	meterOptions?: MeterOptions;
}>;

/** `leasedAt` (seconds), `acked` and `ackedMessages` (mail acknowledged since) describe the current lease, for `auto`'s trial. */
type Slot = {id: number; client: ImapFlow; busy: boolean; compressed: boolean; leasedAt: number; acked: number; ackedMessages: number};

const clock = (): number => performance.now() / 1000;

export class ConnectionPool {
	readonly #options: PoolOptions;
	readonly #slots: Slot[] = [];
	#size: number;
	#nextId = 1;
	#opening = 0;
	#closed = false;
	readonly #waiters: Array<() => void> = [];
	readonly #mode: CompressMode;
	/** `auto` only: measures the first part of the upload (compression.ts). */
	readonly #meter: CompressionMeter | undefined;
	/** `auto`: one connection compressed, the others not, to see whether compression pays (compression.ts judgeTrial). */
	#trial: CompressionTrial | undefined;
	#trialSlot: Slot | undefined;
	/** `auto`: the next leased connection is to be compressed and start the trial. */
	#trialPending = false;
	/** `auto`: the trial's connection closed before the trial ended; nothing more is compressed. */
	#trialLost = false;
	/** Whether connections are to be compressed (as each is next leased). */
	#wantCompression: boolean;
	/** Whether the server offers COMPRESS=DEFLATE; undefined before the first connection. */
	#offered: boolean | undefined;
	/** Sessions that were compressed, and when the first one was (MiB acknowledged by then, for `auto`). */
	#compressedSessions = 0;
	/** A session whose COMPRESS the server declined. */
	#declined = false;

	constructor(options: PoolOptions) {
		this.#options = options;
		this.#size = Math.max(1, options.size);
		this.#mode = options.compress ?? 'auto';
		this.#meter = this.#mode === 'auto' ? new CompressionMeter(options.meterOptions) : undefined;
		this.#wantCompression = this.#mode === 'on';
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

	/**
	 * Whether the sessions are compressed and why; undefined before the first connection is up. `used`: compression
	 * was chosen and at least one session is compressed (a trial's one connection alone is not `used`; the reason
	 * says so).
	 */
	get compression(): CompressionReport | undefined {
		if (this.#offered === undefined) return undefined;
		const mode = this.#mode;
		const used = this.#wantCompression && this.#compressedSessions > 0;
		if (mode === 'off') return {mode, used, reason: '--compress off', measured: null};
		if (!this.#offered) return {mode, used, reason: 'the server does not offer COMPRESS=DEFLATE', measured: null};
		const declined = this.#declined && this.#compressedSessions === 0 ? '; the server refused COMPRESS' : '';
		const level = this.#compressedSessions > 0 ? ` (DEFLATE level ${DEFLATE_LEVEL})` : '';
		if (mode === 'on') return {mode, used, reason: `--compress on${level}${declined}`, measured: null};
		const meter = this.#meter!;
		const verdict = meter.verdict;
		if (!verdict) {
			return {mode, used, reason: `the upload ended before auto had measured enough (${(meter.ackedBytes / 2 ** 20).toFixed(1)} of ${(meter.windowBytes / 2 ** 20).toFixed(0)} MiB acknowledged), so it stayed uncompressed`, measured: null};
		}
		const trial = this.#trial?.verdict;
		const measured = {...measuredNumbers(verdict), trialSpeedup: trial ? Number(trial.speedup.toFixed(2)) : null};
		if (!verdict.compress) return {mode, used, reason: `${verdict.reason}${declined}`, measured};
		const sessions = `${this.#compressedSessions} connection${this.#compressedSessions === 1 ? '' : 's'} compressed${level}${used ? '' : ' for the trial only'}`;
		const then = trial ? `; then ${trial.reason}` : this.#trialLost ? '; then the trial connection closed before the trial ended' : this.#trial || this.#trialPending ? '; the upload ended during the trial with one connection compressed' : '';
		return {mode, used, reason: `${verdict.reason}${then}; ${sessions}${declined}`, measured};
	}

	/**
	 * Called by the sink with the contents of APPENDs whose tagged OK arrived: `auto` measures the link and the
	 * mail's compressibility from them and, once decided for compression, compresses each connection as it is
	 * next leased. Cheap after the measurement window.
	 */
	acknowledged(client: ImapFlow, contents: readonly Uint8Array[]): void {
		const meter = this.#meter;
		if (!meter || !this.#offered) return;
		const slot = this.#slots.find((s) => s.client === client);
		if (slot) {
			slot.acked += contents.reduce((sum, c) => sum + c.length, 0);
			slot.ackedMessages += contents.length;
		}
		if (meter.verdict) return;
		if (!meter.acknowledged(contents)?.compress) return;
		// Predicted to pay. When the server takes every literal without a round trip (LITERAL+: append-command.ts),
		// what limits the rate is the link, as the prediction assumes: compress every connection. Else a round trip per
		// message may be the limit: with one connection, compress it; with more, try one first (judgeTrial), as it
		// cannot be undone. (A one-connection trial cannot see a shared link's gain well: measured through the 20 Mbit/s
		// proxy, the standard corpus's trial said 0.98× where compressing all was 1.36× faster; docs/benchmarks.md.)
		if (this.#size >= 2 && literalMode(client.capabilities) !== 'plus') this.#trialPending = true;
		else this.#wantCompression = true;
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
			const trial = this.#trial;
			if (trial && !trial.verdict && slot.leasedAt >= trial.startAt && this.#slots.includes(slot)) {
				const lease = {messages: slot.ackedMessages, bytes: slot.acked, seconds: clock() - slot.leasedAt};
				if (trial.record(slot === this.#trialSlot, lease)?.compress) this.#wantCompression = true;
			}
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
				if (await this.#prepare(idle)) return idle;
				continue;
			}
			if (this.#slots.length + this.#opening < this.#size) {
				this.#opening++;
				try {
					const slot = await this.#create();
					slot.busy = true;
					if (await this.#prepare(slot)) return slot;
					continue;
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
			// COMPRESS is issued by the pool (deflate-session.ts), to set the level and to start it mid-session.
			disableCompression: true,
			clientInfo: {name: 'mailshift'},
			connectionTimeout: 30_000,
			greetingTimeout: 30_000,
		});
		const id = this.#nextId++;
		const slot: Slot = {id, client, busy: false, compressed: false, leasedAt: 0, acked: 0, ackedMessages: 0};
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
		this.#offered ??= client.capabilities.has('COMPRESS=DEFLATE');
		if (this.#wantCompression) {
			try {
				await startDeflate(client, DEFLATE_LEVEL).then((on) => this.#compressed(slot, on));
			} catch (error) {
				client.close();
				throw classifyImapError(error, 'connect', describeTarget(target), {isOAuth: tokenSource !== undefined});
			}
		}
		this.#slots.push(slot);
		this.#options.onConnection?.(id, 'up');
		return slot;
	}

	/**
	 * Readies a leased connection: compresses it when wanted (or to start the trial) and starts its lease's
	 * bookkeeping. False when the connection broke (it is then discarded and closed).
	 */
	async #prepare(slot: Slot): Promise<boolean> {
		if (this.#trialPending && !slot.compressed) {
			this.#trialPending = false;
			if (!(await this.#compress(slot))) {
				this.#trialPending = true;
				return false;
			}
			if (this.#compressedSessions > 0) {
				this.#trialSlot = slot;
				this.#trial = new CompressionTrial(this.#options.meterOptions);
			}
		} else if (this.#wantCompression && !slot.compressed && !(await this.#compress(slot))) {
			return false;
		}
		slot.leasedAt = clock();
		slot.acked = 0;
		slot.ackedMessages = 0;
		return true;
	}

	/** Compresses a leased idle connection; false when it broke (it is then discarded and closed). */
	async #compress(slot: Slot): Promise<boolean> {
		try {
			this.#compressed(slot, await startDeflate(slot.client, DEFLATE_LEVEL));
			return true;
		} catch {
			slot.busy = false;
			this.#discard(slot);
			slot.client.close();
			return false;
		}
	}

	#compressed(slot: Slot, on: boolean): void {
		// Declined (or not offered): never asked again on this connection; the session goes on uncompressed.
		slot.compressed = true;
		if (on) this.#compressedSessions++;
		else this.#declined = true;
	}

	#discard(slot: Slot): void {
		if (slot === this.#trialSlot && this.#trial && !this.#trial.verdict) {
			this.#trial = undefined;
			this.#trialLost = true;
		}
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
