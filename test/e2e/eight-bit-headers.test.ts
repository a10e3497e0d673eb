/**
 * Issue #12 item 8a(b): raw 8-bit header bytes must survive a server that rewrites them. Cyrus 3.6 replaces each
 * with `X` ("Queensrÿche" → "QueensrXXche") at equal size; Cyrus is not installable next to Dovecot here
 * (servers.md §6), so the test puts a proxy in front of the private Dovecot that does to the client's bytes what
 * Cyrus's munge8bit does to a stored header: every byte ≥ 0x80 becomes `X` (the test's bodies are ASCII, so only
 * headers change; sizes and literal lengths stay). mailshift must notice it with its first 8-bit message, remove
 * that changed copy, send the 8-bit headers RFC 2047-encoded, say so in the summary, verify OK, and upload
 * nothing on a re-run without its journal.
 */
import assert from 'node:assert/strict';
import {mkdir, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import {connect, createServer} from 'node:net';
import type {Server} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, test} from 'node:test';
import {dovecotSkipReason, startDovecot} from '../helpers/dovecot.js';
import type {PrivateDovecot} from '../helpers/dovecot.js';
import {readAccount} from '../helpers/imap-readback.js';
import {runCli} from '../helpers/run-cli.js';

const skip = dovecotSkipReason();

/** A loopback proxy replacing every client→server byte ≥ 0x80 with 'X' (as Cyrus munge8bit stores headers). */
async function mungingProxy(targetPort: number): Promise<{port: number; close: () => Promise<void>}> {
	const sockets = new Set<import('node:net').Socket>();
	const server: Server = createServer((client) => {
		const upstream = connect({host: '127.0.0.1', port: targetPort});
		for (const s of [client, upstream]) {
			sockets.add(s);
			s.on('error', () => undefined);
			s.on('close', () => {
				client.destroy();
				upstream.destroy();
			});
		}
		client.on('data', (chunk: Buffer) => upstream.write(Buffer.from(chunk.map((b) => (b >= 0x80 ? 0x58 : b)))));
		upstream.pipe(client);
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const address = server.address();
	return {
		port: typeof address === 'object' && address ? address.port : 0,
		close: () => new Promise<void>((resolve) => {
			for (const s of sockets) s.destroy();
			server.close(() => resolve());
		}),
	};
}

describe('raw 8-bit headers on a server that would replace them with X', {skip}, () => {
	let server: PrivateDovecot;
	let work: string;
	before(async () => {
		server = await startDovecot({users: ['munge', 'plain']});
		work = await mkdtemp(join(tmpdir(), 'ms-8bit-'));
	});
	after(async () => {
		await server?.stop();
		await rm(work, {recursive: true, force: true});
	});

	async function maildir(name: string): Promise<string> {
		const root = join(work, name);
		for (const sub of ['cur', 'new', 'tmp']) await mkdir(join(root, sub), {recursive: true});
		const subjects = ['Queensr\xffche live', 'plain one', 'Z\xfcrich tickets', 'plain two', 'caf\xc3\xa9 menu'];
		for (const [i, subject] of subjects.entries()) {
			await writeFile(join(root, 'cur', `16000000${i}.M${i}P1.h:2,S`), Buffer.from(
				`From: "M\xfcller, Hans" <hans@example.org>\nTo: me@example.org\nSubject: ${subject}\nDate: Mon, 2 Mar 2009 08:0${i}:00 +0000\nMessage-ID: <eight-${i}@t>\n\nbody ${i}\n`, 'latin1'));
		}
		return root;
	}

	test('the first 8-bit message reveals the rewriting; every 8-bit header then arrives RFC 2047-encoded, once, and verify and a re-run agree', {timeout: 5 * 60_000}, async () => {
		const root = await maildir('munge');
		const proxy = await mungingProxy(server.port);
		const env = {MAILSHIFT_PASSWORD: server.passwordOf('munge')};
		const to = `imap://munge@127.0.0.1:${proxy.port}`;
		try {
			// When migrated through the rewriting server
			const run = await runCli(['migrate', root, '--to', to, '--stats', '0', '--connections', '1', '--report', join(work, 'report.json')], {env});
			assert.equal(run.code, 0, run.stdout + run.stderr);
			assert.match(run.stdout, /Verify: OK/);
			// Then the server holds 5 messages, none with an X where a letter was, the 8-bit ones encoded
			const account = await readAccount(server, 'munge');
			assert.equal(account.messages.length, 5, account.messages.map((m) => m.messageId).join(', '));
			for (const m of account.messages) {
				const header = m.source.toString('latin1').split('\r\n\r\n')[0]!;
				assert.doesNotMatch(header, /QueensrXche|ZXrich|MXller|cafXX/, header);
				assert.ok(!m.source.some((b) => b >= 0x80), `${m.messageId} has no raw 8-bit bytes left`);
			}
			const queens = account.messages.find((m) => m.messageId === 'eight-0@t')!;
			assert.match(queens.source.toString('latin1'), /Subject: =\?windows-1252\?B\?UXVlZW5zcv9jaGU=\?= live/);
			assert.match(account.messages.find((m) => m.messageId === 'eight-4@t')!.source.toString('latin1'), /Subject: =\?UTF-8\?B\?/);
			// And the report says which were encoded
			const report = await readFile(join(work, 'report.json'), 'utf8');
			assert.equal(report.match(/HEADERS_ENCODED/g)?.length, 5, 'each of the five (all have an 8-bit From) is listed once');
			// And a separate verify and a re-run without the journal agree that everything is there
			const verify = await runCli(['verify', root, '--to', to], {env});
			assert.equal(verify.code, 0, verify.stdout + verify.stderr);
			const again = await runCli(['migrate', root, '--to', to, '--stats', '0', '--new-journal'], {env});
			assert.equal(again.code, 0, again.stdout + again.stderr);
			assert.match(again.stdout, /Total\s+5\s+0\s+5/);
			assert.equal((await readAccount(server, 'munge')).messages.length, 5);
		} finally {
			await proxy.close();
		}
	});

	test('a server that keeps 8-bit headers (Dovecot directly) gets the bytes exactly as they are', {timeout: 5 * 60_000}, async () => {
		const root = await maildir('plain');
		const run = await runCli(['migrate', root, '--to', `imap://plain@127.0.0.1:${server.port}`, '--stats', '0'], {env: {MAILSHIFT_PASSWORD: server.passwordOf('plain')}});
		assert.equal(run.code, 0, run.stdout + run.stderr);
		const account = await readAccount(server, 'plain');
		assert.equal(account.messages.length, 5);
		assert.ok(account.messages.find((m) => m.messageId === 'eight-0@t')!.source.includes(Buffer.from('Queensr\xffche', 'latin1')));
	});
});
