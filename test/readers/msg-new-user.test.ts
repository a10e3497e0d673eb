/**
 * What a QA pass as a new user found with folders of Outlook .msg files (issue #16), each fixed:
 * - `mailshift discover` (and the guided mode) listed nothing for a folder of .msg files in ~/Documents;
 * - every .msg in a copied folder without a delivery time (drafts, saved messages) was dated "today": the
 *   file's time is when it was dragged out of Outlook or copied, not the message's;
 * - discover and the guided mode counted a folder's contacts and appointments as messages (11 where the run
 *   found 8): a folder holding .msg files has no cheap count, so it is counted by reading, mail only.
 */
import assert from 'node:assert/strict';
import {utimes} from 'node:fs/promises';
import {after, test} from 'node:test';

import {discoverStores} from '../../src/discovery/discover-stores.js';
import {parseHeaders} from '../../src/mapper/headers.js';
import {chooseReceivedDate} from '../../src/mapper/received-date.js';
import {EmlFolderStore} from '../../src/readers/eml/eml-folder-store.js';
import type {SourceMessage} from '../../src/contracts/types.js';
import {makeTree, sampleMessage} from '../helpers/make-maildir.js';
import type {TempTree} from '../helpers/make-maildir.js';
import {makeMsg} from '../helpers/make-msg.js';
import type {MsgValue} from '../helpers/make-msg.js';

const trees: TempTree[] = [];
after(async () => {
	for (const tree of trees) await tree.cleanup();
});

const text = (value: string): MsgValue => ({type: 'unicode', value});
const time = (iso: string): MsgValue => ({type: 'time', value: new Date(iso)});

function mailMsg(subject: string, times: ReadonlyArray<readonly [number, MsgValue]> = []): Buffer {
	return makeMsg(new Map<number, MsgValue>([[0x001a, text('IPM.Note')], [0x0037, text(subject)], [0x1000, text('Hello.')], ...times]));
}
const contactMsg = (): Buffer => makeMsg(new Map<number, MsgValue>([[0x001a, text('IPM.Contact')], [0x3001, text('Ada Lovelace')]]));

async function home(): Promise<TempTree> {
	const tree = await makeTree({
		'Documents/Outlook mail/Inbox/a.msg': mailMsg('a'),
		'Documents/Outlook mail/Inbox/b.msg': mailMsg('b'),
		'Documents/Outlook mail/Inbox/ada.msg': contactMsg(),
		'Documents/Outlook mail/Inbox/c.eml': sampleMessage('c'),
		'Documents/Outlook mail/Sent/d.msg': mailMsg('d'),
		'Desktop/Saved/Old/x.eml': sampleMessage('x'),
		'Documents/Letters/letter.txt': 'not mail',
		'Downloads/deep/a/b/c/far.eml': sampleMessage('far'),
	}, 'mailshift-msg-home-');
	trees.push(tree);
	return tree;
}

test('discover lists a folder of .msg files in Documents and one of .eml files on the Desktop, and counts their mail only', async () => {
	const tree = await home();
	const stores = await discoverStores({home: tree.root, env: {}}, {count: true});
	assert.deepEqual(stores.map((s) => [s.kind, s.path.slice(tree.root.length + 1), s.label, s.folders, s.messages]), [
		['eml', 'Documents/Outlook mail', 'Folder of .eml/.msg files Outlook mail', 2, 4],
		['eml', 'Desktop/Saved', 'Folder of .eml/.msg files Saved', 1, 1],
	]);
});

test('a folder holding .msg files gives no cheap count (a .msg may be a contact); one of only .eml files does', async () => {
	const tree = await home();
	const store = await EmlFolderStore.open(tree.at('Documents/Outlook mail'));
	const folders = await store.listFolders();
	assert.deepEqual(folders.map((f) => [f.path.join('/'), f.count]), [['Inbox', undefined], ['Sent', undefined]]);
	await store.close();
	const emlOnly = await EmlFolderStore.open(tree.at('Desktop/Saved'));
	assert.deepEqual((await emlOnly.listFolders()).map((f) => f.count), [1]);
	await emlOnly.close();
});

test('a copied .msg without a delivery time is dated by its own times, not by the copy; one without any time by its file time', async () => {
	const tree = await makeTree({
		'Drafts/draft.msg': mailMsg('draft', [[0x3008, time('2015-03-04T05:06:07Z')], [0x3007, time('2015-03-01T00:00:00Z')]]),
		'Drafts/sent.msg': mailMsg('sent', [[0x0039, time('2016-07-08T09:10:11Z')]]),
		'Drafts/timeless.msg': mailMsg('timeless'),
	}, 'mailshift-msg-dates-');
	trees.push(tree);
	const copiedAt = new Date();
	await utimes(tree.at('Drafts/timeless.msg'), new Date('2012-01-02T03:04:05Z'), new Date('2012-01-02T03:04:05Z'));
	const store = await EmlFolderStore.open(tree.root);
	const messages: SourceMessage[] = [];
	for (const folder of await store.listFolders()) for await (const message of store.messages(folder)) messages.push(message);
	await store.close();
	const dateOf = (key: string): [string, string] => {
		const message = messages.find((m) => m.ref.key === key)!;
		const chosen = chooseReceivedDate(message, parseHeaders(message.raw), copiedAt.getTime(), copiedAt);
		return [chosen.date.toISOString(), chosen.source];
	};
	assert.deepEqual(dateOf('Drafts/draft.msg'), ['2015-03-04T05:06:07.000Z', 'date-header']);
	assert.deepEqual(dateOf('Drafts/sent.msg'), ['2016-07-08T09:10:11.000Z', 'date-header']);
	assert.deepEqual(dateOf('Drafts/timeless.msg'), ['2012-01-02T03:04:05.000Z', 'file-mtime']);
});
