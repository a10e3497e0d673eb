/**
 * End to end: the real CLI migrates a Thunderbird-style mbox tree (Name + Name.sbd/, .msf ignored,
 * X-Mozilla-Status flags, mboxrd quoting, an unescaped "From " body line, content before the first From_
 * line) into a private Dovecot, with separators '/' and '.'; the server is read back independently.
 */
import assert from 'node:assert/strict';
import {mkdir, mkdtemp, readFile, rm, utimes, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, test} from 'node:test';
import {mboxrdQuote, sampleMessages, writeSampleThunderbird} from '../../src/testing/sample-store.js';
import {dovecotSkipReason, startDovecot} from '../helpers/dovecot.js';
import type {PrivateDovecot} from '../helpers/dovecot.js';
import {crlf, readAccount} from '../helpers/imap-readback.js';
import {runCli} from '../helpers/run-cli.js';

const skip = dovecotSkipReason();

type Expected = Readonly<{messageId: string; mailbox: string; raw: Buffer; flags: readonly string[]; date: Date}>;

function expectedMailbox(folder: readonly string[], sep: string): string {
	const top = folder[0] ?? '';
	if (top === 'Inbox') return ['INBOX', ...folder.slice(1)].join(sep);
	if (top === 'Sent Items' || top === 'Gesendete Objekte') return 'Sent';
	if (top === 'Archive') return ['Archive', ...folder.slice(1)].join(sep);
	return folder.join(sep);
}

for (const sep of ['/', '.'] as const) {
	describe(`migrating a Thunderbird mbox tree into Dovecot with separator "${sep}"`, {skip}, () => {
		let server: PrivateDovecot;
		let work: string;
		before(async () => {
			server = await startDovecot({separator: sep, users: ['alice']});
			work = await mkdtemp(join(tmpdir(), 'ms-e2e-mbox-'));
		});
		after(async () => {
			await server?.stop();
			await rm(work, {recursive: true, force: true});
		});

		test('every message arrives once with its bytes, Thunderbird flags and From_/Received dates; expunged ones are skipped', async () => {
			// Given a Thunderbird "Local Folders" tree
			const root = join(work, 'Local Folders');
			const stored = await writeSampleThunderbird(root, sampleMessages(28, 11));
			const expected: Expected[] = stored.map((s) => ({messageId: s.messageId, mailbox: expectedMailbox(s.folder, sep), raw: s.raw, flags: s.flags, date: s.received}));

			// And a hand-written mbox with edge cases
			const fromDate = new Date(Date.UTC(2003, 6, 1, 12, 0, 0));
			const leading = Buffer.from('Message-ID: <leading@test>\nSubject: pasted before any From_ line\nDate: Wed, 5 May 1999 05:05:05 +0000\n\nI was an .eml file once.\n');
			const withFromInBody = Buffer.from('Message-ID: <from-body@test>\nSubject: body has From lines\nX-Mozilla-Status: 0005\n\nHello,\n\nFrom here on, nothing splits.\n>From quoted once\n>>From quoted twice\nEnd.\n');
			const expunged = Buffer.from('Message-ID: <expunged@test>\nX-Mozilla-Status: 0009\nSubject: deleted, not compacted\n\nGone.\n');
			const statusHeaders = Buffer.from('Message-ID: <status@test>\nStatus: RO\nX-Status: AF\nSubject: mutt flags\nReceived: from a by b; Thu, 1 Jan 2015 10:00:00 +0200\n\nHi.\n');
			const undated = Buffer.from('Message-ID: <undated@test>\nSubject: no date anywhere\n\nNo date.\n');
			const mbox = Buffer.concat([
				leading, Buffer.from('\n'),
				Buffer.from(`From alice@example.org Tue Jul  1 12:00:00 2003\n`), mboxrdQuote(withFromInBody), Buffer.from('\n'),
				Buffer.from('From - Tue Jul  1 12:00:00 2003\n'), expunged, Buffer.from('\n'),
				Buffer.from('From bob@example.org Tue Jul  1 12:00:00 2003\n'), statusHeaders, Buffer.from('\n'),
				Buffer.from('From -\n'), undated, Buffer.from('\n'),
			]);
			await mkdir(join(root, 'Edge Cases.sbd'), {recursive: true});
			const edgeFile = join(root, 'Edge Cases');
			await writeFile(edgeFile, mbox);
			await writeFile(join(root, 'Edge Cases.msf'), 'not mail');
			const fileTime = new Date(Date.UTC(2016, 1, 29, 1, 2, 3));
			await utimes(root, fileTime, fileTime);
			expected.push(
				{messageId: 'leading@test', mailbox: 'Edge Cases', raw: leading, flags: [], date: new Date(Date.UTC(1999, 4, 5, 5, 5, 5))},
				{messageId: 'from-body@test', mailbox: 'Edge Cases', raw: withFromInBody, flags: ['\\Flagged', '\\Seen'], date: fromDate},
				{messageId: 'status@test', mailbox: 'Edge Cases', raw: statusHeaders, flags: ['\\Answered', '\\Flagged', '\\Seen'], date: new Date(Date.UTC(2015, 0, 1, 8, 0, 0))},
				// No Received, no From_ date, no Date: the README's fallback, the source's modification time.
				{messageId: 'undated@test', mailbox: 'Edge Cases', raw: undated, flags: [], date: fileTime},
			);
			const report = join(work, 'report.json');

			// When
			const result = await runCli(['migrate', root, '--to', `imap://alice@127.0.0.1:${server.port}`, '--report', report, '--stats', '0'],
				{env: {MAILSHIFT_PASSWORD: server.passwordOf('alice')}});
			assert.equal(result.code, 0, `stderr:\n${result.stderr}\nstdout:\n${result.stdout}`);

			// Then
			const account = await readAccount(server, 'alice');
			assert.equal(account.messages.length, expected.length, 'message count on the server');
			for (const want of expected) {
				const copies = account.messages.filter((m) => m.messageId === want.messageId);
				assert.equal(copies.length, 1, `${want.messageId} exactly once`);
				const got = copies[0]!;
				assert.equal(got.mailbox, want.mailbox, `${want.messageId} folder`);
				assert.ok(got.source.equals(crlf(want.raw)), `${want.messageId} bytes:\n${got.source.toString()}\n---\n${crlf(want.raw).toString()}`);
				assert.deepEqual([...got.flags].filter((f) => f !== '\\Recent').sort(), [...want.flags].sort(), `${want.messageId} flags`);
				assert.equal(got.internalDate.getTime(), want.date.getTime(), `${want.messageId} INTERNALDATE`);
			}
			assert.equal(account.messages.some((m) => m.messageId === 'expunged@test'), false, 'expunged is not uploaded');
			const json = JSON.parse(await readFile(report, 'utf8')) as {totals: {skipped: number; failed: number}; problems: Array<{kind: string; code: string; location: string}>};
			assert.equal(json.totals.skipped, 1);
			assert.equal(json.totals.failed, 0);
			assert.ok(json.problems.some((p) => p.code === 'EXPUNGED' && p.location.includes('Edge Cases')));
			assert.ok(json.problems.some((p) => p.code === 'DATE_FALLBACK'), 'the undated message is reported');
			assert.ok(json.problems.some((p) => p.kind === 'warning' && /before the first From_/.test(JSON.stringify(p))), 'leading content is reported');
		});
	});
}
