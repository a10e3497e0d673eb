/**
 * The end of a batch in data: each plan row's result (this run's, an earlier run's for --only-failed, or
 * "not run"), the batch's exit code, and the batch state kept up to date as rows finish (batch-state.json:
 * what --only-failed reads next time). Pure apart from BatchStateLog's writes.
 */
import {ExitCode} from '../contracts/exit-codes.js';
import type {ExitCodeValue} from '../contracts/exit-codes.js';
import type {BatchRow} from '../batch/batch-plan.js';
import {writeBatchState} from '../batch/batch-report.js';
import type {BatchState, RowResult} from '../batch/batch-report.js';

/** Which rows ran this time and what an earlier run left, for `planResults`. */
export type PlanResultsInput = Readonly<{
	rows: readonly BatchRow[];
	selected: readonly BatchRow[];
	/** This run's results by row id. */
	results: ReadonlyMap<string, {result: RowResult}>;
	earlier: BatchState | undefined;
	onlyFailed: boolean;
	finishedAt: string;
}>;

/** One result per plan row, in plan order. A row neither run now nor kept from earlier is "not run" (exit 6). Pure. */
export function planResults(input: PlanResultsInput): RowResult[] {
	return input.rows.map((row) => {
		const run = input.results.get(row.id)?.result;
		if (run) return run;
		const earlier = input.earlier?.rows[row.id];
		if (input.onlyFailed && earlier && !input.selected.includes(row)) return {...earlier, fromEarlierRun: true};
		return {
			id: row.id, row: row.row, source: row.source, url: row.destination, status: 'not-run', found: 0, uploaded: 0, skipped: 0, failed: 0, bytes: 0,
			durationSeconds: 0, verify: 'not-run', verifyDetail: '', exitCode: ExitCode.INTERRUPTED, error: 'not started: the batch was stopped first; run the batch again',
			connections: 0, journal: '', fromEarlierRun: false, finishedAt: input.finishedAt,
		};
	});
}

/** 6 when stopped, else 0 when every row succeeded, else 5. Pure. */
export function batchExitCode(isInterrupted: boolean, all: readonly RowResult[]): ExitCodeValue {
	return isInterrupted ? ExitCode.INTERRUPTED : all.every((r) => r.status === 'ok') ? ExitCode.OK : ExitCode.SOME_FAILED;
}

/**
 * The batch state, written after each row (one write at a time, in order; a failed write is said and the
 * batch goes on: the journals still prevent duplicates) and once more at the end.
 */
export class BatchStateLog {
	/** Every row's latest result: earlier runs' rows, then this run's as they finish. */
	rows: Record<string, RowResult>;
	readonly #out: string;
	readonly #plan: string;
	readonly #say: (line: string) => void;
	#write: Promise<void> = Promise.resolve();

	constructor(out: string, plan: string, earlier: BatchState | undefined, say: (line: string) => void) {
		this.#out = out;
		this.#plan = plan;
		this.#say = say;
		this.rows = {...(earlier?.rows ?? {})};
	}

	/** Records a finished row and queues a write of the whole state. */
	record(id: string, result: RowResult): void {
		this.rows = {...this.rows, [id]: result};
		const snapshot: BatchState = {version: 1, plan: this.#plan, rows: this.rows};
		this.#write = this.#write.then(() => writeBatchState(this.#out, snapshot)).catch((error: unknown) => this.#say(`mailshift: the batch state could not be written: ${(error as Error).message}`));
	}

	/** Resolves when the queued writes are done (they never reject). */
	settled(): Promise<void> {
		return this.#write;
	}

	/** Adds the rows not run this time that have no earlier result, and writes the state (throws what the write throws). */
	async finish(all: readonly RowResult[]): Promise<void> {
		for (const r of all) if (r.status === 'not-run' && !this.rows[r.id]) this.rows[r.id] = r;
		await writeBatchState(this.#out, {version: 1, plan: this.#plan, rows: this.rows});
	}
}
