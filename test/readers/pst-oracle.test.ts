/**
 * readpst as an oracle (issue #3): for every readable PST/OST we have — the files that ship with pst-extractor
 * and ../shared/corpus/pst when present — `readpst -j 0 -D -r -e` (Debian pst-utils; single-threaded because its
 * parallel mode is nondeterministic) runs on the same file, and the test compares:
 *   - per folder, the number of mail messages (readpst's .eml files against our composed messages);
 *   - for every message readpst wrote: Message-ID, Subject, From address, Date and the set of attachments
 *     (file name + sha256 of the bytes), wherever readpst has them.
 * Every composed message must also parse with postal-mime.
 *
 * Deliberate differences, each checked rather than ignored:
 *   D1 readpst cannot export IPM.Post items ("Unknown item type 13"); we migrate them as mail (a post in a mail
 *      folder is a message with subject, body and attachments). Our count may exceed readpst's by the number
 *      of IPM.Post items, which must be exactly the surplus.
 *   D2 readpst attaches the RTF body as `rtf-body.rtf`; we convert it to HTML or text (rtf-body.ts), so that
 *      file is not in our attachment sets.
 *   D3 readpst writes a From header without a usable address for Exchange (EX) senders of items composed in
 *      Outlook; we resolve the SMTP address. The From address is compared only where readpst has one.
 *   D4 readpst synthesizes no Message-ID when the item has none; we derive a stable one. Messages are matched
 *      by Message-ID where readpst has one, else by subject (D5) and date (D6) within the folder.
 *   D5 ANSI stores: readpst does not decode PT_STRING8 in the store's code page (the CP932 fixture comes out as
 *      raw Shift_JIS bytes); a subject is compared only when readpst's is valid text.
 *   D6 readpst writes no Date header for an item that was never sent (no PR_CLIENT_SUBMIT_TIME); we date it by
 *      its last modification (then creation) time. Dates are compared where readpst has one.
 *   D7 For meeting requests and responses readpst renders the calendar properties as an iCalendar part
 *      (text/calendar, `i<number>.ics`); we do not synthesize iCalendar (export of calendar data belongs to the
 *      backup issue), so text/calendar parts are left out of both attachment sets.
 *   D8 An attachment with only a display name (OLE pictures, "Picture (Device Independent Bitmap)") has no
 *      file name in readpst's output; we name it by its display name. Its bytes are compared all the same.
 */
import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {createHash} from 'node:crypto';
import {existsSync, readdirSync, readFileSync} from 'node:fs';
import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {basename, extname, join, relative, resolve, sep} from 'node:path';
import {describe, test} from 'node:test';
import {fileURLToPath} from 'node:url';
import PostalMime from 'postal-mime';
import type {Email} from 'postal-mime';
import {PSTFile} from 'pst-extractor';
import {PstStore} from '../../src/readers/pst/pst-store.js';
import {installPstExtractorFixes} from '../../src/readers/pst/pst-extractor-fixes.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const TESTDATA = join(REPO, 'node_modules/pst-extractor/example/testdata');
const CORPUS = resolve(REPO, '../shared/corpus/pst');
const PACKAGED = ['enron.pst', 'pstextractortest@outlook.com.ost', 'pstextractortestpdf@outlook.com.ost'].map((f) => join(TESTDATA, f));
/** Corpus files that are not readable stores (their refusal is tested in pst-store.test.ts). */
const UNREADABLE = new Set(['pstreader__truncated-in-header.pst', 'aspose__SMTP_Outlook_not-a-pst.pst']);

const readpstMissing = spawnSync('readpst', ['-V']).error !== undefined ? 'readpst is not installed (apt-get install pst-utils)' : undefined;
if (readpstMissing !== undefined) console.log(`# SKIP: ${readpstMissing}`);

type Summary = Readonly<{
	folder: string;
	messageId: string | undefined;
	subject: string | undefined;
	from: string | undefined;
	date: string | undefined;
	attachments: string[];
	rfc822: number;
}>;

