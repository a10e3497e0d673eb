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
import {crlfInPlace, findBareLfs, toCrlf} from '../../src/mapper/normalize.js';

/** The conversion written the obvious way, to check the fast one against: every LF without a CR before it gets one. */
const reference = (text: string): string => text.replace(/(?<!\r)\n/g, '\r\n');

const samples = ['', 'a', '\n', '\r\n', 'a\nb', 'a\r\nb\n', '\n\n\r\n\n', 'x\r', '\r\r\n\n', 'Subject: s\n\nline one\nline two\r\nend', 'no line end at all'];

test('in place, the result is byte for byte what the mapper\'s toCrlf gives, and it is a view of the same memory', () => {
	for (const text of samples) {
		const stored = Buffer.from(text, 'latin1');
		const room = Buffer.alloc(stored.length + findBareLfs(stored).count + 3, 0x2a);
		stored.copy(room);
		const out = crlfInPlace(room, stored.length);
		assert.deepEqual(out, toCrlf(stored), JSON.stringify(text));
		assert.equal(out.toString('latin1'), reference(text), JSON.stringify(text));
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
		assert.equal(toCrlf(stored).toString('latin1'), reference(parts.join('')), JSON.stringify(parts.join('')));
	}
});

test('a message with more bare LFs than positions are recorded for (over 131,072) converts the same, in place or copied', () => {
	// Lines of every kind, 200,000 bare LFs in all: past the recorded positions the LFs are searched for again.
	const text = 'Subject: many lines\n\n' + 'a\n\r\nbc\r\r\n\n'.repeat(100_000) + 'end';
	const stored = Buffer.from(text, 'latin1');
	const bare = findBareLfs(stored);
	assert.equal(bare.count, 200_002);
	assert.equal(bare.at, undefined, 'too many to record');
	const room = Buffer.allocUnsafe(stored.length + bare.count);
	stored.copy(room);
	const inPlace = crlfInPlace(room, stored.length);
	assert.equal(inPlace.buffer, room.buffer);
	assert.equal(inPlace.toString('latin1'), reference(text));
	assert.equal(toCrlf(stored).toString('latin1'), reference(text));
	// And the next, small message is converted from its own positions, not the big one's.
	assert.equal(toCrlf(Buffer.from('x\ny\n')).toString(), 'x\r\ny\r\n');
});

test('positions are recorded for a message just under the limit, and the result is the same', () => {
	const text = 'q\n'.repeat(131_072);
	const stored = Buffer.from(text, 'latin1');
	const bare = findBareLfs(stored);
	assert.equal(bare.count, 131_072);
	assert.ok(bare.at !== undefined && bare.at[131_071] === stored.length - 1, 'every position recorded, the last one last');
	assert.equal(toCrlf(stored).toString('latin1'), reference(text));
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

test('past 2 GiB, positions are not recorded (an Int32Array cannot hold them): the expansion searches instead', () => {
	// A stand-in for a message of 2 GiB and more (a handed-over mbox message can be that big): one bare LF at 2^31 + 5.
	const lf = 2 ** 31 + 5;
	const huge = {indexOf: (_value: number, from = 0) => (from <= lf ? lf : -1), [lf - 1]: 0x41} as unknown as Buffer;
	const bare = findBareLfs(huge, lf + 10);
	assert.equal(bare.count, 1);
	assert.equal(bare.at, undefined);
});
