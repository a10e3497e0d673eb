/**
 * Outlook rules → RuleSet: the RWZ rule stream (PidTagRwRulesStream 0x6802 of the `IPM.RuleOrganizer` message
 * in a PST/OST Inbox's associated contents, outlook-pst-rules.ts) and `.rwz` export files (the same stream).
 *
 * Format: "Specification for the Outlook (2016–2021) RWZ rule stream and file format", grommunio/gromox
 * doc/outlook_rule_spec.rst (section names below are its own). A stream is RW_Magic, a uint16 rule count, the
 * rules (XR_Header then elements, each a uint32 act_kind and a kind-specific layout, separated by 0x8001),
 * then a template directory and a timestamp. The first uint32 of RW_Magic is a version: 1000000 and up
 * (OL2002+, seen: 1000000, 1200000, 0x140000) means UTF-16 strings, an XR_Magic and a byte count per rule;
 * 0x0e5ebd (OL2000) and 0x0ed03c (OL98) mean 8-bit strings and no byte count. Elements carry no length, so
 * an element this reader does not know ends the rule: with the byte count the rule is listed as undecodable
 * (by name, with the reason) and the next rule is read; without it the stream cannot go on (error).
 *
 * Mapping (filter-rule.ts): all conditions must hold; several words/people inside one condition are
 * alternatives (a parenthesised OR group); an exception ("except if …") is the negation of its condition
 * (so its alternatives become an AND of negated terms). Conditions a server cannot evaluate (categories,
 * forms, address books, RSS, meeting requests, flags …) are kept as `unsupported` terms with the reason, so
 * the translator reports the rule instead of widening it. Actions a server cannot do (sounds, alerts, printing,
 * templates, deferring …) become 'Client only' actions with the reason.
 *
 * Contract: pure and bounded (every length is checked against the bytes left; counts are bounded by what the
 * bytes could hold); throws only MailshiftError RULES_UNPARSEABLE (disposition 'skip') naming the file and
 * the byte offset. Never reads past the buffer.
 */
import {readFile, stat} from 'node:fs/promises';
import {resolve} from 'node:path';

import {MailshiftError} from '../contracts/errors.js';
import {keywordOfCategory} from '../readers/pst/category-keywords.js';
import type {FilterRule, RuleAction, RuleCondition, RuleSet} from './filter-rule.js';
import {FilterType} from './filter-rule.js';
import {folderPathUri} from './rule-target.js';

/** A real rule stream is a few KiB (Outlook limits rules to 256 KiB on Exchange); far more is not one. */
export const MAX_RULES_STREAM_BYTES = 16 * 1024 * 1024;

const HINT = 'Open the rules in Outlook (File → Manage Rules & Alerts), export them again (Options → Export Rules) and name that .rwz file; the mail migration is not affected.';

/** RW_Magic versions of the 8-bit formats (spec "RW_Magic (OL2000)", "(OL1998)"). */
const OL2000 = 0x000e5ebd;
const OL1998 = 0x000ed03c;
const UNICODE_MIN_VERSION = 1_000_000;

/** The class-tag that precedes every element after the first (MFC CArchive "object of class 1"). */
const SEPARATOR = 0x8001;

/** MAPI property tags read from XR_PropValArray (MS-OXPROPS). */
const PR = {DISPLAY_NAME: 0x3001, ADDRTYPE: 0x3002, EMAIL_ADDRESS: 0x3003, SEARCH_KEY: 0x300b, SMTP_ADDRESS: 0x39fe} as const;

class ParseFailure extends Error {
	constructor(readonly offset: number, message: string) {
		super(message);
	}
}

/** Thrown inside a rule for an element whose layout is unknown or not read; the rule is skipped by byte count. */
class UnreadableElement extends ParseFailure {}

/** A bounds-checked little-endian reader. */
class Cursor {
	pos: number;
	constructor(readonly bytes: Buffer, readonly unicode: boolean, start = 0, readonly end = bytes.length) {
		this.pos = start;
	}

	need(n: number, what: string): void {
		if (n < 0 || this.pos + n > this.end) throw new ParseFailure(this.pos, `${what} runs past the end of the data (${n} bytes needed, ${Math.max(0, this.end - this.pos)} left)`);
	}

