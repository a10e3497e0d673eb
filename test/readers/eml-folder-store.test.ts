/**
 * EmlFolderStore and detection of .eml trees: generated trees (Windows Live Mail-like folders, mixed
 * directories) plus the real files in ../shared/corpus/eml (skipped, with the reason printed, when absent).
 */
import assert from 'node:assert/strict';
import {existsSync} from 'node:fs';
import {mkdir, mkdtemp, readdir, rm, utimes, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {basename, dirname, join, resolve} from 'node:path';
import {after, describe, test} from 'node:test';
import {fileURLToPath} from 'node:url';

import {MailshiftError} from '../../src/contracts/errors.js';
import type {SourceMessage} from '../../src/contracts/types.js';
import {EmlFolderStore} from '../../src/readers/eml/eml-folder-store.js';
import {detectSourceKind, openSource} from '../../src/readers/open-source.js';
import type {ReaderProblem, SourceStore} from '../../src/contracts/source-store.js';

const corpus = resolve(fileURLToPath(new URL('../../', import.meta.url)), '../shared/corpus/eml');
const roots: string[] = [];
after(async () => {
	for (const root of roots) await rm(root, {recursive: true, force: true});
});

/** Writes `files` (relative path → content) below a new temporary directory; returns its path. */
async function makeTree(files: Readonly<Record<string, string | Buffer>>): Promise<string> {
	const root = await mkdtemp(join(tmpdir(), 'mailshift-eml-'));
	roots.push(root);
	for (const [path, content] of Object.entries(files)) {
		await mkdir(dirname(join(root, path)), {recursive: true});
		await writeFile(join(root, path), content);
	}
	return root;
}

function eml(id: string, extra: readonly string[] = []): string {
	return [...extra, `Message-ID: <${id}@test>`, `Subject: ${id}`, 'Date: Tue, 3 Mar 2009 10:00:00 +0100', '', `Body of ${id}.`, ''].join('\r\n');
}

async function readAll(store: SourceStore): Promise<Map<string, SourceMessage[]>> {
	const result = new Map<string, SourceMessage[]>();
	for (const folder of await store.listFolders()) {
		const messages: SourceMessage[] = [];
		for await (const message of store.messages(folder)) messages.push(message);
		result.set(folder.path.join('/'), messages);
	}
	return result;
}

describe('EmlFolderStore', () => {
	test('a tree of .eml files becomes folders: each directory with .eml files is one folder, nested directories are subfolders, the root\'s own files are a folder named after it', async () => {
		const root = await makeTree({
			'loose.eml': eml('loose'),
			'Inbox/a.eml': eml('a'),
			'Inbox/b.EML': eml('b'),
			'Inbox/Projects/c.eml': eml('c'),
			'Sent Items/d.eml': eml('d'),
			'Drafts/.keep-me-empty/x': 'not a folder (dot directory)',
		});
		await mkdir(join(root, 'Empty'));
		const store = await EmlFolderStore.open(root);
		const folders = await store.listFolders();
		assert.deepEqual(folders.map((f) => [f.path.join('/'), f.count]), [
			['Empty', 0], ['Inbox', 2], ['Inbox/Projects', 1], ['Sent Items', 1], [basename(root), 1],
		]);
		const all = await readAll(store);
		assert.deepEqual(all.get('Inbox')?.map((m) => m.ref.key), ['Inbox/a.eml', 'Inbox/b.EML']);
		assert.equal(all.get('Inbox/Projects')?.[0]?.raw.toString(), eml('c'), 'bytes are uploaded as stored');
		assert.deepEqual([...(all.get('Inbox')?.[0]?.flags ?? ['x'])], [], 'a bare .eml has no flags');
		const again = await readAll(await EmlFolderStore.open(root));
		assert.deepEqual([...again.values()].flat().map((m) => m.ref.key), [...all.values()].flat().map((m) => m.ref.key), 'keys are stable across reads');
	});

	test('the file time is the store date, unless the folder\'s files were all written in one go long after their Date: headers (a copy): then the headers decide and the folder is noted once', async () => {
		const root = await makeTree({'Delivered/1.eml': eml('d1'), 'Delivered/2.eml': eml('d2'), 'Copied/1.eml': eml('c1'), 'Copied/2.eml': eml('c2'), 'Copied/3.eml': eml('c3')});
		const day = 24 * 3600 * 1000;
		await utimes(join(root, 'Delivered/1.eml'), new Date(Date.UTC(2009, 2, 3)), new Date(Date.UTC(2009, 2, 3)));
		await utimes(join(root, 'Delivered/2.eml'), new Date(Date.UTC(2009, 2, 3) + 40 * day), new Date(Date.UTC(2009, 2, 3) + 40 * day));
		const problems: ReaderProblem[] = [];
		const store = await EmlFolderStore.open(root, {onProblem: (p) => problems.push(p)});
		const all = await readAll(store);
		assert.deepEqual(all.get('Delivered')?.map((m) => m.storeDate?.date.toISOString()), ['2009-03-03T00:00:00.000Z', '2009-04-12T00:00:00.000Z']);
		assert.deepEqual(all.get('Copied')?.map((m) => m.storeDate), [undefined, undefined, undefined]);
		await readAll(store);
		assert.deepEqual(problems.map((p) => [p.code, p.folder]), [['FILE_TIMES_LOST', 'Copied']], 'noted once, however often the folder is read');
	});

	test('a damaged Outlook .msg file is a failed problem naming it, a stray file is named as ignored, OS litter is silent, and an empty .eml fails alone', async () => {
		const root = await makeTree({
			'Inbox/a.eml': eml('a'),
			'Inbox/b.msg': Buffer.from([0xd0, 0xcf, 0x11, 0xe0]),
			'Inbox/notes.txt': 'my notes',
			'Inbox/desktop.ini': '[.ShellClassInfo]',
			'Inbox/empty.eml': '',
			'Inbox/z.eml': eml('z'),
		});
		const problems: ReaderProblem[] = [];
		const all = await readAll(await EmlFolderStore.open(root, {onProblem: (p) => problems.push(p)}));
		assert.deepEqual(all.get('Inbox')?.map((m) => m.ref.key), ['Inbox/a.eml', 'Inbox/z.eml']);
		const byFile = problems.filter((p) => p.code !== 'FILE_TIMES_LOST').map((p) => [basename(p.location), p.code, p.kind]).sort();
		assert.deepEqual(byFile, [['b.msg', 'MESSAGE_UNPARSEABLE', 'failed'], ['empty.eml', 'MESSAGE_EMPTY', 'failed'], ['notes.txt', 'FILE_IGNORED', 'warning']]);
		assert.match(problems.find((p) => p.location.endsWith('b.msg'))?.reason ?? '', /\.msg file cannot be read \(the file is too short \(4 bytes\)/);
	});

	test('an aborted signal stops reading with ABORTED', async () => {
		const root = await makeTree({'Inbox/a.eml': eml('a'), 'Inbox/b.eml': eml('b')});
		const store = await EmlFolderStore.open(root);
		const [folder] = await store.listFolders();
		assert.ok(folder);
		const controller = new AbortController();
		const seen: string[] = [];
		await assert.rejects(async () => {
			for await (const message of store.messages(folder, controller.signal)) {
				seen.push(message.ref.key);
				controller.abort();
			}
		}, (error: unknown) => error instanceof MailshiftError && error.code === 'ABORTED');
		assert.deepEqual(seen, ['Inbox/a.eml']);
	});
});

describe('Detecting a folder of .eml files', () => {
	test('a folder of .eml files, some beginning with "From ", is an eml store and every file is read as one message (never mbox folders named after files)', async () => {
		const root = await makeTree({
			'Inbox/1.eml': `From sender@example.net Tue Mar  3 10:00:00 2009\r\n${eml('from-line')}`,
			'Inbox/2.eml': eml('plain'),
			'Inbox/readme.txt': 'stray',
		});
		assert.equal(await detectSourceKind(root), 'eml');
		const problems: ReaderProblem[] = [];
		const store = await openSource(root, undefined, {onProblem: (p) => problems.push(p)});
		const all = await readAll(store);
		assert.deepEqual([...all.keys()], ['Inbox']);
		assert.deepEqual(all.get('Inbox')?.map((m) => m.ref.key), ['Inbox/1.eml', 'Inbox/2.eml']);
		assert.deepEqual(problems.filter((p) => p.code === 'FILE_IGNORED').map((p) => basename(p.location)), ['readme.txt']);
	});

	test('a Thunderbird tree with a saved .eml in it is still mbox, and the .eml is named as left out rather than read as an mbox folder', async () => {
		const root = await makeTree({
			'Inbox': `From a@b Tue Mar  3 10:00:00 2009\n${eml('tb1')}`,
			'Inbox.msf': '// <!-- <mdb:mork:z v="1.4"/> -->',
			'saved.eml': `From x@y Tue Mar  3 10:00:00 2009\n${eml('saved')}`,
		});
		assert.equal(await detectSourceKind(root), 'mbox');
		const problems: ReaderProblem[] = [];
		const store = await openSource(root, undefined, {onProblem: (p) => problems.push(p)});
		assert.deepEqual((await store.listFolders()).map((f) => f.path.join('/')), ['Inbox']);
		assert.deepEqual([...new Set(problems.map((p) => `${basename(p.location)} ${p.code}`))], ['saved.eml FILE_IGNORED']);
	});

	test('a Maildir that holds a stray .eml is still a Maildir', async () => {
		const root = await makeTree({'cur/1.host:2,S': eml('m1'), 'new/.keep': '', 'exported.eml': eml('x')});
		assert.equal(await detectSourceKind(root), 'maildir');
	});

	test('the real .eml corpus files are detected as one eml folder and every file is yielded byte-exact', async (t) => {
		if (!existsSync(corpus)) {
			t.skip(`corpus absent: ${corpus}`);
			return;
		}
		assert.equal(await detectSourceKind(corpus), 'eml');
		const names = (await readdir(corpus)).filter((n) => /\.eml$/i.test(n));
		const all = await readAll(await openSource(corpus, undefined));
		const messages = [...all.values()].flat();
		assert.equal(messages.length, names.length);
		assert.deepEqual(messages.map((m) => basename(m.ref.location)).sort(), [...names].sort());
	});
});
