/**
 * readItem: one PST item (a pst-extractor PSTMessage or subclass) → a composed RFC 5322 message with its IMAP
 * flags and store date, or a "not mail" marker. Runs inside the PST worker only (synchronous library).
 *
 * Property sources (IDs from MS-OXPROPS; protocol.md §3.1 lists the ones readpst uses):
 * - Strings in PT_STRING8 use the item's ANSI code page: PR_MESSAGE_CODEPAGE 0x3FFD, else the code page of
 *   PR_MESSAGE_LOCALE_ID 0x3FF1, else the store's (see code-pages.ts).
 * - From = PR_SENT_REPRESENTING_* (0x0042/0x0064/0x0065, SMTP 0x5D02); Sender = PR_SENDER_* (0x0C1A/0x0C1E/
 *   0x0C1F, SMTP 0x5D01) when it differs. Exchange (`EX`) addresses resolve through the SMTP properties, then a
 *   one-off entry ID (MS-OXCDATA 2.2.5.1), then the item's other legacy-DN/SMTP pairs (`exchangeDirectory`),
 *   then any address containing '@'; otherwise only the name is written.
 * - To/Cc/Bcc from the recipient table: PR_RECIPIENT_TYPE 0x0C15, PR_DISPLAY_NAME 0x3001, PR_ADDRTYPE 0x3002,
 *   PR_EMAIL_ADDRESS 0x3003, PR_SMTP_ADDRESS 0x39FE, PR_ENTRYID 0x0FFF. Reply-To from PR_REPLY_RECIPIENT_ENTRIES
 *   0x004F (one-off entry IDs).
 * - Flags: PR_MESSAGE_FLAGS 0x0E07 (0x01 read → \Seen, 0x08 unsent → \Draft); PR_LAST_VERB_EXECUTED 0x1081
 *   (102/103/0x105 → \Answered, 104/0x106 → $Forwarded); PR_FLAG_STATUS 0x1090 (2 → \Flagged); the categories
 *   (PidNameKeywords) → IMAP keywords (category-keywords.ts).
 * - storeDate: PR_MESSAGE_DELIVERY_TIME 0x0E06, else PR_CLIENT_SUBMIT_TIME 0x0039, else PR_CREATION_TIME 0x3007.
 *   Date header (synthesized only): submit, else delivery, else last modification 0x3008, else creation time.
 * - Message-ID: PR_INTERNET_MESSAGE_ID 0x1035, else (top-level items) a stable id from the store's
 *   PR_RECORD_KEY and the node id, so a re-run composes the same id.
 * - Bodies: PR_BODY 0x1000, PR_BODY_HTML 0x1013 (binary in PR_INTERNET_CPID 0x3FDE, else its <meta> charset),
 *   PR_RTF_COMPRESSED 0x1009 (rtf-body.ts) when HTML or text is missing.
 * - Attachments: PR_ATTACH_METHOD 0x3705 (1 by value, 5 embedded message, 6 OLE; 2–4 are links to files
 *   outside the PST and are reported), PR_ATTACH_LONG_FILENAME 0x3707, PR_ATTACH_FILENAME 0x3704,
 *   PR_ATTACH_MIME_TAG 0x370E, PR_ATTACH_CONTENT_ID 0x3712, PR_ATTACH_DATA_BIN/OBJ 0x3701. Bytes are exact
 *   (sub-node data, decrypted and inflated by pst-extractor; never the library's `filesize`).
 * Problems with one property or attachment become warnings on the item; the item is still composed.
 * @throws only when the item itself cannot be read at all (the caller reports it with its node id).
 */
