/**
 * Outlook's "high" (cyclic) encryption, NDB_CRYPT_CYCLIC (MS-PST §5.2), read by mailshift as readpst does.
 * No public cyclic-encrypted store exists to test against, so the tests build one: they take a shipped
 * "compressible" store, walk its block B-tree (MS-PST §2.2.2.7: BTPAGE, BTENTRY, BBTENTRY), decode every data
 * block with the compressible permutation and encode it with the cyclic cipher keyed by the low 32 bits of its
 * BID, set bCryptMethod to 0x02, and write the file to a temp dir. The composed messages (bytes, flags, dates,
 * exports) of that file must equal those of the original. readpst (an independent implementation of §5.2), when
 * installed, must read the built file exactly as it reads the original: that checks the fixture (and so the key
 * convention) against a reader that is not ours.
 */
import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {createHash} from 'node:crypto';
import {mkdirSync, readdirSync, readFileSync, writeFileSync} from 'node:fs';
import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, test} from 'node:test';
import {CYCLIC_TABLES, cryptCyclic} from '../../src/readers/pst/cyclic-encryption.js';
import {PstStore} from '../../src/readers/pst/pst-store.js';
import {corpusFile, PST_TESTDATA} from '../helpers/pst-corpus.js';

/** The data blocks (not internal: BID bit 0x02 clear) of a PST's block B-tree: BID low 32 bits, offset, size. */
function dataBlocks(file: Buffer): Array<{key: number; offset: number; size: number}> {
	const version = file.readUInt16LE(10);
	const isAnsi = version === 14 || version === 15;
	assert.ok(isAnsi || version === 23, `a 512-byte-page PST (version ${version})`);
	const w = isAnsi ? 4 : 8;
	const read = (at: number): number => (isAnsi ? file.readUInt32LE(at) : Number(file.readBigUInt64LE(at)));
	const root = read(isAnsi ? 196 : 240); // ROOT.BREFBBT.ib
	const blocks: Array<{key: number; offset: number; size: number}> = [];
	const walk = (page: number, depth: number): void => {
		assert.ok(depth < 16, 'the block B-tree is not deeper than 16');
		const trailer = isAnsi ? 496 : 488;
		const count = file[page + trailer]!;
		const entrySize = file[page + trailer + 2]!;
		const level = file[page + trailer + 3]!;
		for (let i = 0; i < count; i++) {
			const at = page + i * entrySize;
			if (level > 0) {
				walk(read(at + 2 * w), depth + 1); // BTENTRY: btkey, BREF.bid, BREF.ib
			} else {
				const bid = read(at); // BBTENTRY: BREF.bid, BREF.ib, cb, cRef
				if ((bid & 0x02) === 0) blocks.push({key: bid % 2 ** 32, offset: read(at + w), size: file.readUInt16LE(at + 2 * w)});
			}
		}
	};
	walk(root, 0);
	return blocks;
}

/** `source` (compressible) re-encrypted with the cyclic cipher, bCryptMethod = 0x02. */
function cyclicCopy(source: Buffer): Buffer {
	const file = Buffer.from(source);
	const isAnsi = file.readUInt16LE(10) === 14 || file.readUInt16LE(10) === 15;
	const method = isAnsi ? 461 : 513;
	assert.equal(file[method], 0x01, 'the source uses "compressible" encryption');
	const {I} = CYCLIC_TABLES;
	const blocks = dataBlocks(file);
	assert.ok(blocks.length > 10, `${blocks.length} data blocks`);
	for (const block of blocks) {
		const data = file.subarray(block.offset, block.offset + block.size);
		for (let i = 0; i < data.length; i++) data[i] = I[data[i]!]!; // compressible → plain
		cryptCyclic(data, block.key); // plain → cyclic
	}
	file[method] = 0x02;
	return file;
}

async function digestOf(file: string): Promise<{digest: string; items: number; format: string}> {
	const hash = createHash('sha256');
	let items = 0;
	const store = await PstStore.open(file, {exportNonMail: true});
	try {
		for (const folder of await store.listFolders()) {
			hash.update(`${folder.path.join('/')}\n`);
			for await (const message of store.messages(folder)) {
				items++;
				hash.update(`${message.ref.key}\n${[...message.flags].join(' ')}\n${message.storeDate?.date.toISOString() ?? '-'}\n`);
				hash.update(message.raw);
				if (message.nonMailExport !== undefined) hash.update(message.nonMailExport.content);
			}
		}
		return {digest: hash.digest('hex'), items, format: store.format};
	} finally {
		await store.close();
	}
}

