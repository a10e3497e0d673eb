/**
 * ZipReader: a small, read-only ZIP reader that never unpacks an archive to disk or memory. It reads the
 * central directory once (APPNOTE.TXT 6.3.10 §4.3.16 end of central directory, §4.3.14–15 ZIP64 record and
 * locator, §4.3.12 central file headers) and then reads one entry at a time on demand: stored (method 0) or
 * deflated (method 8, inflated with node:zlib `createInflateRaw`), its CRC-32 checked.
 *
 * Bounds: the end record is searched only in the last 64 KiB + 22 bytes (the comment's maximum length); the
 * central directory is refused above `maxDirectoryBytes`; an entry is refused before any allocation when its
 * declared size exceeds the caller's `maxBytes`, and inflation stops as soon as the output passes the
 * declared size (a lying size claim or a zip bomb costs at most `maxBytes`). Memory held between reads is the
 * entry list (one small record per entry, as every ZIP reader keeps).
 *
 * Cut archives: when the end record or the central directory is missing or damaged (a copy or download cut
 * short loses the directory first: it is at the end), the entries are found by walking their local headers
 * from the start (§4.3.7; sizes from the header, its ZIP64 extra field §4.5.3, or — for entries written with a
 * data descriptor, §4.3.9 — the descriptor whose compressed size matches the distance walked). Every entry
 * whose header and data are whole is read; the walk stops at the first one that is not, and `damage()` says
 * where and how much was read, so the caller can fail the run as incomplete (issue #16).
 *
 * Errors: a file that is not a ZIP (no local header at its start either) → `SOURCE_UNREADABLE` (fatal, names
 * the file); a damaged entry → `MESSAGE_UNPARSEABLE` (skip: the caller reports it and goes on with the others).
 * Not concurrency-safe per instance beyond independent `read` calls (each opens its own byte range).
 */
import {open} from 'node:fs/promises';
import type {FileHandle} from 'node:fs/promises';
import {createInflateRaw, crc32} from 'node:zlib';
import {MailshiftError} from '../../contracts/errors.js';

export type ZipEntry = Readonly<{
	/** Entry name as stored (UTF-8 when general-purpose bit 11 is set, else CP437 read as latin1). */
	name: string;
	/** 0 stored, 8 deflated; anything else is refused when read. */
	method: number;
	compressedSize: number;
	size: number;
	crc32: number;
	/** Offset of the entry's local file header (APPNOTE §4.3.7). */
	localHeaderOffset: number;
	isDirectory: boolean;
	/** General-purpose bit 0 (APPNOTE §4.4.4): the entry is encrypted, which this reader does not decrypt. */
	isEncrypted: boolean;
}>;

/** How a ZIP without a usable directory was read (see module comment). */
export type ZipDamage = Readonly<{
	/** Why the directory could not be used. */
	reason: string;
	/** File entries (not directories) found whole by the walk. */
	entriesRead: number;
	/** The file's size, and where the walk stopped (the first byte not part of a whole entry). */
	fileSize: number;
	stoppedAt: number;
	/** The entry the walk stopped in, when its header was still there. */
	cutEntry?: string;
	/** True when the walk reached the central directory: every entry is whole, only the directory's end is damaged. */
	isComplete: boolean;
}>;

export type ZipReaderOptions = Readonly<{
	/** Largest central directory accepted. @default 256 MiB */
	maxDirectoryBytes?: number;
}>;

const EOCD_SIGNATURE = 0x06054b50;
const ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
const ZIP64_EOCD_SIGNATURE = 0x06064b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const DESCRIPTOR_SIGNATURE = 0x08074b50;
const EOCD_MIN = 22;
const MAX_COMMENT = 0xffff;
const DEFAULT_MAX_DIRECTORY = 256 * 1024 * 1024;

export class ZipReader {
	readonly #path: string;
	readonly #handle: FileHandle;
	readonly #fileSize: number;
	readonly #entries: readonly ZipEntry[];
	readonly #damage: ZipDamage | undefined;
	#closed = false;

