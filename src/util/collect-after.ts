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
import {getHeapStatistics, setFlagsFromString} from 'node:v8';
import {runInNewContext} from 'node:vm';

/** What `fullCollection` found, once per process (a new context per call would cost more than it saves). */
let reached: {gc: (() => void) | undefined} | undefined;

/** V8's full garbage collection as a function, or undefined when this process cannot reach it. */
export function fullCollection(): (() => void) | undefined {
	reached ??= {gc: reachGc()};
	return reached.gc;
}

function reachGc(): (() => void) | undefined {
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
	/** Measure once per this many released bytes. */
	checkEvery: number;
	/** The memory to bound, in bytes (`heapAndBuffers`). */
	measure: () => number;
	/** Runs one collection; the next measurement waits until it has finished. */
	collect: () => unknown;
	/**
	 * A full collection that is done when it returns, for a single release of `growth` bytes or more (one big
	 * message): a collection in the background lets the next big message be read before it has freed this one
	 * (measured: a 50 MB message uploaded and verified peaked at 155–185 MiB that way, 130 MiB with this).
	 */
	collectNow?: () => void;
	/**
	 * Runs the measurement (and the collection) later: by the next turn of the event loop whoever released the
	 * bytes has let go of them, so a collection started then can free them. @default setImmediate
	 */
	defer?: (run: () => void) => void;
}>;

/**
 * V8's heap in use plus the memory outside it that V8 accounts for (ArrayBuffers, Buffers): what dead objects and
 * dead message buffers make grow. From V8's heap statistics (a third of `process.memoryUsage()`'s cost, which
 * also reads the resident size from /proc); `process.memoryUsage()` where they lack `external_memory`.
 */
export function heapAndBuffers(): number {
	const stats = getHeapStatistics() as ReturnType<typeof getHeapStatistics> & {external_memory?: number};
	if (typeof stats.external_memory === 'number') return stats.used_heap_size + stats.external_memory;
	const usage = process.memoryUsage();
	return usage.heapUsed + usage.arrayBuffers;
}

/**
 * Collects when dead memory has piled up, not at every step of uploaded bytes: messages read into the ring
 * leave nothing to collect, and a collection then is pure cost (a forced one every 32 MiB uploaded was, with the
 * collections V8 started for new buffers, a quarter of the client's CPU: docs/benchmarks.md "#14: one ring for
 * message buffers"). The memory is measured every `checkEvery` released bytes (on the next turn of the event
 * loop), and a collection runs when it has grown `growth` since the last one ended (the floor: what was in use
 * right after it). app/migrate.ts counts every message given back (EngineDeps.messageBuffers): uploads, skips and
 * the verify after the run alike.
 */
export class CollectOnGrowth {
	readonly #options: CollectOnGrowthOptions;
	#floor: number;
	#sinceCheck = 0;
	/** A measurement is scheduled or a collection is running: released bytes are only counted meanwhile. */
	#isBusy = false;
	#collections = 0;

	constructor(options: CollectOnGrowthOptions) {
		this.#options = options;
		this.#floor = this.#measure() ?? 0;
	}

	/** Collections started so far (for tests and measurements). */
	get collections(): number {
		return this.#collections;
	}

	/** Counts `bytes` more released; measures once per `checkEvery` and collects when the memory has grown enough. */
	released(bytes: number): void {
		this.#sinceCheck += bytes;
		const collectNow = this.#options.collectNow;
		if (collectNow !== undefined && bytes >= this.#options.growth) {
			this.#sinceCheck = 0;
			(this.#options.defer ?? setImmediate)(() => {
				this.#collections++;
				try {
					collectNow();
				} catch {
					// An optimization, never a failure.
				}
				this.#floor = this.#measure() ?? this.#floor;
			});
			return;
		}
		if (this.#sinceCheck < this.#options.checkEvery || this.#isBusy) return;
		this.#sinceCheck = 0;
		this.#isBusy = true;
		(this.#options.defer ?? setImmediate)(() => this.#check());
	}

	#check(): void {
		const now = this.#measure();
		if (now === undefined || now < this.#floor + this.#options.growth) {
			this.#isBusy = false;
			return;
		}
		this.#collections++;
		const ended = (): void => {
			this.#isBusy = false;
			this.#floor = this.#measure() ?? this.#floor;
		};
		try {
			void Promise.resolve(this.#options.collect()).then(ended, ended);
		} catch {
			ended();
		}
	}

	/** The measurement, or undefined when it failed (then nothing is collected: an optimization, never a failure). */
	#measure(): number | undefined {
		try {
			return this.#options.measure();
		} catch {
			return undefined;
		}
	}
}
