/**
 * readMsgFile: one Outlook `.msg` file (MS-OXMSG: a compound file holding one message object's properties,
 * recipients and attachments) → an RFC 5322 message composed by the SAME code as PST items
 * (pst/compose-message.ts, mime-builder.ts, recipients.ts, rtf-body.ts), or a "not mail" marker.
 *
 * Why `@kenjiuno/msgreader` (and not a compound-file library plus our own property code): it is maintained,
 * pure JavaScript (node >= 10; its deps, @kenjiuno/decompressrtf and iconv-lite, are already ours), and it
 * already walks the MS-CFB directory, the `__properties_version1.0` streams, the `__substg1.0_TTTTPPPP` value
 * streams, recipient/attachment storages and embedded messages (`__substg1.0_3701000D`). What it exposes per
 * property through `parserConfig.propertyObserver` is the raw value bytes by tag, so the property semantics
 * (which ID means what, code pages, SMTP resolution) stay ours and match read-item.ts exactly. Writing the
 * compound-file layer ourselves would duplicate a well-tested parser for no fidelity gain.
 *
 * Properties used (MS-OXPROPS IDs, the same as read-item.ts): PR_MESSAGE_CLASS 0x001A (itemKindOf: contacts,
 * appointments, tasks, notes are not mail), PR_SUBJECT 0x0037, PR_TRANSPORT_MESSAGE_HEADERS 0x007D,
 * PR_SENT_REPRESENTING_* / PR_SENDER_* (name, addrtype, address, SMTP, entry ID), recipients (PR_RECIPIENT_TYPE
 * via msgreader's recipType, PR_DISPLAY_NAME, PR_ADDRTYPE, PR_EMAIL_ADDRESS, PR_SMTP_ADDRESS),
 * PR_CLIENT_SUBMIT_TIME 0x0039, PR_MESSAGE_DELIVERY_TIME 0x0E06, PR_CREATION_TIME 0x3007, PR_LAST_MODIFICATION_TIME
 * 0x3008, PR_INTERNET_MESSAGE_ID 0x1035, PR_IN_REPLY_TO_ID 0x1042, PR_INTERNET_REFERENCES 0x1039,
 * PR_IMPORTANCE 0x0017, PR_PRIORITY 0x0026, PR_SENSITIVITY 0x0036, PR_BODY 0x1000, PR_BODY_HTML 0x1013
 * (binary in PR_INTERNET_CPID 0x3FDE), PR_RTF_COMPRESSED 0x1009, attachments (PR_ATTACH_METHOD 0x3705,
 * PR_ATTACH_LONG_FILENAME 0x3707, PR_ATTACH_FILENAME 0x3704, PR_ATTACH_MIME_TAG 0x370E, PR_ATTACH_CONTENT_ID
 * 0x3712, embedded messages recursively). PT_STRING8 values use PR_MESSAGE_CODEPAGE 0x3FFD, else the code
 * page of PR_MESSAGE_LOCALE_ID 0x3FF1, else windows-1252.
 * Flags: PR_MESSAGE_FLAGS 0x0E07 (0x01 MSGFLAG_READ → \Seen, 0x08 MSGFLAG_UNSENT → \Draft), PR_FLAG_STATUS
 * 0x1090 (2 → \Flagged), PR_LAST_VERB_EXECUTED 0x1081 (as read-item.ts).
 * Received date: the mapper takes the topmost `Received:` of the kept transport headers; then
 * PR_MESSAGE_DELIVERY_TIME (`deliveryTime`); then the composed Date: (PR_CLIENT_SUBMIT_TIME, else the delivery,
 * last modification or creation time: `hasOwnDate`); the caller's file time only for a .msg with none of these
 * (see eml-folder-store.ts: a .msg file's time is when it was dragged out of Outlook or copied).
 * Message-ID: PR_INTERNET_MESSAGE_ID, else a stable id from the file's key (path relative to the store root).
 * @throws Error when the file is not a readable MS-OXMSG compound file (the caller reports it by name).
 */
import {createHash} from 'node:crypto';

import MsgReaderModule from '@kenjiuno/msgreader';
import type {FieldsData} from '@kenjiuno/msgreader';

