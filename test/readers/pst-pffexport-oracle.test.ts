/**
 * pffexport as a second oracle (issue #3; readpst is the first, pst-oracle.test.ts): for every PST/OST that
 * pffexport (Debian pff-tools, libpff 20180714) can read — the files that ship with pst-extractor and
 * ../shared/corpus/pst when present — `pffexport -m items -f all -d -l LOG` runs on the same file
 * (test/helpers/pffexport.ts reads what it writes), and the test compares:
 *   - per folder, the mail items: pffexport's log names each item with its node id and folder, so the items
 *     are matched one to one by node id, and the per-folder counts must be equal up to the differences below;
 *   - for every mail item both have: Subject (PR_SUBJECT from OutlookHeaders.txt), Message-ID (from
 *     InternetHeaders.txt, else PR_INTERNET_MESSAGE_ID in ItemValues.txt), the sender address, and the set of
 *     file attachments (name + sha256 of the bytes in Attachments/) and the number of embedded messages, against
 *     our composed message parsed with postal-mime;
 *   - items pffexport exports as appointment/contact/note/distribution list/task/activity are "not mail" for us.
 *
 * Deliberate differences, each encoded exactly:
 *   P1 pffexport exports the whole root folder (search roots, Finder, "SPAM Search Folder 2", IPM_COMMON_VIEWS,
 *      Root - Public…); we migrate the IPM subtree only (folder-tree.ts). pffexport does not say which folder
 *      that is: it is the one directory under which every folder we list exists under the same name (asserted
 *      unique); items outside it are not compared.
 *   P2 Search folders and hidden folders inside the IPM subtree are exported by pffexport and not listed by us.
 *      Every item of a pffexport folder we do not list must lie in a search folder (node type 0x03) or in a
 *      folder we reported as hidden (onProblem "hidden folder with N item(s)").
 *   P3 pffexport does not export IPM.Post items ("Skipped export of item … of type: IPM.Post (0x12)"); we
 *      migrate them as mail. Every mail item of ours that pffexport did not export must have a message class
 *      among those pffexport logged as skipped and be an IPM.Post (its class read by node id), and there must be
 *      as many IPM.Post skip lines as such items.
 *   P4 pffexport also lists associated (FAI) items — IPM.Configuration.*, IPM.Microsoft.*, rules,
 *      IPM.Sharing.Binding.In… — and logs them as skipped; we read the contents table only, so they are not
 *      items for us. They are ignored (P3 accounts only for classes we call mail).
 *   P5 Folders are matched by path (our label = pffexport's directory below the IPM subtree); two folders with
 *      the same path, which we merge (folder-tree.ts), would share one pffexport path as well, so they are
 *      merged here too. Items are matched by node id, and each must be in the folder of that path.
 *   P6 ANSI (32-bit) stores: pffexport decodes PT_STRING8 with the one code page given by -c (default
 *      windows-1252) and does not detect it; we do. For a 32-bit store whose items name a code page
 *      (PR_MESSAGE_CODEPAGE, else the code page of PR_MESSAGE_LOCALE_ID, as pffexport's ItemValues.txt shows
 *      them) other than 1252, pffexport is run again with that code page.
 *   P7 Subject: where the item has transport headers we keep their Subject line, so it is compared with the
 *      Subject of InternetHeaders.txt; otherwise with PR_SUBJECT (OutlookHeaders.txt); whitespace unfolded.
 *      Message-ID: where pffexport has none (no transport headers, no PR_INTERNET_MESSAGE_ID) we synthesize a
 *      stable one; it is compared only where pffexport has one.
 *   P8 Sender: where the item has transport headers we keep their From line, so its address is compared as it
 *      is (IMCEA-encapsulated ones included). Otherwise pffexport shows PR_SENT_REPRESENTING_EMAIL_ADDRESS /
 *      PR_SENDER_EMAIL_ADDRESS as stored, a legacy DN for Exchange (EX) senders, where we resolve the SMTP
 *      address; the representing, else the sender address is compared where it contains '@'.
 *   P9 Attachment names: pffexport saves `<n>_<name>` with some characters replaced ('@' → '_'); the name is
 *      taken from its log ("Saving attachment with filename: X as: Y"). An attachment without a file name is
 *      saved as `<n>_Attachment.txt`; its name is not compared, its bytes are. Neither side writes a
 *      text/calendar part; the RTF body is a body for both (Message.rtf), never an attachment.
 *   P10 pffexport writes no Attachments/ for meeting items (Meeting0000n/ holds Meeting.txt only); their
 *      attachments are not compared (Subject, Message-ID and sender are).
 */