async function summarize(raw: Buffer, folder: string): Promise<Summary> {
	const email: Email = await PostalMime.parse(raw, {forceRfc822Attachments: true});
	const files = email.attachments.filter((a) => a.mimeType !== 'message/rfc822' && a.filename !== 'rtf-body.rtf' && a.mimeType !== 'text/calendar');
	const fromAddress = email.from !== undefined && 'address' in email.from ? email.from.address : undefined;
	return {
		folder,
		messageId: email.messageId?.replace(/^<|>$/g, '').trim() || undefined,
		subject: email.subject?.trim(),
		from: fromAddress?.includes('@') === true ? fromAddress.toLowerCase() : undefined,
		date: email.date,
		attachments: files.map((a) => `${a.filename ?? ''} ${sha256(a.content)}`).sort(),
		rfc822: email.attachments.filter((a) => a.mimeType === 'message/rfc822').length,
	};
}

function sha256(content: ArrayBuffer | Uint8Array | string): string {
	const bytes = typeof content === 'string' ? Buffer.from(content, 'base64') : Buffer.from(content instanceof ArrayBuffer ? new Uint8Array(content) : content);
	return createHash('sha256').update(bytes).digest('hex').slice(0, 16);
}

function walkFiles(dir: string): string[] {
	const out: string[] = [];
	for (const entry of readdirSync(dir, {withFileTypes: true})) {
		const path = join(dir, entry.name);
		if (entry.isDirectory()) out.push(...walkFiles(path));
		else out.push(path);
	}
	return out;
}

/** readpst's messages, by folder path relative to the store (the top directory is the store itself). */
async function readpstMessages(file: string, out: string): Promise<{messages: Summary[]; storeDir: string}> {
	const run = spawnSync('readpst', ['-j', '0', '-D', '-r', '-e', '-o', out, file], {encoding: 'utf8'});
	assert.equal(run.status, 0, `readpst failed: ${run.stderr}`);
	const tops = readdirSync(out);
	assert.equal(tops.length, 1, `readpst wrote one store directory (${tops.join(', ')})`);
	const storeDir = tops[0]!;
	const messages: Summary[] = [];
	for (const path of walkFiles(join(out, storeDir)).filter((p) => p.endsWith('.eml')).sort()) {
		const folder = relative(join(out, storeDir), join(path, '..')).split(sep).filter(Boolean).join('/');
		messages.push(await summarize(readFileSync(path), folder));
	}
	return {messages, storeDir};
}

/** Our messages (mail only) by folder label, and the number of IPM.Post items per folder (D1). */
async function ourMessages(file: string): Promise<{messages: Summary[]; folders: string[]}> {
	const store = await PstStore.open(file);
	try {
		const messages: Summary[] = [];
		const folders: string[] = [];
		for (const folder of await store.listFolders()) {
			const label = folder.path.join('/');
			folders.push(label);
			for await (const message of store.messages(folder)) {
				if (message.skipHint === 'not-mail') continue;
				messages.push(await summarize(message.raw, label));
			}
		}
		return {messages, folders};
	} finally {
		await store.close();
	}
}

/** Message classes per folder label, straight from pst-extractor (to account for D1). */
function postItemsByFolder(file: string): Map<string, number> {
	installPstExtractorFixes();
	const pst = new PSTFile(file);
	const counts = new Map<string, number>();
	const walk = (folder: {displayName: string; contentCount: number; hasSubfolders: boolean; getNextChild(): unknown; getSubFolders(): unknown[]}, path: string[]): void => {
		const saved = console.error;
		console.error = (): void => {};
		try {
			for (let i = 0; i < folder.contentCount; i++) {
				const item = folder.getNextChild() as {messageClass?: string} | null;
				if (item === null) break;
				if (item.messageClass?.toLowerCase().startsWith('ipm.post') === true) counts.set(path.join('/'), (counts.get(path.join('/')) ?? 0) + 1);
			}
		} finally {
			console.error = saved;
		}
		if (folder.hasSubfolders) for (const sub of folder.getSubFolders() as Array<typeof folder>) walk(sub, [...path, sub.displayName]);
	};
	walk(pst.getRootFolder() as never, []);
	pst.close();
	return counts;
}