	private constructor(path: string, handle: FileHandle, fileSize: number, entries: readonly ZipEntry[], damage?: ZipDamage) {
		this.#path = path;
		this.#handle = handle;
		this.#fileSize = fileSize;
		this.#entries = entries;
		this.#damage = damage;
	}

	/**
	 * Opens `path` and reads its central directory, or — when that is missing or damaged — walks its local
	 * headers (see module comment; `damage()` then tells). Throws SOURCE_UNREADABLE when it is not a ZIP at all.
	 */
	static async open(path: string, options: ZipReaderOptions = {}): Promise<ZipReader> {
		const handle = await open(path, 'r');
		try {
			const {size} = await handle.stat();
			let entries: ZipEntry[];
			try {
				entries = await readDirectory(path, handle, size, options.maxDirectoryBytes ?? DEFAULT_MAX_DIRECTORY);
			} catch (error) {
				if (!(error instanceof MailshiftError) || error.code !== 'SOURCE_UNREADABLE') throw error;
				const walked = await walkLocalHeaders(handle, size);
				if (walked === undefined) throw error;
				return new ZipReader(path, handle, size, walked.entries, {...walked.damage, reason: error.message.replace(/^.*?: /, '')});
			}
			return new ZipReader(path, handle, size, entries);
		} catch (error) {
			await handle.close();
			throw error;
		}
	}

	/** How the archive was read without its directory (a cut or damaged file), or undefined when it was whole. */
	damage(): ZipDamage | undefined {
		return this.#damage;
	}

	/** Every entry, in central-directory order. */
	entries(): readonly ZipEntry[] {
		return this.#entries;
	}

