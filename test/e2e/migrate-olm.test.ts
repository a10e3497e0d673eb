/**
 * End to end: the real CLI migrates Outlook for Mac archives (.olm) into a private Dovecot, verifies them, and
 * a re-run uploads nothing. Expectations come from the archive's XML as written by the test (and, for the
 * corpus sample, from Python's zipfile listing recorded in SOURCES.md: 22 messages in 11 folders), never from
 * mailshift's reader: mailbox, Message-ID, flags, INTERNALDATE = the received time, attachment bytes.
 */
import assert from 'node:assert/strict';
import {createHash} from 'node:crypto';
import {existsSync} from 'node:fs';
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join, resolve} from 'node:path';
import {after, before, describe, test} from 'node:test';
import PostalMime from 'postal-mime';
import {dovecotSkipReason, startDovecot} from '../helpers/dovecot.js';
import type {PrivateDovecot} from '../helpers/dovecot.js';
import {readAccount} from '../helpers/imap-readback.js';
import {REPO_ROOT, runCli} from '../helpers/run-cli.js';
import {buildZip} from '../helpers/zip-builder.js';

const skip = dovecotSkipReason();
const corpusFile = resolve(REPO_ROOT, '../shared/corpus/olm/aspose__SampleOLM.olm');
const ROOT = 'Accounts/me@example.org/com.microsoft.__Messages';
const IMAGE = Buffer.from(Array.from({length: 3000}, (_, i) => (i * 7) % 256));

type Mail = Readonly<{folder: string; id: string; subject: string; read: boolean; flag: number; received: string; attachment?: boolean}>;

const MAIL: readonly Mail[] = [
	{folder: 'Inbox', id: 'a1@example.org', subject: 'Read and flagged', read: true, flag: 1, received: '2012-03-04T05:06:07', attachment: true},
	{folder: 'Inbox', id: 'a2@example.org', subject: 'Unread', read: false, flag: 0, received: '2013-01-02T03:04:05'},
	{folder: 'Inbox/Projects', id: 'a3@example.org', subject: 'In a subfolder', read: true, flag: 0, received: '2014-05-06T07:08:09'},
	{folder: 'Archive 2010', id: 'a4@example.org', subject: 'Old one', read: true, flag: 2, received: '2010-10-10T10:10:10'},
];

function xml(mail: Mail, name: string): string {
	const attachment = mail.attachment === true
		? `<OPFMessageCopyAttachmentList><messageAttachment OPFAttachmentName="chart.png" OPFAttachmentContentType="image/png" OPFAttachmentURL="${ROOT}/${mail.folder}/com.microsoft.__Attachments/${name}_0000"/></OPFMessageCopyAttachmentList>`
		: '';
	return `<emails xml:space="preserve" elementCount="1"><email xml:space="preserve">${attachment}` +
		`<OPFMessageCopyBody>Body of ${mail.subject}</OPFMessageCopyBody>` +
		`<OPFMessageCopyFromAddresses><emailAddress OPFContactEmailAddressAddress="sender@example.org" OPFContactEmailAddressName="Sender"/></OPFMessageCopyFromAddresses>` +
		`<OPFMessageCopyToAddresses><emailAddress OPFContactEmailAddressAddress="me@example.org"/></OPFMessageCopyToAddresses>` +
		`<OPFMessageCopyMessageID>${mail.id}</OPFMessageCopyMessageID><OPFMessageCopySubject>${mail.subject}</OPFMessageCopySubject>` +
		`<OPFMessageCopySentTime>2009-01-01T00:00:00</OPFMessageCopySentTime><OPFMessageCopyReceivedTime>${mail.received}</OPFMessageCopyReceivedTime>` +
		`<OPFMessageGetIsRead>${mail.read ? '1E0' : '0E0'}</OPFMessageGetIsRead><OPFMessageCopyGetFlagStatus>${mail.flag}</OPFMessageCopyGetFlagStatus></email></emails>`;
}

function buildOlm(): Buffer {
	return buildZip([
		...MAIL.flatMap((mail, i) => [
			{name: `${ROOT}/${mail.folder}/message_0000${i}.xml`, data: xml(mail, `m${i}`)},
			...(mail.attachment === true ? [{name: `${ROOT}/${mail.folder}/com.microsoft.__Attachments/m${i}_0000`, data: IMAGE, method: 0 as const}] : []),
		]),
		{name: 'Accounts/me@example.org/Contacts/Contacts.xml', data: '<contacts elementCount="1"><contact><OPFContactCopyDisplayName>Bea</OPFContactCopyDisplayName></contact></contacts>'},
	]);
}