import {createRequire} from 'node:module';
import {PSTMessage} from 'pst-extractor';
import type {PSTFile} from 'pst-extractor';
import {charsetDeclaredInHtml, charsetOfCodePage, codePageOfLcid, decodeText, isValidUtf8} from './code-pages.js';
import type {FileAttachment, MailAttachment, MailContent} from './compose-message.js';
import {composeMessage} from './compose-message.js';
import {keywordsOfCategories} from './category-keywords.js';
import {categoriesOf} from './item-basics.js';
import {itemKindOf} from './item-kind.js';
import {contentTypeFor} from './media-types.js';
import type {MailAddress} from './mime-builder.js';
import {PropertyBag, PT} from './property-bag.js';
import {exchangeDirectory, parseOneOffEntryId, readRecipientRows, resolveMailbox} from './recipients.js';
import {rtfBody} from './rtf-body.js';
import {calendarEventOf} from './calendar-item.js';
import {contactCardOf, distributionListCardOf} from './contact-item.js';
import type {NamedProperties} from './named-properties.js';
import {journalOf} from './note-item.js';
import {taskOf} from './task-item.js';
import type {Attendee, CalendarComponent} from '../../export/icalendar.js';
import {buildCalendar} from '../../export/icalendar.js';
import type {Card} from '../../export/vcard.js';
import {buildCard} from '../../export/vcard.js';

const require = createRequire(import.meta.url);
type LongStatic = {fromNumber(n: number): unknown};
const Long = require('long') as LongStatic;
type NodeStreamCtor = new (file: PSTFile, item: unknown) => unknown;
type TableCtor = new (stream: unknown) => unknown;
const {PSTNodeInputStream} = require('pst-extractor/dist/PSTNodeInputStream.class.js') as {PSTNodeInputStream: NodeStreamCtor};
const {PSTTableBC} = require('pst-extractor/dist/PSTTableBC.class.js') as {PSTTableBC: TableCtor};

export type ItemContext = Readonly<{
	/** Charset of PT_STRING8 values when an item names none (the store's default code page). */
	storeCharset: string;
	/** Stable store identity (hex PR_RECORD_KEY, or a hash of the file name) for Message-IDs and boundaries. */
	storeKey: string;
	/** The store's named-property map (contact, calendar and task fields). */
	named: NamedProperties;
	/** Build the vCard/iCalendar export of non-mail items (backups); see PstSession.open. */
	exportNonMail: boolean;
}>;

/** A non-mail item as a file (vcf/ics). */
export type ItemExport = Readonly<{extension: 'vcf' | 'ics'; mediaType: string; title: string; content: Buffer}>;

export type ReadResult =
	| Readonly<{kind: 'mail'; raw: Buffer; flags: string[]; storeDate?: Date; warnings: string[]}>
	| Readonly<{kind: 'not-mail'; itemKind: string; export?: ItemExport; warnings: string[]}>;

/** Embedded messages inside embedded messages deeper than this are attached as a note, not recursed. */
const MAX_EMBEDDING = 8;

const P = {
	MESSAGE_CLASS: 0x001a, SUBJECT: 0x0037, CLIENT_SUBMIT_TIME: 0x0039, SENT_REPRESENTING_ENTRYID: 0x0041,
	SENT_REPRESENTING_NAME: 0x0042, REPLY_RECIPIENT_ENTRIES: 0x004f, SENT_REPRESENTING_ADDRTYPE: 0x0064,
	SENT_REPRESENTING_EMAIL: 0x0065, TRANSPORT_HEADERS: 0x007d, IMPORTANCE: 0x0017, PRIORITY: 0x0026,
	SENSITIVITY: 0x0036, DELIVERY_TIME: 0x0e06, MESSAGE_FLAGS: 0x0e07, SENDER_ENTRYID: 0x0c19, SENDER_NAME: 0x0c1a,
	SENDER_ADDRTYPE: 0x0c1e, SENDER_EMAIL: 0x0c1f, RECIPIENT_TYPE: 0x0c15, ENTRYID: 0x0fff, BODY: 0x1000,
	RTF_COMPRESSED: 0x1009, BODY_HTML: 0x1013, INTERNET_MESSAGE_ID: 0x1035, INTERNET_REFERENCES: 0x1039,
	IN_REPLY_TO: 0x1042, LAST_VERB: 0x1081, FLAG_STATUS: 0x1090, DISPLAY_NAME: 0x3001, ADDRTYPE: 0x3002,
	EMAIL_ADDRESS: 0x3003, CREATION_TIME: 0x3007, MODIFICATION_TIME: 0x3008, RECORD_KEY: 0x0ff9,
	ATTACH_DATA: 0x3701, ATTACH_FILENAME: 0x3704, ATTACH_METHOD: 0x3705, ATTACH_LONG_FILENAME: 0x3707,
	ATTACH_PATHNAME: 0x3708, ATTACH_MIME_TAG: 0x370e, ATTACH_CONTENT_ID: 0x3712, SMTP_ADDRESS: 0x39fe,
	INTERNET_CPID: 0x3fde, MESSAGE_LOCALE_ID: 0x3ff1, MESSAGE_CODEPAGE: 0x3ffd, SENDER_SMTP: 0x5d01,
	SENT_REPRESENTING_SMTP: 0x5d02,
} as const;

