/**
 * File and folder names that are not UTF-8 (issue #12 item 1): Latin-1 names from old Windows/Linux copies.
 * The trees are written by the tests through Buffer paths (fs accepts them), so the names on disk are exactly
 * the bytes below. Every message must be read, and names decoded as UTF-8 when valid, else Windows-1252.
 */
import assert from 'node:assert/strict';
import {createHash} from 'node:crypto';
import {promises as fs} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, describe, test} from 'node:test';

import {describeLocalSource} from '../../src/backup/source-digest.js';
import type {SourceMessage} from '../../src/contracts/types.js';
import {decodeName, displayPath, rawKeySuffix, rawPath, readDirRaw} from '../../src/readers/fs-names.js';
import {MaildirStore} from '../../src/readers/maildir/maildir-store.js';
import {MboxStore} from '../../src/readers/mbox/mbox-store.js';
import {openSource} from '../../src/readers/open-source.js';
import type {ReaderProblem, SourceStore} from '../../src/contracts/source-store.js';
import {folderLabel} from '../../src/contracts/source-store.js';
import {sampleMessage} from '../helpers/make-maildir.js';
import {writeRawTree} from '../helpers/raw-tree.js';
import type {RawFile} from '../helpers/raw-tree.js';

const latin1 = (text: string): Buffer => Buffer.from(text, 'latin1');
const utf8 = (text: string): Buffer => Buffer.from(text, 'utf8');
const mboxOf = (...subjects: string[]): string => subjects.map((s) => `From alice@example.org Mon Jan  1 10:00:00 2001\n${sampleMessage(s)}\n`).join('');

const roots: string[] = [];
after(async () => {
	for (const root of roots) await fs.rm(root, {recursive: true, force: true});
});

async function tree(files: readonly RawFile[]): Promise<string> {
	const root = await fs.mkdtemp(join(tmpdir(), 'ms-names-'));
	roots.push(root);
	await writeRawTree(root, files);
	return root;
}

async function readAll(store: SourceStore): Promise<Map<string, SourceMessage[]>> {
	const byFolder = new Map<string, SourceMessage[]>();
	for (const folder of await store.listFolders()) {
		const messages: SourceMessage[] = [];
		for await (const message of store.messages(folder)) messages.push(message);
		byFolder.set(folderLabel(folder.path), messages);
	}
	return byFolder;
}

const subjects = (messages: readonly SourceMessage[] | undefined): string[] =>
	(messages ?? []).map((m) => /^Subject: (.*)$/m.exec(m.raw.toString('latin1'))?.[1] ?? '?').sort();

describe('readDirRaw', () => {
	test('Given a directory of UTF-8 names, one with a real U+FFFD, or one that is not UTF-8, when listed, then every entry has its exact bytes and name', async () => {
		const names = [utf8('plain.txt'), utf8('Entwürfe'), utf8('odd\uFFFDname')];
		const root = await tree(names.map((name) => ({path: [name], content: 'x'})));
		const list = async (): Promise<Array<[string, string, boolean]>> =>
			(await readDirRaw(rawPath(root))).map((e): [string, string, boolean] => [e.raw.toString('hex'), e.name, e.isValidUtf8]).sort();
		const expect = (raw: readonly Buffer[]): Array<[string, string, boolean]> => raw.map((b): [string, string, boolean] => [b.toString('hex'), decodeName(b), !rawKeySuffix(b)]).sort();
		assert.deepEqual(await list(), expect(names), 'valid UTF-8, U+FFFD included');
		await fs.writeFile(Buffer.concat([rawPath(root), utf8('/'), latin1('Entw\xfcrfe')]), 'y');
		assert.deepEqual(await list(), expect([...names, latin1('Entw\xfcrfe')]), 'one name that is not UTF-8: the bytes as they are');
		const entries = await readDirRaw(rawPath(root));
		assert.ok(entries.every((e) => e.isFile && !e.isDirectory), 'the entry types');
	});
});

describe('decodeName', () => {
	test('Given valid UTF-8 bytes, when decoded, then the result is what Node\'s string APIs give and no key suffix is added', () => {
		assert.equal(decodeName(utf8('Entwürfe 草稿')), 'Entwürfe 草稿');
		assert.equal(rawKeySuffix(utf8('Entwürfe')), '');
	});

	test('Given Latin-1/CP1252 bytes, when decoded, then each byte is one character (no replacement character) and the key suffix keeps the bytes', () => {
		assert.equal(decodeName(latin1('Entw\xfcrfe')), 'Entwürfe');
		assert.equal(decodeName(Buffer.from([0xff, 0xfe, 0x62])), 'ÿþb');
		assert.equal(decodeName(Buffer.from([0x80, 0x41])), '€A', 'CP1252, not plain Latin-1, for 0x80–0x9F');
		assert.equal(rawKeySuffix(latin1('Entw\xfcrfe')), '/456e7477fc726665');
		assert.equal(displayPath(Buffer.concat([utf8('/tmp/Grüße/'), latin1('Entw\xfcrfe')])), '/tmp/Grüße/Entwürfe', 'each segment decoded on its own');
	});
});

