/**
 * InterruptRouter: Ctrl-C (SIGINT) and SIGTERM for the CLI process (STYLE rule 10). A run attaches its
 * EngineControls; a signal then means, by the state of those controls:
 *   1. not stopping yet → graceful stop (uploads on the wire finish; nothing else is sent);
 *   2. stopping         → abort (connections closed; what was not confirmed stays `pending` in the journal);
 *   3. aborted          → the signal's default action: the process ends at once (as safe as a SIGKILL, which
 *                         the journal is built for — the way out if closing hangs on a dead server).
 * The state, not a count of presses, decides, so a stop asked for by other means (the dashboard's Ctrl-C or q
 * key, a fatal error, a byte budget) makes the next signal an abort.
 *
 * Installed once per process, before anything that can be interrupted, and never removed while the process
 * lives: the run detaches when it returns, but a run that was being stopped keeps receiving the signals until
 * the process has exited. Otherwise a second Ctrl-C that lands while the stopped run prints its summary and
 * closes its connections would find no handler and end the process by the signal (exit status "killed by
 * SIGINT", not 6 "run again"; issue #12 item 25). With no run attached and none being stopped, a signal has
 * its default effect (parsing options, `status`, a finished run).
 */
import type {EngineControls} from '../contracts/controls.js';

/** The parts of `process` the router uses (a fake in tests). */
export type SignalHost = Readonly<{
	pid: number;
	on(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
	off(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
	kill(pid: number, signal: NodeJS.Signals): unknown;
}>;

const SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];

export class InterruptRouter {
	readonly #host: SignalHost;
	readonly #say: (line: string) => void;
	#attached: EngineControls | undefined;
	#last: EngineControls | undefined;

	/** Starts listening at once. `say` writes one line for the user (stderr). */
	constructor(host: SignalHost, say: (line: string) => void) {
		this.#host = host;
		this.#say = say;
		for (const signal of SIGNALS) host.on(signal, this.#onSignal);
	}

	/** Routes signals to `controls` until the returned function is called (then see the file header). */
	attach(controls: EngineControls): () => void {
		this.#attached = controls;
		this.#last = controls;
		return () => {
			if (this.#attached === controls) this.#attached = undefined;
		};
	}

	readonly #onSignal = (signal: NodeJS.Signals): void => {
		const target = this.#attached ?? (this.#last?.isStopping ? this.#last : undefined);
		if (target === undefined || target.abortSignal.aborted) {
			this.#raise(signal);
		} else if (!target.isStopping) {
			this.#say('mailshift: stopping after the uploads in flight… (Ctrl-C again to abort now)');
			target.stop();
		} else {
			this.#say('mailshift: aborting: uploads in flight are cut off; the next run checks the server for them before sending (Ctrl-C again to quit at once)');
			target.abort();
		}
	};

	/** The signal's default action: stop listening, and send it again. */
	#raise(signal: NodeJS.Signals): void {
		for (const s of SIGNALS) this.#host.off(s, this.#onSignal);
		this.#host.kill(this.#host.pid, signal);
	}
}
