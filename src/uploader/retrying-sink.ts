/**
 * RetryingSink: the one retry policy of uploads (STYLE rules 3 and 9), a MailSink decorator. It re-sends an
 * APPEND only when the error says it was NOT stored — disposition 'retry', as classify-imap-error.ts decides
 * (a throttle, a connection that could not be had) — never on 'verify' (outcome unknown: the engine looks on
 * the server first, engine/upload.ts) nor on a definite refusal ('skip') or a 'fatal' error.
 *
 * Policy, per message, bounded:
 * - THROTTLED (imapflow ETHROTTLE with Microsoft 365's "Suggested Backoff Time", [LIMIT]/[UNAVAILABLE],
 *   Gmail's bandwidth [OVERQUOTA] text): every upload pauses until the server's time, or an exponential
 *   backoff with jitter when it gave none; at most MAX_THROTTLED in a row, each wait at most 5 minutes
 *   (imapflow's own cap); `onThrottle` tells the user until when. Safe: a throttled APPEND was refused.
 * - Other 'retry' errors: bounded backoff; RETRIES in a row with no message landing through this sink in
 *   between (while others land, a cut link is still moving mail and the message keeps its turn, issue #12
 *   item 11).
 * - MAX_ATTEMPTS in all. Every wait ends when `append`'s signal aborts: the message is then not sent (ABORTED).
 * Composed by build-sink.ts outside PacedSink, so every attempt is paced again. Concurrency-safe (one event loop).
 */
import {MailshiftError} from '../contracts/errors.js';
import type {AppendReceipt, UploadJob} from '../contracts/types.js';
import type {MailSink} from '../contracts/mail-sink.js';
import {sleep} from '../util/sleep.js';
import {ForwardingSink} from './forwarding-sink.js';

/** Attempts of one message in a row (non-throttle 'retry' errors) with no message landing in between. */
const RETRIES = 3;
/** Throttle answers to one message in a row. */
const MAX_THROTTLED = 8;
/** Attempts of one message at most, whatever happened. */
const MAX_ATTEMPTS = 30;
/** Longest wait for a throttle (imapflow caps the server's back-off at 5 min). */
const MAX_THROTTLE_WAIT_MS = 5 * 60_000;
/** Longest wait between other attempts. */
const MAX_RETRY_WAIT_MS = 60_000;

export type RetryOptions = Readonly<{
	/** Told when uploads pause for the server, with the time they resume and the server's words. */
	onThrottle?: (untilMs: number, reason: string) => void;
	now?: () => number;
	sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
	random?: () => number;
}>;

export class RetryingSink extends ForwardingSink {
	readonly #options: RetryOptions;
	readonly #now: () => number;
	readonly #sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
	/** Until when every upload waits: the server asked for a pause. */
	#pausedUntil = 0;
	/** Messages that landed through this sink: the retry budget's progress. */
	#landed = 0;

	constructor(inner: MailSink, options: RetryOptions = {}) {
		super(inner);
		this.#options = options;
		this.#now = options.now ?? Date.now;
		this.#sleep = options.sleep ?? sleep;
	}

	override async append(job: UploadJob, signal?: AbortSignal): Promise<AppendReceipt> {
		let stalled = 0;
		let throttled = 0;
		let landedBefore = this.#landed;
		for (let attempt = 1; ; attempt++) {
			const now = this.#now();
			if (this.#pausedUntil > now) await this.#sleep(this.#pausedUntil - now, signal);
			if (signal?.aborted) throw new MailshiftError('ABORTED', 'Stopped.', 'fatal');
			try {
				const receipt = await this.inner.append(job, signal);
				this.#landed++;
				return receipt;
			} catch (error) {
				if (!(error instanceof MailshiftError) || error.disposition !== 'retry' || attempt >= MAX_ATTEMPTS || signal?.aborted) throw error;
				if (error.code === 'THROTTLED') {
					if (++throttled >= MAX_THROTTLED) throw error;
					this.#pauseFor(error, throttled);
					continue;
				}
				throttled = 0;
				if (this.#landed !== landedBefore) {
					stalled = 0;
					landedBefore = this.#landed;
				}
				if (++stalled >= RETRIES) throw error;
				await this.#sleep(Math.min(error.retryAfterMs ?? 1000 * 2 ** attempt, MAX_RETRY_WAIT_MS), signal);
			}
		}
	}

	/** Pauses every upload for the server's time (or backoff with jitter) and tells the user. */
	#pauseFor(error: MailshiftError, throttled: number): void {
		const backoff = Math.min(MAX_THROTTLE_WAIT_MS, 1000 * 2 ** (throttled - 1));
		const jitter = 0.8 + 0.4 * (this.#options.random ?? Math.random)();
		const waitMs = Math.min(MAX_THROTTLE_WAIT_MS, Math.round((error.retryAfterMs ?? backoff) * jitter));
		const until = this.#now() + waitMs;
		if (until > this.#pausedUntil) {
			this.#pausedUntil = until;
			this.#options.onThrottle?.(until, error.message);
		}
	}
}
