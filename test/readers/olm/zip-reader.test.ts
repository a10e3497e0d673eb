import assert from 'node:assert/strict';
import {mkdtemp, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, test} from 'node:test';

import {isMailshiftError} from '../../../src/contracts/errors.js';
import {ZipReader} from '../../../src/readers/olm/zip-reader.js';
import {buildZip} from '../../helpers/zip-builder.js';

let dir: string;
before(async () => {
	dir = await mkdtemp(join(tmpdir(), 'mailshift-zip-'));
});
after(async () => {
	await rm(dir, {recursive: true, force: true});
});

async function write(name: string, bytes: Buffer): Promise<string> {
	const path = join(dir, name);
	await writeFile(path, bytes);
	return path;
}

function isCode(code: string, pattern?: RegExp): (error: unknown) => boolean {
	return (error) => {
		assert.ok(isMailshiftError(error), `expected a MailshiftError, got ${String(error)}`);
		assert.equal(error.code, code);
		if (pattern) assert.match(error.message, pattern);
		return true;
	};
}

const BIG_TEXT = 'All work and no play makes Jack a dull boy.\n'.repeat(5000);

describe('ZipReader', () => {
	test('Given a ZIP with stored, deflated, empty and directory entries, every entry is listed and read back byte for byte', async () => {
		const path = await write('plain.zip', buildZip([
			{name: 'dir/'},
			{name: 'dir/stored.txt', data: 'stored bytes', method: 0},
			{name: 'dir/deflated.txt', data: BIG_TEXT},
			{name: 'dir/empty', data: ''},
			{name: 'dir/Grüße ✉.xml', data: '<a/>'},
		]));
		const zip = await ZipReader.open(path);
		try {
			const entries = zip.entries();
			assert.deepEqual(entries.map((e) => [e.name, e.isDirectory, e.method]), [
				['dir/', true, 8], ['dir/stored.txt', false, 0], ['dir/deflated.txt', false, 8], ['dir/empty', false, 8], ['dir/Grüße ✉.xml', false, 8],
			]);
			assert.equal((await zip.read(entries[1]!, 1024)).toString(), 'stored bytes');
			const deflated = entries[2]!;
			assert.ok(deflated.compressedSize < deflated.size / 10, 'the test entry is really compressed');
			assert.equal((await zip.read(deflated, 1024 * 1024)).toString(), BIG_TEXT);
			assert.equal((await zip.read(entries[3]!, 10)).length, 0);
			assert.equal((await zip.read(entries[4]!, 10)).toString(), '<a/>');
		} finally {
			await zip.close();
			await zip.close();
		}
	});

	test('Given a ZIP64 archive (sizes and offsets only in the ZIP64 records), its entries are found and read', async () => {
		const path = await write('zip64.zip', buildZip([{name: 'a.txt', data: 'first'}, {name: 'b.txt', data: BIG_TEXT, method: 0}], {zip64: true}));
		const zip = await ZipReader.open(path);
		try {
			const [a, b] = zip.entries();
			assert.equal(a?.name, 'a.txt');
			assert.equal(b?.size, Buffer.byteLength(BIG_TEXT));
			assert.equal((await zip.read(a!, 100)).toString(), 'first');
			assert.equal((await zip.read(b!, 1024 * 1024)).toString(), BIG_TEXT);
		} finally {
			await zip.close();
		}
	});

	test('Given a file that is not a ZIP, open refuses it with SOURCE_UNREADABLE naming the file', async () => {
		const path = await write('not.zip', Buffer.from('From someone Mon Jan  1 00:00:00 2001\nSubject: x\n\nbody\n'.repeat(20)));
		await assert.rejects(ZipReader.open(path), isCode('SOURCE_UNREADABLE', /not\.zip is not a readable ZIP archive: no end-of-directory record/));
	});

	test('Given a ZIP cut short (its end lost), open walks the local headers: the whole entry is read and damage() names the cut one', async () => {
		const whole = buildZip([{name: 'a.txt', data: BIG_TEXT}, {name: 'b.txt', data: BIG_TEXT}]);
		const length = Math.floor(whole.length * 0.6);
		const path = await write('cut.zip', whole.subarray(0, length));
		const zip = await ZipReader.open(path);
		try {
			assert.deepEqual(zip.entries().map((e) => e.name), ['a.txt']);
			assert.equal((await zip.read(zip.entries()[0]!, 1 << 24)).toString('utf8'), BIG_TEXT);
			const damage = zip.damage();
			assert.equal(damage?.isComplete, false);
			assert.equal(damage?.cutEntry, 'b.txt');
			assert.equal(damage?.fileSize, length);
			assert.equal(damage?.entriesRead, 1);
			assert.match(damage?.reason ?? '', /no end-of-directory record/);
		} finally {
			await zip.close();
		}
	});

	test('Given an end record claiming a huge directory, open does not allocate it but walks the entries, which are all whole', async () => {
		const bytes = buildZip([{name: 'a.txt', data: 'x'}]);
		bytes.writeUInt32LE(0xfffffff0, bytes.length - 22 + 12);
		const path = await write('huge-dir.zip', bytes);
		const zip = await ZipReader.open(path, {maxDirectoryBytes: 1024 * 1024});
		try {
			assert.deepEqual(zip.entries().map((e) => e.name), ['a.txt']);
			assert.equal(zip.damage()?.isComplete, true);
			assert.match(zip.damage()?.reason ?? '', /claims 4294967280 bytes/);
		} finally {
			await zip.close();
		}
	});

	test('Given an entry whose declared size is larger than the caller accepts, read refuses it before allocating (MESSAGE_UNPARSEABLE, skip)', async () => {
		const bytes = buildZip([{name: 'a.txt', data: 'small'}]);
		// Central directory: uncompressed size field of the first entry → 3 GiB.
		const central = bytes.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
		bytes.writeUInt32LE(3 * 1024 * 1024 * 1024, central + 24);
		const path = await write('lying-size.zip', bytes);
		const zip = await ZipReader.open(path);
		try {
			await assert.rejects(zip.read(zip.entries()[0]!, 64 * 1024 * 1024), (error: unknown) => {
				assert.ok(isMailshiftError(error));
				assert.equal(error.code, 'MESSAGE_UNPARSEABLE');
				assert.equal(error.disposition, 'skip');
				assert.match(error.message, /"a\.txt" declares 3221225472 bytes/);
				return true;
			});
		} finally {
			await zip.close();
		}
	});

	test('Given a deflated entry that inflates to more than its declared size (a zip bomb), read stops at the declared size', async () => {
		const bytes = buildZip([{name: 'bomb.txt', data: Buffer.alloc(4 * 1024 * 1024)}]);
		const central = bytes.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
		bytes.writeUInt32LE(1000, central + 24);
		const path = await write('bomb.zip', bytes);
		const zip = await ZipReader.open(path);
		try {
			await assert.rejects(zip.read(zip.entries()[0]!, 64 * 1024 * 1024), isCode('MESSAGE_UNPARSEABLE', /more than its declared 1000 bytes/));
		} finally {
			await zip.close();
		}
	});

	test('Given an entry with damaged bytes, read reports a CRC or inflate failure for that entry and the next entry still reads', async () => {
		const bytes = buildZip([{name: 'a.txt', data: 'aaaaaaaaaaaaaaaaaaaa', method: 0}, {name: 'b.txt', data: 'second'}]);
		const at = bytes.indexOf(Buffer.from('aaaaaaaaaa'));
		bytes.fill(0x62, at, at + 5);
		const path = await write('damaged.zip', bytes);
		const zip = await ZipReader.open(path);
		try {
			await assert.rejects(zip.read(zip.entries()[0]!, 100), isCode('MESSAGE_UNPARSEABLE', /"a\.txt" fails its CRC-32 check/));
			assert.equal((await zip.read(zip.entries()[1]!, 100)).toString(), 'second');
		} finally {
			await zip.close();
		}
	});

	test('Given a directory entry pointing past the end of the file, only that entry fails and the others read', async () => {
		const bytes = buildZip([{name: 'a.txt', data: 'first'}, {name: 'b.txt', data: 'second'}]);
		const central = bytes.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
		bytes.writeUInt32LE(0x7fffffff, central + 42);
		const path = await write('bad-offset.zip', bytes);
		const zip = await ZipReader.open(path);
		try {
			await assert.rejects(zip.read(zip.entries()[0]!, 100), isCode('MESSAGE_UNPARSEABLE', /"a\.txt" has no local header/));
			assert.equal((await zip.read(zip.entries()[1]!, 100)).toString(), 'second');
		} finally {
			await zip.close();
		}
	});

	test('Given an encrypted entry, read says so for that entry instead of failing its checksum', async () => {
		const bytes = buildZip([{name: 'secret.xml', data: 'x'}]);
		const central = bytes.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
		bytes.writeUInt16LE(bytes.readUInt16LE(central + 8) | 1, central + 8);
		const path = await write('encrypted.zip', bytes);
		const zip = await ZipReader.open(path);
		try {
			await assert.rejects(zip.read(zip.entries()[0]!, 100), isCode('MESSAGE_UNPARSEABLE', /"secret\.xml" is encrypted/));
		} finally {
			await zip.close();
		}
	});

	test('Given an entry whose local header was zeroed, read names the entry and says the file is damaged', async () => {
		const bytes = buildZip([{name: 'a.txt', data: 'first'}, {name: 'b.txt', data: 'second'}]);
		bytes.fill(0, 0, 30);
		const path = await write('zeroed.zip', bytes);
		const zip = await ZipReader.open(path);
		try {
			await assert.rejects(zip.read(zip.entries()[0]!, 100), isCode('MESSAGE_UNPARSEABLE', /"a\.txt" has no local header/));
			assert.equal((await zip.read(zip.entries()[1]!, 100)).toString(), 'second');
		} finally {
			await zip.close();
		}
	});
});
