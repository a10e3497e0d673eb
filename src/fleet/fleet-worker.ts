/**
 * `mailshift worker`: takes plan rows from the fleet queue and migrates them, `concurrency` at a time (issue #15).
 * Any number of workers on any number of machines share one queue; each row runs on one worker at a time.
 *
 * Per row: take the row's lease (RowLease: heartbeat, fencing generation), get connections under the
 * fleet-wide caps, run the row through run-row.ts (the batch use case) with a PgJournal fenced by the lease,
 * wait until the journal is committed, then end the job in the same transaction that checks the lease
 * (FleetQueue.finishRow). A worker that loses a lease (paused, cut off) aborts that row at once and leaves it
 * to the worker that took it. Every worker also reaps expired leases, so a dead worker's rows go back to the
 * queue within one lease (+ a third of one) and resume from their journals.
 *
 * SIGTERM (or Ctrl-C; via io.onStop) is a graceful stop: no new rows; running rows stop after their in-flight
 * APPENDs, commit their journals, hand their jobs back for another worker (pg-boss retry) and release their
 * leases; then the worker exits 0. A second signal aborts (in-flight APPENDs are cut: their messages stay
 * `pending` and are checked on the server by whoever resumes the row).
 *
 * Waiting for work is a poll (pg-boss 10 has no LISTEN/NOTIFY), bounded to `pollMs`; each wait also ends at once
 * when a row finishes or a stop is asked.
 */
import {EngineControls} from '../contracts/controls.js';
import type {CliIo} from '../app/migrate.js';
import {MailshiftError, toMailshiftError} from '../contracts/errors.js';
import {StatsStore} from '../engine/stats.js';
import {ExitCode, exitCodeFor} from '../contracts/exit-codes.js';
import type {ExitCodeValue} from '../contracts/exit-codes.js';
import {formatBytes, formatCount} from '../util/format.js';
import {FleetQueue, redactQueueUrl, workerName} from './fleet-queue.js';
import type {FleetJobData} from './fleet-queue.js';
import {PgJournal} from './pg-journal.js';
import {RowLease} from './row-lease.js';
import {runFleetRow} from './run-row.js';

export {DEFAULT_WORKER_CONCURRENCY} from './fleet-defaults.js';
/** Connections a row asks for when its `connections` column is empty (as `mailshift batch`). */
const DEFAULT_ROW_CONNECTIONS = 4;

export type WorkerConfig = Readonly<{
	url: string;
	queueName: string;
	/** Rows at a time. @default 2 */
	concurrency: number;
	/** Lease length; undefined = the one submitted with the plan (default 120 s). */
	leaseSeconds: number | undefined;
	/** Poll for new rows at most this often. @default 2000 */
	pollMs: number;
	/** Run the oauth-command: programs the plan names. @default false */
	allowCommands: boolean;
	/** Exit when the queue has no row left to run (for tests and one-shot runs). @default false */
	exitWhenIdle: boolean;
}>;

/** What the worker needs of the CLI's io: stderr for its lines, env for env: secrets, signal routing. */
export type WorkerIo = Pick<CliIo, 'stderr' | 'env' | 'onInterrupt'>;

type Running = {controls: EngineControls; done: Promise<void>};

