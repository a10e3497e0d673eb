/**
 * End to end: the real CLI migrates the PST and an OST that ship with pst-extractor into a private Dovecot, and
 * the server is read back independently. Expectations come straight from pst-extractor's own getters on the
 * same file (not from mailshift's reader): folder, Message-ID, flags, received date and attachment bytes of
 * every mail item; non-mail items are not uploaded but counted in the report.
 *
 * Expected INTERNALDATE follows the README's rule for Outlook items: the delivery time Outlook stored (else
 * submit, else creation time), else the topmost Received header, at IMAP's one-second resolution.
 */
import assert from 'node:assert/strict';
import {createHash} from 'node:crypto';
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, test} from 'node:test';
import PostalMime from 'postal-mime';
import {PSTFile} from 'pst-extractor';
import type {PSTFolder, PSTMessage} from 'pst-extractor';
import {dovecotSkipReason, startDovecot} from '../helpers/dovecot.js';
import type {PrivateDovecot} from '../helpers/dovecot.js';
import {readAccount} from '../helpers/imap-readback.js';
import type {ServerMessage} from '../helpers/imap-readback.js';
import {REPO_ROOT, runCli} from '../helpers/run-cli.js';
import {corpusFile} from '../helpers/pst-corpus.js';

const skip = dovecotSkipReason();
const TESTDATA = join(REPO_ROOT, 'node_modules/pst-extractor/example/testdata');

type Expected = Readonly<{
	folder: string;
	messageId: string | undefined;
	subject: string;
	flags: string[];
	date: Date;
	attachments: string[];
}>;

/** Top-level Outlook folders → the private Dovecot's mailboxes (INBOX and its special-use mailboxes). */
const ROLES: Readonly<Record<string, string>> = {'Inbox': 'INBOX', 'Sent Items': 'Sent', 'Deleted Items': 'Trash', 'Drafts': 'Drafts', 'Junk Email': 'Junk'};

function mailboxOf(path: readonly string[]): string {
	const top = ROLES[path[0] ?? ''];
	return top === undefined ? path.join('/') : [top, ...path.slice(1)].join('/');
}

function receivedDate(headers: string): Date | undefined {
	const match = /^Received:((?:.*)(?:\r?\n[ \t].*)*)/im.exec(headers);
	if (match?.[1] === undefined) return undefined;
	const semi = match[1].lastIndexOf(';');
	if (semi < 0) return undefined;
	const date = new Date(match[1].slice(semi + 1).replace(/\s+/g, ' ').replace(/\(.*\)/, '').trim());
	return Number.isNaN(date.getTime()) ? undefined : date;
}

function sha256(bytes: Uint8Array): string {
	return createHash('sha256').update(bytes).digest('hex');
}

/** Reads every mail item with pst-extractor's public getters (independent of mailshift's reader). */
function expectedFrom(file: string, ipmRoot: (root: PSTFolder) => PSTFolder): {mail: Expected[]; notMail: number} {
	const pst = new PSTFile(file);
	const mail: Expected[] = [];
	let notMail = 0;
	const walk = (folder: PSTFolder, path: string[]): void => {
		for (let i = 0; i < folder.contentCount; i++) {
			const item = folder.getNextChild() as PSTMessage | null;
			if (item === null) break;
			if (!/^(IPM\.Note|IPM\.Schedule\.Meeting|REPORT\.)/i.test(item.messageClass)) {
				notMail++;
				continue;
			}
			const flags: string[] = [];
			if (item.isRead) flags.push('\\Seen');
			if (item.isUnsent) flags.push('\\Draft');
			if ([102, 103].includes(item.lastVerbExecuted)) flags.push('\\Answered');
			if (item.lastVerbExecuted === 104) flags.push('$Forwarded');
			if ((item as unknown as {getIntItem(id: number): number}).getIntItem(0x1090) === 2) flags.push('\\Flagged');
			const stored = item.messageDeliveryTime ?? item.clientSubmitTime ?? item.creationTime;
			const date = stored ?? receivedDate(item.transportMessageHeaders);
			assert.ok(date, `${item.subject} has a date`);
			const attachments: string[] = [];
			for (let a = 0; a < item.numberOfAttachments; a++) {
				const attachment = item.getAttachment(a);
				const stream = attachment.fileInputStream;
				if (attachment.attachMethod !== 1 || stream === null) continue;
				const bytes = Buffer.alloc(stream.length.toNumber());
				stream.readCompletely(bytes);
				// postal-mime hands calendar parts back with LF line ends (its documented special case).
				const isCalendar = /^(text\/calendar|application\/ics)$/i.test(attachment.mimeTag);
				attachments.push(sha256(isCalendar ? Buffer.from(bytes.toString('utf8').replace(/\r\n/g, '\n')) : bytes));
			}
			mail.push({
				folder: mailboxOf(path), messageId: item.internetMessageId.replace(/^<|>$/g, '') || undefined, subject: item.subject,
				flags: flags.sort(), date: new Date(Math.floor(date.getTime() / 1000) * 1000), attachments: attachments.sort(),
			});
		}
		if (folder.hasSubfolders) for (const sub of folder.getSubFolders()) walk(sub, [...path, sub.displayName]);
	};
	const root = ipmRoot(pst.getRootFolder());
	for (const sub of root.getSubFolders()) walk(sub, [sub.displayName]);
	pst.close();
	return {mail, notMail};
}

