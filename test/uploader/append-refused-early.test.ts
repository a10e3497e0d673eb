/**
 * An APPEND refused before the server read its literals (issue #14: message buffers used again). The bytes still
 * queued for the connection are the messages' own buffers, which the engine hands to the next messages once the
 * append settles; so the connection they wait on is closed before the refusal reaches the caller. Against the
 * scripted server: real Dovecot reads every literal before it answers, so it cannot show this on demand.
 */
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {ImapFlow} from 'imapflow';
import type {UploadJob} from '../../src/contracts/types.js';
import {multiAppend} from '../../src/uploader/multi-append.js';
import {ScriptedImapServer} from '../helpers/scripted-imap-server.js';

const job = (content: Buffer): UploadJob => ({
	ref: {store: '/s', folder: 'Inbox', key: 'k', location: '/s/k'}, mailbox: 'INBOX', content, flags: [],
	internalDate: new Date(Date.UTC(2020, 0, 1)), dateSource: 'date-header', fingerprint: 'sha256:x',
});

for (const early of [true, false]) {
	test(early
		? 'a NO to the command line of an APPEND whose literal is still queued closes the connection before the caller hears it'
		: 'an APPEND refused after its literal was read keeps the connection', async () => {
		// Given a server that refuses the APPEND as soon as its command line arrives and reads nothing more (or,
		// for comparison, one that reads the literal and then refuses it)
		const server = await ScriptedImapServer.start({
			...(early ? {refuseAppendEarly: () => 'NO [TOOBIG] Message too large'} : {onAppend: () => ({reply: 'NO [TOOBIG] Message too large'})}),
		});
		const client = new ImapFlow({host: server.host, port: server.port, secure: false, auth: {user: server.user, pass: server.password}, logger: false});
		try {
			await client.connect();
			// When a message larger than the socket buffers can take is appended
			const content = Buffer.alloc(early ? 16 << 20 : 64 << 10, 0x61);
			await assert.rejects(multiAppend(client, 'INBOX', [job(content)]), (error: {serverResponseCode?: string}) => error.serverResponseCode === 'TOOBIG');
			// Then the refusal came back, and only the connection with bytes still queued was closed
			assert.equal(client.usable, !early);
		} finally {
			client.close();
			await server.close();
		}
	});
}
