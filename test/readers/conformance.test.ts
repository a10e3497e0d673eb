/**
 * Runs the SourceStore conformance suite (./conformance.ts) over every reader this build has: Maildir, mbox
 * (one file and a Thunderbird tree), PST (the test PST shipped with pst-extractor), folders of .eml files,
 * Apple Mail, Outlook Express .dbx, Outlook for Mac .olm and a POP3 maildrop on the private Dovecot (skipped
 * with the reason printed when dovecot-pop3d is missing). Each fixture is built here in a temp dir with the
 * builders in test/helpers; each damaged copy is made from it byte by byte. A new reader adds one block.
 */
import {existsSync, readFileSync} from 'node:fs';
import {copyFile, mkdtemp, readFile, rm, truncate, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after} from 'node:test';
import {fileURLToPath} from 'node:url';

import {ImapFlow} from 'imapflow';

import {AppleMailStore} from '../../src/readers/apple-mail/apple-mail-store.js';
import {DbxStore} from '../../src/readers/dbx/dbx-store.js';
import {EmlFolderStore} from '../../src/readers/eml/eml-folder-store.js';
import {MaildirStore} from '../../src/readers/maildir/maildir-store.js';
import {MboxStore} from '../../src/readers/mbox/mbox-store.js';
import {OlmStore} from '../../src/readers/olm/olm-store.js';
import {Pop3Store} from '../../src/readers/pop3/pop3-store.js';
import {PstStore} from '../../src/readers/pst/pst-store.js';
import type {ReaderOptions, SourceStore} from '../../src/contracts/source-store.js';
import {dovecotSkipReason, startDovecot} from '../helpers/dovecot.js';
import {emlx, mailText} from '../helpers/make-apple-mail.js';
import {foldersDbx, messageDbx} from '../helpers/make-dbx.js';
import {makeTree, maildirDirs, sampleMessage} from '../helpers/make-maildir.js';
import type {TempTree, TreeSpec} from '../helpers/make-maildir.js';
import {makeMessage, writeMboxrd} from '../helpers/make-mbox.js';
import {GOOD} from '../helpers/make-olm.js';
import {buildZip} from '../helpers/zip-builder.js';
import {sourceStoreConformance} from './conformance.js';
import type {CorruptStore, StoreFixture} from './conformance.js';

/** Damaged copies made by the tests, removed when the file is done. */
const cleanups: Array<() => Promise<void>> = [];
after(async () => {
	for (const cleanup of cleanups) await cleanup();
});

const PST = fileURLToPath(new URL('../../node_modules/pst-extractor/example/testdata/enron.pst', import.meta.url));

/** A copy of `file` whose bytes are all zero (same length): the header and every structure are gone. */
async function zeroed(file: string): Promise<void> {
	const size = (await readFile(file)).length;
	await writeFile(file, Buffer.alloc(size));
}

/** Cuts `file` to `fraction` of its length, as an interrupted copy does. */
async function cut(file: string, fraction: number): Promise<void> {
	const size = (await readFile(file)).length;
	await truncate(file, Math.floor(size * fraction));
}

/**
 * A fixture for a store kind kept as a file tree: the intact tree, and a damaged copy of it made by `damage`
 * (which names the damaged path, relative to the tree). `open` opens a tree as the store.
 */
function treeStore(
	spec: TreeSpec,
	prefix: string,
	open: (tree: TempTree, options: ReaderOptions) => Promise<SourceStore>,
	damage: Readonly<{what: string; target: string; apply: (tree: TempTree) => Promise<void>}>,
): () => Promise<{fixture: StoreFixture; cleanup: () => Promise<void>}> {
	return async () => {
		const tree = await makeTree(spec, prefix);
		const corrupt = async (): Promise<CorruptStore> => {
			const damaged = await makeTree(spec, prefix);
			cleanups.push(damaged.cleanup);
			await damage.apply(damaged);
			return {open: (options) => open(damaged, options), path: damaged.at(damage.target), damage: damage.what};
		};
		return {fixture: {open: (options = {}) => open(tree, options), files: tree.root, corrupt}, cleanup: tree.cleanup};
	};
}

sourceStoreConformance('maildir', treeStore({
	...maildirDirs(''),
	'cur/1000000001.M1P1.host:2,S': sampleMessage('seen'),
	'cur/1000000002.M2P1.host:2,FRS': sampleMessage('flagged and answered'),
	'new/1000000003.M3P1.host': sampleMessage('new'),
	...maildirDirs('.Work'),
	'.Work/cur/1000000004.M4P1.host:2,T': sampleMessage('trashed'),
	'.Work/cur/1000000005.M5P1.host:2,D': sampleMessage('draft'),
}, 'mailshift-maildir-', (tree, options) => MaildirStore.open(tree.root, options), {
	// Running as root, a chmod 000 folder stays readable; a `cur` that is a file is unreadable for anyone.
	what: 'the cur/ directory of .Work replaced by a file', target: '.Work',
	apply: async (tree) => {
		await rm(tree.at('.Work/cur'), {recursive: true});
		await writeFile(tree.at('.Work/cur'), 'not a directory');
	},
}));

