/**
 * Outlook .msg files in .eml folders (msg-file.ts through EmlFolderStore), against the real files in
 * ../shared/corpus/msg (never copied into the project; skipped with the reason printed when absent) and
 * `msgconvert` (libemail-outlook-message-perl) as the oracle for Subject, From, Message-ID and attachments.
 */
import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import {createHash} from 'node:crypto';
import {existsSync, readdirSync} from 'node:fs';
import {copyFile, mkdtemp, readFile, rm, truncate, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {basename, join} from 'node:path';
import {after, test} from 'node:test';
import {fileURLToPath} from 'node:url';

import PostalMime from 'postal-mime';

import {MailshiftError} from '../../src/contracts/errors.js';
import type {SourceMessage} from '../../src/contracts/types.js';
import {parseHeaders} from '../../src/mapper/headers.js';
import {chooseReceivedDate} from '../../src/mapper/received-date.js';
import {EmlFolderStore} from '../../src/readers/eml/eml-folder-store.js';
import {detectSourceKind} from '../../src/readers/open-source.js';
import type {ReaderProblem} from '../../src/contracts/source-store.js';

const CORPUS = fileURLToPath(new URL('../../../shared/corpus/msg', import.meta.url));
const MSGCONVERT = '/usr/bin/msgconvert';
const corpusFiles = existsSync(CORPUS) ? readdirSync(CORPUS).filter((name) => /\.msg$/i.test(name)).sort() : [];
const corpusSkip = corpusFiles.length === 0 ? `no .msg files in ${CORPUS}` : undefined;
const oracleSkip = corpusSkip ?? (existsSync(MSGCONVERT) ? undefined : `${MSGCONVERT} is not installed (Debian package libemail-outlook-message-perl)`);
if (oracleSkip !== undefined) console.log(`# skipping the .msg corpus comparisons: ${oracleSkip}`);

const dirs: string[] = [];
after(async () => {
	for (const dir of dirs) await rm(dir, {recursive: true, force: true});
});

/** A temporary folder store holding copies of the corpus files named (a folder of only .msg files). */
async function corpusFolder(names: readonly string[]): Promise<string> {
	const root = await mkdtemp(join(tmpdir(), 'mailshift-msg-'));
	dirs.push(root);
	for (const name of names) await copyFile(join(CORPUS, name), join(root, name));
	return root;
}

async function readFolder(root: string, problems: ReaderProblem[]): Promise<SourceMessage[]> {
	const store = await EmlFolderStore.open(root, {onProblem: (p) => problems.push(p)});
	const out: SourceMessage[] = [];
	for (const folder of await store.listFolders()) for await (const message of store.messages(folder)) out.push(message);
	await store.close();
	return out;
}

type Summary = {subject: string | undefined; from: string | undefined; messageId: string | undefined; embedded: number; attachments: string[]};

async function summary(raw: Buffer): Promise<Summary> {
	const email = await PostalMime.parse(raw);
	return {
		subject: email.subject,
		from: email.from?.address?.toLowerCase() || undefined,
		messageId: email.messageId,
		// Embedded messages are composed by each tool in its own way: only their count is compared (below).
		embedded: email.attachments.filter((a) => a.mimeType === 'message/rfc822').length,
		// msgconvert also writes the RTF body as a nameless application/rtf part: a body, not an attachment.
		attachments: email.attachments.filter((a) => a.mimeType !== 'message/rfc822' && !(a.mimeType === 'application/rtf' && !a.filename)).map((a) => `${a.filename ?? ''} ${createHash('sha256').update(Buffer.from(a.content as ArrayBuffer)).digest('hex')}`).sort(),
	};
}

test('a folder holding only .msg files is detected as an .eml/.msg folder store', {skip: corpusSkip}, async () => {
	const root = await corpusFolder(corpusFiles.slice(0, 2));
	assert.equal(await detectSourceKind(root), 'eml');
});

test('every corpus .msg mail item has the Subject, From, Message-ID and attachment names and bytes msgconvert gives; non-mail items are marked not mail', {skip: oracleSkip}, async () => {
	const root = await corpusFolder(corpusFiles);
	const problems: ReaderProblem[] = [];
	const messages = await readFolder(root, problems);
	assert.deepEqual(problems.filter((p) => p.kind === 'failed'), []);
	assert.deepEqual(messages.map((m) => basename(m.ref.key)), corpusFiles, 'every file read once, keyed by its relative path, in name order');
	const oracleDir = await mkdtemp(join(tmpdir(), 'mailshift-msgconvert-'));
	dirs.push(oracleDir);
	let compared = 0;
	for (const message of messages) {
		const name = basename(message.ref.key);
		if (message.skipHint === 'not-mail') {
			assert.ok(message.itemKind !== undefined && message.raw.length === 0, `${name}: a not-mail item has a kind and no bytes`);
			continue;
		}
		execFileSync(MSGCONVERT, ['--outfile', join(oracleDir, `${name}.eml`), join(CORPUS, name)], {stdio: 'pipe'});
		const oracle = await summary(await readFile(join(oracleDir, `${name}.eml`)));
		const ours = await summary(message.raw);
		assert.equal(ours.subject, oracle.subject, `${name}: Subject`);
		// msgconvert writes no From when the item names no sender; we synthesize one (compose-message.ts).
		if (oracle.from !== undefined) assert.equal(ours.from, oracle.from, `${name}: From`);
		else assert.ok(ours.from !== undefined, `${name}: a From is always written`);
		// msgconvert writes no Message-ID when PR_INTERNET_MESSAGE_ID is absent; ours is then a stable synthesized one.
		if (oracle.messageId !== undefined) assert.equal(ours.messageId, oracle.messageId, `${name}: Message-ID`);
		assert.deepEqual(ours.attachments, oracle.attachments, `${name}: attachment names and sha256`);
		assert.equal(ours.embedded, oracle.embedded, `${name}: embedded messages`);
		compared++;
	}
	assert.ok(compared >= 3, `at least three mail items compared (got ${compared})`);
});

test('read and flagged state and the delivery time come from the .msg; a re-read composes the same bytes', {skip: corpusSkip}, async (t) => {
	const names = ['msgreader__sent.msg', 'rubymsg__test_Blammo.msg', 'msgreader__attachAndInline.msg'].filter((name) => corpusFiles.includes(name));
	if (names.length < 3) {
		t.skip(`the corpus lacks ${names.join(', ')}`);
		return;
	}
	const root = await corpusFolder(names);
	const first = await readFolder(root, []);
	const second = await readFolder(root, []);
	const byName = new Map(first.map((m) => [basename(m.ref.key), m]));
	assert.ok(byName.get('msgreader__sent.msg')?.flags.has('\\Seen'), 'MSGFLAG_READ → \\Seen');
	assert.ok(!byName.get('msgreader__attachAndInline.msg')?.flags.has('\\Seen'), 'an unread item stays unseen');
	assert.deepEqual(byName.get('msgreader__sent.msg')?.storeDate, {date: new Date('2021-02-15T08:19:00.000Z'), source: 'msg-delivery-time'});
	assert.deepEqual(first.map((m) => m.raw.toString('hex')), second.map((m) => m.raw.toString('hex')));
});

test('a .msg cut short in a copy is one failed problem naming the file, and the other files of the folder are still read', {skip: corpusSkip}, async () => {
	const names = corpusFiles.slice(0, 3);
	const root = await corpusFolder(names);
	const victim = join(root, names[1]!);
	await truncate(victim, Math.floor((await readFile(victim)).length / 2));
	const problems: ReaderProblem[] = [];
	const messages = await readFolder(root, problems);
	assert.deepEqual(messages.map((m) => basename(m.ref.key)), [names[0], names[2]]);
	const failed = problems.filter((p) => p.kind === 'failed');
	assert.equal(failed.length, 1);
	assert.equal(failed[0]?.code, 'MESSAGE_UNPARSEABLE');
	assert.equal(failed[0]?.location, victim);
	assert.match(failed[0]?.reason ?? '', /\.msg file cannot be read/);
});

test('a single .msg file named as the source is refused with a hint naming the folder that holds it, which can be migrated', async () => {
	const root = await mkdtemp(join(tmpdir(), 'mailshift-msg-one-'));
	dirs.push(root);
	const file = join(root, 'one.msg');
	await writeFile(file, Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]));
	await assert.rejects(detectSourceKind(file), (error: unknown) => {
		assert.ok(error instanceof MailshiftError);
		assert.equal(error.code, 'NOT_A_MAIL_STORE');
		assert.match(error.hint ?? '', new RegExp(`migrate '${root.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}' \\(a folder of \\.eml and \\.msg files\\)`));
		return true;
	});
	assert.equal(await detectSourceKind(root), 'eml');
});

