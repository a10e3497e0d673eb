/**
 * A re-run with nothing left to do against a real Dovecot (issue #14): the LIST at connect asks for every
 * mailbox's UIDVALIDITY (LIST-STATUS, RFC 5819), so a folder the journal has as done is neither selected nor
 * indexed; and a mailbox another client deleted and created again since is noticed by that same listing (a new
 * UIDVALIDITY, RFC 3501 §2.3.1.1): its messages are sent again, once each. What went over the wire is read from
 * a recording proxy.
 */
import assert from 'node:assert/strict';
import {mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, test} from 'node:test';
import {ImapFlow} from 'imapflow';
import {dovecotSkipReason, startDovecot} from '../helpers/dovecot.js';
import type {PrivateDovecot} from '../helpers/dovecot.js';
import {readAccount} from '../helpers/imap-readback.js';
import {recordingProxy} from '../helpers/recording-proxy.js';
import {runCli} from '../helpers/run-cli.js';
import {ImapSink} from '../../src/uploader/imap-sink.js';

const skip = dovecotSkipReason();

describe('a re-run with nothing left to do', {skip}, () => {
	let server: PrivateDovecot;
	let work: string;
	before(async () => {
		server = await startDovecot({users: ['rerun']});
		work = await mkdtemp(join(tmpdir(), 'ms-rerun-listing-'));
	});
	after(async () => {
		await server?.stop();
		await rm(work, {recursive: true, force: true});
	});

	test('selects no mailbox, and a mailbox recreated since on the server gets its messages again', async () => {
		// Given a Maildir with an inbox and a Sent folder of four messages each, migrated through a recording proxy
		const root = join(work, 'Maildir');
		const ids: string[] = [];
		for (const [dir, name] of [['', 'in'], ['.Sent', 'sent']] as const) {
			for (const sub of ['cur', 'new', 'tmp']) await mkdir(join(root, dir, sub), {recursive: true});
			for (let i = 0; i < 4; i++) {
				ids.push(`${name}${i}@rerun.test`);
				await writeFile(join(root, dir, 'cur', `${1_300_000_000 + i}.M${i}.host:2,S`), `Subject: ${name} ${i}\nMessage-ID: <${name}${i}@rerun.test>\nDate: Tue, 3 Mar 2009 10:00:00 +0000\n\nbody ${i}\n`);
			}
		}
		const proxy = await recordingProxy(server.port);
		try {
			const env = {MAILSHIFT_PASSWORD: server.passwordOf('rerun')};
			const args = ['migrate', root, '--to', `imap://rerun@127.0.0.1:${proxy.port}`, '--stats', '0', '--journal', join(work, 'journal.sqlite')];
			const first = await runCli(args, {env});
			assert.equal(first.code, 0, first.stderr + first.stdout);
			// When it runs again (without its verify, which reads every mailbox on purpose)
			const mark = proxy.client.length;
			const again = await runCli([...args, '--no-verify'], {env});
			assert.equal(again.code, 0, again.stderr + again.stdout);
			// Then the listing asked for UIDVALIDITY, and nothing was selected, examined, fetched or sent
			const lines = Buffer.concat(proxy.client.slice(mark)).toString('latin1').split('\r\n');
			assert.ok(lines.some((line) => /^\S+ LIST .*RETURN \(.*STATUS \(UIDVALIDITY\)/i.test(line)), lines.join('\n'));
			assert.deepEqual(lines.filter((line) => /^\S+ (UID )?(SELECT|EXAMINE|FETCH|APPEND|STATUS) /i.test(line)), []);
			assert.match(again.stdout + again.stderr, /Skipped: 8 already uploaded/);
			// And when another client deletes Sent and creates it again (empty, a new UIDVALIDITY), a re-run sends
			// its four messages again, says why, and verify finds every message once
			const admin = new ImapFlow({host: '127.0.0.1', port: server.port, secure: false, auth: {user: 'rerun', pass: server.passwordOf('rerun')}, logger: false});
			await admin.connect();
			try {
				await admin.mailboxDelete('Sent');
				await admin.mailboxCreate('Sent');
			} finally {
				await admin.logout();
			}
			const recreated = await runCli(args, {env});
			assert.equal(recreated.code, 0, recreated.stderr + recreated.stdout);
			assert.match(recreated.stdout + recreated.stderr, /UIDVALIDITY of Sent changed/);
			assert.match(recreated.stdout + recreated.stderr, /Verify: OK/);
		} finally {
			proxy.close();
		}
		const account = await readAccount(server, 'rerun');
		assert.deepEqual(account.messages.map((m) => m.messageId).sort(), ids.sort(), 'every message exactly once');
	});

	test('the listed UIDVALIDITY is trusted for a minute after the log-in, so a folder reached later in a long run is selected again', async () => {
		let now = 1_000_000;
		const sink = await ImapSink.connect({
			target: {host: '127.0.0.1', port: server.port, implicitTls: false, requireStartTls: false, insecure: true, user: 'rerun'},
			password: server.passwordOf('rerun'), size: 1, now: () => now,
		});
		try {
			const listed = sink.listedUidValidity('INBOX');
			assert.equal(typeof listed, 'bigint', 'Dovecot offers LIST-STATUS: the LIST said INBOX\'s UIDVALIDITY');
			assert.equal(listed, (await sink.mailboxState('INBOX')).uidValidity, 'the same as SELECT says');
			now += 60_000;
			assert.equal(sink.listedUidValidity('INBOX'), listed);
			now += 1;
			assert.equal(sink.listedUidValidity('INBOX'), undefined, 'too old to trust');
		} finally {
			await sink.close();
		}
	});
});
