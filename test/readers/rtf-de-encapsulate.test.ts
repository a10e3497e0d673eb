/**
 * Our one-pass MS-OXRTFEX de-encapsulator against rtf-stream-parser's deEncapsulateSync, which it replaces and
 * must equal exactly (composed messages' fingerprints depend on the bytes): on every compressed-RTF body of the
 * shipped test stores and the corpus (when present), and on thousands of random RTF documents built from the
 * constructs the parser treats specially. Equal means the same mode and text, or both throwing.
 */
import assert from 'node:assert/strict';
import {readdirSync} from 'node:fs';
import {join} from 'node:path';
import {describe, it} from 'node:test';
import iconv from 'iconv-lite';
import {decompressRTF} from '@kenjiuno/decompressrtf';
import {PSTFile, type PSTFolder} from 'pst-extractor';
import {deEncapsulateSync} from 'rtf-stream-parser';
import {PropertyBag} from '../../src/readers/pst/property-bag.js';
import {createRequire} from 'node:module';
import {RTF_DESTINATIONS, RTF_KNOWN_WORDS} from '../../src/readers/pst/rtf-control-words.js';
import {deEncapsulateRtf} from '../../src/readers/pst/rtf-de-encapsulate.js';
import {decompressRtf} from '../../src/readers/pst/rtf-body.js';
import {PST_CORPUS, PST_TESTDATA} from '../helpers/pst-corpus.js';

const decode = (buffer: Buffer, encoding: string): string => {
	const name = encoding.toLowerCase() === 'cp20127' ? 'us-ascii' : encoding;
	return iconv.encodingExists(name) ? iconv.decode(buffer, name) : iconv.decode(buffer, 'windows-1252');
};

type Outcome = {mode: string; text: string} | {error: true};

function reference(rtf: Buffer): Outcome {
	const warn = console.warn;
	console.warn = (): void => {}; // its tokenizer warns "Bad hex digit" on the console itself
	try {
		const result = deEncapsulateSync(rtf, {decode, mode: 'either', warn: (): void => {}});
		return {mode: result.mode, text: String(result.text)};
	} catch {
		return {error: true};
	} finally {
		console.warn = warn;
	}
}

function ours(rtf: Buffer): Outcome {
	try {
		return deEncapsulateRtf(rtf, decode);
	} catch {
		return {error: true};
	}
}

