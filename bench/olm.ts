/**
 * Outlook for Mac (.olm) read benchmark (not a test): builds archives of growing size (each message an XML
 * entry, deflated, every fourth with a 256 KiB stored attachment), then reads each whole through the reader
 * (bench/read-store.ts, in its own process) and prints messages/s, MB/s and peak RSS. Peak RSS must stay flat
 * as the archive grows (the ZIP is read entry by entry, one message at a time).
 *
 *   node --import tsx bench/olm.ts [messages …]      (default: 1000 10000)
 *
 * Archives are written to a temporary directory (streamed to disk, never held whole) and removed afterwards.
 */
import {spawnSync} from 'node:child_process';
import {mkdtemp, open, rm} from 'node:fs/promises';
import type {FileHandle} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {crc32, deflateRawSync} from 'node:zlib';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const ATTACHMENT = Buffer.from(Array.from({length: 256 * 1024}, (_, i) => (i * 31) % 251));
const BODY = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit. '.repeat(40);

/** Writes a ZIP entry by entry (APPNOTE 6.3.10), keeping only the central directory records in memory. */
async function writeOlm(path: string, messages: number): Promise<number> {
	const file: FileHandle = await open(path, 'w');
	const central: Buffer[] = [];
	let offset = 0;
	const add = async (name: string, data: Buffer, deflate: boolean): Promise<void> => {
		const stored = deflate ? deflateRawSync(data) : data;
		const nameBytes = Buffer.from(name, 'utf8');
		const header = Buffer.alloc(30);
		header.writeUInt32LE(0x04034b50, 0);
		header.writeUInt16LE(20, 4);
		header.writeUInt16LE(0x800, 6);
		header.writeUInt16LE(deflate ? 8 : 0, 8);
		header.writeUInt32LE(crc32(data) >>> 0, 14);
		header.writeUInt32LE(stored.length, 18);
		header.writeUInt32LE(data.length, 22);
		header.writeUInt16LE(nameBytes.length, 26);
		await file.write(Buffer.concat([header, nameBytes, stored]));
		const record = Buffer.alloc(46);
		record.writeUInt32LE(0x02014b50, 0);
		record.writeUInt16LE(20, 4);
		record.writeUInt16LE(20, 6);
		header.copy(record, 8, 6, 26);
		record.writeUInt16LE(nameBytes.length, 28);
		record.writeUInt32LE(offset, 42);
		central.push(record, nameBytes);
		offset += 30 + nameBytes.length + stored.length;
	};
	for (let i = 0; i < messages; i++) {
		const folder = `Accounts/bench@example.org/com.microsoft.__Messages/Folder ${i % 10}`;
		const attachment = i % 4 === 0 ? `${folder}/com.microsoft.__Attachments/m${i}_0000` : undefined;
		if (attachment !== undefined) await add(attachment, ATTACHMENT, false);
		const xml = `<emails><email><OPFMessageCopySubject>Message ${i}</OPFMessageCopySubject><OPFMessageCopyMessageID>m${i}@bench</OPFMessageCopyMessageID>` +
			`<OPFMessageCopyFromAddresses><emailAddress OPFContactEmailAddressAddress="a@example.org"/></OPFMessageCopyFromAddresses>` +
			`<OPFMessageCopyReceivedTime>2015-01-01T00:00:00</OPFMessageCopyReceivedTime><OPFMessageCopyBody>${BODY}</OPFMessageCopyBody>` +
			(attachment === undefined ? '' : `<OPFMessageCopyAttachmentList><messageAttachment OPFAttachmentName="a.bin" OPFAttachmentURL="${attachment}"/></OPFMessageCopyAttachmentList>`) +
			'</email></emails>';
		await add(`${folder}/message_${String(i).padStart(5, '0')}.xml`, Buffer.from(xml), true);
	}
	const directory = Buffer.concat(central);
	const end = Buffer.alloc(22);
	end.writeUInt32LE(0x06054b50, 0);
	end.writeUInt16LE(central.length / 2, 8);
	end.writeUInt16LE(central.length / 2, 10);
	end.writeUInt32LE(directory.length, 12);
	end.writeUInt32LE(offset, 16);
	await file.write(Buffer.concat([directory, end]));
	await file.close();
	return offset + directory.length + 22;
}

const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0 && n < 0xffff / 2);
const work = await mkdtemp(join(tmpdir(), 'mailshift-bench-olm-'));
try {
	for (const messages of sizes.length > 0 ? sizes : [1000, 10000]) {
		const path = join(work, `bench-${messages}.olm`);
		const fileBytes = await writeOlm(path, messages);
		const child = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/read-store.ts'), path], {cwd: ROOT, encoding: 'utf8'});
		if (child.status !== 0) throw new Error(`reader failed: ${child.stderr}`);
		const result = JSON.parse(child.stdout) as {messages: number; bytes: number; ms: number; maxRssMiB: number};
		process.stdout.write(`${messages} messages, archive ${(fileBytes / 2 ** 20).toFixed(0)} MiB: read ${result.messages} in ${(result.ms / 1000).toFixed(1)} s ` +
			`(${Math.round(result.messages / (result.ms / 1000))} msg/s, ${(result.bytes / 2 ** 20 / (result.ms / 1000)).toFixed(0)} MiB/s composed), peak RSS ${result.maxRssMiB.toFixed(0)} MiB\n`);
	}
} finally {
	await rm(work, {recursive: true, force: true});
}