	u8(what: string): number { this.need(1, what); return this.bytes.readUInt8(this.pos++); }
	u16(what: string): number { this.need(2, what); const v = this.bytes.readUInt16LE(this.pos); this.pos += 2; return v; }
	u32(what: string): number { this.need(4, what); const v = this.bytes.readUInt32LE(this.pos); this.pos += 4; return v; }
	f64(what: string): number { this.need(8, what); const v = this.bytes.readDoubleLE(this.pos); this.pos += 8; return v; }
	skip(n: number, what: string): void { this.need(n, what); this.pos += n; }
	take(n: number, what: string): Buffer { this.need(n, what); const b = this.bytes.subarray(this.pos, this.pos + n); this.pos += n; return b; }

	/** A length field: uint8, or 0xff followed by uint16 (spec "Length fields"). */
	length(what: string): number {
		const short = this.u8(what);
		return short === 0xff ? this.u16(what) : short;
	}

	/** TCHAR[len]: UTF-16LE in the OL2002+ formats, 8-bit (windows-1252, read as latin1) before. */
	tchars(len: number, what: string): string {
		const data = this.take(this.unicode ? len * 2 : len, what);
		return this.unicode ? data.toString('utf16le') : data.toString('latin1');
	}

	/** A length-prefixed TCHAR string. */
	string(what: string): string {
		return this.tchars(this.length(what), what);
	}

	/** A length-prefixed 8-bit string (message classes, account stamps). */
	string8(what: string): string {
		return this.take(this.length(what), what).toString('latin1');
	}

	/** A uint32 count of items that take at least `minItemBytes` each: refused when the bytes cannot hold it. */
	count(minItemBytes: number, what: string): number {
		const n = this.u32(what);
		if (n * minItemBytes > this.end - this.pos) throw new ParseFailure(this.pos - 4, `${what}: ${n} entries cannot fit in the ${this.end - this.pos} bytes left`);
		return n;
	}
}

/** One recipient/sender of an XR_PropValArray: its SMTP address when one is stored, and its display name. */
type Person = Readonly<{address: string | undefined; name: string | undefined}>;

/** XR_PropValArray (spec section of that name). */
function readPropValArray(c: Cursor): Person {
	c.u32('property array marker');
	const numprops = c.u32('property count');
	const blockBytes = c.u32('property block size');
	const blockStart = c.pos;
	c.need(blockBytes, 'property block');
	if (numprops * 16 > blockBytes) throw new ParseFailure(blockStart, `property array: ${numprops} properties do not fit in ${blockBytes} bytes`);
	const blockEnd = blockStart + blockBytes;
	const strings = new Map<number, string>();
	const binaries = new Map<number, Buffer>();
	const readString = (offset: number, wide: boolean): string | undefined => {
		if (offset >= blockBytes) return undefined;
		const from = blockStart + offset;
		if (wide) {
			let to = from;
			while (to + 1 < blockEnd && (c.bytes[to] !== 0 || c.bytes[to + 1] !== 0)) to += 2;
			return c.bytes.subarray(from, to).toString('utf16le');
		}
		let to = from;
		while (to < blockEnd && c.bytes[to] !== 0) to++;
		return c.bytes.subarray(from, to).toString('latin1');
	};
	for (let i = 0; i < numprops; i++) {
		const at = blockStart + i * 16;
		const tag = c.bytes.readUInt32LE(at);
		const type = tag & 0xffff;
		const id = tag >>> 16;
		const a = c.bytes.readUInt32LE(at + 8);
		const b = c.bytes.readUInt32LE(at + 12);
		if (type === 0x001f || type === 0x001e) {
			const value = readString(a, type === 0x001f);
			if (value !== undefined) strings.set(id, value);
		} else if (type === 0x0102) {
			if (b <= blockBytes && a <= blockBytes - b) binaries.set(id, c.bytes.subarray(blockStart + b, blockStart + b + a));
		}
	}
	c.pos = blockEnd;
	const smtp = strings.get(PR.SMTP_ADDRESS);
	const addrType = strings.get(PR.ADDRTYPE)?.toUpperCase();
	const email = strings.get(PR.EMAIL_ADDRESS);
	const searchKey = binaries.get(PR.SEARCH_KEY)?.toString('latin1').replace(/\0+$/, '');
	const fromKey = searchKey?.toUpperCase().startsWith('SMTP:') ? searchKey.slice(5).toLowerCase() : undefined;
	const address = smtp ?? (addrType === 'SMTP' ? email : undefined) ?? fromKey;
	return {address: address?.includes('@') ? address.trim() : undefined, name: strings.get(PR.DISPLAY_NAME)};
}

