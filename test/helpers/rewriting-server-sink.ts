/**
 * RewritingServerSink: an in-memory "server" for verify and dedup tests. Unlike MemorySink it has the optional
 * capabilities an IMAP server gives (mailboxState, loadIndex with header digests), and it can store a message
 * changed the way real servers change them (`rewrite`: Dovecot replaces NUL bytes, others strip them, Cyrus 3.6
 * replaces raw 8-bit header bytes with X; see fingerprint.ts).
 */
import {createHash} from 'node:crypto';
import type {AppendReceipt, UploadJob} from '../../src/contracts/types.js';
import {headerBlock, rewriteEvidence} from '../../src/mapper/fingerprint.js';
import {firstHeader, normalizeMessageId, parseHeaders} from '../../src/mapper/headers.js';
import type {ServerLayout} from '../../src/contracts/server-layout.js';
import type {EnsuredMailbox, MailboxState, MailSink} from '../../src/contracts/mail-sink.js';
import {ServerIndex} from '../../src/uploader/server-index.js';

export type Stored = {uid: number; content: Buffer; flags: readonly string[]; internalDate: Date};

export class RewritingServerSink implements MailSink {
	readonly mailboxes = new Map<string, Stored[]>([['INBOX', []]]);
	appends = 0;
	#uid = 0;
	constructor(readonly rewrite: (content: Buffer) => Buffer = (c) => c) {}

	layout(): ServerLayout {
		return {delimiter: '/', prefix: '', specialUse: new Map()};
	}

	async ensureMailbox(path: string): Promise<EnsuredMailbox> {
		const created = !this.mailboxes.has(path);
		if (created) this.mailboxes.set(path, []);
		return {path, created};
	}

	async permanentFlags(): Promise<ReadonlySet<string>> {
		return new Set(['\\Seen', '\\Answered', '\\Flagged', '\\Deleted', '\\Draft', '\\*']);
	}

	async mailboxState(path: string): Promise<MailboxState> {
		return {exists: this.mailboxes.get(path)?.length ?? 0, uidValidity: 7n, permanentFlags: await this.permanentFlags()};
	}

	async loadIndex(path: string, _signal?: AbortSignal, options: Readonly<{headerDigests?: boolean}> = {}): Promise<ServerIndex> {
		const stored = this.mailboxes.get(path) ?? [];
		const copies = stored.map((s) => {
			const header = headerBlock(s.content) ?? s.content;
			const evidence = rewriteEvidence(header);
			return {
				uid: s.uid, size: s.content.length, internalDate: s.internalDate, flags: new Set(s.flags),
				messageId: normalizeMessageId(firstHeader(parseHeaders(header), 'message-id')),
				...(evidence === undefined ? {} : {evidence}),
				...(options.headerDigests === true ? {headerDigest: createHash('sha256').update(header).digest('hex')} : {}),
			};
		});
		return new ServerIndex(path, 7n, copies, async (uid) => stored.find((s) => s.uid === uid)?.content);
	}

	async append(job: UploadJob): Promise<AppendReceipt> {
		this.appends++;
		const box = this.mailboxes.get(job.mailbox);
		if (!box) throw new Error(`no mailbox ${job.mailbox}`);
		const uid = ++this.#uid;
		// A copy: the engine reuses the message's buffer once append settles (MailSink.append).
		box.push({uid, content: Buffer.from(this.rewrite(job.content)), flags: job.flags, internalDate: job.internalDate});
		return {mailbox: job.mailbox, uid, uidValidity: 7n};
	}

	connections(): number {
		return 1;
	}

	async close(): Promise<void> {}
}
