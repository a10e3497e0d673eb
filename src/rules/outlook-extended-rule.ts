/**
 * One Outlook/Exchange extended rule message (`IPM.ExtendedRule.Message`, `IPM.Rule.Version2.Message` in the
 * Inbox's associated contents) → FilterRule.
 *
 * Format: [MS-OXORULE] 2.2.4 (PidTagRuleMessage* properties; PidTagExtendedRuleMessageCondition 0x0E9A and
 * PidTagExtendedRuleMessageActions 0x0E99, each starting with NamedPropertyInformation 2.2.4.2), 2.2.5
 * (RuleAction: in the extended format counts and lengths are 32-bit), and [MS-OXCDATA] 2.12 (restrictions,
 * 32-bit counts in extended rules) and 2.11 (property values). The restriction tree is mapped onto the
 * neutral conditions (filter-rule.ts) where it has the shape Outlook/OWA write (content tests on subject,
 * body, sender, recipients, headers; importance; has-attachment; AND/OR/NOT); anything else becomes an
 * unsupported term naming the restriction, so the rule is reported instead of widened.
 *
 * Contract: pure, bounded; throws only ExtendedRuleFailure (the caller lists the rule with the reason).
 */
import type {RuleAction, RuleCondition} from './filter-rule.js';
import type {FolderLocator} from './outlook-rules.js';

/** Why a rule message's condition or actions cannot be read (the caller lists the rule with this message). */
export class ExtendedRuleFailure extends Error {}

/** Property tags (MS-OXPROPS) the mapping understands. */
const TAG = {
	SUBJECT: 0x0037, BODY: 0x1000, SENDER_SEARCH_KEY: 0x0c1d, SENDER_EMAIL: 0x0c1f, SENT_REPRESENTING_EMAIL: 0x0065, SEARCH_KEY: 0x300b,
	SMTP_ADDRESS: 0x39fe, EMAIL_ADDRESS: 0x3003, ADDRTYPE: 0x3002, DISPLAY_NAME: 0x3001, TRANSPORT_HEADERS: 0x007d, IMPORTANCE: 0x0017,
	MESSAGE_FLAGS: 0x0e07, MESSAGE_TO_ME: 0x0057, MESSAGE_CC_ME: 0x0058, MESSAGE_RECIP_ME: 0x0059, DISPLAY_TO: 0x0e04, DISPLAY_CC: 0x0e03,
	MESSAGE_RECIPIENTS: 0x0e12, MESSAGE_CLASS: 0x001a, MESSAGE_SIZE: 0x0e08,
} as const;

/** MS-OXORULE 2.2.1.3.1.5 PidTagRuleState bits. */
export const RuleState = {ENABLED: 0x01, ERROR: 0x02, ONLY_WHEN_OOF: 0x04, KEEP_OOF_HIST: 0x08, EXIT_LEVEL: 0x10} as const;

type Value = number | bigint | string | Buffer | boolean | readonly unknown[] | undefined;

class Reader {
	pos = 0;
	constructor(readonly bytes: Buffer) {}
	need(n: number, what: string): void {
		if (n < 0 || this.pos + n > this.bytes.length) throw new ExtendedRuleFailure(`${what} runs past the end of the data (byte ${this.pos})`);
	}
	u8(w: string): number { this.need(1, w); return this.bytes.readUInt8(this.pos++); }
	u16(w: string): number { this.need(2, w); const v = this.bytes.readUInt16LE(this.pos); this.pos += 2; return v; }
	u32(w: string): number { this.need(4, w); const v = this.bytes.readUInt32LE(this.pos); this.pos += 4; return v; }
	take(n: number, w: string): Buffer { this.need(n, w); const b = this.bytes.subarray(this.pos, this.pos + n); this.pos += n; return b; }
	count(minItem: number, w: string): number {
		const n = this.u32(w);
		if (n * minItem > this.bytes.length - this.pos) throw new ExtendedRuleFailure(`${w}: ${n} entries cannot fit in the ${this.bytes.length - this.pos} bytes left`);
		return n;
	}
	/** NUL-terminated UTF-16LE. */
	wide(w: string): string {
		let end = this.pos;
		while (end + 1 < this.bytes.length && (this.bytes[end] !== 0 || this.bytes[end + 1] !== 0)) end += 2;
		if (end + 1 >= this.bytes.length) throw new ExtendedRuleFailure(`${w} has no terminating NUL`);
		const s = this.bytes.subarray(this.pos, end).toString('utf16le');
		this.pos = end + 2;
		return s;
	}
	narrow(w: string): string {
		const end = this.bytes.indexOf(0, this.pos);
		if (end < 0) throw new ExtendedRuleFailure(`${w} has no terminating NUL`);
		const s = this.bytes.subarray(this.pos, end).toString('latin1');
		this.pos = end + 1;
		return s;
	}
}

