/** Folder names → safe path segments (src/backup/safe-path.ts): table tests and properties over hostile names. */
import assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import {clashKey, decodeSegment, isSafeRelativePath, planSafePaths, safeSegment} from '../../src/backup/safe-path.js';

type Row = readonly [what: string, name: string, expected: string];

const ROWS: readonly Row[] = [
	['a plain name', 'Projects', 'Projects'],
	['a name with spaces and accents', 'Boîte de réception', 'Boîte de réception'],
	['path traversal', '../../etc', '%2E.%2F..%2Fetc'],
	['a dot-dot name', '..', '%2E%2E'],
	['a dot name', '.', '%2E'],
	['a hidden name', '.hidden', '%2Ehidden'],
	['a slash inside', 'a/b', 'a%2Fb'],
	['a backslash inside', 'a\\b', 'a%5Cb'],
	['an absolute path', '/etc/passwd', '%2Fetc%2Fpasswd'],
	['a drive letter', 'C:\\Windows', 'C%3A%5CWindows'],
	['the Windows device CON', 'CON', '%43ON'],
	['a device name in lower case', 'nul', '%6Eul'],
	['a device name with an extension', 'aux.txt', '%61ux.txt'],
	['a device name with spaces before the extension', 'PRN .log', '%50RN .log'],
	['COM1', 'COM1', '%43OM1'],
	['LPT9', 'LPT9', '%4CPT9'],
	['COM with a superscript digit', 'COM¹', '%43OM¹'],
	['CONIN$', 'CONIN$', '%43ONIN$'],
	['a name that only starts like a device', 'CONTACTS', 'CONTACTS'],
	['a trailing dot', 'name.', 'name%2E'],
	['trailing dots and spaces', 'name. ', 'name%2E%20'],
	['a trailing space', 'Sent ', 'Sent%20'],
	['Windows-reserved characters', 'Q1: <draft> "v2" | what? *', 'Q1%3A %3Cdraft%3E %22v2%22 %7C what%3F %2A'],
	['a percent sign (so the encoding can be undone)', '100%', '100%25'],
	['a control character', 'a\u0001b\tc', 'a%01b%09c'],
	['DEL and a C1 control', 'a\u007fb\u0085', 'a%7Fb%C2%85'],
	['a right-to-left override', '\u202egpj.exe', '%E2%80%AEgpj.exe'],
	['a zero-width space', 'in\u200bbox', 'in%E2%80%8Bbox'],
	['a lone surrogate', 'x\ud800y', 'x%EF%BF%BDy'],
	['an 8.3 alias shape', 'PROGRA~1', 'PROGRA%7E1'],
	['a tilde in a long name', 'before~after', 'before~after'],
	['an empty name', '', '_'],
	['an emoji (surrogate pair)', 'Fun 🎉', 'Fun 🎉'],
];

