/**
 * MaildirStore and decodeMutf7: generated edge-case fixtures (test/helpers/make-maildir.ts) plus the real
 * third-party trees in ../shared/corpus/maildir (skipped, with the reason printed, when that folder is absent).
 */
import assert from 'node:assert/strict';
import type {Dirent} from 'node:fs';
import {promises as fs} from 'node:fs';
import {basename, join, resolve} from 'node:path';
import {describe, test} from 'node:test';
import {fileURLToPath} from 'node:url';

import {MailshiftError} from '../../src/contracts/errors.js';
import type {SourceMessage} from '../../src/contracts/types.js';
import {looksLikeMaildir, MaildirStore} from '../../src/readers/maildir/maildir-store.js';
import {decodeMutf7} from '../../src/readers/mutf7.js';
import type {ReaderProblem, SourceFolder} from '../../src/contracts/source-store.js';
import {maildirDirs, makeTree, sampleMessage} from '../helpers/make-maildir.js';
import type {TempTree, TreeSpec} from '../helpers/make-maildir.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const corpusRoot = resolve(repoRoot, '../shared/corpus/maildir');

type Opened = {store: MaildirStore; problems: ReaderProblem[]; tree: TempTree};

async function openTree(spec: TreeSpec): Promise<Opened> {
	const tree = await makeTree(spec);
	const problems: ReaderProblem[] = [];
	const store = await MaildirStore.open(tree.root, {onProblem: (problem) => problems.push(problem)});
	return {store, problems, tree};
}

async function collect(store: MaildirStore, folder: SourceFolder, signal?: AbortSignal): Promise<SourceMessage[]> {
	const messages: SourceMessage[] = [];
	for await (const message of store.messages(folder, signal)) messages.push(message);
	return messages;
}

async function collectAll(store: MaildirStore): Promise<SourceMessage[]> {
	const messages: SourceMessage[] = [];
	for (const folder of await store.listFolders()) messages.push(...(await collect(store, folder)));
	return messages;
}

function folderOf(folders: readonly SourceFolder[], ...path: string[]): SourceFolder {
	const found = folders.find((folder) => folder.path.join('\u0000') === path.join('\u0000'));
	assert.ok(found, `folder ${path.join('/')} is listed`);
	return found;
}

function byKey(messages: readonly SourceMessage[], key: string): SourceMessage {
	const found = messages.find((message) => message.ref.key === key);
	assert.ok(found, `message ${key} is yielded`);
	return found;
}

function sortedFlags(message: SourceMessage): string[] {
	return [...message.flags].sort();
}

async function rejectsWithCode(promise: Promise<unknown>, code: string): Promise<MailshiftError> {
	let caught: unknown;
	try {
		await promise;
	} catch (error) {
		caught = error;
	}
	assert.ok(caught instanceof MailshiftError, `expected a MailshiftError ${code}, got ${String(caught)}`);
	assert.equal(caught.code, code);
	return caught;
}

describe('decodeMutf7', () => {
	const valid: ReadonlyArray<readonly [string, string]> = [
		['R&AOk-sum&AOk-', 'Résumé'],
		['Entw&APw-rfe', 'Entwürfe'],
		['&-', '&'],
		['A&-B', 'A&B'],
		['~peter/mail/&U,BTFw-/&ZeVnLIqe-', '~peter/mail/台北/日本語'], // RFC 3501 §5.1.3 example
		['&2D3eAA-', '\u{1F600}'], // surrogate pair
		['INBOX', 'INBOX'],
		['', ''],
	];
	for (const [input, expected] of valid) {
		test(`Given the valid modified UTF-7 name "${input}", when it is decoded, then it becomes "${expected}".`, () => {
			assert.equal(decodeMutf7(input), expected);
		});
	}

	const invalid: ReadonlyArray<readonly [string, string]> = [
		['R&D', 'a bare & with no terminating -'],
		['Tom & Jerry', 'a bare & followed by a space'],
		['&AOk', 'an unterminated shift'],
		['&AGE-', 'printable ASCII ("a") encoded in base64'],
		['&ACY-', 'an encoded & instead of &-'],
		['&A-', 'a lone base64 digit (6 bits, no full code unit)'],
		['&AOl-', 'non-zero padding bits'],
		['&2D0-', 'a lone high surrogate'],
		['a&b/c-', 'a character outside the modified base64 alphabet'],
		['Café', 'a UTF-8 (non-ASCII) name'],
		['&AOk-é', 'a valid shift next to a raw non-ASCII character'],
		['Tab\there', 'a control character written literally'],
	];
	for (const [input, why] of invalid) {
		test(`Given a name with ${why}, when it is decoded, then it is returned unchanged.`, () => {
			assert.equal(decodeMutf7(input), input);
		});
	}
});

