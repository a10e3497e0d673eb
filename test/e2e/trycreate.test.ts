/**
 * RFC 3501 §6.3.11 [TRYCREATE] against the private Dovecot, through ImapSink: when another client deletes the
 * target mailbox mid-run, the APPEND is refused with TRYCREATE, the sink creates the mailbox again and sends the
 * message once more — for a single APPEND and for a MULTIAPPEND batch (refused as a whole, then sent one by one
 * through the same, single TRYCREATE handling). Every message ends up stored exactly once.
 */
import assert from 'node:assert/strict';
import {ImapFlow} from 'imapflow';
import {after, before, describe, test} from 'node:test';
import type {UploadJob} from '../../src/contracts/types.js';
import {ImapSink} from '../../src/uploader/imap-sink.js';
import {dovecotSkipReason, startDovecot} from '../helpers/dovecot.js';
import type {PrivateDovecot} from '../helpers/dovecot.js';
import {readAccount} from '../helpers/imap-readback.js';

const skip = dovecotSkipReason();

function job(n: number, mailbox: string): UploadJob {
	const content = Buffer.from(`Message-ID: <trycreate-${n}@test>\r\nSubject: message ${n}\r\nDate: Mon, 1 Jun 2020 10:00:00 +0000\r\n\r\nbody ${n}\r\n`);
	return {
		ref: {store: 's', folder: 'f', key: String(n), location: `#${n}`}, mailbox, content, flags: ['\\Seen'],
		internalDate: new Date(Date.UTC(2020, 5, 1, 10, 0, n)), dateSource: 'date-header', messageId: `trycreate-${n}@test`, fingerprint: `mid:trycreate-${n}@test:${content.length}`,
	};
}

describe('a mailbox deleted by another client mid-run ([TRYCREATE])', {skip}, () => {
	let server: PrivateDovecot;
	before(async () => {
		server = await startDovecot({users: ['single', 'batched']});
	});
	after(async () => {
		await server?.stop();
	});

	/** Another client (as a person's mail program would) deletes `mailbox`. */
	async function deleteElsewhere(user: string, mailbox: string): Promise<void> {
		const client = new ImapFlow({host: server.host, port: server.port, secure: false, auth: {user, pass: server.passwordOf(user)}, logger: false});
		await client.connect();
		try {
			await client.mailboxDelete(mailbox);
		} finally {
			await client.logout();
		}
	}

	for (const [user, batch] of [['single', false], ['batched', true]] as const) {
		test(`${batch ? 'a MULTIAPPEND batch' : 'a single APPEND'} to the deleted mailbox creates it again and stores every message once`, async () => {
			// Given a sink that created "Projects" and uploaded one message into it.
			const sink = await ImapSink.connect({
				target: {host: '127.0.0.1', port: server.port, implicitTls: false, requireStartTls: false, insecure: false, user},
				password: server.passwordOf(user), size: 1, ...(batch ? {} : {batch: false as const}),
			});
			try {
				await sink.ensureMailbox('Projects');
				await sink.append(job(0, 'Projects'));
				// When another client deletes it and more messages are sent there (the sink still believes it exists).
				await deleteElsewhere(user, 'Projects');
				const receipts = await Promise.all([1, 2, 3].map((n) => sink.append(job(n, 'Projects'))));
				// Then the mailbox is back, with the three new messages, each once.
				assert.deepEqual(receipts.map((r) => r.mailbox), ['Projects', 'Projects', 'Projects']);
				const account = await readAccount(server, user);
				const stored = account.messages.filter((m) => m.mailbox === 'Projects').map((m) => m.messageId).sort();
				assert.deepEqual(stored, ['trycreate-1@test', 'trycreate-2@test', 'trycreate-3@test']);
				assert.ok(account.mailboxes.find((m) => m.path === 'Projects')?.subscribed, 'the new mailbox is subscribed again');
			} finally {
				await sink.close();
			}
		});
	}
});
