import assert from 'node:assert/strict';
import {describe, test} from 'node:test';

import {fingerprint} from '../../src/mapper/fingerprint.js';

const bytes = (text: string): Buffer => Buffer.from(text, 'latin1');

describe('fingerprint', () => {
	const table: ReadonlyArray<readonly [string, Buffer, string | undefined, string]> = [
		['a Message-ID and 10 bytes', bytes('0123456789'), 'abc@example.com', 'mid:abc@example.com:10'],
		['a Message-ID and an empty body', Buffer.alloc(0), 'abc@example.com', 'mid:abc@example.com:0'],
		['a Message-ID that contains colons', bytes('xy'), 'a:b@c', 'mid:a:b@c:2'],
		['no Message-ID and "abc" (FIPS 180-2 test vector)', bytes('abc'), undefined,
			'sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
		['no Message-ID and no bytes', Buffer.alloc(0), undefined, 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
		['an empty Message-ID (treated as none)', bytes('abc'), '', 'sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
	];
	for (const [name, content, messageId, expected] of table) {
		test(`Given ${name}, when fingerprinted, then the result is ${expected}`, () => {
			assert.equal(fingerprint(content, messageId), expected);
		});
	}

	test('Given the same Message-ID on messages of different sizes, when fingerprinted, then the fingerprints differ', () => {
		assert.notEqual(fingerprint(bytes('a'), 'x@y'), fingerprint(bytes('ab'), 'x@y'));
	});

	test('Given two different messages without a Message-ID, when fingerprinted, then the fingerprints differ', () => {
		assert.notEqual(fingerprint(bytes('Subject: a\r\n\r\n'), undefined), fingerprint(bytes('Subject: b\r\n\r\n'), undefined));
	});

	test('Given the same bytes twice, when fingerprinted, then the result is the same (deterministic)', () => {
		assert.equal(fingerprint(bytes('Subject: a\r\n\r\nbody\r\n'), undefined), fingerprint(bytes('Subject: a\r\n\r\nbody\r\n'), undefined));
	});

	test('Given a Message-ID, when fingerprinted, then the content bytes do not matter beyond their length', () => {
		assert.equal(fingerprint(bytes('aaaa'), 'x@y'), fingerprint(bytes('bbbb'), 'x@y'));
	});
});