/** MS-OXOMSG PidTagLastVerbExecuted: reply to sender/all (Exchange) and the MAPI icon values. */
const REPLIED_VERBS = new Set([102, 103, 0x105]);
const FORWARDED_VERBS = new Set([104, 0x106]);

/** Reads one item; see the module comment. `nid` is its node id (identity and boundary seed). */
export function readItem(message: PSTMessage, nid: number, context: ItemContext): ReadResult {
	const warnings: string[] = [];
	const bag = propertiesOf(message, context.storeCharset, warnings);
	const kind = itemKindOf(bag.string(P.MESSAGE_CLASS));
	if (!kind.isMail) {
		const exported = context.exportNonMail ? exportItem(message, bag, kind.label, nid, context, warnings) : undefined;
		return exported === undefined ? {kind: 'not-mail', itemKind: kind.label, warnings} : {kind: 'not-mail', itemKind: kind.label, export: exported, warnings};
	}

	let content = readContent(message, bag, context, 0, warnings);
	const calendar = meetingCalendar(message, bag, content, nid, context, warnings);
	if (calendar !== undefined) content = {...content, calendar};
	const messageId = content.messageId ?? `mailshift.${context.storeKey.slice(0, 16)}.${nid.toString(16)}@pst.invalid`;
	const raw = composeMessage({...content, messageId}, `${context.storeKey}/${nid}`);

	const flags: string[] = [];
	const messageFlags = bag.uint(P.MESSAGE_FLAGS) ?? 0;
	if ((messageFlags & 0x01) !== 0) flags.push('\\Seen');
	if ((messageFlags & 0x08) !== 0) flags.push('\\Draft');
	const verb = bag.uint(P.LAST_VERB);
	if (verb !== undefined && REPLIED_VERBS.has(verb)) flags.push('\\Answered');
	if (verb !== undefined && FORWARDED_VERBS.has(verb)) flags.push('$Forwarded');
	if (bag.uint(P.FLAG_STATUS) === 2) flags.push('\\Flagged');
	flags.push(...keywordsOfCategories(categoriesOf(bag, context.named)));
	const storeDate = bag.date(P.DELIVERY_TIME) ?? bag.date(P.CLIENT_SUBMIT_TIME) ?? bag.date(P.CREATION_TIME);
	return storeDate === undefined ? {kind: 'mail', raw, flags, warnings} : {kind: 'mail', raw, flags, storeDate, warnings};
}

/**
 * The vCard/iCalendar file of a non-mail item (see the module list in contact-item.ts, calendar-item.ts,
 * task-item.ts, note-item.ts); undefined for kinds with no standard format (Outlook configuration, rules,
 * free/busy data) or a calendar item without a start time (a warning says so). Also called for Outlook .msg
 * items (eml/msg-item-export.ts), with a stand-in `message` for their recipients and attachments.
 */
