/**
 * DbxStore (Outlook Express 5/6): fixtures written by test/helpers/make-dbx.ts, the real OE6 store in
 * ../shared/corpus/dbx compared with undbx (the oracle; skipped with the reason printed when the corpus or
 * undbx is absent), and truncated/zeroed copies made in a temp dir.
 */
import assert from 'node:assert/strict';
import {execFile} from 'node:child_process';
import {createHash} from 'node:crypto';
import {promises as fs} from 'node:fs';
import {tmpdir} from 'node:os';
import {basename, join, resolve} from 'node:path';
import {test} from 'node:test';
import {fileURLToPath} from 'node:url';
import {promisify} from 'node:util';

import {MailshiftError} from '../../src/contracts/errors.js';
import type {SourceMessage} from '../../src/contracts/types.js';
import {DbxStore} from '../../src/readers/dbx/dbx-store.js';
import {detectSourceKind} from '../../src/readers/open-source.js';
import type {ReaderProblem, SourceFolder} from '../../src/contracts/source-store.js';
import {foldersDbx, messageDbx} from '../helpers/make-dbx.js';

const run = promisify(execFile);
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const corpusStore = resolve(repoRoot, '../shared/corpus/dbx/dbxoe__DbxOutlookExpressTests');
const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

function mail(subject: string, bodyBytes: number): Buffer {
	const body = 'x'.repeat(bodyBytes).replace(/(.{70})/g, '$1\r\n');
	return Buffer.from(`Received: from a by b; Tue, 2 Mar 2004 10:00:00 +0000\r\nFrom: a@example.com\r\nSubject: ${subject}\r\nMessage-ID: <${subject}@example.com>\r\n\r\n${body}\r\n`, 'latin1');
}

async function tempDir(): Promise<string> {
	return fs.mkdtemp(join(tmpdir(), 'mailshift-dbx-'));
}

async function readAll(store: DbxStore): Promise<{folders: SourceFolder[]; byFolder: Map<string, SourceMessage[]>; errors: Map<string, MailshiftError>}> {
	const folders = await store.listFolders();
	const byFolder = new Map<string, SourceMessage[]>();
	const errors = new Map<string, MailshiftError>();
	for (const folder of folders) {
		const messages: SourceMessage[] = [];
		try {
			for await (const message of store.messages(folder)) messages.push(message);
		} catch (error) {
			assert.ok(error instanceof MailshiftError, `folder ${folder.path.join('/')} threw a non-MailshiftError: ${String(error)}`);
			errors.set(folder.path.join('/'), error);
		}
		byFolder.set(folder.path.join('/'), messages);
	}
	return {folders, byFolder, errors};
}

const received = new Date('2004-03-02T10:00:05.000Z');
const fixtureMessages = [
	{raw: mail('first', 100), index: 7, flags: 0x81, subject: 'first', received},
	{raw: mail('long', 5000), index: 9, flags: 0x01, subject: 'long'},
	{index: 11, flags: 0x01, subject: 'only headers'},
];

async function fixtureStore(dir: string): Promise<void> {
	await fs.writeFile(join(dir, 'Folders.dbx'), foldersDbx([
		{id: 1, parent: 0, name: 'Local Folders', localStore: true},
		{id: 4, parent: 1, name: 'Inbox', fileName: 'Inbox.dbx', special: 1},
		{id: 5, parent: 1, name: 'Projects', fileName: 'Projects.dbx'},
		{id: 6, parent: 5, name: 'Old', fileName: 'Old.dbx'},
		{id: 7, parent: 1, name: 'Sent Items', special: 3},
		{id: 8, parent: 1, name: 'Lost', fileName: 'Lost.dbx'},
	]));
	await fs.writeFile(join(dir, 'Inbox.dbx'), messageDbx(fixtureMessages));
	await fs.writeFile(join(dir, 'Projects.dbx'), messageDbx([{raw: mail('project', 700), index: 1, flags: 0}]));
	await fs.writeFile(join(dir, 'Old.dbx'), messageDbx([{raw: mail('old', 10), index: 1, flags: 0x80}]));
	await fs.writeFile(join(dir, 'Stray.dbx'), messageDbx([{raw: mail('stray', 10), index: 3, flags: 0}]));
}

