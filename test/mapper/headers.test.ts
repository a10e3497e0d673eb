import assert from 'node:assert/strict';
import {describe, test} from 'node:test';

import {firstHeader, headerEnd, normalizeMessageId, parseHeaders, stripComments} from '../../src/mapper/headers.js';

const bytes = (text: string): Buffer => Buffer.from(text, 'latin1');
const fieldsOf = (text: string): Array<[string, string]> => parseHeaders(bytes(text)).map((f) => [f.name, f.value]);

describe('headerEnd', () => {
	const table: ReadonlyArray<readonly [string, string, number]> = [
		['an LF header block followed by a body', 'A: 1\nB: 2\n\nbody\n', 10],
		['a CRLF header block followed by a body', 'A: 1\r\nB: 2\r\n\r\nbody\r\n', 12],
		['a header block with mixed CRLF and LF lines', 'A: 1\r\nB: 2\n\nbody', 11],
		['a header block whose blank line is CRLF after LF lines', 'A: 1\n\r\nbody', 5],
		['a message that starts with an empty line (no header at all)', '\nbody\n', 0],
		['a message that starts with a CRLF empty line', '\r\nbody\r\n', 0],
		['a header block with no empty line and no body', 'A: 1\nB: 2\n', 10],
		['a header block whose last line has no line end', 'A: 1\nB: 2', 9],
		['an empty buffer', '', 0],
		['a line of spaces only (a continuation, not the end)', 'A: 1\n  \nB: 2\n\nbody', 13],
		['a blank line inside the body after the real end', 'A: 1\n\nbody\n\nmore\n', 5],
	];
	for (const [name, text, expected] of table) {
		test(`Given ${name}, when the header end is found, then it is at byte ${expected}`, () => {
			assert.equal(headerEnd(bytes(text)), expected);
		});
	}
});

describe('parseHeaders', () => {
	test('Given fields with mixed-case names, when parsed, then names are lower-cased and order is kept', () => {
		assert.deepEqual(fieldsOf('Received: a\nDATE: b\nmessage-id: c\nReceived: d\n\n'), [
			['received', 'a'], ['date', 'b'], ['message-id', 'c'], ['received', 'd'],
		]);
	});

	const table: ReadonlyArray<readonly [string, string, ReadonlyArray<readonly [string, string]>]> = [
		['an LF header block with a folded value', 'Received: from a by b;\n\tTue, 1 Jul 2003 10:52:37 +0200\n\nbody', [['received', 'from a by b;\tTue, 1 Jul 2003 10:52:37 +0200']]],
		['a CRLF header block with a folded value', 'Received: from a by b;\r\n Tue, 1 Jul 2003 10:52:37 +0200\r\n\r\nbody', [['received', 'from a by b; Tue, 1 Jul 2003 10:52:37 +0200']]],
		['a value folded over three lines', 'Subject: one\n two\n\tthree\n\n', [['subject', 'one two\tthree']]],
		['surrounding whitespace in a value', 'Subject:    padded   \n\n', [['subject', 'padded']]],
		['a colon inside the value', 'Subject: Re: a: b\n\n', [['subject', 'Re: a: b']]],
		['an empty value', 'X-Empty:\nY: 1\n\n', [['x-empty', ''], ['y', '1']]],
		['whitespace before the colon (RFC 5322 §4.5 obs-field)', 'Subject : old style\n\n', [['subject', 'old style']]],
		['a stray mbox From_ line before the fields', 'From a@b Tue Jul  1 10:52:37 2003\nSubject: x\n\n', [['subject', 'x']]],
		['a continuation line before any field', ' orphan\nSubject: x\n\n', [['subject', 'x']]],
		['a continuation line after a non-field line', 'junk line\n continued: no\nSubject: x\n\n', [['subject', 'x']]],
		['a line with a space inside the field name', 'X Bad: y\nSubject: x\n\n', [['subject', 'x']]],
		['a line that starts with a colon', ': nameless\nSubject: x\n\n', [['subject', 'x']]],
		['header-like lines in the body', 'Subject: x\n\nReceived: body; 1 Jan 2001 00:00 +0000\n', [['subject', 'x']]],
		['a header block without a body or final line end', 'Subject: x\nDate: y', [['subject', 'x'], ['date', 'y']]],
		['no header at all', '\nSubject: in body\n', []],
	];
	for (const [name, text, expected] of table) {
		test(`Given ${name}, when parsed, then the fields are ${JSON.stringify(expected)}`, () => {
			assert.deepEqual(fieldsOf(text), expected.map(([n, v]) => [n, v]));
		});
	}

	test('Given 8-bit latin1 bytes in a value, when parsed, then each byte is one char and the value round-trips', () => {
		const raw = Buffer.concat([bytes('Subject: Gr'), Buffer.from([0xfc, 0xdf, 0x65]), bytes('\nDate: 1 Jul 2003 10:00 +0000\n\n')]);
		const fields = parseHeaders(raw);
		assert.deepEqual(Buffer.from(firstHeader(fields, 'subject') ?? '', 'latin1'), Buffer.from([0x47, 0x72, 0xfc, 0xdf, 0x65]));
		assert.equal(firstHeader(fields, 'date'), '1 Jul 2003 10:00 +0000');
	});

	test('Given raw UTF-8 bytes in a value (RFC 6532), when parsed, then the bytes are kept and later fields still parse', () => {
		const subject = Buffer.from('Grüße 日本', 'utf8');
		const raw = Buffer.concat([bytes('Subject: '), subject, bytes('\r\nMessage-ID: <x@y>\r\n\r\n')]);
		const fields = parseHeaders(raw);
		assert.deepEqual(Buffer.from(firstHeader(fields, 'subject') ?? '', 'latin1'), subject);
		assert.equal(firstHeader(fields, 'message-id'), '<x@y>');
	});

	test('Given an 8-bit byte inside a field name, when parsed, then that line is ignored', () => {
		const raw = Buffer.concat([bytes('X-'), Buffer.from([0xe9]), bytes(': v\nSubject: x\n\n')]);
		assert.deepEqual(parseHeaders(raw).map((f) => f.name), ['subject']);
	});

	test('Given a header block larger than 1 MiB, when parsed, then only the first 1 MiB is read', () => {
		const big = `X-Big: ${'a'.repeat(1024 * 1024)}\n`;
		const fields = parseHeaders(bytes(`Subject: early\n${big}Message-ID: <late@x>\n\nbody`));
		assert.equal(firstHeader(fields, 'subject'), 'early');
		assert.equal(firstHeader(fields, 'message-id'), undefined);
	});

	test('Given the same message with LF and with CRLF line ends, when parsed, then the fields are identical', () => {
		const lf = 'Received: from a;\n Tue, 1 Jul 2003 10:52:37 +0200\nSubject: s\nMessage-ID: <m@x>\n\nbody\n';
		assert.deepEqual(parseHeaders(bytes(lf.replaceAll('\n', '\r\n'))), parseHeaders(bytes(lf)));
	});
});

