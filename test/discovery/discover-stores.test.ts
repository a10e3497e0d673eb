import assert from 'node:assert/strict';
import {Writable} from 'node:stream';
import {after, describe, test} from 'node:test';

import {describeStores} from '../../src/cli/run-discover.js';
import {createWizardServices} from '../../src/app/create-wizard-services.js';
import type {CliIo} from '../../src/app/migrate.js';
import {discoverStores, NOT_READABLE_YET} from '../../src/discovery/discover-stores.js';
import type {DiscoveredStore} from '../../src/discovery/discover-stores.js';
import {isSourceKind} from '../../src/readers/open-source.js';
import {maildirDirs, makeTree, sampleMessage} from '../helpers/make-maildir.js';
import type {TempTree} from '../helpers/make-maildir.js';
import {fromLine} from '../helpers/make-mbox.js';
import {runCli} from '../helpers/run-cli.js';
import {buildZip} from '../helpers/zip-builder.js';

const trees: TempTree[] = [];
after(async () => {
	for (const tree of trees) await tree.cleanup();
});

async function fakeHome(spec: Parameters<typeof makeTree>[0]): Promise<TempTree> {
	const tree = await makeTree(spec, 'mailshift-home-');
	trees.push(tree);
	return tree;
}

const MBOX = `${fromLine()}\n${sampleMessage('one')}\n${fromLine()}\n${sampleMessage('two')}\n`;
const PROFILES_INI = '[General]\nStartWithLastProfile=1\n\n[Profile0]\nName=default\nIsRelative=1\nPath=Profiles/abc123.default\nDefault=1\n';
const OLM = buildZip([
	{name: 'Local/com.microsoft.__Messages/Inbox/message_00000.xml', data: '<emails><email><OPFMessageCopySubject>hi</OPFMessageCopySubject><OPFMessageCopyBody>x</OPFMessageCopyBody></email></emails>'},
	{name: 'Local/Address Book/Contacts.xml', data: '<contacts><contact/></contacts>'},
]);

/** The listing without the temp root, for comparisons. */
function relative(stores: readonly DiscoveredStore[], root: string): Array<[string, string, boolean]> {
	return stores.map((s) => [s.kind, s.path.slice(root.length + 1), s.readable]);
}

