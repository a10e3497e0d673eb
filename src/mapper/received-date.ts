/**
 * Chooses the INTERNALDATE (APPEND date-time) of a message: the delivery time as best known.
 *
 * Order (issue #2; RFC 3501 §6.3.11 — without a date the server stamps "now", and the whole archive shows
 * "received today"). PST items first use the delivery time Outlook stored (then submit, then creation time,
 * chosen by the reader); for them the list below is the fallback:
 *   1. the date of the topmost `Received:` header (RFC 5321 §4.4: the last hop prepends, so the topmost one
 *      is the final delivery; the date follows the last ';');
 *   2. the store's own delivery time: Maildir file mtime (Dovecot's convention, lost when a Maildir is copied
 *      without preserving times, hence second; MaildirStore leaves it out for a folder it detects as such a
 *      copy, so there the Date: header decides: issue #12 item 8b), mbox From_ line date;
 *   3. the `Date:` header (the sender's clock: when it was written, not received);
 *   4. the fallback policy (see README "Dates"): the caller-provided fallback date, reported as a warning.
 * Each candidate must pass `isPlausibleDate`; an implausible one is skipped, never "fixed".
 */
import type {DateSource, SourceMessage} from '../contracts/types.js';
import type {HeaderField} from './headers.js';
import {firstHeader} from './headers.js';
import {isPlausibleDate, parseMailDate} from './mail-date.js';

export type ChosenDate = Readonly<{date: Date; source: DateSource}>;

/** The date part of a Received header: the text after its last ';' (RFC 5322 §3.6.7). */
export function receivedHeaderDate(value: string | undefined): Date | undefined {
	if (!value) return undefined;
	const semi = value.lastIndexOf(';');
	return semi < 0 ? undefined : parseMailDate(value.slice(semi + 1));
}

export function chooseReceivedDate(
	message: Pick<SourceMessage, 'storeDate'>,
	fields: readonly HeaderField[],
	now: number,
	fallback: Date,
): ChosenDate {
	// Outlook records the delivery time itself (PR_MESSAGE_DELIVERY_TIME): for PST items it is the truth, ahead
	// of the Received header it was derived from (issue #3).
	// Apple Mail records it too (emlx plist `date-received`), and Outlook Express in its message info record
	// (dbx-store.ts), and Outlook for Mac's received time (issue #16): the same truth.
	const source = message.storeDate?.source;
	if ((source === 'pst-delivery-time' || source === 'apple-date-received' || source === 'dbx-received-time' || source === 'olm-received-time') && isPlausibleDate(message.storeDate?.date, now)) {
		return {date: message.storeDate.date, source};
	}
	const received = receivedHeaderDate(firstHeader(fields, 'received'));
	if (isPlausibleDate(received, now)) return {date: received, source: 'received-header'};
	if (message.storeDate && isPlausibleDate(message.storeDate.date, now)) {
		return {date: message.storeDate.date, source: message.storeDate.source};
	}
	const dateHeader = parseMailDate(firstHeader(fields, 'date'));
	if (isPlausibleDate(dateHeader, now)) return {date: dateHeader, source: 'date-header'};
	return {date: fallback, source: 'fallback'};
}