function child(folder: PSTFolder, name: string): PSTFolder {
	const found = folder.getSubFolders().find((f) => f.displayName === name);
	assert.ok(found, `folder ${name}`);
	return found;
}

async function assertMigrated(server: PrivateDovecot, user: string, expected: readonly Expected[]): Promise<ServerMessage[]> {
	const account = await readAccount(server, user);
	assert.equal(account.messages.length, expected.length, 'message count on the server');
	const unmatched = [...account.messages];
	for (const want of expected) {
		const index = unmatched.findIndex((m) => (want.messageId === undefined ? m.source.includes(want.subject) : m.messageId === want.messageId));
		assert.ok(index >= 0, `${want.messageId ?? want.subject} is on the server`);
		const got = unmatched.splice(index, 1)[0]!;
		const label = want.messageId ?? want.subject;
		assert.equal(got.mailbox, want.folder, `${label}: mailbox`);
		assert.deepEqual([...got.flags].filter((f) => f !== '\\Recent').sort(), want.flags, `${label}: flags`);
		assert.equal(got.internalDate.toISOString(), want.date.toISOString(), `${label}: INTERNALDATE`);
		const parsed = await PostalMime.parse(got.source, {forceRfc822Attachments: true});
		const bytes = parsed.attachments
			.filter((a) => a.mimeType !== 'message/rfc822')
			.map((a) => sha256(typeof a.content === 'string' ? Buffer.from(a.content, 'base64') : new Uint8Array(a.content as ArrayBuffer)));
		for (const hash of want.attachments) assert.ok(bytes.includes(hash), `${label}: attachment ${hash} arrives byte for byte`);
	}
	return account.messages;
}

