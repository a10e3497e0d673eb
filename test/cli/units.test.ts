/** Sizes and durations as users type them. */
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {parseBytes, parseDuration} from '../../src/util/units.js';

test('sizes accept binary shorthands, decimal and IEC units, and plain numbers', () => {
	const table: Array<[string | number, number | undefined]> = [
		['500M', 500 * 1024 ** 2], ['500MB', 500 * 1000 ** 2], ['1.5GiB', 1.5 * 1024 ** 3], ['2k', 2048], ['1000', 1000], [4096, 4096],
		['', undefined], ['abc', undefined], ['5X', undefined], ['-1', undefined], [0, undefined],
	];
	for (const [text, want] of table) assert.equal(parseBytes(text), want, String(text));
});

test('durations accept h/m/s/d units, combinations and plain seconds', () => {
	const table: Array<[string | number, number | undefined]> = [
		['8h', 8 * 3_600_000], ['90m', 5_400_000], ['1h30m', 5_400_000], ['45s', 45_000], ['2d', 172_800_000], ['30', 30_000], [2, 2000],
		['', undefined], ['soon', undefined], ['1x', undefined], ['h', undefined],
	];
	for (const [text, want] of table) assert.equal(parseDuration(text), want, String(text));
});
