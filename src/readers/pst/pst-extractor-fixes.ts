/**
 * Run-time fixes for pst-extractor 1.12.0, installed once per worker thread by `installPstExtractorFixes()`.
 * Called only from the PST worker (pst/worker.ts): every PSTFile of that thread gets them. Idempotent.
 *
 * Why patch instead of vendoring: the library is mandated and reads PSTs well apart from these few spots;
 * each patch replaces one method with a self-contained implementation of the MS-PST structure it reads,
 * keeps the original signature and return shape, and is checked by the reader tests on real files.
 *
 * 1. `PSTFile.findBtreeItem` (B-tree lookup for nodes and blocks). The original compares `Long` objects with
 *    `>` on 32-bit (ANSI, Outlook 97–2002) files — a string comparison — so every ANSI PST fails to open with
 *    "findBtreeItem Unable to find 97" (the name-to-id map node). It also re-reads each B-tree page byte by
 *    byte from the root for every lookup (~130k syscalls for a 14 MB PST), and BIDs ≥ 2^31 arrive here as
 *    negative numbers (`toNumber() & 0xfffffffe` in PSTDescriptorItem). The replacement follows MS-PST
 *    §2.2.2.7 (BTPAGE, BTENTRY, NBTENTRY, BBTENTRY) for all three page formats (ANSI 512-byte, Unicode
 *    512-byte, Unicode 4 KiB pages of Outlook 2013+ OSTs), binary-searches each page, checks page types
 *    (a corrupt pointer fails with a clear reason instead of reading garbage), bounds the depth, and keeps a
 *    small page cache (the file is opened read-only and never changes under us).
 * 2. `PSTUtil.arraycopy` copies byte by byte in JS; replaced by Buffer#copy for all but the smallest copies.
 *    `PSTUtil.decode` (the "compressible" byte permutation) indexes a JS array per byte; replaced by the same
 *    table as a Uint8Array, and two bytes per lookup for long runs. Both were top entries in the profile of reading enron.pst.
 * 3. `PSTNodeInputStream` reads a node made of several blocks (an XBLOCK: large tables, e.g. a recipient table
 *    with 100 rows) with a pread per cell — 2 to 8 bytes each, half the time of reading a store whose mail has
 *    many recipients. Nodes up to 16 MiB are now read whole when the stream is created (one pread per block);
 *    the data stays encrypted until read, exactly as the library keeps single-block nodes.
 * 4. Reads at file offset 0 go through `readAt`: the library's readCompletely(buffer, 0) reads at the current
 *    position instead (it tests the position for truthiness).
 * 5. `PSTTable7C.getItems` (table contexts: recipient tables, folder contents) read every cell of a row with its
 *    own seek + read and a `Long` per cell. The replacement reads each row (TCI_bm bytes, MS-PST 2.3.4.4) once
 *    and takes dwRowID, the cell-existence bitmap and the cells from that buffer; the row positions, the ANSI
 *    block padding, variable-size cells (HNIDs) and the returned items are exactly the library's.
 * 6. `PSTNodeInputStream.readCompletely` on a node held in memory (every node ≤ 16 MiB, fix 3) allocated and
 *    zero-filled a temporary buffer per call and copied twice; it now copies straight into the target and
 *    decodes it there ("compressible" encryption is a per-byte substitution, so where it is decoded does not
 *    matter). Streams of other nodes keep the library's path.
 * 7. `PSTUtil.convertLittleEndianBytesToLong` built its result with a `Long` shift and xor per byte; for up to
 *    8 bytes the same signed 64-bit value is now made once from its two 32-bit halves (`Long.fromBits`).
 * 8. `PSTNodeInputStream.seekAndReadLong` on a node held in memory (fix 3) reads its 1–8 bytes through one
 *    reused scratch buffer instead of allocating one per call (the top allocation in recipient-heavy stores).
 *
 * 9. `PSTTableBC` (the property context of every folder, message and attachment) read its BTH header, key table
 *    and each heap value through its own seek + read, with a `Long` per position and a fresh Buffer per value
 *    and per empty item. For a node held in memory (fix 3) the whole node is now decoded once and parsed from
 *    that buffer (MS-PST 2.3.1 HN, 2.3.2 BTH, 2.3.3 PC): same items, same values (heap values are views of the
 *    decoded node instead of copies; nothing writes to them). Any node the fast path finds unusual (another
 *    table type, offsets out of range, a key/value size other than 2 + 6, a heap index out of range) is built
 *    by the library's constructor, so its errors are the library's.
 *
 * 10. `PSTTable7C.getItems` (fix 5) on nodes held in memory takes rows and variable-size cells (HNIDs) straight
 *    from the decoded row-matrix and heap nodes of fix 9 (views, one decode per node), instead of a seek, a
 *    read and a `Long` per row and three more reads per cell; recipient tables of ~90 rows were 65% of reading
 *    a store whose items have that many recipients. Cells in sub-nodes, and anything out of range, take the
 *    library's path as before.
 *
 * 11. `PSTDescriptorItem.getData` (sub-node data: attachment bytes, large property values) zero-filled a buffer
 *    of the node's size and copied the node into it, on top of the node's own buffer. For a node held in memory
 *    (fix 3) the node's buffer is now decoded in place and returned: the stream was made for this call and is
 *    dropped with it. Attachment-heavy stores (enron.pst, 15.6 MB of attachments) spent a third of their time
 *    copying and decoding. Other nodes take the library's path.
 *
 * 12. "High" (cyclic) encryption, NDB_CRYPT_CYCLIC (MS-PST §5.2): the library refuses such files in its
 *    constructor ("PST is encrypted") and only knows the position-independent "compressible" permutation. The
 *    header read at offset 0 (`PSTFile.readSync`) now reports bCryptMethod 0x02 as "none" to the library and marks
 *    the file cyclic; every data block is then decrypted as it is loaded (`loadFromOffsetItem`, after fix 3),
 *    keyed by the low 32 bits of its own BID (cyclic-encryption.ts), so everything above — the library's streams
 *    and fixes 9–11 — sees plain bytes, as for an unencrypted file. Multi-block nodes of a cyclic file are read
 *    whole whatever their size (each block has its own key, so a lazy stream would have to track blocks); a node
 *    is bounded by the file (an attachment, at most its size). Internal blocks (BID bit 0x02) are not encrypted.
 *    Not covered: zlib-compressed multi-stream nodes of 4 KiB-page OSTs (OSTs are never cyclic-encrypted: the
 *    option exists only for PSTs, in Outlook 97–2002's "high encryption").
 *
 * Limitations kept: BIDs ≥ 2^32 are truncated by the library before they reach us (PST files > ~16 TB of
 * blocks; not seen in practice).
 */
