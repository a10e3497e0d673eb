/**
 * Writes small Outlook Express 5/6 `.dbx` files for tests only (the layout dbx-file.ts documents): a message
 * database with one index node, one info record per message and 512-byte data blocks, and a Folders.dbx.
 * undbx reads these files too (test/readers/dbx-store.test.ts checks it), so they are real enough.
 */
import {promises as fs} from 'node:fs';

export type DbxFixtureMessage = Readonly<{
	raw?: Buffer;
	index: number;
	flags: number;
	subject?: string;
	received?: Date;
}>;

export type DbxFixtureFolder = Readonly<{id: number; parent: number; name: string; fileName?: string; special?: number; localStore?: boolean}>;

const HEADER_BYTES = 0x24bc;
const BLOCK = 0x200;
const SIGNATURE = (mark: number): Buffer => {
	const buffer = Buffer.alloc(16);
	buffer.writeUInt32LE(0xfe12adcf, 0);
	buffer.writeUInt32LE(mark, 4);
	buffer.writeUInt32LE(0x11d1e366, 8);
	buffer.writeUInt32LE(0xc0004e9a, 12);
	return buffer;
};

type Attribute = Readonly<{id: number; direct?: number; data?: Buffer}>;

class Writer {
	readonly chunks: Buffer[] = [];
	size = 0;
	append(buffer: Buffer): number {
		const at = this.size;
		this.chunks.push(buffer);
		this.size += buffer.length;
		return at;
	}
	reserve(length: number): number {
		return this.append(Buffer.alloc(length));
	}
}

function filetime(date: Date): Buffer {
	const buffer = Buffer.alloc(8);
	buffer.writeBigUInt64LE((BigInt(date.getTime()) + 11_644_473_600_000n) * 10_000n);
	return buffer;
}

function cString(text: string): Buffer {
	return Buffer.concat([Buffer.from(text, 'latin1'), Buffer.alloc(1)]);
}

function record(writer: Writer, attributes: readonly Attribute[]): number {
	const data: Buffer[] = [];
	const slots = Buffer.alloc(attributes.length * 4);
	let dataLength = 0;
	attributes.forEach((attribute, index) => {
		if (attribute.data === undefined) {
			slots.writeUInt32LE((attribute.direct ?? 0) * 256 + 0x80 + attribute.id, index * 4);
		} else {
			slots.writeUInt32LE(dataLength * 256 + attribute.id, index * 4);
			data.push(attribute.data);
			dataLength += attribute.data.length;
		}
	});
	const head = Buffer.alloc(12);
	head.writeUInt32LE(slots.length + dataLength, 4);
	head.writeUInt8(attributes.length, 0x0a);
	head.writeUInt32LE(writer.size, 0);
	return writer.append(Buffer.concat([head, slots, ...data]));
}

/** Writes the message as one chain of consecutive blocks; returns the first block's offset. */
function chain(writer: Writer, raw: Buffer): number {
	const first = writer.size;
	const count = Math.ceil(raw.length / BLOCK);
	const blocks = Buffer.alloc(count * (0x10 + BLOCK));
	for (let index = 0; index < count; index += 1) {
		const part = raw.subarray(index * BLOCK, (index + 1) * BLOCK);
		const base = index * (0x10 + BLOCK);
		const at = first + base;
		blocks.writeUInt32LE(at, base);
		blocks.writeUInt32LE(BLOCK, base + 4);
		blocks.writeUInt16LE(part.length, base + 8);
		blocks.writeUInt32LE(index + 1 < count ? at + 0x10 + BLOCK : 0, base + 0x0c);
		part.copy(blocks, base + 0x10);
	}
	writer.append(blocks);
	return first;
}

function node(writer: Writer, left: Readonly<{at: number; values: number}> | undefined, entries: ReadonlyArray<Readonly<{record: number; child?: Readonly<{at: number; values: number}>}>>): number {
	const at = writer.size;
	const buffer = Buffer.alloc(0x18 + entries.length * 12);
	buffer.writeUInt32LE(at, 0);
	buffer.writeUInt32LE(left?.at ?? 0, 0x08);
	buffer.writeUInt8(entries.length, 0x11);
	buffer.writeUInt32LE(left?.values ?? 0, 0x14);
	entries.forEach((entry, index) => {
		buffer.writeUInt32LE(entry.record, 0x18 + index * 12);
		buffer.writeUInt32LE(entry.child?.at ?? 0, 0x18 + index * 12 + 4);
		buffer.writeUInt32LE(entry.child?.values ?? 0, 0x18 + index * 12 + 8);
	});
	return writer.append(buffer);
}

