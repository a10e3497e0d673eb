/**
 * Writes Outlook RWZ rule streams (and .rwz files, the same bytes) per grommunio/gromox
 * doc/outlook_rule_spec.rst, for tests: no public .rwz file exists, so tests build their own. Only the OL2002+
 * (UTF-16) layout with per-rule byte counts, which is what Outlook 2002–2021 write. Element builders return
 * the element's bytes (act_kind first); `rwzStream` joins rules and elements with the 0x8001 separators.
 */

const u8 = (n: number): Buffer => Buffer.from([n]);
const u16 = (n: number): Buffer => { const b = Buffer.alloc(2); b.writeUInt16LE(n); return b; };
const u32 = (n: number): Buffer => { const b = Buffer.alloc(4); b.writeUInt32LE(n >>> 0); return b; };
const f64 = (n: number): Buffer => { const b = Buffer.alloc(8); b.writeDoubleLE(n); return b; };

/** A length-prefixed UTF-16 string (spec "Length fields": 0xff + uint16 from 255 on). */
function tstring(text: string): Buffer {
	const data = Buffer.from(text, 'utf16le');
	const len = text.length;
	return Buffer.concat([len >= 0xff ? Buffer.concat([u8(0xff), u16(len)]) : u8(len), data]);
}

function string8(text: string): Buffer {
	return Buffer.concat([u8(text.length), Buffer.from(text, 'latin1')]);
}

const element = (kind: number, ...parts: Buffer[]): Buffer => Buffer.concat([u32(kind), ...parts]);
const ONE_ZERO = Buffer.concat([u32(1), u32(0)]);

/** XR_PropValArray for an SMTP person: PR_DISPLAY_NAME, PR_ADDRTYPE, PR_EMAIL_ADDRESS, PR_SEARCH_KEY. */
export function person(address: string | undefined, name = address ?? 'Someone'): Buffer {
	const props: Array<{tag: number; value: Buffer; kind: 'string' | 'binary' | 'long'}> = [
		{tag: 0x0c150003, value: u32(1), kind: 'long'},
		{tag: 0x3001001f, value: Buffer.from(`${name}\0`, 'utf16le'), kind: 'string'},
	];
	if (address !== undefined) {
		props.push({tag: 0x3002001f, value: Buffer.from('SMTP\0', 'utf16le'), kind: 'string'});
		props.push({tag: 0x3003001f, value: Buffer.from(`${address}\0`, 'utf16le'), kind: 'string'});
		props.push({tag: 0x300b0102, value: Buffer.from(`SMTP:${address.toUpperCase()}\0`, 'latin1'), kind: 'binary'});
	} else {
		props.push({tag: 0x3002001f, value: Buffer.from('EX\0', 'utf16le'), kind: 'string'});
		props.push({tag: 0x3003001f, value: Buffer.from('/o=Org/ou=Exchange/cn=Recipients/cn=someone\0', 'utf16le'), kind: 'string'});
	}
	const index: Buffer[] = [];
	const data: Buffer[] = [];
	let offset = props.length * 16;
	for (const p of props) {
		if (p.kind === 'long') index.push(u32(p.tag), u32(0), p.value, u32(0));
		else if (p.kind === 'string') { index.push(u32(p.tag), u32(0), u32(offset), u32(0)); data.push(p.value); offset += p.value.length; }
		else { index.push(u32(p.tag), u32(0), u32(p.value.length), u32(offset)); data.push(p.value); offset += p.value.length; }
	}
	const block = Buffer.concat([...index, ...data]);
	return Buffer.concat([u32(0), u32(props.length), u32(block.length), block]);
}

const people = (kind: number, list: readonly Buffer[], end: readonly [number, number]): Buffer =>
	element(kind, ONE_ZERO, u32(list.length), ...list, u32(end[0]), u32(end[1]));
const words = (kind: number, list: readonly string[]): Buffer =>
	element(kind, u32(list.length), ...list.flatMap((w) => [u32(0), tstring(w)]));

