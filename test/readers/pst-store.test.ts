/**
 * PstStore on real files: the PST and OSTs that ship with pst-extractor, ../shared/corpus/pst when present
 * (each corpus test skips with a printed reason otherwise), and damaged copies made here byte by byte.
 * Expectations come from pst-extractor's public getters on the same file where they are reliable.
 */
import assert from 'node:assert/strict';
import {createHash} from 'node:crypto';
import {copyFileSync, readFileSync, writeFileSync} from 'node:fs';
import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join, resolve} from 'node:path';
import {after, before, describe, test} from 'node:test';
import {fileURLToPath} from 'node:url';
import PostalMime from 'postal-mime';
import {PSTFile} from 'pst-extractor';
import type {PSTFolder, PSTMessage} from 'pst-extractor';
import {MailshiftError} from '../../src/contracts/errors.js';
import {corpusFile} from '../helpers/pst-corpus.js';
import type {SourceMessage} from '../../src/contracts/types.js';
import {detectSourceKind} from '../../src/readers/open-source.js';
import {PstStore} from '../../src/readers/pst/pst-store.js';
import type {PstStoreOptions} from '../../src/readers/pst/pst-store.js';
import type {ReaderProblem, SourceFolder} from '../../src/contracts/source-store.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const TESTDATA = join(REPO, 'node_modules/pst-extractor/example/testdata');
const ENRON = join(TESTDATA, 'enron.pst');
const OST = join(TESTDATA, 'pstextractortest@outlook.com.ost');


type Read = {folders: SourceFolder[]; messages: Map<string, SourceMessage[]>; problems: ReaderProblem[]};

async function readAll(file: string, options: PstStoreOptions = {}): Promise<Read> {
	const problems: ReaderProblem[] = [];
	const store = await PstStore.open(file, {...options, onProblem: (p) => problems.push(p)});
	try {
		const folders = await store.listFolders();
		const messages = new Map<string, SourceMessage[]>();
		for (const folder of folders) {
			const list: SourceMessage[] = [];
			for await (const message of store.messages(folder)) list.push(message);
			messages.set(folder.path.join('/'), list);
		}
		return {folders, messages, problems};
	} finally {
		await store.close();
	}
}

async function refusal(file: string): Promise<MailshiftError> {
	try {
		const store = await PstStore.open(file);
		await store.close();
	} catch (error) {
		assert.ok(error instanceof MailshiftError, `a MailshiftError, got ${String(error)}`);
		return error;
	}
	assert.fail(`${file} was opened`);
}

function sha256(bytes: Uint8Array): string {
	return createHash('sha256').update(bytes).digest('hex');
}

let work: string;
before(async () => {
	work = await mkdtemp(join(tmpdir(), 'ms-pst-'));
});
after(async () => {
	await rm(work, {recursive: true, force: true});
});