describe('MaildirStore with names that are not UTF-8', () => {
	test('Given a Maildir++ folder, an fs-layout folder and a message file with Latin-1 names, when read, then every message is yielded with decoded folder names and no problem', async () => {
		const root = await tree([
			{path: ['cur', '1000.inbox.host:2,S'], content: sampleMessage('inbox')},
			{path: ['new'], content: null},
			{path: [latin1('.\xff\xfebad'), 'cur', '1001.a.host:2,'], content: sampleMessage('bad one')},
			{path: [latin1('.\xff\xfebad'), 'new', latin1('1002.\xe9t\xe9.host')], content: sampleMessage('bad two')},
			{path: [latin1('Entw\xfcrfe'), 'cur', latin1('1003.\xe9t\xe9.host:2,FS')], content: sampleMessage('draft')},
			{path: [latin1('Entw\xfcrfe'), 'new'], content: null},
		]);
		const problems: ReaderProblem[] = [];
		const store = await MaildirStore.open(root, {onProblem: (p) => problems.push(p)});
		const read = await readAll(store);
		assert.deepEqual([...read.keys()], ['Entwürfe', 'INBOX', 'ÿþbad'], 'code-unit order, as for every folder');
		assert.deepEqual(subjects(read.get('ÿþbad')), ['bad one', 'bad two']);
		assert.deepEqual(subjects(read.get('Entwürfe')), ['draft']);
		// Files written just now with 1994 Date: headers look like a copy without file times (item 8b): a note.
		assert.deepEqual(problems.filter((p) => p.code !== 'MAILDIR_TIMES_LOST'), []);
		const [draft] = read.get('Entwürfe') ?? [];
		assert.equal(draft?.ref.key, `1003.été.host/${latin1('1003.\xe9t\xe9.host').toString('hex')}`, 'the raw bytes stay in the key');
		assert.deepEqual([...(draft?.flags ?? [])].sort(), ['\\Flagged', '\\Seen'], 'the info suffix is still parsed');
		assert.equal(draft?.ref.location, join(root, 'Entwürfe', 'cur', '1003.été.host:2,FS'), 'the location is shown decoded');
		assert.equal(read.get('INBOX')?.[0]?.ref.key, '1000.inbox.host', 'keys of UTF-8 names are unchanged (old journals resume)');
	});

	test('Given a UTF-8 message name, when read, then its key is the name without the info suffix, as before', async () => {
		const root = await tree([{path: ['cur', utf8('1004.ünï.host:2,S')], content: sampleMessage('utf8')}, {path: ['new'], content: null}]);
		const store = await MaildirStore.open(root);
		const [message] = (await readAll(store)).get('INBOX') ?? [];
		assert.equal(message?.ref.key, '1004.ünï.host');
	});

	test('Given a Latin-1 file name, when its flags change (another info suffix), then its key stays the same', async () => {
		const name = (info: string): Buffer => Buffer.concat([latin1('1005.\xfc.host'), Buffer.from(info)]);
		const keys: string[] = [];
		for (const info of [':2,', ':2,S']) {
			const root = await tree([{path: ['cur', name(info)], content: sampleMessage('flags')}, {path: ['new'], content: null}]);
			keys.push((await readAll(await MaildirStore.open(root))).get('INBOX')?.[0]?.ref.key ?? '');
		}
		assert.equal(keys[0], `1005.ü.host/${latin1('1005.\xfc.host').toString('hex')}`);
		assert.equal(keys[1], keys[0]);
	});
});

describe('MboxStore with names that are not UTF-8', () => {
	test('Given mbox files and a Thunderbird .sbd directory with Latin-1 names, when read, then every message is yielded under the decoded folder name', async () => {
		const root = await tree([
			{path: [latin1('Entw\xfcrfe')], content: mboxOf('one', 'two')},
			{path: [latin1('Entw\xfcrfe.msf')], content: '// mork'},
			{path: [latin1('Archiv\xe9.sbd'), latin1('Gel\xf6scht.mbox')], content: mboxOf('three')},
			{path: ['Inbox'], content: mboxOf('four')},
		]);
		const problems: ReaderProblem[] = [];
		const store = await MboxStore.open(root, {onProblem: (p) => problems.push(p)});
		const read = await readAll(store);
		assert.deepEqual([...read.keys()], ['Archivé/Gelöscht', 'Entwürfe', 'Inbox']);
		assert.deepEqual(subjects(read.get('Entwürfe')), ['one', 'two']);
		assert.deepEqual(subjects(read.get('Archivé/Gelöscht')), ['three']);
		assert.deepEqual(problems, []);
		assert.match(read.get('Entwürfe')?.[0]?.ref.location ?? '', /Entwürfe#1 \(byte 0\)$/);
	});

	test('Given a single mbox file inside a Latin-1 directory, when detected and opened, then its messages are read', async () => {
		const root = await tree([{path: [latin1('Gel\xf6scht'), 'mail.mbox'], content: mboxOf('five')}]);
		const store = await openSource(root, undefined);
		assert.equal(store.kind, 'mbox');
		assert.deepEqual(subjects((await readAll(store)).get('Gelöscht/mail')), ['five']);
	});
});

describe('the backup\'s tree digest with names that are not UTF-8', () => {
	test('Given files with Latin-1 names, when the source is described, then every file is hashed under its exact name bytes (sha256sum listing)', async () => {
		const files = [
			{path: [latin1('Entw\xfcrfe'), 'cur', latin1('1.\xe9.host:2,S')], content: 'a'},
			{path: ['cur', '2.host:2,S'], content: 'bb'},
		];
		const root = await tree(files);
		const source = await describeLocalSource('maildir', root);
		const sha = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');
		const lines = files
			.map((f) => ({name: Buffer.concat([Buffer.from('./'), ...f.path.flatMap((p, i) => [i > 0 ? Buffer.from('/') : Buffer.alloc(0), typeof p === 'string' ? utf8(p) : p])]), content: f.content}))
			.sort((a, b) => Buffer.compare(a.name, b.name))
			.map((f) => Buffer.concat([Buffer.from(`${sha(f.content)}  `), f.name, Buffer.from('\n')]));
		assert.equal(source.files, 2);
		assert.equal(source.size, 3);
		assert.equal(source.sha256, sha(Buffer.concat(lines)));
	});
});