/** As rtf-body.ts converts native RTF: `\fromtext` inserted after `{\rtf1`. */
function asText(rtf: Buffer): Buffer | undefined {
	const header = /^\{\\rtf1/.exec(rtf.toString('latin1', 0, 16));
	return header === null ? undefined : Buffer.concat([Buffer.from('{\\rtf1\\fromtext', 'latin1'), rtf.subarray(header[0].length)]);
}

function assertSame(rtf: Buffer, label: string): void {
	assert.deepEqual(ours(rtf), reference(rtf), `${label}: ${rtf.toString('latin1', 0, 300)}`);
}

function* compressedBodies(file: string): Generator<Buffer> {
	const pst = new PSTFile(file);
	try {
		const folders: PSTFolder[] = [pst.getRootFolder()];
		while (folders.length > 0) {
			const folder = folders.pop()!;
			if (folder.hasSubfolders) folders.push(...folder.getSubFolders());
			if (folder.contentCount <= 0) continue;
			for (let item = folder.getNextChild(); item !== null; item = folder.getNextChild()) {
				const compressed = new PropertyBag(item, 'windows-1252').bytes(0x1009);
				if (compressed !== undefined && compressed.length >= 16) yield compressed;
			}
		}
	} finally {
		pst.close();
	}
}

function* rtfBodies(file: string): Generator<Buffer> {
	for (const compressed of compressedBodies(file)) {
		try {
			yield decompressRtf(compressed);
		} catch {
			// Not decompressible: rtf-body.ts reports it before de-encapsulating.
		}
	}
}

function stores(directory: string): string[] {
	try {
		return readdirSync(directory).filter((name) => /\.(pst|ost)$/i.test(name)).map((name) => join(directory, name));
	} catch {
		return [];
	}
}

/** Every body of the stores that ship with pst-extractor, with its file. */
function* shipped(read: (file: string) => Iterable<Buffer>): Generator<[string, Buffer]> {
	for (const file of stores(PST_TESTDATA)) for (const body of read(file)) yield [file, body];
}

describe('the RTF decompressor', () => {
	it('decompresses every compressed RTF body of the shipped test stores exactly as @kenjiuno/decompressrtf', () => {
		const bodies = [...shipped(compressedBodies)];
		assert.ok(bodies.length >= 40, `only ${bodies.length} RTF bodies found in ${PST_TESTDATA}`);
		for (const [file, compressed] of bodies) assert.deepEqual(decompressRtf(compressed), Buffer.from(decompressRTF([...compressed])), file);
	});

	it('decompresses random LZFu streams (references into unwritten dictionary, overlaps, the end marker) as that package', () => {
		let seed = 0xc0ffee;
		const random = (n: number): number => {
			seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
			return (seed >>> 8) % n;
		};
		for (let n = 0; n < 2000; n++) {
			// Groups of a control byte and its 8 items (a literal byte, or a 2-byte reference), cut after an item:
			// a stream cut right after a control byte makes the package read one item past the end (a quirk).
			const bytes = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
			const items = 1 + random(300);
			let control = 0;
			for (let item = 0; item < items; item++) {
				if (item % 8 === 0) bytes.push((control = random(256)));
				bytes.push(random(256));
				if ((control & (1 << (item % 8))) !== 0 && !(item === items - 1 && random(4) === 0)) bytes.push(random(256));
			}
			const body = Buffer.from(bytes);
			body.writeUInt32LE(body.length - 4, 0);
			body.writeUInt32LE(0x75465a4c, 8); // "LZFu"
			const expected = Buffer.from(decompressRTF([...body]));
			body.writeUInt32LE(expected.length, 4); // the package ignores rawSize; ours stops there
			assert.deepEqual(decompressRtf(body), expected, `case ${n}`);
		}
	});

	it('does not trust a header that claims gigabytes of output', () => {
		const body = Buffer.alloc(32, 0);
		body.writeUInt32LE(28, 0);
		body.writeUInt32LE(0xfffffff0, 4);
		body.writeUInt32LE(0x75465a4c, 8);
		assert.ok(decompressRtf(body).length <= 17 * 16);
	});
});

describe('the one-pass RTF de-encapsulator', () => {
	it('owns the same control-word table as the rtf-stream-parser release it is compared with (destinations and known words)', () => {
		// The library does not export its table; the test (only) reads it where 3.8.1 keeps it.
		const {words} = createRequire(import.meta.url)('rtf-stream-parser/dist/src/words.js') as {words: Record<string, number>};
		const destinations = Object.keys(words).filter((word) => words[word] === 5).sort();
		assert.deepEqual([...RTF_DESTINATIONS].sort(), destinations);
		for (const word of Object.keys(words)) assert.ok(RTF_KNOWN_WORDS.has(word), word);
		assert.equal(RTF_KNOWN_WORDS.size, Object.keys(words).length + Object.getOwnPropertyNames(Object.prototype).length);
	});

	it('equals rtf-stream-parser on every RTF body of the shipped test stores, as they are and converted as native RTF', () => {
		const bodies = [...shipped(rtfBodies)];
		assert.ok(bodies.length >= 40, `only ${bodies.length} RTF bodies found in ${PST_TESTDATA}`);
		for (const [file, rtf] of bodies) {
			assertSame(rtf, file);
			const text = asText(rtf);
			if (text !== undefined) assertSame(text, `${file} as text`);
		}
	});

	it('equals rtf-stream-parser on every RTF body of the shared corpus', (t) => {
		const files = stores(PST_CORPUS);
		if (files.length === 0) {
			const reason = `${PST_CORPUS} is not present (the shared corpus is optional)`;
			console.log(`# SKIP: ${reason}`);
			t.skip(reason);
			return;
		}
		let bodies = 0;
		for (const file of files) {
			try {
				for (const rtf of rtfBodies(file)) {
					bodies++;
					assertSame(rtf, file);
					const text = asText(rtf);
					if (text !== undefined) assertSame(text, `${file} as text`);
				}
			} catch (error) {
				if (error instanceof assert.AssertionError) throw error;
				// A store pst-extractor cannot open (the corpus has several on purpose).
			}
		}
		assert.ok(bodies > 0);
	});

	it('equals rtf-stream-parser on random RTF built from the constructs it treats specially', () => {
		let seed = 0x5eed;
		const random = (n: number): number => {
			seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
			return (seed >>> 8) % n;
		};
		const pick = <T>(items: readonly T[]): T => items[random(items.length)]!;
		const prefixes = [
			'{\\rtf1\\ansi\\ansicpg1252\\fromhtml1 \\deff0{\\fonttbl{\\f0\\fswiss Arial;}{\\f1\\fcharset2 Symbol;}{\\f2\\fcharset128 MS Gothic;}{\\f3\\fnil\\cpg1251 "Quoted";}{\\f4 Wingdings;}}',
			'{\\rtf1\\ansi\\fromtext\\deff0{\\fonttbl{\\f0\\fcharset0 Times;}{\\f1\\fcharset238{\\*\\panose 0204}Cambria;}}',
			'{\\rtf1\\ansi\\ansicpg1251\\fromhtml1 ',
			'{\\rtf1\\fromtext ',
			'{\\rtf1\\ansi\\deff0{\\fonttbl\\f0\\fswiss Arial;}\\fromhtml1 ',
			'{\\rtf0\\fromhtml1',
		];
		/** Beginnings the parser refuses, or text it refuses later (\\ansicpg0, a second \\deff). */
		const badPrefixes = [
			'{\\rtf2\\fromhtml1',
			'{\\rtf1\\mac\\fromtext ',
			'{\\rtf1 text before the marker\\fromhtml1 ',
			'{\\rtf1\\a\\b\\c\\d\\e\\f0\\g\\h\\i\\fromhtml1 ',
			' {\\rtf1\\fromtext ',
			'{\\rtf1\\fromhtml1\\fromtext ',
			'{\\rtf1\\ansicpg0\\fromtext ',
			'{\\rtf1\\deff0\\deff1\\fromtext ',
			'',
			'{',
		];
		const pieces = [
			'{', '}', '{\\*\\htmltag64 <p class="x">}', '{\\*\\htmltag84 <td>}', '{\\*\\htmltag', '{\\*\\mhtmltag0 <a>}', '{\\*\\unknown stuff}',
			'{\\colortbl;\\red0\\green0\\blue0;}', '{\\stylesheet{\\s0 Normal;}}', '{\\pntext 1.}', '{\\*\\pntext x}',
			'\\htmlrtf ', '\\htmlrtf0 ', '\\htmlrtf1 ', '\\f0 ', '\\f1 ', '\\f2 ', '\\f3 ', '\\f4 ', '\\f-', '\\fcharset204 ', '\\cpg ',
			'\\uc0 ', '\\uc1 ', '\\uc2 ', '\\u233?', '\\u-4064 ?', "\\u8364\\'80", '\\u55357\\u56832??', '\\uc1\\u233 ab',
			"\\'e9", "\\'82\\'a0", "\\'8", "\\'zz", "\\'4", "\\'41\\'42", "\\'{",
			'text', ' spaced  words ', '<b>&amp;</b>', 'a>b<c', '\r\n', '\n', '\r', 'li\r\nne', 'x;', '"',
			'\\par ', '\\par', '\\line ', '\\tab ', '\\lquote ', '\\rdblquote ', '\\bullet ', '\\emdash ', '\\~', '\\_', '\\-', '\\{', '\\}', '\\\\', '\\*',
			'\\bin3 abc', '\\bin2\\}{', '\\bin0 ', '\\b0 ', '\\i ', '\\constructor ', '\\toString ', '\\ansicpg1250 ',
			'\\1', '\\ ', '\\\r\n', '\u00e9', '\u0000',
		];
		/** Pieces that make the parser throw (or end the document): rare, so most documents get through. */
		const risky = ['\\f ', '\\u', '\\u-', '\\u1114112 ', '\\pc ', '\\fromhtml1 ', '\\deff2 ', '\\rtf1 ', '{\\fonttbl{\\f9 Late;}}', '}}'];
		const cases = 4000;
		for (let n = 0; n < cases; n++) {
			let text = random(8) === 0 ? pick(badPrefixes) : pick(prefixes);
			const length = 1 + random(40);
			for (let i = 0; i < length; i++) text += random(40) === 0 ? pick(risky) : pick(pieces);
			if (random(4) !== 0) text += '}'.repeat(random(3));
			if (random(8) === 0) text += '\u0000';
			if (random(10) === 0) text += pick(pieces);
			assertSame(Buffer.from(text, 'latin1'), `case ${n}`);
		}
	});
});
