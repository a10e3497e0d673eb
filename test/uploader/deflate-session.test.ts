/**
 * src/uploader/deflate-session.ts reaches into imapflow (its @internal `compress()` and the `_deflate` zlib
 * stream). These tests fail if imapflow changes either: COMPRESS issued in the middle of a session on an idle
 * connection, the level set to 1, and the bytes on the wire (counted by a loopback proxy) a fraction of the
 * message's, while the message arrives byte for byte.
 */
import assert from 'node:assert/strict';
import {after, before, describe, test} from 'node:test';
import {ImapFlow} from 'imapflow';
import {deflateLevel, startDeflate} from '../../src/uploader/deflate-session.js';
import {startRateLimitedProxy} from '../../src/testing/rate-limited-proxy.js';
import type {RateLimitedProxy} from '../../src/testing/rate-limited-proxy.js';
import {dovecotSkipReason, startDovecot} from '../helpers/dovecot.js';
import type {PrivateDovecot} from '../helpers/dovecot.js';

const skip = dovecotSkipReason();

describe('COMPRESS=DEFLATE started by mailshift in the middle of a session', {skip}, () => {
	let server: PrivateDovecot;
	let plain: PrivateDovecot;
	let proxy: RateLimitedProxy;
	before(async () => {
		server = await startDovecot({users: ['dz'], compress: true});
		plain = await startDovecot({users: ['dz']});
		proxy = await startRateLimitedProxy(server.port, 64 * 2 ** 20);
	});
	after(async () => {
		await proxy?.close();
		await server?.stop();
		await plain?.stop();
	});

	const open = async (port: number, owner: PrivateDovecot): Promise<ImapFlow> => {
		const client = new ImapFlow({host: '127.0.0.1', port, secure: false, auth: {user: 'dz', pass: owner.passwordOf('dz')}, logger: false, disableCompression: true, disableAutoIdle: true});
		client.on('error', () => {});
		await client.connect();
		return client;
	};

	test('an idle uncompressed session is compressed at level 1, and a message then crosses the wire deflated and arrives intact', async () => {
		const client = await open(proxy.port, server);
		try {
			await client.mailboxCreate('Text');
			assert.equal(deflateLevel(client), undefined, 'the session starts uncompressed');
			assert.equal(await startDeflate(client, 1), true);
			assert.equal(deflateLevel(client), 1);
			const lines = Array.from({length: 6000}, (_, i) => `Line ${i}: the quarterly figures for region ${i % 17} are attached as discussed.\r\n`).join('');
			const message = Buffer.from(`Message-ID: <dz-1@test>\r\nSubject: deflated\r\n\r\n${lines}`);
			const before = proxy.clientBytes;
			const appended = await client.append('Text', message, ['\\Seen']);
			const wire = proxy.clientBytes - before;
			assert.ok(wire < message.length / 4, `${wire} bytes on the wire for a ${message.length}-byte message`);
			await client.mailboxOpen('Text');
			const stored = await client.fetchOne(String(appended && appended.uid), {source: true}, {uid: true});
			assert.ok(stored && stored.source?.equals(message), 'the stored message is the one sent');
			assert.equal(await startDeflate(client, 1), true, 'asking again on a compressed session only sets the level');
		} finally {
			await client.logout();
		}
	});

	test('a server that does not offer COMPRESS=DEFLATE leaves the session uncompressed', async () => {
		const client = await open(plain.port, plain);
		try {
			assert.equal(await startDeflate(client, 1), false);
			assert.equal(deflateLevel(client), undefined);
			assert.deepEqual(await client.status('INBOX', {messages: true}), {path: 'INBOX', messages: 0}, 'the session still works');
		} finally {
			await client.logout();
		}
	});
});