describe('MaildirStore folder tree', () => {
	test('Given a Maildir++ tree with nested dot folders, mUTF-7 and UTF-8 names and server files, when folders are listed, then they are the decoded, sorted Maildir++ paths with counts and bytes.', async (t) => {
		// Given
		const {store, tree} = await openTree({
			...maildirDirs(''),
			'cur/1.a:2,S': 'abc',
			'new/2.b': 'defg',
			'tmp/3.c': 'in flight',
			'cur/.keep': '',
			'dovecot-uidlist': '3 V1 N3\n',
			'dovecot.index.cache': 'x',
			'dovecot-keywords': '0 $Junk\n',
			'subscriptions': 'Sent\n',
			'courierimapkeywords/:list': 'x',
			'.git/HEAD': 'ref: main\n',
			...maildirDirs('.Sent'),
			'.Sent/maildirfolder': '',
			'.Sent/cur/4.d:2,S': '12345',
			...maildirDirs('.Sent.2002'),
			'.Sent.2002/maildirfolder': '',
			...maildirDirs('.R&AOk-sum&AOk-'),
			...maildirDirs('.Café'),
			'.NotAMaildir/readme': 'x',
		});
		t.after(tree.cleanup);

		// When
		const folders = await store.listFolders();

		// Then
		assert.deepEqual(
			folders.map((folder) => folder.path),
			[['Café'], ['INBOX'], ['Résumé'], ['Sent'], ['Sent', '2002']],
		);
		assert.deepEqual(folderOf(folders, 'INBOX'), {path: ['INBOX'], count: 2, bytes: 7});
		assert.deepEqual(folderOf(folders, 'Sent'), {path: ['Sent'], count: 1, bytes: 5});
		assert.deepEqual(folderOf(folders, 'Sent', '2002'), {path: ['Sent', '2002'], count: 0, bytes: 0});
	});

	test('Given an fs-layout tree of nested Maildirs with a Maildir++ folder inside a nested one, when folders are listed, then each Maildir is a folder named by its directory path.', async (t) => {
		// Given
		const {store, tree} = await openTree({
			...maildirDirs(''),
			...maildirDirs('Work'),
			...maildirDirs('Work/Sub'),
			...maildirDirs('Work/.Foo'),
			'Projects/notes.txt': 'not a maildir, but holds one',
			...maildirDirs('Projects/Alpha', {tmp: false}),
			'Projects/Alpha/cur/1:2,S': sampleMessage('alpha'),
		});
		t.after(tree.cleanup);

		// When
		const folders = await store.listFolders();

		// Then
		assert.deepEqual(
			folders.map((folder) => folder.path),
			[['INBOX'], ['Projects', 'Alpha'], ['Work'], ['Work', 'Foo'], ['Work', 'Sub']],
		);
		const [message] = await collect(store, folderOf(folders, 'Projects', 'Alpha'));
		assert.equal(message?.ref.folder, 'Projects/Alpha');
	});

	test('Given a directory of Maildirs that is not itself a Maildir, when folders are listed, then there is no INBOX and each Maildir keeps its relative path (inbox stays inbox).', async (t) => {
		// Given
		const {store, tree} = await openTree({
			...maildirDirs('inbox'),
			'inbox/cur/1:2,S': sampleMessage('one'),
			...maildirDirs('archive/2019'),
			...maildirDirs('lists/.Rust'),
			'lists/.git/config': 'x',
			'loose.eml': sampleMessage('not in a maildir'),
		});
		t.after(tree.cleanup);

		// When
		const folders = await store.listFolders();

		// Then
		assert.deepEqual(
			folders.map((folder) => folder.path),
			[['archive', '2019'], ['inbox'], ['lists', 'Rust']],
		);
		assert.equal(folderOf(folders, 'inbox').count, 1);
	});

	test('Given a directory with only cur/, when it holds messages it is read, and when it is empty it is not a folder.', async (t) => {
		// Given: git and some archivers drop empty directories, so a copied Maildir may lack new/.
		const {store, tree} = await openTree({
			...maildirDirs('full'),
			'partial/cur/1:2,S': sampleMessage('kept'),
			'banana/cur/.keep': '',
		});
		t.after(tree.cleanup);

		// When
		const folders = await store.listFolders();

		// Then
		assert.deepEqual(folders.map((folder) => folder.path), [['full'], ['partial']]);
		assert.equal((await collect(store, folderOf(folders, 'partial'))).length, 1);
	});

	test('Given a Maildir++ folder .Work and an fs-layout folder Work side by side, when folders are listed, then they are one folder holding the messages of both.', async (t) => {
		// Given
		const {store, tree} = await openTree({
			...maildirDirs(''),
			...maildirDirs('.Work'),
			'.Work/cur/a:2,S': 'a:a',
			...maildirDirs('Work'),
			'Work/cur/b:2,S': 'b:',
		});
		t.after(tree.cleanup);

		// When
		const folders = await store.listFolders();
		const messages = await collect(store, folderOf(folders, 'Work'));

		// Then
		assert.deepEqual(folderOf(folders, 'Work'), {path: ['Work'], count: 2, bytes: 5});
		assert.deepEqual(messages.map((message) => message.ref.key), ['a', 'b']);
	});
});