describe('safeSegment', () => {
	for (const [what, name, expected] of ROWS) {
		test(`Given ${what} (${JSON.stringify(name)}), when made safe, then it is ${JSON.stringify(expected)}`, () => {
			assert.equal(safeSegment(name), expected);
		});
	}

	test('Given a 300-character name, when made safe, then it is cut to at most 120 bytes and ends with a hash of the whole name', () => {
		const long = 'x'.repeat(300);
		const segment = safeSegment(long);
		assert.ok(Buffer.byteLength(segment) <= 120, `${Buffer.byteLength(segment)} bytes`);
		assert.match(segment, /^x+~[0-9a-f]{8}$/);
		assert.notEqual(safeSegment(long + 'y'), segment, 'two long names with the same beginning stay apart');
	});

	test('Given a long name of multi-byte characters and escapes, when cut, then no character or %XX is split', () => {
		const segment = safeSegment('é/'.repeat(100));
		assert.ok(Buffer.byteLength(segment) <= 120);
		assert.match(segment, /^(é%2F)+(é)?~[0-9a-f]{8}$/u);
	});

	test('Given a reserved name of the layout, when made safe, then its first character is encoded, case-insensitively', () => {
		const isReserved = (lower: string): boolean => lower === 'cur';
		assert.equal(safeSegment('cur', 1, {isReserved}), '%63ur');
		assert.equal(safeSegment('CUR', 1, {isReserved}), '%43UR');
		assert.equal(safeSegment('cursor', 1, {isReserved}), 'cursor');
	});

	test('Given names every OS can hold, when made safe, then each is unchanged and decodeSegment is the identity', () => {
		for (const name of ['INBOX', 'Sent Items', 'Gesendete Objekte', 'Family & Friends', 'Входящие', '送信済みアイテム', 'v1.2', 'a-b_c']) {
			assert.equal(safeSegment(name), name);
			assert.equal(decodeSegment(safeSegment(name)), name);
		}
	});

	test('Given hostile names, when made safe, then every segment is portable (property over the table and more)', () => {
		const names = [...ROWS.map((r) => r[1]), 'x'.repeat(300), 'é'.repeat(200), ' ', '...', 'a.', 'NUL.tar.gz', 'lpt1 ', '\u0000', '~', 'AUX:1'];
		for (const name of names) {
			const s = safeSegment(name);
			assert.ok(s.length > 0, JSON.stringify(name));
			assert.ok(Buffer.byteLength(s) <= 120, JSON.stringify(name));
			assert.doesNotMatch(s, /[<>:"/\\|?*\x00-\x1f\x7f]/, JSON.stringify(name));
			assert.doesNotMatch(s, /[. ]$/, `no trailing dot or space: ${JSON.stringify(name)}`);
			assert.doesNotMatch(s, /^\./, `no leading dot: ${JSON.stringify(name)}`);
			assert.ok(!/^(CON|PRN|AUX|NUL|COM[0-9¹²³]|LPT[0-9¹²³])$/i.test((s.split('.')[0] ?? '').trimEnd()), `not a device name: ${JSON.stringify(name)} → ${s}`);
		}
	});

	test('Given names with only unsafe characters, when made safe and decoded, then the original comes back', () => {
		for (const name of ['a/b', '../../etc', 'CON', 'name.', 'Q1?', '100%', '\u202eabc']) assert.equal(decodeSegment(safeSegment(name)), name);
	});
});

describe('planSafePaths', () => {
	test('Given sibling names that differ only in case, when planned, then the first in code-unit order keeps its name and the others are numbered', () => {
		const planned = planSafePaths([['work'], ['Work'], ['WORK']]);
		assert.deepEqual(planned.map((p) => p.segments), [['work (3)'], ['Work (2)'], ['WORK']]);
	});

	test('Given the same folders in another order, when planned, then every folder gets the same segments (deterministic)', () => {
		const a = planSafePaths([['work'], ['Work'], ['x', 'A'], ['x', 'a']]);
		const b = planSafePaths([['x', 'a'], ['Work'], ['x', 'A'], ['work']]);
		const byName = (list: typeof a): Map<string, string> => new Map(list.map((p) => [p.name.join('\u0000'), p.segments.join('/')]));
		assert.deepEqual(byName(a), byName(b));
	});

	test('Given NFC and NFD spellings of the same name, when planned, then they do not share a directory (macOS)', () => {
		const planned = planSafePaths([['Caf\u00e9'], ['Cafe\u0301']]);
		assert.notEqual(clashKey(planned[0]?.segments[0] ?? ''), clashKey(planned[1]?.segments[0] ?? ''));
	});

	test('Given names that clash only after encoding, when planned, then they are told apart', () => {
		const planned = planSafePaths([['a/b'], ['a%2Fb']]);
		const segments = planned.map((p) => p.segments[0]);
		assert.equal(new Set(segments.map((s) => clashKey(s ?? ''))).size, 2, JSON.stringify(segments));
	});

	test('Given subfolders of case-clashing parents, when planned, then each child stays below its own parent', () => {
		const planned = planSafePaths([['Archive', '2019'], ['archive', '2020'], ['Archive']]);
		assert.deepEqual(planned.map((p) => p.segments), [['Archive', '2019'], ['archive (2)', '2020'], ['Archive']]);
	});

	test('Given two 300-character names that clash after cutting, when planned, then both fit in 120 bytes and differ', () => {
		const long = 'L'.repeat(300);
		const planned = planSafePaths([[long], [long.toLowerCase()]]);
		for (const p of planned) assert.ok(Buffer.byteLength(p.segments[0] ?? '') <= 120);
		assert.notEqual(clashKey(planned[0]?.segments[0] ?? ''), clashKey(planned[1]?.segments[0] ?? ''));
	});

	test('Given many folders, when planned, then no two siblings share a case-insensitive segment (property)', () => {
		const names = ['a', 'A', 'a.', 'a ', 'A.', 'con', 'CON', 'Con.txt', 'x'.repeat(300), 'X'.repeat(300), '..', '.', '%2E', '%2e', '', '_'];
		const planned = planSafePaths(names.map((n) => [n]));
		const keys = planned.map((p) => clashKey(p.segments[0] ?? ''));
		assert.equal(new Set(keys).size, names.length, JSON.stringify(planned.map((p) => p.segments[0])));
	});
});

describe('isSafeRelativePath', () => {
	const rows: ReadonlyArray<readonly [string, boolean]> = [
		['INBOX/cur/1.abc:2,S', true],
		['Archive.sbd/2019.mbox', true],
		['a b/c', true],
		['', false],
		['/etc/passwd', false],
		['../outside', false],
		['a/../../b', false],
		['a/./b', false],
		['a//b', false],
		['C:/Windows', false],
		['c:x', false],
		['a\\..\\b', false],
		['a\u0000b', false],
	];
	for (const [path, expected] of rows) {
		test(`Given the manifest path ${JSON.stringify(path)}, when checked, then it is ${expected ? 'accepted' : 'refused'}`, () => {
			assert.equal(isSafeRelativePath(path), expected);
		});
	}
});
