import assert from 'node:assert/strict';
import {describe, test} from 'node:test';

import {toCrlf} from '../../src/mapper/normalize.js';

const bytes = (text: string): Buffer => Buffer.from(text, 'latin1');

describe('toCrlf', () => {
	// [case, input, expected output]
	const table: ReadonlyArray<readonly [string, string, string]> = [
		['LF line ends', 'A: 1\nB: 2\n\nbody\n', 'A: 1\r\nB: 2\r\n\r\nbody\r\n'],
		['CRLF line ends', 'A: 1\r\nB: 2\r\n\r\nbody\r\n', 'A: 1\r\nB: 2\r\n\r\nbody\r\n'],
		['mixed LF and CRLF line ends', 'A: 1\r\nB: 2\n\r\nbody\nend\r\n', 'A: 1\r\nB: 2\r\n\r\nbody\r\nend\r\n'],
		['a bare CR (kept: only LF is converted)', 'A: 1\rB: 2\n', 'A: 1\rB: 2\r\n'],
		['old-Mac CR-only line ends (kept as is)', 'A: 1\rB: 2\r\rbody\r', 'A: 1\rB: 2\r\rbody\r'],
		['CR CR LF (the LF already follows a CR)', 'A: 1\r\r\nB', 'A: 1\r\r\nB'],
		['LF CR (the LF is bare, the CR after it stays)', 'A\n\rB', 'A\r\n\rB'],
		['an LF as the very first byte', '\nbody', '\r\nbody'],
		['a lone LF', '\n', '\r\n'],
		['a lone CR', '\r', '\r'],
		['consecutive LFs', 'a\n\n\nb', 'a\r\n\r\n\r\nb'],
		['no line end at all', 'Subject: x', 'Subject: x'],
		['no final line end after LF lines', 'A: 1\nbody', 'A: 1\r\nbody'],
		['an empty message', '', ''],
		['a body line that looks like an mbox From_ line (not touched here)', 'A: 1\n\n>From me\nFrom you\n', 'A: 1\r\n\r\n>From me\r\nFrom you\r\n'],
	];
	for (const [name, input, expected] of table) {
		test(`Given ${name}, when converted, then the bytes are ${JSON.stringify(expected)}`, () => {
			assert.deepEqual(toCrlf(bytes(input)), bytes(expected));
		});
	}

	const unchanged: ReadonlyArray<readonly [string, string]> = [
		['CRLF line ends', 'A: 1\r\n\r\nbody\r\n'],
		['no line end', 'Subject: x'],
		['bare CRs only', 'a\rb\r'],
		['an empty message', ''],
	];
	for (const [name, input] of unchanged) {
		test(`Given ${name}, when nothing needs changing, then the same Buffer is returned (no copy)`, () => {
			const raw = bytes(input);
			assert.equal(toCrlf(raw), raw);
		});
	}

	test('Given LF line ends, when converted, then a new Buffer is returned and the input is not modified', () => {
		const raw = bytes('A: 1\nbody\n');
		const copy = Buffer.from(raw);
		const out = toCrlf(raw);
		assert.notEqual(out, raw);
		assert.deepEqual(raw, copy);
	});

	test('Given every byte value 0-255 with LFs among them, when converted, then only the LFs change', () => {
		const raw = Buffer.from(Array.from({length: 256}, (_, i) => i));
		const expected = Buffer.concat([raw.subarray(0, 0x0a), Buffer.from([0x0d, 0x0a]), raw.subarray(0x0b)]);
		assert.deepEqual(toCrlf(raw), expected);
	});

	test('Given UTF-8 and 8-bit latin1 bytes, when converted, then they pass through byte for byte', () => {
		const raw = Buffer.concat([Buffer.from('Subject: Grüße\n', 'utf8'), Buffer.from([0xfc, 0xff, 0x00, 0x0a])]);
		const expected = Buffer.concat([Buffer.from('Subject: Grüße\r\n', 'utf8'), Buffer.from([0xfc, 0xff, 0x00, 0x0d, 0x0a])]);
		assert.deepEqual(toCrlf(raw), expected);
	});

	test('Given a Buffer that is a view into a larger ArrayBuffer, when converted, then only the view is read', () => {
		const backing = bytes('xx\nA\nyy');
		const view = backing.subarray(3, 5); // "A\n"
		assert.deepEqual(toCrlf(view), bytes('A\r\n'));
	});

	test('Given a 1 MiB body of LF lines, when converted, then the length grows by exactly the number of lines', () => {
		const line = `${'x'.repeat(63)}\n`;
		const raw = bytes(line.repeat(16 * 1024));
		const out = toCrlf(raw);
		assert.equal(out.length, raw.length + 16 * 1024);
		assert.equal(out.indexOf('\n'), 64);
		assert.equal(out[63], 0x0d);
	});

	test('Given an already converted message, when converted again, then the result is identical (idempotent)', () => {
		const once = toCrlf(bytes('A: 1\nB\r\nC\rD\n'));
		assert.equal(toCrlf(once), once);
	});
});
