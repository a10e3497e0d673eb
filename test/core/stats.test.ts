/**
 * StatsStore: engine events → a cached snapshot (counts, per-folder counts, rates, ETA). The clock is
 * injected, so rates and ETA are exact.
 */
import assert from 'node:assert/strict';
import {describe, test} from 'node:test';

import type {EngineEvent} from '../../src/contracts/events.js';
import {StatsStore} from '../../src/engine/stats.js';
import type {SourceRef} from '../../src/contracts/types.js';

class Clock {
	now = 1_000_000;
	readonly read = (): number => this.now;
	advance(ms: number): void {
		this.now += ms;
	}
}

const ref = (folder: string, n: number): SourceRef => ({store: '/mail', folder, key: `${folder}-${n}`, location: `/mail/${folder}#${n}`});
const uploaded = (folder: string, n: number, bytes = 1000): EngineEvent => ({type: 'message:uploaded', ref: ref(folder, n), mailbox: folder, bytes});
const skipped = (folder: string, n: number): EngineEvent => ({type: 'message:skipped', ref: ref(folder, n), code: 'DUPLICATE', reason: 'already on the server'});
const failed = (folder: string, n: number): EngineEvent => ({type: 'message:failed', ref: ref(folder, n), code: 'MESSAGE_REJECTED', message: 'NO Message contains bare newlines'});

function store(clock = new Clock()): {stats: StatsStore; clock: Clock} {
	return {stats: new StatsStore(clock.read), clock};
}

describe('StatsStore: counts', () => {
	test('Given no events, when a snapshot is taken, then everything is zero and nothing is known', () => {
		const {stats, clock} = store();
		const s = stats.snapshot();
		assert.equal(s.startedAt, clock.now);
		assert.deepEqual(
			{done: s.done, uploaded: s.uploaded, skipped: s.skipped, failed: s.failed, bytes: s.bytes, connections: s.connections, dryRun: s.dryRun},
			{done: 0, uploaded: 0, skipped: 0, failed: 0, bytes: 0, connections: 0, dryRun: false},
		);
		assert.equal(s.totalMessages, undefined);
		assert.equal(s.totalBytes, undefined);
		assert.equal(s.etaSeconds, undefined);
		assert.equal(s.currentFolder, undefined);
		assert.deepEqual(s.folders, []);
		assert.equal(s.messagesPerSecond, 0);
	});

	test('Given uploads, skips and failures in two folders, when a snapshot is taken, then totals and per-folder counts add up', () => {
		const {stats} = store();
		const events: EngineEvent[] = [
			{type: 'run:start', folders: 2, messages: 6, bytes: 6000, dryRun: false},
			{type: 'folder:start', folder: 'Inbox', mailbox: 'INBOX', total: 4, created: false},
			uploaded('Inbox', 1, 1200), uploaded('Inbox', 2, 800), skipped('Inbox', 3), failed('Inbox', 4),
			{type: 'folder:done', folder: 'Inbox'},
			{type: 'folder:start', folder: 'Sent Items', mailbox: 'Sent', created: true},
			uploaded('Sent Items', 1, 500), failed('Sent Items', 2),
		];
		for (const event of events) stats.apply(event);
		const s = stats.snapshot();

		assert.deepEqual(
			{done: s.done, uploaded: s.uploaded, skipped: s.skipped, failed: s.failed, bytes: s.bytes, totalMessages: s.totalMessages, totalBytes: s.totalBytes},
			{done: 6, uploaded: 3, skipped: 1, failed: 2, bytes: 2500, totalMessages: 6, totalBytes: 6000},
		);
		assert.equal(s.currentFolder, 'Sent Items');
		assert.deepEqual(s.folders, [
			{folder: 'Inbox', mailbox: 'INBOX', total: 4, done: 4, uploaded: 2, skipped: 1, failed: 1, state: 'done'},
			{folder: 'Sent Items', mailbox: 'Sent', done: 2, uploaded: 1, skipped: 0, failed: 1, state: 'running'},
		]);
	});

	test('Given a message event for a folder that was never started, when applied, then the totals count it and no folder appears', () => {
		const {stats} = store();
		stats.apply(uploaded('Ghost', 1, 10));
		const s = stats.snapshot();
		assert.equal(s.uploaded, 1);
		assert.equal(s.bytes, 10);
		assert.deepEqual(s.folders, []);
	});

	test('Given a dry run, when it starts, then the snapshot says so', () => {
		const {stats} = store();
		stats.apply({type: 'run:start', folders: 1, dryRun: true});
		assert.equal(stats.snapshot().dryRun, true);
	});

	test('Given connections going up and down, when a snapshot is taken, then it counts the distinct open ones', () => {
		const {stats} = store();
		const events: EngineEvent[] = [
			{type: 'connection', id: 1, state: 'up'}, {type: 'connection', id: 2, state: 'up'}, {type: 'connection', id: 2, state: 'up'},
			{type: 'connection', id: 3, state: 'up'}, {type: 'connection', id: 1, state: 'down'}, {type: 'connection', id: 9, state: 'down'},
		];
		for (const event of events) stats.apply(event);
		assert.equal(stats.snapshot().connections, 2);
	});

	test('Given a snapshot, when the caller mutates its folder list, then the store is not affected', () => {
		const {stats} = store();
		stats.apply({type: 'folder:start', folder: 'Inbox', mailbox: 'INBOX', created: false});
		const before = stats.snapshot();
		(before.folders[0] as {done: number}).done = 99;
		stats.apply(uploaded('Inbox', 1));
		assert.equal(stats.snapshot().folders[0]?.done, 1);
	});
});

