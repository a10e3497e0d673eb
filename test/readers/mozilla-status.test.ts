import assert from 'node:assert/strict';
import {describe, test} from 'node:test';

import {mboxStatus} from '../../src/readers/mbox/mozilla-status.js';

const message = (...headers: string[]): Buffer => Buffer.from(`${headers.join('\n')}\n\nBody.\n`, 'latin1');
const flagsOf = (...headers: string[]): string[] => [...mboxStatus(message(...headers)).flags].sort();

describe('mboxStatus', () => {
	const table: ReadonlyArray<readonly [string, readonly string[], readonly string[]]> = [
		['no status headers', ['Subject: x'], []],
		['Status: RO (read, old)', ['Status: RO'], ['\\Seen']],
		['Status: O (old, unread)', ['Status: O'], []],
		['Status: U (unknown letters)', ['Status: U'], []],
		['X-Status: AFTD', ['X-Status: AFTD'], ['\\Answered', '\\Deleted', '\\Draft', '\\Flagged']],
		['Status and X-Status together', ['Status: RO', 'X-Status: A'], ['\\Answered', '\\Seen']],
		['X-Mozilla-Status: 0001 (read)', ['X-Mozilla-Status: 0001'], ['\\Seen']],
		['X-Mozilla-Status: 0002 (replied)', ['X-Mozilla-Status: 0002'], ['\\Answered']],
		['X-Mozilla-Status: 0004 (marked)', ['X-Mozilla-Status: 0004'], ['\\Flagged']],
		['X-Mozilla-Status: 1000 (forwarded)', ['X-Mozilla-Status: 1000'], ['$Forwarded']],
		['X-Mozilla-Status: 0011 (read + HasRe, which is not a flag)', ['X-Mozilla-Status: 0011'], ['\\Seen']],
		['X-Mozilla-Status: 8001 (read + priority bits)', ['X-Mozilla-Status: 8001'], ['\\Seen']],
		['X-Mozilla-Status2: 00800000 (MDN report sent)', ['X-Mozilla-Status: 0000', 'X-Mozilla-Status2: 00800000'], ['$MDNSent']],
		['X-Mozilla-Status2: 08000000 (old label 4)', ['X-Mozilla-Status: 0000', 'X-Mozilla-Status2: 08000000'], ['$label4']],
		['X-Mozilla-Keys with tags, padding and an invalid atom', ['X-Mozilla-Status: 0000', 'X-Mozilla-Keys: $label4 work "bad"        '], ['$label4', 'work']],
		['X-Mozilla-Keys with a backslash flag (not a keyword)', ['X-Mozilla-Status: 0000', 'X-Mozilla-Keys: \\Seen'], []],
		['X-Mozilla-Status wins over Status/X-Status', ['Status: RO', 'X-Status: F', 'X-Mozilla-Status: 0000'], []],
		['an invalid X-Mozilla-Status falls back to Status', ['X-Mozilla-Status: zz', 'Status: R'], ['\\Seen']],
		['lower-case header names', ['x-mozilla-status: 0005'], ['\\Flagged', '\\Seen']],
		['the first occurrence only', ['X-Mozilla-Status: 0001', 'X-Mozilla-Status: 0004'], ['\\Seen']],
	];
	for (const [name, headers, expected] of table) {
		test(`Given ${name}, when the status is read, then the flags are ${expected.length === 0 ? 'none' : expected.join(' ')}`, () => {
			assert.deepEqual(flagsOf(...headers), [...expected]);
		});
	}

	test('Given X-Mozilla-Status with the Expunged bit 0x8, when read, then isExpunged is set alongside the other flags', () => {
		const status = mboxStatus(message('X-Mozilla-Status: 0009'));
		assert.equal(status.isExpunged, true);
		assert.deepEqual([...status.flags], ['\\Seen']);
	});

	test('Given X-Mozilla-Status with the Partial bit 0x400, when read, then isPartial is set', () => {
		assert.equal(mboxStatus(message('X-Mozilla-Status: 0401')).isPartial, true);
		assert.equal(mboxStatus(message('X-Mozilla-Status: 0001')).isPartial, false);
	});

	test('Given status headers only in the body (a forwarded message), when read, then they are ignored', () => {
		const raw = Buffer.from('Subject: fwd\n\nX-Mozilla-Status: 0008\nStatus: RO\n', 'latin1');
		assert.deepEqual(mboxStatus(raw), {flags: new Set(), isExpunged: false, isPartial: false});
	});

	test('Given CRLF line ends and a folded value, when read, then the value is unfolded and trimmed', () => {
		const raw = Buffer.from('X-Mozilla-Status: 0001\r\nX-Mozilla-Keys: $label1\r\n work\r\n\r\nX-Status: F\r\n', 'latin1');
		assert.deepEqual([...mboxStatus(raw).flags].sort(), ['$label1', '\\Seen', 'work']);
	});

	test('Given a message that starts with an empty line (no header), when read, then there are no flags', () => {
		assert.equal(mboxStatus(Buffer.from('\nStatus: RO\n', 'latin1')).flags.size, 0);
	});

	test('Given a string header block, when read, then it is parsed like bytes', () => {
		assert.deepEqual([...mboxStatus('Status: RO\nX-Status: A\n').flags].sort(), ['\\Answered', '\\Seen']);
	});
});