/** Runs a worker until stopped. Never throws: errors are printed and become the exit code. */
export async function runWorker(config: WorkerConfig, io: WorkerIo): Promise<ExitCodeValue> {
	const name = workerName();
	const say = (line: string): void => {
		io.stderr.write(`${line.split(config.url).join(redactQueueUrl(config.url))}\n`);
	};
	let queue: FleetQueue;
	try {
		queue = await openThroughRestart(() => FleetQueue.open({url: config.url, name: config.queueName, supervise: true, maxConnections: Math.min(20, 4 + 2 * config.concurrency)}, (message) => say(`mailshift worker: ${message}`)), say);
	} catch (error) {
		const e = toMailshiftError(error);
		say(`mailshift: ${e.message}`);
		if (e.hint) say(`  ${e.hint}`);
		return exitCodeFor(e.code);
	}
	const running = new Map<string, Running>();
	let isStopping = false;
	let wake: (() => void) | undefined;
	const nudge = (): void => {
		const w = wake;
		wake = undefined;
		w?.();
	};
	// SIGTERM / Ctrl-C reach the worker's own controls (interrupt-router.ts): the first stops, the second aborts.
	const workerControls = new EngineControls();
	const uninstall = io.onInterrupt?.(workerControls);
	workerControls.stopSignal.addEventListener('abort', () => {
		if (!isStopping) say(`mailshift worker: stopping — ${running.size === 0 ? 'no row is running' : `finishing ${running.size} running row${running.size === 1 ? '' : 's'} (in-flight messages, journal), then handing ${running.size === 1 ? 'it' : 'them'} back`}.`);
		isStopping = true;
		for (const r of running.values()) r.controls.stop();
		nudge();
	}, {once: true});
	workerControls.abortSignal.addEventListener('abort', () => {
		isStopping = true;
		for (const r of running.values()) r.controls.abort();
		nudge();
	}, {once: true});
	let leaseMs = 120_000;
	let reaper: NodeJS.Timeout | undefined;
	try {
		const settings = await retryTransient(() => queue.settings(), () => !isStopping);
		leaseMs = (config.leaseSeconds ?? settings.leaseSeconds) * 1000;
		say(`mailshift worker ${name}: taking rows from ${queue.displayUrl} (queue ${queue.name}), ${config.concurrency} at a time, lease ${leaseMs / 1000} s.`);
		const reap = (): void => {
			void queue.reapExpired().then((rows) => {
				if (rows.length > 0) say(`mailshift worker: ${rows.join(', ')}: the worker running ${rows.length === 1 ? 'it' : 'them'} stopped renewing its lease; handed back to the queue.`);
				if (rows.length > 0) nudge();
			}, () => undefined);
		};
		reaper = setInterval(reap, Math.max(500, Math.floor(leaseMs / 3)));
		reap();
		let wasPaused = false;
		while (!isStopping) {
			let fetched = false;
			if (running.size < config.concurrency) {
				try {
					const paused = (await queue.settings()).isPaused;
					if (paused !== wasPaused) say(paused ? 'mailshift worker: the queue is paused; no new row starts until `mailshift fleet resume`.' : 'mailshift worker: the queue is resumed.');
					wasPaused = paused;
					const jobs = paused ? [] : await queue.boss.fetch<FleetJobData>(queue.name, {batchSize: 1});
					const job = jobs[0];
					if (job) {
						fetched = true;
						const controls = new EngineControls();
						const entry: Running = {controls, done: Promise.resolve()};
						running.set(job.id, entry);
						entry.done = runJob(job.id, job.data.rowId, controls).finally(() => {
							running.delete(job.id);
							nudge();
						});
					}
				} catch (error) {
					say(`mailshift worker: the queue cannot be read (${toMailshiftError(error).message}); trying again.`);
				}
			}
			if (!fetched) {
				if (config.exitWhenIdle && running.size === 0 && !(await hasWorkLeft(queue).catch(() => true))) break;
				await new Promise<void>((resolve) => {
					const timer = setTimeout(resolve, config.pollMs);
					wake = () => {
						clearTimeout(timer);
						resolve();
					};
				});
			}
		}
		await Promise.all([...running.values()].map((r) => r.done));
		return ExitCode.OK;
	} catch (error) {
		const e = toMailshiftError(error);
		say(`mailshift: ${e.message}`);
		for (const r of running.values()) r.controls.stop();
		await Promise.all([...running.values()].map((r) => r.done));
		return exitCodeFor(e.code);
	} finally {
		if (reaper) clearInterval(reaper);
		uninstall?.();
		await queue.close();
	}

	async function runJob(jobId: string, rowId: string, controls: EngineControls): Promise<void> {
		const tag = `[${rowId}]`;
		const row = await queue.rowSpec(rowId).catch(() => undefined);
		if (!row || row.state === 'cancelled') {
			await queue.boss.complete(queue.name, jobId, {state: 'cancelled'}).catch(() => undefined);
			return;
		}
		let lease: RowLease;
		try {
			lease = await RowLease.acquire(queue.pool, {
				rowKey: queue.rowKey(rowId), worker: name, jobId, leaseMs,
				onLost: (error) => {
					say(`${tag} ${error.message}`);
					controls.abort();
				},
			});
		} catch (error) {
			say(`${tag} not started: ${toMailshiftError(error).message}`);
			return;
		}
		const stats = new StatsStore();
		let journal: PgJournal | undefined;
		// Watchdog: checked synchronously on every tick of the timer phase, so a process resumed after a pause
		// (SIGCONT) aborts the row's connections before its heartbeat's answer comes back.
		const watchdog = setInterval(() => {
			if (!lease.isHeld() && !controls.abortSignal.aborted) {
				say(`${tag} the lease was not renewed in time; aborting this row's uploads.`);
				controls.abort();
			}
		}, 200);
		let granted = 0;
		const steer = setInterval(() => {
			const s = stats.snapshot();
			void queue.noteProgress(rowId, name, {found: s.totalMessages ?? null, done: s.done, uploaded: s.uploaded, skipped: s.skipped, failed: s.failed, bytes: s.bytes, messagesPerSecond: s.messagesPerSecond, connections: granted, at: new Date().toISOString()});
			void queue.rowSpec(rowId).then((r) => {
				if (r?.state === 'cancelled' && !controls.isStopping) {
					say(`${tag} cancelled: stopping after the messages in flight.`);
					controls.stop();
				}
			}, () => undefined);
		}, Math.min(5000, Math.max(500, Math.floor(leaseMs / 3))));
		const started = Date.now();
		try {
			const want = row.spec.connections ?? DEFAULT_ROW_CONNECTIONS;
			let connections = 0;
			let isWaiting = false;
			while (!controls.isStopping && lease.isHeld()) {
				connections = await queue.acquireConnections(lease.rowKey, lease.generation, row.spec.url, want, row.spec.insecure);
				if (connections > 0) break;
				if (!isWaiting) say(`${tag} waiting: the fleet's connection cap for this server or user is reached.`);
				isWaiting = true;
				await new Promise((resolve) => setTimeout(resolve, Math.min(5000, Math.max(250, Math.floor(leaseMs / 6)))));
			}
			if (connections === 0) {
				await queue.finishRow({rowId, jobId, generation: lease.generation, state: 'retry', result: {}, error: 'stopped before it started (worker stopping)'}).catch(() => undefined);
				return;
			}
			granted = connections;
			await queue.noteProgress(rowId, name, {connections, at: new Date().toISOString()});
			say(`${tag} started: ${row.spec.source} → ${row.spec.url} (${connections} connection${connections === 1 ? '' : 's'}).`);
			const outcome = await runFleetRow(row.spec, {
				connections, env: io.env, controls, stats, allowCommands: config.allowCommands,
				openJournal: async (run) => {
					// PostgreSQL may be restarting (57P01/57P03, connection refused): opened again while the lease is
					// ours; if it stays away, the row goes back to the queue (QUEUE_UNREACHABLE → state retry below).
					try {
						journal = await retryTransient(() => PgJournal.open(queue.pool, {rowKey: lease.rowKey, run, fence: lease}), () => lease.isHeld() && !controls.isStopping);
					} catch (error) {
						if (error instanceof MailshiftError) throw error;
						throw new MailshiftError('QUEUE_UNREACHABLE', `The journal of row ${rowId} could not be opened in PostgreSQL: ${(error as Error).message}.`, 'retry', {
							hint: 'The row goes back to the queue; a worker takes it again once PostgreSQL answers.', cause: error,
						});
					}
					return journal;
				},
				onLine: (line) => {
					if (line.startsWith('mailshift: ') || line.startsWith('Resuming')) say(`${tag} ${line}`);
				},
			});
			try {
				await journal?.settle();
			} catch (error) {
				say(`${tag} ${toMailshiftError(error).message}`);
			}
			const summary = outcome.summary;
			const cancelled = (await queue.rowSpec(rowId).catch(() => undefined))?.state === 'cancelled';
			// Interrupted, or the journal could not be opened (PostgreSQL away; nothing was sent): back to the queue.
			const isHandedBack = !cancelled && (outcome.exitCode === ExitCode.INTERRUPTED || (outcome.exitCode === ExitCode.UNREACHABLE && journal === undefined));
			const state = outcome.exitCode === ExitCode.OK ? 'done' : isHandedBack ? 'retry' : 'failed';
			const result = {
				status: state === 'done' ? 'ok' : state === 'retry' ? 'interrupted' : 'failed', exitCode: outcome.exitCode, verify: outcome.verify,
				found: summary?.found ?? 0, uploaded: summary?.uploaded ?? 0, skipped: summary?.skipped ?? 0, failed: summary?.failed ?? 0, bytes: summary?.bytes ?? 0,
				durationSeconds: (Date.now() - started) / 1000, worker: name, connections, finishedAt: new Date().toISOString(), error: outcome.error,
				problems: (summary?.problems ?? []).slice(0, 50).map((p) => ({folder: p.folder, location: p.location, code: p.code, reason: p.reason})),
			};
			// PostgreSQL may be restarting: the row's end is retried while the lease is ours (then the reaper's turn).
			const isFinished = await retryTransient(() => queue.finishRow({rowId, jobId, generation: lease.generation, state, result, error: outcome.error}), () => lease.isHeld());
			if (!isFinished) {
				say(`${tag} left to the worker that took it over (this worker lost its lease).`);
				return;
			}
			say(`${tag} ${state === 'done' ? 'done' : state === 'retry' ? 'interrupted, handed back to the queue' : 'failed'}: ${formatCount(result.uploaded)} uploaded, ${formatCount(result.skipped)} skipped, ${formatCount(result.failed)} failed, ${formatBytes(result.bytes)}${outcome.verify === 'ok' ? ', verified' : ''}${outcome.error ? ` — ${outcome.error}` : ''} (exit ${outcome.exitCode}).`);
		} catch (error) {
			say(`${tag} ${toMailshiftError(error).message}`);
		} finally {
			clearInterval(steer);
			clearInterval(watchdog);
			await lease.release();
		}
	}
}