/**
 * Entries per index node. The count is one byte, but undbx reads it as a signed char, so nodes above 127
 * entries would be unreadable to the oracle; 100 keeps both readers on the same files.
 */
const LEAF = 100;

/**
 * The index: one node for up to LEAF records; above that a two-level tree (a left leaf, then root entries
 * each followed by a leaf of up to LEAF), as OE builds when a folder grows.
 */
function finish(writer: Writer, mark: number, records: readonly number[]): Buffer {
	const leaf = (slice: readonly number[]): {at: number; values: number} => ({at: node(writer, undefined, slice.map((record) => ({record}))), values: slice.length});
	let root = 0;
	if (records.length > 0 && records.length <= LEAF) {
		root = node(writer, undefined, records.map((record) => ({record})));
	} else if (records.length > LEAF) {
		const left = leaf(records.slice(0, LEAF));
		const entries: Array<{record: number; child?: {at: number; values: number}}> = [];
		for (let start = LEAF; start < records.length; start += LEAF + 1) {
			const child = records.slice(start + 1, start + LEAF + 1);
			entries.push({record: records[start] ?? 0, ...(child.length === 0 ? {} : {child: leaf(child)})});
		}
		if (entries.length > LEAF) throw new Error(`make-dbx: at most ${LEAF * (LEAF + 2)} messages`);
		root = node(writer, left, entries);
	}
	const file = Buffer.concat(writer.chunks);
	SIGNATURE(mark).copy(file, 0);
	file.writeUInt32LE(records.length, 0xc4);
	file.writeUInt32LE(root, 0xe4);
	return file;
}

/** A message database holding `messages` (at most 10 200); a message without `raw` is a headers-only entry. */
export function messageDbx(messages: readonly DbxFixtureMessage[]): Buffer {
	const writer = new Writer();
	writer.reserve(HEADER_BYTES);
	const chains = messages.map((message) => (message.raw === undefined || message.raw.length === 0 ? 0 : chain(writer, message.raw)));
	const records = messages.map((message, index) => record(writer, [
		{id: 0x00, direct: message.index},
		{id: 0x01, data: Buffer.from(Uint32Array.of(message.flags).buffer)},
		// The data offset fits a direct 24-bit value only below 16 MiB; above, it is stored (as OE does).
		...(chains[index] === 0 ? [] : [(chains[index] ?? 0) < 0x1000000 ? {id: 0x04, direct: chains[index] ?? 0} : {id: 0x04, data: Buffer.from(Uint32Array.of(chains[index] ?? 0).buffer)}]),
		...(message.subject === undefined ? [] : [{id: 0x08, data: cString(message.subject)}]),
		...(message.received === undefined ? [] : [{id: 0x12, data: filetime(message.received)}]),
	]));
	return finish(writer, 0x6f74fdc5, records);
}

/** A Folders.dbx listing `folders`. */
export function foldersDbx(folders: readonly DbxFixtureFolder[]): Buffer {
	const writer = new Writer();
	writer.reserve(HEADER_BYTES);
	const records = folders.map((folder) => record(writer, [
		{id: 0x00, direct: folder.id},
		{id: 0x01, direct: folder.parent},
		{id: 0x02, data: cString(folder.name)},
		...(folder.fileName === undefined ? [] : [{id: 0x03, data: cString(folder.fileName)}]),
		...(folder.localStore ? [{id: 0x05, data: cString('LocalStore')}] : []),
		...(folder.special === undefined ? [] : [{id: 0x09, direct: folder.special}]),
	]));
	return finish(writer, 0x6f74fdc6, records);
}

export async function writeFile(path: string, content: Buffer): Promise<void> {
	await fs.writeFile(path, content);
}
