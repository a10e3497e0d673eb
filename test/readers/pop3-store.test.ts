/**
 * Pop3Store against a scripted loopback POP3 server (RFC 1939) that records every command: what is read,
 * what is reported, that a dropped session is replaced by a new login, and that nothing but read-only
 * commands is ever sent. The real-server test is test/e2e/migrate-pop3.test.ts (Dovecot pop3d).
 */
import assert from 'node:assert/strict';
import {once} from 'node:events';
import type {AddressInfo, Socket} from 'node:net';
import {createServer} from 'node:net';
import {test} from 'node:test';

import type {SourceMessage} from '../../src/contracts/types.js';
import {Pop3Store} from '../../src/readers/pop3/pop3-store.js';
import type {ReaderProblem} from '../../src/contracts/source-store.js';

const MESSAGES = [
	'Subject: one\r\n\r\n.starts with a dot\r\n',
	'Subject: two (gone from the server)\r\n\r\nx\r\n',
	'Subject: three\r\n\r\nlast\r\n',
];
const READ_ONLY = /^(CAPA|USER|PASS|UIDL|LIST|RETR|RSET|QUIT|STLS)\b/;

async function scriptedServer(): Promise<{port: number; commands: string[]; sessions: Socket[]; close: () => Promise<void>}> {
	const commands: string[] = [];
	const sessions: Socket[] = [];
	const server = createServer((socket) => {
		sessions.push(socket);
		socket.write('+OK ready\r\n');
		let pending = '';
		socket.on('data', (chunk: Buffer) => {
			pending += chunk.toString('latin1');
			for (let end = pending.indexOf('\r\n'); end !== -1; end = pending.indexOf('\r\n')) {
				const line = pending.slice(0, end);
				pending = pending.slice(end + 2);
				commands.push(line);
				const [verb = '', argument = ''] = line.split(' ');
				if (verb === 'USER' || verb === 'PASS') socket.write('+OK\r\n');
				else if (verb === 'CAPA') socket.write('+OK\r\nUIDL\r\nUSER\r\n.\r\n');
				else if (verb === 'UIDL') socket.write(`+OK\r\n${MESSAGES.map((_, index) => `${index + 1} uid-${index + 1}`).join('\r\n')}\r\n.\r\n`);
				else if (verb === 'LIST') socket.write(`+OK\r\n${MESSAGES.map((message, index) => `${index + 1} ${message.length}`).join('\r\n')}\r\n.\r\n`);
				else if (verb === 'RETR' && argument === '2') socket.write('-ERR no such message\r\n');
				else if (verb === 'RETR') socket.write(`+OK\r\n${(MESSAGES[Number(argument) - 1] ?? '').replace(/^\./gm, '..')}.\r\n`);
				else if (verb === 'RSET') socket.write('+OK\r\n');
				else if (verb === 'QUIT') socket.end('+OK bye\r\n');
				else socket.write('-ERR unknown\r\n');
			}
		});
	});
	server.listen(0, '127.0.0.1');
	await once(server, 'listening');
	return {
		port: (server.address() as AddressInfo).port, commands, sessions,
		close: async () => {
			for (const socket of sessions) socket.destroy();
			server.close();
			await once(server, 'close');
		},
	};
}

test('a POP3 maildrop is read by UIDL with dot-unstuffing, a message gone from the server is reported, a dropped session is replaced, and only read-only commands are sent', async () => {
	const server = await scriptedServer();
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