import {PSTFile} from 'pst-extractor';
import {createRequire} from 'node:module';
import {cryptCyclic} from './cyclic-encryption.js';

type LongLike = Readonly<{toString(): string; low: number; high: number}>;

/** The parts of PSTFile this module touches (private in the .d.ts, public at run time). */
type PstFileInternals = {
	readonly pstFileType: number;
	/** Fix 12: the header says NDB_CRYPT_CYCLIC (the library was told "none"). */
	__mailshiftCyclic?: boolean;
	readCompletely(buffer: Buffer, position?: number): void;
	position: number;
	__mailshiftPages?: PageCache;
	__mailshiftRoots?: {nbt: number; bbt: number};
};

type PageFormat = Readonly<{
	pageSize: number;
	/** Offset of cEnt in the page (after the entry area). */
	countAt: number;
	/** cEnt/cEntMax are 2 bytes in 4 KiB pages, 1 byte otherwise. */
	wideCounts: boolean;
	/** Offset of the page trailer's ptype byte. */
	typeAt: number;
	/** Key width in bytes (4 in ANSI, 8 in Unicode). */
	keyBytes: number;
	/** BTENTRY size and offset of its BREF.ib. */
	branchEntry: number;
	branchOffsetAt: number;
	/** Leaf entry sizes as the library's DescriptorIndexNode / OffsetIndexItem expect them. */
	nbtLeaf: number;
	bbtLeaf: number;
	/** File offsets (in the header) of the NBT and BBT root page offsets. */
	nbtRootAt: number;
	bbtRootAt: number;
}>;

const ANSI: PageFormat = {
	pageSize: 512, countAt: 496, wideCounts: false, typeAt: 500, keyBytes: 4, branchEntry: 12, branchOffsetAt: 8,
	nbtLeaf: 16, bbtLeaf: 12, nbtRootAt: 188, bbtRootAt: 196,
};
const UNICODE: PageFormat = {
	pageSize: 512, countAt: 488, wideCounts: false, typeAt: 496, keyBytes: 8, branchEntry: 24, branchOffsetAt: 16,
	nbtLeaf: 32, bbtLeaf: 24, nbtRootAt: 224, bbtRootAt: 240,
};
const UNICODE_4K: PageFormat = {
	pageSize: 4096, countAt: 4056, wideCounts: true, typeAt: 4072, keyBytes: 8, branchEntry: 24, branchOffsetAt: 16,
	nbtLeaf: 32, bbtLeaf: 24, nbtRootAt: 224, bbtRootAt: 240,
};

/** MS-PST §2.2.2.7.1 PAGETRAILER ptype. */
const PTYPE_BBT = 0x80;
const PTYPE_NBT = 0x81;
/** A B-tree deeper than this is a loop in a corrupt file (real PSTs have 2–4 levels). */
const MAX_DEPTH = 16;
/** Pages kept per file: 1024 × 512 B or 1024 × 4 KiB at most. */
const MAX_CACHED_PAGES = 1024;

class PageCache {
	readonly #pages = new Map<number, Buffer>();

	get(file: PstFileInternals, offset: number, size: number): Buffer {
		const hit = this.#pages.get(offset);
		if (hit !== undefined) {
			// LRU: re-insert so the most recently used page is last.
			this.#pages.delete(offset);
			this.#pages.set(offset, hit);
			return hit;
		}
		const page = Buffer.alloc(size);
		readAt(file, page, offset);
		if (this.#pages.size >= MAX_CACHED_PAGES) {
			const oldest = this.#pages.keys().next().value;
			if (oldest !== undefined) this.#pages.delete(oldest);
		}
		this.#pages.set(offset, page);
		return page;
	}
}

/** Reads at `position` (the library's readCompletely treats position 0 as "current position"). */
function readAt(file: PstFileInternals, buffer: Buffer, position: number): void {
	file.position = position;
	file.readCompletely(buffer);
}

function formatOf(file: PstFileInternals): PageFormat {
	if (file.pstFileType === PSTFile.PST_TYPE_ANSI) return ANSI;
	if (file.pstFileType === PSTFile.PST_TYPE_2013_UNICODE) return UNICODE_4K;
	return UNICODE;
}