import {charsetDeclaredInHtml, charsetOfCodePage, codePageOfLcid, decodeText, isValidUtf8} from '../pst/code-pages.js';
import type {FileAttachment, MailAttachment, MailContent} from '../pst/compose-message.js';
import {composeMessage} from '../pst/compose-message.js';
import {itemKindOf} from '../pst/item-kind.js';
import type {ItemExport} from '../pst/read-item.js';
import type {RawProperty} from '../pst/property-bag.js';
import type {MsgNamedProperty} from './msg-item-export.js';
import {exportMsgItem} from './msg-item-export.js';
import {contentTypeFor} from '../pst/media-types.js';
import type {MailAddress} from '../pst/mime-builder.js';
import {parseOneOffEntryId, smtpAddress} from '../pst/recipients.js';
import {rtfBody} from '../pst/rtf-body.js';

/** The library's compound-file reader (MsgReader#reader), as far as the guards below use it. */
type CfbReader = {
	getNextBlockInner(offset: number, table: unknown): number;
	createPropertyHierarchy(props: CfbProperty[], node: CfbProperty | undefined): void;
};
type CfbProperty = {type: number; childProperty: number; previousProperty: number; nextProperty: number; children?: number[]};
type MsgReaderInstance = {
	reader: CfbReader;
	/** Filled by getFileData from `__nameid_version1.0` (MS-OXMSG 2.2.3): named property id → name. */
	privatePidToKeyed?: Record<number, MsgNamedProperty>;
	parserConfig?: {propertyObserver?: (fields: FieldsData, tag: number, raw: Uint8Array | null) => void};
	getFileData(): FieldsData;
	getAttachment(attachment: FieldsData): {fileName: string; content: Uint8Array};
};
type MsgReaderCtor = new (data: ArrayBuffer | DataView | Buffer) => MsgReaderInstance;
// The package is CommonJS with `exports.default`; under ESM interop the class is either the module or its default.
const MsgReader: MsgReaderCtor = ((MsgReaderModule as unknown as {default?: MsgReaderCtor}).default ?? MsgReaderModule) as unknown as MsgReaderCtor;

export type MsgReadResult =
	| Readonly<{kind: 'mail'; raw: Buffer; flags: string[]; deliveryTime?: Date; hasOwnDate: boolean; warnings: string[]}>
	| Readonly<{kind: 'not-mail'; itemKind: string; export?: ItemExport; warnings: string[]}>;

export type MsgReadOptions = Readonly<{
	/** Build the vCard/iCalendar file of a contact, appointment, task or note (backups). @default false */
	exportNonMail?: boolean;
}>;

const P = {
	MESSAGE_CLASS: 0x001a, IMPORTANCE: 0x0017, PRIORITY: 0x0026, SENSITIVITY: 0x0036, SUBJECT: 0x0037,
	CLIENT_SUBMIT_TIME: 0x0039, SENT_REPRESENTING_ENTRYID: 0x0041, SENT_REPRESENTING_NAME: 0x0042,
	REPLY_RECIPIENT_ENTRIES: 0x004f, SENT_REPRESENTING_ADDRTYPE: 0x0064, SENT_REPRESENTING_EMAIL: 0x0065,
	TRANSPORT_HEADERS: 0x007d, SENDER_ENTRYID: 0x0c19, SENDER_NAME: 0x0c1a, SENDER_ADDRTYPE: 0x0c1e,
	SENDER_EMAIL: 0x0c1f, DELIVERY_TIME: 0x0e06, MESSAGE_FLAGS: 0x0e07, BODY: 0x1000, RTF_COMPRESSED: 0x1009,
	BODY_HTML: 0x1013, INTERNET_MESSAGE_ID: 0x1035, INTERNET_REFERENCES: 0x1039, IN_REPLY_TO: 0x1042,
	LAST_VERB: 0x1081, FLAG_STATUS: 0x1090, DISPLAY_NAME: 0x3001, ADDRTYPE: 0x3002, EMAIL_ADDRESS: 0x3003,
	CREATION_TIME: 0x3007, MODIFICATION_TIME: 0x3008, ATTACH_FILENAME: 0x3704, ATTACH_METHOD: 0x3705,
	ATTACH_LONG_FILENAME: 0x3707, ATTACH_MIME_TAG: 0x370e, ATTACH_CONTENT_ID: 0x3712, SMTP_ADDRESS: 0x39fe,
	INTERNET_CPID: 0x3fde, MESSAGE_LOCALE_ID: 0x3ff1, MESSAGE_CODEPAGE: 0x3ffd, SENDER_SMTP: 0x5d01,
	SENT_REPRESENTING_SMTP: 0x5d02, ENTRYID: 0x0fff,
} as const;
const PT = {LONG: 0x0003, BOOLEAN: 0x000b, STRING8: 0x001e, UNICODE: 0x001f, SYSTIME: 0x0040, BINARY: 0x0102} as const;
/** MS-OXOMSG PidTagLastVerbExecuted, as read-item.ts. */
const REPLIED_VERBS = new Set([102, 103, 0x105]);
const FORWARDED_VERBS = new Set([104, 0x106]);
/** Embedded messages deeper than this are not recursed (as read-item.ts). */
const MAX_EMBEDDING = 8;