/** A property value of `type` (MS-OXCDATA 2.11.2, extended-rule widths). */
function readValue(r: Reader, type: number): Value {
	switch (type) {
		case 0x0002: return r.u16('short value');
		case 0x0003: case 0x000a: return r.u32('long value');
		case 0x000b: return r.u8('boolean value') !== 0;
		case 0x0004: return r.take(4, 'float value');
		case 0x0005: case 0x0007: case 0x0006: case 0x0014: case 0x0040: return r.take(8, '8-byte value');
		case 0x001f: return r.wide('string value');
		case 0x001e: return r.narrow('string value');
		case 0x0048: return r.take(16, 'GUID value');
		case 0x0102: return r.take(r.u32('binary length'), 'binary value');
		case 0x0001: return undefined; // PT_NULL
		default:
			if (type & 0x1000) {
				const n = r.count(1, 'multi-value count');
				const out: Value[] = [];
				for (let i = 0; i < n; i++) out.push(readValue(r, type & ~0x1000));
				return out;
			}
			throw new ExtendedRuleFailure(`property type 0x${type.toString(16)} is not known`);
	}
}

function tagged(r: Reader): {tag: number; value: Value} {
	const tag = r.u32('property tag');
	return {tag, value: readValue(r, tag & 0xffff)};
}

/** Boolean expression over neutral terms, before flattening. */
type Expr =
	| {k: 'and' | 'or'; c: Expr[]}
	| {k: 'not'; c: Expr}
	| {k: 'term'; t: Omit<RuleCondition, 'join' | 'opensGroup' | 'closesGroup'>}
	| {k: 'const'; v: boolean};

const unsupported = (what: string): Expr => ({k: 'term', t: {attribute: 'outlook condition', isHeader: false, operator: 'is', value: '', unsupported: `${what}, which has no server equivalent mailshift knows`}});
const term = (attribute: string, operator: string, value: string, isHeader = false): Expr => ({k: 'term', t: {attribute, isHeader, operator, value}});

const hex = (tag: number): string => `0x${(tag >>> 16).toString(16).padStart(4, '0')}`;
const MAX_DEPTH = 32;

