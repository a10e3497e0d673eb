import assert from 'node:assert/strict';
import {describe, test} from 'node:test';

import {SYSTEM_FLAGS, allowedFlags, canonicalSystemFlag, isValidKeyword, sanitizeFlags} from '../../src/mapper/flags.js';

describe('SYSTEM_FLAGS', () => {
	test('the settable system flags are exactly the five of RFC 3501 §2.3.2, without \\Recent', () => {
		assert.deepEqual([...SYSTEM_FLAGS].sort(), ['\\Answered', '\\Deleted', '\\Draft', '\\Flagged', '\\Seen']);
	});
});

describe('canonicalSystemFlag', () => {
	const table: ReadonlyArray<readonly [string, string | undefined]> = [
		['\\Seen', '\\Seen'],
		['\\seen', '\\Seen'],
		['\\SEEN', '\\Seen'],
		['\\answered', '\\Answered'],
		['\\fLaGgEd', '\\Flagged'],
		['\\deleted', '\\Deleted'],
		['\\draft', '\\Draft'],
		['\\Recent', undefined],
		['\\*', undefined],
		['\\Junk', undefined],
		['\\', undefined],
		['Seen', undefined],
		['$Forwarded', undefined],
	];
	for (const [flag, expected] of table) {
		test(`Given "${flag}", when canonicalized, then the result is ${expected ?? 'undefined'}`, () => {
			assert.equal(canonicalSystemFlag(flag), expected);
		});
	}
});

describe('isValidKeyword', () => {
	const table: ReadonlyArray<readonly [string, string, boolean]> = [
		['$Forwarded', 'a $-keyword', true],
		['$MDNSent', 'another $-keyword', true],
		['$label1', 'a Thunderbird label', true],
		['work', 'a plain word', true],
		['Project-X_2.0', 'dashes, underscores and dots', true],
		['a+b#c!d', 'other printable atom chars', true],
		['x'.repeat(50), 'exactly 50 chars (Dovecot mail_max_keyword_length)', true],
		['x'.repeat(51), '51 chars', false],
		['', 'the empty string', false],
		['two words', 'a space', false],
		['a(b', 'an opening parenthesis', false],
		['a)b', 'a closing parenthesis', false],
		['a{b', 'an opening brace', false],
		['a%b', 'a list wildcard %', false],
		['a*b', 'a list wildcard *', false],
		['a"b', 'a double quote', false],
		['a\\b', 'a backslash', false],
		['a]b', 'a closing bracket (resp-specials)', false],
		['a\tb', 'a tab (CTL)', false],
		['a\x00b', 'a NUL (CTL)', false],
		['a\x7fb', 'DEL', false],
		['grün', 'an 8-bit char', false],
		['标签', 'non-ASCII text', false],
	];
	for (const [flag, name, expected] of table) {
		test(`Given a keyword with ${name}, when validated, then it is ${expected ? 'valid' : 'invalid'}`, () => {
			assert.equal(isValidKeyword(flag), expected);
		});
	}
});

describe('sanitizeFlags', () => {
	const table: ReadonlyArray<readonly [string, readonly string[], readonly string[], readonly string[]]> = [
		['no flags', [], [], []],
		['the Maildir set S R F D plus P', ['\\Seen', '\\Answered', '\\Flagged', '\\Draft', '$Forwarded'],
			['$Forwarded', '\\Answered', '\\Draft', '\\Flagged', '\\Seen'], []],
		['system flags in the wrong case', ['\\seen', '\\FLAGGED'], ['\\Flagged', '\\Seen'], []],
		['the same flag twice in different case', ['\\Seen', '\\seen', '\\SEEN'], ['\\Seen'], []],
		['\\Recent (never sent)', ['\\Seen', '\\Recent'], ['\\Seen'], ['\\Recent']],
		['unknown system flags', ['\\Junk', '\\Important', '\\*'], [], ['\\Junk', '\\Important', '\\*']],
		['\\Deleted (kept here; trash policy is map-message\'s)', ['\\Deleted'], ['\\Deleted'], []],
		['valid keywords', ['work', '$label1', '$Forwarded'], ['$Forwarded', '$label1', 'work'], []],
		['invalid keywords', ['two words', 'grün', '', 'x'.repeat(51)], [], ['two words', 'grün', '', 'x'.repeat(51)]],
		['a mixture', ['\\Recent', 'ok', '\\answered', 'bad(', '\\Seen'], ['\\Answered', '\\Seen', 'ok'], ['\\Recent', 'bad(']],
	];
	for (const [name, input, flags, dropped] of table) {
		test(`Given ${name}, when sanitized, then [${flags.join(' ')}] are sent and [${dropped.join(' ')}] dropped`, () => {
			assert.deepEqual(sanitizeFlags(input), {flags: [...flags], dropped: [...dropped]});
		});
	}

	test('Given a Set of flags (as readers provide), when sanitized, then it is accepted as an iterable', () => {
		assert.deepEqual(sanitizeFlags(new Set(['\\Seen', '$Forwarded'])).flags, ['$Forwarded', '\\Seen']);
	});

	test('Given the same flags in any order, when sanitized, then the output order is the same (stable for journals)', () => {
		assert.deepEqual(sanitizeFlags(['work', '\\Seen', '$x']).flags, sanitizeFlags(['$x', 'work', '\\Seen']).flags);
	});
});

