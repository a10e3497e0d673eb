/**
 * formatCount (util/format.ts) writes the thousands separators itself instead of calling toLocaleString, whose
 * first call loads ICU's locale data (issue #14, the no-op re-run): it must print exactly what that gave.
 */
import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {test} from 'node:test';
import {formatCount} from '../../src/util/format.js';

test('counts are printed as toLocaleString(\'en-US\') prints them, from 0 to the largest safe integer and below 0', () => {
	const samples = [0, 1, 9, 10, 99, 100, 999, 1000, 1001, 9999, 10_000, 12_345, 99_999, 100_000, 999_999, 1_000_000, 1_234_567_890, Number.MAX_SAFE_INTEGER, -1, -1000, -1_234_567, 0.5, 1234.5];
	for (let n = 1; n < 1e15; n = n * 7 + 3) samples.push(n);
	for (const n of samples) assert.equal(formatCount(n), n.toLocaleString('en-US'), String(n));
});

test('formatting a count does not load the locale data (no Intl formatter is made)', () => {
	// In a fresh process, so nothing else has made one: Intl.NumberFormat is replaced by a trap before the call.
	const script = `
		let made = 0;
		const Original = Intl.NumberFormat;
		Intl.NumberFormat = function (...args) { made++; return new Original(...args); };
		Number.prototype.toLocaleString = function () { made++; return String(this); };
		const {formatCount} = await import(${JSON.stringify(new URL('../../src/util/format.ts', import.meta.url).href)});
		if (formatCount(1234567) !== '1,234,567') throw new Error('wrong: ' + formatCount(1234567));
		process.stdout.write(String(made));`;
	const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {encoding: 'utf8'});
	assert.equal(run.status, 0, run.stderr);
	assert.equal(run.stdout, '0');
});