describe('reading enron.pst (Unicode, compressible encryption)', () => {
	let read: Read;
	before(async () => {
		read = await readAll(ENRON);
	});

	test('the folders are the IPM subtree with Outlook\'s names and PR_CONTENT_COUNT, and Deleted Items is \\Trash', () => {
		assert.deepEqual(read.folders.map((f) => [f.path.join('/'), f.count, f.specialUse]), [
			['Deleted Items', 0, '\\Trash'],
			['lokay-m', 0, undefined],
			['lokay-m/MLOKAY (Non-Privileged)', 1, undefined],
			['lokay-m/MLOKAY (Non-Privileged)/TW-Commercial Group', 14, undefined],
			['lokay-m/MLOKAY (Non-Privileged)/Systems', 7, undefined],
			['lokay-m/MLOKAY (Non-Privileged)/Sent Items', 2, undefined],
			['lokay-m/MLOKAY (Non-Privileged)/Personal', 47, undefined],
		]);
		assert.deepEqual(read.problems, []);
	});

	test('every item is one message that postal-mime parses, with the refs, flags, dates and attachment bytes of the PST', async () => {
		// Expectations from pst-extractor's getters, by Message-ID.
		const pst = new PSTFile(ENRON);
		const expected = new Map<string, {nid: string; attachments: string[]; isRead: boolean; delivered: Date | null}>();
		const walk = (folder: PSTFolder): void => {
			for (let i = 0; i < folder.contentCount; i++) {
				const item = folder.getNextChild() as PSTMessage;
				const attachments: string[] = [];
				for (let a = 0; a < item.numberOfAttachments; a++) {
					const stream = item.getAttachment(a).fileInputStream!;
					const bytes = Buffer.alloc(stream.length.toNumber());
					stream.readCompletely(bytes);
					attachments.push(sha256(bytes));
				}
				expected.set(item.internetMessageId, {nid: item.descriptorNodeId.toString(), attachments: attachments.sort(), isRead: item.isRead, delivered: item.messageDeliveryTime});
			}
			if (folder.hasSubfolders) for (const sub of folder.getSubFolders()) walk(sub);
		};
		walk(pst.getRootFolder());
		pst.close();

		const all = [...read.messages.values()].flat();
		assert.equal(all.length, 71);
		for (const message of all) {
			const email = await PostalMime.parse(message.raw);
			const want = expected.get(`<${email.messageId?.replace(/^<|>$/g, '')}>`);
			assert.ok(want, `${email.messageId} is an item of the PST`);
			assert.equal(message.ref.key, want.nid);
			assert.equal(message.ref.location, `${ENRON}#${message.ref.folder}/${want.nid}`);
			assert.deepEqual(email.attachments.map((a) => sha256(new Uint8Array(a.content as ArrayBuffer))).sort(), want.attachments, `${email.messageId} attachments`);
			assert.equal(message.flags.has('\\Seen'), want.isRead);
			assert.deepEqual(message.storeDate, {date: want.delivered, source: 'pst-delivery-time'});
			assert.ok(message.raw.includes('\r\nMIME-Version: 1.0\r\n'), 'our MIME structure');
			assert.equal(message.raw.toString('latin1').replace(/\r\n/g, '').includes('\n'), false, 'CRLF line ends only');
		}
	});

	test('two opens yield the same refs and byte-identical messages (composition is deterministic)', async () => {
		const again = await readAll(ENRON);
		for (const [folder, messages] of read.messages) {
			const other = again.messages.get(folder) ?? [];
			assert.deepEqual(other.map((m) => m.ref), messages.map((m) => m.ref));
			messages.forEach((m, i) => assert.ok(m.raw.equals(other[i]!.raw), `${m.ref.location} is the same both times`));
		}
	});
});

