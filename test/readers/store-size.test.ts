/**
 * storeSize (readers/store-size.ts): one size per store, the same in `mailshift discover`, the guided mode's
 * store details and the run summary (issue #16: file sizes in one place, message bytes in another).
 */
import assert from 'node:assert/strict';
import {Writable} from 'node:stream';
import {after, test} from 'node:test';

import {formatBytes} from '../../src/util/format.js';
import type {CliIo} from '../../src/app/migrate.js';
import {formatSummary} from '../../src/app/summary-text.js';
import {createWizardServices} from '../../src/app/create-wizard-services.js';
import {discoverStores} from '../../src/discovery/discover-stores.js';
import {openSource} from '../../src/readers/open-source.js';
import {bytesOnDisk, foldersBytes, storeSize} from '../../src/readers/store-size.js';
import {makeTree, sampleMessage} from '../helpers/make-maildir.js';
import type {TempTree} from '../helpers/make-maildir.js';
import {fromLine} from '../helpers/make-mbox.js';

const trees: TempTree[] = [];
after(async () => {
	for (const tree of trees) await tree.cleanup();
});

const PROFILES_INI = '[General]\nStartWithLastProfile=1\n\n[Profile0]\nName=default\nIsRelative=1\nPath=Profiles/abc.default\nDefault=1\n';
const INBOX = `${fromLine()}\n${sampleMessage('one')}\n${fromLine()}\n${sampleMessage('two')}\n`;
const SENT = `${fromLine()}\n${sampleMessage('three')}\n`;
/** Thunderbird's summary files sit beside the mbox files and are often larger than the mail itself. */
const MSF = 'x'.repeat(40_000);

async function home(): Promise<TempTree> {
	const tree = await makeTree({
		'.thunderbird/profiles.ini': PROFILES_INI,
		'.thunderbird/Profiles/abc.default/Mail/Local Folders/Inbox': INBOX,
		'.thunderbird/Profiles/abc.default/Mail/Local Folders/Inbox.msf': MSF,
		'.thunderbird/Profiles/abc.default/Mail/Local Folders/Sent': SENT,
		'.thunderbird/Profiles/abc.default/Mail/Local Folders/Sent.msf': MSF,
		'AppData/Local/Microsoft/Windows Live Mail/Inbox/one.eml': sampleMessage('one'),
		'AppData/Local/Microsoft/Windows Live Mail/Inbox/desktop.ini': 'y'.repeat(5_000),
		'AppData/Local/Microsoft/Windows Live Mail/Mail.MSMessageStore': 'z'.repeat(30_000),
	}, 'mailshift-size-');
	trees.push(tree);
	return tree;
}

test('discover, the guided mode and the summary show one size per store: the bytes of its mail files, not the indexes beside them', async () => {
	const tree = await home();
	const env = {HOME: tree.root};
	const stores = await discoverStores({home: tree.root, env: {}});
	const sink = new Writable({write: (_c, _e, done) => done()});
	const wizard = createWizardServices({stdout: sink, stderr: sink, stdin: process.stdin, env} as unknown as CliIo);
	const expected = new Map([
		['mbox', Buffer.byteLength(INBOX) + Buffer.byteLength(SENT)],
		['eml', Buffer.byteLength(sampleMessage('one'))],
	]);
	assert.deepEqual(stores.map((s) => s.kind).sort(), [...expected.keys()].sort());
	for (const found of stores) {
		const want = expected.get(found.kind);
		assert.equal(found.bytes, want, `discover: ${found.label}`);
		assert.equal((await wizard.inspect(found.path, new AbortController().signal)).bytes, want, `guided mode: ${found.label}`);
		const source = await openSource(found.path, undefined);
		try {
			const size = await storeSize(source);
			assert.equal(size, want, `storeSize: ${found.label}`);
			const summary = formatSummary({dryRun: false, folders: [], found: 0, uploaded: 0, skipped: 0, failed: 0, bytes: 0, elapsedMs: 0, interrupted: false, problems: [], problemsDropped: 0, skippedUnlisted: {}}, {dryRun: false}, undefined, size);
			assert.match(summary, new RegExp(`\\n {2}Store size ${formatBytes(want!).replace('.', '\\.')} \\(its mail files`), `summary: ${found.label}`);
		} finally {
			await source.close();
		}
	}
});

test('a store whose folders do not know their bytes (one file holding everything) measures as its bytes on disk', async () => {
	assert.equal(foldersBytes([{path: ['Inbox'], bytes: 10}, {path: ['Sent']}]), undefined);
	assert.equal(foldersBytes([]), undefined);
	assert.equal(foldersBytes([{path: ['Inbox'], bytes: 10}, {path: ['Sent'], bytes: 5}]), 15);
	const tree = await makeTree({'a/b.txt': '12345', 'c.txt': '123'}, 'mailshift-size-');
	trees.push(tree);
	assert.equal(await bytesOnDisk(tree.root), 8);
	assert.equal(await bytesOnDisk(tree.at('c.txt')), 3);
	assert.equal(await bytesOnDisk(tree.at('missing')), undefined);
});
