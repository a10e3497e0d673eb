/** The batch fleet view: one line per mailbox with its state and progress, from synthetic snapshots. */
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {render} from 'ink-testing-library';
import {StatsStore} from '../../src/engine/stats.js';
import {FleetView} from '../../src/tui/fleet.js';
import type {FleetRow} from '../../src/app/presenter.js';

test('the fleet view shows every mailbox: finished, running with progress and connections, waiting', () => {
	const store = new StatsStore();
	store.apply({type: 'run:start', folders: 1, messages: 10, dryRun: false});
	for (let i = 0; i < 4; i++) store.apply({type: 'message:uploaded', ref: {store: 's', folder: 'INBOX', key: String(i), location: String(i)}, mailbox: 'INBOX', bytes: 2048});
	const rows: FleetRow[] = [
		{id: 'alice', state: 'ok'},
		{id: 'bob', state: 'running', snapshot: store.snapshot(), connections: 3},
		{id: 'carol', state: 'failed'},
		{id: 'dave', state: 'waiting'},
	];
	const {lastFrame, unmount} = render(<FleetView title="mailshift batch plan.csv" rows={() => rows} isFinal />);
	const frame = lastFrame() ?? '';
	unmount();
	assert.match(frame, /mailshift batch plan\.csv — 2\/4 mailboxes finished/);
	assert.match(frame, /✓ alice\s+ok/);
	assert.match(frame, /› bob\s+\S+ 4\/10 8\.0 KiB .* msg\/s · 3 conn/);
	assert.match(frame, /✗ carol\s+failed/);
	assert.match(frame, /· dave\s+waiting/);
});