function readKey(page: Buffer, at: number, bytes: number): bigint {
	return bytes === 4 ? BigInt(page.readUInt32LE(at)) : page.readBigUInt64LE(at);
}

function readOffset(page: Buffer, at: number, bytes: number): number {
	return bytes === 4 ? page.readUInt32LE(at) : Number(page.readBigUInt64LE(at));
}

/** The lookup key as an unsigned number: BIDs ≥ 2^31 arrive as negative 32-bit values. */
function unsignedKey(index: LongLike, isNodeTree: boolean): bigint {
	let key = BigInt(index.toString());
	if (key < 0n) key += 1n << 32n;
	// MS-PST §2.2.2.2: BID bit 0 is reserved (readers ignore it); NIDs are 32-bit.
	return isNodeTree ? key & 0xffffffffn : key & ~1n;
}

/**
 * MS-PST B-tree search; returns the leaf entry bytes in the shape the library expects.
 * @throws Error naming the key when it is absent or a page is not a B-tree page of the expected kind.
 */
function findBtreeItem(this: PstFileInternals, index: LongLike, descTree: boolean): Buffer {
	const format = formatOf(this);
	this.__mailshiftPages ??= new PageCache();
	if (this.__mailshiftRoots === undefined) {
		const header = Buffer.alloc(Math.max(format.nbtRootAt, format.bbtRootAt) + format.keyBytes);
		readAt(this, header, 0);
		this.__mailshiftRoots = {
			nbt: readOffset(header, format.nbtRootAt, format.keyBytes),
			bbt: readOffset(header, format.bbtRootAt, format.keyBytes),
		};
	}
	const key = unsignedKey(index, descTree);
	const expectedType = descTree ? PTYPE_NBT : PTYPE_BBT;
	const treeName = descTree ? 'node' : 'block';
	let pageOffset = descTree ? this.__mailshiftRoots.nbt : this.__mailshiftRoots.bbt;
	for (let depth = 0; depth < MAX_DEPTH; depth++) {
		const page = this.__mailshiftPages.get(this, pageOffset, format.pageSize);
		const type = page[format.typeAt];
		if (type !== expectedType || page[format.typeAt + 1] !== expectedType) {
			throw new Error(`PST ${treeName} B-tree page at offset ${pageOffset} is damaged (page type 0x${(type ?? 0).toString(16)}), looking for ${treeName} ${key}`);
		}
		const count = format.wideCounts ? page.readUInt16LE(format.countAt) : (page[format.countAt] ?? 0);
		const entrySize = page[format.countAt + (format.wideCounts ? 4 : 2)] ?? 0;
		const level = page[format.countAt + (format.wideCounts ? 5 : 3)] ?? 0;
		const leafSize = descTree ? format.nbtLeaf : format.bbtLeaf;
		const size = level > 0 ? format.branchEntry : entrySize;
		if (count * size > format.countAt || size < (level > 0 ? format.branchEntry : leafSize)) {
			throw new Error(`PST ${treeName} B-tree page at offset ${pageOffset} is damaged (${count} entries of ${size} bytes), looking for ${treeName} ${key}`);
		}
		// Last entry whose key is ≤ the target (entries are sorted by key; MS-PST §2.2.2.7.7).
		let lo = 0;
		let hi = count - 1;
		let found = -1;
		while (lo <= hi) {
			const mid = (lo + hi) >> 1;
			let entryKey = readKey(page, mid * size, format.keyBytes);
			if (descTree) entryKey &= 0xffffffffn;
			else if (level === 0) entryKey &= ~1n;
			if (entryKey <= key) {
				found = mid;
				lo = mid + 1;
			} else {
				hi = mid - 1;
			}
		}
		if (found < 0) break;
		if (level > 0) {
			pageOffset = readOffset(page, found * size + format.branchOffsetAt, format.keyBytes);
			continue;
		}
		let foundKey = readKey(page, found * size, format.keyBytes);
		foundKey = descTree ? foundKey & 0xffffffffn : foundKey & ~1n;
		if (foundKey !== key) break;
		return Buffer.from(page.subarray(found * size, found * size + leafSize));
	}
	throw new Error(`PSTFile::findBtreeItem Unable to find ${treeName} ${key} (not in the ${treeName} B-tree)`);
}

function arraycopy(src: ArrayLike<number>, srcPos: number, dest: Uint8Array | number[], destPos: number, length: number): void {
	// Buffer#copy allocates nothing (subarray would create a view per call; most calls copy 2–8 bytes).
	if (length > 16 && Buffer.isBuffer(src) && dest instanceof Uint8Array && srcPos + length <= src.length) {
		src.copy(dest, destPos, srcPos, srcPos + length);
		return;
	}
	for (let i = 0; i < length; i++) dest[destPos + i] = src[srcPos + i] ?? 0;
}

type PstUtilInternals = {
	arraycopy: typeof arraycopy;
	decode: (data: Buffer) => Buffer;
	compEnc: number[];
	convertLittleEndianBytesToLong: (data: Buffer, start?: number, end?: number) => unknown;
};
type LongFromBits = {fromBits(low: number, high: number, unsigned?: boolean): unknown};