function readPeople(c: Cursor): Person[] {
	c.skip(8, 'people marker');
	const n = c.count(12, 'number of people');
	const people: Person[] = [];
	for (let i = 0; i < n; i++) people.push(readPropValArray(c));
	c.skip(8, 'people end marker');
	return people;
}

function readWords(c: Cursor): string[] {
	const n = c.count(5, 'number of words');
	const words: string[] = [];
	for (let i = 0; i < n; i++) {
		c.u32('word flags');
		words.push(c.string('word'));
	}
	return words;
}

/** What a folder action names: the folder's entry ID (in its store) and display name. */
export type FolderReference = Readonly<{entryId: Buffer; storeEntryId: Buffer; name: string}>;

/** Turns a folder reference into a folder URI (rule-target.ts), or a reason it cannot be one. */
export type FolderLocator = (folder: FolderReference) => {uri: string; note?: string} | {error: string};

/** Without a store (a .rwz file): the folder by its name, at the top level. */
const byName: FolderLocator = (folder) => folder.name.trim() === ''
	? {error: 'the rule names no folder'}
	: {uri: folderPathUri([folder.name]), note: `the .rwz file names the folder "${folder.name}" without its place in the folder tree`};

/** Collects one rule's conditions and actions (see the module comment for the mapping). */
class RuleBuilder {
	readonly conditions: RuleCondition[] = [];
	readonly actions: RuleAction[] = [];
	type: number = FilterType.InboxRule;

	/** Alternatives of one condition, or (negated) the AND of an exception's negations. */
	terms(list: ReadonlyArray<Readonly<{attribute: string; isHeader?: boolean; operator: string; value: string; unsupported?: string}>>, exception: boolean): void {
		if (list.length === 0) return;
		const group = !exception && list.length > 1;
		list.forEach((t, i) => {
			this.conditions.push({
				attribute: t.attribute, isHeader: t.isHeader ?? false, operator: exception ? negateOperator(t.operator) : t.operator, value: t.value,
				join: !exception && i > 0 ? 'or' : 'and', opensGroup: group && i === 0 ? 1 : 0, closesGroup: group && i === list.length - 1 ? 1 : 0,
				...(t.unsupported === undefined ? {} : {unsupported: t.unsupported}),
			});
		});
	}

	unsupported(label: string, reason: string): void {
		this.terms([{attribute: label, operator: 'is', value: '', unsupported: `"${label}": ${reason}`}], false);
	}

	action(type: string, value?: string): void {
		this.actions.push({type, value});
	}
}

function negateOperator(op: string): string {
	switch (op) {
		case 'contains': return "doesn't contain";
		case 'is': return "isn't";
		case "isn't": return 'is';
		case "doesn't contain": return 'contains';
		default: return `not ${op}`;
	}
}

/**
 * Exception element → the condition it negates (spec "Condition 500" … "Condition 539"): 500–530 are the
 * condition + 300; from 531 on the numbering skips (531 header words = 232, 532 account = 238, …).
 */
const EXCEPTION_OF: Readonly<Record<number, number>> = {
	...Object.fromEntries([200, 201, 202, 203, 204, 205, 206, 207, 208, 210, 211, 215, 220, 222, 223, 224, 225, 226, 227, 228, 229, 230].map((k) => [k + 300, k])),
	531: 232, 532: 238, 533: 240, 534: 241, 537: 245, 538: 246, 539: 247,
};

const IMPORTANCE = ['low', 'normal', 'high'];
const SENSITIVITY = ['normal', 'personal', 'private', 'company-confidential'];
const CLIENT = 'Outlook does it on this computer; a server rule cannot';