import assert from 'node:assert/strict';
import {createRequire} from 'node:module';
import {existsSync, readdirSync} from 'node:fs';
import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {basename, join, resolve} from 'node:path';
import {describe, test} from 'node:test';
import {fileURLToPath} from 'node:url';
import PostalMime from 'postal-mime';
import type {Email} from 'postal-mime';
import {PSTFile} from 'pst-extractor';
import {PstStore} from '../../src/readers/pst/pst-store.js';
import {installPstExtractorFixes} from '../../src/readers/pst/pst-extractor-fixes.js';
import {PFF_NOT_MAIL_TYPES, pffexportMissing, pffFileType, runPffexport, sha256} from '../helpers/pffexport.js';
import type {PffExport, PffItem} from '../helpers/pffexport.js';

const require = createRequire(import.meta.url);
const Long = require('long') as {fromNumber(n: number): unknown};
const {PSTUtil} = require('pst-extractor/dist/PSTUtil.class.js') as {PSTUtil: {detectAndLoadPSTObject(file: PSTFile, id: unknown): unknown}};

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const TESTDATA = join(REPO, 'node_modules/pst-extractor/example/testdata');
const CORPUS = resolve(REPO, '../shared/corpus/pst');
const PACKAGED = ['enron.pst', 'pstextractortest@outlook.com.ost', 'pstextractortestpdf@outlook.com.ost'].map((f) => join(TESTDATA, f));
/** Corpus files that are not readable stores (pffexport refuses them too: "unable to open file"). */
const UNREADABLE = new Set(['pstreader__truncated-in-header.pst', 'aspose__SMTP_Outlook_not-a-pst.pst']);
const NID_TYPE_SEARCH_FOLDER = 0x03;

if (pffexportMissing !== undefined) console.log(`# SKIP: ${pffexportMissing}`);

type Ours = Readonly<{nid: number; folder: string; mail: boolean; email: Email | undefined}>;

/** Our items by folder label, our folder labels and the folders we reported as hidden (P2). */
async function ourItems(file: string): Promise<{items: Ours[]; folders: string[]; hidden: string[]}> {
	const hidden: string[] = [];
	const store = await PstStore.open(file, {onProblem: (p) => {
		if (/hidden folder with \d+ item/.test(p.reason)) hidden.push(p.folder);
	}});
	try {
		const items: Ours[] = [];
		const folders: string[] = [];
		for (const folder of await store.listFolders()) {
			const label = folder.path.join('/');
			folders.push(label);
			for await (const message of store.messages(folder)) {
				const mail = message.skipHint !== 'not-mail';
				items.push({nid: Number(message.ref.key), folder: label, mail, email: mail ? await PostalMime.parse(message.raw, {forceRfc822Attachments: true}) : undefined});
			}
		}
		return {items, folders, hidden};
	} finally {
		await store.close();
	}
}

/** Message classes by node id, straight from pst-extractor (P3: the items pffexport skips are not in its output). */
function messageClasses(file: string, nids: readonly number[]): Map<number, string> {
	if (nids.length === 0) return new Map();
	installPstExtractorFixes();
	const pst = new PSTFile(file);
	const saved = [console.log, console.error] as const;
	console.log = console.error = (): void => {}; // "unknown message type: IPM.Post"
	try {
		return new Map(nids.map((nid) => [nid, (PSTUtil.detectAndLoadPSTObject(pst, Long.fromNumber(nid)) as {messageClass: string}).messageClass]));
	} finally {
		[console.log, console.error] = saved;
		pst.close();
	}
}

/** P6: the -c code page for a 32-bit store, from the items' code page or locale as pffexport dumped them. */
function ansiCodePage(oracle: PffExport): string | undefined {
	const BY_LANGUAGE: Record<number, number> = {
		0x11: 932, 0x12: 949, 0x1e: 874, 0x19: 1251, 0x22: 1251, 0x02: 1251, 0x08: 1253, 0x1f: 1254, 0x0d: 1255, 0x01: 1256,
		0x25: 1257, 0x26: 1257, 0x27: 1257, 0x2a: 1258, 0x05: 1250, 0x15: 1250, 0x0e: 1250, 0x1b: 1250, 0x24: 1250, 0x18: 1250,
	};
	const supported = new Set([874, 932, 936, 949, 950, 1250, 1251, 1252, 1253, 1254, 1255, 1256, 1257, 1258]);
	for (const item of oracle.items) {
		let page = item.codePage;
		if (page === undefined && item.localeId !== undefined) {
			page = item.localeId === 0x0804 || item.localeId === 0x1004 ? 936 : item.localeId === 0x0404 || item.localeId === 0x0c04 ? 950 : BY_LANGUAGE[item.localeId & 0x3ff];
		}
		if (page !== undefined && supported.has(page)) return page === 1252 ? undefined : `windows-${page}`;
	}
	return undefined;
}