export function exportItem(message: PSTMessage, bag: PropertyBag, itemKind: string, nid: number, context: ItemContext, warnings: string[]): ItemExport | undefined {
	const identity = `${context.storeKey}/${nid}`;
	const title = (bag.text(P.DISPLAY_NAME) ?? bag.text(P.SUBJECT) ?? itemKind).replace(/^\x01./, '');
	const description = (): string | undefined => readBodies(bag, warnings).text;
	const vcard = (card: Card): ItemExport => ({extension: 'vcf', mediaType: 'text/vcard', title: card.formattedName, content: Buffer.from(buildCard(card), 'utf8')});
	const ics = (component: CalendarComponent): ItemExport => ({extension: 'ics', mediaType: 'text/calendar', title: component.summary ?? title, content: Buffer.from(buildCalendar({component}), 'utf8')});
	switch (itemKind) {
		case 'contact': return vcard(contactCardOf({message, bag, named: context.named, identity}, warnings));
		case 'distribution list': return vcard(distributionListCardOf({message, bag, named: context.named, identity}, warnings));
		case 'calendar item': {
			const directory = exchangeDirectory(bag);
			const organizer = resolveMailbox(bag, directory, P.SENT_REPRESENTING_NAME, P.SENT_REPRESENTING_ADDRTYPE, P.SENT_REPRESENTING_EMAIL, P.SENT_REPRESENTING_SMTP, P.SENT_REPRESENTING_ENTRYID);
			const recipients = readRecipientRows(message, bag.ansiCharset, directory, warnings);
			const text = description();
			const event = calendarEventOf({bag, named: context.named, recipients, identity, ...(organizer === undefined ? {} : {organizer}), ...(text === undefined ? {} : {description: text})}, warnings);
			if (event === undefined) warnings.push('it has no start time; it was not exported');
			return event === undefined ? undefined : ics(event);
		}
		case 'task': return ics(taskOf(bag, context.named, identity, description()));
		case 'note': case 'journal entry': return ics(journalOf(bag, context.named, identity, description()));
		default: return undefined;
	}
}

/** iTIP methods of meeting messages (MS-OXOCAL 2.2.6: IPM.Schedule.Meeting.Request / .Canceled / .Resp.*). */
const MEETING_METHODS: ReadonlyArray<readonly [prefix: string, method: 'REQUEST' | 'CANCEL' | 'REPLY', status?: Attendee['status']]> = [
	['ipm.schedule.meeting.request', 'REQUEST'], ['ipm.schedule.meeting.canceled', 'CANCEL'],
	['ipm.schedule.meeting.resp.pos', 'REPLY', 'accepted'], ['ipm.schedule.meeting.resp.neg', 'REPLY', 'declined'],
	['ipm.schedule.meeting.resp.tent', 'REPLY', 'tentative'],
];

/**
 * The text/calendar part of a meeting request, cancellation or response (issue #3): Outlook keeps the meeting
 * in MAPI properties, so a mail client would otherwise see only the invitation text. For a response, the one
 * attendee is its sender with the answer as PARTSTAT (RFC 5546 §3.2.3).
 */
function meetingCalendar(message: PSTMessage, bag: PropertyBag, content: MailContent, nid: number, context: ItemContext, warnings: string[]): MailContent['calendar'] {
	const cls = (bag.string(P.MESSAGE_CLASS) ?? '').trim().toLowerCase();
	const match = MEETING_METHODS.find(([prefix]) => cls === prefix || cls.startsWith(`${prefix}.`));
	if (match === undefined) return undefined;
	const [, method, status] = match;
	const directory = exchangeDirectory(bag);
	const rows = readRecipientRows(message, bag.ansiCharset, directory, []);
	const identity = `${context.storeKey}/${nid}`;
	const base = {bag, named: context.named, identity, ...(content.text === undefined ? {} : {description: content.text})};
	const event = method === 'REPLY'
		? calendarEventOf({...base, recipients: [], ...(content.to[0] === undefined ? {} : {organizer: content.to[0]})}, warnings)
		: calendarEventOf({...base, recipients: rows, ...(content.from === undefined ? {} : {organizer: content.from})}, warnings);
	if (event === undefined) return undefined;
	const component = method === 'REPLY' && content.from !== undefined
		? {...event, attendees: [{...content.from, role: 'required' as const, status: status ?? ('needs-action' as const)}], ...(content.to[0] === undefined ? {} : {organizer: content.to[0]})}
		: method === 'CANCEL' ? {...event, status: 'CANCELLED' as const} : event;
	return {method, text: buildCalendar({method, component})};
}

/** A property bag in the item's own ANSI code page (see module comment). */
function propertiesOf(object: unknown, storeCharset: string, warnings: string[]): PropertyBag {
	const probe = new PropertyBag(object, storeCharset, warnings);
	const codePage = probe.uint(P.MESSAGE_CODEPAGE);
	const lcid = probe.uint(P.MESSAGE_LOCALE_ID);
	const charset = (codePage !== undefined ? charsetOfCodePage(codePage) : undefined)
		?? (lcid !== undefined && lcid !== 0 ? charsetOfCodePage(codePageOfLcid(lcid)) : undefined)
		?? storeCharset;
	return new PropertyBag(object, charset, warnings);
}