/** Multi-valued variable-size types (MS-OXMSG 2.1.4.2.2): a length stream, then one stream per value. */
const MV_VARIABLE: ReadonlyMap<number, number> = new Map([[0x101e, 4], [0x101f, 4], [0x1102, 8]]);

/** The raw property values of one object (message, recipient, attachment), by property ID. */
class RawBag {
	readonly #values = new Map<number, {type: number; raw: Uint8Array}>();
	/** Every value seen for a multi-valued variable-size property, in directory order. */
	readonly #multi = new Map<number, Uint8Array[]>();
	ansiCharset = 'windows-1252';

	set(tag: number, raw: Uint8Array): void {
		const id = tag >>> 16;
		const type = tag & 0xffff;
		if (MV_VARIABLE.has(type)) {
			const list = this.#multi.get(id) ?? [];
			list.push(raw);
			this.#multi.set(id, list);
		}
		if (!this.#values.has(id)) this.#values.set(id, {type, raw});
	}

	/**
	 * The values as PST table items (property-bag.ts reads them the same way): fixed-size values inline,
	 * the rest as data. A multi-valued variable-size property is rebuilt in the PST layout (count, offsets,
	 * values; MS-PST 2.3.3.4.2): the CFB directory order (shorter names first, MS-CFB 2.6.4) yields its length
	 * stream first and its `-NNNNNNNN` value streams last, so the last `count` values are the values.
	 */
	toProperties(): Map<number, RawProperty> {
		const out = new Map<number, RawProperty>();
		for (const [id, {type, raw}] of this.#values) {
			const data = Buffer.from(raw);
			const width = MV_VARIABLE.get(type);
			if (width !== undefined) {
				const seen = this.#multi.get(id) ?? [];
				const count = Math.floor(data.length / width);
				const values = count > 0 && count < seen.length ? seen.slice(-count).map((value) => Buffer.from(value)) : [];
				const header = Buffer.alloc(4 + 4 * values.length);
				header.writeUInt32LE(values.length, 0);
				let offset = header.length;
				values.forEach((value, index) => {
					header.writeUInt32LE(offset, 4 + 4 * index);
					offset += value.length;
				});
				out.set(id, {entryValueType: type, entryValueReference: 0, isExternalValueReference: false, data: Buffer.concat([header, ...values])});
				continue;
			}
			const inline = (type === PT.LONG || type === PT.BOOLEAN || type === 0x0002 || type === 0x000a) && data.length >= 4 ? data.readInt32LE(0) : 0;
			out.set(id, {entryValueType: type, entryValueReference: inline, isExternalValueReference: false, data});
		}
		return out;
	}

	/** Settles the PT_STRING8 charset once all properties are known (see module comment). */
	settleCharset(fallback: string): void {
		const codePage = this.uint(P.MESSAGE_CODEPAGE);
		const lcid = this.uint(P.MESSAGE_LOCALE_ID);
		this.ansiCharset = (codePage !== undefined ? charsetOfCodePage(codePage) : undefined)
			?? (lcid !== undefined && lcid !== 0 ? charsetOfCodePage(codePageOfLcid(lcid)) : undefined) ?? fallback;
	}

	type(id: number): number | undefined {
		return this.#values.get(id)?.type;
	}

	/** A string property (PT_UNICODE as UTF-16LE, PT_STRING8 in the object's code page), NULs trimmed; undefined when empty. */
	text(id: number): string | undefined {
		const value = this.#values.get(id);
		if (value === undefined) return undefined;
		let text: string;
		if (value.type === PT.UNICODE) text = Buffer.from(value.raw).toString('utf16le');
		else if (value.type === PT.STRING8) text = decodeText(value.raw, this.ansiCharset);
		else return undefined;
		text = text.replace(/\0+$/, '');
		return text.trim() === '' ? undefined : text;
	}

	bytes(id: number): Buffer | undefined {
		const value = this.#values.get(id);
		return value === undefined ? undefined : Buffer.from(value.raw);
	}

	uint(id: number): number | undefined {
		const value = this.#values.get(id);
		if (value === undefined || (value.type !== PT.LONG && value.type !== PT.BOOLEAN) || value.raw.length < 4) return undefined;
		return Buffer.from(value.raw).readUInt32LE(0);
	}

	int(id: number): number | undefined {
		const value = this.uint(id);
		return value === undefined ? undefined : value | 0;
	}

	/** PT_SYSTIME: a FILETIME (100 ns since 1601-01-01 UTC); undefined for 0 or out of range. */
	date(id: number): Date | undefined {
		const value = this.#values.get(id);
		if (value === undefined || value.type !== PT.SYSTIME || value.raw.length < 8) return undefined;
		const ticks = Buffer.from(value.raw).readBigUInt64LE(0);
		if (ticks === 0n) return undefined;
		const ms = Number(ticks / 10_000n) - 11_644_473_600_000;
		const date = new Date(ms);
		return Number.isNaN(date.getTime()) || ms < 0 || ms > 253_402_300_799_000 ? undefined : date;
	}
}

type Parsed = Readonly<{reader: MsgReaderInstance; data: FieldsData; bags: WeakMap<FieldsData, RawBag>}>;

/**
 * Reads and composes one .msg. `key` is the file's stable key (relative path): it seeds boundaries and the
 * synthesized Message-ID, so a re-run composes the same bytes.
 */
export function readMsgFile(bytes: Buffer, key: string, options: MsgReadOptions = {}): MsgReadResult {
	const parsed = parse(bytes);
	const warnings: string[] = [];
	const bag = bagOf(parsed, parsed.data);
	const kind = itemKindOf(bag.text(P.MESSAGE_CLASS) ?? parsed.data.messageClass);
	const seed = createHash('sha256').update(key).digest('hex').slice(0, 16);
	if (!kind.isMail) {
		if (options.exportNonMail !== true) return {kind: 'not-mail', itemKind: kind.label, warnings};
		const exported = exportMsgItem({
			itemKind: kind.label, identity: `msg.${seed}`, charset: bag.ansiCharset, properties: bag.toProperties(),
			recipients: (parsed.data.recipients ?? []).map((row) => bagOf(parsed, row, bag).toProperties()),
			attachments: (parsed.data.attachments ?? []).map((row) => bagOf(parsed, row, bag).toProperties()),
			names: parsed.reader.privatePidToKeyed ?? {},
		}, warnings);
		return exported === undefined ? {kind: 'not-mail', itemKind: kind.label, warnings} : {kind: 'not-mail', itemKind: kind.label, export: exported, warnings};
	}
	const content = readContent(parsed, parsed.data, bag, 0, warnings);
	const messageId = content.messageId ?? `mailshift.${seed}@msg.invalid`;
	const raw = composeMessage({...content, messageId}, `msg/${seed}`);
	const flags: string[] = [];
	const messageFlags = bag.uint(P.MESSAGE_FLAGS) ?? 0;
	if ((messageFlags & 0x01) !== 0) flags.push('\\Seen');
	if ((messageFlags & 0x08) !== 0) flags.push('\\Draft');
	const verb = bag.uint(P.LAST_VERB);
	if (verb !== undefined && REPLIED_VERBS.has(verb)) flags.push('\\Answered');
	if (verb !== undefined && FORWARDED_VERBS.has(verb)) flags.push('$Forwarded');
	if (bag.uint(P.FLAG_STATUS) === 2) flags.push('\\Flagged');
	const deliveryTime = bag.date(P.DELIVERY_TIME);
	const hasOwnDate = content.date !== undefined;
	return deliveryTime === undefined ? {kind: 'mail', raw, flags, hasOwnDate, warnings} : {kind: 'mail', raw, flags, deliveryTime, hasOwnDate, warnings};
}

function parse(bytes: Buffer): Parsed {
	// MS-CFB signature D0 CF 11 E0 A1 B1 1A E1: anything else is not a .msg (the library would say less clearly).
	if (bytes.length < 512 || bytes.readUInt32BE(0) !== 0xd0cf11e0 || bytes.readUInt32BE(4) !== 0xa1b11ae1) {
		throw new Error(bytes.length < 512 ? `the file is too short (${bytes.length} bytes) to be an Outlook .msg` : 'the file is not an Outlook .msg (no compound-file signature)');
	}
	const bags = new WeakMap<FieldsData, RawBag>();
	const reader = new MsgReader(bytes);
	guardAgainstCycles(reader.reader, bytes.length);
	reader.parserConfig = {
		propertyObserver: (fields, tag, raw) => {
			if (raw === null) return;
			let bag = bags.get(fields);
			if (bag === undefined) bags.set(fields, (bag = new RawBag()));
			bag.set(tag, raw);
		},
	};
	const data = reader.getFileData();
	if (data.error !== undefined) throw new Error(`the .msg cannot be read: ${data.error}`);
	if (data.dataType !== 'msg') throw new Error('the .msg holds no message object');
	return {reader, data, bags};
}

/**
 * The library follows FAT/mini-FAT chains (MS-CFB 2.3) and the directory's red-black tree (MS-CFB 2.6) without
 * cycle checks: a damaged .msg whose chain or tree loops made it grow arrays until the process ran out of
 * memory (found by flipping bytes in corpus files). Per reader instance (the library's public `reader`, no
 * internal import): every chain step counts against a budget no valid file of this size can exceed (each
 * 64-byte mini sector or 512-byte sector is in at most one chain; streams are read a few times), and the
 * directory tree is walked with a visited set (our own copy of the walk, same result for a valid tree).
 * Exceeding either throws, which the caller reports as a damaged file.
 */
function guardAgainstCycles(cfb: CfbReader, size: number): void {
	const budget = 16 * Math.ceil(size / 64) + 4096;
	let steps = 0;
	const next = cfb.getNextBlockInner;
	cfb.getNextBlockInner = function (this: CfbReader, offset: number, table: unknown): number {
		if (++steps > budget) throw new Error('its sector chains loop (a damaged compound file)');
		return next.call(this, offset, table);
	};
	const NO_INDEX = -1; // the library reads directory ids as int32: NOSTREAM 0xFFFFFFFF is -1
	const DIRECTORY = 1;
	const visited = new Set<number>();
	cfb.createPropertyHierarchy = function (this: CfbReader, props: CfbProperty[], node: CfbProperty | undefined): void {
		if (node === undefined || node.childProperty === NO_INDEX) return;
		node.children = [];
		const stack: Array<{push: boolean; index: number}> = [{push: false, index: node.childProperty}];
		while (stack.length > 0) {
			const {push, index} = stack.pop()!;
			const current = props[index];
			if (current === undefined) throw new Error(`its directory names entry ${index}, which does not exist (a damaged compound file)`);
			if (push) {
				node.children.push(index);
				continue;
			}
			if (visited.has(index)) throw new Error('its directory tree loops (a damaged compound file)');
			visited.add(index);
			if (current.type === DIRECTORY) this.createPropertyHierarchy(props, current);
			if (current.nextProperty !== NO_INDEX) stack.push({push: false, index: current.nextProperty});
			stack.push({push: true, index});
			if (current.previousProperty !== NO_INDEX) stack.push({push: false, index: current.previousProperty});
		}
	};
}

function bagOf(parsed: Parsed, fields: FieldsData, parent?: RawBag): RawBag {
	const bag = parsed.bags.get(fields) ?? new RawBag();
	bag.settleCharset(parent?.ansiCharset ?? 'windows-1252');
	return bag;
}

function readContent(parsed: Parsed, fields: FieldsData, bag: RawBag, depth: number, warnings: string[]): MailContent {
	const rawSubject = bag.text(P.SUBJECT);
	// MS-OXCMSG 2.2.1.46: a subject may start with 0x01 and a prefix-length character.
	const subject = rawSubject !== undefined && rawSubject.charCodeAt(0) === 1 ? rawSubject.slice(2) : rawSubject;
	const directory = new Map<string, string>();
	const from = mailbox(bag, directory, P.SENT_REPRESENTING_NAME, P.SENT_REPRESENTING_ADDRTYPE, P.SENT_REPRESENTING_EMAIL, P.SENT_REPRESENTING_SMTP, P.SENT_REPRESENTING_ENTRYID);
	const sender = mailbox(bag, directory, P.SENDER_NAME, P.SENDER_ADDRTYPE, P.SENDER_EMAIL, P.SENDER_SMTP, P.SENDER_ENTRYID);
	const to: MailAddress[] = [];
	const cc: MailAddress[] = [];
	const bcc: MailAddress[] = [];
	for (const recipient of fields.recipients ?? []) {
		const row = bagOf(parsed, recipient, bag);
		const address = mailbox(row, directory, P.DISPLAY_NAME, P.ADDRTYPE, P.EMAIL_ADDRESS, P.SMTP_ADDRESS, P.ENTRYID);
		if (address === undefined) continue;
		(recipient.recipType === 'cc' ? cc : recipient.recipType === 'bcc' ? bcc : to).push(address);
	}
	const importance = bag.int(P.IMPORTANCE);
	const priority = bag.int(P.PRIORITY);
	const sensitivity = bag.int(P.SENSITIVITY);
	const date = bag.date(P.CLIENT_SUBMIT_TIME) ?? bag.date(P.DELIVERY_TIME) ?? bag.date(P.MODIFICATION_TIME) ?? bag.date(P.CREATION_TIME);
	const transportHeaders = bag.text(P.TRANSPORT_HEADERS);
	const sameSender = sender !== undefined && from !== undefined && (sender.address ?? sender.name) === (from.address ?? from.name);
	return {
		...(transportHeaders === undefined ? {} : {transportHeaders}),
		...(subject === undefined ? {} : {subject}),
		...(from ?? sender ? {from: (from ?? sender)!} : {}),
		...(sender !== undefined && from !== undefined && !sameSender ? {sender} : {}),
		to, cc, bcc, replyTo: replyTo(bag),
		...(date === undefined ? {} : {date}),
		...optional('messageId', bag.text(P.INTERNET_MESSAGE_ID)),
		...optional('inReplyTo', bag.text(P.IN_REPLY_TO)),
		...optional('references', bag.text(P.INTERNET_REFERENCES)),
		...(importance === 0 ? {importance: 'low' as const} : importance === 2 ? {importance: 'high' as const} : {}),
		...(priority === 1 ? {priority: 'urgent' as const} : priority === -1 ? {priority: 'non-urgent' as const} : {}),
		...(sensitivity === 1 ? {sensitivity: 'Personal' as const} : sensitivity === 2 ? {sensitivity: 'Private' as const} : sensitivity === 3 ? {sensitivity: 'Company-Confidential' as const} : {}),
		...bodies(bag, warnings),
		attachments: attachments(parsed, fields, bag, depth, warnings),
	};
}

function mailbox(bag: RawBag, directory: ReadonlyMap<string, string>, nameId: number, typeId: number, addressId: number, smtpId: number, entryId: number): MailAddress | undefined {
	const name = bag.text(nameId);
	const address = smtpAddress(bag.text(typeId), bag.text(addressId), bag.text(smtpId), bag.bytes(entryId), directory);
	if (name === undefined && address === undefined) return undefined;
	return {...(name === undefined ? {} : {name}), ...(address === undefined ? {} : {address})};
}

/** PR_REPLY_RECIPIENT_ENTRIES: a FLATENTRYLIST (MS-OXCDATA 2.3.3) of one-off entry IDs (as read-item.ts). */
function replyTo(bag: RawBag): MailAddress[] {
	const data = bag.bytes(P.REPLY_RECIPIENT_ENTRIES);
	if (data === undefined || data.length < 8) return [];
	const out: MailAddress[] = [];
	const count = data.readUInt32LE(0);
	let offset = 8;
	for (let i = 0; i < count && offset + 4 <= data.length; i++) {
		const size = data.readUInt32LE(offset);
		const parsed = parseOneOffEntryId(data.subarray(offset + 4, offset + 4 + size));
		if (parsed !== undefined && parsed.addrType.toUpperCase() === 'SMTP') out.push({...(parsed.name === '' ? {} : {name: parsed.name}), address: parsed.address});
		offset += 4 + size + ((4 - (size % 4)) % 4);
	}
	return out;
}

function bodies(bag: RawBag, warnings: string[]): {text?: string; html?: string} {
	let text = nonEmpty(bag.text(P.BODY));
	let html = readHtml(bag);
	if (html === undefined || text === undefined) {
		const compressed = bag.bytes(P.RTF_COMPRESSED);
		const result = compressed === undefined || compressed.length < 16 ? undefined : rtfBody(compressed);
		if (result?.error !== undefined) warnings.push(`the RTF body was not used: ${result.error}`);
		const body = result?.body;
		if (body?.kind === 'html') html ??= nonEmpty(body.text);
		else if (body?.kind === 'text' && text === undefined) text = nonEmpty(body.text);
	}
	return {...(text === undefined ? {} : {text}), ...(html === undefined ? {} : {html})};
}

function readHtml(bag: RawBag): string | undefined {
	const type = bag.type(P.BODY_HTML);
	if (type === undefined) return undefined;
	if (type !== PT.BINARY) return nonEmpty(bag.text(P.BODY_HTML));
	const bytes = bag.bytes(P.BODY_HTML);
	if (bytes === undefined || bytes.length === 0) return undefined;
	const cpid = bag.uint(P.INTERNET_CPID);
	let charset = cpid === undefined ? undefined : charsetOfCodePage(cpid);
	if (charset === undefined || (charset === 'us-ascii' && bytes.some((b) => b >= 0x80))) {
		charset = charsetDeclaredInHtml(bytes) ?? (isValidUtf8(bytes) ? 'utf-8' : bag.ansiCharset);
	}
	return nonEmpty(decodeText(bytes, charset));
}

function attachments(parsed: Parsed, fields: FieldsData, parent: RawBag, depth: number, warnings: string[]): MailAttachment[] {
	const out: MailAttachment[] = [];
	for (const [index, attachment] of (fields.attachments ?? []).entries()) {
		let label = `attachment ${index + 1}`;
		try {
			const bag = bagOf(parsed, attachment, parent);
			const method = bag.int(P.ATTACH_METHOD) ?? 1;
			const filename = bag.text(P.ATTACH_LONG_FILENAME) ?? bag.text(P.ATTACH_FILENAME) ?? bag.text(P.DISPLAY_NAME);
			label = filename === undefined ? label : `${label} "${filename}"`;
			if (attachment.innerMsgContent === true && attachment.innerMsgContentFields !== undefined) {
				if (depth >= MAX_EMBEDDING) {
					warnings.push(`${label} is a message nested more than ${MAX_EMBEDDING} levels deep; it was not attached`);
					continue;
				}
				const inner = attachment.innerMsgContentFields;
				const content = readContent(parsed, inner, bagOf(parsed, inner, bag), depth + 1, warnings);
				const base = bag.text(P.DISPLAY_NAME) ?? content.subject?.trim() ?? 'message';
				out.push({type: 'message', filename: /\.(eml|msg)$/i.test(base) ? base.replace(/\.msg$/i, '.eml') : `${base}.eml`, message: content});
				continue;
			}
			if (method >= 2 && method <= 4) {
				warnings.push(`${label} is a link to a file outside the .msg, not stored in it; it was not attached`);
				continue;
			}
			if (attachment.dataId === undefined) {
				if (method !== 0) warnings.push(`${label} has no readable data; it was not attached`);
				continue;
			}
			const data = Buffer.from(parsed.reader.getAttachment(attachment).content);
			const name = filename ?? `attachment-${index + 1}${method === 6 ? '.ole' : '.bin'}`;
			const file: FileAttachment = {
				type: 'file', filename: name, contentType: contentTypeFor(bag.text(P.ATTACH_MIME_TAG), name), data,
				...optional('contentId', bag.text(P.ATTACH_CONTENT_ID)),
			};
			out.push(file);
		} catch (error) {
			warnings.push(`${label} cannot be read (${error instanceof Error ? error.message : String(error)}); it was not attached`);
		}
	}
	return out;
}

function optional<K extends string>(key: K, value: string | undefined): {[P in K]?: string} {
	return (value === undefined ? {} : {[key]: value}) as {[P in K]?: string};
}

function nonEmpty(text: string | undefined): string | undefined {
	return text === undefined || text.trim() === '' ? undefined : text;
}
