/** The parts runBackup wires (src/backup/backup-tally.ts): counts, problem routing and bounds, without a source or a disk. */
import assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import {BackupTally} from '../../src/backup/backup-tally.js';
import type {ProgressLine} from '../../src/backup/backup-state.js';
import type {BackupEvent} from '../../src/backup/backup-engine.js';

describe('BackupTally', () => {
	test('Given a reader problem of the folder being written, when it is reported, then it goes to that folder\'s progress and counts there and in the run', () => {
		const tally = new BackupTally('/out', 'maildir', 10);
		const folder = tally.startFolder('Inbox', 'Inbox');
		const recorded: ProgressLine[] = [];
		tally.current = {label: 'Inbox', record: (line) => recorded.push(line), summary: folder};
		tally.readerProblem({kind: 'failed', folder: 'Inbox', location: 'Inbox/1', code: 'MESSAGE_TRUNCATED', reason: 'cut short'});
		assert.deepEqual(recorded, [{t: 'f', folder: 'Inbox', key: '', location: 'Inbox/1', code: 'MESSAGE_TRUNCATED', reason: 'cut short'}]);
		assert.equal(folder.failed, 1);
		assert.equal(tally.summary.failed, 1);
		assert.deepEqual(tally.globalProblems, []);
	});

	test('Given a reader problem of another folder, when it is reported, then it is kept with the run\'s problems outside any folder', () => {
		const tally = new BackupTally('/out', 'maildir', 10);
		const folder = tally.startFolder('Inbox', 'Inbox');
		tally.current = {label: 'Inbox', record: () => assert.fail('not this folder\'s problem'), summary: folder};
		tally.readerProblem({kind: 'warning', folder: 'Sent', location: 'Sent', code: 'FILE_IGNORED', reason: 'odd'});
		assert.deepEqual(tally.globalProblems, [{t: 'w', folder: 'Sent', key: '', location: 'Sent', code: 'FILE_IGNORED', reason: 'odd'}]);
		assert.equal(tally.summary.warnings, 1);
		assert.equal(folder.failed, 0);
	});

	test('Given more problems than maxProblems, when they are noted, then the summary keeps the first ones and counts the rest', () => {
		const tally = new BackupTally('/out', 'eml', 2);
		for (let i = 0; i < 5; i++) tally.note({kind: 'warning', folder: 'F', location: `F/${i}`, key: String(i), code: 'W', reason: 'r'});
		assert.deepEqual(tally.summary.problems.map((p) => p.key), ['0', '1']);
		assert.equal(tally.summary.problemsDropped, 3);
	});

	test('Given a folder finished by an earlier run, when it is counted from its record, then all its messages count as reused in the folder and the run', () => {
		const tally = new BackupTally('/out', 'mbox', 10);
		tally.message(tally.startFolder('A', 'A'), 'A', 100, false);
		const folder = tally.startFolder('B', 'B');
		tally.finishedEarlier(folder, {name: ['B'], label: 'B', path: 'B', messages: 3, skipped: 1, failed: 2, bytes: 300}, 1);
		assert.deepEqual(folder, {label: 'B', path: 'B', messages: 3, written: 0, reused: 3, skipped: 1, exported: 1, failed: 2, bytes: 300});
		const {messages, written, reused, skipped, exported, failed, bytes} = tally.summary;
		assert.deepEqual({messages, written, reused, skipped, exported, failed, bytes}, {messages: 4, written: 1, reused: 3, skipped: 1, exported: 1, failed: 2, bytes: 400});
	});

	test('Given a display whose listener throws, when the tally reports a message, then the count still changes and nothing is thrown', () => {
		const seen: BackupEvent[] = [];
		const tally = new BackupTally('/out', 'maildir', 10, (event) => {
			seen.push(event);
			throw new Error('display bug');
		});
		const folder = tally.startFolder('A', 'A');
		tally.message(folder, 'A', 10, true);
		assert.deepEqual(seen, [{type: 'message', folder: 'A', bytes: 10, reused: true}]);
		assert.equal(folder.reused, 1);
		assert.equal(tally.summary.written, 0);
	});

	test('Given a folder that cannot be read, when it fails, then it is one failure and its earlier files are marked to be kept', () => {
		const tally = new BackupTally('/out', 'maildir', 10);
		const folder = tally.startFolder('A', 'A');
		tally.folderFailed(folder, {folder: 'A', key: '', location: 'A', code: 'SOURCE_FOLDER_UNREADABLE', reason: 'gone'});
		assert.equal(folder.failed, 1);
		assert.equal(tally.summary.failed, 1);
		assert.ok(tally.unreadable.has('A'));
		assert.equal(tally.summary.problems[0]?.kind, 'failed');
	});
});