describe('MaildirStore messages', () => {
	test('Given files with every flag letter and the :, ; and ! info separators, when they are read, then flags map to IMAP flags and the key is the unique name before the separator.', async (t) => {
		// Given
		const {store, tree} = await openTree({
			...maildirDirs(''),
			'cur/01.seen:2,S': 'x:',
			'cur/02.replied:2,R': 'x:',
			'cur/03.flagged:2,F': 'x:',
			'cur/04.draft:2,D': 'x:',
			'cur/05.passed:2,P': 'x:',
			'cur/06.windows;2,FS': 'x:',
			'cur/07.evolution!2,DPRS': 'x:',
			'cur/08.none:2,': 'x:',
			'cur/09.unknown:2,XZ': 'x:',
			'cur/10.dovecot,S=1000,W=1030:2,S': 'x:',
			'cur/11.extra:2,RS,extra': 'x:',
			'cur/12.experimental:1,S': 'x:',
			'cur/13.noinfo': 'x:',
		});
		t.after(tree.cleanup);

		// When
		const [inbox] = await store.listFolders();
		assert.ok(inbox);
		const messages = await collect(store, inbox);

		// Then
		const expected: ReadonlyArray<readonly [string, string[]]> = [
			['01.seen', ['\\Seen']],
			['02.replied', ['\\Answered']],
			['03.flagged', ['\\Flagged']],
			['04.draft', ['\\Draft']],
			['05.passed', ['$Forwarded']],
			['06.windows', ['\\Flagged', '\\Seen']],
			['07.evolution', ['$Forwarded', '\\Answered', '\\Draft', '\\Seen']],
			['08.none', []],
			['09.unknown', []],
			['10.dovecot,S=1000,W=1030', ['\\Seen']],
			['11.extra', ['\\Answered', '\\Seen']],
			['12.experimental', []],
			['13.noinfo', []],
		];
		assert.deepEqual(
			messages.map((message) => [message.ref.key, sortedFlags(message)]),
			expected.map(([key, flags]) => [key, [...flags].sort()]),
		);
		assert.ok(messages.every((message) => message.skipHint === undefined));
	});

	test('Given a dovecot-keywords file, when files carry lowercase letters, then known indexes become keywords and unknown ones are ignored without a problem.', async (t) => {
		// Given: keywords are per Maildir; .Other has no dovecot-keywords file.
		const {store, problems, tree} = await openTree({
			...maildirDirs(''),
			'dovecot-keywords': '0 $Junk\n1 $NonJunk\n3 work\n',
			'cur/1:2,Sabd': 'x:',
			'cur/2:2,c': 'x:',
			'cur/3:2,z': 'x:',
			...maildirDirs('.Other'),
			'.Other/cur/4:2,ab': 'x:',
		});
		t.after(tree.cleanup);

		// When
		const folders = await store.listFolders();
		const inbox = await collect(store, folderOf(folders, 'INBOX'));
		const other = await collect(store, folderOf(folders, 'Other'));

		// Then
		assert.deepEqual(sortedFlags(byKey(inbox, '1')), ['$Junk', '$NonJunk', '\\Seen', 'work'].sort());
		assert.deepEqual(sortedFlags(byKey(inbox, '2')), []);
		assert.deepEqual(sortedFlags(byKey(inbox, '3')), []);
		assert.deepEqual(sortedFlags(byKey(other, '4')), []);
		assert.deepEqual(problems, []);
	});

	test('Given a file with the T (trashed) flag, when it is read, then it carries \\Deleted and the maildir-trashed skip hint.', async (t) => {
		// Given
		const {store, tree} = await openTree({...maildirDirs(''), 'cur/1:2,ST': 'x:', 'cur/2:2,S': 'x:'});
		t.after(tree.cleanup);

		// When
		const [inbox] = await store.listFolders();
		assert.ok(inbox);
		const messages = await collect(store, inbox);

		// Then
		assert.deepEqual(sortedFlags(byKey(messages, '1')), ['\\Deleted', '\\Seen']);
		assert.equal(byKey(messages, '1').skipHint, 'maildir-trashed');
		assert.equal(byKey(messages, '2').skipHint, undefined);
	});

	test('Given messages in new/, when they are read, then they are not \\Seen unless their own info says so, and they interleave with cur/ by name.', async (t) => {
		// Given
		const {store, tree} = await openTree({
			...maildirDirs(''),
			'new/1000.a.host': 'x:',
			'cur/1001.b.host:2,S': 'x:',
			'new/1002.c.host': 'x:',
			'new/1003.d.host:2,F': 'x:',
		});
		t.after(tree.cleanup);

		// When
		const [inbox] = await store.listFolders();
		assert.ok(inbox);
		const messages = await collect(store, inbox);

		// Then
		assert.deepEqual(
			messages.map((message) => [message.ref.key, sortedFlags(message)]),
			[
				['1000.a.host', []],
				['1001.b.host', ['\\Seen']],
				['1002.c.host', []],
				['1003.d.host', ['\\Flagged']],
			],
		);
	});

	test('Given an empty file and a dangling symlink among messages, when the folder is read, then both are reported as failed and the others are still yielded.', async (t) => {
		// Given
		const {store, problems, tree} = await openTree({
			...maildirDirs(''),
			'cur/1:2,S': 'first:',
			'cur/2:2,S': '',
			'cur/4:2,S': 'last:',
		});
		t.after(tree.cleanup);
		await fs.symlink(tree.at('gone'), tree.at('cur/3:2,S')); // like a file expunged after listing

		// When
		const [inbox] = await store.listFolders();
		assert.ok(inbox);
		const messages = await collect(store, inbox);

		// Then
		assert.deepEqual(messages.map((message) => message.ref.key), ['1', '4']);
		assert.equal(inbox.count, 4);
		assert.deepEqual(
			problems.map((problem) => [problem.code, problem.kind, problem.folder, problem.location]),
			[
				['MESSAGE_EMPTY', 'failed', 'INBOX', tree.at('cur/2:2,S')],
				['SOURCE_UNREADABLE', 'failed', 'INBOX', tree.at('cur/3:2,S')],
			],
		);
	});

	test('Given a message file without read permission, when the folder is read, then it is reported as unreadable and iteration continues.', async (t) => {
		if (process.getuid?.() === 0) {
			t.skip('running as root: file permissions do not stop root from reading, so EACCES cannot be produced');
			return;
		}
		// Given
		const {store, problems, tree} = await openTree({...maildirDirs(''), 'cur/1:2,S': 'secret:', 'cur/2:2,S': 'ok:'});
		t.after(tree.cleanup);
		await fs.chmod(tree.at('cur/1:2,S'), 0o000);

		// When
		const [inbox] = await store.listFolders();
		assert.ok(inbox);
		const messages = await collect(store, inbox);

		// Then
		assert.deepEqual(messages.map((message) => message.ref.key), ['2']);
		assert.deepEqual(problems.map((problem) => [problem.code, problem.kind]), [['SOURCE_UNREADABLE', 'failed']]);
	});

	test('Given a subdirectory and a folder cur/ without read permission, when the store is listed and read, then the subdirectory is a warning and the folder throws SOURCE_UNREADABLE with disposition skip.', async (t) => {
		if (process.getuid?.() === 0) {
			t.skip('running as root: directory permissions do not stop root from reading, so EACCES cannot be produced');
			return;
		}
		// Given
		const {store, problems, tree} = await openTree({
			...maildirDirs(''),
			...maildirDirs('Locked'),
			...maildirDirs('Hidden/Inner'),
			'Locked/cur/1:2,S': 'x:',
		});
		t.after(async () => {
			await fs.chmod(tree.at('Hidden'), 0o755);
			await fs.chmod(tree.at('Locked/cur'), 0o755);
			await tree.cleanup();
		});
		await fs.chmod(tree.at('Hidden'), 0o000);
		await fs.chmod(tree.at('Locked/cur'), 0o000);

		// When
		const folders = await store.listFolders();

		// Then
		assert.deepEqual(folders.map((folder) => folder.path), [['INBOX'], ['Locked']]);
		assert.deepEqual(folderOf(folders, 'Locked'), {path: ['Locked']});
		assert.deepEqual(problems.map((problem) => [problem.code, problem.kind, problem.location]), [
			['SOURCE_UNREADABLE', 'warning', tree.at('Hidden')],
		]);
		const error = await rejectsWithCode(collect(store, folderOf(folders, 'Locked')), 'SOURCE_UNREADABLE');
		assert.equal(error.disposition, 'skip');
	});

	test('Given files in tmp/ and dot-files in cur/ and new/, when the folder is read, then none of them is yielded or counted.', async (t) => {
		// Given
		const {store, tree} = await openTree({
			...maildirDirs(''),
			'tmp/1.inflight': 'x',
			'cur/.keep': '',
			'new/.hidden:2,S': 'x:',
			'cur/2:2,S': 'r:al',
		});
		t.after(tree.cleanup);

		// When
		const [inbox] = await store.listFolders();
		assert.ok(inbox);
		const messages = await collect(store, inbox);

		// Then
		assert.deepEqual(messages.map((message) => message.ref.key), ['2']);
		assert.deepEqual(inbox, {path: ['INBOX'], count: 1, bytes: 4});
	});

	test('Given a message, when it is read, then its ref names the store, folder, unique name and file, and its store date is the file mtime.', async (t) => {
		// Given
		const delivered = new Date('2002-03-04T05:06:07.000Z');
		const {store, tree} = await openTree({
			...maildirDirs(''),
			...maildirDirs('.Sent.2002'),
			'.Sent.2002/cur/1015218367.M1P2.host,S=5:2,RS': {content: 'X: ab', mtime: delivered},
		});
		t.after(tree.cleanup);

		// When
		const folders = await store.listFolders();
		const [message] = await collect(store, folderOf(folders, 'Sent', '2002'));

		// Then
		assert.ok(message);
		assert.deepEqual(message.ref, {
			store: tree.root,
			folder: 'Sent/2002',
			key: '1015218367.M1P2.host,S=5',
			location: tree.at('.Sent.2002/cur/1015218367.M1P2.host,S=5:2,RS'),
		});
		assert.deepEqual(message.storeDate, {date: delivered, source: 'file-mtime'});
		assert.equal(store.kind, 'maildir');
		assert.equal(store.location, tree.root);
	});

	test('Given binary content with mixed line ends, NULs and high bytes, when it is read, then the raw bytes are exactly the file bytes.', async (t) => {
		// Given
		const bytes = Buffer.concat([
			Buffer.from('Subject: bytes\r\n\nline\r\nline\n'),
			Buffer.from([0x00, 0xff, 0xfe, 0x80, 0x0d, 0x0d, 0x0a]),
			Buffer.from('no final newline'),
		]);
		const {store, tree} = await openTree({...maildirDirs(''), 'cur/1:2,S': bytes});
		t.after(tree.cleanup);

		// When
		const [inbox] = await store.listFolders();
		assert.ok(inbox);
		const [message] = await collect(store, inbox);

		// Then
		assert.ok(message);
		assert.ok(Buffer.isBuffer(message.raw));
		assert.ok(message.raw.equals(bytes));
	});

	test('Given the same unchanged tree opened twice, when all messages are read, then both opens yield identical refs in the same order.', async (t) => {
		// Given
		const tree = await makeTree({
			...maildirDirs(''),
			'cur/b:2,S': 'b:',
			'new/a': 'a:',
			...maildirDirs('.Lists.Rust'),
			'.Lists.Rust/cur/c:2,F': 'c:',
			...maildirDirs('Work'),
			'Work/new/d': 'd:',
		});
		t.after(tree.cleanup);

		// When
		const first = await MaildirStore.open(tree.root);
		const second = await MaildirStore.open(tree.root);
		const firstRefs = (await collectAll(first)).map((message) => message.ref);
		const secondRefs = (await collectAll(second)).map((message) => message.ref);

		// Then
		assert.equal(firstRefs.length, 4);
		assert.deepEqual(firstRefs, secondRefs);
	});

	test('Given a store, when close() is called twice, then both calls succeed and later use is rejected as a bug.', async (t) => {
		// Given
		const {store, tree} = await openTree({...maildirDirs(''), 'cur/1:2,S': 'x:'});
		t.after(tree.cleanup);

		// When
		await store.close();
		await store.close();

		// Then
		await rejectsWithCode(store.listFolders(), 'BUG');
	});

	test('Given an iteration in progress, when close() is called, then the iterator ends after the current message.', async (t) => {
		// Given
		const {store, tree} = await openTree({...maildirDirs(''), 'cur/1': 'x:', 'cur/2': 'y:', 'cur/3': 'z:'});
		t.after(tree.cleanup);
		const [inbox] = await store.listFolders();
		assert.ok(inbox);

		// When
		const keys: string[] = [];
		for await (const message of store.messages(inbox)) {
			keys.push(message.ref.key);
			await store.close();
		}

		// Then
		assert.deepEqual(keys, ['1']);
	});

	test('Given an abort signal that fires after the first message, when the folder is read, then iteration stops with an ABORTED error.', async (t) => {
		// Given
		const {store, tree} = await openTree({...maildirDirs(''), 'cur/1': 'x:', 'cur/2': 'y:', 'cur/3': 'z:'});
		t.after(tree.cleanup);
		const [inbox] = await store.listFolders();
		assert.ok(inbox);
		const controller = new AbortController();

		// When
		const keys: string[] = [];
		const reading = (async () => {
			for await (const message of store.messages(inbox, controller.signal)) {
				keys.push(message.ref.key);
				controller.abort();
			}
		})();

		// Then
		const error = await rejectsWithCode(reading, 'ABORTED');
		assert.equal(error.disposition, 'fatal');
		assert.deepEqual(keys, ['1']);
		await rejectsWithCode(store.listFolders(controller.signal), 'ABORTED');
	});

	test('Given a folder that is not part of the store, when its messages are requested, then a BUG error is thrown.', async (t) => {
		// Given
		const {store, tree} = await openTree(maildirDirs(''));
		t.after(tree.cleanup);

		// When / Then
		await rejectsWithCode(collect(store, {path: ['Nope']}), 'BUG');
	});
});

