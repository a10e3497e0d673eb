/**
 * keyOf (src/readers/maildir/maildir-store.ts): a Maildir file name's key — the name before its last info
 * separator (`:2,`, `:1,`, Windows' `!2,` / `;2,`: cr.yp.to/proto/maildir.html, protocol.md §3.4) — found by a scan
 * instead of a regular expression. Checked against that expression on names built from the characters that matter.
 */
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {keyOf} from '../../src/readers/maildir/maildir-store.js';

/** The reader's pattern for the info part: the greedy first group is the key. */
const INFO = /^(.*)[:!;]([12]),(.*)$/s;
const reference = (name: string): string => INFO.exec(name)?.[1] ?? name;

test('the key of a file name is what the info pattern\'s first group takes, for real names and 20,000 made-up ones', () => {
	for (const name of ['1700000000.M1P2.host:2,S', '1700000000.M1P2.host,S=1234,W=1260:2,FRS', '1700000000.M1P2.host!2,S', 'x;2,', 'plain', ':2,', 'a:2,b:2,c', 'a:3,b', 'a:2', '', 'a\n:2,b', 'é:1,ü']) {
		assert.equal(keyOf(name), reference(name), JSON.stringify(name));
	}
	const alphabet = ['a', ':', '!', ';', '1', '2', '3', ',', '\n', 'S'];
	let seed = 12345;
	const next = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
	for (let n = 0; n < 20_000; n++) {
		let name = '';
		for (let length = next() % 12; length > 0; length--) name += alphabet[next() % alphabet.length];
		assert.equal(keyOf(name), reference(name), JSON.stringify(name));
	}
});
