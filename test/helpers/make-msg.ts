/**
 * Builds small Outlook `.msg` files (MS-OXMSG: a compound file of property streams) for tests that must run
 * without the corpus: a top-level `__properties_version1.0` stream (32-byte header, 16-byte entries; 2.4.1),
 * one `__substg1.0_TTTTPPPP` stream per variable-size value (2.1.4.2), multi-valued strings as a length stream
 * plus `-NNNNNNNN` value streams (2.1.4.2.2), and named properties through `__nameid_version1.0` (2.2.3).
 * The compound file itself is written by msgreader's Burner (which sorts names as MS-CFB 2.6.4 requires).
 */
import {burn} from '@kenjiuno/msgreader/lib/Burner.js';

export type MsgValue =
	| Readonly<{type: 'unicode'; value: string}>
	| Readonly<{type: 'long'; value: number}>
	| Readonly<{type: 'time'; value: Date}>
	| Readonly<{type: 'multi-unicode'; value: readonly string[]}>;

/** A named property: by property set GUID + LID, or (PS_PUBLIC_STRINGS) by name. */
export type NamedMsgValue = MsgValue & Readonly<{set: string; lid: number} | {name: string}>;

const TYPE = {unicode: 0x001f, long: 0x0003, time: 0x0040, 'multi-unicode': 0x101f} as const;
const DIRECTORY = 1;
const DOCUMENT = 2;
const ROOT = 5;

type Entry = {name: string; type: number; length: number; children?: number[]; binaryProvider?: () => Uint8Array};

/** A file attachment (PR_ATTACH_METHOD 1, ATTACH_BY_VALUE): its long file name and data (MS-OXMSG 2.2.2). */
export type MsgAttachment = Readonly<{filename: string; data: Buffer}>;

/** The .msg bytes of one item holding `properties` (id → value), `named` properties and file `attachments`. */
export function makeMsg(properties: ReadonlyMap<number, MsgValue>, named: readonly NamedMsgValue[] = [], attachments: readonly MsgAttachment[] = []): Buffer {
	const entries: Entry[] = [{name: 'Root Entry', type: ROOT, length: 0, children: []}];
	const add = (parent: number, entry: Entry): number => {
		entries.push(entry);
		entries[parent]!.children!.push(entries.length - 1);
		return entries.length - 1;
	};
	const doc = (parent: number, name: string, data: Buffer): void => {
		// A copy: small Buffers share Node's pool, and the burner reads the whole backing ArrayBuffer.
		add(parent, {name, type: DOCUMENT, length: data.length, binaryProvider: () => new Uint8Array(data)});
	};
	const all = new Map(properties);
	const guids: Buffer[] = [];
	const entryStream: Buffer[] = [];
	const strings: Buffer[] = [];
	named.forEach((property, index) => {
		const id = 0x8000 + index;
		all.set(id, property);
		const entry = Buffer.alloc(8);
		if ('name' in property) {
			const name = Buffer.from(property.name, 'utf16le');
			const offset = strings.reduce((sum, b) => sum + b.length, 0);
			const length = Buffer.alloc(4);
			length.writeUInt32LE(name.length);
			strings.push(length, name, Buffer.alloc((4 - (name.length % 4)) % 4));
			entry.writeUInt32LE(offset, 0);
			entry.writeUInt16LE((2 << 1) | 1, 4); // PS_PUBLIC_STRINGS, string-named
		} else {
			entry.writeUInt32LE(property.lid, 0);
			entry.writeUInt16LE((3 + guids.length) << 1, 4);
			guids.push(guidBytes(property.set));
		}
		entry.writeUInt16LE(index, 6);
		entryStream.push(entry);
	});
	const records: Buffer[] = [];
	for (const [id, property] of [...all].sort(([a], [b]) => a - b)) {
		const tag = ((id << 16) | TYPE[property.type]) >>> 0;
		const stream = `__substg1.0_${tag.toString(16).toUpperCase().padStart(8, '0')}`;
		const record = Buffer.alloc(16);
		record.writeUInt32LE(tag, 0);
		record.writeUInt32LE(0x06, 4); // readable, writable
		switch (property.type) {
			case 'long': record.writeInt32LE(property.value, 8); break;
			case 'time': record.writeBigUInt64LE(BigInt(property.value.getTime()) * 10_000n + 116_444_736_000_000_000n, 8); break;
			case 'unicode': {
				const data = Buffer.from(`${property.value}\0`, 'utf16le');
				record.writeUInt32LE(data.length, 8);
				doc(0, stream, data);
				break;
			}
			case 'multi-unicode': {
				const values = property.value.map((value) => Buffer.from(`${value}\0`, 'utf16le'));
				const lengths = Buffer.alloc(4 * values.length);
				values.forEach((value, index) => lengths.writeUInt32LE(value.length, 4 * index));
				record.writeUInt32LE(lengths.length, 8);
				doc(0, stream, lengths);
				values.forEach((value, index) => doc(0, `${stream}-${index.toString(16).toUpperCase().padStart(8, '0')}`, value));
				break;
			}
		}
		records.push(record);
	}
	// Top-level property stream header (MS-OXMSG 2.4.1.1): reserved 8, next recipient id, next attachment id,
	// recipient count, attachment count, reserved 8.
	const top = Buffer.alloc(32);
	top.writeUInt32LE(attachments.length, 12);
	top.writeUInt32LE(attachments.length, 20);
	doc(0, '__properties_version1.0', Buffer.concat([top, ...records]));
	attachments.forEach((attachment, index) => {
		const storage = add(0, {name: `__attach_version1.0_#${index.toString(16).toUpperCase().padStart(8, '0')}`, type: DIRECTORY, length: 0, children: []});
		const name = Buffer.from(`${attachment.filename}\0`, 'utf16le');
		const entry = (tag: number, value: (record: Buffer) => void): Buffer => {
			const record = Buffer.alloc(16);
			record.writeUInt32LE(tag, 0);
			record.writeUInt32LE(0x06, 4);
			value(record);
			return record;
		};
		doc(storage, '__properties_version1.0', Buffer.concat([
			Buffer.alloc(8), // attachment objects: an 8-byte header (2.4.1.3)
			entry(0x37050003, (record) => record.writeUInt32LE(1, 8)),
			entry(0x3707001f, (record) => record.writeUInt32LE(name.length, 8)),
			entry(0x37010102, (record) => record.writeUInt32LE(attachment.data.length, 8)),
		]));
		doc(storage, '__substg1.0_3707001F', name);
		doc(storage, '__substg1.0_37010102', attachment.data);
	});
	const nameid = add(0, {name: '__nameid_version1.0', type: DIRECTORY, length: 0, children: []});
	doc(nameid, '__substg1.0_00020102', Buffer.concat(guids));
	doc(nameid, '__substg1.0_00030102', Buffer.concat(entryStream));
	doc(nameid, '__substg1.0_00040102', Buffer.concat(strings));
	return Buffer.from(burn(entries as Parameters<typeof burn>[0]));
}

/** A GUID's 16 bytes as MS-DTYP 2.3.4.2 stores them (first three fields little-endian). */
function guidBytes(guid: string): Buffer {
	const hex = guid.replace(/-/g, '');
	const bytes = Buffer.from(hex, 'hex');
	return Buffer.concat([Buffer.from(bytes.subarray(0, 4)).reverse(), Buffer.from(bytes.subarray(4, 6)).reverse(), Buffer.from(bytes.subarray(6, 8)).reverse(), bytes.subarray(8)]);
}
