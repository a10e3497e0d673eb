/**
 * EngineControls: how renderers (Ctrl-C handler, TUI keys) steer a running migration, without knowing it.
 * `stop()` is graceful: nothing more is sent — messages waiting for pacing, a back-off, a connection or a
 * batch are withdrawn (`stopSignal`, passed to MailSink.append) — and APPENDs already on the wire finish.
 * `abort()` also ends those (`abortSignal`; the CLI closes the connections). Both are idempotent.
 * `pause()`/`resume()` hold new uploads (in-flight ones finish); `setConnections(n)` changes parallelism.
 * Listeners are called synchronously; the engine subscribes for the run's duration.
 */
export type ControlChange = Readonly<{type: 'pause'}> | Readonly<{type: 'resume'}> | Readonly<{type: 'connections'; connections: number}>;

export class EngineControls {
	readonly #stop = new AbortController();
	readonly #abort = new AbortController();
	readonly #listeners = new Set<(change: ControlChange) => void>();
	#isPaused = false;
	#connections: number | undefined;

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

	get isPaused(): boolean {
		return this.#isPaused;
	}

	/** The connection count last asked for, if any. */
	get connections(): number | undefined {
		return this.#connections;
	}

	stop(): void {
		this.#stop.abort();
		if (this.#isPaused) this.resume(); // a paused run must be able to drain and stop
	}

	abort(): void {
		this.#stop.abort();
		this.#abort.abort();
		if (this.#isPaused) this.resume();
	}

	pause(): void {
		if (this.#isPaused || this.isStopping) return;
		this.#isPaused = true;
		this.#emit({type: 'pause'});
	}

	resume(): void {
		if (!this.#isPaused) return;
		this.#isPaused = false;
		this.#emit({type: 'resume'});
	}

	/** Asks for `n` parallel uploads (clamped by the engine to 1…32). */
	setConnections(n: number): void {
		this.#connections = Math.max(1, Math.min(32, Math.round(n)));
		this.#emit({type: 'connections', connections: this.#connections});
	}

	subscribe(listener: (change: ControlChange) => void): () => void {
		this.#listeners.add(listener);
		return () => this.#listeners.delete(listener);
	}

	#emit(change: ControlChange): void {
		for (const listener of this.#listeners) listener(change);
	}
}
