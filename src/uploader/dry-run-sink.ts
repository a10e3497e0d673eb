/**
 * DryRunSink: a decorator that reads from the real server (layout, existing mailboxes) when there is one,
 * and writes nothing: no CREATE, no SUBSCRIBE, no SELECT, no APPEND. Without a server (`--dry-run` and no
 * `--to`) it plans against the most common layout: '/' delimiter, no prefix, no special-use mailboxes.
 */
import {MailshiftError} from '../contracts/errors.js';
import type {AppendReceipt, UploadJob} from '../contracts/types.js';
import type {ServerLayout} from '../contracts/server-layout.js';
import type {EnsuredMailbox, MailboxState, MailSink} from '../contracts/mail-sink.js';
import type {MailboxIndex} from '../contracts/mailbox-index.js';
import {ServerIndex} from './server-index.js';

export const DEFAULT_LAYOUT: ServerLayout = {delimiter: '/', prefix: '', specialUse: new Map()};

export class DryRunSink implements MailSink {
	readonly #inner: MailSink | undefined;
	readonly #existing: Set<string>;
	readonly #indexes = new Map<string, Promise<MailboxIndex>>();

	constructor(inner?: MailSink) {
		this.#inner = inner;
		this.#existing = new Set((inner?.mailboxPaths?.() ?? []).map((m) => m.toLowerCase()));
	}

	layout(): ServerLayout {
		return this.#inner?.layout() ?? DEFAULT_LAYOUT;
	}

	async ensureMailbox(path: string): Promise<EnsuredMailbox> {
		const created = path.toLowerCase() !== 'inbox' && !this.#existing.has(path.toLowerCase());
		return {path, created};
	}

	async permanentFlags(): Promise<ReadonlySet<string> | undefined> {
		// Reading PERMANENTFLAGS needs a read-write SELECT; a dry run does not touch mailboxes.
		return new Set(['\\Seen', '\\Answered', '\\Flagged', '\\Deleted', '\\Draft', '\\*']);
	}

	/** Read-only: the message count and index come from the server's copy list (EXAMINE + FETCH, no SELECT). */
	async mailboxState(path: string, signal?: AbortSignal): Promise<MailboxState> {
		if (!this.#inner?.loadIndex || !this.#existing.has(path.toLowerCase()) && path.toLowerCase() !== 'inbox') {
			return {exists: 0, uidValidity: undefined, permanentFlags: await this.permanentFlags()};
		}
		const index = await this.loadIndex(path, signal);
		return {exists: index.unclaimed, uidValidity: index.uidValidity, permanentFlags: await this.permanentFlags()};
	}

	loadIndex(path: string, signal?: AbortSignal): Promise<MailboxIndex> {
		let cached = this.#indexes.get(path);
		if (!cached) {
			const inner = this.#inner;
			cached = inner?.loadIndex ? inner.loadIndex(path, signal) : Promise.resolve(new ServerIndex(path, undefined, []));
			this.#indexes.set(path, cached);
		}
		return cached;
	}

	async append(job: UploadJob): Promise<AppendReceipt> {
		const limit = this.#inner?.appendLimit?.();
		if (limit !== undefined && job.content.length > limit) {
			throw new MailshiftError('TOO_BIG', `would be refused: ${job.content.length} bytes is over the server's APPENDLIMIT of ${limit}`, 'skip');
		}
		return {mailbox: job.mailbox};
	}

	connections(): number {
		return 0;
	}

	async close(): Promise<void> {
		await this.#inner?.close();
	}
}