/** Fix 7 (see the module comment): same defaults and result as the library's, for spans of 1–8 bytes. */
function littleEndianLong(original: PstUtilInternals['convertLittleEndianBytesToLong'], Long: LongFromBits): PstUtilInternals['convertLittleEndianBytesToLong'] {
	return (data, start, end) => {
		const from = start || 0;
		const to = end || data.length;
		const count = to - from;
		if (count < 1 || count > 8 || to > data.length) return original(data, start, end);
		let low = 0;
		let high = 0;
		for (let i = Math.min(count, 4) - 1; i >= 0; i--) low = (low * 256) + (data[from + i]! & 0xff);
		for (let i = count - 1; i >= 4; i--) high = (high * 256) + (data[from + i]! & 0xff);
		return Long.fromBits(low | 0, high | 0, false);
	};
}

/**
 * MS-PST 5.1 "compressible" decryption with typed lookup tables (the original indexes a JS array per byte).
 * Long runs (attachments) go two bytes per lookup through a 64 Ki-entry table built from the byte table, a
 * 32-bit word at a time: 2.4× the byte loop. Each byte still maps on its own, so byte order does not matter.
 */
function makeDecode(table: readonly number[]): (data: Buffer) => Buffer {
	const lookup = Uint8Array.from(table);
	const pairs = new Uint16Array(65536);
	for (let i = 0; i < 65536; i++) pairs[i] = lookup[i & 0xff]! | (lookup[i >>> 8]! << 8);
	const bytes = (data: Buffer, from: number, to: number): void => {
		for (let i = from; i < to; i++) data[i] = lookup[data[i]!]!;
	};
	return (data: Buffer): Buffer => {
		if (data.length < 64) {
			bytes(data, 0, data.length);
			return data;
		}
		const head = (4 - (data.byteOffset & 3)) & 3;
		bytes(data, 0, head);
		const words = (data.length - head) >>> 2;
		const view = new Uint32Array(data.buffer, data.byteOffset + head, words);
		for (let i = 0; i < words; i++) {
			const word = view[i]!;
			view[i] = pairs[word & 0xffff]! | (pairs[word >>> 16]! << 16);
		}
		bytes(data, head + words * 4, data.length);
		return data;
	};
}

type OffsetItem = {fileOffset: {toNumber(): number}; size: number; indexIdentifier: LongLike};
type NodeStreamInternals = {
	allData: Buffer | null;
	indexItems: OffsetItem[];
	pstFile: PstFileInternals;
	_length: {toNumber(): number};
};
/** Multi-block nodes up to this size are read into memory at once (see fix 3). */
const WHOLE_NODE_BYTES = 16 * 1024 * 1024;

/** Fix 3: wraps loadFromOffsetItem so a multi-block node is read with one pread per block, up front. */
function wholeNodeLoader(original: (this: NodeStreamInternals, item: unknown) => void): (this: NodeStreamInternals, item: unknown) => void {
	return function loadFromOffsetItem(this: NodeStreamInternals, item: unknown): void {
		original.call(this, item);
		if (this.allData !== null || this.indexItems.length === 0) return;
		const total = this.indexItems.reduce((sum, block) => sum + block.size, 0);
		if (total > WHOLE_NODE_BYTES || total !== this._length.toNumber()) return;
		const data = Buffer.allocUnsafe(total); // every byte is read below, or the buffer is dropped with the error
		let offset = 0;
		for (const block of this.indexItems) {
			readAt(this.pstFile, data.subarray(offset, offset + block.size), block.fileOffset.toNumber());
			offset += block.size;
		}
		// Still encrypted, like the single-block case: the stream decodes on read.
		this.allData = data;
	};
}

/** Fix 12: decrypts every data block of a cyclic-encrypted file as the stream loads it (see the module comment). */
function cyclicLoader(original: (this: NodeStreamInternals, item: unknown) => void): (this: NodeStreamInternals, item: unknown) => void {
	return function loadFromOffsetItem(this: NodeStreamInternals, item: unknown): void {
		original.call(this, item);
		if (this.pstFile.__mailshiftCyclic !== true) return;
		if (this.indexItems.length === 0) {
			const bid = (item as OffsetItem).indexIdentifier.low;
			if (this.allData !== null && (bid & 0x02) === 0) cryptCyclic(this.allData, bid);
			return;
		}
		const total = this.indexItems.reduce((sum, block) => sum + block.size, 0);
		if (total !== this._length.toNumber()) {
			throw new Error(`a multi-block node says it holds ${this._length.toNumber()} bytes, but its blocks hold ${total}`);
		}
		let data = this.allData;
		if (data === null) {
			data = Buffer.allocUnsafe(total); // every byte is read below, or the buffer is dropped with the error
			let offset = 0;
			for (const block of this.indexItems) {
				readAt(this.pstFile, data.subarray(offset, offset + block.size), block.fileOffset.toNumber());
				offset += block.size;
			}
		}
		let offset = 0;
		for (const block of this.indexItems) {
			cryptCyclic(data.subarray(offset, offset + block.size), block.indexIdentifier.low);
			offset += block.size;
		}
		this.allData = data;
	};
}

/** Fix 12: the header read; a cyclic file is marked and shown to the library as unencrypted. */
function headerReader(original: (this: PstFileInternals, buffer: Buffer, length: number, position: number) => number): (this: PstFileInternals, buffer: Buffer, length: number, position: number) => number {
	return function readSync(this: PstFileInternals, buffer: Buffer, length: number, position: number): number {
		const read = original.call(this, buffer, length, position);
		if (position === 0 && read >= 514 && buffer.toString('latin1', 0, 4) === '!BDN') {
			const isAnsi = buffer[10] === 14 || buffer[10] === 15;
			const at = isAnsi ? 461 : 513;
			if (buffer[at] === 0x02) {
				this.__mailshiftCyclic = true;
				buffer[at] = 0x00;
			}
		}
		return read;
	};
}

