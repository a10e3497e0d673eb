/**
 * EngineControls: how renderers (Ctrl-C handler, TUI keys) steer a running migration, without knowing it.
 * `stop()` is graceful: stop feeding new messages, let in-flight uploads finish. `abort()` cancels now.
 */
export class EngineControls {
	readonly #stop = new AbortController();
	readonly #abort = new AbortController();

	/** Aborted when a graceful stop was requested. */
	get stopSignal(): AbortSignal {
		return this.#stop.signal;
	}

	/** Aborted when in-flight work must be cancelled too. */
	get abortSignal(): AbortSignal {
		return this.#abort.signal;
	}

	get isStopping(): boolean {
		return this.#stop.signal.aborted;
	}

	stop(): void {
		this.#stop.abort();
	}

	abort(): void {
		this.#stop.abort();
		this.#abort.abort();
	}
}
