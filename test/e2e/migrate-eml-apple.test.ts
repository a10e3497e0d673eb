/**
 * End to end: the real CLI migrates a folder tree of .eml files (Windows Live Mail layout) and an Apple Mail
 * V10 tree (.emlx with flags and date-received, a .partial.emlx made whole) into a private Dovecot; the
 * server is read back independently (LIST, FETCH FLAGS/INTERNALDATE/BODY[]); verify says OK; a second run
 * uploads nothing.
 */
import assert from 'node:assert/strict';
import {existsSync} from 'node:fs';
import {copyFile, mkdir, mkdtemp, readFile, rm, utimes, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {dirname, join} from 'node:path';
import {after, before, describe, test} from 'node:test';
import {fileURLToPath} from 'node:url';
import {dovecotSkipReason, startDovecot} from '../helpers/dovecot.js';
import type {PrivateDovecot} from '../helpers/dovecot.js';
import {emlx} from '../helpers/make-apple-mail.js';
import {crlf, readAccount} from '../helpers/imap-readback.js';
import {runCli} from '../helpers/run-cli.js';

const skip = dovecotSkipReason();
const MSG_CORPUS = fileURLToPath(new URL('../../../shared/corpus/msg', import.meta.url));
const MSG_NAMES = ['msgreader__sent.msg', 'iped__test_msgSample.msg', 'msgreader__attachAndInline.msg', 'msgreader__contactAnsi.msg'];
const MSG_SKIP = MSG_NAMES.every((name) => existsSync(join(MSG_CORPUS, name))) ? undefined : `the .msg corpus files ${MSG_NAMES.join(', ')} are not in ${MSG_CORPUS}`;

type Expected = Readonly<{messageId: string; mailbox: string; raw: Buffer; flags: readonly string[]; date: Date}>;
type Totals = {found: number; uploaded: number; skipped: number; failed: number};

function message(id: string, headers: readonly string[], body = 'Body text.\n'): Buffer {
	return Buffer.from([...headers, `Message-ID: <${id}>`, `Subject: ${id}`, '', body].join('\n'));
}

async function put(root: string, path: string, content: Buffer, time?: Date): Promise<void> {
	await mkdir(dirname(join(root, path)), {recursive: true});
	await writeFile(join(root, path), content);
	if (time !== undefined) await utimes(join(root, path), time, time);
}

/** A Windows Live Mail-like tree; each message with the date source that must win. */
async function buildEmlTree(root: string): Promise<Expected[]> {
	const expected: Expected[] = [];
	const received = message('eml-received@test', ['Received: by mx; Tue, 3 Mar 2009 10:00:00 +0100', 'Date: Mon, 2 Mar 2009 08:00:00 +0000']);
	await put(root, 'Inbox/1.eml', received, new Date(Date.UTC(2012, 0, 1)));
	expected.push({messageId: 'eml-received@test', mailbox: 'INBOX', raw: received, flags: [], date: new Date(Date.UTC(2009, 2, 3, 9))});
	const mtime = new Date(Date.UTC(2011, 4, 6, 7, 8, 9));
	const byFileTime = message('eml-mtime@test', ['Date: Mon, 2 Mar 2009 08:00:00 +0000']);
	await put(root, 'Inbox/Projects/2.eml', byFileTime, mtime);
	expected.push({messageId: 'eml-mtime@test', mailbox: 'INBOX/Projects', raw: byFileTime, flags: [], date: mtime});
	const sent = Buffer.from('Message-ID: <eml-crlf@test>\r\nSubject: crlf\r\nDate: Sun, 1 Apr 2007 12:00:00 +0000\r\n\r\nline\r\n');
	await put(root, 'Sent Items/3.eml', sent, new Date(Date.UTC(2007, 3, 1, 12, 0, 5)));
	expected.push({messageId: 'eml-crlf@test', mailbox: 'Sent', raw: sent, flags: [], date: new Date(Date.UTC(2007, 3, 1, 12, 0, 5))});
	await put(root, 'Inbox/desktop.ini', Buffer.from('[.ShellClassInfo]'));
	return expected;
}

/** An Apple Mail V10 tree: flags and date-received from the plists, one partial message with its attachment apart. */
async function buildAppleTree(root: string): Promise<{expected: Expected[]; whole: Buffer}> {
	const expected: Expected[] = [];
	const one = message('apple-1@test', ['Received: by mx; Tue, 3 Mar 2009 10:00:00 +0100']);
	await put(root, 'V10/ACCT/INBOX.mbox/0A1B/Data/Messages/1.emlx', emlx(one, {flags: 1 | (1 << 4), dateReceived: 1_400_000_000, count: one.length + 40}));
	expected.push({messageId: 'apple-1@test', mailbox: 'INBOX', raw: one, flags: ['\\Seen', '\\Flagged'], date: new Date(1_400_000_000_000)});
	const two = message('apple-2@test', ['Date: Mon, 2 Mar 2009 08:00:00 +0000']);
	await put(root, 'V10/ACCT/INBOX.mbox/Work.mbox/Messages/2.emlx', emlx(two, {flags: 1 | (1 << 2) | (1 << 8), dateReceived: 1_300_000_000}));
	expected.push({messageId: 'apple-2@test', mailbox: 'INBOX/Work', raw: two, flags: ['\\Seen', '\\Answered', '$Forwarded'], date: new Date(1_300_000_000_000)});
	const attachment = Buffer.from(Array.from({length: 500}, (_, i) => (i * 13) % 256));
	const head = ['Message-ID: <apple-partial@test>', 'Subject: partial', 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="B"', '', '--B', 'Content-Type: text/plain', '', 'See attached.', '', '--B', 'Content-Type: application/octet-stream', 'Content-Disposition: attachment; filename=data.bin', 'Content-Transfer-Encoding: base64'];
	const partial = Buffer.from([...head, 'X-Apple-Content-Length: 680', '', '', '--B--', ''].join('\n'));
	const whole = Buffer.from([...head, 'X-Apple-Content-Length: 680', '', ...(attachment.toString('base64').match(/.{1,76}/g) ?? []), '--B--', ''].join('\n'));
	await put(root, 'V10/Mailboxes/Archive.mbox/Messages/7.partial.emlx', emlx(partial, {flags: 1, dateReceived: 1_200_000_000}));
	await put(root, 'V10/Mailboxes/Archive.mbox/Attachments/7/2/data.bin', attachment);
	expected.push({messageId: 'apple-partial@test', mailbox: 'Archive', raw: whole, flags: ['\\Seen'], date: new Date(1_200_000_000_000)});
	return {expected, whole};
}

describe('migrating .eml folders and Apple Mail into Dovecot', {skip}, () => {
	let server: PrivateDovecot;
	let work: string;
	before(async () => {
		server = await startDovecot({separator: '/', users: ['alice', 'bob', 'carol']});
		work = await mkdtemp(join(tmpdir(), 'ms-e2e-apple-'));
	});
	after(async () => {
		await server?.stop();
		await rm(work, {recursive: true, force: true});
	});

	test('a folder of real Outlook .msg files is detected, its mail migrated with flags and Message-IDs, a contact left out as not mail, verified, and a second run uploads nothing', {skip: MSG_SKIP}, async () => {
		const root = join(work, 'msg', 'Saved');
		await mkdir(root, {recursive: true});
		for (const name of MSG_NAMES) await copyFile(join(MSG_CORPUS, name), join(root, name));
		const to = `imap://carol@127.0.0.1:${server.port}`;
		const env = {MAILSHIFT_PASSWORD: server.passwordOf('carol')};
		const report = join(work, 'msg-report.json');
		const result = await runCli(['migrate', root, '--to', to, '--report', report, '--stats', '0'], {env});
		assert.equal(result.code, 0, `exit code; stderr:\n${result.stderr}\nstdout:\n${result.stdout}`);
		const account = await readAccount(server, 'carol');
		assert.equal(account.messages.length, 3, 'three mail items on the server; the contact is not mail');
		const sent = account.messages.filter((m) => /Subject: Sent time/.test(m.source.toString('latin1')));
		assert.equal(sent.length, 1);
		assert.ok(sent[0]!.flags.has('\\Seen'), 'MSGFLAG_READ arrives as \\Seen');
		const iped = account.messages.filter((m) => m.messageId === '20210908132105.31378.275204880.swift@erickworkspace.activehosted.com');
		assert.equal(iped.length, 1, `the original Message-ID is kept: ${account.messages.map((m) => m.messageId).join(', ')}`);
		assert.equal(iped[0]!.internalDate.getTime(), Date.UTC(2021, 8, 8, 13, 25, 50), 'INTERNALDATE from the topmost Received:');
		const json = JSON.parse(await readFile(report, 'utf8')) as {totals: Totals};
		assert.equal(json.totals.uploaded, 3);
		assert.equal(json.totals.failed, 0);
		const verify = await runCli(['verify', root, '--to', to], {env});
		assert.equal(verify.code, 0, verify.stdout + verify.stderr);
		const rerun = await runCli(['migrate', root, '--to', to, '--stats', '0'], {env});
		assert.equal(rerun.code, 0, rerun.stdout + rerun.stderr);
		assert.equal((await readAccount(server, 'carol')).messages.length, 3);
	});

	for (const [kind, user, build] of [
		['eml', 'alice', async (root: string) => buildEmlTree(root)],
		['apple-mail', 'bob', async (root: string) => (await buildAppleTree(root)).expected],
	] as const) {
		test(`a ${kind} store is detected, migrated with its folders, flags and received dates, verified, and a second run uploads nothing`, async () => {
			// Given the store
			const root = join(work, kind);
			const expected = await build(root);
			const source = kind === 'apple-mail' ? join(root, 'V10') : root;
			const to = `imap://${user}@127.0.0.1:${server.port}`;
			const env = {MAILSHIFT_PASSWORD: server.passwordOf(user)};
			const report = join(work, `${kind}-report.json`);
			// When the CLI migrates it, without --from
			const result = await runCli(['migrate', source, '--to', to, '--report', report, '--stats', '0'], {env});
			assert.equal(result.code, 0, `exit code; stderr:\n${result.stderr}\nstdout:\n${result.stdout}`);
			// Then every message is on the server once, whole, in its folder, with its flags and date
			const account = await readAccount(server, user);
			assert.equal(account.messages.length, expected.length, 'message count on the server');
			for (const want of expected) {
				const copies = account.messages.filter((m) => m.messageId === want.messageId);
				assert.equal(copies.length, 1, `${want.messageId} must be on the server exactly once`);
				const got = copies[0]!;
				assert.equal(got.mailbox, want.mailbox, `${want.messageId} folder`);
				assert.ok(got.source.equals(crlf(want.raw)), `${want.messageId} bytes:\n${got.source.toString()}`);
				assert.deepEqual([...got.flags].filter((f) => f !== '\\Recent').sort(), [...want.flags].sort(), `${want.messageId} flags`);
				assert.equal(got.internalDate.getTime(), want.date.getTime(), `${want.messageId} INTERNALDATE`);
			}
			const json = JSON.parse(await readFile(report, 'utf8')) as {totals: Totals};
			assert.deepEqual({...json.totals, bytes: undefined}, {found: expected.length, uploaded: expected.length, skipped: 0, failed: 0, bytes: undefined});
			// And verify finds every message exactly once
			const verify = await runCli(['verify', source, '--to', to], {env});
			assert.equal(verify.code, 0, verify.stdout + verify.stderr);
			assert.match(verify.stdout, new RegExp(`OK: every one of the ${expected.length} messages is on the server exactly once`));
			// And a second run uploads nothing
			const again = join(work, `${kind}-again.json`);
			const rerun = await runCli(['migrate', source, '--to', to, '--report', again, '--stats', '0'], {env});
			assert.equal(rerun.code, 0, rerun.stderr);
			assert.equal((JSON.parse(await readFile(again, 'utf8')) as {totals: Totals}).totals.uploaded, 0);
			assert.equal((await readAccount(server, user)).messages.length, expected.length);
		});
	}
});

test('a damaged .msg file in a folder of .eml files is counted as failed in the plan, named, and the exit code says something was left behind', async () => {
	const root = await mkdtemp(join(tmpdir(), 'ms-e2e-msg-'));
	try {
		await put(root, 'Inbox/a.eml', message('with-msg@test', ['Date: Mon, 2 Mar 2009 08:00:00 +0000']));
		await put(root, 'Inbox/b.msg', Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]));
		const result = await runCli(['migrate', root, '--dry-run', '--stats', '0']);
		assert.equal(result.code, 5, result.stdout + result.stderr);
		assert.match(result.stdout, /failed: .*b\.msg: This Outlook \.msg file cannot be read/);
		assert.match(result.stdout, /Inbox\s+→ INBOX\s+2\s+1\s+0\s+1/);
	} finally {
		await rm(root, {recursive: true, force: true});
	}
});