function address(value: string | undefined): string | undefined {
	const text = value?.trim().replace(/^.*<([^<>]*)>.*$/s, '$1').trim().toLowerCase();
	return text !== undefined && text.includes('@') ? text : undefined;
}

async function headerFields(headers: string | undefined): Promise<{messageId?: string | undefined; subject?: string | undefined; from?: string | undefined}> {
	if (headers === undefined) return {};
	const parsed = await PostalMime.parse(`${headers.replace(/\r?\n/g, '\r\n').replace(/(\r\n)+$/, '')}\r\n\r\n`);
	const from = parsed.from !== undefined && 'address' in parsed.from ? parsed.from.address : undefined;
	return {messageId: parsed.messageId, subject: parsed.subject, from};
}

function stripId(id: string | undefined): string | undefined {
	return id?.trim().replace(/^<|>$/g, '').trim() || undefined;
}

function ourAttachments(email: Email): {files: string[]; embedded: number} {
	const files = email.attachments.filter((a) => a.mimeType !== 'message/rfc822' && a.mimeType !== 'text/calendar');
	return {
		files: files.map((a) => `${a.filename ?? ''} ${sha256(typeof a.content === 'string' ? Buffer.from(a.content, 'base64') : new Uint8Array(a.content))}`).sort(),
		embedded: email.attachments.length - files.length - email.attachments.filter((a) => a.mimeType === 'text/calendar').length,
	};
}

async function compareItem(label: string, want: PffItem, got: Email): Promise<number> {
	const transport = await headerFields(want.internetHeaders);
	// P7: Subject.
	const subject = (transport.subject ?? want.subject)?.replace(/\s+/g, ' ').trim();
	if (subject !== undefined && subject !== '') assert.equal(got.subject?.replace(/\s+/g, ' ').trim(), subject, `${label}: Subject`);
	// P7: Message-ID where pffexport has one.
	const messageId = stripId(transport.messageId) ?? stripId(want.internetMessageId);
	if (messageId !== undefined) assert.equal(stripId(got.messageId), messageId, `${label}: Message-ID`);
	// P8: sender address where pffexport has an SMTP one.
	const sender = transport.from !== undefined
		? address(transport.from)
		: address(want.outlookHeaders.get('Sent representing email address')) ?? address(want.outlookHeaders.get('Sender email address'));
	const from = got.from !== undefined && 'address' in got.from ? got.from.address?.toLowerCase() : undefined;
	if (sender !== undefined) assert.equal(from, sender, `${label}: From address`);
	// P9, P10: attachments (pffexport writes none for meeting items).
	if (want.type !== 'email') return 1;
	const ours = ourAttachments(got);
	const named = want.attachments.files.map((a) => (a.startsWith(' ') ? (ours.files.find((o) => o.endsWith(a)) ?? a) : a)).sort();
	assert.deepEqual(ours.files, named, `${label}: attachments (name + sha256)`);
	assert.equal(ours.embedded, want.attachments.embedded.length, `${label}: embedded messages`);
	return 1;
}

const corpus = existsSync(CORPUS) ? readdirSync(CORPUS).filter((f) => /\.(pst|ost)$/i.test(f) && !UNREADABLE.has(f)).sort().map((f) => join(CORPUS, f)) : [];
if (corpus.length === 0) console.log(`# SKIP: ${CORPUS} is not present; only the files shipped with pst-extractor are compared with pffexport`);

