/**
 * runRowsInParallel: the batch's row pool — at most `parallel` rows at once, in plan order, each started only
 * when the per-server cap grants it connections (batch/connection-semaphore.ts). After a stop no further row
 * starts (rows waiting for connections give up; running rows are stopped by their own controls).
 * Resolves when every worker is done; rejects with what `runRow` throws (runBatchRow never throws).
 */
import type {EngineControls} from '../contracts/controls.js';
import type {BatchRow} from '../batch/batch-plan.js';
import type {ServerConnectionCaps} from '../batch/connection-semaphore.js';
import type {ConnectionPermit} from '../batch/connection-semaphore.js';

export type RowPoolOptions = Readonly<{
	/** Rows at once (at least one worker runs). */
	parallel: number;
	caps: ServerConnectionCaps;
	/** The batch's controls: a stop ends the pool. */
	controls: EngineControls;
	/** Connections a row asks for when its `connections` column is empty. */
	defaultConnections: number;
}>;

/** Runs `runRow(row, granted connections)` for each row (see the file header); the permit is released after each row. */
export async function runRowsInParallel(rows: readonly BatchRow[], options: RowPoolOptions, runRow: (row: BatchRow, connections: number) => Promise<void>): Promise<void> {
	let next = 0;
	const worker = async (): Promise<void> => {
		for (;;) {
			const row = rows[next++];
			if (!row) return;
			if (options.controls.isStopping) continue;
			const semaphore = options.caps.forServer(row.target.host, row.target.port);
			let permit: ConnectionPermit;
			try {
				permit = await semaphore.acquire(row.connections ?? options.defaultConnections, options.controls.stopSignal);
			} catch {
				continue;
			}
			try {
				await runRow(row, permit.count);
			} finally {
				permit.release();
			}
		}
	};
	await Promise.all(Array.from({length: Math.min(options.parallel, Math.max(1, rows.length))}, () => worker()));
}
