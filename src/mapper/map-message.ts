/**
 * SourceMessage → UploadJob | Skip (pure: no I/O, no clock — `now` is passed in).
 *
 * Fidelity contract (issue #2): the uploaded bytes are the stored message with bare LF turned into CRLF
 * (readers have already undone mbox >From quoting). Nothing else changes: no header is added, removed or
 * rewritten (mbox Status/X-Mozilla-Status headers stay; they are part of what the user stored).
 */
import type {DateSource, SourceMessage, UploadJob} from '../contracts/types.js';
import {fingerprint} from './fingerprint.js';
import {allowedFlags, sanitizeFlags} from './flags.js';
import {normalizeMessageId, parseHeaders, firstHeader} from './headers.js';
import {toCrlf} from './normalize.js';
import {chooseReceivedDate} from './received-date.js';

export type MapOptions = Readonly<{
	/** Upload Maildir-trashed (T) / \Deleted messages, with \Deleted. @default false */
	includeTrashed: boolean;
	/** Current time in ms, for "not in the future" checks. */
	now: number;
	/** INTERNALDATE when a message has no usable date (README "Dates"). */
	fallbackDate: Date;
	/**
	 * The target mailbox, as the server described it: flags its PERMANENTFLAGS (RFC 3501 §7.1; `permanent`
	 * undefined when the server sent none) cannot keep are dropped here too, so a message's flags are filtered
	 * once (flags.ts `allowedFlags`). Absent: every valid flag is kept (backups, plans).
	 */
	mailbox?: Readonly<{permanent: ReadonlySet<string> | undefined}>;
}>;

export type Skip = Readonly<{skip: true; code: 'TRASHED' | 'EXPUNGED' | 'MESSAGE_EMPTY' | 'NOT_MAIL'; reason: string}>;

export type Mapped = Readonly<{
	job: UploadJob;
	/** Flags dropped because they cannot be sent (invalid keywords, unknown system flags). */
	droppedFlags: readonly string[];
}>;

export function isSkip(value: Mapped | Skip): value is Skip {
	return 'skip' in value;
}

/**
 * Why `message` is not uploaded at all, from what the reader said (no parsing, no copy), or undefined when it
 * is: the engine asks this before it prepares a folder or maps a message.
 */
export function skipOf(message: SourceMessage, options: Pick<MapOptions, 'includeTrashed'>): Skip | undefined {
	if (message.skipHint === 'not-mail') {
		// PST contacts, calendar items, tasks, notes: never uploaded as mail, never dropped silently (issue #3).
		return {skip: true, code: 'NOT_MAIL', reason: `not mail, not migrated (${message.itemKind ?? 'non-mail item'})`};
	}
	if (message.skipHint === 'mozilla-expunged') {
		return {skip: true, code: 'EXPUNGED', reason: 'deleted in Thunderbird but not yet compacted (X-Mozilla-Status expunged bit)'};
	}
	const isTrashed = message.skipHint === 'maildir-trashed';
	if (isTrashed && !options.includeTrashed) {
		return {skip: true, code: 'TRASHED', reason: 'marked trashed (Maildir T flag); use --include-trashed to upload it with \\Deleted'};
	}
	if (message.raw.length === 0) return {skip: true, code: 'MESSAGE_EMPTY', reason: 'the message is empty (0 bytes)'};
	return undefined;
}

/** The upload job of `message` (CRLF bytes, flags, INTERNALDATE, fingerprint), or why it is skipped (`skipOf`). */
export function mapMessage(message: SourceMessage, mailbox: string, options: MapOptions): Mapped | Skip {
	const skip = skipOf(message, options);
	if (skip) return skip;
	const isTrashed = message.skipHint === 'maildir-trashed';
	const content = message.isCrlf === true ? message.raw : toCrlf(message.raw);
	const fields = parseHeaders(message.raw);
	const chosen = chooseReceivedDate(message, fields, options.now, options.fallbackDate);
	const source = [...message.flags];
	if (isTrashed) source.push('\\Deleted');
	const {flags, dropped: invalid} = sanitizeFlags(source);
	const wanted = options.includeTrashed ? flags : flags.filter((f) => f !== '\\Deleted');
	const {flags: finalFlags, dropped: notKept} = options.mailbox === undefined ? {flags: wanted, dropped: []} : allowedFlags(wanted, options.mailbox.permanent);
	const dropped = [...invalid, ...notKept];
	const messageId = normalizeMessageId(firstHeader(fields, 'message-id'));
	const job: UploadJob = {
		ref: message.ref,
		mailbox,
		content,
		flags: finalFlags,
		internalDate: chosen.date,
		dateSource: chosen.source satisfies DateSource,
		...(messageId === undefined ? {} : {messageId}),
		fingerprint: fingerprint(content, messageId),
	};
	return {job, droppedFlags: dropped};
}
