/**
 * The dry-run table of a batch: per row messages, to upload, already on the server, size, estimated time and
 * whether it fits the quota, and the totals (the NDJSON events `batch:dry-run:row` and `batch:dry-run:total`
 * with --json). A dry run writes no files.
 */
import {formatBytes, formatDuration} from '../util/format.js';
import {parseBytes} from '../util/units.js';
import type {BatchRow} from '../batch/batch-plan.js';
import type {CliIo} from './migrate.js';
import type {RowRun} from './batch-row.js';

/** Dry-run estimate when a row has no bwlimit: this many bytes and messages per second per mailbox. */
export const ASSUMED_BYTES_PER_SECOND = 1024 * 1024;
export const ASSUMED_MESSAGES_PER_SECOND = 10;

/** Estimated seconds for a dry-run row: the slower of the byte rate and the message rate. Pure. */
export function estimateSeconds(messages: number, bytes: number, bytesPerSecond: number | undefined): number {
	return Math.max(bytes / (bytesPerSecond ?? ASSUMED_BYTES_PER_SECOND), bytesPerSecond === undefined ? messages / ASSUMED_MESSAGES_PER_SECOND : 0);
}

/** Prints the table (not with --json) and emits its events, for the rows that ran. */
export function printDryRun(rows: readonly BatchRow[], results: ReadonlyMap<string, RowRun>, config: Readonly<{parallel: number; json: boolean}>, io: CliIo, emit: (o: Record<string, unknown>) => void): void {
	const lines = ['DRY RUN — nothing was written.', 'Row                   Messages  To upload  On server        Size   Est. time  Quota'];
	let messages = 0;
	let upload = 0;
	let bytes = 0;
	let seconds = 0;
	for (const row of rows) {
		const run = results.get(row.id);
		if (!run) continue;
		const bps = row.bwlimit === undefined ? undefined : parseBytes(row.bwlimit);
		const rowSeconds = estimateSeconds(run.dryUpload ?? 0, run.dryBytes ?? 0, bps);
		const q = run.quota;
		const quota = run.result.status !== 'ok' ? `error: ${run.result.error}` : q === undefined ? 'not reported' : q.limitBytes - q.usedBytes >= (run.dryBytes ?? 0) ? `fits (${formatBytes(q.limitBytes - q.usedBytes)} free)` : `does NOT fit (${formatBytes((run.dryBytes ?? 0) - (q.limitBytes - q.usedBytes))} short)`;
		messages += run.dryFound ?? 0;
		upload += run.dryUpload ?? 0;
		bytes += run.dryBytes ?? 0;
		seconds += rowSeconds;
		emit({type: 'batch:dry-run:row', row: row.id, messages: run.dryFound ?? 0, toUpload: run.dryUpload ?? 0, onServer: run.dryPresent ?? 0, bytes: run.dryBytes ?? 0, estimatedSeconds: Math.round(rowSeconds),
			quota: q ? {usedBytes: q.usedBytes, limitBytes: q.limitBytes, fits: q.limitBytes - q.usedBytes >= (run.dryBytes ?? 0)} : null, exitCode: run.result.exitCode, error: run.result.error || null});
		lines.push(`${row.id.padEnd(20).slice(0, 20)}  ${String(run.dryFound ?? 0).padStart(8)} ${String(run.dryUpload ?? 0).padStart(10)} ${String(run.dryPresent ?? 0).padStart(10)} ${formatBytes(run.dryBytes ?? 0).padStart(11)} ${formatDuration(rowSeconds).padStart(11)}  ${quota}`);
	}
	const wall = seconds / Math.max(1, Math.min(config.parallel, rows.length));
	emit({type: 'batch:dry-run:total', rows: rows.length, messages, toUpload: upload, bytes, estimatedSeconds: Math.round(wall), assumption: {bytesPerSecond: ASSUMED_BYTES_PER_SECOND, messagesPerSecond: ASSUMED_MESSAGES_PER_SECOND, parallel: config.parallel}});
	lines.push(`${'Total'.padEnd(20)}  ${String(messages).padStart(8)} ${String(upload).padStart(10)} ${''.padStart(10)} ${formatBytes(bytes).padStart(11)} ${formatDuration(wall).padStart(11)}`);
	lines.push(`Estimated time: at each row's bwlimit, else assuming ${formatBytes(ASSUMED_BYTES_PER_SECOND)}/s and ${ASSUMED_MESSAGES_PER_SECOND} messages/s per mailbox (whichever is slower); the total assumes ${Math.min(config.parallel, rows.length)} rows at a time.`);
	if (!config.json) io.stdout.write(lines.join('\n') + '\n');
}