describe('allowedFlags', () => {
	const all = ['\\Seen', '\\Answered', '\\Flagged', '\\Deleted', '\\Draft', '$Forwarded', 'work'];
	// [case, PERMANENTFLAGS, kept, dropped]
	const table: ReadonlyArray<readonly [string, readonly string[] | undefined, readonly string[], readonly string[]]> = [
		['all system flags and \\* (Dovecot)', ['\\Answered', '\\Flagged', '\\Deleted', '\\Seen', '\\Draft', '\\*'], all, []],
		['system flags without \\* (no new keywords)', ['\\Answered', '\\Flagged', '\\Deleted', '\\Seen', '\\Draft'],
			['\\Seen', '\\Answered', '\\Flagged', '\\Deleted', '\\Draft'], ['$Forwarded', 'work']],
		['system flags and one known keyword, no \\*', ['\\Seen', '\\Answered', '\\Flagged', '\\Deleted', '\\Draft', '$Forwarded'],
			['\\Seen', '\\Answered', '\\Flagged', '\\Deleted', '\\Draft', '$Forwarded'], ['work']],
		['\\* only (keywords yes, system flags not listed)', ['\\*'], ['$Forwarded', 'work'], ['\\Seen', '\\Answered', '\\Flagged', '\\Deleted', '\\Draft']],
		['a read-only mailbox (empty PERMANENTFLAGS)', [], [], all],
		['a server without \\Deleted in PERMANENTFLAGS', ['\\Seen', '\\Flagged', '\\*'], ['\\Seen', '\\Flagged', '$Forwarded', 'work'],
			['\\Answered', '\\Deleted', '\\Draft']],
		['flags listed in other case', ['\\SEEN', '\\flagged', '$forwarded'], ['\\Seen', '\\Flagged', '$Forwarded'],
			['\\Answered', '\\Deleted', '\\Draft', 'work']],
		['no PERMANENTFLAGS at all (undefined: system flags only)', undefined,
			['\\Seen', '\\Answered', '\\Flagged', '\\Deleted', '\\Draft'], ['$Forwarded', 'work']],
	];
	for (const [name, permanent, kept, dropped] of table) {
		test(`Given PERMANENTFLAGS with ${name}, when filtered, then [${kept.join(' ')}] are kept`, () => {
			const result = allowedFlags(all, permanent === undefined ? undefined : new Set(permanent));
			assert.deepEqual(result, {flags: [...kept], dropped: [...dropped]});
		});
	}

	test('Given no flags, when filtered against any PERMANENTFLAGS, then nothing is kept or dropped', () => {
		assert.deepEqual(allowedFlags([], new Set(['\\*'])), {flags: [], dropped: []});
		assert.deepEqual(allowedFlags([], undefined), {flags: [], dropped: []});
	});

	test('Given flags in some order, when filtered, then the kept flags keep that order', () => {
		assert.deepEqual(allowedFlags(['work', '\\Seen', '$a'], new Set(['\\Seen', '\\*'])).flags, ['work', '\\Seen', '$a']);
	});
});