test('the received date of a .msg is its topmost Received: header first, else its delivery time', {skip: corpusSkip}, async (t) => {
	const names = ['iped__test_msgSample.msg', 'msgreader__sent.msg'].filter((name) => corpusFiles.includes(name));
	if (names.length < 2) {
		t.skip('the corpus lacks iped__test_msgSample.msg or msgreader__sent.msg');
		return;
	}
	const messages = await readFolder(await corpusFolder(names), []);
	const chosen = (name: string): ReturnType<typeof chooseReceivedDate> => {
		const message = messages.find((m) => basename(m.ref.key) === name);
		assert.ok(message);
		return chooseReceivedDate(message, parseHeaders(message.raw), Date.now(), new Date(0));
	};
	assert.deepEqual(chosen('iped__test_msgSample.msg'), {date: new Date('2021-09-08T13:25:50Z'), source: 'received-header'});
	assert.deepEqual(chosen('msgreader__sent.msg'), {date: new Date('2021-02-15T08:19:00.000Z'), source: 'msg-delivery-time'});
});

test('a .msg whose sector chain loops back on itself is one failed problem naming the file, not a process out of memory', {skip: corpusSkip}, async () => {
	const names = corpusFiles.slice(0, 2);
	const root = await corpusFolder(names);
	const victim = join(root, names[0]!);
	const bytes = await readFile(victim);
	// MS-CFB 2.2: sector size 1 << header[0x1E]; first directory sector at 0x30; first FAT sector at DIFAT[0] (0x4C).
	const sectorSize = 1 << bytes.readUInt16LE(0x1e);
	const directoryStart = bytes.readUInt32LE(0x30);
	const fatSector = bytes.readUInt32LE(0x4c);
	// The directory chain's first link points to itself: FAT[directoryStart] = directoryStart.
	bytes.writeUInt32LE(directoryStart, (fatSector + 1) * sectorSize + 4 * directoryStart);
	await writeFile(victim, bytes);
	const problems: ReaderProblem[] = [];
	const messages = await readFolder(root, problems);
	assert.deepEqual(messages.map((m) => basename(m.ref.key)), [names[1]]);
	const failed = problems.filter((p) => p.kind === 'failed');
	assert.deepEqual(failed.map((p) => [p.code, p.location]), [['MESSAGE_UNPARSEABLE', victim]]);
	assert.match(failed[0]?.reason ?? '', /sector chains loop/);
});