function readContent(message: PSTMessage, bag: PropertyBag, context: ItemContext, depth: number, warnings: string[]): MailContent {
	const rawSubject = bag.string(P.SUBJECT);
	// MS-OXCMSG 2.2.1.46: a subject may start with 0x01 and a prefix-length character.
	const subject = rawSubject !== undefined && rawSubject.charCodeAt(0) === 1 ? rawSubject.slice(2) : rawSubject;
	const directory = exchangeDirectory(bag);
	const from = resolveMailbox(bag, directory, P.SENT_REPRESENTING_NAME, P.SENT_REPRESENTING_ADDRTYPE, P.SENT_REPRESENTING_EMAIL, P.SENT_REPRESENTING_SMTP, P.SENT_REPRESENTING_ENTRYID);
	const sender = resolveMailbox(bag, directory, P.SENDER_NAME, P.SENDER_ADDRTYPE, P.SENDER_EMAIL, P.SENDER_SMTP, P.SENDER_ENTRYID);
	const recipients = readRecipients(message, bag.ansiCharset, directory, warnings);
	const importance = bag.int(P.IMPORTANCE);
	const priority = bag.int(P.PRIORITY);
	const sensitivity = bag.int(P.SENSITIVITY);
	const bodies = readBodies(bag, warnings);
	const attachments = readAttachments(message, bag, context, depth, warnings);
	const date = bag.date(P.CLIENT_SUBMIT_TIME) ?? bag.date(P.DELIVERY_TIME) ?? bag.date(P.MODIFICATION_TIME) ?? bag.date(P.CREATION_TIME);
	const transportHeaders = bag.text(P.TRANSPORT_HEADERS);
	const messageClass = (bag.string(P.MESSAGE_CLASS) ?? '').toLowerCase();
	const mimeEntity = messageClass.startsWith('ipm.note.smime') ? smimeEntity(attachments, messageClass) : undefined;
	const sameSender = sender !== undefined && from !== undefined && (sender.address ?? sender.name) === (from.address ?? from.name);
	return {
		...(transportHeaders === undefined ? {} : {transportHeaders}),
		...(subject === undefined ? {} : {subject}),
		...(from ?? sender ? {from: (from ?? sender)!} : {}),
		...(sender !== undefined && from !== undefined && !sameSender ? {sender} : {}),
		to: recipients.to, cc: recipients.cc, bcc: recipients.bcc, replyTo: replyTo(bag),
		...(date === undefined ? {} : {date}),
		...optional('messageId', bag.text(P.INTERNET_MESSAGE_ID)),
		...optional('inReplyTo', bag.text(P.IN_REPLY_TO)),
		...optional('references', bag.text(P.INTERNET_REFERENCES)),
		...(importance === 0 ? {importance: 'low' as const} : importance === 2 ? {importance: 'high' as const} : {}),
		...(priority === 1 ? {priority: 'urgent' as const} : priority === -1 ? {priority: 'non-urgent' as const} : {}),
		...(sensitivity === 1 ? {sensitivity: 'Personal' as const} : sensitivity === 2 ? {sensitivity: 'Private' as const} : sensitivity === 3 ? {sensitivity: 'Company-Confidential' as const} : {}),
		...bodies,
		attachments: mimeEntity === undefined ? attachments : [],
		...(mimeEntity === undefined ? {} : {mimeEntity}),
	};
}

function optional<K extends string>(key: K, value: string | undefined): {[P in K]?: string} {
	return (value === undefined ? {} : {[key]: value}) as {[P in K]?: string};
}

