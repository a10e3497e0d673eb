/**
 * encode8bitHeaders (issue #12 item 8a): raw 8-bit header bytes → RFC 2047 encoded-words that decode back to the
 * same text; addresses, field names and the body are untouched; ASCII headers are returned as they are.
 */
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {encode8bitHeaders, has8bitHeader} from '../../src/mapper/encode-8bit-headers.js';

/** A minimal RFC 2047 B-word decoder for the checks (joins adjacent words, as §6.2 says). */
function decode(value: string): string {
	return value.replace(/\?=\r\n \=\?/g, '?==?').replace(/=\?([^?]+)\?B\?([^?]*)\?=/g, (_, charset: string, b64: string) => new TextDecoder(charset).decode(Buffer.from(b64, 'base64')));
}

test('Latin-1 and UTF-8 header values become encoded-words that decode to the same text; the body stays as it is', () => {
	const raw = Buffer.from('From: "M\xfcller, Hans" <h\xfc@x.de>\r\nSubject: Queensr\xffche live\r\nX-Note: caf\xc3\xa9\r\n\r\nb\xfcdy\r\n', 'latin1');
	const out = encode8bitHeaders(raw);
	const [header, body] = out.toString('latin1').split('\r\n\r\n') as [string, string];
	assert.equal(has8bitHeader(Buffer.from(header.replace(/<[^>]*>/g, '<>') + '\r\n\r\n', 'latin1')), false, 'no 8-bit byte left outside <…>');
	assert.match(header, /^From: =\?windows-1252\?B\?[^?]+\?= <h\xfc@x\.de>\r\n/, 'the address in <> is never encoded');
	assert.equal(decode(header.split('\r\n')[0]!), 'From: Müller, Hans <h\xfc@x.de>');
	assert.equal(decode(header.split('\r\n')[1]!), 'Subject: Queensrÿche live');
	assert.equal(decode(header.split('\r\n')[2]!), 'X-Note: café');
	assert.equal(body, 'b\xfcdy\r\n');
});

test('a long 8-bit value is split into encoded-words of at most 75 characters, folded, that decode back whole', () => {
	const text = 'äöü'.repeat(40);
	const out = encode8bitHeaders(Buffer.from(`Subject: ${text}\r\n\r\nx\r\n`, 'utf8')).toString('latin1');
	const header = out.split('\r\n\r\n')[0]!;
	for (const word of header.match(/=\?[^?]+\?B\?[^?]*\?=/g) ?? []) assert.ok(word.length <= 75, word);
	assert.equal(decode(header), `Subject: ${text}`);
});

test('a header without 8-bit bytes is returned unchanged (the same Buffer)', () => {
	const raw = Buffer.from('Subject: plain\r\n\r\nb\xfcdy\r\n', 'latin1');
	assert.equal(encode8bitHeaders(raw), raw);
});
