/**
 * Scheduler: how many uploads run at once, and when the reader may be pulled again (back-pressure, STYLE
 * rule 9). At most `2 × connections` messages wait in the queue plus `connections × window` in flight
 * (window = the sink's appendWindow, e.g. a MULTIAPPEND batch; 1 otherwise), and never more than
 * MAX_IN_FLIGHT_BYTES of message bytes (beyond one message). Also the run's budgets (--max-duration, the
 * byte budget), and the controls: pause/resume, the connection count, and a stop, which drops what is queued.
 * One per run; call `dispose()` at its end.
 */
import {setMaxListeners} from 'node:events';
import PQueue from 'p-queue';
import type {EngineControls} from '../contracts/controls.js';
import type {EventSink} from '../contracts/events.js';
import type {MailSink} from '../contracts/mail-sink.js';

/**
 * Message bytes handed to the sink and not yet answered (a batching sink holds whole batches): two of its largest
 * batches (8 MiB), 4 MiB per connection at the default 4. Measured on the standard corpus (docs/benchmarks.md
 * "#14: one ring for message buffers"): 16 MiB uploads as fast as 40 MiB did, and the message ring
 * (util/buffer-ring.ts) it has to fit in is 24 MiB smaller.
 */
const MAX_IN_FLIGHT_BYTES = 16 * 1024 * 1024;

export type SchedulerOptions = Readonly<{
	/** Parallel uploads (= IMAP connections). */
	connections: number;
	/** Stop feeding after this long (graceful; resumable). @default unlimited */
	maxDurationMs?: number;
	/** Stop feeding before the uploaded bytes would pass this (graceful; resumable). @default unlimited */
	byteBudget?: number;
	/** When the run started (for maxDurationMs), in `now()` time. */
	startedAt: number;
	now: () => number;
	/** Told how many queued messages a stop dropped (they were read, not sent). */
	onDropped: (count: number) => void;
}>;

/** Whether the next message may go: 'go', or why not ('stopped' before or after waiting for room, or a budget). */
export type Admission = Readonly<{verdict: 'go'}> | Readonly<{verdict: 'stopped'}> | Readonly<{verdict: 'stopped-waiting'}> | Readonly<{verdict: 'budget'; reason: string}>;

export class Scheduler {
	readonly #queue: PQueue;
	readonly #options: SchedulerOptions;
	readonly #controls: EngineControls;
	readonly #window: number;
	readonly #unsubscribe: () => void;
	readonly #bytesFreed: Array<() => void> = [];
	#connections: number;
	#inFlightBytes = 0;
	#queuedBytes = 0;
	/** What to tell each queued task that has not started, should a stop drop it. */
	readonly #notStarted = new Set<() => void>();

	constructor(sink: MailSink, events: EventSink, controls: EngineControls, options: SchedulerOptions) {
		this.#options = options;
		this.#controls = controls;
		this.#window = Math.max(1, sink.appendWindow?.() ?? 1);
		this.#connections = Math.max(1, options.connections);
		this.#queue = new PQueue({concurrency: this.#connections * this.#window});
		this.#expectListeners();
		this.#unsubscribe = controls.subscribe((change) => {
			if (change.type === 'pause') this.#queue.pause();
			else if (change.type === 'resume') this.#queue.start();
			else {
				this.#connections = change.connections;
				sink.setConnections?.(this.#connections);
				this.#queue.concurrency = this.#connections * this.#window;
				this.#expectListeners();
				events.emit({type: 'connections:target', connections: this.#connections});
			}
		});
		// A pause asked for before the run started (the dashboard is up while the store is being opened) holds.
		if (controls.isPaused) this.#queue.pause();
		// A stop (graceful or fatal) lets uploads in flight finish but never starts the queued ones: after
		// OVER_QUOTA they would only fail too, and after Ctrl-C the user asked us to stop.
		controls.stopSignal.addEventListener('abort', () => {
			const dropped = this.#queue.size;
			this.#queue.clear();
			for (const onDropped of this.#notStarted) onDropped();
			this.#notStarted.clear();
			options.onDropped(dropped);
		}, {once: true});
	}

	/** Waits until a message of `bytes` may be queued: room in the queue and in the in-flight bytes, budgets left. */
	async admit(bytes: number): Promise<Admission> {
		const options = this.#options;
		await this.#queue.onSizeLessThan(2 * this.#connections);
		if (this.#controls.isStopping) return {verdict: 'stopped'};
		const overBudget = options.byteBudget !== undefined && this.#queuedBytes + bytes > options.byteBudget;
		const overTime = options.maxDurationMs !== undefined && options.now() - options.startedAt >= options.maxDurationMs;
		if (overBudget || overTime) {
			return {verdict: 'budget', reason: overBudget
				? `the byte budget (${options.byteBudget} bytes) for this run is used up; run the same command again (e.g. tomorrow) to continue.`
				: `the time limit (--max-duration) is reached; run the same command again to continue.`};
		}
		while (this.#inFlightBytes > 0 && this.#inFlightBytes + bytes > MAX_IN_FLIGHT_BYTES) {
			await new Promise<void>((resolve) => this.#bytesFreed.push(resolve));
		}
		return this.#controls.isStopping ? {verdict: 'stopped-waiting'} : {verdict: 'go'};
	}

	/**
	 * Queues an admitted message's upload; its bytes count as in flight until `task` settles. `onDropped` is called
	 * instead of `task` when a stop drops it before it started.
	 */
	submit(bytes: number, task: () => Promise<void>, onDropped?: () => void): void {
		this.#queuedBytes += bytes;
		this.#inFlightBytes += bytes;
		const dropped = onDropped ?? ((): void => {});
		this.#notStarted.add(dropped);
		void this.#queue.add(() => {
			this.#notStarted.delete(dropped);
			return task();
		}).finally(() => {
			this.#inFlightBytes -= bytes;
			for (const wake of this.#bytesFreed.splice(0)) wake();
		});
	}

	/** Resolves when nothing is queued or in flight. */
	idle(): Promise<void> {
		return this.#queue.onIdle();
	}

	dispose(): void {
		this.#unsubscribe();
	}

	/**
	 * Every upload in flight may wait on the run's signals (pacing, backoff, a look on the server): that many
	 * listeners are expected, not a leak, so Node's warning (at 11) is raised to the bound the queue enforces.
	 */
	#expectListeners(): void {
		setMaxListeners(Math.max(10, 2 * this.#connections * this.#window + 10), this.#controls.abortSignal, this.#controls.stopSignal);
	}
}