describe('StatsStore: snapshot identity (useSyncExternalStore contract)', () => {
	test('Given no new event, when snapshot is called again (even later), then the very same object comes back', () => {
		const {stats, clock} = store();
		stats.apply(uploaded('Inbox', 1));
		const first = stats.snapshot();
		clock.advance(10_000);
		assert.equal(stats.snapshot(), first);
		assert.equal(stats.snapshot(), first);
	});

	const changing: ReadonlyArray<readonly [string, EngineEvent]> = [
		['run:start', {type: 'run:start', folders: 1, dryRun: false}],
		['folder:start', {type: 'folder:start', folder: 'Inbox', mailbox: 'INBOX', created: false}],
		['message:uploaded', uploaded('Inbox', 1)],
		['message:skipped', skipped('Inbox', 2)],
		['message:failed', failed('Inbox', 3)],
		['folder:done', {type: 'folder:done', folder: 'Inbox'}],
		['connection', {type: 'connection', id: 1, state: 'up'}],
	];
	for (const [name, event] of changing) {
		test(`Given a snapshot, when a ${name} event arrives, then the next snapshot is a new object`, () => {
			const {stats} = store();
			const first = stats.snapshot();
			stats.apply(event);
			assert.notEqual(stats.snapshot(), first);
		});
	}

	const neutral: ReadonlyArray<readonly [string, EngineEvent]> = [
		['folder:excluded', {type: 'folder:excluded', folder: 'Junk'}],
	];
	test('Given a snapshot, when a warning arrives, then it is in the bounded log of the next snapshot', () => {
		const {stats} = store();
		const first = stats.snapshot();
		stats.apply({type: 'warning', message: 'something odd'});
		const next = stats.snapshot();
		assert.notEqual(next, first);
		assert.equal(next.log.at(-1)?.text, 'something odd');
		assert.equal(next.log.at(-1)?.level, 'warn');
		for (let i = 0; i < 250; i++) stats.apply({type: 'warning', message: `w${i}`});
		assert.equal(stats.snapshot().log.length, 200);
		assert.equal(stats.snapshot().logDropped, 51);
	});

	for (const [name, event] of neutral) {
		test(`Given a snapshot, when a ${name} event arrives (it changes no number), then the same object comes back`, () => {
			const {stats} = store();
			const first = stats.snapshot();
			stats.apply(event);
			assert.equal(stats.snapshot(), first);
		});
	}
});