describe('discoverStores', () => {
	test('Given a Windows-style home (LOCALAPPDATA, APPDATA), Outlook files, Thunderbird profiles, Windows Live Mail and Outlook Express identities are all listed', async () => {
		const home = await fakeHome({
			'AppData/Local/Microsoft/Outlook/ann@example.com.ost': 'not really an ost',
			'AppData/Local/Microsoft/Outlook/notes.txt': 'ignored',
			'Documents/Outlook Files/Archive.pst': '!BDN',
			'AppData/Roaming/Thunderbird/profiles.ini': PROFILES_INI,
			'AppData/Roaming/Thunderbird/Profiles/abc123.default/Mail/Local Folders/Inbox': MBOX,
			'AppData/Roaming/Thunderbird/Profiles/abc123.default/Mail/pop.example.com/Inbox': MBOX,
			'AppData/Local/Microsoft/Windows Live Mail/Inbox/one.eml': sampleMessage('one'),
			'AppData/Local/Identities/{1A2B3C4D-0000-1111-2222-333344445555}/Microsoft/Outlook Express/Folders.dbx': 'dbx',
			'AppData/Local/Identities/{1A2B3C4D-0000-1111-2222-333344445555}/Microsoft/Outlook Express/Inbox.dbx': 'dbx',
		});
		const env = {LOCALAPPDATA: home.at('AppData/Local'), APPDATA: home.at('AppData/Roaming')};
		const stores = await discoverStores({home: home.root, env});
		assert.deepEqual(relative(stores, home.root).map(([kind, path]) => [kind, path]), [
			['pst', 'AppData/Local/Microsoft/Outlook/ann@example.com.ost'],
			['pst', 'Documents/Outlook Files/Archive.pst'],
			['mbox', 'AppData/Roaming/Thunderbird/Profiles/abc123.default/Mail/Local Folders'],
			['mbox', 'AppData/Roaming/Thunderbird/Profiles/abc123.default/Mail/pop.example.com'],
			['eml', 'AppData/Local/Microsoft/Windows Live Mail'],
			['dbx', 'AppData/Local/Identities/{1A2B3C4D-0000-1111-2222-333344445555}/Microsoft/Outlook Express'],
		]);
		assert.deepEqual(stores.map((s) => s.label).slice(2, 4), ['Thunderbird abc123.default: Local Folders', 'Thunderbird abc123.default: pop.example.com (POP account)']);
		// Readable exactly when this build has a reader for the kind; the others are listed all the same.
		for (const store of stores) assert.equal(store.readable, isSourceKind(store.kind), store.kind);
		assert.ok(stores.every((s) => typeof s.bytes === 'number' && s.bytes > 0));
	});

	test('Given a Windows profile without LOCALAPPDATA/APPDATA set (copied to another system), its AppData stores are found all the same', async () => {
		const home = await fakeHome({
			'AppData/Local/Microsoft/Outlook/old.pst': '!BDN',
			'AppData/Local/Microsoft/Windows Live Mail/Inbox/one.eml': sampleMessage('one'),
			'AppData/Roaming/Thunderbird/profiles.ini': PROFILES_INI,
			'AppData/Roaming/Thunderbird/Profiles/abc123.default/Mail/Local Folders/Inbox': MBOX,
		});
		const stores = await discoverStores({home: home.root, env: {}});
		const kinds = relative(stores, home.root).map(([kind, path]) => `${kind} ${path}`);
		assert.ok(kinds.includes('pst AppData/Local/Microsoft/Outlook/old.pst'), kinds.join('\n'));
		assert.ok(kinds.includes('eml AppData/Local/Microsoft/Windows Live Mail'), kinds.join('\n'));
		assert.ok(kinds.includes('mbox AppData/Roaming/Thunderbird/Profiles/abc123.default/Mail/Local Folders'), kinds.join('\n'));
	});

	test('Given a macOS-style home, Apple Mail versions, Outlook for Mac exports and Thunderbird are listed', async () => {
		const home = await fakeHome({
			'Library/Mail/V10/MailData/Envelope Index': 'sqlite',
			'Library/Mail/V10/1234-ABCD/INBOX.mbox/Messages/1.emlx': '10\nSubject: x\n',
			'Library/Mail/V2/Mailboxes/x': 'old',
			'Library/Mail/Bundles/': null,
			'Documents/Outlook for Mac Archive.olm': OLM,
			'Downloads/old export.OLM': OLM,
			'Library/Thunderbird/profiles.ini': PROFILES_INI,
			'Library/Thunderbird/Profiles/abc123.default/Mail/Local Folders/Inbox': MBOX,
		});
		const stores = await discoverStores({home: home.root, env: {}});
		assert.deepEqual(relative(stores, home.root).map(([kind, path]) => [kind, path]), [
			['olm', 'Documents/Outlook for Mac Archive.olm'],
			['olm', 'Downloads/old export.OLM'],
			['mbox', 'Library/Thunderbird/Profiles/abc123.default/Mail/Local Folders'],
			['apple-mail', 'Library/Mail/V10'],
			['apple-mail', 'Library/Mail/V2'],
		]);
		assert.ok(stores.filter((s) => s.kind === 'olm').every((s) => s.readable));
	});

	test('Given a Linux home, Thunderbird, ~/Maildir, ~/mail and Evolution local folders are listed with folder and message counts', async () => {
		const home = await fakeHome({
			'.thunderbird/profiles.ini': PROFILES_INI,
			'.thunderbird/Profiles/abc123.default/Mail/Local Folders/Inbox': MBOX,
			...maildirDirs('Maildir'),
			'Maildir/cur/1.host:2,S': sampleMessage('a'),
			'Maildir/new/2.host': sampleMessage('b'),
			...maildirDirs('Maildir/.Work'),
			'Maildir/.Work/cur/3.host:2,': sampleMessage('c'),
			'mail/Saved': MBOX,
			...maildirDirs('.local/share/evolution/mail/local'),
			'.local/share/evolution/mail/local/cur/9.host:2,S': sampleMessage('e'),
			'Documents/Export.olm': OLM,
			'Documents/Broken.pst': 'not a pst at all',
		});
		const stores = await discoverStores({home: home.root, env: {}}, {count: true});
		const by = (path: string): DiscoveredStore | undefined => stores.find((s) => s.path === home.at(path));
		assert.deepEqual(relative(stores, home.root).map(([kind, path]) => [kind, path]), [
			['pst', 'Documents/Broken.pst'],
			['olm', 'Documents/Export.olm'],
			['mbox', '.thunderbird/Profiles/abc123.default/Mail/Local Folders'],
			['maildir', 'Maildir'],
			['mbox', 'mail'],
			['maildir', '.local/share/evolution/mail/local'],
		]);
		assert.deepEqual([by('Maildir')?.folders, by('Maildir')?.messages], [2, 3]);
		assert.deepEqual([by('mail')?.folders, by('mail')?.messages], [1, 2]);
		assert.deepEqual([by('.thunderbird/Profiles/abc123.default/Mail/Local Folders')?.folders, by('.thunderbird/Profiles/abc123.default/Mail/Local Folders')?.messages], [1, 2]);
		// Contacts are not counted as mail.
		assert.deepEqual([by('Documents/Export.olm')?.folders, by('Documents/Export.olm')?.messages], [1, 1]);
		const broken = by('Documents/Broken.pst');
		assert.equal(broken?.messages, undefined);
		assert.match(broken?.problem ?? '', /Broken\.pst/);
	});

	test('Given an empty home, nothing is found and nothing throws', async () => {
		const home = await fakeHome({'Documents/': null});
		assert.deepEqual(await discoverStores({home: home.root, env: {LOCALAPPDATA: home.at('nowhere')}}, {count: true}), []);
	});
});