describe('migrating Outlook for Mac archives into Dovecot', {skip}, () => {
	let server: PrivateDovecot;
	let work: string;
	before(async () => {
		server = await startDovecot({users: ['alice', 'bob']});
		work = await mkdtemp(join(tmpdir(), 'ms-e2e-olm-'));
	});
	after(async () => {
		await server?.stop();
		await rm(work, {recursive: true, force: true});
	});

	test('an .olm arrives with its folders, flags, received dates and attachment bytes; verify passes and a re-run uploads nothing', async () => {
		// Given an archive with four messages in three folders and one contact
		const file = join(work, 'Outlook for Mac Archive.olm');
		await writeFile(file, buildOlm());
		const env = {MAILSHIFT_PASSWORD: server.passwordOf('alice')};
		const to = `imap://alice@127.0.0.1:${server.port}`;

		// When
		const first = await runCli(['migrate', file, '--to', to, '--report', join(work, 'first.json'), '--stats', '0'], {env});

		// Then
		assert.equal(first.code, 0, `stderr:\n${first.stderr}\nstdout:\n${first.stdout}`);
		const account = await readAccount(server, 'alice');
		assert.equal(account.messages.length, MAIL.length);
		for (const mail of MAIL) {
			const got = account.messages.find((m) => m.messageId === mail.id);
			assert.ok(got, `${mail.id} is on the server`);
			assert.equal(got.mailbox, mail.folder === 'Inbox' ? 'INBOX' : mail.folder.replace(/^Inbox\//, 'INBOX/'), `${mail.id}: mailbox`);
			const want = [...(mail.read ? ['\\Seen'] : []), ...(mail.flag === 1 ? ['\\Flagged'] : [])].sort();
			assert.deepEqual([...got.flags].filter((f) => f !== '\\Recent').sort(), want, `${mail.id}: flags`);
			assert.equal(got.internalDate.toISOString(), new Date(`${mail.received}Z`).toISOString(), `${mail.id}: INTERNALDATE is the received time`);
			if (mail.attachment === true) {
				const parsed = await PostalMime.parse(got.source);
				const [attachment] = parsed.attachments;
				assert.equal(attachment?.filename, 'chart.png');
				const bytes = typeof attachment.content === 'string' ? Buffer.from(attachment.content, 'base64') : Buffer.from(attachment.content as ArrayBuffer);
				assert.equal(createHash('sha256').update(bytes).digest('hex'), createHash('sha256').update(IMAGE).digest('hex'));
			}
		}
		const report = JSON.parse(await readFile(join(work, 'first.json'), 'utf8')) as {totals: {uploaded: number; failed: number}; problems: Array<{code: string}>};
		assert.equal(report.totals.uploaded, MAIL.length);
		assert.equal(report.problems.filter((p) => p.code === 'NOT_MAIL').length, 1, 'the contact is counted as not mail');

		const verify = await runCli(['verify', file, '--to', to], {env});
		assert.equal(verify.code, 0, `verify stderr:\n${verify.stderr}\nstdout:\n${verify.stdout}`);

		const again = await runCli(['migrate', file, '--to', to, '--report', join(work, 'again.json'), '--stats', '0'], {env});
		assert.equal(again.code, 0, again.stderr);
		const second = JSON.parse(await readFile(join(work, 'again.json'), 'utf8')) as {totals: {uploaded: number}};
		assert.equal(second.totals.uploaded, 0);
		assert.equal((await readAccount(server, 'alice')).messages.length, MAIL.length);
	});

	test('the Aspose sample .olm arrives whole: 22 messages, the Categories file named as not migrated', {skip: existsSync(corpusFile) ? false : `corpus file ${corpusFile} is absent`}, async () => {
		const env = {MAILSHIFT_PASSWORD: server.passwordOf('bob')};
		const to = `imap://bob@127.0.0.1:${server.port}`;
		const report = join(work, 'aspose.json');
		const result = await runCli(['migrate', corpusFile, '--to', to, '--report', report, '--stats', '0'], {env});
		assert.equal(result.code, 0, `stderr:\n${result.stderr}\nstdout:\n${result.stdout}`);
		const account = await readAccount(server, 'bob');
		assert.equal(account.messages.length, 22);
		assert.equal(account.messages.filter((m) => m.mailbox === 'Outlook2 PST/Inbox').length, 6);
		const json = JSON.parse(await readFile(report, 'utf8')) as {totals: {uploaded: number; failed: number}; problems: Array<{code: string; location: string}>};
		assert.equal(json.totals.uploaded, 22);
		assert.ok(json.problems.some((p) => p.code === 'FILE_IGNORED' && p.location.endsWith('#Categories.xml')), JSON.stringify(json.problems));
		assert.equal(json.totals.failed, 0);
		const verify = await runCli(['verify', corpusFile, '--to', to], {env});
		assert.equal(verify.code, 0, `verify stderr:\n${verify.stderr}\nstdout:\n${verify.stdout}`);
	});
});
