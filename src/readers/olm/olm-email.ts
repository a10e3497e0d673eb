/**
 * readOlmEmail: one Outlook for Mac `<email>` element (from `…/com.microsoft.__Messages/<folder>/message_*.xml`)
 * → plain data for composing (pure; attachment bytes are fetched by the store from the URLs listed here).
 *
 * Elements read (OPF = Outlook for Mac's object model; names as written by Outlook for Mac 2011–16 and Aspose,
 * optionally namespace-prefixed; element names are matched without their prefix):
 * - `OPFMessageCopySource`: the original message source, when the archive holds it → uploaded as is.
 * - Else composed: `OPFMessageCopyFromAddresses`, `…SenderAddress`, `…ToAddresses`, `…CCAddresses`,
 *   `…BCCAddresses`, `…ReplyToAddresses` (each `<emailAddress OPFContactEmailAddressAddress=… Name=…>`),
 *   `OPFMessageCopySubject`, `OPFMessageCopySentTime` (Date), `OPFMessageCopyMessageID`, `…InReplyTo`,
 *   `…References`, `OPFMessageCopyBody` (text) and `OPFMessageCopyHTMLBody` (HTML, when
 *   `OPFMessageGetHasHTML` is not 0), `OPFMessageCopyAttachmentList/messageAttachment` (name, type,
 *   content id, URL of the bytes), `OPFMessageGetPriority` (1–2 high, 4–5 low, as MAPI PR_IMPORTANCE order).
 * - Flags: `OPFMessageGetIsRead` → \Seen; `OPFMessageCopyGetFlagStatus` 1 ("not completed", i.e. flagged
 *   for follow-up, AppleScript `todo flag`) → \Flagged; replied/forwarded from the `OPFMessageGetWas…`/
 *   `OPFMessageGetHas…Replied/Forwarded` booleans where present. Booleans are written as `1E0`/`0E0`,
 *   `1`/`0` or `true`/`false`.
 * - `OPFMessageCopyReceivedTime` → INTERNALDATE. Times without a zone are UTC (Outlook writes them so).
 */
import type {MailAddress} from '../pst/mime-builder.js';
import type {MailContent} from '../pst/compose-message.js';
import type {XmlElement} from './xml-parser.js';
import {child} from './xml-parser.js';

export type OlmAttachmentRef = Readonly<{name: string; contentType: string; contentId?: string; url: string; isMessage: boolean}>;

export type OlmEmail = Readonly<{
	/** The original message source (headers and body), when the archive keeps it. */
	source?: string;
	/** Everything but the attachments, for composeMessage. */
	content: Omit<MailContent, 'attachments'>;
	attachments: readonly OlmAttachmentRef[];
	flags: ReadonlySet<string>;
	received?: Date;
}>;

const REPLIED = ['OPFMessageGetWasRepliedTo', 'OPFMessageGetRepliedTo', 'OPFMessageGetHasReplied', 'OPFMessageGetIsReplied'];
const FORWARDED = ['OPFMessageGetWasForwarded', 'OPFMessageGetForwarded', 'OPFMessageGetHasForwarded', 'OPFMessageGetIsForwarded'];