let work: string;
before(async () => {
	work = await mkdtemp(join(tmpdir(), 'ms-cyclic-'));
});
after(async () => {
	await rm(work, {recursive: true, force: true});
});

describe('"high" (cyclic) encryption', () => {
	test('the cipher\'s tables have the spec\'s properties and decrypting what was encrypted gives the original bytes', () => {
		const {R, S, I} = CYCLIC_TABLES;
		for (let b = 0; b < 256; b++) {
			assert.equal(I[R[b]!], b, 'R is the inverse of I');
			assert.equal(S[S[b]!], b, 'S is an involution');
		}
		const plain = Buffer.from(Array.from({length: 70_000}, (_, i) => (i * 31 + (i >> 8)) & 0xff));
		for (const key of [0, 4, 0x1234, 0xfffffffc, 0x80000004]) {
			const cipher = cryptCyclic(Buffer.from(plain), key);
			assert.ok(!Buffer.from(cipher).equals(plain), `key ${key} changes the bytes`);
			assert.ok(Buffer.from(cryptCyclic(cipher, key)).equals(plain), `key ${key}: decrypt ∘ encrypt = identity`);
		}
		// The keystream depends on the key: the same bytes under two keys differ.
		assert.ok(!Buffer.from(cryptCyclic(Buffer.from(plain), 8)).equals(Buffer.from(cryptCyclic(Buffer.from(plain), 12))));
	});

	test('enron.pst re-encrypted with cyclic encryption composes to the same messages, byte for byte, as the original', async () => {
		const original = join(PST_TESTDATA, 'enron.pst');
		const source = readFileSync(original);
		const cyclic = join(work, 'enron-cyclic.pst');
		const copy = cyclicCopy(source);
		assert.ok(!copy.equals(source));
		writeFileSync(cyclic, copy);

		const expected = await digestOf(original);
		const actual = await digestOf(cyclic);
		assert.equal(actual.items, 71);
		assert.match(actual.format, /encryption cyclic$/);
		assert.deepEqual({digest: actual.digest, items: actual.items}, {digest: expected.digest, items: expected.items});
	});

	test('readpst reads the cyclic copy exactly as the original (the fixture is what Outlook would write)', (t) => {
		if (spawnSync('readpst', ['-V']).error !== undefined) {
			console.log('# SKIP: readpst is not installed (apt-get install pst-utils)');
			t.skip('readpst is not installed');
			return;
		}
		const cyclic = join(work, 'enron-cyclic-readpst.pst');
		writeFileSync(cyclic, cyclicCopy(readFileSync(join(PST_TESTDATA, 'enron.pst'))));
		const export_ = (file: string, name: string): Map<string, string> => {
			const out = join(work, name);
			mkdirSync(out);
			const run = spawnSync('readpst', ['-q', '-j', '0', '-o', out, file], {encoding: 'utf8'});
			assert.equal(run.status, 0, run.stderr);
			const files = new Map<string, string>();
			const walk = (dir: string): void => {
				for (const entry of readdirSync(dir, {withFileTypes: true})) {
					const path = join(dir, entry.name);
					if (entry.isDirectory()) walk(path);
					// readpst's MIME boundaries carry a random number; everything else must be the same.
					else files.set(path.slice(out.length), createHash('sha256').update(readFileSync(path, 'latin1').replace(/iamunique-\d+_/g, 'iamunique-N_')).digest('hex'));
				}
			};
			walk(out);
			return files;
		};
		const plain = export_(join(PST_TESTDATA, 'enron.pst'), 'readpst-plain');
		assert.ok(plain.size > 0);
		assert.deepEqual(export_(cyclic, 'readpst-cyclic'), plain);
	});

	test('an ANSI (Outlook 97–2002) PST re-encrypted with cyclic encryption composes to the same messages', async (t) => {
		const original = corpusFile(t, 'pstsdk__test_ansi.pst');
		if (original === undefined) return;
		const cyclic = join(work, 'ansi-cyclic.pst');
		writeFileSync(cyclic, cyclicCopy(readFileSync(original)));
		const expected = await digestOf(original);
		const actual = await digestOf(cyclic);
		assert.ok(actual.items > 0);
		assert.deepEqual({digest: actual.digest, items: actual.items}, {digest: expected.digest, items: expected.items});
	});
});
