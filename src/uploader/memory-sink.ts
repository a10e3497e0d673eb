/**
 * MemorySink: an in-memory MailSink for engine tests (and a reference for the sink contract). Stores every
 * appended job; can be told to fail chosen messages or to hold appends until released.
 */
import {MailshiftError} from '../contracts/errors.js';
import type {AppendReceipt, UploadJob} from '../contracts/types.js';
import type {ServerLayout} from '../contracts/server-layout.js';
import type {EnsuredMailbox, MailSink} from '../contracts/mail-sink.js';

export type MemorySinkOptions = Readonly<{
	layout?: ServerLayout;
	/** Returns an error to throw for this job, or undefined to accept it. */
	failWith?: (job: UploadJob) => MailshiftError | undefined;
	/** Awaited before each append completes (to hold uploads in flight). */
	gate?: (job: UploadJob) => Promise<void>;
}>;

export class MemorySink implements MailSink {
	readonly mailboxes = new Map<string, UploadJob[]>();
	readonly #options: MemorySinkOptions;
	#inFlight = 0;
	maxInFlight = 0;
	#uid = 0;

	constructor(options: MemorySinkOptions = {}) {
		this.#options = options;
		this.mailboxes.set('INBOX', []);
	}

	layout(): ServerLayout {
		return this.#options.layout ?? {delimiter: '/', prefix: '', specialUse: new Map([['sent', 'Sent']])};
	}

	async ensureMailbox(path: string): Promise<EnsuredMailbox> {
		const created = !this.mailboxes.has(path);
		if (created) this.mailboxes.set(path, []);
		return {path, created};
	}

	async permanentFlags(): Promise<ReadonlySet<string> | undefined> {
		return new Set(['\\Seen', '\\Answered', '\\Flagged', '\\Deleted', '\\Draft', '\\*']);
	}

	async append(job: UploadJob): Promise<AppendReceipt> {
		this.#inFlight++;
		this.maxInFlight = Math.max(this.maxInFlight, this.#inFlight);
		try {
			await this.#options.gate?.(job);
			const error = this.#options.failWith?.(job);
			if (error) throw error;
			// As ImapSink does on [TRYCREATE] (RFC 3501 §6.3.11): a mailbox that does not exist is created.
			const box = this.mailboxes.get(job.mailbox) ?? [];
			this.mailboxes.set(job.mailbox, box);
			// A copy: the engine gives the message's buffer to the next message once this settles (MailSink.append).
			box.push({...job, content: Buffer.from(job.content)});
			return {mailbox: job.mailbox, uid: ++this.#uid, uidValidity: 1n};
		} finally {
			this.#inFlight--;
		}
	}

	connections(): number {
		return 1;
	}

	async close(): Promise<void> {}
}
