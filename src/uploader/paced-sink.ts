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
import type {MailSink} from '../contracts/mail-sink.js';
import {sleep} from '../util/sleep.js';
import {ForwardingSink} from './forwarding-sink.js';

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

export class PacedSink extends ForwardingSink {
	readonly #now: () => number;
	readonly #sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
	readonly #messages: DebtBucket | undefined;
	readonly #bytes: DebtBucket | undefined;
	#gapMs = 0;
	#lastStart = 0;

	constructor(inner: MailSink, options: PacingOptions) {
		super(inner);
		this.#now = options.now ?? Date.now;
		this.#sleep = options.sleep ?? sleep;
		const now = this.#now();
		if (options.maxRate) this.#messages = new DebtBucket(options.maxRate, Math.max(1, options.maxRate), now);
		if (options.bytesPerSecond) this.#bytes = new DebtBucket(options.bytesPerSecond, Math.max(64 * 1024, options.bytesPerSecond), now);
	}

	override async append(job: UploadJob, signal?: AbortSignal): Promise<AppendReceipt> {
		await this.#pace(job.content.length, signal);
		if (signal?.aborted) throw new MailshiftError('ABORTED', 'Stopped.', 'fatal');
		try {
			const receipt = await this.inner.append(job, signal);
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
