/**
 * What `runMigrate` hands the guided mode's finish screen (`MigrateOutcome.finish`): the same verdict as the
 * exit code — a warning that makes the CLI exit 5 is named there, so the finish screen cannot say Done.
 */
import assert from 'node:assert/strict';
import {mkdtemp, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {test} from 'node:test';
import {ExitCode} from '../../src/contracts/exit-codes.js';
import {EngineControls} from '../../src/contracts/controls.js';
import {StatsStore} from '../../src/engine/stats.js';
import {runMigrate} from '../../src/app/migrate.js';
import {resolveMigrateConfig} from '../../src/config/resolve.js';
import {captureIo} from '../helpers/run-main.js';

const FROM = 'From alice@example.org Mon Jan  1 10:00:00 2001';
const message = (subject: string): string => `From: alice@example.org\nSubject: ${subject}\nDate: Mon, 1 Jan 2001 10:00:00 +0000\nMessage-ID: <${subject}@example.org>\n\n${subject}.\n`;

test('Given an mbox whose message may hold several run together, the finish info names the warning, as exit code 5 does', async () => {
	const work = await mkdtemp(join(tmpdir(), 'ms-finish-'));
	try {
		const file = join(work, 'merged.mbox');
		await writeFile(file, `${FROM}\n${message('one')}From 1844674407370955161@xxx\n${message('two')}`);
		const {io} = captureIo({HOME: work});
		const outcome = await runMigrate(resolveMigrateConfig({source: file, dryRun: true, stats: 0, journalDir: work}, {HOME: work}), io);
		assert.equal(outcome.exitCode, ExitCode.SOME_FAILED);
		assert.equal(outcome.finish?.attention?.count, 1);
		assert.deepEqual(outcome.finish?.attention?.codes, ['MBOX_MERGE_SUSPECTED']);
		assert.match(outcome.finish?.attention?.first.reason ?? '', /several messages may have been run together/);
	} finally {
		await rm(work, {recursive: true, force: true});
	}
});

test('Given a clean mbox, the finish info has no warning to check', async () => {
	const work = await mkdtemp(join(tmpdir(), 'ms-finish-'));
	try {
		const file = join(work, 'clean.mbox');
		await writeFile(file, `${FROM}\n${message('one')}\n${FROM}\n${message('two')}`);
		const {io} = captureIo({HOME: work});
		const outcome = await runMigrate(resolveMigrateConfig({source: file, dryRun: true, stats: 0, journalDir: work}, {HOME: work}), io);
		assert.equal(outcome.exitCode, ExitCode.OK);
		assert.equal(outcome.finish?.attention, undefined);
	} finally {
		await rm(work, {recursive: true, force: true});
	}
});

test('Given a run stopped as it starts, the finish info carries what was not sent, for the finish screen to say', async () => {
	const work = await mkdtemp(join(tmpdir(), 'ms-finish-'));
	try {
		const file = join(work, 'two.mbox');
		await writeFile(file, `${FROM}\n${message('one')}\n${FROM}\n${message('two')}`);
		const {io} = captureIo({HOME: work});
		const controls = new EngineControls();
		controls.stop();
		const outcome = await runMigrate(resolveMigrateConfig({source: file, dryRun: true, stats: 0, journalDir: work}, {HOME: work}), io, {stats: new StatsStore(), controls});
		assert.equal(outcome.exitCode, ExitCode.INTERRUPTED);
		assert.equal(outcome.finish?.interrupted, true);
		assert.ok(outcome.finish?.notSent, `notSent is passed on: ${JSON.stringify(outcome.finish)}`);
	} finally {
		await rm(work, {recursive: true, force: true});
	}
});
