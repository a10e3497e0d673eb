/**
 * StatsStore: folds engine events into an immutable snapshot (totals, per-folder counts, rates, ETA) that
 * renderers read — the plain reporter now, the ink dashboard later (useSyncExternalStore needs the same
 * object back until something changed, so `snapshot()` is cached until the next event).
 * Rates are a moving window over the last 30 s (restic-style), so a stall shows as a falling rate.
 */
import type {EngineEvent} from '../contracts/events.js';

export type FolderStats = Readonly<{folder: string; mailbox: string; total?: number; done: number; uploaded: number; skipped: number; failed: number; state: 'running' | 'done'}>;

export type StatsSnapshot = Readonly<{
	dryRun: boolean;
	startedAt: number;
	totalMessages?: number;
	totalBytes?: number;
	/** Messages processed (uploaded + skipped + failed). */
	done: number;
	uploaded: number;
	skipped: number;
	failed: number;
	/** Bytes uploaded (CRLF). */
	bytes: number;
	messagesPerSecond: number;
	bytesPerSecond: number;
	/**
	 * Seconds left, when the total is known and the rate is non-zero: by messages when the store counted them,
	 * else by bytes (an mbox is counted only by reading it all, but its file size is known at once). The byte
	 * estimate compares uploaded bytes with the store's size, so skipped messages (a resumed run) make it high.
	 */
	etaSeconds?: number;
	currentFolder?: string;
	connections: number;
	/** Parallel uploads asked for with +/- (undefined until changed). */
	connectionsTarget?: number;
	folders: readonly FolderStats[];
	/** Until when the server asked us to pause (ms since epoch), and why. */
	throttleUntil?: number;
	throttleReason?: string;
	/** Recent notable events, newest last (bounded: LOG_LIMIT), and how many older ones were dropped. */
	log: readonly LogLine[];
	logDropped: number;
	finished: boolean;
}>;

export type LogLine = Readonly<{at: number; level: 'info' | 'warn' | 'error'; text: string}>;

/** Notable events kept for display; the report file has all of them. */
export const LOG_LIMIT = 200;

const WINDOW_MS = 30_000;

