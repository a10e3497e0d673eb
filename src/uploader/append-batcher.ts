/**
 * AppendBatcher: group commit for uploads. Concurrent `append` calls for the same mailbox are gathered into
 * batches that one MULTIAPPEND command sends (multi-append.ts); each caller gets its own message's receipt or
 * error, so the engine and the journal keep working per message.
 *
 * When a batch goes out (bounded: at most `maxMessages` messages and, beyond its first message, `maxBytes`):
 * - as soon as it is full;
 * - when fewer than `slots()` batches are in flight (a connection would otherwise sit idle): after `lingerMs`,
 *   so that messages the reader is producing right now join it;
 * - when a batch in flight finishes: the pending one goes next, whatever its size.
 * So with a slow server, batches fill up while the connections are busy; with a fast one they stay small and
 * nothing waits. Memory is bounded by the engine's in-flight limits (it never has more than
 * `MailSink.appendWindow() × connections` messages out).
 *
 * After a cut (issue #12 item 11): `shrink()` halves the batch limits (down to single messages), because on a
 * link that drops every ~1 MB an 8 MiB batch can never get through and every retry would be cut again; after
 * GROW_AFTER batches in a row got through, `delivered()` doubles them again, up to the configured limits.
 *
 * A signal that aborts before the batch is sent takes the message out (it is rejected as ABORTED); once sent,
 * the command runs to its end (an IMAP command cannot be withdrawn).
 */
import {MailshiftError} from '../contracts/errors.js';
import type {AppendReceipt, UploadJob} from '../contracts/types.js';

export type BatcherOptions = Readonly<{
	maxMessages: number;
	maxBytes: number;
	lingerMs: number;
	/** How many batches may be in flight at once (the connection pool's size). */
	slots: () => number;
	/** Sends one batch (same mailbox); resolves with one outcome per job, in order. */
	send: (jobs: readonly UploadJob[]) => Promise<ReadonlyArray<AppendReceipt | Error>>;
}>;

/** Batches in a row that must get through before the limits grow again after a shrink. */
const GROW_AFTER = 4;

type Waiting = {job: UploadJob; resolve: (r: AppendReceipt) => void; reject: (e: Error) => void; signal?: AbortSignal};
type Pending = {waiting: Waiting[]; bytes: number; timer?: NodeJS.Timeout};

export class AppendBatcher {
	readonly #options: BatcherOptions;
	readonly #pending = new Map<string, Pending>();
	/** Messages not yet sent, by the signal that may withdraw them: one abort listener per signal, not per message. */
	readonly #bySignal = new Map<AbortSignal, Set<Waiting>>();
	#inFlight = 0;
	#maxMessages: number;
	#maxBytes: number;
	#goodInARow = 0;

	constructor(options: BatcherOptions) {
		this.#options = options;
		this.#maxMessages = options.maxMessages;
		this.#maxBytes = options.maxBytes;
	}

