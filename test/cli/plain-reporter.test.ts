/**
 * PlainReporter: the progress lines and event lines written to stderr in non-TTY runs (STYLE rule 12).
 * A StatsStore with an injected clock makes rates and ETA exact; node:test's mock timers drive the interval.
 */
import assert from 'node:assert/strict';
import {describe, test} from 'node:test';

import {PlainReporter} from '../../src/cli/reporters/plain.js';
import type {EngineEvent} from '../../src/contracts/events.js';
import {StatsStore} from '../../src/engine/stats.js';
import type {SourceRef} from '../../src/contracts/types.js';

class Clock {
	now = 5_000_000;
	readonly read = (): number => this.now;
}

const ref = (folder: string, n: number): SourceRef => ({store: '/mail', folder, key: `${folder}-${n}`, location: `/mail/${folder}.mbox#${n}`});
const uploaded = (n: number, bytes = 1000): EngineEvent => ({type: 'message:uploaded', ref: ref('Inbox', n), mailbox: 'INBOX', bytes});
const failed = (n: number, message = 'NO Message contains bare newlines'): EngineEvent => ({type: 'message:failed', ref: ref('Inbox', n), code: 'MESSAGE_REJECTED', message});

function reporter(intervalMs = 5000): {lines: string[]; clock: Clock; plain: PlainReporter} {
	const lines: string[] = [];
	const clock = new Clock();
	const plain = new PlainReporter((line) => lines.push(line), intervalMs, new StatsStore(clock.read));
	return {lines, clock, plain};
}

describe('PlainReporter: the progress line', () => {
	test('Given 10 of 100 messages (10 000 bytes) in 10 s, when the progress line is built, then it shows count, percent, size, rates and ETA', () => {
		const {plain, clock} = reporter();
		plain.onEvent({type: 'run:start', folders: 1, messages: 100, bytes: 100_000, dryRun: false});
		for (let i = 0; i < 10; i++) plain.onEvent(uploaded(i));
		clock.now += 10_000;
		assert.equal(plain.progressLine(), '10/100 messages done (10%), 9.8 KiB, 1.0 msg/s, 0.00 MB/s, ETA 1m30s');
	});

	test('Given no known total, when the progress line is built, then it has no total, no percent and no ETA', () => {
		const {plain, clock} = reporter();
		plain.onEvent({type: 'run:start', folders: 1, dryRun: false});
		for (let i = 0; i < 3; i++) plain.onEvent(uploaded(i, 2_000_000));
		clock.now += 2000;
		assert.equal(plain.progressLine(), '3 messages done, 5.7 MiB, 1.5 msg/s, 3.00 MB/s');
	});

	test('Given a store that knows its size but not its message count (one mbox), when the progress line is built, then it shows bytes of the total, a percent and an ETA', () => {
		const {plain, clock} = reporter();
		plain.onEvent({type: 'run:start', folders: 1, bytes: 10_000_000, dryRun: false});
		for (let i = 0; i < 4; i++) plain.onEvent(uploaded(i, 1_000_000));
		clock.now += 4000;
		assert.equal(plain.progressLine(), '4 messages done, 3.8 MiB of ~9.5 MiB (40%), 1.0 msg/s, 1.00 MB/s, ETA 6s');
	});

	test('Given failures, when the progress line is built, then it ends with the number failed', () => {
		const {plain, clock} = reporter();
		plain.onEvent({type: 'run:start', folders: 1, messages: 4, dryRun: false});
		plain.onEvent(uploaded(1));
		plain.onEvent(failed(2));
		plain.onEvent(failed(3));
		clock.now += 1000;
		assert.match(plain.progressLine(), /^3\/4 messages done \(75%\), .*, 2 failed$/);
	});

	test('Given a dry run, when the progress line is built, then messages are "checked", not "done"', () => {
		const {plain} = reporter();
		plain.onEvent({type: 'run:start', folders: 1, messages: 1234, dryRun: true});
		assert.match(plain.progressLine(), /^0\/1,234 messages checked \(0%\), 0 B, 0\.0 msg\/s, 0\.00 MB\/s$/);
	});

	test('Given a total of zero messages, when the progress line is built, then there is no percent (no division by zero)', () => {
		const {plain} = reporter();
		plain.onEvent({type: 'run:start', folders: 0, messages: 0, dryRun: false});
		assert.equal(plain.progressLine(), '0/0 messages done, 0 B, 0.0 msg/s, 0.00 MB/s');
	});
});