function countBy(messages: readonly Summary[]): Map<string, number> {
	const counts = new Map<string, number>();
	for (const m of messages) counts.set(m.folder, (counts.get(m.folder) ?? 0) + 1);
	return counts;
}

function isCleanText(text: string | undefined): boolean {
	return text !== undefined && !text.includes('\uFFFD') && !/[\x80-\x9f]/.test(text);
}

const corpus = existsSync(CORPUS) ? readdirSync(CORPUS).filter((f) => /\.(pst|ost)$/i.test(f) && !UNREADABLE.has(f)).sort().map((f) => join(CORPUS, f)) : [];
if (corpus.length === 0) console.log(`# SKIP: ${CORPUS} is not present; only the files shipped with pst-extractor are compared with readpst`);

describe('readpst agrees with what mailshift reads from each PST', {skip: readpstMissing}, () => {
	for (const file of [...PACKAGED, ...corpus]) {
		test(`${basename(file)}: same mail per folder, and the same Message-ID, Subject, From, Date and attachments for every message`, async () => {
			const work = await mkdtemp(join(tmpdir(), 'ms-readpst-'));
			try {
				const oracle = await readpstMessages(file, work);
				const ours = await ourMessages(file);
				// readpst's top directory is the store; items in the IPM subtree itself are in it (our folder named
				// after the store, with or without the file extension readpst adds when the store has no name).
				const rootNames = new Set([oracle.storeDir, basename(oracle.storeDir, extname(oracle.storeDir))]);
				const rootFolder = ours.folders.find((f) => rootNames.has(f)) ?? oracle.storeDir;
				const theirs = oracle.messages.map((m) => (m.folder === '' ? {...m, folder: rootFolder} : m));

				// Per-folder counts (D1: IPM.Post items are ours only).
				const posts = postItemsByFolder(file);
				const ourCounts = countBy(ours.messages);
				const theirCounts = countBy(theirs);
				for (const folder of new Set([...ourCounts.keys(), ...theirCounts.keys()])) {
					const surplus = (ourCounts.get(folder) ?? 0) - (theirCounts.get(folder) ?? 0);
					const postKey = [...posts.keys()].find((k) => k === folder || k.endsWith(`/${folder}`) || (folder === rootFolder && !k.includes('/')));
					const expectedSurplus = postKey === undefined ? 0 : posts.get(postKey) ?? 0;
					assert.equal(surplus, expectedSurplus, `folder "${folder}": ours ${ourCounts.get(folder) ?? 0}, readpst ${theirCounts.get(folder) ?? 0}, IPM.Post items ${expectedSurplus}`);
				}

				// Every message readpst wrote, matched (D4) and compared.
				const unmatched = [...ours.messages];
				for (const want of theirs) {
					const index = unmatched.findIndex((m) => m.folder === want.folder && (want.messageId !== undefined
						? m.messageId === want.messageId
						: (!isCleanText(want.subject) || m.subject === want.subject) && (want.date === undefined || m.date === want.date)));
					assert.ok(index >= 0, `readpst's message ${want.messageId ?? want.subject} in "${want.folder}" is among ours`);
					const got = unmatched.splice(index, 1)[0]!;
					const label = `${basename(file)} "${want.folder}" ${want.messageId ?? want.subject}`;
					if (isCleanText(want.subject)) assert.equal(got.subject, want.subject, `${label}: Subject`);
					if (want.from !== undefined) assert.equal(got.from, want.from, `${label}: From`);
					if (want.date !== undefined) assert.equal(got.date, want.date, `${label}: Date`);
					// D8: where readpst writes no file name (OLE pictures with only a display name) the bytes still match.
					const named = (list: readonly string[], other: readonly string[]): string[] =>
						list.map((a) => (a.startsWith(' ') ? (other.find((o) => o.endsWith(a)) ?? a) : a)).sort();
					assert.deepEqual(got.attachments, named(want.attachments, got.attachments), `${label}: attachments (name + sha256)`);
					assert.equal(got.rfc822, want.rfc822, `${label}: embedded messages`);
				}
			} finally {
				await rm(work, {recursive: true, force: true});
			}
		});
	}
});
