/**
 * buildZip: writes a ZIP archive (APPNOTE.TXT 6.3.10) from entries, for reader tests: stored or deflated
 * entries, directory entries, UTF-8 names, and optionally ZIP64 records everywhere (`zip64: true` writes
 * 0xFFFFFFFF in the 32-bit fields and the real values in ZIP64 extra fields and end records, as tools do for
 * archives above 4 GiB), so the ZIP64 path is tested without a 4 GiB file.
 */
import {crc32, deflateRawSync} from 'node:zlib';

export type ZipInput = Readonly<{name: string; data?: Buffer | string; method?: 0 | 8}>;

/**
 * `dataDescriptor: true` writes every entry as a streaming writer does (general-purpose bit 3, APPNOTE 4.3.9):
 * zero CRC and sizes in the local header, the real ones in a signed descriptor after the data.
 */
export function buildZip(inputs: readonly ZipInput[], options: Readonly<{zip64?: boolean; dataDescriptor?: boolean}> = {}): Buffer {
	const zip64 = options.zip64 === true;
	const streamed = options.dataDescriptor === true;
	const locals: Buffer[] = [];
	const centrals: Buffer[] = [];
	let offset = 0;
	for (const input of inputs) {
		const name = Buffer.from(input.name, 'utf8');
		const data = typeof input.data === 'string' ? Buffer.from(input.data, 'utf8') : input.data ?? Buffer.alloc(0);
		const method = input.method ?? 8;
		const stored = method === 8 ? deflateRawSync(data) : data;
		const crc = crc32(data) >>> 0;
		const local = Buffer.alloc(30);
		local.writeUInt32LE(0x04034b50, 0);
		local.writeUInt16LE(zip64 ? 45 : 20, 4);
		local.writeUInt16LE(streamed ? 0x808 : 0x800, 6);
		local.writeUInt16LE(method, 8);
		local.writeUInt32LE(streamed ? 0 : crc, 14);
		local.writeUInt32LE(streamed ? 0 : stored.length, 18);
		local.writeUInt32LE(streamed ? 0 : data.length, 22);
		local.writeUInt16LE(name.length, 26);
		locals.push(local, name, stored);
		const descriptor = Buffer.alloc(streamed ? 16 : 0);
		if (streamed) {
			descriptor.writeUInt32LE(0x08074b50, 0);
			descriptor.writeUInt32LE(crc, 4);
			descriptor.writeUInt32LE(stored.length, 8);
			descriptor.writeUInt32LE(data.length, 12);
			locals.push(descriptor);
		}
		const extra = zip64 ? Buffer.alloc(28) : Buffer.alloc(0);
		if (zip64) {
			extra.writeUInt16LE(0x0001, 0);
			extra.writeUInt16LE(24, 2);
			extra.writeBigUInt64LE(BigInt(data.length), 4);
			extra.writeBigUInt64LE(BigInt(stored.length), 12);
			extra.writeBigUInt64LE(BigInt(offset), 20);
		}
		const central = Buffer.alloc(46);
		central.writeUInt32LE(0x02014b50, 0);
		central.writeUInt16LE(zip64 ? 45 : 20, 4);
		central.writeUInt16LE(zip64 ? 45 : 20, 6);
		central.writeUInt16LE(streamed ? 0x808 : 0x800, 8);
		central.writeUInt16LE(method, 10);
		central.writeUInt32LE(crc, 16);
		central.writeUInt32LE(zip64 ? 0xffffffff : stored.length, 20);
		central.writeUInt32LE(zip64 ? 0xffffffff : data.length, 24);
		central.writeUInt16LE(name.length, 28);
		central.writeUInt16LE(extra.length, 30);
		central.writeUInt32LE(zip64 ? 0xffffffff : offset, 42);
		centrals.push(central, name, extra);
		offset += 30 + name.length + stored.length + descriptor.length;
	}
	const directory = Buffer.concat(centrals);
	const tail: Buffer[] = [];
	if (zip64) {
		const record = Buffer.alloc(56);
		record.writeUInt32LE(0x06064b50, 0);
		record.writeBigUInt64LE(44n, 4);
		record.writeUInt16LE(45, 12);
		record.writeUInt16LE(45, 14);
		record.writeBigUInt64LE(BigInt(inputs.length), 24);
		record.writeBigUInt64LE(BigInt(inputs.length), 32);
		record.writeBigUInt64LE(BigInt(directory.length), 40);
		record.writeBigUInt64LE(BigInt(offset), 48);
		const locator = Buffer.alloc(20);
		locator.writeUInt32LE(0x07064b50, 0);
		locator.writeBigUInt64LE(BigInt(offset + directory.length), 8);
		locator.writeUInt32LE(1, 16);
		tail.push(record, locator);
	}
	const end = Buffer.alloc(22);
	end.writeUInt32LE(0x06054b50, 0);
	end.writeUInt16LE(zip64 ? 0xffff : inputs.length, 8);
	end.writeUInt16LE(zip64 ? 0xffff : inputs.length, 10);
	end.writeUInt32LE(zip64 ? 0xffffffff : directory.length, 12);
	end.writeUInt32LE(zip64 ? 0xffffffff : offset, 16);
	return Buffer.concat([...locals, directory, ...tail, end]);
}