const mbox = writeMboxrd([makeMessage({subject: 'one'}), makeMessage({subject: 'two'}), makeMessage({subject: 'three', headers: ['From: a@example.org', 'X-Mozilla-Status: 0001', 'Subject: three']})]);

sourceStoreConformance('mbox (one file)', treeStore({'Inbox.mbox': mbox}, 'mailshift-mbox-', (tree, options) => MboxStore.open(tree.at('Inbox.mbox'), options), {
	what: 'the file zeroed', target: 'Inbox.mbox', apply: (tree) => zeroed(tree.at('Inbox.mbox')),
}));

sourceStoreConformance('mbox (Thunderbird tree)', treeStore({
	'Inbox': mbox, 'Inbox.msf': '// <!-- <mdb:mork:z v="1.4"/> -->\n', 'Archives.sbd/2019': mbox, 'Trash': '',
}, 'mailshift-mbox-', (tree, options) => MboxStore.open(tree.root, options), {
	what: 'one folder file zeroed', target: 'Archives.sbd/2019', apply: (tree) => zeroed(tree.at('Archives.sbd/2019')),
}));

/**
 * A fixture for a store kind kept in one file: `source` is the intact file, or writes it to the path it is given; the damaged copy is that file cut at half its length, as an interrupted copy is.
 */
function singleFileStore(
	name: string,
	source: string | ((target: string) => Promise<void>),
	open: (file: string, options: ReaderOptions) => Promise<SourceStore>,
): () => Promise<{fixture: StoreFixture; cleanup: () => Promise<void>}> {
	return async () => {
		const dir = await mkdtemp(join(tmpdir(), 'mailshift-conformance-'));
		const file = typeof source === 'string' ? source : join(dir, name);
		if (typeof source !== 'string') await source(file);
		const corrupt = async (): Promise<CorruptStore> => {
			const copy = join(dir, `cut-${name}`);
			await copyFile(file, copy);
			await cut(copy, 0.5);
			return {open: (options) => open(copy, options), path: copy, damage: 'a copy cut at half its length'};
		};
		return {fixture: {open: (options = {}) => open(file, options), files: file, corrupt}, cleanup: () => rm(dir, {recursive: true, force: true})};
	};
}

sourceStoreConformance('pst', singleFileStore('enron.pst', PST, (file, options) => PstStore.open(file, options)),
	existsSync(PST) ? {} : {skip: `${PST} is missing (pst-extractor's test data)`});

sourceStoreConformance('eml folder', treeStore({
	'Inbox/one.eml': sampleMessage('one'),
	'Inbox/two.eml': sampleMessage('two'),
	'Inbox/Old/three.eml': sampleMessage('three'),
	'Sent/four.eml': sampleMessage('four'),
}, 'mailshift-eml-', (tree, options) => EmlFolderStore.open(tree.root, options), {
	what: 'one .eml zeroed', target: 'Inbox/two.eml', apply: (tree) => zeroed(tree.at('Inbox/two.eml')),
}));

// Real Outlook .msg files (../shared/corpus/msg, never copied into the project): a folder of only .msg files
// is an .eml-folder store; the damaged copy has one .msg cut at half its length.
const MSG_CORPUS = fileURLToPath(new URL('../../../shared/corpus/msg', import.meta.url));
const MSG_FILES = ['msgreader__sent.msg', 'msgreader__attachAndInline.msg', 'msgreader__msgInMsg.msg', 'msgreader__contactAnsi.msg'];
const msgPresent = MSG_FILES.every((name) => existsSync(join(MSG_CORPUS, name)));
sourceStoreConformance('msg folder', treeStore(
	msgPresent ? Object.fromEntries(MSG_FILES.map((name, index) => [`${index < 2 ? 'Inbox' : 'Inbox/Old'}/${name}`, readFileSync(join(MSG_CORPUS, name))])) : {},
	'mailshift-msg-', (tree, options) => EmlFolderStore.open(tree.root, options), {
		what: 'one .msg cut at half its length', target: `Inbox/${MSG_FILES[1]}`, apply: (tree) => cut(tree.at(`Inbox/${MSG_FILES[1]}`), 0.5),
	}), msgPresent ? {} : {skip: `the .msg corpus files (${MSG_FILES.join(', ')}) are not in ${MSG_CORPUS}`});