let isInstalled = false;
/** The "compressible" decoder (fix 2), for the decoded-node fast paths (fixes 9, 10). */
let nodeDecode: ((data: Buffer) => Buffer) | undefined;

/** Installs the fixes into this thread's copy of pst-extractor. Idempotent. */
export function installPstExtractorFixes(): void {
	if (isInstalled) return;
	isInstalled = true;
	(PSTFile.prototype as unknown as {findBtreeItem: typeof findBtreeItem}).findBtreeItem = findBtreeItem;
	const require = createRequire(import.meta.url);
	const util = require('pst-extractor/dist/PSTUtil.class.js') as {PSTUtil: PstUtilInternals};
	util.PSTUtil.arraycopy = arraycopy;
	util.PSTUtil.decode = makeDecode(util.PSTUtil.compEnc);
	const stream = require('pst-extractor/dist/PSTNodeInputStream.class.js') as {PSTNodeInputStream: {prototype: {loadFromOffsetItem: (this: NodeStreamInternals, item: unknown) => void}}};
	stream.PSTNodeInputStream.prototype.loadFromOffsetItem = cyclicLoader(wholeNodeLoader(stream.PSTNodeInputStream.prototype.loadFromOffsetItem));
	const fileProto = PSTFile.prototype as unknown as {readSync: (this: PstFileInternals, buffer: Buffer, length: number, position: number) => number};
	fileProto.readSync = headerReader(fileProto.readSync);
	const table = require('pst-extractor/dist/PSTTable7C.class.js') as {PSTTable7C: {prototype: {getItems: typeof getItems7C}}};
	table.PSTTable7C.prototype.getItems = getItems7C;
	util.PSTUtil.convertLittleEndianBytesToLong = littleEndianLong(util.PSTUtil.convertLittleEndianBytesToLong, require('long') as LongFromBits);
	const streamProto = stream.PSTNodeInputStream.prototype as unknown as {
		readCompletely: (this: InMemoryStream, target: Buffer) => void;
		seekAndReadLong: (this: InMemoryStream, location: {toNumber(): number}, bytes: number) => unknown;
	};
	streamProto.readCompletely = directReader(streamProto.readCompletely, util.PSTUtil.decode, require('long') as {fromNumber(n: number): unknown});
	nodeDecode = util.PSTUtil.decode;
	const descriptor = require('pst-extractor/dist/PSTDescriptorItem.class.js') as {PSTDescriptorItem: {prototype: {getData: (this: DescriptorInternals) => Buffer}}};
	descriptor.PSTDescriptorItem.prototype.getData = directData(util.PSTUtil.decode, require('long') as {fromValue(n: number): unknown});
	const tableBC = require('pst-extractor/dist/PSTTableBC.class.js') as {PSTTableBC: TableBCCtor};
	tableBC.PSTTableBC = fastTableBC(tableBC.PSTTableBC, util.PSTUtil.decode);
	streamProto.seekAndReadLong = scratchLongReader(streamProto.seekAndReadLong, util.PSTUtil.decode, util.PSTUtil.convertLittleEndianBytesToLong, require('long') as {fromNumber(n: number): unknown});
}

type InMemoryStream = {
	allData: Buffer | null;
	encrypted: boolean;
	currentLocation: {toNumber(): number};
	length: {toNumber(): number};
};

const scratch = Buffer.alloc(8);

/** Fix 8 (see the module comment); out-of-range reads take the library's path, which throws as before. */
function scratchLongReader(
	original: (this: InMemoryStream, location: {toNumber(): number}, bytes: number) => unknown,
	decode: (data: Buffer) => void,
	toLong: (data: Buffer, start?: number, end?: number) => unknown,
	Long: {fromNumber(n: number): unknown},
): (this: InMemoryStream, location: {toNumber(): number}, bytes: number) => unknown {
	return function seekAndReadLong(this: InMemoryStream, location: {toNumber(): number}, bytes: number): unknown {
		const data = this.allData;
		const position = location.toNumber();
		if (data === null || bytes < 1 || bytes > 8 || position < 0 || position + bytes > Math.min(this.length.toNumber(), data.length)) {
			return original.call(this, location, bytes);
		}
		data.copy(scratch, 0, position, position + bytes);
		if (this.encrypted) decode(scratch); // a per-byte substitution: decoding the unused tail does no harm
		this.currentLocation = Long.fromNumber(position + bytes) as InMemoryStream['currentLocation'];
		return toLong(scratch, 0, bytes);
	};
}

/** Fix 6 (see the module comment). EOF behaves as the library's: an error, after the bytes that were there. */
function directReader(original: (this: InMemoryStream, target: Buffer) => void, decode: (data: Buffer) => void, Long: {fromNumber(n: number): unknown}): (this: InMemoryStream, target: Buffer) => void {
	return function readCompletely(this: InMemoryStream, target: Buffer): void {
		const data = this.allData;
		if (data === null || target.length === 0) {
			original.call(this, target);
			return;
		}
		const position = this.currentLocation.toNumber();
		const available = Math.min(this.length.toNumber(), data.length) - position;
		const count = Math.max(0, Math.min(target.length, available));
		data.copy(target, 0, position, position + count);
		if (this.encrypted) decode(count === target.length ? target : target.subarray(0, count));
		this.currentLocation = Long.fromNumber(position + count) as InMemoryStream['currentLocation'];
		if (count < target.length) throw new Error('PSTNodeInputStream::readCompletely unexpected EOF encountered attempting to read from PSTInputStream');
	};
}