/** Element builders (act_kind values from the spec's section titles). */
export const el = {
	receive: (): Buffer => element(0x190, ONE_ZERO, u32(0x01)),
	send: (): Buffer => element(0x190, ONE_ZERO, u32(0x04)),
	unknown64: (): Buffer => element(0x64, u32(1), u32(0), u32(1)),
	nameInTo: (): Buffer => element(0xc8, u32(0)),
	onlyToMe: (): Buffer => element(0xc9, u32(0)),
	from: (list: readonly Buffer[], except = false): Buffer => people(except ? 0x1f7 : 0xcb, list, [1, 0]),
	sentTo: (list: readonly Buffer[]): Buffer => people(0xcc, list, [1, 0]),
	subject: (list: readonly string[], except = false): Buffer => words(except ? 0x1f9 : 0xcd, list),
	body: (list: readonly string[]): Buffer => words(0xce, list),
	subjectOrBody: (list: readonly string[]): Buffer => words(0xcf, list),
	senderWords: (list: readonly string[]): Buffer => words(0xe6, list),
	recipientWords: (list: readonly string[]): Buffer => words(0xe5, list),
	headerWords: (list: readonly string[]): Buffer => words(0xe8, list),
	importance: (level: 0 | 1 | 2, except = false): Buffer => element(except ? 0x1fe : 0xd2, ONE_ZERO, u32(level)),
	attachment: (except = false): Buffer => element(except ? 0x20a : 0xde, u32(0)),
	size: (minKb: number, maxKb: number): Buffer => element(0xe0, ONE_ZERO, u32(minKb), u32(maxKb)),
	category: (names: string): Buffer => element(0xd7, ONE_ZERO, tstring(names)),
	account: (name: string): Buffer => element(0xee, ONE_ZERO, tstring(name), string8('0123456789')),
	machine: (): Buffer => element(0xef, ONE_ZERO, Buffer.alloc(16, 7)),
	date: (): Buffer => element(0xe1, ONE_ZERO, u32(1), u32(0), f64(43466), u32(0), u32(0), f64(0)),
	move: (folder: string, entryId = Buffer.alloc(0)): Buffer => element(0x12c, ONE_ZERO, u32(entryId.length), entryId, u32(0), tstring(folder), u32(0)),
	copy: (folder: string, entryId = Buffer.alloc(0)): Buffer => element(0x139, ONE_ZERO, u32(entryId.length), entryId, u32(0), tstring(folder), u32(0)),
	delete: (): Buffer => element(0x12d, u32(0)),
	forward: (list: readonly Buffer[]): Buffer => people(0x12e, list, [0, 0]),
	redirect: (list: readonly Buffer[]): Buffer => people(0x144, list, [0, 0]),
	template: (path: string): Buffer => element(0x12f, ONE_ZERO, tstring(path)),
	sound: (path: string): Buffer => element(0x136, ONE_ZERO, tstring(path)),
	categories: (names: string): Buffer => element(0x133, ONE_ZERO, tstring(names)),
	followUp: (): Buffer => element(0x151, ONE_ZERO, u32(7), u8(8), Buffer.from('Follow up', 'utf16le').subarray(0, 16)),
	markRead: (): Buffer => element(0x14c, u32(0)),
	stop: (): Buffer => element(0x142, u32(0)),
	/** Any act_kind with raw bytes after it (unknown elements, fuzzing). */
	raw: (kind: number, body: Buffer = Buffer.alloc(0)): Buffer => element(kind, body),
};

export type RwzRule = Readonly<{name: string; active?: boolean; send?: boolean; elements: readonly Buffer[]}>;

/** One XR_Rule: XR_Header (OL2016 magic, byte count) and the elements; `classTag` 0xffff names CRuleElement. */
function rule(r: RwzRule, first: boolean): Buffer {
	const parts: Buffer[] = [];
	r.elements.forEach((e, k) => {
		if (k > 0) parts.push(u16(0x8001));
		parts.push(e);
	});
	const classTag = first ? Buffer.concat([u16(0xffff), u16(0), u16(12), Buffer.from('CRuleElement', 'latin1')]) : u16(0x8001);
	const after = Buffer.concat([u16(r.elements.length), classTag, ...parts]);
	const active = r.active ?? true;
	return Buffer.concat([
		Buffer.from([0x00, 0x00, 0x14]), u8(0x06), tstring(r.name), u32(active ? 1 : 0), u32(0),
		u32(active ? 1 : 0), u32(0), u32(active ? 1 : 0),
		u32(after.length), after,
	]);
}

/** A whole stream (also the bytes of a .rwz file): RW_Magic (OL2016), the rules, the template dir, a timestamp. */
export function rwzStream(rules: readonly RwzRule[]): Buffer {
	const header = Buffer.concat([Buffer.from([0, 0, 0x14, 0, 0, 0, 0x14, 0x06]), Buffer.alloc(24), u32(1), u32(1), u32(0)]);
	return Buffer.concat([header, u16(rules.length), ...rules.map((r, i) => rule(r, i === 0)), u32(0), u32(0), f64(45000.5), u32(0)]);
}

/** The usual head of a receive rule's elements, as Outlook writes them. */
export const receiveHead = (): Buffer[] => [el.receive(), el.unknown64()];
