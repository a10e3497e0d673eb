/**
 * Which decoder code-pages.ts uses for which charset (its module comment): Node's TextDecoder only where its
 * output equals iconv-lite's for every input byte, checked here exhaustively, so a Node upgrade that changes a
 * decoder fails this test instead of changing composed messages (the golden digests would then change too).
 */
import assert from 'node:assert/strict';
import {readdirSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, test} from 'node:test';
import {fileURLToPath} from 'node:url';
import iconv from 'iconv-lite';
import {decodeBytes, decodeIso2022Jp, decodeText, NATIVE} from '../../src/readers/pst/code-pages.js';

describe('code pages through TextDecoder', () => {
	test('every charset TextDecoder decodes gives iconv-lite\'s text for every byte, alone and before ASCII', () => {
		const single = [...NATIVE].filter((name) => !['iso-2022-jp', 'utf-8'].includes(name));
		for (const name of single) {
			for (let b = 0; b < 256; b++) {
				for (const bytes of [[b], [b, 0x41], [0x41, b]]) {
					const input = Buffer.from(bytes);
					assert.equal(decodeBytes(input, name), iconv.decode(input, name), `${name} ${bytes.map((x) => x.toString(16)).join(' ')}`);
				}
			}
		}
		// UTF-8: pairs of bytes, plus a pseudo-random run with invalid sequences.
		for (const name of ['utf-8']) {
			for (let a = 0; a < 256; a++) {
				for (let b = 0; b < 256; b += 7) {
					const input = Buffer.from([a, b]);
					assert.equal(decodeBytes(input, name), iconv.decode(input, name), `${name} ${a} ${b}`);
				}
			}
			const run = Buffer.from(Array.from({length: 50_000}, (_, i) => (i * 2654435761) >>> 24));
			assert.equal(decodeBytes(run, name), iconv.decode(run, name), name);
		}
	});

	test('ISO-2022-JP needs no decoder of our own: JIS X 0208, half-width katakana by ESC ( I and by CP50222\'s SO/SI', () => {
		assert.equal(decodeIso2022Jp(Buffer.from('\x1b$B$3$s$K$A$O\x1b(B World \x1b(I1\x1b(B', 'latin1')), 'こんにちは World ｱ');
		assert.equal(decodeIso2022Jp(Buffer.from('A\x0e12\x0fB', 'latin1')), 'AｱｲB');
		assert.equal(decodeText(Buffer.from('\x1b$B$3$s\x1b(B', 'latin1'), 'csISO2022JP'), 'こん');
		// RFC 1468 JIS-Roman (ESC ( J): 0x5C is the Yen sign, as browsers and the WHATWG decoder read it.
		assert.equal(decodeIso2022Jp(Buffer.from('\x1b(J\\\x1b(B', 'latin1')), '¥');
	});

	test('the readers import no other package\'s internal paths (dist/, lib/, src/) with import statements', () => {
		const root = fileURLToPath(new URL('../../src/readers/', import.meta.url));
		const files: string[] = [];
		const walk = (dir: string): void => {
			for (const entry of readdirSync(dir, {withFileTypes: true})) {
				if (entry.isDirectory()) walk(join(dir, entry.name));
				else if (entry.name.endsWith('.ts')) files.push(join(dir, entry.name));
			}
		};
		walk(root);
		for (const file of files) {
			assert.doesNotMatch(readFileSync(file, 'utf8'), /^import[^;]*from '(@[^/']+\/)?[^./'][^/']*\/(dist|lib|src)\//m, file);
		}
	});
});