type NodeInfoInternals = {
	startOffset: number;
	length(): number;
	pstNodeInputStream: {seek(offset: unknown): void; readCompletely(buffer: Buffer): void; length: {toNumber(): number}; pstFile: {pstFileType: number}};
};
type Table7CInternals = {
	BLOCK_SIZE: number;
	TCI_bm: number;
	TCI_1b: number;
	numColumns: number;
	overrideCol: number;
	numberOfDataSets: number;
	rowCount: number;
	items: unknown[];
	rowNodeInfo: NodeInfoInternals;
	pstNodeInputStream: BCStream;
	subNodeDescriptorItems: Map<number, unknown>;
	columnDescriptors: Array<{id: number; type: number; cbData: number; ibData: number; iBit: number}>;
	getNodeInfo(hnid: number): NodeInfoInternals | undefined;
};

/** Fix 5: PSTTable7C.getItems with one read per row (see the module comment). Same contract as the library's. */
let tableDeps: {Long: {fromNumber(n: number): unknown}; ansi: number} | undefined;

function getItems7C(this: Table7CInternals, startAtRecord?: number, numberOfRecordsToReturn?: number): Array<Map<number, unknown>> {
	if (tableDeps === undefined) {
		const require = createRequire(import.meta.url);
		tableDeps = {
			Long: require('long') as {fromNumber(n: number): unknown},
			ansi: (require('pst-extractor/dist/PSTFile.class.js') as {PSTFile: {PST_TYPE_ANSI: number}}).PSTFile.PST_TYPE_ANSI,
		};
	}
	const {Long} = tableDeps;
	const itemList: Array<Map<number, unknown>> = [];
	let setLocalList = false;
	const info = this.rowNodeInfo;
	const numberOfBlocks = Math.trunc(info.length() / this.BLOCK_SIZE);
	const numberOfRowsPerBlock = Math.trunc(this.BLOCK_SIZE / this.TCI_bm);
	const blockPadding = this.BLOCK_SIZE - numberOfRowsPerBlock * this.TCI_bm;
	this.numberOfDataSets = Math.trunc(numberOfBlocks * numberOfRowsPerBlock + (info.length() % this.BLOCK_SIZE) / this.TCI_bm);
	if (startAtRecord === undefined) {
		numberOfRecordsToReturn = this.numberOfDataSets;
		startAtRecord = 0;
		setLocalList = true;
	}
	numberOfRecordsToReturn ??= 0;
	let currentValueArrayStart = Math.trunc(startAtRecord / numberOfRowsPerBlock) * this.BLOCK_SIZE + (startAtRecord % numberOfRowsPerBlock) * this.TCI_bm;
	if (numberOfRecordsToReturn > this.rowCount - startAtRecord) numberOfRecordsToReturn = this.rowCount - startAtRecord;
	const stream = info.pstNodeInputStream;
	const isAnsi = stream.pstFile.pstFileType === tableDeps.ansi;
	const bitmapBytes = Math.trunc((this.numColumns + 7) / 8);
	const row = Buffer.alloc(this.TCI_bm);
	const rowNode = nodeDecode === undefined ? undefined : decodedNode(stream as unknown as BCStream, nodeDecode);
	const heapNode = nodeDecode === undefined ? undefined : decodedNode(this.pstNodeInputStream, nodeDecode);
	let dataSetNumber = 0;
	for (let rowCounter = 0; rowCounter < numberOfRecordsToReturn; rowCounter++) {
		// Row positions and block padding exactly as the library computes them.
		if (isAnsi) {
			if (currentValueArrayStart >= this.BLOCK_SIZE) currentValueArrayStart = currentValueArrayStart + 4 * (currentValueArrayStart / this.BLOCK_SIZE);
			if (info.startOffset + currentValueArrayStart + this.TCI_1b > stream.length.toNumber()) continue;
		} else if (currentValueArrayStart % this.BLOCK_SIZE > this.BLOCK_SIZE - this.TCI_bm) {
			currentValueArrayStart += blockPadding;
			if (currentValueArrayStart + this.TCI_bm > info.length()) continue;
		}
		const rowAt = info.startOffset + currentValueArrayStart;
		const available = Math.min(this.TCI_bm, stream.length.toNumber() - rowAt);
		let rowBytes: Buffer;
		if (rowNode !== undefined && available === this.TCI_bm && rowAt >= 0 && rowAt + available <= rowNode.length) {
			rowBytes = rowNode.node.subarray(rowAt, rowAt + available); // fix 10: a view of the decoded node
		} else {
			rowBytes = available === this.TCI_bm ? row : Buffer.alloc(Math.max(0, available));
			stream.seek(Long.fromNumber(rowAt));
			stream.readCompletely(rowBytes);
		}
		const currentItem = new Map<number, unknown>();
		const bitmap = rowBytes.subarray(this.TCI_1b, this.TCI_1b + bitmapBytes);
		currentItem.set(0x67f2, tableItem(-1, 0x67f2, true, rowBytes.length >= 4 ? rowBytes.readUInt32LE(0) : 0, 3, EMPTY));
		for (let col = this.overrideCol > -1 ? this.overrideCol : 0; col < this.numColumns; col++) {
			const column = this.columnDescriptors[col]!;
			const bitIndex = Math.trunc(column.iBit / 8);
			const bit = column.iBit % 8;
			if (bitIndex >= bitmap.length || (bitmap[bitIndex]! & (1 << (7 - bit))) === 0) continue;
			let reference = 0;
			let isExternal = false;
			let data: Buffer = EMPTY;
			const at = column.ibData;
			switch (column.cbData) {
				case 1:
					reference = rowBytes[at] ?? 0;
					isExternal = true;
					break;
				case 2:
					reference = at + 2 <= rowBytes.length ? rowBytes.readUInt16LE(at) : 0;
					isExternal = true;
					break;
				case 8:
					data = rowBytes === row ? Buffer.from(rowBytes.subarray(at, at + 8)) : rowBytes.subarray(at, at + 8);
					break;
				default: {
					// Four bytes: true 32-bit data, or an HNID of variable-size data.
					reference = at + 4 <= rowBytes.length ? rowBytes.readUInt32LE(at) : 0;
					if (column.type === 0x0003 || column.type === 0x0004 || column.type === 0x000a || (reference & 0x1f) !== 0) {
						isExternal = true;
						break;
					}
					if (reference === 0) break;
					const inHeap = heapNode === undefined || this.subNodeDescriptorItems.has(reference) ? undefined : heapItem(heapNode, reference);
					if (inHeap) {
						data = heapNode!.node.subarray(inHeap[0], inHeap[1]); // fix 10
						break;
					}
					const entryInfo = this.getNodeInfo(reference);
					if (entryInfo) {
						data = Buffer.alloc(entryInfo.length());
						entryInfo.pstNodeInputStream.seek(Long.fromNumber(entryInfo.startOffset));
						entryInfo.pstNodeInputStream.readCompletely(data);
					}
				}
			}
			currentItem.set(column.id, tableItem(col, column.id, isExternal, reference, column.type, data));
		}
		itemList[dataSetNumber] = currentItem;
		dataSetNumber++;
		currentValueArrayStart += this.TCI_bm;
	}
	if (setLocalList) this.items = itemList;
	return itemList;
}