describe('reading OSTs and other formats', () => {
	test('an Outlook 2013+ OST with 4 KiB pages yields all 160 holiday items where pst-extractor\'s cursor stops at 24, and its stale rows are only warnings', async () => {
		const read = await readAll(OST);
		const holidays = read.messages.get('Calendar/United States holidays') ?? [];
		assert.equal(holidays.length, 160);
		assert.ok(holidays.every((m) => m.skipHint === 'not-mail' && m.itemKind === 'calendar item' && m.raw.length === 0));
		const inbox = read.folders.find((f) => f.path.join('/') === 'Inbox');
		assert.equal(inbox?.specialUse, '\\Inbox', 'the Inbox is the folder that carries the default-folder entry IDs');
		assert.equal(read.messages.get('Inbox')?.length, 10);
		assert.ok(read.folders.every((f) => !['IPM_SUBTREE', 'Finder', 'Root - Public'].includes(f.path[0] ?? '')), 'only the IPM subtree');
		assert.equal(read.problems.filter((p) => p.kind === 'failed').length, 0);
		assert.equal(read.problems.filter((p) => /no longer exists in the file/.test(p.reason)).length, 3);

		// pst-extractor's own cursor, for comparison (packages.md §2):
		const pst = new PSTFile(OST);
		const mailbox = pst.getRootFolder().getSubFolders().find((f) => f.displayName === 'Root - Mailbox')!;
		const calendar = mailbox.getSubFolders().find((f) => f.displayName === 'IPM_SUBTREE')!.getSubFolders().find((f) => f.displayName === 'Calendar')!;
		const folder = calendar.getSubFolders().find((f) => f.displayName === 'United States holidays')!;
		let cursor = 0;
		const saved = console.log;
		console.log = (): void => {};
		while (folder.getNextChild() !== null) cursor++;
		console.log = saved;
		pst.close();
		assert.ok(cursor < 160, `pst-extractor's cursor stops early (${cursor})`);
	});

	test('Outlook-internal folders are not listed when empty and are marked as holding no mail when they hold items (PST by entry ID, OST by name)', async (t) => {
		// Given the Outlook.com OST: Outbox, RSS Feeds and the Sync Issues subfolders are empty; Sync Issues holds a log
		const read = await readAll(OST);
		const paths = read.folders.map((f) => f.path.join('/'));
		for (const internal of ['Outbox', 'RSS Feeds', 'Sync Issues/Conflicts', 'Sync Issues/Local Failures', 'Sync Issues/Server Failures']) {
			assert.ok(!paths.includes(internal), `${internal} is not listed`);
		}
		assert.equal(read.folders.find((f) => f.path.join('/') === 'Sync Issues')?.holdsMail, false);
		assert.equal(read.folders.find((f) => f.path.join('/') === 'Calendar')?.holdsMail, false);
		for (const kept of ['Inbox', 'Drafts', 'Archive', 'Junk Email']) assert.ok(paths.includes(kept), `${kept} is still listed (even empty)`);

		// And a PST whose Outbox is found by the store's PR_IPM_OUTBOX_ENTRYID, and whose RSS Feeds has its own class
		const pst = corpusFile(t, 'aspose__Outlook.pst');
		if (pst === undefined) return;
		const aspose = (await readAll(pst)).folders.map((f) => f.path.join('/'));
		assert.ok(!aspose.includes('Outbox') && !aspose.includes('RSS Feeds'), aspose.join(', '));
		assert.ok(aspose.includes('Custom Folder 1'), 'an empty folder of the user is still recreated');
	});

	test('a Sent item of an Outlook.com OST gets From with the SMTP address behind its Exchange sender', async () => {
		const read = await readAll(OST);
		const sent = read.messages.get('Sent Items') ?? [];
		assert.equal(sent.length, 2);
		for (const message of sent) {
			const email = await PostalMime.parse(message.raw);
			assert.deepEqual(email.from, {name: 'Pst Extractor', address: 'pstextractortest@outlook.com'});
			assert.equal(email.to?.[0] && 'address' in email.to[0] ? email.to[0].address : undefined, 'epfromer@gmail.com');
		}
	});

	test('an ANSI PST from Japanese Outlook has its CP932 folder name and subject decoded', async (t) => {
		const file = corpusFile(t, 'hiraoka__nonUnicodeCP932.pst');
		if (file === undefined) return;
		const read = await readAll(file);
		assert.deepEqual(read.folders.map((f) => f.path.join('/')), ['nonUnicodeCP932', '削除済みアイテム']);
		const [message] = read.messages.get('nonUnicodeCP932') ?? [];
		const email = await PostalMime.parse(message!.raw);
		assert.equal(email.subject, '日本語 Non Unicode タイトル');
		assert.match(email.text ?? '', /日本語 Non Unicode 本文/);
		assert.match(email.html ?? '', /<html/, 'HTML recovered from the encapsulated RTF (\\fromhtml1)');
	});

	test('items lying in the IPM subtree itself go to a folder named after the store, as readpst does', async (t) => {
		const file = corpusFile(t, 'tika__testPST.pst');
		if (file === undefined) return;
		const read = await readAll(file);
		assert.equal(read.messages.get('hong-thai.nguyen')?.length, 7);
		assert.equal(read.folders.find((f) => f.path[0] === 'Éléments supprimés')?.specialUse, '\\Trash');
	});

	test('special folders come from the store\'s entry IDs: Inbox, Sent Items, Deleted Items, Drafts and Junk', async (t) => {
		const file = corpusFile(t, 'aspose__Outlook.pst');
		if (file === undefined) return;
		const read = await readAll(file);
		const roles = Object.fromEntries(read.folders.filter((f) => f.specialUse).map((f) => [f.path.join('/'), f.specialUse]));
		assert.deepEqual(roles, {'Inbox': '\\Inbox', 'Sent Items': '\\Sent', 'Deleted Items': '\\Trash', 'Drafts': '\\Drafts', 'Junk E-mail': '\\Junk'});
		assert.deepEqual(read.messages.get('Contacts')?.map((m) => [m.skipHint, m.itemKind]), [['not-mail', 'contact']]);
		assert.deepEqual(read.messages.get('Calendar')?.map((m) => [m.skipHint, m.itemKind]), [['not-mail', 'calendar item']]);
	});

	test('contacts, sticky notes and distribution lists are yielded as not-mail items, never dropped', async (t) => {
		const contacts = corpusFile(t, 'aspose__PersonalStorageFile1_contacts.pst');
		const notes = corpusFile(t, 'aspose__MapiNoteToPST_out.pst');
		const lists = corpusFile(t, 'javalibpst__dist-list.pst');
		if (contacts === undefined || notes === undefined || lists === undefined) return;
		const kinds = async (file: string): Promise<string[]> => [...(await readAll(file)).messages.values()].flat().map((m) => `${m.skipHint}:${m.itemKind}`);
		assert.deepEqual(await kinds(contacts), Array(72).fill('not-mail:contact'));
		assert.deepEqual(await kinds(notes), Array(3).fill('not-mail:note'));
		assert.deepEqual((await kinds(lists)).sort(), ['not-mail:calendar item', 'not-mail:contact', 'not-mail:distribution list']);
	});

	test('an embedded message becomes a message/rfc822 part, and an inline image sits in multipart/related with its Content-ID', async (t) => {
		const inMsg = corpusFile(t, 'rubymsg__msgInMsg.pst');
		const inline = corpusFile(t, 'rubymsg__attachAndInline.pst');
		if (inMsg === undefined || inline === undefined) return;
		const [embedding] = [...(await readAll(inMsg)).messages.values()].flat();
		const outer = await PostalMime.parse(embedding!.raw, {forceRfc822Attachments: true});
		const part = outer.attachments.find((a) => a.mimeType === 'message/rfc822');
		assert.ok(part, 'a message/rfc822 part');
		const inner = await PostalMime.parse(new Uint8Array(part.content as ArrayBuffer));
		assert.equal(inner.subject, 'Microsoft Outlook テスト メッセージ');
		assert.equal(inner.from && 'address' in inner.from ? inner.from.address : undefined, 'xmailuser@xmailserver.test');

		const [withImage] = [...(await readAll(inline)).messages.values()].flat();
		const email = await PostalMime.parse(withImage!.raw);
		const image = email.attachments.find((a) => a.filename === 'image001.png');
		assert.equal(image?.related, true);
		assert.equal(image?.contentId, '<image001.png@01D78380.EF6DC500>');
		assert.match(email.html ?? '', /cid:image001\.png@01D78380\.EF6DC500/);
		assert.equal(email.attachments.find((a) => a.filename === 'attach.png')?.disposition, 'attachment');
	});

	test('Japanese attachment file names survive (RFC 2231 and RFC 2047)', async (t) => {
		const file = corpusFile(t, 'hiraoka__unicodeAttachmentFilename.pst');
		if (file === undefined) return;
		const [message] = [...(await readAll(file)).messages.values()].flat();
		const email = await PostalMime.parse(message!.raw);
		assert.deepEqual(email.attachments.map((a) => a.filename).sort(), ['情報 Information を 意味する記号.png', 'エラー Error を 意味する記号.png', '疑問 Help を 意味する記号.png'].sort());
	});

	test('an RTF-only body is converted to text instead of being attached', async (t) => {
		const file = corpusFile(t, 'tika__testPST_variousBodyTypes.pst');
		if (file === undefined) return;
		const messages = [...(await readAll(file)).messages.values()].flat();
		for (const message of messages) {
			const email = await PostalMime.parse(message.raw);
			assert.ok((email.text ?? email.html ?? '').includes('original email'), `${email.subject} has its body`);
			assert.ok(!email.attachments.some((a) => /rtf/i.test(a.mimeType)), 'no RTF attachment');
		}
	});

	test('detection: a file starting with !BDN is a PST whatever its name, and a .pst/.ost name means PST', async () => {
		const renamed = join(work, 'mailbox.bin');
		copyFileSync(ENRON, renamed);
		assert.equal(await detectSourceKind(renamed), 'pst');
		const text = join(work, 'archive.ost');
		writeFileSync(text, 'From someone Mon Jan  1 00:00:00 2001\nSubject: x\n\nbody\n');
		assert.equal(await detectSourceKind(text), 'pst');
	});
});