describe('migrating Outlook files into Dovecot', {skip}, () => {
	let server: PrivateDovecot;
	let work: string;
	before(async () => {
		server = await startDovecot({users: ['alice', 'bob', 'carol', 'dave', 'erin']});
		work = await mkdtemp(join(tmpdir(), 'ms-e2e-pst-'));
	});
	after(async () => {
		await server?.stop();
		await rm(work, {recursive: true, force: true});
	});

	test('enron.pst arrives with its folders, flags, received dates and attachment bytes, and a re-run uploads nothing twice', async () => {
		// Given the Enron PST (Unicode, compressible encryption, 71 mail items with 70 attachments)
		const file = join(TESTDATA, 'enron.pst');
		const {mail} = expectedFrom(file, (root) => child(root, 'Top of Personal Folders'));
		assert.equal(mail.length, 71);
		const report = join(work, 'enron.json');

		// When
		const result = await runCli(['migrate', file, '--to', `imap://alice@127.0.0.1:${server.port}`, '--report', report, '--stats', '0'],
			{env: {MAILSHIFT_PASSWORD: server.passwordOf('alice')}});

		// Then
		assert.equal(result.code, 0, `stderr:\n${result.stderr}\nstdout:\n${result.stdout}`);
		await assertMigrated(server, 'alice', mail);
		const account = await readAccount(server, 'alice');
		const paths = account.mailboxes.map((m) => m.path);
		for (const folder of ['lokay-m', 'lokay-m/MLOKAY (Non-Privileged)', 'lokay-m/MLOKAY (Non-Privileged)/Personal', 'lokay-m/MLOKAY (Non-Privileged)/Sent Items']) {
			assert.ok(paths.includes(folder), `mailbox ${folder} exists`);
		}
		const json = JSON.parse(await readFile(report, 'utf8')) as {totals: {failed: number; uploaded: number}};
		assert.equal(json.totals.failed, 0);
		assert.equal(json.totals.uploaded, 71);
	});

	test('an Outlook.com OST (4 KiB pages) arrives with INBOX, Sent and Trash mapped, and its calendar items are counted as not mail', async () => {
		// Given an OST written by Outlook 2016+ for an outlook.com account
		const file = join(TESTDATA, 'pstextractortest@outlook.com.ost');
		const {mail, notMail} = expectedFrom(file, (root) => child(child(root, 'Root - Mailbox'), 'IPM_SUBTREE'));
		assert.ok(mail.length >= 14 && notMail >= 9, `${mail.length} mail, ${notMail} not mail`);
		const report = join(work, 'ost.json');

		// When
		const result = await runCli(['migrate', file, '--to', `imap://bob@127.0.0.1:${server.port}`, '--report', report, '--stats', '0'],
			{env: {MAILSHIFT_PASSWORD: server.passwordOf('bob')}});

		// Then
		assert.equal(result.code, 0, `stderr:\n${result.stderr}\nstdout:\n${result.stdout}`);
		const messages = await assertMigrated(server, 'bob', mail);
		assert.ok(messages.some((m) => m.mailbox === 'Sent') && messages.some((m) => m.mailbox === 'Trash') && messages.some((m) => m.mailbox === 'INBOX'));
		const json = JSON.parse(await readFile(report, 'utf8')) as {problems: Array<{code: string; folder: string; kind: string}>};
		const notMailReported = json.problems.filter((p) => p.code === 'NOT_MAIL');
		// pst-extractor's cursor stops early in "United States holidays" (24 of 160); mailshift reads all 160.
		assert.equal(notMailReported.filter((p) => p.folder === 'Calendar/United States holidays').length, 160);
		assert.equal(notMailReported.filter((p) => p.folder === 'Calendar').length, 9);
		assert.equal(json.problems.filter((p) => p.kind === 'failed').length, 0);
		// No mailbox for folders with nothing to upload that Outlook keeps for itself or for non-mail items.
		const paths = (await readAccount(server, 'bob')).mailboxes.map((m) => m.path);
		for (const absent of ['Outbox', 'RSS Feeds', 'Calendar', 'Calendar/United States holidays', 'Sync Issues/Conflicts']) {
			assert.ok(!paths.includes(absent), `no mailbox ${absent} (${paths.join(', ')})`);
		}
		assert.ok(paths.includes('Sync Issues'), 'Sync Issues holds a mail item, so it is there');
		assert.match(result.stdout, /Not mail, not uploaded \(`mailshift backup` saves them\): Calendar 9, Calendar\/United States holidays 160\./);
		assert.doesNotMatch(result.stdout, /Calendar\s+→/);
	});

	test('a truncated OST uploads what it holds, then fails with exit 9 and the shortfall in numbers in the summary and report', async () => {
		// Given the Outlook.com OST cut at 20% (every item survives, the file is still incomplete) and at 3,000,000
		// bytes (its folder list is gone: the "0 messages, Verify: OK, exit 0")
		const whole = await readFile(join(TESTDATA, 'pstextractortest@outlook.com.ost'));
		const {mail} = expectedFrom(join(TESTDATA, 'pstextractortest@outlook.com.ost'), (root) => child(child(root, 'Root - Mailbox'), 'IPM_SUBTREE'));
		const late = join(work, 'late.ost');
		await writeFile(late, whole.subarray(0, 3_400_000));
		const early = join(work, 'early.ost');
		await writeFile(early, whole.subarray(0, 3_000_000));
		const report = join(work, 'late.json');

		// When
		const result = await runCli(['migrate', late, '--to', `imap://carol@127.0.0.1:${server.port}`, '--report', report, '--stats', '0'],
			{env: {MAILSHIFT_PASSWORD: server.passwordOf('carol')}});
		const none = await runCli(['migrate', early, '--to', `imap://dave@127.0.0.1:${server.port}`, '--stats', '0'],
			{env: {MAILSHIFT_PASSWORD: server.passwordOf('dave')}});

		// Then: what was read is on the server, and the run failed with its own exit code and the numbers
		assert.equal(result.code, 9, `stderr:\n${result.stderr}\nstdout:\n${result.stdout}`);
		// (every item is there; attachments stored past the cut are lost, each reported as an item read with problems)
		const arrived = (await readAccount(server, 'carol')).messages.map((m) => m.messageId ?? '');
		assert.equal(arrived.length, mail.length);
		for (const want of mail) if (want.messageId !== undefined) assert.ok(arrived.includes(want.messageId), `${want.messageId} arrived`);
		assert.match(result.stderr, /could not be read to its end: read 183 of ~183 items; the file ends early at byte 3400000, but its header says it is 16818176 bytes long/);
		const json = JSON.parse(await readFile(report, 'utf8')) as {problems: Array<{code: string; kind: string; reason: string}>};
		assert.ok(json.problems.some((p) => p.code === 'SOURCE_INCOMPLETE' && p.kind === 'failed' && /read 183 of ~183 items/.test(p.reason)));
		assert.equal(none.code, 9, `stderr:\n${none.stderr}\nstdout:\n${none.stdout}`);
		assert.match(none.stderr, /read 0 of ~0 items \(plus the items of the subfolders of 1 folder\(s\), which could not be listed\); the file ends early at byte 3000000/);
		assert.doesNotMatch(none.stdout, /Verify: OK — all 0 messages are/);
	});

	test('Outlook categories on mail arrive as IMAP keywords, read back from Dovecot', async (t) => {
		// Given a PST whose mail item has the categories "Green Category" and "Blue Category"
		const file = corpusFile(t, 'pstsdk__sample1.pst');
		if (file === undefined) return;

		// When
		const result = await runCli(['migrate', file, '--to', `imap://erin@127.0.0.1:${server.port}`, '--stats', '0'],
			{env: {MAILSHIFT_PASSWORD: server.passwordOf('erin')}});

		// Then (Dovecot's PERMANENTFLAGS has \*, so new keywords are kept)
		assert.equal(result.code, 0, `stderr:\n${result.stderr}\nstdout:\n${result.stdout}`);
		const messages = (await readAccount(server, 'erin')).messages;
		assert.equal(messages.length, 1);
		const flags = [...(messages[0]?.flags ?? [])].map((f) => f.toLowerCase());
		assert.ok(flags.includes('green_category') && flags.includes('blue_category'), flags.join(' '));
	});
});