describe('discover in the CLI and the wizard', () => {
	test('Given a kind this build cannot read, the table lists it and says so', () => {
		const text = describeStores([{kind: 'dbx', path: '/x/Outlook Express', label: 'Outlook Express identity {A}', readable: false, bytes: 2048}]);
		assert.match(text, /Found 1 mail store:\n {2}Outlook Express identity \{A\} {2}\(dbx, 2(\.0)? KiB\)\n {4}\/x\/Outlook Express\n {4}found; this version cannot read it yet\n/);
	});

	test('mailshift discover --json lists the stores of the home it is given, with counts', async () => {
		const home = await fakeHome({...maildirDirs('Maildir'), 'Maildir/cur/1.host:2,S': sampleMessage('a'), 'Documents/Export.olm': OLM});
		const result = await runCli(['discover', '--json'], {env: {HOME: home.root, LOCALAPPDATA: undefined, APPDATA: undefined}});
		assert.equal(result.code, 0, result.stderr);
		const json = JSON.parse(result.stdout) as {stores: DiscoveredStore[]};
		assert.deepEqual(json.stores.map((s) => [s.kind, s.path, s.readable, s.folders, s.messages]), [
			['olm', home.at('Documents/Export.olm'), true, 1, 1],
			['maildir', home.at('Maildir'), true, 1, 1],
		]);
		const plain = await runCli(['discover', '--no-count'], {env: {HOME: home.root, LOCALAPPDATA: undefined, APPDATA: undefined}});
		assert.equal(plain.code, 0, plain.stderr);
		assert.match(plain.stdout, /Found 2 mail stores:\n {2}Outlook for Mac archive Export\.olm {2}\(olm, /);
	});

	test('The wizard finds the same stores as discover, an unreadable kind with the note in its label', async () => {
		const home = await fakeHome({
			'Documents/Export.olm': OLM,
			'AppData/Local/Identities/{1A2B3C4D-0000-1111-2222-333344445555}/Microsoft/Outlook Express/Inbox.dbx': 'dbx',
		});
		const env = {HOME: home.root, LOCALAPPDATA: home.at('AppData/Local')};
		const sink = new Writable({write: (_c, _e, done) => done()});
		const io = {stdout: sink, stderr: sink, stdin: process.stdin, env} as unknown as CliIo;
		const found = await createWizardServices(io).discover();
		const listed = await discoverStores({home: home.root, env});
		assert.deepEqual(found.map((f) => f.path), listed.map((s) => s.path));
		const dbx = found.find((f) => f.kind === 'dbx');
		assert.ok(dbx);
		assert.equal(dbx.label.endsWith(NOT_READABLE_YET), !isSourceKind('dbx'));
	});
});