/**
 * PostgreSQL answers a connection while it stops or starts with SQLSTATE 57P01/57P02/57P03 (admin/crash
 * shutdown, cannot connect now), or refuses it outright, or closes one in use — node-postgres then fails its
 * query with "Connection terminated unexpectedly" and no code (pg/lib/client.js), as a worker still opening the
 * queue saw in CI. A worker started just then waits for it, as its running rows do, instead of exiting. Anything
 * else (a wrong password, no such database) is not waited for.
 */
export function isServerRestarting(error: unknown): boolean {
	const cause = error instanceof MailshiftError ? error.cause : error;
	const {code, message} = (cause ?? {}) as {code?: unknown; message?: unknown};
	if (typeof code === 'string') return ['57P01', '57P02', '57P03', 'ECONNREFUSED', 'ECONNRESET'].includes(code);
	return message === 'Connection terminated unexpectedly';
}

/** Opens the queue, again after a restart-shaped failure, with back-off 0.25 → 4 s, at most 30 times (~2 min). */
async function openThroughRestart(open: () => Promise<FleetQueue>, say: (line: string) => void): Promise<FleetQueue> {
	for (let attempt = 0; ; attempt++) {
		try {
			return await open();
		} catch (error) {
			if (!isServerRestarting(error) || attempt >= 30) throw error;
			if (attempt === 0) say(`mailshift worker: PostgreSQL is not accepting connections yet (${toMailshiftError(error).message}); waiting for it.`);
			await new Promise((resolve) => setTimeout(resolve, Math.min(4000, 250 * 2 ** attempt)));
		}
	}
}

/**
 * Runs `fn` again after a transient (non-MailshiftError) failure, with back-off 0.25 → 4 s, while `isWorth()`
 * holds; the last error is thrown.
 */
async function retryTransient<T>(fn: () => Promise<T>, isWorth: () => boolean): Promise<T> {
	for (let attempt = 0; ; attempt++) {
		try {
			return await fn();
		} catch (error) {
			if (error instanceof MailshiftError || !isWorth() || attempt >= 60) throw error;
			await new Promise((resolve) => setTimeout(resolve, Math.min(4000, 250 * 2 ** attempt)));
		}
	}
}

/** Whether any row of the queue can still run (queued, retrying or running somewhere). */
async function hasWorkLeft(queue: FleetQueue): Promise<boolean> {
	const {rows} = await queue.pool.query<{n: string}>(`SELECT count(*)::text AS n FROM mailshift_fleet.plan_rows WHERE queue = $1 AND state IN ('queued', 'retry', 'running')`, [queue.name]);
	return Number(rows[0]?.n ?? 0) > 0;
}