describe('firstHeader', () => {
	const fields = parseHeaders(bytes('Received: top\nReceived: second\nSubject: s\n\n'));

	test('Given two fields of the same name, when the first is asked for, then the topmost one is returned', () => {
		assert.equal(firstHeader(fields, 'received'), 'top');
	});

	test('Given a field that is missing, when asked for, then the result is undefined', () => {
		assert.equal(firstHeader(fields, 'date'), undefined);
	});

	test('Given an empty field list, when asked for a field, then the result is undefined', () => {
		assert.equal(firstHeader([], 'received'), undefined);
	});
});

describe('normalizeMessageId', () => {
	const table: ReadonlyArray<readonly [string, string | undefined, string | undefined]> = [
		['a bracketed id', '<abc.123@example.com>', 'abc.123@example.com'],
		['an id with surrounding whitespace', '   <abc@example.com>  ', 'abc@example.com'],
		['an id followed by a comment', '<abc@example.com> (added by relay)', 'abc@example.com'],
		['an id preceded by a comment', '(note) <abc@example.com>', 'abc@example.com'],
		['a comment that itself contains angle brackets', '(was <old@x>) <abc@example.com>', 'abc@example.com'],
		['a nested comment around angle brackets', '(a (b) <old@x>) <abc@example.com>', 'abc@example.com'],
		['whitespace inside the brackets (obs-id-left CFWS)', '< abc@example.com >', 'abc@example.com'],
		['two ids (the first wins)', '<first@x> <second@x>', 'first@x'],
		['an unbracketed id (old mailers)', 'abc@example.com', 'abc@example.com'],
		['an unbracketed id with a comment', 'abc@example.com (comment)', 'abc@example.com'],
		['an id with a missing closing bracket', '<abc@example.com', 'abc@example.com'],
		['a case-sensitive id (kept as is)', '<AbC@Example.COM>', 'AbC@Example.COM'],
		['empty brackets', '<>', undefined],
		['empty brackets with spaces', '< >', undefined],
		['only a comment', '(no id)', undefined],
		['whitespace only', '   ', undefined],
		['an empty string', '', undefined],
		['undefined', undefined, undefined],
	];
	for (const [name, value, expected] of table) {
		test(`Given ${name}, when normalized, then the Message-ID is ${expected ?? 'undefined'}`, () => {
			assert.equal(normalizeMessageId(value), expected);
		});
	}
});

describe('stripComments', () => {
	const table: ReadonlyArray<readonly [string, string, string]> = [
		['no comment', 'a b', 'a b'],
		['one comment', 'a (x) b', 'a   b'],
		['a nested comment', 'a (x (y) z) b', 'a   b'],
		['two comments', '(x)a(y)', ' a '],
		['an unbalanced opening parenthesis', 'a (x b', 'a (x b'],
	];
	for (const [name, text, expected] of table) {
		test(`Given ${name}, when comments are stripped, then the text is ${JSON.stringify(expected)}`, () => {
			assert.equal(stripComments(text), expected);
		});
	}
});