/** Reads a restriction (MS-OXCDATA 2.12, 32-bit counts). `within` = the subobject it applies to. */
function restriction(r: Reader, depth: number, within?: number): Expr {
	if (depth > MAX_DEPTH) throw new ExtendedRuleFailure(`restrictions nest deeper than ${MAX_DEPTH} levels`);
	const type = r.u8('restriction type');
	switch (type) {
		case 0x00: case 0x01: {
			const n = r.count(1, 'restriction count');
			const c: Expr[] = [];
			for (let i = 0; i < n; i++) c.push(restriction(r, depth + 1, within));
			return {k: type === 0 ? 'and' : 'or', c};
		}
		case 0x02: return {k: 'not', c: restriction(r, depth + 1, within)};
		case 0x03: {
			const fuzzy = r.u32('fuzzy level');
			const tag = r.u32('property tag');
			const {value} = tagged(r);
			const text = typeof value === 'string' ? value : Buffer.isBuffer(value) ? value.toString('latin1').replace(/\0+$/, '') : undefined;
			if (text === undefined) return unsupported(`a content test on property ${hex(tag)}`);
			const substring = (fuzzy & 0xffff) !== 0; // FL_FULLSTRING = 0, FL_SUBSTRING = 1, FL_PREFIX = 2
			const op = (fuzzy & 0xffff) === 2 ? 'begins with' : substring ? 'contains' : 'is';
			const id = tag >>> 16;
			const address = (s: string): string => (s.toUpperCase().startsWith('SMTP:') ? s.slice(5).toLowerCase() : s);
			if (id === TAG.SUBJECT) return term('subject', op, text);
			if (id === TAG.BODY) return term('body', op, text);
			if (id === TAG.TRANSPORT_HEADERS) return term('header words', 'contains', text);
			if (id === TAG.SENDER_SEARCH_KEY || id === TAG.SENDER_EMAIL || id === TAG.SENT_REPRESENTING_EMAIL) return term('from', op === 'is' ? 'is' : 'contains', address(text));
			if (within === TAG.MESSAGE_RECIPIENTS && (id === TAG.SEARCH_KEY || id === TAG.SMTP_ADDRESS || id === TAG.EMAIL_ADDRESS || id === TAG.DISPLAY_NAME)) return term('to or cc', op === 'is' ? 'is' : 'contains', address(text));
			return unsupported(`a content test on property ${hex(tag)}`);
		}
		case 0x04: {
			const relop = r.u8('relation');
			const tag = r.u32('property tag');
			const {value} = tagged(r);
			const id = tag >>> 16;
			const eq = relop === 4; // RELOP_EQ
			const ne = relop === 5;
			if (id === TAG.IMPORTANCE && (eq || ne) && typeof value === 'number' && value <= 2) return term('importance', eq ? 'is' : "isn't", ['low', 'normal', 'high'][value] ?? 'normal');
			if ((id === TAG.MESSAGE_TO_ME || id === TAG.MESSAGE_RECIP_ME || id === TAG.MESSAGE_CC_ME) && (eq || ne) && typeof value === 'boolean') {
				const attribute = id === TAG.MESSAGE_TO_ME ? 'my name in to' : id === TAG.MESSAGE_CC_ME ? 'my name in cc' : 'my name in to or cc';
				return term(attribute, (value === eq) ? 'is' : "isn't", 'yes');
			}
			if ((id === TAG.SENDER_SEARCH_KEY || id === TAG.SEARCH_KEY) && (eq || ne) && Buffer.isBuffer(value)) {
				const key = value.toString('latin1').replace(/\0+$/, '');
				if (key.toUpperCase().startsWith('SMTP:')) return term(id === TAG.SENDER_SEARCH_KEY ? 'from' : 'to or cc', eq ? 'is' : "isn't", key.slice(5).toLowerCase());
			}
			if (id === TAG.MESSAGE_SIZE && typeof value === 'number' && (relop === 2 || relop === 3 || relop === 0 || relop === 1)) {
				// RELOP_LT 0, LE 1, GT 2, GE 3; sizes in bytes, the shared vocabulary counts KB.
				const kb = Math.max(0, Math.round(value / 1024));
				return term('size', relop >= 2 ? 'is greater than' : 'is less than', String(kb));
			}
			return unsupported(`a comparison of property ${hex(tag)}`);
		}
		case 0x05: r.u8('relation'); r.u32('tag'); return unsupported(`a comparison of two properties (${hex(r.u32('tag'))})`);
		case 0x06: {
			const bmr = r.u8('bitmask relation');
			const tag = r.u32('property tag');
			const mask = r.u32('mask');
			if (tag >>> 16 === TAG.MESSAGE_FLAGS && mask === 0x10) return term('has attachment', bmr === 1 ? 'is' : "isn't", 'yes'); // BMR_NEZ 1, MSGFLAG_HASATTACH
			return unsupported(`a bit test on property ${hex(tag)}`);
		}
		case 0x07: {
			const relop = r.u8('relation');
			const tag = r.u32('property tag');
			r.u32('size');
			return unsupported(`a size test (relation ${relop}) on property ${hex(tag)}`);
		}
		case 0x08: {
			const tag = r.u32('property tag');
			return unsupported(`an existence test on property ${hex(tag)}`);
		}
		case 0x09: {
			const sub = r.u32('subobject') >>> 16;
			return restriction(r, depth + 1, sub);
		}
		case 0x0a: {
			const n = r.u8('comment value count');
			for (let i = 0; i < n; i++) tagged(r);
			const present = r.u8('comment restriction present');
			return present ? restriction(r, depth + 1, within) : {k: 'const', v: true};
		}
		case 0x0b: {
			r.u32('count');
			restriction(r, depth + 1, within);
			return unsupported('a counted restriction');
		}
		default:
			throw new ExtendedRuleFailure(`restriction type 0x${type.toString(16)} is not known`);
	}
}

