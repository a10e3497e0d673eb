/**
 * Dead memory handed back soon (issue #14, memory). V8 frees a dead Buffer's bytes (outside its heap) only at a
 * full collection, which its own heuristic starts only when ~64 MiB more of them have piled up since the last one
 * (its external allocation soft limit); and with nothing else to trigger one, dead objects pile up in its heap
 * too (measured: docs/benchmarks.md "#14: memory, third pass" and "#14: one ring for message buffers"). An upload
 * from a Maildir reads into the message ring (util/buffer-ring.ts) and leaves almost no dead buffers; other
 * readers still allocate one per message. `CollectOnGrowth` starts a full collection when what is measured (heap
 * and ArrayBuffer bytes in use) has grown by a step since the last one ended: as often as dead memory piles up,
 * and never when it does not.
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

export type CollectOnGrowthOptions = Readonly<{
	/** Collect when the measured memory exceeds what it was after the last collection by this much. */
	growth: number;
	/** Measure once per this many released bytes (a measurement costs a system call). */
	checkEvery: number;
	/** The memory to bound, in bytes (`heapAndBuffers`). */
	measure: () => number;
	/** Runs one collection; the next measurement waits until it has finished. */
	collect: () => unknown;
}>;

/** V8's heap in use plus the ArrayBuffers' bytes: what dead objects and dead message buffers make grow. */
export function heapAndBuffers(): number {
	const usage = process.memoryUsage();
	return usage.heapUsed + usage.arrayBuffers;
}

/**
 * Collects when dead memory has piled up, not at every step of uploaded bytes: messages read into the ring
 * leave nothing to collect, and a collection then is pure cost (a forced one every 32 MiB uploaded was, with the
 * collections V8 started for new buffers, a third of the client's CPU: docs/benchmarks.md "#14: one ring for
 * message buffers"). The memory is measured every `checkEvery` released bytes, and a collection runs when it has
 * grown `growth` since the last one ended (the floor: what was in use right after it).
 */
export class CollectOnGrowth {
	readonly #options: CollectOnGrowthOptions;
	#floor: number;
	#sinceCheck = 0;
	#isCollecting = false;
	#collections = 0;

	constructor(options: CollectOnGrowthOptions) {
		this.#options = options;
		this.#floor = options.measure();
	}

	/** Collections started so far (for tests and measurements). */
	get collections(): number {
		return this.#collections;
	}

	/** Counts `bytes` more released; measures once per `checkEvery` and collects when the memory has grown enough. */
	released(bytes: number): void {
		this.#sinceCheck += bytes;
		if (this.#sinceCheck < this.#options.checkEvery || this.#isCollecting) return;
		this.#sinceCheck = 0;
		if (this.#options.measure() < this.#floor + this.#options.growth) return;
		this.#isCollecting = true;
		this.#collections++;
		const ended = (): void => {
			this.#isCollecting = false;
			this.#floor = this.#options.measure();
		};
		try {
			void Promise.resolve(this.#options.collect()).then(ended, ended);
		} catch {
			ended();
		}
	}
}