function readBodies(bag: PropertyBag, warnings: string[]): {text?: string; html?: string} {
	let text = nonEmpty(bag.string(P.BODY));
	let html = readHtml(bag);
	if ((html === undefined || text === undefined) && bag.has(P.RTF_COMPRESSED)) {
		const compressed = bag.bytes(P.RTF_COMPRESSED);
		const result = compressed === undefined || compressed.length < 16 ? undefined : rtfBody(compressed);
		if (result?.error !== undefined) warnings.push(`the RTF body was not used: ${result.error}`);
		const body = result?.body;
		if (body?.kind === 'html') html ??= nonEmpty(body.text);
		else if (body?.kind === 'text' && text === undefined) text = nonEmpty(body.text);
	}
	return {...(text === undefined ? {} : {text}), ...(html === undefined ? {} : {html})};
}

function readHtml(bag: PropertyBag): string | undefined {
	const type = bag.type(P.BODY_HTML);
	if (type === undefined) return undefined;
	if (type !== PT.BINARY) return nonEmpty(bag.string(P.BODY_HTML));
	const bytes = bag.bytes(P.BODY_HTML);
	if (bytes === undefined || bytes.length === 0) return undefined;
	const cpid = bag.uint(P.INTERNET_CPID);
	let charset = cpid === undefined ? undefined : charsetOfCodePage(cpid);
	// A "us-ascii" label on bytes that are not ASCII is wrong; what the HTML declares, or UTF-8, is more likely.
	if (charset === undefined || (charset === 'us-ascii' && bytes.some((b) => b >= 0x80))) {
		charset = charsetDeclaredInHtml(bytes) ?? (isValidUtf8(bytes) ? 'utf-8' : bag.ansiCharset);
	}
	return nonEmpty(decodeText(bytes, charset));
}

function nonEmpty(text: string | undefined): string | undefined {
	return text === undefined || text.trim() === '' ? undefined : text;
}

type Recipients = {to: MailAddress[]; cc: MailAddress[]; bcc: MailAddress[]};

function readRecipients(message: PSTMessage, charset: string, directory: ReadonlyMap<string, string>, warnings: string[]): Recipients {
	const result: Recipients = {to: [], cc: [], bcc: []};
	for (const row of readRecipientRows(message, charset, directory, warnings)) {
		(row.type === 2 ? result.cc : row.type === 3 ? result.bcc : result.to).push(row.mailbox);
	}
	return result;
}

/** PR_REPLY_RECIPIENT_ENTRIES: a FLATENTRYLIST (MS-OXCDATA 2.3.3) of one-off entry IDs. */
function replyTo(bag: PropertyBag): MailAddress[] {
	const data = bag.bytes(P.REPLY_RECIPIENT_ENTRIES);
	if (data === undefined || data.length < 8) return [];
	const out: MailAddress[] = [];
	const count = data.readUInt32LE(0);
	let offset = 8;
	for (let i = 0; i < count && offset + 4 <= data.length; i++) {
		const size = data.readUInt32LE(offset);
		const entry = data.subarray(offset + 4, offset + 4 + size);
		const parsed = parseOneOffEntryId(entry);
		if (parsed !== undefined && parsed.addrType.toUpperCase() === 'SMTP') {
			out.push({...(parsed.name === '' ? {} : {name: parsed.name}), address: parsed.address});
		}
		offset += 4 + size + ((4 - (size % 4)) % 4);
	}
	return out;
}

function readAttachments(message: PSTMessage, parent: PropertyBag, context: ItemContext, depth: number, warnings: string[]): MailAttachment[] {
	let count = 0;
	try {
		count = message.numberOfAttachments;
	} catch (error) {
		warnings.push(`the attachment table cannot be read (${describe(error)})`);
	}
	const out: MailAttachment[] = [];
	for (let index = 0; index < count; index++) {
		let label = `attachment ${index + 1}`;
		try {
			const attachment = message.getAttachment(index);
			const bag = propertiesOf(attachment, parent.ansiCharset, warnings);
			const method = bag.int(P.ATTACH_METHOD) ?? 1;
			const filename = bag.text(P.ATTACH_LONG_FILENAME) ?? bag.text(P.ATTACH_FILENAME) ?? bag.text(P.DISPLAY_NAME);
			label = filename === undefined ? label : `${label} "${filename}"`;
			if (method === 5) {
				const embedded = readEmbedded(attachment, bag, context, depth, warnings, label);
				if (embedded !== undefined) out.push(embedded);
				continue;
			}
			if (method >= 2 && method <= 4) {
				warnings.push(`${label} is a link to ${bag.text(P.ATTACH_PATHNAME) ?? 'a file outside the PST'}, not stored in the PST; it was not attached`);
				continue;
			}
			const data = method === 6 ? bag.objectNode(P.ATTACH_DATA)?.getData() : bag.bytes(P.ATTACH_DATA);
			if (data === undefined) {
				if (method !== 0) warnings.push(`${label} has no readable data; it was not attached`);
				continue;
			}
			const name = filename ?? `attachment-${index + 1}${method === 6 ? '.ole' : '.bin'}`;
			const file: FileAttachment = {
				type: 'file', filename: name, contentType: contentTypeFor(bag.text(P.ATTACH_MIME_TAG), name), data,
				...optional('contentId', bag.text(P.ATTACH_CONTENT_ID)),
			};
			out.push(file);
		} catch (error) {
			warnings.push(`${label} cannot be read (${describe(error)}); it was not attached`);
		}
	}
	return out;
}

