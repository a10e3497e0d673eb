/**
 * A cut `.olm` (issue #16): a ZIP cut short loses its directory first (it is at the end), so the archive used to
 * be refused whole. Now every entry whose local header and data are whole is read (zip-reader.ts walks the local
 * headers), a message whose attachment was cut off is not uploaded but named, and the store reports the
 * shortfall (`incompleteness()`), which makes a run fail with SOURCE_INCOMPLETE (exit 9) like a cut PST.
 * Cut at every third byte of generated archives (with and without data descriptors), and of the corpus sample.
 */
import assert from 'node:assert/strict';
import {existsSync, readFileSync} from 'node:fs';
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join, resolve} from 'node:path';
import {after, before, test} from 'node:test';
import {fileURLToPath} from 'node:url';

import {isMailshiftError} from '../../../src/contracts/errors.js';
import type {SourceMessage} from '../../../src/contracts/types.js';
import {OlmStore} from '../../../src/readers/olm/olm-store.js';
import type {ReaderProblem} from '../../../src/contracts/source-store.js';
import {GOOD, INBOX} from '../../helpers/make-olm.js';
import {runCli} from '../../helpers/run-cli.js';
import {buildZip} from '../../helpers/zip-builder.js';

const CORPUS = resolve(fileURLToPath(new URL('../../../../shared/corpus/olm/aspose__SampleOLM.olm', import.meta.url)));
const corpusSkip = existsSync(CORPUS) ? undefined : `${CORPUS} is not present`;
if (corpusSkip !== undefined) console.log(`# skipping the cut corpus .olm: ${corpusSkip}`);

let dir: string;
before(async () => {
	dir = await mkdtemp(join(tmpdir(), 'mailshift-olm-cut-'));
});
after(async () => {
	await rm(dir, {recursive: true, force: true});
});

type Read = {messages: Map<string, SourceMessage>; problems: ReaderProblem[]; incompleteness: string | undefined};

async function readArchive(path: string): Promise<Read> {
	const problems: ReaderProblem[] = [];
	const store = await OlmStore.open(path, {onProblem: (p) => problems.push(p)});
	try {
		const messages = new Map<string, SourceMessage>();
		for (const folder of await store.listFolders()) for await (const message of store.messages(folder)) messages.set(message.ref.key, message);
		return {messages, problems, incompleteness: store.incompleteness()};
	} finally {
		await store.close();
	}
}

/** Where each entry of a whole archive ends (its next local header, or the central directory for the last). */
function entryEnds(zip: Buffer): Map<string, number> {
	const starts: Array<[string, number]> = [];
	for (let at = zip.indexOf('PK\x03\x04', 0, 'latin1'); at >= 0; at = zip.indexOf('PK\x03\x04', at + 4, 'latin1')) {
		starts.push([zip.toString('utf8', at + 30, at + 30 + zip.readUInt16LE(at + 26)), at]);
	}
	const directory = zip.indexOf('PK\x01\x02', 0, 'latin1');
	return new Map(starts.map(([name], i) => [name, starts[i + 1]?.[1] ?? directory]));
}

/** The entries each item needs whole (GOOD, make-olm.ts): a message's XML and its attachment files. */
const NEEDS: ReadonlyMap<string, readonly string[]> = new Map([
	[`${INBOX}/message_00000.xml`, [`${INBOX}/message_00000.xml`, `${INBOX}/com.microsoft.__Attachments/one_0000`, `${INBOX}/com.microsoft.__Attachments/one_0001`]],
	[`${INBOX}/message_00001.xml`, [`${INBOX}/message_00001.xml`]],
	[`${INBOX}/Projects/message_00000.xml`, [`${INBOX}/Projects/message_00000.xml`]],
	['Local/Address Book/Contacts.xml#1', ['Local/Address Book/Contacts.xml']],
	['Local/Address Book/Contacts.xml#2', ['Local/Address Book/Contacts.xml']],
]);

