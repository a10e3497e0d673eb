/**
 * How a running batch shows progress when not --json: the fleet view (io.presenter) on a terminal outside CI —
 * lines said meanwhile wait until it is gone — else a live line per running row every `statsIntervalMs`
 * (0: only the rows' start and finish lines). Started once per batch; `stop()` is idempotent.
 */
import type {StatsSnapshot} from '../engine/stats.js';
import {formatBytes, formatCount} from '../util/format.js';
import type {BatchRow} from '../batch/batch-plan.js';
import type {CliIo} from './migrate.js';
import type {BatchOutput} from './batch-output.js';
import type {ActiveRow, RowRun} from './batch-row.js';

/** What the display reads: the rows of this run, those running now, and the results so far. */
export type BatchView = Readonly<{
	title: string;
	selected: readonly BatchRow[];
	active: ReadonlyMap<string, ActiveRow>;
	results: ReadonlyMap<string, RowRun>;
}>;

/**
 * Starts the display (see the file header).
 * @returns `stop`: ends the fleet view and writes the lines that waited, or ends the live lines.
 * @throws what the presenter's fleet view throws when it cannot start.
 */
export async function startBatchProgress(io: CliIo, output: BatchOutput, statsIntervalMs: number, view: BatchView): Promise<{stop(): void}> {
	if (io.presenter?.fleetView && io.stderr.isTTY && !io.env['CI']) {
		const finished = (id: string): 'ok' | 'failed' | 'interrupted' | undefined => {
			const status = view.results.get(id)?.result.status;
			return status === 'ok' || status === 'failed' || status === 'interrupted' ? status : status === undefined ? undefined : 'failed';
		};
		const fleet = await io.presenter.fleetView({
			title: view.title, stdout: io.stderr,
			rows: () => view.selected.map((row) => {
				const a = view.active.get(row.id);
				const end = finished(row.id);
				return a ? {id: row.id, state: 'running' as const, snapshot: a.stats.snapshot(), connections: a.connections} : {id: row.id, state: end ?? ('waiting' as const)};
			}),
		});
		output.hold();
		let isStopped = false;
		return {
			stop: () => {
				if (!isStopped) fleet.stop();
				isStopped = true;
				output.release();
			},
		};
	}
	if (statsIntervalMs > 0) {
		const timer = setInterval(() => {
			for (const [id, a] of view.active) output.say(liveLine(id, a.stats.snapshot(), a.connections));
		}, statsIntervalMs);
		timer.unref();
		return {stop: () => clearInterval(timer)};
	}
	return {stop: () => {}};
}

/** One live line for a running row. Pure. */
export function liveLine(id: string, s: StatsSnapshot, connections: number, now = Date.now()): string {
	const total = s.totalMessages;
	const progress = total === undefined ? `${formatCount(s.done)} msgs` : `${formatCount(s.done)}/${formatCount(total)} msgs (${total === 0 ? 100 : Math.floor((s.done * 100) / total)}%)`;
	const state = s.throttleUntil !== undefined && s.throttleUntil > now ? 'throttled by the server'
		: total === undefined ? 'scanning' : s.done >= total ? 'verifying' : 'running';
	return `[${id}] ${progress}, ${s.messagesPerSecond.toFixed(1)} msg/s, ${formatBytes(Math.round(s.bytesPerSecond))}/s, ${s.failed} failed, ${connections} conn, ${state}`;
}
