/**
 * The dashboard, rendered with ink-testing-library from synthetic engine events (never the engine itself):
 * frames show progress, folders, the throttle banner, errors and the finish screen; keys reach the controls.
 */
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {render} from 'ink-testing-library';
import {EngineControls} from '../../src/core/controls.js';
import type {EngineEvent} from '../../src/core/events.js';
import {StatsStore} from '../../src/core/stats.js';
import {MigrationApp} from '../../src/tui/app.js';

const ref = (folder: string, i: number) => ({store: '/s', folder, key: String(i), location: `/s/${folder}/${i}`});
const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 150));

function setup(now = 1_000_000): {store: StatsStore; controls: EngineControls; clock: {t: number}} {
	const clock = {t: now};
	const store = new StatsStore(() => clock.t);
	return {store, controls: new EngineControls(), clock};
}

function feed(store: StatsStore, events: readonly EngineEvent[]): void {
	for (const e of events) store.apply(e);
}

test('Given a run half way through a known total, the frame shows the bar, counts, rate, ETA and the folder rows', async () => {
	const {store, controls, clock} = setup();
	feed(store, [
		{type: 'run:start', folders: 2, messages: 10, bytes: 10_000, dryRun: false},
		{type: 'folder:start', folder: 'Inbox', mailbox: 'INBOX', total: 6, created: false},
	]);
	clock.t += 5000;
	for (let i = 0; i < 5; i++) store.apply({type: 'message:uploaded', ref: ref('Inbox', i), mailbox: 'INBOX', bytes: 1000});
	const {lastFrame, unmount} = render(<MigrationApp store={store} controls={controls} title="/mail → imaps://me@host:993" initialConnections={4} now={() => clock.t} />);
	await tick();
	const frame = lastFrame() ?? '';
	unmount();
	assert.match(frame, /mailshift .*\/mail → imaps:\/\/me@host:993/);
	assert.match(frame, /50%/);
	assert.match(frame, /5\/10 messages · 4\.9 KiB/);
	assert.match(frame, /1\.0 msg\/s/);
	assert.match(frame, /ETA 5s/);
	assert.match(frame, /› Inbox\s+→ INBOX\s+5\/6/);
	assert.match(frame, /p pause · \+\/- connections · q stop · \? help/);
});

test('Given the server asked to slow down, the frame says so with a countdown, and errors appear in the log', async () => {
	const {store, controls, clock} = setup();
	feed(store, [
		{type: 'run:start', folders: 1, dryRun: false},
		{type: 'folder:start', folder: 'Inbox', mailbox: 'INBOX', created: false},
		{type: 'message:failed', ref: ref('Inbox', 3), code: 'TOO_BIG', message: 'The server refused the message as too big'},
		{type: 'throttle', untilMs: clock.t + 12_000, reason: 'Request is throttled'},
	]);
	const {lastFrame, unmount} = render(<MigrationApp store={store} controls={controls} title="t" initialConnections={4} now={() => clock.t} />);
	await tick();
	const frame = lastFrame() ?? '';
	unmount();
	assert.match(frame, /The server asked us to slow down — resuming in 12 s/);
	assert.match(frame, /✗ \/s\/Inbox\/3: The server refused the message as too big/);
	assert.match(frame, /1 failed/);
});

test('Given a dry run, the header carries a DRY RUN badge', async () => {
	const {store, controls} = setup();
	feed(store, [{type: 'run:start', folders: 1, dryRun: true}]);
	const {lastFrame, unmount} = render(<MigrationApp store={store} controls={controls} title="t" initialConnections={1} />);
	await tick();
	assert.match(lastFrame() ?? '', /\[DRY RUN\]/);
	unmount();
});

test('Keys: p pauses and resumes, + and - change connections, q asks for a graceful stop', async () => {
	const {store, controls} = setup();
	feed(store, [{type: 'run:start', folders: 1, dryRun: false}]);
	const {stdin, lastFrame, unmount} = render(<MigrationApp store={store} controls={controls} title="t" initialConnections={4} />);
	await tick();
	stdin.write('p');
	await tick();
	assert.equal(controls.isPaused, true);
	assert.match(lastFrame() ?? '', /Paused — press p to resume/);
	stdin.write('p');
	await tick();
	assert.equal(controls.isPaused, false);
	stdin.write('+');
	await tick();
	assert.equal(controls.connections, 5);
	stdin.write('-');
	stdin.write('-');
	await tick();
	assert.equal(controls.connections, 3);
	stdin.write('?');
	await tick();
	assert.match(lastFrame() ?? '', /press it twice to abort at once/);
	stdin.write('q');
	await tick();
	assert.equal(controls.isStopping, true);
	assert.match(lastFrame() ?? '', /Stopping: finishing the uploads in flight/);
	unmount();
});

test('The finish screen of a complete run shows the totals, the journal and what to do next in the mail program', async () => {
	const {store, controls} = setup();
	feed(store, [
		{type: 'run:start', folders: 1, messages: 1, dryRun: false},
		{type: 'folder:start', folder: 'Inbox', mailbox: 'INBOX', total: 1, created: false},
		{type: 'message:uploaded', ref: ref('Inbox', 1), mailbox: 'INBOX', bytes: 100},
		{type: 'folder:done', folder: 'Inbox'},
	]);
	const {lastFrame, unmount} = render(<MigrationApp store={store} controls={controls} title="t" initialConnections={1}
		finish={{interrupted: false, dryRun: false, journalPath: '/state/j.sqlite', reportPath: '/tmp/r.json'}} />);
	await tick();
	const frame = lastFrame() ?? '';
	unmount();
	assert.match(frame, /✓ Done: every message is on the server\./);
	assert.match(frame, /Journal: \/state\/j\.sqlite/);
	assert.match(frame, /Report: \/tmp\/r\.json/);
	assert.match(frame, /remove the old POP account/);
	assert.doesNotMatch(frame, /q stop/, 'no keys on the finish screen');
});

test('The finish screen of an interrupted run gives the exact command to resume', async () => {
	const {store, controls} = setup();
	feed(store, [{type: 'run:start', folders: 1, dryRun: false}]);
	const {lastFrame, unmount} = render(<MigrationApp store={store} controls={controls} title="t" initialConnections={1}
		finish={{interrupted: true, dryRun: false, resumeCommand: 'mailshift migrate /mail --to imaps://me@host'}} />);
	await tick();
	const frame = lastFrame() ?? '';
	unmount();
	assert.match(frame, /Stopped before the end\./);
	assert.match(frame, /To continue or retry \(nothing is uploaded twice\), run:\n\s+mailshift migrate \/mail --to imaps:\/\/me@host/);
});

test('A long folder list on a small terminal keeps the latest folders and says how many are hidden', async () => {
	const {store, controls} = setup();
	feed(store, [{type: 'run:start', folders: 40, dryRun: false}]);
	for (let i = 0; i < 40; i++) feed(store, [{type: 'folder:start', folder: `Folder ${i}`, mailbox: `Folder ${i}`, created: true}, {type: 'folder:done', folder: `Folder ${i}`}]);
	const {lastFrame, unmount} = render(<MigrationApp store={store} controls={controls} title="t" initialConnections={1} />);
	await tick();
	const frame = lastFrame() ?? '';
	unmount();
	assert.match(frame, /… \d+ earlier folders/);
	assert.match(frame, /Folder 39/);
	assert.ok(frame.split('\n').length <= 30, `frame has ${frame.split('\n').length} lines`);
});
