/**
 * The dashboard, rendered with ink-testing-library from synthetic engine events (never the engine itself):
 * frames show progress, folders, the throttle banner, errors and the finish screen; keys reach the controls.
 */
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {render} from 'ink-testing-library';
import {EngineControls} from '../../src/contracts/controls.js';
import type {EngineEvent} from '../../src/contracts/events.js';
import {StatsStore} from '../../src/engine/stats.js';
import {MigrationApp} from '../../src/tui/app.js';
import {until} from '../helpers/frames.js';

const ref = (folder: string, i: number) => ({store: '/s', folder, key: String(i), location: `/s/${folder}/${i}`});

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
	const frame = await until(lastFrame, /\? help/);
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
	const frame = await until(lastFrame, /resuming in \d+ s/);
	unmount();
	assert.match(frame, /The server asked us to slow down — resuming in 12 s/);
	assert.match(frame, /✗ \/s\/Inbox\/3: The server refused the message as too big/);
	assert.match(frame, /1 failed/);
});

test('Given a dry run, the header carries a DRY RUN badge', async () => {
	const {store, controls} = setup();
	feed(store, [{type: 'run:start', folders: 1, dryRun: true}]);
	const {lastFrame, unmount} = render(<MigrationApp store={store} controls={controls} title="t" initialConnections={1} />);
	await until(lastFrame, /\[DRY RUN\]/);
	unmount();
});

test('Keys: p pauses and resumes, + and - change connections, q asks for a graceful stop', async () => {
	const {store, controls} = setup();
	feed(store, [{type: 'run:start', folders: 1, dryRun: false}]);
	const {stdin, lastFrame, unmount} = render(<MigrationApp store={store} controls={controls} title="t" initialConnections={4} />);
	// Each key once the frame shows the keys are listened to; a key press reaches the controls within the write.
	await until(lastFrame, /p pause · \+\/- connections · q stop · \? help/);
	stdin.write('p');
	assert.equal(controls.isPaused, true);
	await until(lastFrame, /Paused — press p to resume/);
	stdin.write('p');
	assert.equal(controls.isPaused, false);
	await until(lastFrame, /p pause/);
	stdin.write('+');
	assert.equal(controls.connections, 5);
	stdin.write('-');
	stdin.write('-');
	assert.equal(controls.connections, 3);
	stdin.write('?');
	await until(lastFrame, /press it twice to abort at once/);
	stdin.write('q');
	assert.equal(controls.isStopping, true);
	await until(lastFrame, /Stopping: finishing the uploads in flight/);
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
	const frame = await until(lastFrame, /Report: /);
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
	const frame = await until(lastFrame, /mailshift migrate/);
	unmount();
	assert.match(frame, /Stopped before the end\./);
	assert.match(frame, /To continue or retry \(nothing is uploaded twice\), run:\n\s+mailshift migrate \/mail --to imaps:\/\/me@host/);
});

test('A long folder list on a small terminal keeps the latest folders and says how many are hidden', async () => {
	const {store, controls} = setup();
	feed(store, [{type: 'run:start', folders: 40, dryRun: false}]);
	for (let i = 0; i < 40; i++) feed(store, [{type: 'folder:start', folder: `Folder ${i}`, mailbox: `Folder ${i}`, created: true}, {type: 'folder:done', folder: `Folder ${i}`}]);
	const {lastFrame, unmount} = render(<MigrationApp store={store} controls={controls} title="t" initialConnections={1} />);
	const frame = await until(lastFrame, /Folder 39/);
	unmount();
	assert.match(frame, /… \d+ earlier folders/);
	assert.match(frame, /Folder 39/);
	assert.ok(frame.split('\n').length <= 30, `frame has ${frame.split('\n').length} lines`);
});

test('The finish screen of a stopped run says how many messages are not sent yet, as the CLI does', async () => {
	const {store, controls} = setup();
	feed(store, [{type: 'run:start', folders: 1, dryRun: false}]);
	for (const [notSent, expected] of [
		[{messages: 1200, isExact: true}, /Stopped, 1,200 messages not sent yet, run the same command again to send them\./],
		[{messages: 40, isExact: false}, /Stopped, at least 40 messages not sent yet/],
	] as const) {
		const {lastFrame, unmount} = render(<MigrationApp store={store} controls={controls} title="t" initialConnections={1}
			finish={{interrupted: true, dryRun: false, notSent, resumeCommand: 'mailshift migrate /mail --to imaps://me@host'}} />);
		const frame = await until(lastFrame, /mailshift migrate/);
		unmount();
		assert.match(frame, expected);
		assert.doesNotMatch(frame, /Stopped before the end/);
	}
});

test('The finish screen of a run with a warning that needs checking does not say Done, and names the warning and what to do', async () => {
	const {store, controls} = setup();
	feed(store, [
		{type: 'run:start', folders: 1, messages: 1, dryRun: false},
		{type: 'message:uploaded', ref: ref('Inbox', 1), mailbox: 'INBOX', bytes: 100},
	]);
	const reason = 'several messages may have been run together into this one. It was uploaded as it is; check it in the mail program';
	const {lastFrame, unmount} = render(<MigrationApp store={store} controls={controls} title="t" initialConnections={1}
		finish={{interrupted: false, dryRun: false, isVerified: true, verify: 'Verify: OK', reportPath: '/tmp/r.json',
			attention: {count: 2, codes: ['MBOX_MERGE_SUSPECTED'], first: {location: '/mail/Inbox#3', reason}}}} />);
	const frame = await until(lastFrame, /Report: /);
	unmount();
	assert.doesNotMatch(frame, /Done: every message is on the server/);
	assert.doesNotMatch(frame, /Next, in your mail program/);
	assert.match(frame, /⚠ 2 warnings need checking \(MBOX_MERGE_SUSPECTED\)/);
	assert.match(frame.replace(/\s+/g, ' '), /\/mail\/Inbox#3: several messages may have been run together into this one\. It was uploaded as it is; check it in the mail program/);
	assert.match(frame.replace(/\s+/g, ' '), /The others are listed in the report \(\/tmp\/r\.json\)/);
});

test('The finish screen of a source read only in part is not OK, and says what to do', async () => {
	const {store, controls} = setup();
	feed(store, [{type: 'run:start', folders: 1, dryRun: false}]);
	const {lastFrame, unmount} = render(<MigrationApp store={store} controls={controls} title="t" initialConnections={1}
		finish={{interrupted: false, dryRun: false, isVerified: true, verify: 'Verify: OK — all 3 messages that could be read from the incomplete source are on the server exactly once, with their flags and dates.',
			error: '/mail/old.pst could not be read to its end: read 3 of ~9 items', hint: 'Copy it again from the original and run mailshift again.'}} />);
	const frame = await until(lastFrame, /Verify: /);
	unmount();
	assert.match(frame, /✗ \/mail\/old\.pst could not be read to its end: read 3 of ~9 items/);
	assert.match(frame, /Copy it again from the original and run mailshift again\./);
	assert.doesNotMatch(frame, /Done: every message/);
});