const APPLE_DAMAGED = 'V10/ACCT-1/INBOX.mbox/0A1B-UUID/Data/1/Messages/11.emlx';

sourceStoreConformance('apple-mail', treeStore({
	'V10/ACCT-1/INBOX.mbox/0A1B-UUID/Data/Messages/10.emlx': emlx(mailText('inbox-0'), {flags: 0, dateReceived: 1_234_567_000}),
	[APPLE_DAMAGED]: emlx(mailText('inbox-1'), {flags: 1 | (1 << 4), dateReceived: 1_234_567_890}),
	'V10/ACCT-1/INBOX.mbox/Work.mbox/Messages/12.emlx': emlx(mailText('work'), {flags: 1 << 2}),
	'V10/Mailboxes/Local.mbox/Messages/13.emlx': emlx(mailText('local'), {flags: 1 << 6}),
}, 'mailshift-apple-', (tree, options) => AppleMailStore.open(tree.root, options), {
	what: 'one .emlx zeroed', target: APPLE_DAMAGED, apply: (tree) => zeroed(tree.at(APPLE_DAMAGED)),
}));

function dbxMail(subject: string): Buffer {
	return Buffer.from(`Received: from a by b; Tue, 2 Mar 2004 10:00:00 +0000\r\nFrom: a@example.com\r\nSubject: ${subject}\r\nMessage-ID: <${subject}@example.com>\r\n\r\n${'body line\r\n'.repeat(80)}`, 'latin1');
}

async function writeDbxStore(dir: string): Promise<void> {
	await writeFile(join(dir, 'Folders.dbx'), foldersDbx([
		{id: 1, parent: 0, name: 'Local Folders', localStore: true},
		{id: 4, parent: 1, name: 'Inbox', fileName: 'Inbox.dbx', special: 1},
		{id: 5, parent: 1, name: 'Projects', fileName: 'Projects.dbx'},
	]));
	await writeFile(join(dir, 'Inbox.dbx'), messageDbx([
		{raw: dbxMail('first'), index: 1, flags: 0x81},
		{raw: dbxMail('second'), index: 2, flags: 0x01},
		{raw: dbxMail('third'), index: 3, flags: 0},
	]));
	await writeFile(join(dir, 'Projects.dbx'), messageDbx([{raw: dbxMail('project'), index: 1, flags: 0}]));
}

sourceStoreConformance('dbx', async () => {
	const dir = await mkdtemp(join(tmpdir(), 'mailshift-dbx-'));
	await writeDbxStore(dir);
	return {
		fixture: {
			open: (options) => DbxStore.open(dir, options),
			files: dir,
			corrupt: async () => {
				const damaged = await mkdtemp(join(tmpdir(), 'mailshift-dbx-'));
				cleanups.push(() => rm(damaged, {recursive: true, force: true}));
				await writeDbxStore(damaged);
				await cut(join(damaged, 'Inbox.dbx'), 0.6);
				return {open: (options) => DbxStore.open(damaged, options), path: join(damaged, 'Inbox.dbx'), damage: 'Inbox.dbx cut at 60%'};
			},
		},
		cleanup: () => rm(dir, {recursive: true, force: true}),
	};
});

sourceStoreConformance('olm', singleFileStore('archive.olm', (file) => writeFile(file, buildZip(GOOD)), (file, options) => OlmStore.open(file, options)));

const pop3Skip = dovecotSkipReason() ?? (existsSync('/usr/lib/dovecot/pop3') ? undefined : 'dovecot-pop3d is not installed (apt-get install dovecot-pop3d)');
if (pop3Skip !== undefined) console.log(`# pop3 store conformance skipped: ${pop3Skip}`);

sourceStoreConformance('pop3', async () => {
	const server = await startDovecot({users: ['alice'], pop3: true, tls: true});
	const imap = new ImapFlow({host: server.host, port: server.port, secure: false, auth: {user: 'alice', pass: server.passwordOf('alice')}, logger: false, tls: {rejectUnauthorized: false}});
	await imap.connect();
	for (const subject of ['one', 'two', 'three']) await imap.append('INBOX', Buffer.from(sampleMessage(subject).replace(/\n/g, '\r\n')), ['\\Seen']);
	await imap.logout();
	return {
		fixture: {
			open: (options) => Pop3Store.open(`pop3://alice@127.0.0.1:${server.pop3Port}`, {...options, password: server.passwordOf('alice'), insecure: true, forceStls: true}),
			noCorruptReason: 'a POP3 maildrop is a server, not a file to damage (refused logins and dropped sessions: pop3-store.test.ts)',
		},
		cleanup: () => server.stop(),
	};
}, pop3Skip === undefined ? {} : {skip: pop3Skip});