test('an Outlook Express store directory is detected as dbx and its folder tree comes from Folders.dbx', async () => {
	const dir = await tempDir();
	try {
		await fixtureStore(dir);
		assert.equal(await detectSourceKind(dir), 'dbx');
		assert.equal(await detectSourceKind(join(dir, 'Inbox.dbx')), 'dbx');
		const store = await DbxStore.open(dir);
		const folders = await store.listFolders();
		assert.deepEqual(folders.map((folder) => folder.path.join('/')), ['Inbox', 'Lost', 'Projects', 'Projects/Old', 'Sent Items', 'Stray']);
		assert.equal(folders.find((folder) => folder.path[0] === 'Inbox')?.specialUse, '\\Inbox');
		assert.equal(folders.find((folder) => folder.path[0] === 'Sent Items')?.count, 0);
	} finally {
		await fs.rm(dir, {recursive: true, force: true});
	}
});

test('messages are yielded byte-exact with the read flag, the receive time and keys stable across opens; a headers-only entry is reported', async () => {
	const dir = await tempDir();
	try {
		await fixtureStore(dir);
		const problems: ReaderProblem[] = [];
		const store = await DbxStore.open(dir, {onProblem: (problem) => problems.push(problem)});
		const {byFolder, errors} = await readAll(store);
		const inbox = byFolder.get('Inbox') ?? [];
		assert.deepEqual(inbox.map((message) => sha256(message.raw)), [sha256(mail('first', 100)), sha256(mail('long', 5000))]);
		assert.deepEqual(inbox.map((message) => [...message.flags]), [['\\Seen'], []]);
		assert.equal(inbox[0]?.storeDate?.date.toISOString(), received.toISOString());
		assert.equal(inbox[0]?.storeDate?.source, 'dbx-received-time');
		assert.equal(inbox[1]?.storeDate, undefined);
		assert.deepEqual(inbox.map((message) => message.ref.key), ['m7', 'm9']);
		assert.equal(byFolder.get('Stray')?.length, 1, 'a message .dbx that Folders.dbx does not name is still read');
		const headersOnly = problems.filter((problem) => problem.code === 'MESSAGE_EMPTY');
		assert.equal(headersOnly.length, 1);
		assert.match(headersOnly[0]?.reason ?? '', /only headers/);
		assert.equal(headersOnly[0]?.folder, 'Inbox');
		assert.match(errors.get('Lost')?.message ?? '', /Lost\.dbx is missing/);
		assert.equal(errors.get('Lost')?.disposition, 'skip');
		assert.equal(errors.size, 1, 'only the folder whose file is missing fails');

		const again = await readAll(await DbxStore.open(dir));
		assert.deepEqual([...again.byFolder.values()].flat().map((message) => message.ref.key), [...byFolder.values()].flat().map((message) => message.ref.key));
	} finally {
		await fs.rm(dir, {recursive: true, force: true});
	}
});

test('undbx reads the fixture files the same way (the test writer makes real .dbx files)', async (t) => {
	if (!(await fs.stat('/usr/bin/undbx').catch(() => undefined))) return t.skip('undbx is not installed (Debian package undbx)');
	const dir = await tempDir();
	try {
		await fixtureStore(dir);
		const out = join(dir, 'out');
		await fs.mkdir(out);
		await run('undbx', [join(dir, 'Inbox.dbx'), out]);
		const files = (await fs.readdir(join(out, 'Inbox'))).filter((name) => name.endsWith('.eml'));
		const hashes = await Promise.all(files.map(async (name) => fs.readFile(join(out, 'Inbox', name))));
		const nonEmpty = hashes.filter((bytes) => bytes.length > 0).map(sha256).sort();
		assert.deepEqual(nonEmpty, [sha256(mail('first', 100)), sha256(mail('long', 5000))].sort());
	} finally {
		await fs.rm(dir, {recursive: true, force: true});
	}
});

