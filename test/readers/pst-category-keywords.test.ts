/** Outlook categories → IMAP keywords (category-keywords.ts): Thunderbird's tag keys, valid RFC 3501 atoms. */
import assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import {allowedFlags, isValidKeyword} from '../../src/mapper/flags.js';
import {decodeMutf7} from '../../src/readers/mutf7.js';
import {encodeMutf7, keywordOfCategory, keywordsOfCategories} from '../../src/readers/pst/category-keywords.js';

describe('Outlook categories as IMAP keywords', () => {
	test('names become Thunderbird\'s keys: specials and spaces to "_", non-ASCII in modified UTF-7, lower case; each a valid atom', () => {
		const table: Array<[string, string | undefined]> = [
			['Red Category', 'red_category'],
			['Wichtig', 'wichtig'],
			['a(b)c{d}%e*f"g\\h]i/j<k>l', 'a_b_c_d}_e_f_g_h_i_j_k_l'],
			['Tom & Jerry', 'tom_&-_jerry'],
			['Projekt Ü', 'projekt_&anw-'],
			['  ', undefined],
			['tab\there', 'tab_here'],
		];
		for (const [name, keyword] of table) {
			assert.equal(keywordOfCategory(name), keyword, name);
			if (keyword !== undefined) assert.ok(isValidKeyword(keyword), `${keyword} is an RFC 3501 atom`);
		}
		assert.deepEqual(keywordsOfCategories(['Red Category', 'red category', 'Blue']), ['red_category', 'blue']);
	});

	test('the modified UTF-7 encoder is the inverse of the decoder the readers use', () => {
		for (const text of ['Résumé', 'A&B', '日本語', 'Emoji 😀 ok', 'plain']) assert.equal(decodeMutf7(encodeMutf7(text)), text);
		assert.equal(encodeMutf7('Résumé'), 'R&AOk-sum&AOk-'); // RFC 3501 §5.1.3's example spelling
	});

	test('keywords are kept only where PERMANENTFLAGS allows new ones (\\*); elsewhere they are dropped, never failing the message', () => {
		assert.deepEqual(allowedFlags(['\\Seen', 'red_category'], new Set(['\\Seen', '\\*'])), {flags: ['\\Seen', 'red_category'], dropped: []});
		assert.deepEqual(allowedFlags(['\\Seen', 'red_category'], new Set(['\\Seen', '\\Flagged'])), {flags: ['\\Seen'], dropped: ['red_category']});
	});
});