	/** The limits in force now (at most the configured ones; smaller after cuts). */
	get limits(): Readonly<{maxMessages: number; maxBytes: number}> {
		return {maxMessages: this.#maxMessages, maxBytes: this.#maxBytes};
	}

	/** A batch was cut off by the network: halve the limits, down to one message per batch. */
	shrink(): void {
		this.#goodInARow = 0;
		this.#maxMessages = Math.max(1, Math.floor(this.#maxMessages / 2));
		this.#maxBytes = Math.max(1, Math.floor(this.#maxBytes / 2));
	}

	/** A batch got through: after GROW_AFTER in a row, double the limits again (never beyond the configured ones). */
	delivered(): void {
		if (this.#maxMessages >= this.#options.maxMessages && this.#maxBytes >= this.#options.maxBytes) return;
		if (++this.#goodInARow < GROW_AFTER) return;
		this.#goodInARow = 0;
		this.#maxMessages = Math.min(this.#options.maxMessages, this.#maxMessages * 2);
		this.#maxBytes = Math.min(this.#options.maxBytes, this.#maxBytes * 2);
	}

	/** Batches in flight now (for tests and displays). */
	get inFlight(): number {
		return this.#inFlight;
	}

	append(job: UploadJob, signal?: AbortSignal): Promise<AppendReceipt> {
		if (signal?.aborted) return Promise.reject(aborted());
		return new Promise<AppendReceipt>((resolve, reject) => {
			const waiting: Waiting = {job, resolve, reject, ...(signal === undefined ? {} : {signal})};
			let pending = this.#pending.get(job.mailbox);
			if (pending !== undefined && pending.waiting.length > 0 && pending.bytes + job.content.length > this.#maxBytes) {
				this.#flush(job.mailbox); // this message would make the batch too big: send what is there first
				pending = undefined;
			}
			if (pending === undefined || !this.#pending.has(job.mailbox)) {
				pending = {waiting: [], bytes: 0};
				this.#pending.set(job.mailbox, pending);
			}
			pending.waiting.push(waiting);
			pending.bytes += job.content.length;
			if (signal !== undefined) this.#watch(signal, waiting);
			if (pending.waiting.length >= this.#maxMessages || pending.bytes >= this.#maxBytes) this.#flush(job.mailbox);
			else if (this.#inFlight < this.#options.slots() && pending.timer === undefined) {
				pending.timer = setTimeout(() => this.#flush(job.mailbox), this.#options.lingerMs);
			}
		});
	}

	#watch(signal: AbortSignal, waiting: Waiting): void {
		let set = this.#bySignal.get(signal);
		if (set === undefined) {
			set = new Set();
			this.#bySignal.set(signal, set);
			signal.addEventListener('abort', () => {
				const withdrawn = this.#bySignal.get(signal);
				this.#bySignal.delete(signal);
				for (const w of withdrawn ?? []) this.#withdraw(w.job.mailbox, w);
			}, {once: true});
		}
		set.add(waiting);
	}

	#withdraw(mailbox: string, waiting: Waiting): void {
		const pending = this.#pending.get(mailbox);
		const index = pending?.waiting.indexOf(waiting) ?? -1;
		if (pending === undefined || index < 0) return; // already sent
		pending.waiting.splice(index, 1);
		pending.bytes -= waiting.job.content.length;
		waiting.reject(aborted());
		if (pending.waiting.length === 0) {
			clearTimeout(pending.timer);
			this.#pending.delete(mailbox);
		}
	}

	#flush(mailbox: string): void {
		const pending = this.#pending.get(mailbox);
		if (pending === undefined) return;
		clearTimeout(pending.timer);
		this.#pending.delete(mailbox);
		if (pending.waiting.length === 0) return;
		const batch = pending.waiting;
		for (const w of batch) if (w.signal !== undefined) this.#bySignal.get(w.signal)?.delete(w);
		this.#inFlight++;
		this.#options.send(batch.map((w) => w.job)).then(
			(outcomes) => batch.forEach((w, i) => {
				const outcome = outcomes[i];
				if (outcome instanceof Error) w.reject(outcome);
				else if (outcome === undefined) w.reject(new MailshiftError('BUG', 'a batch returned fewer outcomes than messages', 'fatal'));
				else w.resolve(outcome);
			}),
			(error: unknown) => batch.forEach((w) => w.reject(error instanceof Error ? error : new Error(String(error)))),
		).finally(() => {
			this.#inFlight--;
			// A connection is free: the fullest waiting batch goes now, whatever its size.
			const next = [...this.#pending.entries()].sort((a, b) => b[1].waiting.length - a[1].waiting.length)[0];
			if (next !== undefined) this.#flush(next[0]);
		});
	}
}

function aborted(): MailshiftError {
	return new MailshiftError('ABORTED', 'The upload was cancelled before it was sent.', 'fatal');
}