for (const dataDescriptor of [false, true]) {
	test(`an .olm cut at any byte${dataDescriptor ? ' (entries with data descriptors)' : ''} yields exactly the items whose files are whole, byte-identical, names a message whose attachment was cut off, and reports the shortfall`, async () => {
		const whole = buildZip(GOOD, {dataDescriptor});
		const cutPath = join(dir, `cut-${dataDescriptor}.olm`);
		await writeFile(cutPath, whole);
		const full = await readArchive(cutPath);
		assert.deepEqual([...full.messages.keys()].sort(), [...NEEDS.keys()].sort());
		assert.equal(full.incompleteness, undefined);
		const ends = entryEnds(whole);
		const directoryStart = whole.indexOf('PK\x01\x02', 0, 'latin1');
		for (let length = 0; length < whole.length; length += 3) {
			await writeFile(cutPath, whole.subarray(0, length));
			let read: Read;
			try {
				read = await readArchive(cutPath);
			} catch (error) {
				// Only a file too short to hold one whole local header is not an archive at all.
				assert.ok(isMailshiftError(error) && error.code === 'SOURCE_UNREADABLE' && error.message.includes(cutPath), `cut at ${length}: ${String(error)}`);
				assert.ok(length < 39, `cut at ${length} was refused whole`);
				continue;
			}
			const isWhole = (name: string): boolean => (ends.get(name) ?? Infinity) <= length;
			const expected = [...NEEDS].filter(([, needs]) => needs.every(isWhole)).map(([key]) => key).sort();
			assert.deepEqual([...read.messages.keys()].sort(), expected, `cut at ${length}`);
			for (const [key, message] of read.messages) assert.ok(message.raw.equals(full.messages.get(key)!.raw), `cut at ${length}: ${key} differs`);
			const attachmentCut = isWhole(`${INBOX}/message_00000.xml`) && !expected.includes(`${INBOX}/message_00000.xml`);
			assert.equal(read.problems.some((p) => p.code === 'MESSAGE_TRUNCATED' && p.kind === 'failed' && p.location.endsWith('message_00000.xml') && p.folder === 'Inbox'), attachmentCut, `cut at ${length}`);
			// A cut exactly between two entries looks like one with more to come; from the directory's signature on, the walk knows it saw all.
			if (length >= directoryStart + 4) {
				// Only the directory is cut: every item is there; said once as a warning, nothing is incomplete.
				assert.equal(read.incompleteness, undefined, `cut at ${length}`);
				assert.equal(read.problems.filter((p) => p.code === 'STORE_INCONSISTENT').length, 1, `cut at ${length}`);
			} else {
				assert.match(read.incompleteness ?? '', new RegExp(`^read ${read.messages.size} items from the \\d+ files that are whole; the archive is cut short at byte ${length}, .*how many more items it held is unknown$`), `cut at ${length}`);
			}
		}
	});
}

test('mailshift backup of a cut .olm saves what is whole and exits 9 with the shortfall, the manifest saying incomplete', async () => {
	const whole = buildZip(GOOD);
	const cutAt = (entryEnds(whole).get(`${INBOX}/message_00001.xml`) ?? 0) + 10;
	const path = join(dir, 'Archive.olm');
	await writeFile(path, whole.subarray(0, cutAt));
	const out = join(dir, 'backup');
	const result = await runCli(['backup', path, '--out', out]);
	assert.equal(result.code, 9, `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`);
	assert.match(result.stderr + result.stdout, /Archive\.olm/);
	assert.match(result.stderr + result.stdout, /cut short at byte \d+/);
	const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as {incomplete?: string; messages: unknown[]};
	assert.equal(manifest.messages.length, 2, 'the two Inbox messages and their attachments are whole; Projects/message_00000 is cut off');
	assert.match(manifest.incomplete ?? '', /^read 2 items from the \d+ files that are whole; the archive is cut short at byte /);
});

test('the corpus .olm cut at several points reads every whole message byte-identical and reports the rest as missing', {skip: corpusSkip}, async () => {
	const whole = readFileSync(CORPUS);
	// Read from the same path as the cut copies: composed messages' MIME boundaries are seeded by it.
	const cutPath = join(dir, 'corpus-cut.olm');
	await writeFile(cutPath, whole);
	const full = await readArchive(cutPath);
	let previous = -1;
	const directoryStart = whole.indexOf('PK\x01\x02', 0, 'latin1'); // its entries are stored XML and attachments: no such bytes inside
	for (const fraction of [0.1, 0.35, 0.6, 0.9]) {
		const length = Math.floor(whole.length * fraction);
		await writeFile(cutPath, whole.subarray(0, length));
		const read = await readArchive(cutPath);
		assert.ok(read.messages.size >= previous, 'a longer piece never yields less');
		previous = read.messages.size;
		for (const [key, message] of read.messages) assert.ok(message.raw.equals(full.messages.get(key)?.raw ?? Buffer.alloc(0)), `${fraction}: ${key}`);
		assert.match(read.incompleteness ?? '', /cut short at byte/);
	}
	assert.ok(previous > 0 && previous < full.messages.size);
	// Cut inside the directory (the last 1% of this archive): every message is there, nothing is incomplete.
	assert.ok(Math.floor(whole.length * 0.999) > directoryStart);
	await writeFile(cutPath, whole.subarray(0, Math.floor(whole.length * 0.999)));
	const nearlyWhole = await readArchive(cutPath);
	assert.equal(nearlyWhole.incompleteness, undefined);
	assert.deepEqual([...nearlyWhole.messages.keys()], [...full.messages.keys()]);
	assert.ok(nearlyWhole.problems.some((p) => p.code === 'STORE_INCONSISTENT'));
});