type BCStream = InMemoryStream & {getBlockOffsets(): Array<{toNumber(): number}>};
type TableBCCtor = new (stream: BCStream) => object;

/**
 * Fix 9 (see the module comment): a constructor that builds PSTTableBC instances (same prototype, same fields)
 * from the decoded node, or defers to the library's constructor for anything unusual.
 */
function fastTableBC(Original: TableBCCtor, decode: (data: Buffer) => Buffer): TableBCCtor {
	function PSTTableBC(stream: BCStream): object {
		return buildTableBC(stream, Original.prototype as object, decode) ?? new Original(stream);
	}
	PSTTableBC.prototype = Original.prototype;
	return PSTTableBC as unknown as TableBCCtor;
}

type DecodedNode = {node: Buffer; length: number; arrayBlocks: Array<{toNumber(): number}>; blocks: number[]};
const decodedNodes = new WeakMap<object, DecodedNode | null>();

/** The logical bytes of a node held in memory, decoded once per stream; undefined when not in memory. */
function decodedNode(stream: BCStream, decode: (data: Buffer) => Buffer): DecodedNode | undefined {
	const cached = decodedNodes.get(stream);
	if (cached !== undefined) return cached ?? undefined;
	const data = stream.allData;
	let decoded: DecodedNode | null = null;
	if (data !== null) {
		const length = Math.min(stream.length.toNumber(), data.length);
		const node = stream.encrypted ? decode(Buffer.from(data.subarray(0, length))) : data.subarray(0, length);
		const arrayBlocks = stream.getBlockOffsets();
		decoded = {node, length, arrayBlocks, blocks: arrayBlocks.map((offset) => offset.toNumber())};
	}
	decodedNodes.set(stream, decoded);
	return decoded ?? undefined;
}

/**
 * PSTTable.getNodeInfo (MS-PST 2.3.1.5 HID → HNPAGEMAP entry) on a decoded node, for an HNID that is not a
 * sub-node: [start, end) in the node, null for an HNID that is not a heap id, undefined when anything is out of
 * range (the library's path then reads it, or throws its own error).
 */
function heapItem({node, length, blocks}: DecodedNode, hnid: number): [number, number] | null | undefined {
	if (hnid === 0) return [0, 0];
	if ((hnid & 0x1f) !== 0) return null;
	const block = hnid >>> 16;
	if (block >= blocks.length) return undefined;
	const index = (hnid & 0xffff) >> 5;
	const blockOffset = block > 0 ? blocks[block - 1]! : 0;
	const pageMapAt = u16(node, length, blockOffset);
	if (pageMapAt < 0) return undefined;
	const cAlloc = u16(node, length, pageMapAt + blockOffset);
	if (cAlloc < 0 || index >= cAlloc + 1) return undefined;
	const entryAt = pageMapAt + blockOffset + 2 * index + 2;
	const start = u16(node, length, entryAt);
	const end = u16(node, length, entryAt + 2);
	if (start < 0 || end < 0 || start > end || end + blockOffset > length) return undefined;
	return [start + blockOffset, end + blockOffset];
}

