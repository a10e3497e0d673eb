/**
 * End to end: the real CLI migrates a generated Maildir++ tree into a private Dovecot; the server is read
 * back independently (LIST, FETCH FLAGS/INTERNALDATE/BODY[]). Run with both separators, '/' and '.'.
 */
import assert from 'node:assert/strict';
import {mkdtemp, readFile, rm, utimes, writeFile, mkdir} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, test} from 'node:test';
import {sampleMessages, writeSampleMaildir} from '../../src/testing/sample-store.js';
import type {SampleMessage} from '../../src/testing/sample-store.js';
import {dovecotSkipReason, startDovecot} from '../helpers/dovecot.js';
import type {PrivateDovecot} from '../helpers/dovecot.js';
import {crlf, readAccount} from '../helpers/imap-readback.js';
import {runCli} from '../helpers/run-cli.js';

const skip = dovecotSkipReason();

type Expected = Readonly<{messageId: string; mailbox: string; raw: Buffer; flags: readonly string[]; date: Date}>;

/** Where the sample's folders must land, given the server's delimiter (the mapping rules in the README). */
function expectedMailbox(folder: readonly string[], sep: string): string {
	const top = folder[0] ?? '';
	if (top === 'Inbox') return folder.length === 1 ? 'INBOX' : folder.slice(1).join(sep); // Maildir++: .Projects is top level
	if (top === 'Sent Items' || top === 'Gesendete Objekte') return 'Sent';
	if (top === 'Archive') return ['Archive', ...folder.slice(1)].join(sep);
	return folder.join(sep);
}

function message(id: string, headers: readonly string[], body = 'Body text.\n'): Buffer {
	return Buffer.from([...headers, `Message-ID: <${id}>`, 'Subject: edge case ' + id, '', body].join('\n'));
}

async function buildStore(root: string, sep: string): Promise<{expected: Expected[]; trashedIds: string[]}> {
	const samples: SampleMessage[] = sampleMessages(35, 7);
	await writeSampleMaildir(root, samples);
	const expected: Expected[] = samples.map((s) => ({messageId: s.messageId, mailbox: expectedMailbox(s.folder, sep), raw: s.raw, flags: s.flags, date: s.received}));

	// Edge cases, each with a date source that must win.
	// File times an hour apart, as deliveries are: identical times on most files of a folder, long after their
	// Date: headers, are what a copy without file times looks like, and then the Date: header wins (item 8b).
	let hours = 0;
	const edge = async (dir: string, name: string, raw: Buffer, fileTime = new Date(Date.UTC(2011, 4, 6, 7 + hours++, 8, 9))): Promise<Date> => {
		await mkdir(join(root, dir), {recursive: true});
		await writeFile(join(root, dir, name), raw);
		await utimes(join(root, dir, name), fileTime, fileTime);
		return fileTime;
	};
	for (const sub of ['cur', 'new', 'tmp']) await mkdir(join(root, '.Edge', sub), {recursive: true});
	await writeFile(join(root, '.Edge', 'dovecot-keywords'), '0 $Junk\n1 Work\n');

	// 1. Topmost Received wins over mtime and Date (and over a later Received below it).
	const r1 = message('received-wins@test', ['Received: by mx2; Tue, 3 Mar 2009 10:00:00 +0100', 'Received: by mx1; Tue, 3 Mar 2009 09:59:00 +0100', 'Date: Mon, 2 Mar 2009 08:00:00 +0000']);
	await edge('.Edge/cur', '1000000001.M1P1.host:2,S', r1);
	expected.push({messageId: 'received-wins@test', mailbox: `Edge`, raw: r1, flags: ['\\Seen'], date: new Date(Date.UTC(2009, 2, 3, 9, 0, 0))});
	// 2. An invalid Received date (31 Feb) is not used: the file mtime is.
	const r2 = message('bad-received@test', ['Received: by mx; Sat, 31 Feb 2009 10:00:00 +0000', 'Date: Mon, 2 Mar 2009 08:00:00 +0000']);
	const mtime2 = await edge('.Edge/cur', '1000000002.M2P1.host:2,FRS', r2);
	expected.push({messageId: 'bad-received@test', mailbox: 'Edge', raw: r2, flags: ['\\Answered', '\\Flagged', '\\Seen'], date: mtime2});
	// 3. No Received: mtime. Windows-style ';2,' info separator; Dovecot keyword letters a (=$Junk), b (=Work).
	const r3 = message('keywords@test', ['Date: Mon, 2 Mar 2009 08:00:00 +0000']);
	const mtime3 = await edge('.Edge/cur', '1000000003.M3P1.host;2,Sab', r3);
	expected.push({messageId: 'keywords@test', mailbox: 'Edge', raw: r3, flags: ['$Junk', 'Work', '\\Seen'], date: mtime3});
	// 4. A future Received date is refused; the mtime (1990s) is the next best.
	const old = new Date(Date.UTC(1998, 0, 2, 3, 4, 5));
	const r4 = message('future@test', ['Received: by mx; Fri, 1 Jan 2100 00:00:00 +0000']);
	await edge('.Edge/new', '1000000004.M4P1.host', r4, old);
	expected.push({messageId: 'future@test', mailbox: 'Edge', raw: r4, flags: [], date: old});
	// 5. '!2,' separator with P (passed → $Forwarded) and D.
	const r5 = message('forwarded@test', ['Received: from a by b; 4 Apr 2004 04:04:04 -0000']);
	await edge('.Edge/cur', '1000000005.M5P1.host!2,DP', r5);
	expected.push({messageId: 'forwarded@test', mailbox: 'Edge', raw: r5, flags: ['$Forwarded', '\\Draft'], date: new Date(Date.UTC(2004, 3, 4, 4, 4, 4))});
	// 6. Trashed (T): skipped by default, counted.
	const r6 = message('trashed@test', ['Date: Mon, 2 Mar 2009 08:00:00 +0000']);
	await edge('.Edge/cur', '1000000006.M6P1.host:2,ST', r6);
	// 7. A CRLF message stays byte-identical.
	const r7 = Buffer.from('Received: by mx; 1 Jan 2001 00:00:01 +0000\r\nMessage-ID: <crlf@test>\r\nSubject: crlf\r\n\r\nline one\r\nline two\r\n');
	await edge('.Edge/cur', '1000000007.M7P1.host:2,S', r7);
	expected.push({messageId: 'crlf@test', mailbox: 'Edge', raw: r7, flags: ['\\Seen'], date: new Date(Date.UTC(2001, 0, 1, 0, 0, 1))});
	// 8. tmp/ is ignored (in-flight delivery).
	await edge('.Edge/tmp', '1000000008.M8P1.host', message('in-tmp@test', []));
	return {expected, trashedIds: ['trashed@test']};
}