describe('StatsStore: rates and ETA', () => {
	test('Given 10 messages of 1000 bytes in the first 10 s of 100, when a snapshot is taken, then 1 msg/s, 1000 B/s and 90 s left', () => {
		const {stats, clock} = store();
		stats.apply({type: 'run:start', folders: 1, messages: 100, bytes: 100_000, dryRun: false});
		for (let i = 0; i < 10; i++) stats.apply(uploaded('Inbox', i, 1000));
		clock.advance(10_000);
		const s = stats.snapshot();
		assert.equal(s.messagesPerSecond, 1);
		assert.equal(s.bytesPerSecond, 1000);
		assert.equal(s.etaSeconds, 90);
	});

	test('Given a run shorter than the 30 s window, when the rate changed, then the rate is averaged since the start and the ETA follows it', () => {
		const {stats, clock} = store();
		stats.apply({type: 'run:start', folders: 1, messages: 100, dryRun: false});
		for (let i = 0; i < 10; i++) stats.apply(uploaded('Inbox', i));
		clock.advance(10_000);
		stats.snapshot();
		for (let i = 10; i < 50; i++) stats.apply(uploaded('Inbox', i));
		clock.advance(10_000);
		const s = stats.snapshot();
		assert.equal(s.messagesPerSecond, 2.5);
		assert.equal(s.etaSeconds, 20);
	});

	test('Given snapshots over more than 30 s, when the rate is computed, then samples older than the 30 s window are dropped', () => {
		const {stats, clock} = store();
		stats.apply({type: 'run:start', folders: 1, messages: 1000, dryRun: false});
		// 100 messages in the first 5 s (fast), then 5 per 5 s (slow) for 60 s.
		for (let i = 0; i < 100; i++) stats.apply(uploaded('Inbox', i));
		clock.advance(5000);
		stats.snapshot();
		let n = 100;
		for (let step = 0; step < 12; step++) {
			for (let i = 0; i < 5; i++) stats.apply(uploaded('Inbox', n++));
			clock.advance(5000);
			stats.snapshot();
		}
		stats.apply(uploaded('Inbox', n++));
		const s = stats.snapshot();
		// The window now starts at most 30 s back: only slow samples are in it (about 1 msg/s), not the fast start.
		assert.ok(s.messagesPerSecond > 0.9 && s.messagesPerSecond < 1.2, `rate ${s.messagesPerSecond}`);
	});

	test('Given messages but no known total, when a snapshot is taken, then there is a rate but no ETA', () => {
		const {stats, clock} = store();
		stats.apply({type: 'run:start', folders: 1, dryRun: false});
		for (let i = 0; i < 10; i++) stats.apply(uploaded('Inbox', i));
		clock.advance(5000);
		const s = stats.snapshot();
		assert.equal(s.messagesPerSecond, 2);
		assert.equal(s.totalMessages, undefined);
		assert.equal(s.etaSeconds, undefined);
	});

	test('Given a known total but nothing done yet, when a snapshot is taken, then there is no ETA (the rate is zero)', () => {
		const {stats, clock} = store();
		stats.apply({type: 'run:start', folders: 1, messages: 100, dryRun: false});
		clock.advance(5000);
		const s = stats.snapshot();
		assert.equal(s.messagesPerSecond, 0);
		assert.equal(s.etaSeconds, undefined);
	});

	test('Given more messages done than the total said (a store that grew), when a snapshot is taken, then the ETA is 0, not negative', () => {
		const {stats, clock} = store();
		stats.apply({type: 'run:start', folders: 1, messages: 2, dryRun: false});
		for (let i = 0; i < 5; i++) stats.apply(uploaded('Inbox', i));
		clock.advance(1000);
		assert.equal(stats.snapshot().etaSeconds, 0);
	});

	test('Given events at the very instant of the start, when a snapshot is taken, then the rate is finite (no division by zero)', () => {
		const {stats} = store();
		stats.apply({type: 'run:start', folders: 1, messages: 10, dryRun: false});
		stats.apply(uploaded('Inbox', 1));
		const s = stats.snapshot();
		assert.ok(Number.isFinite(s.messagesPerSecond));
		assert.ok(Number.isFinite(s.bytesPerSecond));
	});

	test('Given a snapshot taken during a long scan before run:start, when the uploads begin, then the rate counts from the start of the run', () => {
		// The plain reporter's timer starts before the engine has listed the folders, so a first snapshot
		// can come long before run:start; that sample must not stretch the first measured span.
		const {stats, clock} = store();
		clock.advance(5000);
		stats.snapshot();
		clock.advance(55_000);
		stats.apply({type: 'run:start', folders: 1, messages: 100, dryRun: false});
		for (let i = 0; i < 10; i++) stats.apply(uploaded('Inbox', i));
		clock.advance(5000);
		const s = stats.snapshot();
		assert.equal(s.messagesPerSecond, 2);
		assert.equal(s.etaSeconds, 45);
	});

	test('Given run:start, when a snapshot is taken, then startedAt is the time of run:start, not of the store\'s creation', () => {
		const {stats, clock} = store();
		clock.advance(7000);
		stats.apply({type: 'run:start', folders: 1, dryRun: false});
		assert.equal(stats.snapshot().startedAt, clock.now);
	});
});
