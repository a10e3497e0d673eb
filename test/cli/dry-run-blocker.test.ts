/** findDryRunBlocker: what a dry run found that the real run would stop or fail on, and its exit code. Pure. */
import assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import {exitCodeFor} from '../../src/contracts/exit-codes.js';
import {describeResume, dryRunExitCode, findDryRunBlocker} from '../../src/app/migrate.js';
import type {Problem, Summary} from '../../src/contracts/types.js';

function summaryOf(bytes: number, problems: Problem[] = []): Summary {
	return {dryRun: true, folders: [], found: 3, uploaded: 3, skipped: 0, failed: 0, bytes, elapsedMs: 10, interrupted: false, problems, problemsDropped: 0, skippedUnlisted: {}};
}
const tooBig = (n: number): Problem => ({folder: 'Inbox', location: `/m/Inbox#${n}`, key: `k${n}`, kind: 'skipped', code: 'TOO_BIG', reason: 'would be refused: 600000 bytes is over the server\'s APPENDLIMIT of 524288'});

describe('findDryRunBlocker', () => {
	test('mail larger than the free quota is an OVER_QUOTA blocker that exits 7, with what is needed and what is free', () => {
		const blocker = findDryRunBlocker(summaryOf(3 * 1024 * 1024), {usedBytes: 512 * 1024, limitBytes: 1024 * 1024});
		assert.equal(blocker?.code, 'OVER_QUOTA');
		assert.equal(exitCodeFor(blocker.code), 7);
		assert.match(blocker.message, /it needs 3\.0 MiB, 512 KiB is free \(2\.5 MiB short\)/);
	});

	test('messages over APPENDLIMIT are a TOO_BIG blocker that exits 5, counted with the right noun', () => {
		const one = findDryRunBlocker(summaryOf(1000, [tooBig(1)]), undefined);
		assert.equal(one?.code, 'TOO_BIG');
		assert.equal(exitCodeFor(one.code), 5);
		assert.match(one.message, /1 message is over the server's APPENDLIMIT; the real run would fail it\./);
		assert.match(findDryRunBlocker(summaryOf(1000, [tooBig(1), tooBig(2)]), undefined)?.message ?? '', /2 messages are over/);
	});

	test('a folder the dry run could not read is a SOURCE_UNREADABLE blocker that exits 5, as the real run whose verify says NOT OK', () => {
		const unreadable: Problem = {folder: 'Work', location: '/m/.Work', key: '', kind: 'warning', code: 'SOURCE_UNREADABLE', reason: 'Cannot list folder "Work": permission denied'};
		const blocker = findDryRunBlocker(summaryOf(1000, [unreadable]), undefined);
		assert.equal(blocker?.code, 'SOURCE_UNREADABLE');
		assert.equal(dryRunExitCode(blocker), 5);
		assert.match(blocker.message, /Dry run: 1 file or folder could not be read \(first: \/m\/\.Work: Cannot list folder "Work": permission denied\); the real run would leave it behind/);
	});

	test('the dry run exits with the code the real run would: 7 for the quota, 5 for messages over APPENDLIMIT', () => {
		assert.equal(dryRunExitCode(findDryRunBlocker(summaryOf(3000), {usedBytes: 0, limitBytes: 1000})!), 7);
		assert.equal(dryRunExitCode(findDryRunBlocker(summaryOf(1000, [tooBig(1)]), undefined)!), 5);
	});

	test('mail that fits, on a server with or without a quota, is no blocker', () => {
		assert.equal(findDryRunBlocker(summaryOf(1000), {usedBytes: 0, limitBytes: 1000}), undefined);
		assert.equal(findDryRunBlocker(summaryOf(10 ** 12), undefined), undefined);
	});
});

describe('describeResume', () => {
	test('pending journal rows are "not confirmed yet", looked for on the server first and then sent, never "to check on the server"', () => {
		const line = describeResume('/j.sqlite', {done: 12, pending: 1169, failed: 2});
		assert.equal(line, 'Resuming: the journal /j.sqlite has 12 messages done, 1,169 not confirmed yet: looked for on the server first, then sent, 2 failed before (tried again).');
		assert.doesNotMatch(line, /to check on the server/);
		assert.equal(describeResume('/j.sqlite', {done: 1, pending: 0, failed: 0}), 'Resuming: the journal /j.sqlite has 1 message done.');
	});
});
