/**
 * Pop3Store against a scripted loopback POP3 server (RFC 1939) that records every command: what is read,
 * what is reported, that a dropped session is replaced by a new login, and that nothing but read-only
 * commands is ever sent. The real-server test is test/e2e/migrate-pop3.test.ts (Dovecot pop3d).
 */
import assert from 'node:assert/strict';
import {once} from 'node:events';
import {test} from 'node:test';

import type {SourceMessage} from '../../src/contracts/types.js';
import {Pop3Store} from '../../src/readers/pop3/pop3-store.js';
import type {ReaderProblem} from '../../src/contracts/source-store.js';
import {scriptedPop3Server} from '../helpers/scripted-pop3-server.js';

const MESSAGES = [
	'Subject: one\r\n\r\n.starts with a dot\r\n',
	'Subject: two (gone from the server)\r\n\r\nx\r\n',
	'Subject: three\r\n\r\nlast\r\n',
];
const READ_ONLY = /^(CAPA|USER|PASS|UIDL|LIST|RETR|RSET|QUIT|STLS)\b/;

test('a POP3 maildrop is read by UIDL with dot-unstuffing, a message gone from the server is reported, a dropped session is replaced, and only read-only commands are sent', async () => {
	const server = await scriptedPop3Server(MESSAGES, new Set([2]));
	try {
		const problems: ReaderProblem[] = [];
		const store = await Pop3Store.open(`pop3://me@127.0.0.1:${server.port}`, {password: 'secret-pw', onProblem: (problem) => problems.push(problem)});
		const [folder] = await store.listFolders();
		assert.deepEqual(folder?.path, ['INBOX']);
		assert.equal(folder?.count, 3);
		const read: SourceMessage[] = [];
		for await (const message of store.messages(folder ?? {path: ['INBOX']})) read.push(message);
		assert.deepEqual(read.map((message) => message.ref.key), ['uid-1', 'uid-3']);
		assert.deepEqual(read.map((message) => message.raw.toString('latin1')), [MESSAGES[0], MESSAGES[2]]);
		assert.equal(problems.length, 1);
		assert.match(problems[0]?.location ?? '', /UIDL uid-2/);

		// The server drops the idle session; the next pass logs in again.
		const first = server.sessions[0];
		assert.ok(first);
		const closed = once(first, 'close');
		first.destroy();
		await closed;
		const again: SourceMessage[] = [];
		for await (const message of store.messages(folder ?? {path: ['INBOX']})) again.push(message);
		assert.deepEqual(again.map((message) => message.ref.key), ['uid-1', 'uid-3']);
		assert.equal(server.sessions.length, 2);
		await store.close();
		await store.close();

		assert.ok(server.commands.length > 0);
		for (const command of server.commands) assert.match(command, READ_ONLY, `a command that is not read-only was sent: ${command}`);
		assert.ok(server.commands.includes('QUIT'));
	} finally {
		await server.close();
	}
});
