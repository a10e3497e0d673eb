/**
 * InterruptRouter with a fake process: Ctrl-C stops, the next one aborts, the one after that ends the process;
 * a signal that lands while a stopped run is closing still reaches it (issue #12 item 25).
 */
import assert from 'node:assert/strict';
import {EventEmitter} from 'node:events';
import {describe, test} from 'node:test';
import {EngineControls} from '../../src/contracts/controls.js';
import {InterruptRouter} from '../../src/cli/interrupt-router.js';
import type {SignalHost} from '../../src/cli/interrupt-router.js';

/** A process stand-in: `signal()` delivers like the OS; `killed` records the default action being taken. */
function fakeProcess(): SignalHost & {signal(s: NodeJS.Signals): void; killed: NodeJS.Signals[]; listeners(): number} {
	const emitter = new EventEmitter();
	const killed: NodeJS.Signals[] = [];
	const deliver = (s: NodeJS.Signals): void => {
		// With no listener left, the OS's default action ends the process.
		if (emitter.listenerCount(s) === 0) killed.push(s);
		else emitter.emit(s, s);
	};
	return {
		pid: 4242,
		on: (s, l) => emitter.on(s, l),
		off: (s, l) => emitter.off(s, l),
		kill: (_pid, s) => deliver(s),
		signal: deliver,
		killed,
		listeners: () => emitter.listenerCount('SIGINT') + emitter.listenerCount('SIGTERM'),
	};
}

describe('InterruptRouter', () => {
	test('Given a run, when Ctrl-C is pressed three times, then it stops, then aborts, then the process ends', () => {
		const host = fakeProcess();
		const lines: string[] = [];
		const router = new InterruptRouter(host, (line) => lines.push(line));
		const controls = new EngineControls();
		router.attach(controls);
		host.signal('SIGINT');
		assert.ok(controls.isStopping && !controls.abortSignal.aborted, 'first: graceful stop');
		assert.match(lines.join('\n'), /stopping after the uploads in flight/);
		host.signal('SIGINT');
		assert.ok(controls.abortSignal.aborted, 'second: abort');
		assert.deepEqual(host.killed, []);
		host.signal('SIGINT');
		assert.deepEqual(host.killed, ['SIGINT'], 'third: the default action');
	});

	test('Given a stopped run that has returned and is closing, when the second Ctrl-C comes, then it aborts and the process is not killed', () => {
		const host = fakeProcess();
		const router = new InterruptRouter(host, () => {});
		const controls = new EngineControls();
		const detach = router.attach(controls);
		host.signal('SIGINT');
		detach(); // the run printed its summary; connections are still closing
		host.signal('SIGINT');
		assert.deepEqual(host.killed, [], 'the process goes on to exit with its own code');
		assert.ok(controls.abortSignal.aborted);
	});

	test('Given a stop asked for by the dashboard (not a signal), when Ctrl-C comes, then it aborts', () => {
		const host = fakeProcess();
		const router = new InterruptRouter(host, () => {});
		const controls = new EngineControls();
		router.attach(controls);
		controls.stop();
		host.signal('SIGTERM');
		assert.ok(controls.abortSignal.aborted);
		assert.deepEqual(host.killed, []);
	});

	test('Given no run, or a run that finished without a stop, when Ctrl-C comes, then it has its default effect', () => {
		const host = fakeProcess();
		new InterruptRouter(host, () => {});
		host.signal('SIGINT');
		assert.deepEqual(host.killed, ['SIGINT']);
		assert.equal(host.listeners(), 0, 'the router let go of both signals');

		const again = fakeProcess();
		const router = new InterruptRouter(again, () => {});
		const controls = new EngineControls();
		router.attach(controls)();
		again.signal('SIGTERM');
		assert.deepEqual(again.killed, ['SIGTERM']);
		assert.equal(controls.isStopping, false);
	});
});