/** The 16-bit value at `at`, or -1 when it is not within the node's `length` bytes. */
function u16(node: Buffer, length: number, at: number): number {
	return at >= 0 && at + 2 <= length ? node.readUInt16LE(at) : -1;
}

/** undefined = not on the fast path (the library's constructor takes it, errors included). */
function buildTableBC(stream: BCStream, prototype: object, decode: (data: Buffer) => Buffer): object | undefined {
	const decoded = decodedNode(stream, decode);
	if (decoded === undefined || decoded.length < 8) return undefined;
	const {node, length, arrayBlocks} = decoded;
	if (node[3] !== 0xbc) return undefined; // bClientSig: 0xBC = property context (BTH)
	const hidUserRoot = node.readUInt32LE(4);
	const header = heapItem(decoded, 0x20);
	if (header == null || header[0] + 8 > length || node[header[0]] !== 0xb5) return undefined; // BTHHEADER bType
	const sizeOfItemKey = node[header[0] + 1]!;
	const sizeOfItemValue = node[header[0] + 2]!;
	const numberOfIndexLevels = node[header[0] + 3]!;
	const hidRoot = node.readUInt32LE(header[0] + 4);
	if (sizeOfItemKey + sizeOfItemValue !== 8) return undefined;
	const keyTable = heapItem(decoded, hidRoot);
	if (keyTable == null) return undefined;
	const numberOfKeys = Math.trunc((keyTable[1] - keyTable[0]) / 8);
	const items = new Map<number, object>();
	for (let x = 0, at = keyTable[0]; x < numberOfKeys; x++, at += 8) {
		const entryType = node.readUInt16LE(at);
		const entryValueType = node.readUInt16LE(at + 2);
		let entryValueReference = node.readUInt32LE(at + 4);
		let itemData: Buffer = EMPTY;
		let isExternalValueReference = true;
		switch (entryValueType) {
			case 0x0002:
				entryValueReference &= 0xffff;
				break;
			case 0x0003:
			case 0x000a:
			case 0x0001:
			case 0x0004:
				break;
			case 0x000b:
				entryValueReference &= 0xff;
				break;
			default: {
				const value = heapItem(decoded, entryValueReference);
				if (value === undefined) return undefined;
				if (value !== null) {
					itemData = node.subarray(value[0], value[1]);
					isExternalValueReference = false;
				}
			}
		}
		items.set(entryType, tableItem(x, entryType, isExternalValueReference, entryValueReference, entryValueType, itemData));
	}
	const table = Object.create(prototype) as Record<string, unknown>;
	Object.assign(table, {
		numberOfKeys, numberOfIndexLevels, subNodeDescriptorItems: new Map(), pstNodeInputStream: stream, arrayBlocks,
		tableTypeByte: 0xbc, tableType: 'bc', hidUserRoot, sizeOfItemKey, sizeOfItemValue, hidRoot, items, isDescNotYetInitiated: false,
	});
	return table;
}

const EMPTY = Buffer.alloc(0);
let itemDeps: {prototype: object; Long: LongFromBits; entryTypes: unknown[]} | undefined;

/** A PSTTableItem with the library's fields, without its constructor's per-item empty Buffer. */
function tableItem(index: number, entryType: number, isExternal: boolean, reference: number, valueType: number, data: Buffer): object {
	if (itemDeps === undefined) {
		const require = createRequire(import.meta.url);
		itemDeps = {
			prototype: (require('pst-extractor/dist/PSTTableItem.class.js') as {PSTTableItem: {prototype: object}}).PSTTableItem.prototype,
			Long: require('long') as LongFromBits,
			entryTypes: [],
		};
	}
	// Long values are immutable: one per property id is shared by every item.
	const type = (itemDeps.entryTypes[entryType] ??= itemDeps.Long.fromBits(entryType, 0, false));
	const item = Object.create(itemDeps.prototype) as Record<string, unknown>;
	item['_itemIndex'] = index;
	item['_entryType'] = type;
	item['_isExternalValueReference'] = isExternal;
	item['_entryValueReference'] = reference;
	item['_entryValueType'] = valueType;
	item['_data'] = data;
	return item;
}

type DescriptorInternals = {
	dataBlockData: Buffer | null;
	offsetIndexIdentifier: number;
	_pstFile: {readLeaf(bid: unknown): InMemoryStream & {readCompletely(target: Buffer): void}};
};

/** Fix 11 (see the module comment). */
function directData(decode: (data: Buffer) => Buffer, Long: {fromValue(n: number): unknown}): (this: DescriptorInternals) => Buffer {
	return function getData(this: DescriptorInternals): Buffer {
		if (this.dataBlockData != null) return this.dataBlockData;
		const stream = this._pstFile.readLeaf(Long.fromValue(this.offsetIndexIdentifier));
		const data = stream.allData;
		const length = stream.length.toNumber();
		let out: Buffer;
		if (data === null || length === 0 || data.length < length) {
			// The library's path: a copy through the stream (which decodes and reads nodes not in memory).
			out = Buffer.alloc(length);
			stream.readCompletely(out);
		} else {
			out = data.length === length ? data : data.subarray(0, length);
			if (stream.encrypted) decode(out);
			stream.allData = null; // decoded now: the stream must not hand these bytes out again as encrypted ones
		}
		this.dataBlockData = out;
		return out;
	};
}
