/**
 * scriptedPop3Server: a loopback POP3 server (RFC 1939) for reader tests that serves `messages` (UIDLs
 * `uid-N`), answers RETR of the numbers in `gone` with -ERR (deleted by another client meanwhile), and
 * records every command so a test can check that only read-only ones were sent.
 */
import {once} from 'node:events';
import type {AddressInfo, Socket} from 'node:net';
import {createServer} from 'node:net';

export type ScriptedPop3Server = Readonly<{port: number; commands: string[]; sessions: Socket[]; close: () => Promise<void>}>;

export async function scriptedPop3Server(messages: readonly string[], gone: ReadonlySet<number> = new Set()): Promise<ScriptedPop3Server> {
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
				else if (verb === 'UIDL') socket.write(`+OK\r\n${messages.map((_, index) => `${index + 1} uid-${index + 1}`).join('\r\n')}\r\n.\r\n`);
				else if (verb === 'LIST') socket.write(`+OK\r\n${messages.map((message, index) => `${index + 1} ${message.length}`).join('\r\n')}\r\n.\r\n`);
				else if (verb === 'RETR' && gone.has(Number(argument))) socket.write('-ERR no such message\r\n');
				else if (verb === 'RETR') socket.write(`+OK\r\n${(messages[Number(argument) - 1] ?? '').replace(/^\./gm, '..')}.\r\n`);
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