describe('damaged and unsupported files', () => {
	/** A copy of `file` with `bytes` written at `offset`. */
	function damaged(file: string, name: string, offset: number, bytes: Buffer): string {
		const copy = join(work, name);
		const data = readFileSync(file);
		bytes.copy(data, offset);
		writeFileSync(copy, data);
		return copy;
	}

	test('a file that is not a PST, a truncated one, an unknown encryption method, an unknown version and an address book are each refused with one sentence', async () => {
		const notPst = join(work, 'notes.pst');
		writeFileSync(notPst, 'From me Mon Jan  1 00:00:00 2001\n\nhello\n');
		let error = await refusal(notPst);
		assert.equal(error.code, 'NOT_A_MAIL_STORE');
		assert.match(error.message, /notes\.pst is not an Outlook data file/);
		assert.match(error.hint ?? '', /mbox/);

		const truncated = join(work, 'truncated.pst');
		writeFileSync(truncated, readFileSync(ENRON).subarray(0, 40));
		error = await refusal(truncated);
		assert.equal(error.code, 'SOURCE_INCOMPLETE');
		assert.match(error.message, /truncated\.pst is truncated: it has 40 bytes/);

		// ("high" encryption is read: pst-cyclic.test.ts)
		error = await refusal(damaged(ENRON, 'crypt.pst', 513, Buffer.from([7])));
		assert.equal(error.code, 'SOURCE_UNREADABLE');
		assert.match(error.message, /crypt\.pst has an unknown encryption type 7/);

		error = await refusal(damaged(ENRON, 'version.pst', 10, Buffer.from([99, 0])));
		assert.match(error.message, /version\.pst is a PST of format version 99/);

		error = await refusal(damaged(ENRON, 'book.pst', 8, Buffer.from('AB')));
		assert.equal(error.code, 'NOT_A_MAIL_STORE');
		assert.match(error.message, /book\.pst is an Outlook personal address book/);
	});

	test('a file cut short is refused as incomplete, with both sizes, when its B-trees are gone', async () => {
		const cut = join(work, 'cut.pst');
		const data = readFileSync(ENRON);
		writeFileSync(cut, data.subarray(0, Math.floor(data.length * 0.6)));
		const error = await refusal(cut);
		assert.equal(error.code, 'SOURCE_INCOMPLETE');
		assert.match(error.message, new RegExp(`cut\\.pst is truncated: the file ends at byte ${Math.floor(data.length * 0.6)}, but its header says it is ${data.length} bytes long`));
		assert.match(error.hint ?? '', /Copy it again/);
	});

	test('a file cut short that still opens states its shortfall in numbers: items read, items listed, where the file ends', async () => {
		const data = readFileSync(OST);
		// At 3,000,000 bytes the OST's folder list is gone (0 items readable, the "0 messages, OK");
		// at 20% every item survives, yet the file is still incomplete.
		const early = join(work, 'early.ost');
		writeFileSync(early, data.subarray(0, 3_000_000));
		const problems: ReaderProblem[] = [];
		let store = await PstStore.open(early, {onProblem: (p) => problems.push(p)});
		for (const folder of await store.listFolders()) for await (const _ of store.messages(folder)) assert.fail('nothing is readable');
		assert.equal(store.incompleteness(), `read 0 of ~0 items (plus the items of the subfolders of 1 folder(s), which could not be listed); the file ends early at byte 3000000, but its header says it is ${data.length} bytes long (17% present)`);
		assert.ok(problems.some((p) => p.code === 'SOURCE_INCOMPLETE' && p.kind === 'warning'));
		await store.close();

		const late = join(work, 'late.ost');
		writeFileSync(late, data.subarray(0, 3_400_000));
		store = await PstStore.open(late);
		for (const folder of await store.listFolders()) for await (const _ of store.messages(folder)) { /* read all */ }
		// A second pass (verify) does not count twice.
		for (const folder of await store.listFolders()) for await (const _ of store.messages(folder)) { /* read all */ }
		assert.match(store.incompleteness() ?? '', /^read 183 of ~183 items; the file ends early at byte 3400000/);
		await store.close();

		store = await PstStore.open(OST);
		assert.equal(store.incompleteness(), undefined);
		await store.close();
	});

	test('the corpus\'s corrupt files are refused clearly (truncated header; an mbox named .pst)', async (t) => {
		const truncated = corpusFile(t, 'pstreader__truncated-in-header.pst');
		const mbox = corpusFile(t, 'aspose__SMTP_Outlook_not-a-pst.pst');
		if (truncated === undefined || mbox === undefined) return;
		assert.match((await refusal(truncated)).message, /is truncated: it has 40 bytes/);
		assert.match((await refusal(mbox)).message, /is not an Outlook data file/);
	});

	test('a damaged item is reported with its folder path and node id, and every other item is still read', async () => {
		const pst = new PSTFile(ENRON) as unknown as {getDescriptorIndexNode(id: unknown): {dataOffsetIndexIdentifier: unknown}; getOffsetIndexNode(id: unknown): {fileOffset: {toNumber(): number}}};
		const {default: Long} = await import('long');
		const nid = 2097668; // "eRequest" in Systems
		const block = pst.getOffsetIndexNode(pst.getDescriptorIndexNode(Long.fromNumber(nid)).dataOffsetIndexIdentifier).fileOffset.toNumber();
		const copy = damaged(ENRON, 'item.pst', block, Buffer.alloc(64, 0x5a));
		const read = await readAll(copy);
		assert.equal(read.messages.get('lokay-m/MLOKAY (Non-Privileged)/Systems')?.length, 6);
		assert.equal([...read.messages.values()].flat().length, 70);
		const failed = read.problems.filter((p) => p.kind === 'failed');
		assert.equal(failed.length, 1);
		assert.equal(failed[0]?.folder, 'lokay-m/MLOKAY (Non-Privileged)/Systems');
		assert.equal(failed[0]?.location, `${copy}#lokay-m/MLOKAY (Non-Privileged)/Systems/${nid}`);
		assert.match(failed[0]?.reason ?? '', /item 2097668 .* cannot be read: /);
	});

	test('a damaged contents table loses nothing: the items are found through the node B-tree', async () => {
		const pst = new PSTFile(ENRON) as unknown as {getDescriptorIndexNode(id: unknown): {dataOffsetIndexIdentifier: unknown}; getOffsetIndexNode(id: unknown): {fileOffset: {toNumber(): number}}};
		const {default: Long} = await import('long');
		const table = pst.getOffsetIndexNode(pst.getDescriptorIndexNode(Long.fromNumber(32994 + 12)).dataOffsetIndexIdentifier).fileOffset.toNumber();
		const read = await readAll(damaged(ENRON, 'table.pst', table, Buffer.alloc(64, 0x5a)));
		assert.equal(read.messages.get('lokay-m/MLOKAY (Non-Privileged)/Systems')?.length, 7);
		assert.deepEqual(read.problems.filter((p) => p.kind === 'failed'), []);
	});

	test('a folder whose PR_CONTENT_COUNT promises more items than exist is a store inconsistency (a warning by name), not a failure', async () => {
		// Raise "Systems"' PR_CONTENT_COUNT (0x3602, PT_LONG) from 7 to 9 in its property block, re-encrypted with
		// the PST's "compressible" byte permutation (MS-PST 5.1).
		const {PSTUtil} = (await import('pst-extractor/dist/PSTUtil.class.js' as string)) as {PSTUtil: {compEnc: number[]}};
		const decode = PSTUtil.compEnc;
		const encode = new Array<number>(256);
		decode.forEach((plain, cipher) => (encode[plain] = cipher));
		const pst = new PSTFile(ENRON) as unknown as {getDescriptorIndexNode(id: unknown): {dataOffsetIndexIdentifier: unknown}; getOffsetIndexNode(id: unknown): {fileOffset: {toNumber(): number}; size: number}};
		const {default: Long} = await import('long');
		const item = pst.getOffsetIndexNode(pst.getDescriptorIndexNode(Long.fromNumber(32994)).dataOffsetIndexIdentifier);
		const data = readFileSync(ENRON);
		const start = item.fileOffset.toNumber();
		const plain = Buffer.from(data.subarray(start, start + item.size).map((b) => decode[b] ?? b));
		const at = plain.indexOf(Buffer.from('0236030007000000', 'hex'));
		assert.ok(at >= 0, 'the count property is in the folder\'s property block');
		plain[at + 4] = 9;
		const copy = damaged(ENRON, 'count.pst', start, Buffer.from(plain.map((b) => encode[b] ?? b)));

		const read = await readAll(copy);
		assert.equal(read.messages.get('lokay-m/MLOKAY (Non-Privileged)/Systems')?.length, 7);
		assert.deepEqual(read.problems.filter((p) => p.kind === 'failed'), [], 'every item that exists was read: nothing failed');
		const note = read.problems.filter((p) => p.code === 'STORE_INCONSISTENT');
		assert.equal(note.length, 1);
		assert.equal(note[0]?.kind, 'warning');
		assert.equal(note[0]?.folder, 'lokay-m/MLOKAY (Non-Privileged)/Systems');
		assert.match(note[0]?.reason ?? '', /says it holds 9 item\(s\), but its contents table and the file's node index list only 7, and all 7 were read/);

		// With one of those 7 items damaged as well, the shortfall is a real loss again: failed, by name.
		const nid = 2097668; // "eRequest" in Systems
		const block = pst.getOffsetIndexNode(pst.getDescriptorIndexNode(Long.fromNumber(nid)).dataOffsetIndexIdentifier).fileOffset.toNumber();
		const both = damaged(copy, 'count-and-item.pst', block, Buffer.alloc(64, 0x5a));
		const lossy = await readAll(both);
		assert.ok(lossy.problems.some((p) => p.kind === 'failed' && /says it holds 9 item\(s\), but only 7 could be found; 2 item\(s\) are missing/.test(p.reason)));
	});
});

describe('streaming, back-pressure and lifecycle', () => {
	test('the worker never runs more than its window ahead of a slow consumer', async () => {
		const store = await PstStore.open(ENRON, {window: {items: 2, bytes: 64 * 1024 * 1024}});
		try {
			const folder = (await store.listFolders()).find((f) => f.path.at(-1) === 'Personal')!;
			let count = 0;
			for await (const _message of store.messages(folder)) {
				count++;
				await new Promise((r) => setTimeout(r, 5));
			}
			assert.equal(count, 47);
			// The bound is the contract; how far the worker gets ahead of the consumer depends on the machine's load.
			assert.ok(store.maxReadAhead <= 2, `it ran ${store.maxReadAhead} items ahead, more than its window of two`);
		} finally {
			await store.close();
		}
		// A byte window smaller than one message: one item at a time.
		const strict = await PstStore.open(ENRON, {window: {items: 8, bytes: 1}});
		try {
			const folder = (await strict.listFolders()).find((f) => f.path.at(-1) === 'Personal')!;
			for await (const _message of strict.messages(folder)) await new Promise((r) => setTimeout(r, 1));
			assert.ok(strict.maxReadAhead <= 1, `it ran ${strict.maxReadAhead} items ahead with a byte window smaller than one message`);
		} finally {
			await strict.close();
		}
	});

	test('breaking out early or aborting stops the read, and the store goes on serving other folders', async () => {
		const store = await PstStore.open(ENRON);
		try {
			const folders = await store.listFolders();
			const personal = folders.find((f) => f.path.at(-1) === 'Personal')!;
			const systems = folders.find((f) => f.path.at(-1) === 'Systems')!;
			for await (const _message of store.messages(personal)) break;
			const controller = new AbortController();
			await assert.rejects(async () => {
				for await (const _message of store.messages(personal, controller.signal)) controller.abort();
			}, (error: unknown) => error instanceof MailshiftError && error.code === 'ABORTED');
			let count = 0;
			for await (const _message of store.messages(systems)) count++;
			assert.equal(count, 7);
			await assert.rejects(async () => {
				for await (const _message of store.messages({path: ['No such folder']})) break;
			}, /not part of/);
		} finally {
			await store.close();
		}
	});

	test('close() is idempotent and a closed store refuses to be used', async () => {
		const store = await PstStore.open(ENRON);
		await store.close();
		await store.close();
		await assert.rejects(() => store.listFolders(), (error: unknown) => error instanceof MailshiftError && error.code === 'BUG');
	});
});