/** Reads one element (after its act_kind) into the builder. @throws ParseFailure / UnreadableElement. */
function readElement(kind: number, c: Cursor, b: RuleBuilder, locate: FolderLocator): void {
	const at = c.pos - 4;
	const except = kind >= 500 && kind < 600;
	const base = except ? EXCEPTION_OF[kind] ?? -1 : kind;
	const people = (attribute: string, label: string): void => {
		const list = readPeople(c);
		b.terms(list.map((p) => (p.address
			? {attribute, operator: 'is', value: p.address}
			: {attribute, operator: 'is', value: p.name ?? '', unsupported: `${label} "${p.name ?? '?'}" is stored without an Internet address (an Exchange or address-book entry)`})), except);
	};
	const words = (...attributes: readonly string[]): void => {
		const list = readWords(c);
		b.terms(list.flatMap((w) => attributes.map((attribute) => ({attribute, operator: 'contains', value: w}))), except);
	};
	const flag = (attribute: string): void => {
		c.u32('marker');
		b.terms([{attribute, operator: 'is', value: 'yes'}], except);
	};
	switch (base) {
		case 100: c.skip(12, 'element 0x64'); return; // carries nothing visible (spec "Condition 100")
		case 200: flag('my name in to'); return;
		case 201: flag('only to me'); return;
		case 202: c.u32('marker'); b.terms([{attribute: 'my name in to', operator: "isn't", value: 'yes'}], except); return;
		case 203: people('from', 'sender'); return;
		case 204: people('to or cc', 'recipient'); return;
		case 205: words('subject'); return;
		case 206: words('body'); return;
		case 207: words('subject', 'body'); return;
		case 208: {
			c.skip(12, 'flag marker');
			const action = c.string('flag action');
			c.u32('flag end marker');
			b.unsupported('flagged for action', `"${action}": a new message carries no follow-up flag; the flag is Outlook's own`);
			return;
		}
		case 210: {
			c.skip(8, 'importance marker');
			const level = IMPORTANCE[c.u32('importance')];
			if (level === undefined) throw new ParseFailure(c.pos - 4, 'importance is not 0, 1 or 2');
			b.terms([{attribute: 'importance', operator: 'is', value: level}], except);
			return;
		}
		case 211: {
			c.skip(8, 'sensitivity marker');
			const level = SENSITIVITY[c.u32('sensitivity')];
			if (level === undefined) throw new ParseFailure(c.pos - 4, 'sensitivity is not 0–3');
			b.terms([{attribute: 'sensitivity', operator: 'is', value: level}], except);
			return;
		}
		case 215: {
			c.skip(8, 'category marker');
			const categories = c.string('categories');
			b.unsupported('category', `"${categories}": categories are assigned in Outlook; new mail on the server has none`);
			return;
		}
		case 220: c.u32('marker'); b.unsupported('automatic reply', 'Outlook recognises its own automatic replies by their form, which the server does not see'); return;
		case 222: flag('has attachment'); return;
		case 223: throw new UnreadableElement(at, 'it uses "with selected properties of documents or forms", which mailshift cannot read');
		case 224: {
			c.skip(8, 'size marker');
			const min = c.u32('minimum size');
			const max = c.u32('maximum size');
			// Outlook: min < size <= max, in KB (spec "Condition 224"); 0 = no bound.
			if (except) {
				// Outside the range: at most min, or over max (alternatives).
				b.terms([
					...(min > 0 ? [{attribute: 'size', operator: 'is less than', value: String(min + 1)}] : []),
					...(max > 0 ? [{attribute: 'size', operator: 'is greater than', value: String(max)}] : []),
				], false);
			} else {
				if (min > 0) b.terms([{attribute: 'size', operator: 'is greater than', value: String(min)}], false);
				if (max > 0) b.terms([{attribute: 'size', operator: 'is less than', value: String(max + 1)}], false);
			}
			return;
		}
		case 225: {
			c.skip(8, 'date marker');
			c.skip(32, 'date range');
			b.unsupported('received in a date span', 'the span is measured against the time Outlook received the message, which a server rule cannot test the same way');
			return;
		}
		case 226: flag('my name in cc'); return;
		case 227: flag('my name in to or cc'); return;
		case 228: {
			const n = c.count(2, 'number of forms');
			c.u32('forms marker');
			const names: string[] = [];
			for (let i = 0; i < n; i++) { names.push(c.string('form name')); c.string8('form class'); }
			b.unsupported('uses the form', `"${names.join(', ')}": Outlook forms (message classes) do not exist in Internet mail`);
			return;
		}
		case 229: words('to or cc'); return;
		case 230: words('from'); return;
		case 232: words('header words'); return;
		case 238: {
			c.skip(8, 'account marker');
			const account = c.string('account');
			c.string8('account stamp');
			if (except) b.unsupported('except through the account', `"${account}": on the server every message arrives through this mailbox, so the exception cannot be told apart`);
			else b.action('Note', `Outlook ran this rule only for mail through the account "${account}"; on the server it runs for this mailbox`);
			return;
		}
		case 239: c.skip(24, 'computer'); b.action('Note', 'Outlook ran this rule "on this computer only"; on the server it runs for every device'); return;
		case 240: {
			c.skip(8, 'address book marker');
			const len = c.u32('address book id length');
			c.skip(len, 'address book id');
			const book = c.string('address book');
			b.unsupported('sender is in address book', `"${book}": the address book is not visible to the server`);
			return;
		}
		case 241: c.u32('marker'); b.unsupported('meeting request', 'meeting requests are an Outlook form; the server sees only mail'); return;
		case 245: c.skip(8, 'RSS marker'); b.unsupported('from RSS feeds', `"${c.string('feed')}": RSS items are made by Outlook, not delivered`); return;
		case 246: c.u32('marker'); b.unsupported('assigned to any category', 'categories are assigned in Outlook; new mail on the server has none'); return;
		case 247: c.u32('marker'); b.unsupported('from any RSS feed', 'RSS items are made by Outlook, not delivered'); return;
		case 400: {
			c.skip(8, 'receive/send marker');
			const bits = c.u32('receive/send');
			b.type = (bits & 0x01 ? FilterType.InboxRule : 0) | (bits & 0x04 ? FilterType.PostOutgoing : 0);
			return;
		}
		default: break;
	}
	if (except) throw new UnreadableElement(at, `it uses an exception (element 0x${kind.toString(16)}) mailshift does not know`);
	switch (kind) {
		case 300: case 313: {
			c.skip(8, 'folder marker');
			const entryId = c.take(c.u32('folder id length'), 'folder id');
			const storeEntryId = c.take(c.u32('store id length'), 'store id');
			const name = c.string('folder name');
			c.u32('folder end marker');
			const type = kind === 300 ? 'Move to folder' : 'Copy to folder';
			const found = locate({entryId, storeEntryId, name});
			if ('error' in found) b.action('Client only', `"${type}" left out: ${found.error}`);
			else {
				b.action(type, found.uri);
				if (found.note) b.action('Note', found.note);
			}
			return;
		}
		case 301: c.u32('marker'); b.action('Delete'); return;
		case 330: c.u32('marker'); b.action('Delete'); b.action('Note', 'Outlook deleted these permanently; on the server they go to the Trash unless discarding is allowed'); return;
		case 302: case 324: case 327: {
			const list = readPeople(c);
			const label = kind === 302 ? 'forward' : kind === 324 ? 'redirect' : 'forward as attachment';
			for (const p of list) {
				if (p.address) b.action('Forward', p.address);
				else b.action('Client only', `"${label} to ${p.name ?? '?'}" left out: the recipient is stored without an Internet address`);
			}
			if (kind !== 324 && list.length > 0) b.action('Note', `Outlook's "${label}" sent a new message; the server passes the original on (redirect)`);
			return;
		}
		case 316: readPeople(c); b.action('Client only', '"Cc the message" left out: it applies to mail you send'); return;
		case 303: c.skip(8, 'template marker'); b.action('Reply', c.string('template')); return;
		case 326: {
			c.skip(8, 'reply marker');
			c.skip(c.u32('reply id length'), 'reply id');
			b.action('Client only', `"have server reply using ${c.string('reply subject')}" left out: the reply text is stored in Outlook`);
			return;
		}
		case 304: c.skip(8, 'alert marker'); c.string('alert text'); b.action('Client only', `"display a message in the New Item Alert window" left out: ${CLIENT}`); return;
		case 310: c.skip(8, 'sound marker'); c.string('sound'); b.action('Client only', `"play a sound" left out: ${CLIENT}`); return;
		case 328: c.u32('marker'); b.action('Client only', `"print it" left out: ${CLIENT}`); return;
		case 335: c.u32('marker'); b.action('Client only', `"display a Desktop Alert" left out: ${CLIENT}`); return;
		case 305: c.skip(8, 'flag marker'); c.u32('days'); c.string('flag action'); c.u32('flag end marker'); b.action('Mark flagged'); return;
		case 337: {
			c.skip(8, 'flag marker');
			c.u32('follow-up');
			c.tchars(c.u8('follow-up name length'), 'follow-up name');
			b.action('Mark flagged');
			b.action('Note', 'the follow-up date is Outlook\'s; on the server the message is only flagged');
			return;
		}
		case 306: c.u32('marker'); b.action('Note', '"clear the Message Flag" does nothing on new mail'); return;
		case 338: c.u32('marker'); b.action('Note', '"clear categories" does nothing on new mail'); return;
		case 307: {
			c.skip(8, 'category marker');
			for (const name of c.string('categories').split(';')) {
				const keyword = keywordOfCategory(name);
				if (keyword) {
					b.action('AddTag', keyword);
					b.action('Note', `category "${name.trim()}" → keyword "${keyword}" (as the migration stores categories)`);
				}
			}
			return;
		}
		case 311: c.skip(8, 'importance marker'); c.u32('importance'); b.action('Change priority'); return;
		case 314: case 315: c.u32('marker'); b.action('Client only', `"notify me when it is ${kind === 314 ? 'read' : 'delivered'}" left out: it applies to mail you send`); return;
		case 318: c.skip(8, 'defer marker'); c.u32('minutes'); b.action('Client only', '"defer delivery" left out: it applies to mail you send'); return;
		case 322: c.u32('marker'); b.action('Stop execution'); return;
		case 332: c.u32('marker'); b.action('Mark read'); return;
		default:
			throw new UnreadableElement(at, `it uses a condition or action (element 0x${kind.toString(16)}) mailshift does not know`);
	}
}

