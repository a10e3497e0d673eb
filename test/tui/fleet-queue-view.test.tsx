/** `mailshift fleet status --watch` on a terminal: the batch fleet view fed from the queue's rows (issue #15). */
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {render} from 'ink-testing-library';
import {fleetViewRows} from '../../src/cli/run-fleet.js';
import type {FleetStatus} from '../../src/fleet/fleet-status.js';
import {FleetView} from '../../src/tui/fleet.js';

test('the fleet view shows the queue\'s rows: done, running on a worker with progress and connections, waiting, failed', () => {
	const row = {source: '/s', url: 'imap://u@h', result: null, lastError: null, journal: {done: 0, pending: 0, failed: 0, skipped: 0}, updatedAt: '2026-12-06T10:00:00.000Z'};
	const status: FleetStatus = {
		queue: 'q', url: 'postgres://u:***@db/q', isPaused: false, caps: {maxPerHost: null, maxPerUser: 10, leaseSeconds: 120}, connectionsInUse: [],
		rows: [
			{...row, id: 'alice', state: 'done', worker: null, progress: null},
			{...row, id: 'bob', state: 'running', worker: 'vm:42', progress: {found: 10, done: 4, uploaded: 4, skipped: 0, failed: 0, bytes: 8192, messagesPerSecond: 2.5, connections: 3}},
			{...row, id: 'carol', state: 'failed', worker: null, progress: null},
			{...row, id: 'dave', state: 'retry', worker: null, progress: null},
		],
		totals: {queued: 0, running: 1, retry: 1, done: 1, failed: 1, cancelled: 0, rows: 4, messagesDone: 4},
	};
	const rows = fleetViewRows(status);
	const {lastFrame, unmount} = render(<FleetView title="mailshift fleet q" rows={() => rows} isFinal />);
	const frame = lastFrame() ?? '';
	unmount();
	assert.match(frame, /mailshift fleet q — 2\/4 mailboxes finished/);
	assert.match(frame, /✓ alice\s+ok/);
	assert.match(frame, /› bob @vm:42\s+\S+ 4\/10 8\.0 KiB 2\.5 msg\/s · 3 conn/);
	assert.match(frame, /✗ carol\s+failed/);
	assert.match(frame, /· dave\s+waiting/);
});
