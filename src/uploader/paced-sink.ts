/**
 * PacedSink: a MailSink decorator for the server's limits and the user's (rclone's pacer, adapted).
 *
 * - `--max-rate N` messages/s and `--bwlimit BYTES/s`: token buckets that may go into debt, so a message
 *   bigger than a second's budget is sent and later ones wait for it (the long-run rate is exact; no chunking).
 * - After a throttle (THROTTLED passing through), a minimum gap between uploads is kept and halves with every
 *   success (adaptive). Waiting out the throttle and sending again is RetryingSink's job (retrying-sink.ts,
 *   composed outside this one by build-sink.ts, so every attempt is paced).
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
	now?: () => number;
	sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}>;

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
	readonly #now: () => number;
	readonly #sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
	readonly #messages: DebtBucket | undefined;
	readonly #bytes: DebtBucket | undefined;
	#gapMs = 0;
	#lastStart = 0;

	constructor(inner: MailSink, options: PacingOptions) {
		this.#inner = inner;
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
		await this.#pace(job.content.length, signal);
		if (signal?.aborted) throw new MailshiftError('ABORTED', 'Stopped.', 'fatal');
		try {
			const receipt = await this.#inner.append(job, signal);
			this.#gapMs = this.#gapMs < 10 ? 0 : this.#gapMs / 2;
			return receipt;
		} catch (error) {
			if (error instanceof MailshiftError && error.code === 'THROTTLED') {
				// Without a time from the server, keep a growing gap between uploads; with one, the pause RetryingSink
				// keeps is what the server asked for and the gap only grows gently.
				this.#gapMs = error.retryAfterMs === undefined ? Math.min(10_000, Math.max(this.#gapMs * 2, 100)) : Math.min(1000, Math.max(this.#gapMs, 50));
			}
			throw error;
		}
	}

	/** Waits for the adaptive gap, then the message and byte buckets. */
	async #pace(bytes: number, signal?: AbortSignal): Promise<void> {
		const now = this.#now();
		const gapWait = this.#lastStart + this.#gapMs - now;
		this.#lastStart = Math.max(now, this.#lastStart + this.#gapMs);
		const wait = Math.max(gapWait, this.#messages?.take(1, now) ?? 0, this.#bytes?.take(bytes, now) ?? 0);
		if (wait > 0) await this.#sleep(wait, signal);
	}
}
