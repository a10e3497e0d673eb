/**
 * ConnectionSemaphore: a counting semaphore over the IMAP connections one server (host:port) may have open for
 * the whole batch. A row asks for `want` connections and is granted min(want, free) as soon as at least one
 * is free (first come, first served), so the sum granted for a server never exceeds its cap. Waiters are
 * served in order; a waiter whose signal aborts leaves the queue. Single-threaded (event loop) safe.
 */

/** Connections granted to one row; `release()` is idempotent. */
export type ConnectionPermit = Readonly<{count: number; release: () => void}>;

export class ConnectionSemaphore {
	readonly capacity: number;
	#free: number;
	readonly #waiters: Array<{want: number; grant: (permit: ConnectionPermit) => void}> = [];

	/** @param capacity connections allowed at once (≥ 1). */
	constructor(capacity: number) {
		if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a whole number ≥ 1, got ${capacity}`);
		this.capacity = capacity;
		this.#free = capacity;
	}

	/** Connections not granted right now. */
	get free(): number {
		return this.#free;
	}

	/**
	 * Resolves with a permit for between 1 and min(want, capacity) connections. Rejects with the signal's reason
	 * when `signal` aborts before the grant (nothing is held then).
	 */
	acquire(want: number, signal?: AbortSignal): Promise<ConnectionPermit> {
		const asked = Math.max(1, Math.min(this.capacity, Math.floor(want)));
		if (signal?.aborted) return Promise.reject(signal.reason);
		return new Promise((resolve, reject) => {
			const waiter = {want: asked, grant: (permit: ConnectionPermit): void => {
				signal?.removeEventListener('abort', onAbort);
				resolve(permit);
			}};
			const onAbort = (): void => {
				const index = this.#waiters.indexOf(waiter);
				if (index >= 0) this.#waiters.splice(index, 1);
				reject(signal?.reason);
			};
			signal?.addEventListener('abort', onAbort, {once: true});
			this.#waiters.push(waiter);
			this.#drain();
		});
	}

	#drain(): void {
		while (this.#free > 0) {
			const next = this.#waiters.shift();
			if (!next) return;
			const count = Math.min(next.want, this.#free);
			this.#free -= count;
			let isReleased = false;
			next.grant({count, release: () => {
				if (isReleased) return;
				isReleased = true;
				this.#free += count;
				this.#drain();
			}});
		}
	}
}

/** One semaphore per server, keyed `host:port` (case-insensitive host), all with the same cap. */
export class ServerConnectionCaps {
	readonly #cap: number;
	readonly #servers = new Map<string, ConnectionSemaphore>();

	/** @param capPerServer `--max-connections-per-server`. @default 8 (set by the CLI) */
	constructor(capPerServer: number) {
		this.#cap = capPerServer;
	}

	/** The semaphore of host:port, created on first use. */
	forServer(host: string, port: number): ConnectionSemaphore {
		const key = `${host.toLowerCase()}:${port}`;
		let semaphore = this.#servers.get(key);
		if (!semaphore) {
			semaphore = new ConnectionSemaphore(this.#cap);
			this.#servers.set(key, semaphore);
		}
		return semaphore;
	}
}
