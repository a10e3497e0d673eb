import assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import {CsvSyntaxError, formatCsv, formatCsvField, parseCsv} from '../../src/batch/csv.js';

describe('parseCsv', () => {
	const cases: ReadonlyArray<{name: string; text: string; want: Array<{line: number; fields: string[]}>}> = [
		{name: 'plain LF rows', text: 'a,b\n1,2\n', want: [{line: 1, fields: ['a', 'b']}, {line: 2, fields: ['1', '2']}]},
		{name: 'CRLF rows and no final newline', text: 'a,b\r\n1,2', want: [{line: 1, fields: ['a', 'b']}, {line: 2, fields: ['1', '2']}]},
		{name: 'a UTF-8 BOM (Excel "CSV UTF-8")', text: '\uFEFFsource,url\r\nx,y\r\n', want: [{line: 1, fields: ['source', 'url']}, {line: 2, fields: ['x', 'y']}]},
		{name: 'quoted commas and doubled quotes', text: 'a,b\n"x, y","say ""hi"""\n', want: [{line: 1, fields: ['a', 'b']}, {line: 2, fields: ['x, y', 'say "hi"']}]},
		{name: 'a line break inside quotes keeps the row on its first line', text: 'a,b\n"multi\r\nline",z\nq,r\n', want: [{line: 1, fields: ['a', 'b']}, {line: 2, fields: ['multi\r\nline', 'z']}, {line: 4, fields: ['q', 'r']}]},
		{name: 'blank lines are dropped but counted', text: 'a\n\n1\n\n', want: [{line: 1, fields: ['a']}, {line: 3, fields: ['1']}]},
		{name: 'empty fields', text: 'a,b,c\n,,\n', want: [{line: 1, fields: ['a', 'b', 'c']}, {line: 2, fields: ['', '', '']}]},
	];
	for (const c of cases) {
		test(`reads ${c.name}`, () => {
			assert.deepEqual(parseCsv(c.text), c.want);
		});
	}

	test('an unclosed quote is a syntax error naming the line where the field starts', () => {
		assert.throws(() => parseCsv('a\n"open\nmore\n'), (e: unknown) => e instanceof CsvSyntaxError && e.line === 2);
	});

	test('text after a closing quote is a syntax error', () => {
		assert.throws(() => parseCsv('a\n"x"y\n'), CsvSyntaxError);
	});
});

describe('formatCsv', () => {
	test('quotes fields with commas, quotes, line breaks and edge spaces, and round-trips through parseCsv', () => {
		const rows = [['id', 'error'], ['r1', 'He said "no", then left\nagain'], ['r2', ' padded '], ['r3', 'plain']];
		const text = formatCsv(rows);
		assert.equal(formatCsvField('a,b'), '"a,b"');
		assert.equal(formatCsvField('say "x"'), '"say ""x"""');
		assert.equal(formatCsvField(5), '5');
		assert.equal(formatCsvField(undefined), '');
		assert.ok(text.endsWith('\r\n'));
		assert.deepEqual(parseCsv(text).map((r) => r.fields), rows);
	});
});