/** Folds constants: OR() is false, AND() is true (MS-OXCDATA 2.12.1/2.12.2). */
function simplify(e: Expr): Expr {
	if (e.k === 'not') {
		const c = simplify(e.c);
		return c.k === 'const' ? {k: 'const', v: !c.v} : {k: 'not', c};
	}
	if (e.k !== 'and' && e.k !== 'or') return e;
	const isAnd = e.k === 'and';
	const kept: Expr[] = [];
	for (const child of e.c.map(simplify)) {
		if (child.k === 'const') {
			if (child.v !== isAnd) return {k: 'const', v: child.v};
			continue;
		}
		kept.push(child);
	}
	if (kept.length === 0) return {k: 'const', v: isAnd};
	return kept.length === 1 ? kept[0]! : {k: e.k, c: kept};
}

const NEGATE: Readonly<Record<string, string>> = {'contains': "doesn't contain", "doesn't contain": 'contains', 'is': "isn't", "isn't": 'is', 'is greater than': 'is less than', 'is less than': 'is greater than'};

/** Pushes NOT down to the terms (De Morgan); a term without a negated operator becomes unsupported. */
function pushNot(e: Expr, negated: boolean): Expr {
	if (e.k === 'not') return pushNot(e.c, !negated);
	if (e.k === 'and' || e.k === 'or') return {k: negated ? (e.k === 'and' ? 'or' : 'and') : e.k, c: e.c.map((c) => pushNot(c, negated))};
	if (e.k === 'const') return {k: 'const', v: negated ? !e.v : e.v};
	if (e.k !== 'term' || !negated) return e;
	const op = NEGATE[e.t.operator];
	if (op === undefined || e.t.unsupported !== undefined) return {k: 'term', t: {...e.t, unsupported: e.t.unsupported ?? `"not ${e.t.attribute} ${e.t.operator}" has no server equivalent`}};
	return {k: 'term', t: {...e.t, operator: op}};
}

/** Flattens into RuleConditions with groups (the form thunderbird-filters.ts produces). */
function flatten(e: Expr): RuleCondition[] {
	if (e.k === 'term') return [{...e.t, join: 'and', opensGroup: 0, closesGroup: 0}];
	if (e.k !== 'and' && e.k !== 'or') return [];
	const parts = e.c.map(flatten).filter((p) => p.length > 0);
	const out: RuleCondition[] = [];
	parts.forEach((p, i) => {
		p.forEach((t, j) => out.push(j === 0 && i > 0 ? {...t, join: e.k === 'or' ? 'or' : 'and'} : t));
	});
	if (parts.length > 1 && out.length > 1) {
		out[0] = {...out[0]!, opensGroup: out[0]!.opensGroup + 1};
		out[out.length - 1] = {...out[out.length - 1]!, closesGroup: out[out.length - 1]!.closesGroup + 1};
	}
	return out;
}

/** Skips NamedPropertyInformation (MS-OXORULE 2.2.4.2); conditions on named properties become unsupported. */
function skipNamedProperties(r: Reader): void {
	const n = r.u16('named property count');
	if (n === 0) return;
	r.take(n * 2, 'named property ids');
	r.take(r.u32('named properties size'), 'named properties');
}

/** A decoded condition: every message (`matchAll`), none (`never`: e.g. empty lists), or the terms. */
export type ExtendedCondition = Readonly<{matchAll: boolean; never: boolean; conditions: RuleCondition[]}>;

/** PidTagExtendedRuleMessageCondition → conditions. @throws ExtendedRuleFailure */
export function parseExtendedCondition(bytes: Buffer): ExtendedCondition {
	const r = new Reader(bytes);
	skipNamedProperties(r);
	const e = pushNot(simplify(restriction(r, 0)), false);
	const s = simplify(e);
	if (s.k === 'const') return {matchAll: s.v, never: !s.v, conditions: []};
	return {matchAll: false, never: false, conditions: flatten(s)};
}