test('the real Outlook Express 6 store gives the same per-file message counts and bytes as undbx', async (t) => {
	if (!(await fs.stat(corpusStore).catch(() => undefined))) return t.skip(`corpus absent: ${corpusStore}`);
	if (!(await fs.stat('/usr/bin/undbx').catch(() => undefined))) return t.skip('undbx is not installed (Debian package undbx)');
	const out = await tempDir();
	try {
		await run('undbx', [corpusStore, out]);
		const expected = new Map<string, string[]>();
		for (const dir of await fs.readdir(out)) {
			const names = (await fs.readdir(join(out, dir), {withFileTypes: true})).filter((entry) => entry.isFile()).map((entry) => entry.name);
			const bytes = await Promise.all(names.map((name) => fs.readFile(join(out, dir, name))));
			expected.set(`${dir}.dbx`, bytes.filter((content) => content.length > 0).map(sha256).sort());
		}
		const problems: ReaderProblem[] = [];
		const {byFolder, errors} = await readAll(await DbxStore.open(corpusStore, {onProblem: (problem) => problems.push(problem)}));
		assert.equal(errors.size, 0);
		const actual = new Map<string, string[]>();
		for (const message of [...byFolder.values()].flat()) {
			const file = basename(message.ref.location.replace(/#\d+ \(record at byte \d+\)$/, ''));
			actual.set(file, [...(actual.get(file) ?? []), sha256(message.raw)].sort());
		}
		for (const [file, hashes] of expected) assert.deepEqual(actual.get(file) ?? [], hashes, `${file}: messages differ from undbx`);
		assert.deepEqual([...actual.keys()].sort(), [...expected.entries()].filter(([, hashes]) => hashes.length > 0).map(([file]) => file).sort());
		assert.equal(actual.get('Inbox.dbx')?.length, 1);
	} finally {
		await fs.rm(out, {recursive: true, force: true});
	}
});

/** Damaged copies: each cut or zeroed variant must end in a named error or per-message problems, never a crash or hang. */
test('truncated and zeroed copies of real and generated .dbx files give a named error or a per-message problem, and the other folders still read', async () => {
	const dir = await tempDir();
	try {
		await fixtureStore(dir);
		const sources = [join(dir, 'Inbox.dbx')];
		const real = join(corpusStore, 'Inbox.dbx');
		if (await fs.stat(real).catch(() => undefined)) sources.push(real);
		let variants = 0;
		for (const source of sources) {
			const original = await fs.readFile(source);
			await fs.writeFile(join(dir, 'Inbox.dbx'), original);
			const intact = ((await readAll(await DbxStore.open(dir))).byFolder.get('Inbox') ?? []).map((message) => sha256(message.raw));
			const cuts = [10, 0x100, 0x24bc, Math.floor(original.length / 2), original.length - 100];
			const damaged: Buffer[] = cuts.map((cut) => original.subarray(0, cut));
			for (const start of [0x24bc, Math.floor(original.length / 3), Math.floor((original.length * 2) / 3)]) {
				const zeroed = Buffer.from(original);
				zeroed.fill(0, start, Math.min(original.length, start + 1024));
				damaged.push(zeroed);
			}
			for (const content of damaged) {
				variants += 1;
				await fs.writeFile(join(dir, 'Inbox.dbx'), content);
				const problems: ReaderProblem[] = [];
				const store = await DbxStore.open(dir, {onProblem: (problem) => problems.push(problem)});
				const {byFolder, errors} = await readAll(store);
				assert.equal(byFolder.get('Projects')?.length, 1, 'the other folders still read');
				const inboxError = errors.get('Inbox');
				if (inboxError !== undefined) {
					assert.equal(inboxError.code, 'SOURCE_UNREADABLE');
					assert.match(inboxError.message, /Inbox\.dbx/);
					assert.ok(inboxError.hint);
				}
				for (const problem of problems) assert.match(problem.location, /Inbox\.dbx|Folders\.dbx/);
				// Never a silent loss: an error, a problem beyond the fixture's known headers-only entry, or every message intact.
				const read = (byFolder.get('Inbox') ?? []).map((message) => sha256(message.raw));
				const isReported = inboxError !== undefined || problems.some((problem) => !/only the headers/.test(problem.reason));
				assert.ok(isReported || JSON.stringify(read) === JSON.stringify(intact), `a damaged copy of ${source} lost messages without a word`);
			}
		}
		assert.ok(variants >= 8);
	} finally {
		await fs.rm(dir, {recursive: true, force: true});
	}
});

test('a file that is not an Outlook Express message database is refused with a named error', async () => {
	const dir = await tempDir();
	try {
		await fs.writeFile(join(dir, 'Folders.dbx'), foldersDbx([]));
		await assert.rejects(DbxStore.open(join(dir, 'Folders.dbx')), (error: unknown) => error instanceof MailshiftError && error.code === 'NOT_A_MAIL_STORE' && /Folders\.dbx/.test(error.message));
		await fs.writeFile(join(dir, 'junk.dbx'), 'From nobody\n');
		await assert.rejects(DbxStore.open(join(dir, 'junk.dbx')), (error: unknown) => error instanceof MailshiftError && error.code === 'NOT_A_MAIL_STORE');
	} finally {
		await fs.rm(dir, {recursive: true, force: true});
	}
});

test('an aborted signal stops iteration with ABORTED, and a damaged Folders.dbx falls back to one folder per file with a warning', async () => {
	const dir = await tempDir();
	try {
		await fixtureStore(dir);
		const store = await DbxStore.open(dir);
		const [inbox] = await store.listFolders();
		const controller = new AbortController();
		const seen: SourceMessage[] = [];
		await assert.rejects(async () => {
			for await (const message of store.messages(inbox ?? {path: ['Inbox']}, controller.signal)) {
				seen.push(message);
				controller.abort();
			}
		}, (error: unknown) => error instanceof MailshiftError && error.code === 'ABORTED');
		assert.equal(seen.length, 1);

		await fs.writeFile(join(dir, 'Folders.dbx'), (await fs.readFile(join(dir, 'Folders.dbx'))).subarray(0, 0x2000));
		const problems: ReaderProblem[] = [];
		const fallback = await DbxStore.open(dir, {onProblem: (problem) => problems.push(problem)});
		const folders = (await fallback.listFolders()).map((folder) => folder.path.join('/'));
		assert.deepEqual(folders, ['Inbox', 'Old', 'Projects', 'Stray']);
		assert.equal(problems.length, 1);
		assert.match(problems[0]?.reason ?? '', /folder list cannot be read/);
		assert.match(problems[0]?.location ?? '', /Folders\.dbx$/);
	} finally {
		await fs.rm(dir, {recursive: true, force: true});
	}
});

test('a folder of 700 messages (a two-level index tree) yields every message once, in index order', async () => {
	const dir = await tempDir();
	try {
		const many = Array.from({length: 700}, (_, index) => ({raw: mail(`m${index}`, 20 + (index % 900)), index: index + 1, flags: index % 2 === 0 ? 0x80 : 0}));
		await fs.writeFile(join(dir, 'Big.dbx'), messageDbx(many));
		const store = await DbxStore.open(join(dir, 'Big.dbx'));
		const [folder] = await store.listFolders();
		assert.deepEqual(folder?.path, ['Big']);
		const read: SourceMessage[] = [];
		for await (const message of store.messages(folder ?? {path: ['Big']})) read.push(message);
		assert.equal(read.length, 700);
		assert.deepEqual(read.map((message) => message.ref.key), many.map((message) => `m${message.index}`));
		assert.ok(read.every((message, index) => message.raw.equals(many[index]?.raw ?? Buffer.alloc(0))));
		assert.equal(read.filter((message) => message.flags.has('\\Seen')).length, 350);
		if (await fs.stat('/usr/bin/undbx').catch(() => undefined)) {
			const out = join(dir, 'out');
			await fs.mkdir(out);
			await run('undbx', [join(dir, 'Big.dbx'), out]);
			assert.equal((await fs.readdir(join(out, 'Big'))).filter((name) => name.endsWith('.eml')).length, 700, 'undbx reads the same tree');
		}
	} finally {
		await fs.rm(dir, {recursive: true, force: true});
	}
});