export class StatsStore {
	readonly #now: () => number;
	#snapshot: StatsSnapshot | undefined;
	#state: {
		dryRun: boolean; startedAt: number; totalMessages?: number; totalBytes?: number; done: number; uploaded: number;
		skipped: number; failed: number; bytes: number; currentFolder?: string; connections: Set<number>;
		folders: Map<string, {folder: string; mailbox: string; total?: number; done: number; uploaded: number; skipped: number; failed: number; state: 'running' | 'done'}>;
		connectionsTarget?: number; throttleUntil?: number; throttleReason?: string; log: LogLine[]; logDropped: number; finished: boolean;
	};
	readonly #listeners = new Set<() => void>();
	#notifyTimer: NodeJS.Timeout | undefined;
	readonly #samples: Array<{at: number; done: number; bytes: number}> = [];

	constructor(now: () => number = Date.now) {
		this.#now = now;
		this.#state = {dryRun: false, startedAt: now(), done: 0, uploaded: 0, skipped: 0, failed: 0, bytes: 0, connections: new Set(), folders: new Map(), log: [], logDropped: 0, finished: false};
	}

	readonly apply = (event: EngineEvent): void => {
		const s = this.#state;
		switch (event.type) {
			case 'run:start':
				s.dryRun = event.dryRun;
				s.startedAt = this.#now();
				// Samples taken before the run started (the reporter's timer runs during the folder scan) would
				// stretch the first rate window back into the scan.
				this.#samples.length = 0;
				this.#samples.push({at: s.startedAt, done: 0, bytes: 0});
				if (event.messages !== undefined) s.totalMessages = event.messages;
				if (event.bytes !== undefined) s.totalBytes = event.bytes;
				break;
			case 'folder:start':
				s.currentFolder = event.folder;
				s.folders.set(event.folder, {folder: event.folder, mailbox: event.mailbox, ...(event.total === undefined ? {} : {total: event.total}), done: 0, uploaded: 0, skipped: 0, failed: 0, state: 'running'});
				break;
			case 'message:uploaded': {
				s.done++;
				s.uploaded++;
				s.bytes += event.bytes;
				const f = s.folders.get(event.ref.folder);
				if (f) { f.done++; f.uploaded++; }
				break;
			}
			case 'message:skipped': {
				s.done++;
				s.skipped++;
				const f = s.folders.get(event.ref.folder);
				if (f) { f.done++; f.skipped++; }
				break;
			}
			case 'message:failed': {
				this.#log('error', `${event.ref.location}: ${event.message}`);
				s.done++;
				s.failed++;
				const f = s.folders.get(event.ref.folder);
				if (f) { f.done++; f.failed++; }
				break;
			}
			case 'folder:done': {
				const f = s.folders.get(event.folder);
				if (f) f.state = 'done';
				if (f) this.#log('info', `${f.folder} → ${f.mailbox}: ${f.uploaded} uploaded${f.skipped ? `, ${f.skipped} skipped` : ''}${f.failed ? `, ${f.failed} failed` : ''}`);
				break;
			}
			case 'warning':
				this.#log('warn', `${event.location ?? event.folder ?? ''}${event.location || event.folder ? ': ' : ''}${event.message}`);
				break;
			case 'throttle':
				s.throttleUntil = event.untilMs;
				s.throttleReason = event.reason;
				this.#log('warn', `the server asked to slow down: ${event.reason}`);
				break;
			case 'notice':
				this.#log('info', event.message);
				break;
			case 'connections:target':
				s.connectionsTarget = event.connections;
				break;
			case 'run:done':
				s.finished = true;
				break;
			case 'connection':
				if (event.state === 'up') s.connections.add(event.id);
				else s.connections.delete(event.id);
				break;
			default:
				return;
		}
		this.#snapshot = undefined;
		this.#scheduleNotify();
	};

	/**
	 * Subscribes to changes; listeners are called at most every 100 ms (a run can process thousands of
	 * messages a minute; React must not render per message). The timer is unref'ed. Returns an unsubscriber.
	 */
	readonly subscribe = (listener: () => void): (() => void) => {
		this.#listeners.add(listener);
		return () => this.#listeners.delete(listener);
	};

	/** Stable identity until something changes (useSyncExternalStore requires it). */
	readonly getSnapshot = (): StatsSnapshot => this.snapshot();

	#scheduleNotify(): void {
		if (this.#notifyTimer || this.#listeners.size === 0) return;
		this.#notifyTimer = setTimeout(() => {
			this.#notifyTimer = undefined;
			for (const listener of this.#listeners) listener();
		}, 100);
		this.#notifyTimer.unref();
	}

	#log(level: LogLine['level'], text: string): void {
		const s = this.#state;
		s.log.push({at: this.#now(), level, text});
		if (s.log.length > LOG_LIMIT) {
			s.log.shift();
			s.logDropped++;
		}
	}

	/** Recomputes and notifies now (a renderer's 1 s timer: rates fall and countdowns move while nothing happens). */
	readonly tick = (): void => {
		this.#snapshot = undefined;
		for (const listener of this.#listeners) listener();
	};

	/** Forces the next snapshot to be recomputed, so rates fall and the ETA grows during a stall (timer-driven). */
	refresh(): void {
		this.#snapshot = undefined;
	}

	/** The current snapshot; the same object until the next state change or `refresh()`. */
	snapshot(): StatsSnapshot {
		if (this.#snapshot) return this.#snapshot;
		const s = this.#state;
		const now = this.#now();
		this.#samples.push({at: now, done: s.done, bytes: s.bytes});
		// Baseline = the newest sample at least WINDOW_MS old (or the oldest we have): rate over the last ~30 s.
		while (this.#samples.length > 2 && (this.#samples[1]?.at ?? now) <= now - WINDOW_MS) this.#samples.shift();
		const from = this.#samples[0] ?? {at: s.startedAt, done: 0, bytes: 0};
		const span = Math.max(1, now - from.at);
		const messagesPerSecond = ((s.done - from.done) * 1000) / span;
		const bytesPerSecond = ((s.bytes - from.bytes) * 1000) / span;
		let etaSeconds: number | undefined;
		if (s.totalMessages !== undefined && messagesPerSecond > 0) etaSeconds = Math.max(0, (s.totalMessages - s.done) / messagesPerSecond);
		else if (s.totalMessages === undefined && s.totalBytes !== undefined && bytesPerSecond > 0) etaSeconds = Math.max(0, (s.totalBytes - s.bytes) / bytesPerSecond);
		this.#snapshot = {
			dryRun: s.dryRun, startedAt: s.startedAt, done: s.done, uploaded: s.uploaded, skipped: s.skipped, failed: s.failed, bytes: s.bytes,
			messagesPerSecond, bytesPerSecond, connections: s.connections.size,
			...(s.totalMessages === undefined ? {} : {totalMessages: s.totalMessages}),
			...(s.totalBytes === undefined ? {} : {totalBytes: s.totalBytes}),
			...(etaSeconds === undefined ? {} : {etaSeconds}),
			...(s.currentFolder === undefined ? {} : {currentFolder: s.currentFolder}),
			folders: [...s.folders.values()].map((f) => ({...f})),
			...(s.connectionsTarget === undefined ? {} : {connectionsTarget: s.connectionsTarget}),
			...(s.throttleUntil === undefined ? {} : {throttleUntil: s.throttleUntil}),
			...(s.throttleReason === undefined ? {} : {throttleReason: s.throttleReason}),
			log: [...s.log], logDropped: s.logDropped, finished: s.finished,
		};
		return this.#snapshot;
	}
}
