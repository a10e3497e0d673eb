/**
 * The ManageSieve client against scripted loopback servers: what a real Dovecot cannot easily show — a port
 * that is not ManageSieve, a server without STARTTLS, OAUTHBEARER / XOAUTH2 initial responses and the
 * RFC 7628 error challenge.
 */
import assert from 'node:assert/strict';
import {createServer} from 'node:net';
import type {Server, Socket} from 'node:net';
import {after, describe, test} from 'node:test';

import {MailshiftError} from '../../src/contracts/errors.js';
import {ManageSieveClient} from '../../src/rules/managesieve-client.js';

const GREETING = '"IMPLEMENTATION" "scripted"\r\n"SASL" "PLAIN OAUTHBEARER XOAUTH2"\r\n"SIEVE" "fileinto"\r\n"VERSION" "1.0"\r\nOK "ready"\r\n';

/** A server that sends `greeting`, then answers each received line with `reply(line)`; records the lines. */
async function scripted(greeting: string, reply: (line: string) => string): Promise<{port: number; lines: string[]; server: Server}> {
	const lines: string[] = [];
	const server = createServer((socket: Socket) => {
		socket.write(greeting);
		let buffer = '';
		socket.on('data', (chunk: Buffer) => {
			buffer += chunk.toString('utf8');
			let nl: number;
			while ((nl = buffer.indexOf('\r\n')) >= 0) {
				const line = buffer.slice(0, nl);
				buffer = buffer.slice(nl + 2);
				lines.push(line);
				const answer = reply(line);
				if (answer) socket.write(answer);
				if (line === 'LOGOUT') socket.end();
			}
		});
		socket.on('error', () => {});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const address = server.address();
	return {port: typeof address === 'object' && address ? address.port : 0, lines, server};
}

describe('ManageSieve client against scripted servers', () => {
	const servers: Server[] = [];
	after(() => { for (const s of servers) s.close(); });

	test('Given a port that speaks IMAP, then connecting fails with MANAGESIEVE_UNAVAILABLE and a hint to use --out', async () => {
		const s = await scripted('* OK [CAPABILITY IMAP4rev1] ready\r\n', () => '');
		servers.push(s.server);
		await assert.rejects(ManageSieveClient.connect({host: '127.0.0.1', port: s.port, security: 'none', timeoutMs: 5000}), (error: unknown) => {
			assert.ok(error instanceof MailshiftError);
			assert.equal(error.code, 'MANAGESIEVE_UNAVAILABLE');
			assert.match(error.hint ?? '', /--out/);
			return true;
		});
	});

	test('Given a server without STARTTLS, then the client refuses to log in unencrypted unless told', async () => {
		const s = await scripted(GREETING, () => 'OK\r\n');
		servers.push(s.server);
		await assert.rejects(ManageSieveClient.connect({host: '127.0.0.1', port: s.port}), (error: unknown) => error instanceof MailshiftError && error.code === 'TLS_FAILED');
		const client = await ManageSieveClient.connect({host: '127.0.0.1', port: s.port, security: 'opportunistic'});
		await client.logout();
		assert.ok(!s.lines.includes('STARTTLS'));
	});

	test('OAUTHBEARER sends the RFC 7628 initial response; an error challenge is answered with 0x01 and ends in AUTH_FAILED', async () => {
		const s = await scripted(GREETING, (line) => {
			if (line.startsWith('AUTHENTICATE')) return `"${Buffer.from('{"status":"invalid_token"}').toString('base64')}"\r\n`;
			if (line === '"AQ=="') return 'NO "Authentication failed"\r\n';
			return 'OK\r\n';
		});
		servers.push(s.server);
		const client = await ManageSieveClient.connect({host: '127.0.0.1', port: s.port, security: 'none'});
		try {
			await assert.rejects(client.authenticate({user: 'me@example.com', accessToken: 'tok-123'}), (error: unknown) => {
				assert.ok(error instanceof MailshiftError);
				assert.equal(error.code, 'AUTH_FAILED');
				assert.ok(!error.message.includes('tok-123'));
				return true;
			});
		} finally {
			await client.logout();
		}
		const auth = s.lines.find((l) => l.startsWith('AUTHENTICATE'));
		const initial = /^AUTHENTICATE "OAUTHBEARER" "([^"]+)"$/.exec(auth ?? '')?.[1] ?? '';
		assert.equal(Buffer.from(initial, 'base64').toString(), 'n,a=me@example.com,\x01auth=Bearer tok-123\x01\x01');
		assert.ok(s.lines.includes('"AQ=="'));
	});

	test('XOAUTH2 sends user and bearer token, then reads the capabilities again', async () => {
		const s = await scripted(GREETING, (line) => (line === 'CAPABILITY' ? '"SIEVE" "fileinto imap4flags"\r\nOK\r\n' : 'OK\r\n'));
		servers.push(s.server);
		const client = await ManageSieveClient.connect({host: '127.0.0.1', port: s.port, security: 'none'});
		try {
			await client.authenticate({user: 'me', accessToken: 'tok', mechanism: 'XOAUTH2'});
			assert.ok(client.capabilities.sieve.has('imap4flags'));
		} finally {
			await client.logout();
		}
		const initial = /^AUTHENTICATE "XOAUTH2" "([^"]+)"$/.exec(s.lines[0] ?? '')?.[1] ?? '';
		assert.equal(Buffer.from(initial, 'base64').toString(), 'user=me\x01auth=Bearer tok\x01\x01');
	});
});
