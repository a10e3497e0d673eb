/**
 * ImapSink.ensureMailbox against a scripted server that answers CREATE of an existing mailbox as Cyrus 3.6 does,
 * `NO Mailbox already exists` without RFC 5530's [ALREADYEXISTS] (servers.md §3), so that the case is covered
 * where no private Cyrus can run (the sink conformance suite covers it on a real Cyrus).
 */
import assert from 'node:assert/strict';
import {test} from 'node:test';

import {ImapSink} from '../../src/uploader/imap-sink.js';
import {ScriptedImapServer} from '../helpers/scripted-imap-server.js';

async function withCyrusLikeServer(use: (server: ScriptedImapServer, sink: ImapSink) => Promise<void>): Promise<void> {
	const server = await ScriptedImapServer.start({alreadyExistsCode: false, lifetimeMs: 60_000});
	try {
		const sink = await ImapSink.connect({
			target: {host: server.host, port: server.port, implicitTls: false, requireStartTls: false, insecure: false, user: server.user},
			password: server.password, size: 1,
		});
		try {
			await use(server, sink);
		} finally {
			await sink.close();
		}
	} finally {
		await server.close();
	}
}

test('a folder another client created after the sink listed the account is used as existing and subscribed, though CREATE answers a plain NO', async () => {
	await withCyrusLikeServer(async (server, sink) => {
		assert.ok(server.createMailbox('Late'), 'another client creates the folder');
		const ensured = await sink.ensureMailbox('Late');
		assert.deepEqual({path: ensured.path, created: ensured.created}, {path: 'Late', created: false});
		assert.equal(server.mailbox('Late')?.subscribed, true, 'the folder the sink fills is subscribed');
		const receipt = await sink.append({
			ref: {store: 's', folder: 'f', key: '1', location: '#1'}, mailbox: 'Late', content: Buffer.from('Subject: late\r\n\r\nbody\r\n'),
			flags: [], internalDate: new Date(Date.UTC(2020, 0, 1)), dateSource: 'date-header', fingerprint: 'sha256:late',
		});
		assert.equal(server.messages().find((m) => m.uid === receipt.uid && m.mailbox === 'Late')?.raw.toString(), 'Subject: late\r\n\r\nbody\r\n');
	});
});