for (const sep of ['/', '.'] as const) {
	describe(`migrating a Maildir++ tree into Dovecot with separator "${sep}"`, {skip}, () => {
		let server: PrivateDovecot;
		let work: string;
		before(async () => {
			server = await startDovecot({separator: sep, users: ['alice', 'bob']});
			work = await mkdtemp(join(tmpdir(), 'ms-e2e-'));
		});
		after(async () => {
			await server?.stop();
			await rm(work, {recursive: true, force: true});
		});

		test('every message arrives once, byte-identical modulo CRLF, with its flags, received date and folder', async () => {
			// Given a Maildir++ tree with special folders, nested folders and edge cases
			const root = join(work, 'Maildir');
			const {expected, trashedIds} = await buildStore(root, sep);
			const report = join(work, 'report.json');
			// When the CLI migrates it
			const result = await runCli(['migrate', root, '--to', `imap://alice@127.0.0.1:${server.port}`, '--report', report, '--stats', '0'],
				{env: {MAILSHIFT_PASSWORD: server.passwordOf('alice')}});
			assert.equal(result.code, 0, `exit code; stderr:\n${result.stderr}\nstdout:\n${result.stdout}`);
			// Then the server holds exactly the expected messages
			const account = await readAccount(server, 'alice');
			assert.equal(account.delimiter, sep);
			assert.equal(account.messages.length, expected.length, 'message count on the server');
			for (const want of expected) {
				const copies = account.messages.filter((m) => m.messageId === want.messageId);
				assert.equal(copies.length, 1, `${want.messageId} must be on the server exactly once`);
				const got = copies[0]!;
				assert.equal(got.mailbox, want.mailbox, `${want.messageId} folder`);
				assert.ok(got.source.equals(crlf(want.raw)), `${want.messageId} bytes`);
				assert.deepEqual([...got.flags].filter((f) => f !== '\\Recent').sort(), [...want.flags].sort(), `${want.messageId} flags`);
				assert.equal(got.internalDate.getTime(), Math.floor(want.date.getTime() / 1000) * 1000, `${want.messageId} INTERNALDATE`);
			}
			for (const id of trashedIds) assert.equal(account.messages.filter((m) => m.messageId === id).length, 0, `${id} is trashed and must not be uploaded`);
			// And new folders are subscribed, special folders are the server's
			const edgeBox = account.mailboxes.find((m) => m.path === 'Edge');
			assert.ok(edgeBox?.subscribed, 'created folders are subscribed');
			assert.equal(account.mailboxes.find((m) => m.path === 'Sent')?.specialUse, '\\Sent');
			// And the report names the skipped message and the summary counts it
			const json = JSON.parse(await readFile(report, "utf8")) as {totals: {found: number; uploaded: number; skipped: number; failed: number; bytes: number}; problems: Array<{kind: string; code: string; location: string}>};
			assert.deepEqual(json.totals, {found: expected.length + 1, uploaded: expected.length, skipped: 1, failed: 0, bytes: json.totals.bytes});
			assert.ok(json.problems.some((p) => p.kind === 'skipped' && p.code === 'TRASHED' && p.location.includes('1000000006')));
			assert.match(result.stdout, /Total\s+\d+/);
			assert.doesNotMatch(result.stdout + result.stderr + JSON.stringify(json), new RegExp(server.passwordOf('alice')), 'the password never appears in output or report');
		});

		test('a dry run prints the plan and writes nothing to the server', async () => {
			const root = join(work, 'Maildir-dry');
			await buildStore(root, sep);
			const result = await runCli(['migrate', root, '--to', `imap://bob@127.0.0.1:${server.port}`, '--dry-run', '--stats', '0'],
				{env: {MAILSHIFT_PASSWORD: server.passwordOf('bob')}});
			assert.equal(result.code, 0, result.stderr);
			assert.match(result.stdout, /DRY RUN/);
			assert.match(result.stdout, /Sent Items\s+→ Sent/);
			assert.match(result.stdout, /Edge\s+→ Edge/);
			const account = await readAccount(server, 'bob');
			assert.equal(account.messages.length, 0, 'no message was uploaded');
			assert.equal(account.mailboxes.some((m) => m.path === 'Edge'), false, 'no folder was created');
		});
	});
}