/**
 * Reads one XR_Rule. A rule whose elements cannot be read comes back with `problem` when it has a byte count
 * (the stream goes on after it); without one (8-bit formats) the failure ends the stream.
 */
function readRule(c: Cursor, index: number, locate: FolderLocator): FilterRule {
	const unicode = c.unicode;
	if (unicode) c.skip(3, 'rule marker (XR_Magic)');
	c.u8('rule locator');
	const name = c.string('rule name');
	const active = c.u32('rule state') !== 0;
	if (unicode) c.u32('rule header');
	c.skip(12, 'rule header');
	let end: number | undefined;
	if (unicode) {
		const bytecount = c.u32('rule byte count');
		if (bytecount > c.end - c.pos) throw new ParseFailure(c.pos - 4, `rule ${index} ("${name}") says it has ${bytecount} bytes but only ${c.end - c.pos} are left`);
		end = c.pos + bytecount;
	}
	const line = index;
	const builder = new RuleBuilder();
	const inner = end === undefined ? c : new Cursor(c.bytes, unicode, c.pos, end);
	try {
		const elements = inner.u16('number of elements');
		const tag = inner.u16('element class tag');
		if (tag === 0xffff) {
			inner.u16('class schema');
			const len = inner.u16('class name length');
			inner.skip(len, 'class name');
		} else if (tag !== SEPARATOR) {
			throw new ParseFailure(inner.pos - 2, `expected an element class tag (0xffff or 0x8001), found 0x${tag.toString(16)}`);
		}
		for (let k = 0; k < elements; k++) {
			if (k > 0) {
				const sep = inner.u16('element separator');
				if (sep !== SEPARATOR) throw new ParseFailure(inner.pos - 2, `expected the element separator 0x8001, found 0x${sep.toString(16)}`);
			}
			readElement(inner.u32('element kind'), inner, builder, locate);
		}
		if (end !== undefined && inner.pos !== end) throw new ParseFailure(inner.pos, `the rule's elements end at byte ${inner.pos}, its byte count says ${end}`);
	} catch (error) {
		if (!(error instanceof ParseFailure) || end === undefined) throw error;
		c.pos = end;
		return {name, enabled: active, type: FilterType.InboxRule, matchAll: false, conditions: [], actions: [], line, problem: `mailshift could not read this rule (byte ${error.offset}): ${error.message}`};
	}
	if (end !== undefined) c.pos = end;
	const conditions = builder.conditions;
	return {name, enabled: active, type: builder.type || FilterType.InboxRule, matchAll: conditions.length === 0, conditions, actions: builder.actions, line};
}