describe('PlainReporter: event lines', () => {
	test('Given a failed message, when reported, then one line names its location and the reason', () => {
		const {plain, lines} = reporter();
		plain.onEvent(failed(7, 'The server refused the message: Message contains NUL characters'));
		assert.deepEqual(lines, ['failed: /mail/Inbox.mbox#7: The server refused the message: Message contains NUL characters']);
	});

	const warnings: ReadonlyArray<readonly [string, EngineEvent, string]> = [
		['with a location', {type: 'warning', folder: 'Inbox', location: '/mail/Inbox.mbox#3', message: 'bad date'}, 'warning: /mail/Inbox.mbox#3: bad date'],
		['with only a folder', {type: 'warning', folder: 'Fwd. 2019', message: 'renamed to Fwd_ 2019'}, 'warning: Fwd. 2019: renamed to Fwd_ 2019'],
		['with neither', {type: 'warning', message: 'the server refused more connections; continuing with 3'}, 'warning: the server refused more connections; continuing with 3'],
	];
	for (const [why, event, line] of warnings) {
		test(`Given a warning ${why}, when reported, then the line reads "${line}"`, () => {
			const {plain, lines} = reporter();
			plain.onEvent(event);
			assert.deepEqual(lines, [line]);
		});
	}

	const folders: ReadonlyArray<readonly [string, EngineEvent, string]> = [
		['an existing mailbox and a known count', {type: 'folder:start', folder: 'Inbox', mailbox: 'INBOX', total: 12_345, created: false}, 'Inbox → INBOX, 12,345 messages'],
		['a new mailbox', {type: 'folder:start', folder: 'Sent Items', mailbox: 'Sent', total: 3, created: true}, 'Sent Items → Sent (new folder), 3 messages'],
		['an unknown count', {type: 'folder:start', folder: 'Archive', mailbox: 'Archive', created: false}, 'Archive → Archive'],
		['an Outlook folder that holds no mail', {type: 'folder:start', folder: 'Calendar', mailbox: 'Calendar', total: 9, created: false, holdsNoMail: true},
			'Calendar: 9 items; not a mail folder in Outlook, so a mailbox is made only if one of them is mail'],
	];
	for (const [why, event, line] of folders) {
		test(`Given a folder start with ${why}, when reported, then the line reads "${line}"`, () => {
			const {plain, lines} = reporter();
			plain.onEvent(event);
			assert.deepEqual(lines, [line]);
		});
	}

	test('Given uploads, skips and connection changes, when reported, then they print nothing (only the progress line counts them)', () => {
		const {plain, lines} = reporter();
		plain.onEvent(uploaded(1));
		plain.onEvent({type: 'message:skipped', ref: ref('Inbox', 2), code: 'DUPLICATE', reason: 'already there'});
		plain.onEvent({type: 'connection', id: 1, state: 'up'});
		plain.onEvent({type: 'folder:done', folder: 'Inbox'});
		plain.onEvent({type: 'folder:excluded', folder: 'Junk'});
		assert.deepEqual(lines, []);
	});

	test('Given 60 failures, when reported and stopped, then 50 lines are printed, then one line counts the 10 not shown', () => {
		const {plain, lines} = reporter();
		for (let i = 1; i <= 60; i++) plain.onEvent(failed(i));
		assert.equal(lines.length, 50);
		assert.equal(lines[49], 'failed: /mail/Inbox.mbox#50: NO Message contains bare newlines');
		plain.stop();
		assert.equal(lines.length, 51);
		assert.equal(lines[50], '… 10 more failures/warnings not shown; see the summary and --report.');
	});

	test('Given failures and warnings mixed beyond the cap, when stopped, then both count towards the same cap', () => {
		const {plain, lines} = reporter();
		for (let i = 1; i <= 40; i++) plain.onEvent(failed(i));
		for (let i = 1; i <= 1500; i++) plain.onEvent({type: 'warning', location: `x#${i}`, message: 'w'});
		plain.stop();
		assert.equal(lines.length, 51);
		assert.equal(lines.at(-1), '… 1,490 more failures/warnings not shown; see the summary and --report.');
	});

	test('Given the cap was reached, when folder lines come later, then they are still printed (they are not capped)', () => {
		const {plain, lines} = reporter();
		for (let i = 1; i <= 55; i++) plain.onEvent(failed(i));
		plain.onEvent({type: 'folder:start', folder: 'Sent', mailbox: 'Sent', created: false});
		assert.equal(lines.at(-1), 'Sent → Sent');
	});

	test('Given exactly 50 failures, when stopped, then there is no "more" line', () => {
		const {plain, lines} = reporter();
		for (let i = 1; i <= 50; i++) plain.onEvent(failed(i));
		plain.stop();
		assert.equal(lines.length, 50);
	});

	test('Given the "more" line was printed, when stopped again, then it is not printed twice', () => {
		const {plain, lines} = reporter();
		for (let i = 1; i <= 52; i++) plain.onEvent(failed(i));
		plain.stop();
		plain.stop();
		assert.equal(lines.filter((l) => l.startsWith('…')).length, 1);
	});
});