test('an Apple Mail message cut short, or whose attachment file is gone, is uploaded as far as it goes, named, and the run does not end OK (exit 5)', async () => {
	const root = await mkdtemp(join(tmpdir(), 'ms-e2e-emlx-lost-'));
	try {
		const one = message('apple-cut@test', ['Date: Mon, 2 Mar 2009 08:00:00 +0000']);
		// The byte count promises more than the file holds and there is no property list: a cut copy.
		await put(root, 'V10/ACCT/INBOX.mbox/Messages/1.emlx', Buffer.concat([Buffer.from(`${one.length + 200}\n`), one]));
		const clean = await runCli(['migrate', join(root, 'V10'), '--dry-run', '--stats', '0']);
		assert.equal(clean.code, 5, clean.stdout + clean.stderr);
		assert.match(clean.stdout + clean.stderr, /1\.emlx[\s\S]*looks truncated/);
		await rm(join(root, 'V10', 'ACCT', 'INBOX.mbox', 'Messages', '1.emlx'));
		const head = ['Message-ID: <apple-lost@test>', 'Subject: partial', 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="B"', '', '--B', 'Content-Type: text/plain', '', 'See attached.', '', '--B', 'Content-Type: application/octet-stream', 'Content-Disposition: attachment; filename=data.bin', 'Content-Transfer-Encoding: base64', 'X-Apple-Content-Length: 680', '', '', '--B--', ''];
		await put(root, 'V10/Mailboxes/Archive.mbox/Messages/7.partial.emlx', emlx(Buffer.from(head.join('\n')), {flags: 1, dateReceived: 1_200_000_000}));
		const lost = await runCli(['migrate', join(root, 'V10'), '--dry-run', '--stats', '0']);
		assert.equal(lost.code, 5, lost.stdout + lost.stderr);
		assert.match(lost.stdout + lost.stderr, /7\.partial\.emlx[\s\S]*uploaded without it/);
	} finally {
		await rm(root, {recursive: true, force: true});
	}
});