function readEmbedded(attachment: unknown, bag: PropertyBag, context: ItemContext, depth: number, warnings: string[], label: string): MailAttachment | undefined {
	if (depth >= MAX_EMBEDDING) {
		warnings.push(`${label} is a message nested more than ${MAX_EMBEDDING} levels deep; it was not attached`);
		return undefined;
	}
	const node = bag.objectNode(P.ATTACH_DATA);
	if (node === undefined) {
		warnings.push(`${label} is an embedded message whose data cannot be found; it was not attached`);
		return undefined;
	}
	const file = (attachment as {pstFile: PSTFile}).pstFile;
	const subNodes = node.subNodeOffsetIndexIdentifier > 0 ? file.getPSTDescriptorItems(Long.fromNumber(node.subNodeOffsetIndexIdentifier) as never) : new Map();
	const table = new PSTTableBC(new PSTNodeInputStream(file, node));
	const inner = new PSTMessage(file, undefined as never, table as never, subNodes as never);
	const innerBag = propertiesOf(inner, bag.ansiCharset, warnings);
	const content = readContent(inner, innerBag, context, depth + 1, warnings);
	const base = bag.text(P.DISPLAY_NAME) ?? content.subject?.trim() ?? 'message';
	const filename = /\.(eml|msg)$/i.test(base) ? base.replace(/\.msg$/i, '.eml') : `${base}.eml`;
	return {type: 'message', filename, message: content};
}

/**
 * S/MIME items (MS-OXOSMIME 2.1.3): a clear-signed item keeps the signed MIME entity in an attachment of type
 * multipart/signed; an opaque (signed or encrypted) one keeps the PKCS#7 blob. Either is used as the body.
 */
function smimeEntity(attachments: readonly MailAttachment[], messageClass: string): Buffer | undefined {
	const files = attachments.filter((a): a is FileAttachment => a.type === 'file');
	const signed = files.find((a) => a.contentType.toLowerCase().startsWith('multipart/signed'));
	if (signed !== undefined && /^[\x21-\x39\x3b-\x7e]+:/.test(signed.data.toString('latin1', 0, 80))) return signed.data;
	const opaque = files.find((a) => /pkcs7-mime/i.test(a.contentType) || /\.p7m$/i.test(a.filename));
	if (opaque === undefined || messageClass.startsWith('ipm.note.smime.multipartsigned')) return undefined;
	const type = messageClass.includes('signed') ? 'signed-data' : 'enveloped-data';
	const head = `Content-Type: application/pkcs7-mime; smime-type=${type}; name="smime.p7m"\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename="smime.p7m"\r\n\r\n`;
	return Buffer.concat([Buffer.from(head), Buffer.from((opaque.data.toString('base64').match(/.{1,76}/g) ?? []).join('\r\n') + '\r\n')]);
}

function describe(error: unknown): string {
	return error instanceof Error ? error.message : String(error);
}

/** The store identity used in synthesized Message-IDs: PR_RECORD_KEY of the message store, as hex. */
export function storeKeyOf(messageStore: unknown): string | undefined {
	const key = new PropertyBag(messageStore, 'windows-1252').bytes(P.RECORD_KEY);
	return key === undefined || key.length === 0 ? undefined : key.toString('hex');
}
