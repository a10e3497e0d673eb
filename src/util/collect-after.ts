/**
 * Dead message buffers handed back soon (issue #14, memory). A message's bytes live in a Buffer outside V8's
 * heap; once its APPEND is answered nothing refers to it, but V8 frees such memory only at its next full
 * collection, which its own heuristic starts only when ~64 MiB more of it has piled up since the last one (V8's
 * external allocation soft limit) — an upload allocates little else, so up to 64 MiB of dead message bytes on
 * top of the 40 MiB in flight (measured: docs/benchmarks.md "#14: memory, third pass"). Collecting once per
 * `everyBytes` of uploaded bytes bounds the dead ones to that, at the cost of one full collection of a small
 * heap (~20 MiB of live objects) per step.
 *
 * `global.gc` exists only with --expose-gc; the same function is reachable at run time by setting the flag
 * and reading `gc` from a new context (node:vm), which is what `fullCollection` does. When that is refused
 * (a future Node that freezes V8 flags), it returns undefined and nothing is collected early.
 */
import {setFlagsFromString} from 'node:v8';
import {runInNewContext} from 'node:vm';

/** V8's full garbage collection as a function, or undefined when this process cannot reach it. */
export function fullCollection(): (() => void) | undefined {
	const exposed = (globalThis as {gc?: unknown}).gc;
	if (typeof exposed === 'function') return exposed as () => void;
	try {
		setFlagsFromString('--expose-gc');
		const gc: unknown = runInNewContext('gc');
		return typeof gc === 'function' ? (gc as () => void) : undefined;
	} catch {
		return undefined;
	}
}

/** V8's gc function with the options of its gc extension (`{type: 'major', execution: 'async'}`, V8 ≥ 9). */
type GcWithOptions = (options?: Readonly<{type?: 'major' | 'minor'; execution?: 'sync' | 'async'}>) => unknown;

/**
 * A full collection started without waiting for it: V8 marks concurrently on its own threads and finishes on the
 * main thread when it is done, instead of one stop-the-world mark-compact per call. Measured on the standard corpus
 * (docs/benchmarks.md "#14: memory, fourth pass"): the same bound on dead buffers (peak RSS 134–143 MiB) for about
 * 1.5 s less CPU than a synchronous collection every 32 MiB (116–148 MiB). Resolves when the collection is done.
 */
export function backgroundCollection(gc: () => void): () => Promise<void> {
	return async () => {
		try {
			await (gc as GcWithOptions)({type: 'major', execution: 'async'});
		} catch {
			// A V8 without the options runs nothing or throws: the collection is an optimization, never a failure.
		}
	};
}

/** Calls `collect` each time another `everyBytes` of released bytes have been counted. */
export class CollectAfter {
	readonly #everyBytes: number;
	readonly #collect: () => unknown;
	#bytes = 0;

	constructor(everyBytes: number, collect: () => unknown) {
		this.#everyBytes = everyBytes;
		this.#collect = collect;
	}

	/** Counts `bytes` more released; collects when they reach the step (the count then starts again). */
	released(bytes: number): void {
		this.#bytes += bytes;
		if (this.#bytes < this.#everyBytes) return;
		this.#bytes = 0;
		this.#collect();
	}
}