/** Detected stream format: version and whether strings are UTF-16. */
function streamFormat(bytes: Buffer): {version: number; unicode: boolean; headerBytes: number} | undefined {
	if (bytes.length < 4) return undefined;
	const version = bytes.readUInt32LE(0);
	// RW_Magic: 8 magic bytes + 24 + 8 + 4 (OL2002+); 4 magic bytes + 24 + 8 (OL2000, OL98).
	if (version >= UNICODE_MIN_VERSION && version < 0x01000000) return {version, unicode: true, headerBytes: 44};
	if (version === OL2000 || version === OL1998) return {version, unicode: false, headerBytes: 36};
	return undefined;
}

/** How to read one stream: a label for messages and how folder actions find their folders. */
export type StreamOptions = Readonly<{
	/** Where the stream came from, for messages ('file.pst#Inbox/IPM.RuleOrganizer', 'rules.rwz'). */
	label: string;
	/** @default folders by name (a .rwz file has no store) */
	locate?: FolderLocator;
}>;

/**
 * Parses an RWZ rule stream into a RuleSet (`file` = `options.label`).
 * @throws MailshiftError RULES_UNPARSEABLE naming the label and byte offset.
 */
export function parseRulesStream(bytes: Buffer, options: StreamOptions): RuleSet {
	const fail = (offset: number, message: string): MailshiftError =>
		new MailshiftError('RULES_UNPARSEABLE', `${options.label}, byte ${offset}: ${message}`, 'skip', {hint: HINT});
	if (bytes.length > MAX_RULES_STREAM_BYTES) throw fail(0, `${bytes.length} bytes is too large for an Outlook rule stream`);
	const format = streamFormat(bytes);
	if (!format) throw fail(0, 'this is not an Outlook rule stream (no known RW_Magic version at the start)');
	const c = new Cursor(bytes, format.unicode, 0);
	const rules: FilterRule[] = [];
	try {
		c.skip(format.headerBytes, 'stream header');
		const count = c.u16('number of rules');
		for (let i = 1; i <= count; i++) {
			if (c.pos >= c.end) throw new ParseFailure(c.pos, `the stream ends after ${i - 1} of ${count} rules`);
			rules.push(readRule(c, i, options.locate ?? byName));
		}
		// The template directory and timestamp that follow are for Outlook's dialogs only; not read.
	} catch (error) {
		if (error instanceof ParseFailure) throw fail(error.offset, error.message);
		throw error;
	}
	return {file: options.label, format: 'outlook', version: format.version, rules};
}