describe('MaildirStore.open and looksLikeMaildir', () => {
	test('Given a missing path, when it is opened, then SOURCE_NOT_FOUND names the path and gives a hint.', async (t) => {
		// Given
		const tree = await makeTree({});
		t.after(tree.cleanup);
		const missing = tree.at('no-such-maildir');

		// When
		const error = await rejectsWithCode(MaildirStore.open(missing), 'SOURCE_NOT_FOUND');

		// Then
		assert.equal(error.disposition, 'fatal');
		assert.match(error.message, /no-such-maildir/);
		assert.ok(error.hint);
	});

	test('Given a plain file, when it is opened, then NOT_A_MAIL_STORE names the path and says a directory with cur/ and new/ was expected.', async (t) => {
		// Given
		const tree = await makeTree({'inbox.mbox': `From a@b Mon Feb  7 22:43:04 1994\n${sampleMessage('x')}`});
		t.after(tree.cleanup);

		// When
		const error = await rejectsWithCode(MaildirStore.open(tree.at('inbox.mbox')), 'NOT_A_MAIL_STORE');

		// Then
		assert.match(error.message, /inbox\.mbox/);
		assert.match(error.message, /cur\/ and new\//);
		assert.ok(error.hint);
	});

	test('Given a directory without any Maildir, when it is opened, then NOT_A_MAIL_STORE names the path and gives a hint.', async (t) => {
		// Given
		const tree = await makeTree({'Inbox': 'From a@b Mon Feb  7 22:43:04 1994\n', 'Inbox.msf': '', 'Sent': ''});
		t.after(tree.cleanup);

		// When
		const error = await rejectsWithCode(MaildirStore.open(tree.root), 'NOT_A_MAIL_STORE');

		// Then
		assert.ok(error.message.includes(tree.root));
		assert.match(error.message, /cur\/ and new\//);
		assert.ok(error.hint);
	});

	test('Given a relative path, when it is opened, then the store location is absolute.', async (t) => {
		// Given
		const tree = await makeTree(maildirDirs(''));
		t.after(tree.cleanup);

		// When
		const store = await MaildirStore.open(join(tree.root, 'cur', '..'));

		// Then
		assert.equal(store.location, tree.root);
	});

	const cases: ReadonlyArray<readonly [string, TreeSpec, string, boolean]> = [
		['a Maildir with cur/, new/ and tmp/', maildirDirs('m'), 'm', true],
		['a Maildir without tmp/', maildirDirs('m', {tmp: false}), 'm', true],
		['a directory of Maildirs', {...maildirDirs('d/a'), ...maildirDirs('d/b')}, 'd', true],
		['a directory holding only Maildir++ .Folder dirs', maildirDirs('d/.Sent'), 'd', true],
		['a directory with a Maildir 6 levels down', maildirDirs('d/1/2/3/4/5/6'), 'd', true],
		['a directory with a Maildir 7 levels down', maildirDirs('d/1/2/3/4/5/6/7'), 'd', false],
		['a directory with only an empty cur/', {'d/cur/.keep': ''}, 'd', false],
		['a directory with only cur/ holding a message', {'d/cur/1:2,S': 'x:'}, 'd', true],
		['a plain file', {'f': 'x'}, 'f', false],
		['an empty directory', {'e/': null}, 'e', false],
		['a directory of mbox files', {'d/Inbox': 'From a@b Mon Feb  7 22:43:04 1994\n', 'd/Sent.sbd/Old': ''}, 'd', false],
		['a directory whose dot-dirs are not Maildirs', {'d/.git/HEAD': 'ref', 'd/.git/objects/ab/cdef': 'x', 'd/.notmuch/xapian/x': 'x'}, 'd', false],
		['a missing path', {}, 'missing', false],
	];
	for (const [what, spec, target, expected] of cases) {
		test(`Given ${what}, when it is sniffed, then looksLikeMaildir is ${expected}.`, async (t) => {
			// Given
			const tree = await makeTree(spec);
			t.after(tree.cleanup);

			// When
			const result = await looksLikeMaildir(tree.at(target));

			// Then
			assert.equal(result, expected);
		});
	}
});

/**
 * Independent oracle: non-dot regular files directly inside any directory named cur or new, any depth. `bytes`:
 * their sizes on disk; `listedBytes`: what a listing counts — the Maildir++ `,S=<size>` a name states, else the size.
 */
async function countCurNewFiles(root: string): Promise<{count: number; bytes: number; listedBytes: number}> {
	let count = 0;
	let bytes = 0;
	let listedBytes = 0;
	const pending = [root];
	for (let dir = pending.pop(); dir !== undefined; dir = pending.pop()) {
		const entries: Dirent[] = await fs.readdir(dir, {withFileTypes: true});
		const isCurOrNew = basename(dir) === 'cur' || basename(dir) === 'new';
		for (const entry of entries) {
			const full = join(dir, entry.name);
			if (entry.isDirectory()) pending.push(full);
			else if (entry.isFile() && isCurOrNew && !entry.name.startsWith('.')) {
				count += 1;
				const size = (await fs.stat(full)).size;
				bytes += size;
				const stated = /,S=(\d+)(?=[,:;!]|$)/.exec(entry.name)?.[1];
				listedBytes += stated === undefined ? size : Number(stated);
			}
		}
	}
	return {count, bytes, listedBytes};
}

type CorpusExpectation = Readonly<{
	folders: readonly (readonly string[])[];
	check?: (messages: readonly SourceMessage[]) => void;
	/** Files in cur/ and new/ that hold no message (message-shape.ts): reported as failed, not yielded. */
	notMessages?: number;
	why: string;
}>;

// What each real tree should give, and why (see ../shared/corpus/SOURCES.md, section "Maildir trees").
const corpusExpectations: Readonly<Record<string, CorpusExpectation>> = {
	mailpile__Maildir: {
		why: 'cur/ holds Maildir names with "," instead of the info separator ("...hottie,2,S") plus .eml/.mbx/broken files. '
			+ 'Decision: "," is NOT an info separator (no known writer uses it, and it clashes with Dovecot ",S=" fields), '
			+ 'so those names are whole keys with no flags; every non-dot file in cur/ is yielded raw (the parser judges content).',
		folders: [['INBOX']],
		check: (messages) => {
			const hottie = byKey(messages, '1379857166.25979_1.hottie,2,S');
			assert.deepEqual(sortedFlags(hottie), []);
			assert.ok(byKey(messages, 'mailpile-1398950855.mbx'));
		},
	},
	mu__testdir: {
		why: 'the "!" separator; "special!2,Sabc" has keyword letters but no dovecot-keywords file, so only \\Seen; tmp/ ignored; new/ unflagged.',
		folders: [['INBOX']],
		check: (messages) => {
			assert.deepEqual(sortedFlags(byKey(messages, 'special')), ['\\Seen']);
			assert.deepEqual(sortedFlags(byKey(messages, '1220863087.12663_15.mindcrime')), ['$Forwarded', '\\Seen']);
			assert.deepEqual(sortedFlags(byKey(messages, '1220863087.12663_21.mindcrime')), []);
			assert.ok(messages.every((message) => !message.ref.location.includes('/tmp/')));
		},
	},
	'neomutt__maildir-detection': {
		why: 'detection edge cases, no messages. Decision: apple, apple/child, damson, empty/child are (empty) Maildirs; '
			+ 'banana (only an empty cur/) is not a Maildir, since nothing would be lost by skipping it; cherry (empty), '
			+ 'endive and mh8 (files) and mh1..mh7 (MH folders with dot-dir markers) are not Maildirs.',
		folders: [['apple'], ['apple', 'child'], ['damson'], ['empty', 'child']],
	},
	notmuch__default: {
		why: 'nested fs-layout Maildirs without tmp/. Decision: the 10 files lying loose in folder directories (outside '
			+ 'cur/ and new/, which notmuch tolerates) are not Maildir messages and are not read; the oracle does not count them either.',
		folders: [['INBOX'], ['bar'], ['bar', 'baz'], ['foo'], ['foo', 'baz']],
		check: (messages) => {
			assert.equal(byKey(messages, '29').ref.folder, 'INBOX');
			assert.equal(byKey(messages, '25').ref.folder, 'bar/baz');
		},
	},
	stalwart__maildirpp: {
		why: 'Maildir++ with spaces in names, ";" separator, S=/W= fields, a trailing "," after flags, T and keyword letters. '
			+ 'Its six files are 2-byte stubs ("a\\n"), not messages (issue #16): each is reported as failed by name and none is '
			+ 'uploaded; the folder tree still comes from the names (flag letters are covered by the synthetic tests above).',
		folders: [['INBOX'], ['My Folder'], ['My Folder', 'Nested Folder']],
		notMessages: 6,
	},
};

describe('MaildirStore on the real Maildir corpus', () => {
	for (const [name, expectation] of Object.entries(corpusExpectations)) {
		test(`Given the corpus tree ${name}, when every folder is read, then each message file in cur/ and new/ is yielded once with all its bytes and the expected folders.`, async (t) => {
			// Given
			const root = join(corpusRoot, name);
			if (!(await fs.stat(root).catch(() => undefined))?.isDirectory()) {
				const reason = `corpus tree not found at ${root} (the shared corpus is not checked out here)`;
				console.log(`skipping: ${reason}`);
				t.skip(reason);
				return;
			}
			t.diagnostic(expectation.why);
			const oracle = await countCurNewFiles(root);
			const problems: ReaderProblem[] = [];

			// When
			assert.equal(await looksLikeMaildir(root), true);
			const store = await MaildirStore.open(root, {onProblem: (problem) => problems.push(problem)});
			const folders = await store.listFolders();
			const messages: SourceMessage[] = [];
			for (const folder of folders) messages.push(...(await collect(store, folder)));
			await store.close();

			// Then
			assert.deepEqual(folders.map((folder) => folder.path), expectation.folders);
			const notMessages = problems.filter((problem) => problem.code === 'MESSAGE_UNPARSEABLE' && problem.kind === 'failed');
			assert.equal(notMessages.length, expectation.notMessages ?? 0, 'files that hold no message are reported');
			assert.equal(messages.length + notMessages.length, oracle.count, 'yielded messages + reported non-messages = files in cur/ and new/');
			if (notMessages.length === 0) assert.equal(messages.reduce((sum, message) => sum + message.raw.length, 0), oracle.bytes, 'no bytes lost');
			assert.equal(folders.reduce((sum, folder) => sum + (folder.count ?? 0), 0), oracle.count);
			assert.equal(folders.reduce((sum, folder) => sum + (folder.bytes ?? 0), 0), oracle.listedBytes, 'folder bytes: the sizes the names state, else the files\' sizes');
			// The corpus is itself a checkout, so its folders may be noted as copied without file times (item 8b).
			assert.deepEqual(problems.filter((problem) => problem.code !== 'MAILDIR_TIMES_LOST' && !notMessages.includes(problem)), []);
			expectation.check?.(messages);
		});
	}

	test('Given the neomutt detection tree, when each entry is sniffed, then only complete Maildirs or trees holding one are recognised.', async (t) => {
		// Given
		const root = join(corpusRoot, 'neomutt__maildir-detection');
		if (!(await fs.stat(root).catch(() => undefined))?.isDirectory()) {
			const reason = `corpus tree not found at ${root} (the shared corpus is not checked out here)`;
			console.log(`skipping: ${reason}`);
			t.skip(reason);
			return;
		}
		const expected: Readonly<Record<string, boolean>> = {
			apple: true,
			banana: false,
			cherry: false,
			damson: true,
			empty: true,
			endive: false,
			mh1: false,
			mh2: false,
			mh7: false,
			mh8: false,
		};

		// When
		const actual: Record<string, boolean> = {};
		for (const entry of Object.keys(expected)) actual[entry] = await looksLikeMaildir(join(root, entry));

		// Then
		assert.deepEqual(actual, expected);
	});
});
