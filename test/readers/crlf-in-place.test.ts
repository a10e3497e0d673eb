/**
 * CRLF conversion where a reader read the message (src/mapper/normalize.ts `crlfInPlace`, readers/maildir/read-message-file.ts):
 * the same bytes as the mapper's toCrlf, in the reader's own buffer when it has room.
 */
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {mkdtemp, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {readMessageFile} from '../../src/readers/maildir/read-message-file.js';
import {countBareLf, crlfInPlace, toCrlf} from '../../src/mapper/normalize.js';

const samples = ['', 'a', '\n', '\r\n', 'a\nb', 'a\r\nb\n', '\n\n\r\n\n', 'x\r', '\r\r\n\n', 'Subject: s\n\nline one\nline two\r\nend', 'no line end at all'];

test('in place, the result is byte for byte what the mapper\'s toCrlf gives, and it is a view of the same memory', () => {
	for (const text of samples) {
		const stored = Buffer.from(text, 'latin1');
		const room = Buffer.alloc(stored.length + countBareLf(stored) + 3, 0x2a);
		stored.copy(room);
		const out = crlfInPlace(room, stored.length);
		assert.deepEqual(out, toCrlf(stored), JSON.stringify(text));
		assert.equal(out.buffer, room.buffer, `converted where it lies: ${JSON.stringify(text)}`);
	}
});

test('without room, a converted copy of exactly the right size is returned and the input is left as it was', () => {
	const stored = Buffer.alloc(14);
	stored.write('one\ntwo\nthree\n');
	const copy = Buffer.from(stored);
	const out = crlfInPlace(stored, stored.length);
	assert.equal(out.toString(), 'one\r\ntwo\r\nthree\r\n');
	assert.notEqual(out.buffer, stored.buffer);
	assert.deepEqual(stored, copy);
});

test('random messages with mixed line ends convert like toCrlf (1,000 cases)', () => {
	let seed = 7;
	const next = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) / 65536;
	for (let n = 0; n < 1000; n++) {
		const parts: string[] = [];
		for (let k = Math.floor(next() * 40); k > 0; k--) parts.push(['\n', '\r\n', '\r', 'ab', 'x', '\n\n'][Math.floor(next() * 6)]!);
		const stored = Buffer.from(parts.join(''), 'latin1');
		const room = Buffer.allocUnsafe(stored.length + Math.floor(next() * 20));
		stored.copy(room);
		assert.deepEqual(crlfInPlace(room, stored.length), toCrlf(stored), JSON.stringify(parts.join('')));
	}
});

test('a message file is read whole with CRLF line ends when asked, as stored otherwise, whatever size the listing said', async (t) => {
	const dir = await mkdtemp(join(tmpdir(), 'ms-read-'));
	t.after(() => rm(dir, {recursive: true, force: true}));
	const text = `Subject: big\n\n${'0123456789abcdef\n'.repeat(200_000)}end`;
	const path = Buffer.from(join(dir, 'm1'));
	await writeFile(path, text);
	const size = Buffer.byteLength(text);
	assert.equal((await readMessageFile(path, size, true)).toString(), text.replace(/\n/g, '\r\n'));
	assert.equal((await readMessageFile(path, size, false)).toString(), text);
	// The file grew or shrank since the listing: what it holds now, whole.
	assert.equal((await readMessageFile(path, 10, true)).toString(), text.replace(/\n/g, '\r\n'));
	assert.equal((await readMessageFile(path, size * 2, false)).toString(), text);
	assert.equal((await readMessageFile(path, Number.NaN, false)).toString(), text);
	await assert.rejects(readMessageFile(Buffer.from(join(dir, 'missing')), 5, true), {code: 'ENOENT'});
});
