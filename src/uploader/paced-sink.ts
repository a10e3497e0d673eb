/**
 * PacedSink: a MailSink decorator for the server's limits and the user's (rclone's pacer, adapted).
 *
 * - `--max-rate N` messages/s and `--bwlimit BYTES/s`: token buckets that may go into debt, so a message
 *   bigger than a second's budget is sent and later ones wait for it (the long-run rate is exact; no chunking).
 * - Server throttling (imapflow ETHROTTLE with Microsoft 365's "Suggested Backoff Time", [LIMIT] /
 *   [UNAVAILABLE] / Gmail's bandwidth [OVERQUOTA] text classified as THROTTLED): every upload pauses until the
 *   server's time (or an exponential backoff with jitter when it gave none), and the message is sent again —
 *   safe, because a throttled APPEND was refused, not stored. Bounded: at most 8 attempts per message and
 *   5 minutes per wait (imapflow's own cap); `onThrottle` tells the user until when.
 * - After a throttle, a minimum gap between uploads is kept and halves with every success (adaptive).
 * - Every wait ends when `append`'s signal aborts (a stop): the message is then not sent (ABORTED), so a stop
 *   never waits for the pacer, however far the buckets are in debt.
 */
import {MailshiftError} from '../contracts/errors.js';
import type {AppendReceipt, UploadJob} from '../contracts/types.js';
import type {ServerLayout} from '../contracts/server-layout.js';
import type {EnsuredMailbox, MailboxState, MailSink, Quota} from '../contracts/mail-sink.js';
import type {MailboxIndex} from '../contracts/mailbox-index.js';

export type PacingOptions = Readonly<{
	/** Messages per second. @default unlimited */
	maxRate?: number;
	/** Bytes per second. @default unlimited */
	bytesPerSecond?: number;
	/** Told when uploads pause for the server, with the time they resume. */
	onThrottle?: (untilMs: number, reason: string) => void;
	now?: () => number;
	sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
	random?: () => number;
}>;

const MAX_ATTEMPTS = 8;
const MAX_WAIT_MS = 5 * 60_000;

class DebtBucket {
	#tokens: number;
	#at: number;
	constructor(readonly rate: number, readonly capacity: number, now: number) {
		this.#tokens = capacity;
		this.#at = now;
	}
	/** Milliseconds to wait before `cost` may be spent (then it is spent). */
	take(cost: number, now: number): number {
		this.#tokens = Math.min(this.capacity, this.#tokens + ((now - this.#at) / 1000) * this.rate);
		this.#at = now;
		const wait = this.#tokens >= 0 ? 0 : (-this.#tokens / this.rate) * 1000;
		this.#tokens -= cost;
		return wait;
	}
}

function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
	return new Promise((resolve) => {
		if (ms <= 0 || signal?.aborted) return resolve();
		const timer = setTimeout(done, ms);
		signal?.addEventListener('abort', done, {once: true});
		function done(): void {
			clearTimeout(timer);
			signal?.removeEventListener('abort', done);
			resolve();
		}
	});
}

export class PacedSink implements MailSink {
	readonly #inner: MailSink;
	readonly #options: PacingOptions;
	readonly #now: () => number;
	readonly #sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
	readonly #messages: DebtBucket | undefined;
	readonly #bytes: DebtBucket | undefined;
	#pausedUntil = 0;
	#gapMs = 0;
	#lastStart = 0;

	constructor(inner: MailSink, options: PacingOptions) {
		this.#inner = inner;
		this.#options = options;
		this.#now = options.now ?? Date.now;
		this.#sleep = options.sleep ?? defaultSleep;
		const now = this.#now();
		if (options.maxRate) this.#messages = new DebtBucket(options.maxRate, Math.max(1, options.maxRate), now);
		if (options.bytesPerSecond) this.#bytes = new DebtBucket(options.bytesPerSecond, Math.max(64 * 1024, options.bytesPerSecond), now);
		if (inner.mailboxState) this.mailboxState = (path, signal) => inner.mailboxState!(path, signal);
		if (inner.loadIndex) this.loadIndex = (path, signal, options) => inner.loadIndex!(path, signal, options);
		if (inner.quota) this.quota = (signal) => inner.quota!(signal);
		if (inner.setConnections) this.setConnections = (n) => inner.setConnections!(n);
		if (inner.appendWindow) this.appendWindow = () => inner.appendWindow!();
	}

	mailboxState?: (path: string, signal?: AbortSignal) => Promise<MailboxState>;
	loadIndex?: (path: string, signal?: AbortSignal, options?: Readonly<{headerDigests?: boolean}>) => Promise<MailboxIndex>;
	quota?: (signal?: AbortSignal) => Promise<Quota | undefined>;
	setConnections?: (n: number) => void;
	appendWindow?: () => number;

	layout(): ServerLayout {
		return this.#inner.layout();
	}

	ensureMailbox(path: string, signal?: AbortSignal): Promise<EnsuredMailbox> {
		return this.#inner.ensureMailbox(path, signal);
	}

	permanentFlags(path: string, signal?: AbortSignal): Promise<ReadonlySet<string> | undefined> {
		return this.#inner.permanentFlags(path, signal);
	}

	connections(): number {
		return this.#inner.connections();
	}

	close(): Promise<void> {
		return this.#inner.close();
	}

	async append(job: UploadJob, signal?: AbortSignal): Promise<AppendReceipt> {
		for (let attempt = 1; ; attempt++) {
			await this.#pace(job.content.length, signal);
			if (signal?.aborted) throw new MailshiftError('ABORTED', 'Stopped.', 'fatal');
			try {
				const receipt = await this.#inner.append(job, signal);
				this.#gapMs = this.#gapMs < 10 ? 0 : this.#gapMs / 2;
				return receipt;
			} catch (error) {
				if (!(error instanceof MailshiftError) || error.code !== 'THROTTLED' || attempt >= MAX_ATTEMPTS) throw error;
				const backoff = Math.min(MAX_WAIT_MS, 1000 * 2 ** (attempt - 1));
				const jitter = 0.8 + 0.4 * (this.#options.random ?? Math.random)();
				const waitMs = Math.min(MAX_WAIT_MS, Math.round((error.retryAfterMs ?? backoff) * jitter));
				const until = this.#now() + waitMs;
				if (until > this.#pausedUntil) {
					this.#pausedUntil = until;
					this.#options.onThrottle?.(until, error.message);
				}
				// Without a time from the server, keep a growing gap between uploads; with one, the pause above is
				// what the server asked for and the gap only grows gently.
				this.#gapMs = error.retryAfterMs === undefined ? Math.min(10_000, Math.max(this.#gapMs * 2, 100)) : Math.min(1000, Math.max(this.#gapMs, 50));
			}
		}
	}

	/** Waits for: a server pause, the adaptive gap, then the message and byte buckets. */
	async #pace(bytes: number, signal?: AbortSignal): Promise<void> {
		let now = this.#now();
		if (this.#pausedUntil > now) await this.#sleep(this.#pausedUntil - now, signal);
		now = this.#now();
		const gapWait = this.#lastStart + this.#gapMs - now;
		this.#lastStart = Math.max(now, this.#lastStart + this.#gapMs);
		const wait = Math.max(gapWait, this.#messages?.take(1, now) ?? 0, this.#bytes?.take(bytes, now) ?? 0);
		if (wait > 0) await this.#sleep(wait, signal);
	}
}
