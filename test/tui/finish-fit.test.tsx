/**
 * The finish screen at 80×24 — the size of a default terminal and of the tmux tests — with what a real run
 * leaves: many folders, warnings and errors in the log, a long path with a quote in it, the resume and verify
 * commands. Rendered by ink itself into a fake terminal of that size (ink-testing-library is always 100 wide).
 */
import assert from 'node:assert/strict';
import {EventEmitter} from 'node:events';
import {test} from 'node:test';
import {render} from 'ink';
import type {ReactElement} from 'react';
import {EngineControls} from '../../src/contracts/controls.js';
import {StatsStore} from '../../src/engine/stats.js';
import {MigrationApp} from '../../src/tui/app.js';
import type {FinishInfo} from '../../src/app/finish-info.js';

import {until} from '../helpers/frames.js';
const ESC = String.fromCharCode(27);
const ANSI = new RegExp(`${ESC}\\[[0-9;?]*[A-Za-z]`, 'g');

/** ink's last frame in a terminal of `columns`×`rows` (debug mode writes whole frames), once it matches `ready`. */
async function frameAt(tree: ReactElement, columns: number, rows: number, ready: RegExp): Promise<string[]> {
	const stdout = Object.assign(new EventEmitter(), {columns, rows, isTTY: true, frames: [] as string[], write(frame: string) {
		stdout.frames.push(frame);
		return true;
	}});
	const stdin = Object.assign(new EventEmitter(), {isTTY: true, setEncoding() {}, setRawMode() {}, resume() {}, pause() {}, ref() {}, unref() {}, read: () => null});
	const instance = render(tree, {stdout: stdout as unknown as NodeJS.WriteStream, stdin: stdin as unknown as NodeJS.ReadStream, debug: true, patchConsole: false, exitOnCtrlC: false});
	const lastFrame = (): string => stdout.frames.map((f) => f.replace(ANSI, '')).filter((f) => f.trim()).at(-1) ?? '';
	const last = await until(lastFrame, ready).finally(() => instance.unmount());
	return last.replace(/\n$/, '').split('\n');
}

function realisticRun(withFailures: boolean): {store: StatsStore; now: () => number} {
	let t = 1_000_000;
	const store = new StatsStore(() => t);
	store.apply({type: 'run:start', folders: 40, messages: 4000, bytes: 400e6, dryRun: false});
	for (let f = 0; f < 40; f++) {
		const folder = `Archive/${2000 + f}/Projects and correspondence with customers ${f}`;
		store.apply({type: 'folder:start', folder, mailbox: `Imported/Old PC/${folder}`, total: 100, created: true});
		for (let i = 0; i < 100; i++) {
			t += 10;
			const ref = {store: '/s', folder, key: `${f}-${i}`, location: `/s/${folder}/${i}`};
			if (withFailures && f % 7 === 3 && i === 5) store.apply({type: 'message:failed', ref, code: 'MESSAGE_REJECTED', message: `The server refused message ${i} of ${folder}: [LIMIT] message too large for this mailbox, and it says so at length`});
			else store.apply({type: 'message:uploaded', ref, mailbox: `Imported/Old PC/${folder}`, bytes: 100_000});
		}
		store.apply({type: 'folder:done', folder});
	}
	for (let w = 0; w < 12; w++) store.apply({type: 'notice', message: `Warning ${w}: a message without a Date header in Archive/${2000 + w} was given the file's time as its date (see the report)`});
	store.refresh();
	return {store, now: () => t};
}

const source = "/home/maria.o'brien/.thunderbird/x1.default/Mail/Local Folders";
const url = 'imaps://maria.obrien@example.org@imap.example.org:993';
const cases: ReadonlyArray<readonly [string, FinishInfo]> = [
	['a complete, verified run', {
		interrupted: false, dryRun: false, isVerified: true,
		verify: 'Verify: OK — all 3,994 messages are on the server exactly once, with their flags and dates.',
		journalPath: "/home/maria.o'brien/.local/state/mailshift/journals/local-folders-imaps-maria-obrien-example-org-3f9a2c1b.sqlite",
		verifyCommand: `mailshift verify '/home/maria.o'\\''brien/.thunderbird/x1.default/Mail/Local Folders' --to ${url} --prefix 'Imported/Old PC' --exclude Trash`,
	}],
	['an interrupted run with failures', {
		interrupted: true, dryRun: false, stopReason: 'Stopped by you (q).', isVerified: false,
		verify: 'Verify: 6 missing, 0 extra copies, 0 altered.',
		journalPath: "/home/maria.o'brien/.local/state/mailshift/journals/local-folders-imaps-maria-obrien-example-org-3f9a2c1b.sqlite",
		reportPath: "/home/maria.o'brien/mailshift-report.json",
		resumeCommand: `mailshift migrate '/home/maria.o'\\''brien/.thunderbird/x1.default/Mail/Local Folders' --to ${url} --prefix 'Imported/Old PC' --exclude Trash --map 'Sent Items=Sent'`,
		verifyCommand: `mailshift verify '/home/maria.o'\\''brien/.thunderbird/x1.default/Mail/Local Folders' --to ${url} --prefix 'Imported/Old PC' --exclude Trash --map 'Sent Items=Sent'`,
	}],
];

for (const [what, finish] of cases) {
	test(`The finish screen of ${what} fits 80×24 under the wizard's title, and shows the commands whole`, async () => {
		const {store, now} = realisticRun(finish.interrupted);
		const lines = await frameAt(<MigrationApp store={store} now={now} controls={new EngineControls()} title={`${source} → ${url}`} initialConnections={4} reservedRows={1} finish={finish} onExit={() => {}} />, 80, 24, /Press q or Enter to close/);
		if (process.env["SHOW_FRAMES"]) console.log(lines.join("\n"));
		assert.ok(lines.length <= 23, `${lines.length} lines (one more is the wizard's title):\n${lines.join('\n')}`);
		for (const line of lines) assert.ok([...line].length <= 80, `wider than 80: ${line}`);
		const text = lines.join('\n');
		const unwrapped = lines.map((l) => l.trimEnd()).join('');
		if (finish.resumeCommand) assert.ok(unwrapped.includes(finish.resumeCommand.replaceAll(' ', '')) || unwrapped.replaceAll(' ', '').includes(finish.resumeCommand.replaceAll(' ', '')), `the resume command is shown whole:\n${text}`);
		assert.ok(unwrapped.replaceAll(' ', '').includes(finish.verifyCommand!.replaceAll(' ', '')), `the verify command is shown whole:\n${text}`);
		assert.match(text, /Press q or Enter to close/);
		assert.doesNotMatch(text, /same options/, 'the options are shown, not referred to');
	});
}
