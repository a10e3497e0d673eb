/**
 * The engine maps a message (CRLF copy, header parse, fingerprint) only when it will be sent or looked for on
 * the server: a resumed run over a large store must not re-read every message it already uploaded (issue #13).
 * And a message's flags are filtered once, for the mailbox it goes to.
 */
import assert from 'node:assert/strict';
import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {test} from 'node:test';
import {EngineControls} from '../../src/contracts/controls.js';
import type {SourceFolder, SourceStore} from '../../src/contracts/source-store.js';
import type {SourceMessage} from '../../src/contracts/types.js';
import {runMigration} from '../../src/engine/run-migration.js';
import type {EngineOptions} from '../../src/engine/run-migration.js';
import {SqliteJournal} from '../../src/journal/sqlite-journal.js';
import {mapMessage} from '../../src/mapper/map-message.js';
import {MemorySink} from '../../src/uploader/memory-sink.js';

const OPTIONS: EngineOptions = {dryRun: false, includeTrashed: false, connections: 2, folderMap: {}, fallbackDate: new Date(Date.UTC(2020, 0, 1))};

/** A message whose bytes count how often they are read. */
function counted(i: number, reads: {count: number}): SourceMessage {
	const raw = Buffer.from(`Message-ID: <m${i}@t>\nReceived: x; Mon, 2 Mar 2009 08:00:00 +0000\n\nbody ${i}\n`);
	return {
		ref: {store: '/s', folder: 'Inbox', key: `k${i}`, location: `/s/Inbox/${i}`},
		get raw() {
			reads.count++;
			return raw;
		},
		flags: new Set(['\\Seen']),
	};
}

function store(messages: () => SourceMessage[]): SourceStore {
	return {
		kind: 'maildir', location: '/s',
		listFolders: async (): Promise<SourceFolder[]> => [{path: ['Inbox'], count: 3}],
		async *messages() {
			yield* messages();
		},
		close: async () => {},
	};
}

test('messages the journal has as uploaded are skipped without reading their bytes', async () => {
	const dir = await mkdtemp(join(tmpdir(), 'mailshift-maponly-'));
	try {
		// Given a first run that uploaded three messages.
		const path = join(dir, 'j.sqlite');
		const first = SqliteJournal.open({path, isNew: true, run: {configHash: 'h', configDescription: 'test'}});
		const sink = new MemorySink();
		const firstReads = {count: 0};
		await runMigration(OPTIONS, {source: store(() => [0, 1, 2].map((i) => counted(i, firstReads))), sink, journal: first, events: {emit: () => {}}}, new EngineControls());
		first.close();
		assert.ok(firstReads.count > 0, 'the first run read the messages it sent');
		// When the same store is migrated again with that journal.
		const again = SqliteJournal.open({path, run: {configHash: 'h', configDescription: 'test'}});
		const reads = {count: 0};
		const {summary} = await runMigration(OPTIONS, {source: store(() => [0, 1, 2].map((i) => counted(i, reads))), sink, journal: again, events: {emit: () => {}}}, new EngineControls());
		again.close();
		// Then every message is skipped as uploaded, and none of their bytes was read (no CRLF copy, no header parse).
		assert.deepEqual([summary.found, summary.skipped, summary.uploaded], [3, 3, 0]);
		assert.equal(reads.count, 0);
	} finally {
		await rm(dir, {recursive: true, force: true});
	}
});

test('flags the mailbox cannot keep are dropped by the mapper with the invalid ones, in one list', () => {
	const message: SourceMessage = {ref: {store: '/s', folder: 'Inbox', key: 'k', location: '/s/k'}, raw: Buffer.from('Subject: x\n\nbody\n'), flags: new Set(['\\Seen', '$Label1', 'bad flag', '\\Flagged'])};
	const mapped = mapMessage(message, 'INBOX', {includeTrashed: false, now: Date.now(), fallbackDate: new Date(0), mailbox: {permanent: new Set(['\\Seen', '\\Flagged'])}});
	assert.ok(!('skip' in mapped));
	assert.deepEqual([...mapped.job.flags].sort(), ['\\Flagged', '\\Seen']);
	assert.deepEqual([...mapped.droppedFlags].sort(), ['$Label1', 'bad flag']);
});

test('a mailbox that sent no PERMANENTFLAGS keeps only system flags; without a mailbox every valid flag is kept', () => {
	const message: SourceMessage = {ref: {store: '/s', folder: 'Inbox', key: 'k', location: '/s/k'}, raw: Buffer.from('Subject: x\n\nbody\n'), flags: new Set(['\\Seen', '$Label1'])};
	const forServer = mapMessage(message, 'INBOX', {includeTrashed: false, now: Date.now(), fallbackDate: new Date(0), mailbox: {permanent: undefined}});
	const forPlan = mapMessage(message, 'INBOX', {includeTrashed: false, now: Date.now(), fallbackDate: new Date(0)});
	assert.ok(!('skip' in forServer) && !('skip' in forPlan));
	assert.deepEqual(forServer.job.flags, ['\\Seen']);
	assert.deepEqual([...forPlan.job.flags].sort(), ['$Label1', '\\Seen']);
});
