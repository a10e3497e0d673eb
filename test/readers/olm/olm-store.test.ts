import assert from 'node:assert/strict';
import {createHash} from 'node:crypto';
import {existsSync} from 'node:fs';
import {mkdtemp, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {dirname, join, resolve} from 'node:path';
import {after, before, describe, test} from 'node:test';
import {fileURLToPath} from 'node:url';

import {isMailshiftError} from '../../../src/contracts/errors.js';
import type {SourceMessage} from '../../../src/contracts/types.js';
import {OlmStore} from '../../../src/readers/olm/olm-store.js';
import {detectSourceKind, openSource} from '../../../src/readers/open-source.js';
import type {ReaderProblem, SourceStore} from '../../../src/contracts/source-store.js';
import {buildZip} from '../../helpers/zip-builder.js';
import type {ZipInput} from '../../helpers/zip-builder.js';
import {emailXml, GOOD, INBOX, PDF} from '../../helpers/make-olm.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const corpusFile = resolve(repoRoot, '../shared/corpus/olm/aspose__SampleOLM.olm');

let dir: string;
before(async () => {
	dir = await mkdtemp(join(tmpdir(), 'mailshift-olm-'));
});
after(async () => {
	await rm(dir, {recursive: true, force: true});
});

async function write(name: string, bytes: Buffer): Promise<string> {
	const path = join(dir, name);
	await writeFile(path, bytes);
	return path;
}

async function readAll(store: SourceStore): Promise<Map<string, SourceMessage[]>> {
	const out = new Map<string, SourceMessage[]>();
	for (const folder of await store.listFolders()) {
		const list: SourceMessage[] = [];
		for await (const message of store.messages(folder)) list.push(message);
		out.set(folder.path.join('/'), list);
	}
	return out;
}

function header(raw: Buffer, name: string): string | undefined {
	const head = raw.toString('utf8').split(/\r?\n\r?\n/)[0] ?? '';
	const match = new RegExp(`^${name}: (.*(?:\\r?\\n[ \\t].*)*)`, 'im').exec(head);
	return match?.[1]?.replace(/\r?\n[ \t]/g, ' ');
}

describe('OlmStore', () => {
	test('Given an .olm built by the test, folders follow the archive paths and contacts are a non-mail folder', async () => {
		const path = await write('good.olm', buildZip(GOOD));
		assert.equal(await detectSourceKind(path), 'olm');
		const problems: ReaderProblem[] = [];
		const store = await openSource(path, undefined, {onProblem: (p) => problems.push(p)});
		try {
			assert.equal(store.kind, 'olm');
			const folders = await store.listFolders();
			// Two roots (an account and "On My Computer"): the root's name comes first.
			assert.deepEqual(folders.map((f) => [f.path.join('/'), f.count, f.holdsMail]), [
				['On My Computer/Address Book', undefined, false],
				['me@example.org/Inbox', 2, undefined],
				['me@example.org/Inbox/Projects', 1, undefined],
				['me@example.org/Sent Items', 0, undefined],
			]);
			assert.deepEqual(problems.map((p) => [p.code, p.kind, p.location.endsWith('#Categories.xml')]), [['FILE_IGNORED', 'warning', true]]);
		} finally {
			await store.close();
		}
	});

	test('Given an email without its source, it is composed with headers, both bodies, attachments by name and bytes, flags and the received time', async () => {
		const store = await OlmStore.open(await write('compose.olm', buildZip(GOOD)));
		try {
			const inbox = (await readAll(store)).get('me@example.org/Inbox') ?? [];
			const [first, second] = inbox;
			assert.ok(first && second);
			const raw = first.raw.toString('utf8');
			assert.equal(header(first.raw, 'From'), 'Alice & Co <alice@example.org>');
			assert.equal(header(first.raw, 'To'), 'Me <me@example.org>');
			assert.equal(header(first.raw, 'Cc'), 'carol@example.org');
			assert.equal(header(first.raw, 'Subject'), 'Report attached');
			assert.equal(header(first.raw, 'Message-ID'), '<one@example.org>');
			assert.equal(header(first.raw, 'Date'), 'Tue, 21 Jun 2011 23:48:10 +0000');
			assert.match(raw, /Content-Type: multipart\/alternative/);
			assert.match(raw, /Plain <text> body/);
			assert.match(raw, /<p>HTML <b>body<\/b><\/p>/);
			assert.match(raw, /Content-Disposition: attachment;\r\n filename="Report Q1.pdf"/);
			const base64 = /filename="Report Q1.pdf"\r\n\r\n([A-Za-z0-9+/=\r\n]+?)\r\n--/.exec(raw)?.[1];
			assert.equal(createHash('sha256').update(Buffer.from(base64 ?? '', 'base64')).digest('hex'), createHash('sha256').update(PDF).digest('hex'));
			assert.match(raw, /Content-Type: message\/rfc822\r\nContent-Transfer-Encoding: 7bit\r\nContent-Disposition: attachment;\r\n filename="fwd.eml"\r\n\r\nFrom: bob@example.org\r\nSubject: inner\r\n\r\ninner body\r\n/);
			assert.deepEqual([...first.flags].sort(), ['\\Flagged', '\\Seen']);
			assert.deepEqual(first.storeDate, {date: new Date('2011-06-22T07:00:00Z'), source: 'olm-received-time'});
			assert.equal(first.ref.key, `${INBOX}/message_00000.xml`);
			assert.deepEqual([...second.flags], []);
			assert.equal(header(second.raw, 'Subject'), '=?UTF-8?B?R3LDvMOfZSwgdW5yZWFk?=');
		} finally {
			await store.close();
		}
	});

	test('Given an email that carries its original source, the source is uploaded as stored, not recomposed', async () => {
		const store = await OlmStore.open(await write('source.olm', buildZip(GOOD)));
		try {
			const [message] = (await readAll(store)).get('me@example.org/Inbox/Projects') ?? [];
			assert.equal(message?.raw.toString('utf8'), 'Received: from mx by mail; Tue, 21 Jun 2011 23:50:00 +0000\nFrom: dave@example.org\nSubject: original source\nMessage-ID: <three@example.org>\n\nkept as it was\n');
			assert.deepEqual([...(message?.flags ?? [])], ['\\Seen']);
		} finally {
			await store.close();
		}
	});

	test('Given contacts, each is yielded as a non-mail item (counted, never uploaded)', async () => {
		const store = await OlmStore.open(await write('contacts.olm', buildZip(GOOD)));
		try {
			const contacts = (await readAll(store)).get('On My Computer/Address Book') ?? [];
			assert.deepEqual(contacts.map((m) => [m.skipHint, m.itemKind, m.raw.length, m.ref.key]), [
				['not-mail', 'contact', 0, 'Local/Address Book/Contacts.xml#1'],
				['not-mail', 'contact', 0, 'Local/Address Book/Contacts.xml#2'],
			]);
		} finally {
			await store.close();
		}
	});

	test('Given contacts and exportNonMail (a backup), each contact carries a vCard with its name and address', async () => {
		const withMail: ZipInput[] = [{name: 'Local/Address Book/Contacts.xml', data: '<contacts><contact><OPFContactCopyDisplayName>Bea Muster</OPFContactCopyDisplayName>' +
			'<OPFContactCopyFirstName>Bea</OPFContactCopyFirstName><OPFContactCopyLastName>Muster</OPFContactCopyLastName>' +
			'<OPFContactCopyEmailAddressList><contactEmailAddress OPFContactEmailAddressAddress="bea@example.org"/></OPFContactCopyEmailAddressList>' +
			'<OPFContactCopyBusinessPhone>+41 44 000 00 00</OPFContactCopyBusinessPhone></contact></contacts>'}];
		const store = await OlmStore.open(await write('vcard.olm', buildZip(withMail)), {exportNonMail: true});
		try {
			const [contact] = (await readAll(store)).get('Address Book') ?? [];
			const card = contact?.nonMailExport;
			assert.equal(card?.extension, 'vcf');
			assert.equal(card?.title, 'Bea Muster');
			const text = card?.content.toString('utf8') ?? '';
			assert.match(text, /^BEGIN:VCARD\r\nVERSION:4\.0\r\n/);
			assert.match(text, /\r\nFN:Bea Muster\r\n/);
			assert.match(text, /\r\nN:Muster;Bea;;;\r\n/);
			assert.match(text, /\r\nEMAIL[^:]*:bea@example\.org\r\n/);
			assert.match(text, /\r\nTEL[^:]*TYPE=[^:]*work[^:]*:\+41 44 000 00 00\r\n/);
		} finally {
			await store.close();
		}
	});

	test('Given two opens of the same archive, folders, keys and bytes are identical', async () => {
		const path = await write('stable.olm', buildZip(GOOD));
		const digest = async (): Promise<string[]> => {
			const store = await OlmStore.open(path);
			try {
				return [...(await readAll(store)).entries()].flatMap(([folder, list]) => list.map((m) => `${folder} ${m.ref.key} ${createHash('sha256').update(m.raw).digest('hex')}`));
			} finally {
				await store.close();
			}
		};
		assert.deepEqual(await digest(), await digest());
	});

	test('Given a damaged message XML and a missing attachment, those are reported and every other message is still read', async () => {
		const damaged: ZipInput[] = [
			{name: `${INBOX}/message_00000.xml`, data: emailXml({subject: 'fine', id: 'ok@example.org'})},
			{name: `${INBOX}/message_00001.xml`, data: emailXml({subject: 'cut', id: 'cut@example.org'}).slice(0, 300)},
			{name: `${INBOX}/message_00002.xml`, data: emailXml({
				subject: 'lost attachment', id: 'lost@example.org',
				extra: `<OPFMessageCopyAttachmentList><messageAttachment OPFAttachmentName="gone.doc" OPFAttachmentURL="${INBOX}/com.microsoft.__Attachments/gone_0000"/></OPFMessageCopyAttachmentList>`,
			})},
		];
		const problems: ReaderProblem[] = [];
		const store = await OlmStore.open(await write('damaged.olm', buildZip(damaged)), {onProblem: (p) => problems.push(p)});
		try {
			const inbox = (await readAll(store)).get('Inbox') ?? [];
			assert.deepEqual(inbox.map((m) => header(m.raw, 'Subject')), ['fine', 'lost attachment']);
			assert.deepEqual(problems.map((p) => [p.code, p.kind, p.folder, p.location.split('#')[1]]), [
				['MESSAGE_UNPARSEABLE', 'failed', 'Inbox', `${INBOX}/message_00001.xml`],
				['MESSAGE_UNPARSEABLE', 'warning', 'Inbox', `${INBOX}/message_00002.xml`],
			]);
			assert.match(problems[0]!.reason, /XML is damaged \(.*at character \d+\); it is not migrated/);
			assert.match(problems[1]!.reason, /attachment "gone\.doc" is not in the archive/);
		} finally {
			await store.close();
		}
	});

	test('Given an aborted signal, reading a folder stops with ABORTED', async () => {
		const store = await OlmStore.open(await write('abort.olm', buildZip(GOOD)));
		try {
			const [folder] = await store.listFolders();
			const controller = new AbortController();
			controller.abort();
			await assert.rejects(async () => {
				for await (const _ of store.messages(folder!, controller.signal)) assert.fail('nothing is yielded');
			}, (error: unknown) => isMailshiftError(error) && error.code === 'ABORTED');
		} finally {
			await store.close();
		}
	});

	test('Given an .olm cut inside its directory, every item is read and one warning names the damage (cuts into the items: olm-cut.test.ts)', async () => {
		const whole = buildZip(GOOD);
		const path = await write('truncated.olm', whole.subarray(0, whole.length - 200));
		const problems: ReaderProblem[] = [];
		const store = await openSource(path, undefined, {onProblem: (p) => problems.push(p)});
		try {
			const read = await readAll(store);
			assert.equal([...read.values()].reduce((n, list) => n + list.length, 0), 5);
			assert.equal(store.incompleteness?.(), undefined);
			const warnings = problems.filter((p) => p.code === 'STORE_INCONSISTENT');
			assert.equal(warnings.length, 1);
			assert.match(warnings[0]!.reason, /no end-of-directory record.*all 7 of its files were found whole/);
		} finally {
			await store.close();
		}
	});

	test('Given a file named .olm that is not a ZIP, opening it fails with SOURCE_UNREADABLE naming the file (no stack trace, no hang)', async () => {
		const path = await write('not-zip.olm', Buffer.from('Subject: not an archive\n\n'.repeat(40)));
		await assert.rejects(openSource(path, undefined), (error: unknown) => {
			assert.ok(isMailshiftError(error));
			assert.equal(error.code, 'SOURCE_UNREADABLE');
			assert.match(error.message, /not-zip\.olm is not a readable ZIP archive/);
			assert.ok(error.hint);
			return true;
		});
	});

	test('Given the Aspose sample .olm from the corpus, its 22 messages are read in 11 folders with subjects, Message-IDs and attachment names', {skip: existsSync(corpusFile) ? false : `corpus file ${corpusFile} is absent`}, async () => {
		const problems: ReaderProblem[] = [];
		const store = await OlmStore.open(corpusFile, {onProblem: (p) => problems.push(p)});
		try {
			const all = await readAll(store);
			const mailFolders = [...all.entries()].filter(([, list]) => list.some((m) => m.skipHint === undefined));
			assert.equal(mailFolders.length, 11);
			assert.equal(mailFolders.reduce((n, [, list]) => n + list.length, 0), 22);
			assert.equal(all.get('Outlook2 PST/Inbox')?.length, 6);
			assert.equal(all.get('Outlook2 PST/Inbox/Custom Folder')?.length, 2);
			assert.equal(all.get('Outlook2 PST/Sent Items')?.length, 6);
			const contacts = [...all.values()].flat().filter((m) => m.itemKind === 'contact');
			assert.equal(contacts.length, 3);
			const embedded = all.get('Outlook2 PST/Inbox')?.find((m) => header(m.raw, 'Message-ID') === '<002001cc306d$ad9f5290$08ddf7b0$@razzaq@xp.local>');
			assert.ok(embedded, 'the message with two attached messages is there');
			assert.equal(header(embedded.raw, 'Subject'), 'this message contains embedded MSG');
			const raw = embedded.raw.toString('utf8');
			assert.match(raw, /filename="message 1\.eml"\r\n\r\nDate: Tue, 21 Jun 2011 16:46:39 -0700\r\nSubject: message 1\r\n/);
			assert.match(raw, /filename="message 2\.eml"/);
			assert.deepEqual([...embedded.flags], ['\\Seen']);
			assert.deepEqual(embedded.storeDate?.date, new Date('2011-06-21T23:48:10Z'));
			assert.deepEqual(problems.map((p) => p.code), ['FILE_IGNORED']);
		} finally {
			await store.close();
		}
	});
});