/**
 * Reads a `.rwz` export file.
 * @throws MailshiftError SOURCE_NOT_FOUND / SOURCE_UNREADABLE / RULES_UNPARSEABLE.
 */
export async function readRwzFile(path: string): Promise<RuleSet> {
	const file = resolve(path);
	let bytes: Buffer;
	try {
		const info = await stat(file);
		if (!info.isFile()) throw new MailshiftError('SOURCE_UNREADABLE', `${file} is not a file`, 'fatal', {hint: 'Name a .rwz file exported from Outlook, or a .pst/.ost.'});
		if (info.size > MAX_RULES_STREAM_BYTES) throw new MailshiftError('RULES_UNPARSEABLE', `${file}: ${info.size} bytes is too large for an Outlook rules export`, 'skip', {hint: HINT});
		bytes = await readFile(file);
	} catch (error) {
		if (error instanceof MailshiftError) throw error;
		const code = (error as NodeJS.ErrnoException).code;
		if (code === 'ENOENT') throw new MailshiftError('SOURCE_NOT_FOUND', `${file} does not exist`, 'fatal', {cause: error, hint: 'Check the path.'});
		throw new MailshiftError('SOURCE_UNREADABLE', `${file} cannot be read (${code ?? 'error'})`, 'fatal', {cause: error, hint: 'Check the file permissions.'});
	}
	return parseRulesStream(bytes, {label: file});
}