describe('pffexport agrees with what mailshift reads from each PST', {skip: pffexportMissing}, () => {
	for (const file of [...PACKAGED, ...corpus]) {
		test(`${basename(file)}: the same mail in every folder, and the same Subject, Message-ID, sender and attachments for every message`, async () => {
			const work = await mkdtemp(join(tmpdir(), 'ms-pffexport-'));
			try {
				let oracle = runPffexport(file, join(work, 'a'));
				const codePage = pffFileType(file) === '32-bit' ? ansiCodePage(oracle) : undefined;
				if (codePage !== undefined) oracle = runPffexport(file, join(work, 'b'), codePage);
				const ours = await ourItems(file);

				// P1: the IPM subtree directory.
				const dirs = [...oracle.folders.keys()];
				const named = ours.folders.filter((f) => dirs.some((d) => d.endsWith(`/${f}`) || d === f));
				const candidates = ['', ...dirs].filter((d) => named.every((f) => oracle.folders.has(d === '' ? f : `${d}/${f}`)) && named.length > 0);
				assert.equal(candidates.length, 1, `exactly one pffexport directory holds all our folders (${candidates.join(', ')})`);
				const ipmDir = candidates[0]!;
				const toLabel = (dir: string): string | undefined => {
					if (dir === ipmDir) return ours.folders.find((f) => !oracle.folders.has(`${ipmDir}/${f}`));
					return dir.startsWith(`${ipmDir}/`) ? dir.slice(ipmDir.length + 1) : undefined;
				};

				// P2: pffexport items in the IPM subtree but in folders we do not list.
				const inIpm = oracle.items.filter((i) => i.folder === ipmDir || i.folder.startsWith(`${ipmDir}/`));
				const ourByNid = new Map(ours.items.map((i) => [i.nid, i]));
				for (const item of inIpm) {
					const label = toLabel(item.folder);
					if (label !== undefined && ours.folders.includes(label)) continue;
					const folderNid = oracle.folders.get(item.folder) ?? 0;
					const hidden = ours.hidden.some((h) => label === h || label?.startsWith(`${h}/`));
					assert.ok((folderNid & 0x1f) === NID_TYPE_SEARCH_FOLDER || hidden, `pffexport's ${item.type} ${item.nid} in "${item.folder}" is in a search folder or a hidden folder`);
				}
				const compared = inIpm.filter((i) => {
					const label = toLabel(i.folder);
					return label !== undefined && ours.folders.includes(label);
				});

				// Per item by node id; per folder counts follow.
				const theirNids = new Set(compared.map((i) => i.nid));
				let messages = 0;
				for (const item of compared) {
					const got = ourByNid.get(item.nid);
					const label = `${basename(file)} "${toLabel(item.folder)}" ${item.nid} ${item.subject ?? ''}`;
					assert.ok(got !== undefined, `${label}: pffexport's ${item.type} is among our items`);
					assert.equal(got.folder, toLabel(item.folder), `${label}: folder`);
					assert.equal(got.mail, !PFF_NOT_MAIL_TYPES.has(item.type), `${label}: mail (pffexport: ${item.type}, class ${item.messageClass})`);
					if (got.email !== undefined) messages += await compareItem(label, item, got.email);
				}
				// P3: our mail items pffexport did not export.
				const extra = ours.items.filter((i) => i.mail && !theirNids.has(i.nid));
				const classes = messageClasses(file, extra.map((i) => i.nid));
				for (const item of extra) {
					const cls = classes.get(item.nid) ?? '';
					assert.ok(/^ipm\.post(\.|$)/i.test(cls) && oracle.skipped.includes(cls), `${basename(file)} "${item.folder}" ${item.nid}: not exported by pffexport, class ${cls}`);
				}
				assert.equal(extra.length, oracle.skipped.filter((c) => /^ipm\.post(\.|$)/i.test(c)).length, 'IPM.Post items: ours = pffexport skip lines');
				const count = (list: ReadonlyArray<{folder: string}>): Map<string, number> => {
					const map = new Map<string, number>();
					for (const i of list) map.set(i.folder, (map.get(i.folder) ?? 0) + 1);
					return map;
				};
				const ourMail = count(ours.items.filter((i) => i.mail));
				const theirMail = count(compared.filter((i) => !PFF_NOT_MAIL_TYPES.has(i.type)).map((i) => ({folder: toLabel(i.folder)!})));
				const posts = count(extra);
				for (const folder of ours.folders) {
					assert.equal((ourMail.get(folder) ?? 0) - (theirMail.get(folder) ?? 0), posts.get(folder) ?? 0, `"${folder}": our mail ${ourMail.get(folder) ?? 0}, pffexport ${theirMail.get(folder) ?? 0}, IPM.Post ${posts.get(folder) ?? 0}`);
				}
				console.log(`# ${basename(file)}: ${compared.length} items in ${ours.folders.length} folders, ${messages} messages compared, ${extra.length} IPM.Post`);
			} finally {
				await rm(work, {recursive: true, force: true});
			}
		});
	}
});