	/**
	 * The entry's bytes, CRC-checked. Throws MESSAGE_UNPARSEABLE (skip) when the entry is damaged, uses an
	 * unsupported method, or declares more than `maxBytes`.
	 */
	async read(entry: ZipEntry, maxBytes: number, signal?: AbortSignal): Promise<Buffer> {
		if (this.#closed) throw new MailshiftError('BUG', `ZipReader for ${this.#path} used after close.`, 'fatal');
		const bad = (reason: string, cause?: unknown): MailshiftError => new MailshiftError('MESSAGE_UNPARSEABLE', `${this.#path}: entry "${entry.name}" ${reason}.`, 'skip', {
			...(cause === undefined ? {} : {cause}),
			hint: 'The archive is damaged here; export it again from the program that made it. The other entries are read.',
		});
		if (entry.size > maxBytes) throw bad(`declares ${entry.size} bytes, more than the ${maxBytes} accepted`);
		if (entry.isEncrypted) throw bad('is encrypted (password-protected archives are not supported)');
		if (entry.method !== 0 && entry.method !== 8) throw bad(`uses compression method ${entry.method} (only stored and deflated are supported)`);
		const header = Buffer.alloc(30);
		const {bytesRead} = await this.#handle.read(header, 0, 30, entry.localHeaderOffset);
		if (bytesRead < 30 || header.readUInt32LE(0) !== LOCAL_SIGNATURE) throw bad('has no local header where the directory says (the file is cut or damaged)');
		const dataStart = entry.localHeaderOffset + 30 + header.readUInt16LE(26) + header.readUInt16LE(28);
		if (dataStart + entry.compressedSize > this.#fileSize) throw bad('runs past the end of the file (the file is cut)');
		const limit = Math.min(entry.size, maxBytes);
		let data: Buffer;
		if (entry.method === 0) {
			if (entry.compressedSize !== entry.size) throw bad('is stored but its two sizes differ');
			data = Buffer.alloc(entry.size);
			const got = entry.size === 0 ? 0 : (await this.#handle.read(data, 0, entry.size, dataStart)).bytesRead;
			if (got !== entry.size) throw bad('is shorter than its declared size');
		} else {
			data = await this.#inflate(dataStart, entry.compressedSize, limit, signal).catch((error: unknown) => {
				throw error instanceof MailshiftError ? error : bad('cannot be inflated', error);
			});
			if (data.length !== entry.size) throw bad(`inflates to ${data.length} bytes, not the ${entry.size} declared`);
		}
		if ((crc32(data) >>> 0) !== entry.crc32) throw bad('fails its CRC-32 check');
		return data;
	}

	async close(): Promise<void> {
		if (this.#closed) return;
		this.#closed = true;
		await this.#handle.close();
	}

	/** Inflates `length` bytes at `start`, stopping with an error once the output exceeds `limit`. */
	async #inflate(start: number, length: number, limit: number, signal?: AbortSignal): Promise<Buffer> {
		const inflate = createInflateRaw();
		const chunks: Buffer[] = [];
		let total = 0;
		const done = new Promise<void>((resolvePromise, reject) => {
			inflate.on('data', (chunk: Buffer) => {
				total += chunk.length;
				if (total > limit) {
					inflate.destroy(new MailshiftError('MESSAGE_UNPARSEABLE', `${this.#path}: an entry inflates to more than its declared ${limit} bytes.`, 'skip', {
						hint: 'The archive is damaged here; export it again. The other entries are read.',
					}));
					return;
				}
				chunks.push(chunk);
			});
			inflate.on('end', resolvePromise);
			inflate.on('error', reject);
		});
		const block = Buffer.alloc(Math.min(64 * 1024, Math.max(length, 1)));
		let offset = 0;
		try {
			while (offset < length && !inflate.destroyed) {
				signal?.throwIfAborted();
				const {bytesRead} = await this.#handle.read(block, 0, Math.min(block.length, length - offset), start + offset);
				if (bytesRead === 0) break;
				offset += bytesRead;
				if (!inflate.write(Buffer.from(block.subarray(0, bytesRead)))) await new Promise((r) => inflate.once('drain', r));
			}
			if (!inflate.destroyed) inflate.end();
		} catch (error) {
			inflate.destroy();
			throw error;
		}
		await done;
		return Buffer.concat(chunks, total);
	}
}

/**
 * The entries found by walking local headers from byte 0 (module comment), or undefined when the file does not
 * start with one (not a ZIP). Reads headers and, for data-descriptor entries, searches forward for the
 * descriptor in 64 KiB blocks: bounded by the file size, holds one block at a time.
 */
async function walkLocalHeaders(handle: FileHandle, fileSize: number): Promise<{entries: ZipEntry[]; damage: Omit<ZipDamage, 'reason'>} | undefined> {
	const entries: ZipEntry[] = [];
	const header = Buffer.alloc(30);
	let at = 0;
	let cutEntry: string | undefined;
	let isComplete = false;
	for (;;) {
		const got = at + 4 > fileSize ? 0 : (await handle.read(header, 0, 30, at)).bytesRead;
		if (got < 4) break;
		if (header.readUInt32LE(0) === CENTRAL_SIGNATURE && entries.length > 0) {
			isComplete = true;
			break;
		}
		if (header.readUInt32LE(0) !== LOCAL_SIGNATURE || got < 30) break;
		const flags = header.readUInt16LE(6);
		const nameLength = header.readUInt16LE(26);
		const extraLength = header.readUInt16LE(28);
		const dataStart = at + 30 + nameLength + extraLength;
		if (dataStart > fileSize) break;
		const variable = Buffer.alloc(nameLength + extraLength);
		await handle.read(variable, 0, variable.length, at + 30);
		const name = variable.toString(flags & 0x800 ? 'utf8' : 'latin1', 0, nameLength);
		let crc = header.readUInt32LE(14);
		let compressedSize = header.readUInt32LE(18);
		let size = header.readUInt32LE(22);
		if (size === 0xffffffff || compressedSize === 0xffffffff) {
			// §4.5.3: a local header's ZIP64 extra holds both sizes, original first.
			const wide = zip64Extra(variable.subarray(nameLength));
			if (wide?.[0] === undefined || wide[1] === undefined) {
				cutEntry = name;
				break;
			}
			[size, compressedSize] = [wide[0], wide[1]];
		}
		let next = dataStart + compressedSize;
		if ((flags & 0x08) !== 0) {
			const descriptor = await findDescriptor(handle, fileSize, dataStart);
			if (descriptor === undefined) {
				cutEntry = name;
				break;
			}
			({crc, compressedSize, size} = descriptor);
			next = descriptor.end;
		}
		if (dataStart + compressedSize > fileSize) {
			cutEntry = name;
			break;
		}
		entries.push({name, method: header.readUInt16LE(8), compressedSize, size, crc32: crc, localHeaderOffset: at, isDirectory: name.endsWith('/'), isEncrypted: (flags & 1) === 1});
		at = next;
	}
	if (entries.length === 0 && cutEntry === undefined) return undefined;
	return {entries, damage: {entriesRead: entries.filter((e) => !e.isDirectory).length, fileSize, stoppedAt: at, isComplete, ...(cutEntry === undefined ? {} : {cutEntry})}};
}

/**
 * The data descriptor (§4.3.9: signature, CRC-32, compressed and original size; 8-byte sizes in ZIP64) of the
 * entry whose data starts at `dataStart`: the first signature whose compressed size equals its distance from
 * there. Undefined when the file ends first.
 */
async function findDescriptor(handle: FileHandle, fileSize: number, dataStart: number): Promise<{crc: number; compressedSize: number; size: number; end: number} | undefined> {
	const block = Buffer.alloc(64 * 1024 + 24);
	for (let base = dataStart; base < fileSize; base += 64 * 1024) {
		const {bytesRead} = await handle.read(block, 0, block.length, base);
		for (let i = 0; i + 16 <= bytesRead && i < 64 * 1024; i++) {
			if (block.readUInt32LE(i) !== DESCRIPTOR_SIGNATURE) continue;
			const distance = base + i - dataStart;
			if (block.readUInt32LE(i + 8) === distance) return {crc: block.readUInt32LE(i + 4), compressedSize: distance, size: block.readUInt32LE(i + 12), end: base + i + 16};
			if (i + 24 <= bytesRead && Number(block.readBigUInt64LE(i + 8)) === distance) {
				return {crc: block.readUInt32LE(i + 4), compressedSize: distance, size: safeNumber(block.readBigUInt64LE(i + 16)) ?? -1, end: base + i + 24};
			}
		}
	}
	return undefined;
}

async function readDirectory(path: string, handle: FileHandle, fileSize: number, maxDirectoryBytes: number): Promise<ZipEntry[]> {
	const corrupt = (reason: string): MailshiftError => new MailshiftError('SOURCE_UNREADABLE', `${path} is not a readable ZIP archive: ${reason}.`, 'fatal', {
		hint: 'The file is cut short or damaged (or is not an archive). Copy or export it again and retry.',
	});
	const tailLength = Math.min(fileSize, EOCD_MIN + MAX_COMMENT);
	if (tailLength < EOCD_MIN) throw corrupt('it is too short to hold a ZIP directory');
	const tail = Buffer.alloc(tailLength);
	await handle.read(tail, 0, tailLength, fileSize - tailLength);
	let eocd = -1;
	for (let i = tailLength - EOCD_MIN; i >= 0; i--) {
		if (tail.readUInt32LE(i) === EOCD_SIGNATURE && i + EOCD_MIN + tail.readUInt16LE(i + 20) <= tailLength) {
			eocd = i;
			break;
		}
	}
	if (eocd < 0) throw corrupt('no end-of-directory record was found (the end of the file is missing)');
	let count = tail.readUInt16LE(eocd + 10);
	let directorySize = tail.readUInt32LE(eocd + 12);
	let directoryOffset = tail.readUInt32LE(eocd + 16);
	// ZIP64 (APPNOTE §4.4.1.4): a field at its maximum means "see the ZIP64 end record", found by the locator
	// that sits just before the end record.
	if (count === 0xffff || directorySize === 0xffffffff || directoryOffset === 0xffffffff) {
		const locatorAt = fileSize - tailLength + eocd - 20;
		const locator = Buffer.alloc(20);
		if (locatorAt < 0 || (await handle.read(locator, 0, 20, locatorAt)).bytesRead !== 20 || locator.readUInt32LE(0) !== ZIP64_LOCATOR_SIGNATURE) {
			throw corrupt('a ZIP64 archive without its ZIP64 locator');
		}
		const recordAt = safeNumber(locator.readBigUInt64LE(8));
		const record = Buffer.alloc(56);
		if (recordAt === undefined || (await handle.read(record, 0, 56, recordAt)).bytesRead !== 56 || record.readUInt32LE(0) !== ZIP64_EOCD_SIGNATURE) {
			throw corrupt('the ZIP64 end record is missing');
		}
		count = safeNumber(record.readBigUInt64LE(32)) ?? -1;
		directorySize = safeNumber(record.readBigUInt64LE(40)) ?? -1;
		directoryOffset = safeNumber(record.readBigUInt64LE(48)) ?? -1;
		if (count < 0 || directorySize < 0 || directoryOffset < 0) throw corrupt('the ZIP64 end record holds impossible sizes');
	}
	if (directorySize > maxDirectoryBytes) throw corrupt(`its directory claims ${directorySize} bytes, more than the ${maxDirectoryBytes} accepted`);
	if (directoryOffset + directorySize > fileSize) throw corrupt('its directory lies past the end of the file (the file is cut)');
	if (count * 46 > directorySize) throw corrupt(`its directory claims ${count} entries, more than fit in ${directorySize} bytes`);
	const directory = Buffer.alloc(directorySize);
	if ((await handle.read(directory, 0, directorySize, directoryOffset)).bytesRead !== directorySize) throw corrupt('its directory cannot be read whole');
	const entries: ZipEntry[] = [];
	let at = 0;
	for (let n = 0; n < count; n++) {
		if (at + 46 > directory.length || directory.readUInt32LE(at) !== CENTRAL_SIGNATURE) throw corrupt(`directory entry ${n + 1} of ${count} is damaged`);
		const flags = directory.readUInt16LE(at + 8);
		const nameLength = directory.readUInt16LE(at + 28);
		const extraLength = directory.readUInt16LE(at + 30);
		const commentLength = directory.readUInt16LE(at + 32);
		const end = at + 46 + nameLength + extraLength + commentLength;
		if (end > directory.length) throw corrupt(`directory entry ${n + 1} of ${count} runs past the directory`);
		const name = directory.toString(flags & 0x800 ? 'utf8' : 'latin1', at + 46, at + 46 + nameLength);
		let compressedSize = directory.readUInt32LE(at + 20);
		let size = directory.readUInt32LE(at + 24);
		let localHeaderOffset = directory.readUInt32LE(at + 42);
		if (size === 0xffffffff || compressedSize === 0xffffffff || localHeaderOffset === 0xffffffff) {
			// ZIP64 extended information extra field (APPNOTE §4.5.3): only the fields at their maximum, in order.
			const wide = zip64Extra(directory.subarray(at + 46 + nameLength, at + 46 + nameLength + extraLength));
			if (wide === undefined) throw corrupt(`directory entry "${name}" lacks its ZIP64 sizes`);
			let i = 0;
			const next = (): number => {
				const value = wide[i++];
				if (value === undefined) throw corrupt(`directory entry "${name}" lacks its ZIP64 sizes`);
				return value;
			};
			if (size === 0xffffffff) size = next();
			if (compressedSize === 0xffffffff) compressedSize = next();
			if (localHeaderOffset === 0xffffffff) localHeaderOffset = next();
		}
		entries.push({
			name, method: directory.readUInt16LE(at + 10), compressedSize, size, crc32: directory.readUInt32LE(at + 16), localHeaderOffset,
			isDirectory: name.endsWith('/'), isEncrypted: (flags & 1) === 1,
		});
		at = end;
	}
	return entries;
}

/** The 8-byte values of a ZIP64 extra field (header id 0x0001), or undefined when there is none. */
function zip64Extra(extra: Buffer): number[] | undefined {
	let at = 0;
	while (at + 4 <= extra.length) {
		const id = extra.readUInt16LE(at);
		const length = extra.readUInt16LE(at + 2);
		if (id === 0x0001) {
			const values: number[] = [];
			for (let i = at + 4; i + 8 <= Math.min(extra.length, at + 4 + length); i += 8) {
				const value = safeNumber(extra.readBigUInt64LE(i));
				if (value === undefined) return undefined;
				values.push(value);
			}
			return values;
		}
		at += 4 + length;
	}
	return undefined;
}

function safeNumber(value: bigint): number | undefined {
	return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : undefined;
}