/** Reads `email` (an `<email>` element). Never throws. */
export function readOlmEmail(email: XmlElement): OlmEmail {
	const text = (name: string): string | undefined => {
		const value = child(email, name)?.text;
		return value === undefined || value.trim() === '' ? undefined : value;
	};
	const addresses = (name: string): MailAddress[] => (child(email, name)?.children ?? [])
		.filter((c) => c.name === 'emailAddress')
		.map((c) => ({
			...optional('name', c.attributes['OPFContactEmailAddressName'] ?? child(c, 'OPFContactEmailAddressName')?.text),
			...optional('address', c.attributes['OPFContactEmailAddressAddress'] ?? child(c, 'OPFContactEmailAddressAddress')?.text),
		}));
	const flags = new Set<string>();
	if (isTrue(text('OPFMessageGetIsRead'))) flags.add('\\Seen');
	if (text('OPFMessageCopyGetFlagStatus')?.trim() === '1') flags.add('\\Flagged');
	if (REPLIED.some((n) => isTrue(text(n)))) flags.add('\\Answered');
	if (FORWARDED.some((n) => isTrue(text(n)))) flags.add('$Forwarded');

	const source = text('OPFMessageCopySource');
	const hasHtml = text('OPFMessageGetHasHTML');
	let html = hasHtml !== undefined && !isTrue(hasHtml) ? undefined : text('OPFMessageCopyHTMLBody');
	let plain = text('OPFMessageCopyBody');
	// The same text in both: one part, HTML when it is markup (Aspose writes the HTML into both), else plain.
	if (html !== undefined && html === plain) {
		if (/<(html|body|div|p|table)\b/i.test(html)) plain = undefined;
		else html = undefined;
	}
	const from = addresses('OPFMessageCopyFromAddresses')[0];
	const sender = addresses('OPFMessageCopySenderAddress')[0];
	const sent = parseOlmTime(text('OPFMessageCopySentTime'));
	const received = parseOlmTime(text('OPFMessageCopyReceivedTime'));
	const priority = Number(text('OPFMessageGetPriority') ?? '3');
	const content: Omit<MailContent, 'attachments'> = {
		...optional('subject', text('OPFMessageCopySubject')),
		...(from ?? sender ? {from: (from ?? sender)!} : {}),
		...(from !== undefined && sender !== undefined ? {sender} : {}),
		to: addresses('OPFMessageCopyToAddresses'),
		cc: addresses('OPFMessageCopyCCAddresses'),
		bcc: addresses('OPFMessageCopyBCCAddresses'),
		replyTo: addresses('OPFMessageCopyReplyToAddresses'),
		...(sent ?? received ? {date: (sent ?? received)!} : {}),
		...optional('messageId', text('OPFMessageCopyMessageID') ?? text('OPFMessageCopyInternetMessageID')),
		...optional('inReplyTo', text('OPFMessageCopyInReplyTo')),
		...optional('references', text('OPFMessageCopyReferences')),
		...(priority === 1 || priority === 2 ? {importance: 'high' as const} : priority === 4 || priority === 5 ? {importance: 'low' as const} : {}),
		...(html === undefined ? {} : {html}),
		...(plain !== undefined || html === undefined ? {text: plain ?? ''} : {}),
	};
	const attachments = (child(email, 'OPFMessageCopyAttachmentList')?.children ?? [])
		.filter((c) => c.name === 'messageAttachment')
		.map((c): OlmAttachmentRef => {
			const attr = (name: string): string | undefined => c.attributes[name] ?? child(c, name)?.text;
			const contentType = attr('OPFAttachmentContentType')?.trim() || 'application/octet-stream';
			const extension = attr('OPFAttachmentContentExtension');
			return {
				name: attr('OPFAttachmentName') ?? (extension === undefined ? '' : `attachment.${extension}`),
				contentType,
				...optional('contentId', attr('OPFAttachmentContentID')),
				url: attr('OPFAttachmentURL') ?? '',
				isMessage: contentType.toLowerCase() === 'message/rfc822',
			};
		});
	return {...(source === undefined ? {} : {source}), content, attachments, flags, ...(received ? {received} : {})};
}

/** True when the source text is a whole message: a header field first, then a blank line. */
export function isWholeMessage(source: string): boolean {
	return /^[\x21-\x39\x3b-\x7e]+[ \t]*:/.test(source) && /\r?\n\r?\n/.test(source);
}

/** `2011-06-21T23:48:10` (UTC when no zone is given), `…Z` or `…+02:00`; undefined when unparseable. */
export function parseOlmTime(value: string | undefined): Date | undefined {
	const clean = value?.trim();
	if (clean === undefined || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/.test(clean)) return undefined;
	const date = new Date(/(Z|[+-]\d{2}:?\d{2})$/.test(clean) ? clean : `${clean}Z`);
	return Number.isNaN(date.getTime()) ? undefined : date;
}

function isTrue(value: string | undefined): boolean {
	const clean = value?.trim().toLowerCase();
	if (clean === undefined || clean === '') return false;
	if (clean === 'true') return true;
	const number = Number(clean);
	return Number.isFinite(number) && number > 0;
}

function optional<K extends string>(key: K, value: string | undefined): {[P in K]?: string} {
	const clean = value?.trim();
	return (clean === undefined || clean === '' ? {} : {[key]: clean}) as {[P in K]?: string};
}
