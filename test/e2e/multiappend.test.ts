/**
 * MULTIAPPEND batching (src/uploader/append-batcher.ts, multi-append.ts) against the private Dovecot, through
 * ImapSink: concurrent uploads to one mailbox go out as a few commands and every message still gets its own
 * UID; a batch the server refuses as a whole is sent again one message at a time, so only the refused message
 * fails; `batch: false` (--no-multiappend) sends one APPEND per message. Cut connections mid-batch are covered
 * by cut-connections.test.ts and the kill test in exactly-once.test.ts, which run with batching on.
 */
import assert from 'node:assert/strict';
import {after, before, describe, test} from 'node:test';
import type {UploadJob} from '../../src/contracts/types.js';
import {ImapSink} from '../../src/uploader/imap-sink.js';
import {dovecotSkipReason, startDovecot} from '../helpers/dovecot.js';
import type {PrivateDovecot} from '../helpers/dovecot.js';
import {readAccount} from '../helpers/imap-readback.js';

const skip = dovecotSkipReason();

function job(n: number, mailbox: string, bodyBytes = 200): UploadJob {
	const content = Buffer.from(`Message-ID: <batch-${n}@test>\r\nSubject: message ${n}\r\nDate: Mon, 1 Jun 2020 10:00:00 +0000\r\n\r\n${'z'.repeat(bodyBytes)}\r\n`);
	return {
		ref: {store: 's', folder: 'f', key: String(n), location: `#${n}`}, mailbox, content, flags: n % 2 === 0 ? ['\\Seen'] : ['\\Flagged'],
		internalDate: new Date(Date.UTC(2020, 5, 1, 10, 0, n % 60)), dateSource: 'date-header', messageId: `batch-${n}@test`, fingerprint: `mid:batch-${n}@test:${content.length}`,
	};
}

describe('MULTIAPPEND batches against a private Dovecot', {skip}, () => {
	let server: PrivateDovecot;
	before(async () => {
		server = await startDovecot({users: ['multi', 'single', 'names'], tinyQuota: '50M', tinyMaxMail: '100k'});
	});
	after(async () => {
		await server?.stop();
	});

	const connect = (user: string, batch?: false): Promise<ImapSink> => ImapSink.connect({
		target: {host: '127.0.0.1', port: server.port, implicitTls: false, requireStartTls: false, insecure: false, user},
		password: server.passwordOf(user), size: 2, ...(batch === false ? {batch} : {}),
	});

	test('concurrent uploads to one mailbox go out as a few commands, and each message gets its own UID, flags and date', async () => {
		const sink = await connect('multi');
		try {
			assert.equal(sink.appendWindow(), 50);
			await sink.ensureMailbox('Archive');
			const jobs = Array.from({length: 130}, (_, i) => job(i, 'Archive', i % 7 === 0 ? 6000 : 300));
			const receipts = await Promise.all(jobs.map((j) => sink.append(j)));
			assert.ok(sink.appendCommands <= 10, `${sink.appendCommands} APPEND commands for 130 messages`);
			const account = await readAccount(server, 'multi');
			const stored = new Map(account.messages.map((m) => [m.uid, m]));
			assert.equal(stored.size, 130);
			for (const [i, receipt] of receipts.entries()) {
				assert.ok(receipt.uid !== undefined && receipt.uidValidity !== undefined, `message ${i} has a UID`);
				const message = stored.get(receipt.uid);
				assert.equal(message?.messageId, `batch-${i}@test`, `UID ${receipt.uid} is message ${i}`);
				assert.deepEqual(message?.source, jobs[i]!.content);
				assert.ok(message?.flags.has(i % 2 === 0 ? '\\Seen' : '\\Flagged'));
				assert.equal(message?.internalDate.getTime(), jobs[i]!.internalDate.getTime());
			}
		} finally {
			await sink.close();
		}
	});

	test('a batch the server refuses as a whole is sent again one by one: only the too-big message fails', async () => {
		const sink = await connect('tiny');
		try {
			await sink.ensureMailbox('INBOX');
			const jobs = [job(1, 'INBOX'), job(2, 'INBOX'), job(3, 'INBOX', 150_000), job(4, 'INBOX'), job(5, 'INBOX')];
			const outcomes = await Promise.all(jobs.map((j) => sink.append(j).then((r) => r.uid !== undefined ? 'stored' : 'no uid', (e: {code?: string}) => e.code ?? 'error')));
			assert.deepEqual(outcomes, ['stored', 'stored', 'TOO_BIG', 'stored', 'stored']);
			const account = await readAccount(server, 'tiny');
			assert.deepEqual(account.messages.map((m) => m.messageId).sort(), ['batch-1@test', 'batch-2@test', 'batch-4@test', 'batch-5@test']);
		} finally {
			await sink.close();
		}
	});

	test('with batching off (--no-multiappend) every message is its own APPEND', async () => {
		const sink = await connect('single', false);
		try {
			assert.equal(sink.appendWindow(), 1);
			await sink.ensureMailbox('INBOX');
			await Promise.all(Array.from({length: 6}, (_, i) => sink.append(job(i, 'INBOX'))));
			assert.equal(sink.appendCommands, 6);
			assert.equal((await readAccount(server, 'single')).messages.length, 6);
		} finally {
			await sink.close();
		}
	});

	test('a batch into a mailbox with a non-ASCII name lands in that mailbox (the name is sent in modified UTF-7)', async () => {
		const sink = await connect('names');
		try {
			const {path} = await sink.ensureMailbox('Entwürfe/Ärger & Co');
			await Promise.all(Array.from({length: 5}, (_, i) => sink.append(job(i, path))));
			assert.ok(sink.appendCommands < 5, `${sink.appendCommands} APPEND commands: batched`);
			const account = await readAccount(server, 'names');
			assert.deepEqual(account.messages.map((m) => m.mailbox), Array.from({length: 5}, () => 'Entwürfe/Ärger & Co'));
		} finally {
			await sink.close();
		}
	});
});