describe('PlainReporter: the timer', () => {
	test('Given a started reporter, when the interval passes, then a progress line is written; during a stall the rate falls and the ETA grows', (t) => {
		t.mock.timers.enable({apis: ['setInterval']});
		const {plain, lines, clock} = reporter(5000);
		plain.onEvent({type: 'run:start', folders: 1, messages: 10, dryRun: false});
		plain.start();
		plain.onEvent(uploaded(1));
		clock.now += 5000;
		t.mock.timers.tick(5000);
		assert.deepEqual(lines, ['1/10 messages done (10%), 1000 B, 0.2 msg/s, 0.00 MB/s, ETA 45s']);
		clock.now += 5000;
		t.mock.timers.tick(5000);
		assert.equal(lines.length, 2, 'a stall is visible: the line changes');
		assert.match(lines[1] ?? '', /1\/10 messages done .* 0\.1 msg\/s/);
		plain.onEvent(uploaded(2));
		clock.now += 5000;
		t.mock.timers.tick(5000);
		assert.equal(lines.length, 3);
		plain.stop();
	});

	test('Given a started reporter, when stopped, then the interval is cleared and no more lines come', (t) => {
		t.mock.timers.enable({apis: ['setInterval']});
		const {plain, lines, clock} = reporter(1000);
		plain.start();
		plain.onEvent(uploaded(1));
		clock.now += 1000;
		t.mock.timers.tick(1000);
		assert.equal(lines.length, 1);
		plain.stop();
		for (let i = 2; i < 10; i++) {
			plain.onEvent(uploaded(i));
			clock.now += 1000;
			t.mock.timers.tick(1000);
		}
		assert.equal(lines.length, 1);
	});

	test('Given a reporter, when started and stopped, then every interval it set is cleared, and the timer does not hold the process open', (t) => {
		const handles: NodeJS.Timeout[] = [];
		const cleared: unknown[] = [];
		const realSet = globalThis.setInterval;
		const realClear = globalThis.clearInterval;
		t.mock.method(globalThis, 'setInterval', (...args: Parameters<typeof setInterval>) => {
			const handle = realSet(...args);
			handles.push(handle);
			return handle;
		});
		t.mock.method(globalThis, 'clearInterval', (handle: NodeJS.Timeout | undefined) => {
			cleared.push(handle);
			realClear(handle);
		});
		const {plain} = reporter(60_000);
		plain.start();
		assert.equal(handles.length, 1);
		assert.equal(handles[0]?.hasRef(), false, 'unref()ed');
		plain.stop();
		plain.stop();
		assert.deepEqual(cleared, handles);
	});

	test('Given --stats 0 (interval 0), when started, then no timer is set at all', (t) => {
		const set = t.mock.method(globalThis, 'setInterval');
		const {plain, lines} = reporter(0);
		plain.start();
		plain.onEvent(uploaded(1));
		plain.stop();
		assert.equal(set.mock.callCount(), 0);
		assert.deepEqual(lines, []);
	});

	test('Given a reporter that was never started, when stopped, then nothing happens', () => {
		const {plain, lines} = reporter();
		plain.stop();
		assert.deepEqual(lines, []);
	});
});