/** MS-OXORULE 2.2.5.1 ActionType values. */
const OP = {MOVE: 0x01, COPY: 0x02, REPLY: 0x03, OOF_REPLY: 0x04, DEFER_ACTION: 0x05, BOUNCE: 0x06, FORWARD: 0x07, DELEGATE: 0x08, TAG: 0x09, DELETE: 0x0a, MARK_AS_READ: 0x0b} as const;

/** PidTagExtendedRuleMessageActions → actions. @throws ExtendedRuleFailure */
export function parseExtendedActions(bytes: Buffer, locate: FolderLocator): RuleAction[] {
	const r = new Reader(bytes);
	skipNamedProperties(r);
	const version = r.u32('rule version');
	if (version !== 1) throw new ExtendedRuleFailure(`rule action version ${version} is not 1`);
	const n = r.count(9, 'action count');
	const actions: RuleAction[] = [];
	for (let i = 0; i < n; i++) {
		const length = r.u32('action length');
		const block = new Reader(r.take(length, 'action'));
		const type = block.u8('action type');
		const flavor = block.u32('action flavor');
		block.u32('action flags');
		switch (type) {
			case OP.MOVE: case OP.COPY: {
				const storeEntryId = block.take(block.u32('store id length'), 'store id');
				const entryId = block.take(block.u32('folder id length'), 'folder id');
				const kind = type === OP.MOVE ? 'Move to folder' : 'Copy to folder';
				const found = locate({entryId, storeEntryId, name: ''});
				if ('error' in found) actions.push({type: 'Client only', value: `"${kind}" left out: ${found.error}`});
				else {
					actions.push({type: kind, value: found.uri});
					if (found.note) actions.push({type: 'Note', value: found.note});
				}
				break;
			}
			case OP.FORWARD: case OP.DELEGATE: {
				const count = block.count(5, 'recipient count');
				for (let k = 0; k < count; k++) {
					block.u8('recipient reserved');
					const props = block.count(4, 'recipient property count');
					const values = new Map<number, Value>();
					for (let p = 0; p < props; p++) {
						const {tag, value} = tagged(block);
						values.set(tag >>> 16, value);
					}
					const smtp = values.get(TAG.SMTP_ADDRESS);
					const email = values.get(TAG.EMAIL_ADDRESS);
					const addrType = values.get(TAG.ADDRTYPE);
					const address = typeof smtp === 'string' ? smtp : typeof email === 'string' && String(addrType).toUpperCase() === 'SMTP' ? email : undefined;
					if (address) actions.push({type: 'Forward', value: address});
					else actions.push({type: 'Client only', value: '"forward" left out: the recipient is stored without an Internet address'});
				}
				if (type === OP.FORWARD && (flavor & 0x3) === 0 && count > 0) actions.push({type: 'Note', value: 'Outlook forwarded a new message; the server passes the original on (redirect)'});
				break;
			}
			case OP.DELETE: actions.push({type: 'Delete', value: undefined}); break;
			case OP.MARK_AS_READ: actions.push({type: 'Mark read', value: undefined}); break;
			case OP.REPLY: case OP.OOF_REPLY: actions.push({type: 'Reply', value: 'a reply template stored in Outlook'}); break;
			case OP.BOUNCE: actions.push({type: 'Client only', value: '"return to sender" left out: mailshift never rejects mail on your behalf'}); break;
			case OP.DEFER_ACTION: actions.push({type: 'Client only', value: 'an action Outlook runs itself (a deferred action) was left out'}); break;
			case OP.TAG: {
				const {tag} = tagged(block);
				actions.push(tag >>> 16 === TAG.IMPORTANCE ? {type: 'Change priority', value: undefined} : {type: 'Client only', value: `"set property ${hex(tag)}" left out: a server rule cannot set Outlook properties`});
				break;
			}
			default: throw new ExtendedRuleFailure(`action type 0x${type.toString(16)} is not known`);
		}
	}
	return actions;
}
