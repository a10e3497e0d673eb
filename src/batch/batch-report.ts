/**
 * The batch's results for admins: `report.csv` and `report.json` (one entry per plan row), and
 * `batch-state.json` (the last result of every row, read by `--only-failed`), all in the --out directory and
 * written atomically (tmp + fsync + rename). No password is ever part of a RowResult: urls are written as
 * imap(s)://user@host:port, and error texts are redacted by the caller.
 */
import {toolVersion} from '../util/tool-version.js';
import {readFile} from 'node:fs/promises';
import {join} from 'node:path';
import {EXIT_CODE_DESCRIPTIONS} from '../contracts/exit-codes.js';
import type {ExitCodeValue} from '../contracts/exit-codes.js';
import {atomicWrite} from '../util/atomic-write.js';
import {formatCsv} from './csv.js';

export type RowStatus = 'ok' | 'failed' | 'interrupted' | 'not-run';
export type VerifyStatus = 'ok' | 'failed' | 'not-run';

/** One row's outcome. `exitCode` is what `mailshift migrate` would have returned for this mailbox. */
export type RowResult = Readonly<{
	id: string;
	row: number;
	source: string;
	url: string;
	status: RowStatus;
	found: number;
	uploaded: number;
	skipped: number;
	failed: number;
	bytes: number;
	durationSeconds: number;
	verify: VerifyStatus;
	verifyDetail: string;
	exitCode: ExitCodeValue;
	error: string;
	/** Connections the row ran with (after the per-server cap). */
	connections: number;
	journal: string;
	/** True when this entry comes from an earlier run (not re-run because of --only-failed). */
	fromEarlierRun: boolean;
	finishedAt: string;
}>;

export const REPORT_CSV = 'report.csv';
export const REPORT_JSON = 'report.json';
export const BATCH_STATE = 'batch-state.json';

const CSV_COLUMNS = ['id', 'row', 'source', 'url', 'status', 'found', 'uploaded', 'skipped', 'failed', 'bytes', 'duration_s', 'verify', 'exit_code', 'exit_meaning', 'error', 'verify_detail', 'connections', 'journal', 'from_earlier_run', 'finished_at'] as const;

/** report.csv text (CRLF, RFC 4180 quoting). Pure. */
export function formatReportCsv(results: readonly RowResult[]): string {
	return formatCsv([
		[...CSV_COLUMNS],
		...results.map((r) => [
			r.id, r.row, r.source, r.url, r.status, r.found, r.uploaded, r.skipped, r.failed, r.bytes, r.durationSeconds.toFixed(1), r.verify,
			r.exitCode, EXIT_CODE_DESCRIPTIONS[r.exitCode], r.error, r.verifyDetail, r.connections, r.journal, r.fromEarlierRun, r.finishedAt,
		]),
	]);
}

export type BatchReport = Readonly<{
	plan: string;
	startedAt: string;
	finishedAt: string;
	exitCode: ExitCodeValue;
	interrupted: boolean;
	onlyFailed: boolean;
	results: readonly RowResult[];
}>;

/**
 * The batch report's schema version: 2 since the header matches `migrate`'s report (`schemaVersion`, `kind`,
 * `tool`, `version` = mailshift's version; schema 1 had `version: 1` for the schema).
 */
export const BATCH_REPORT_SCHEMA_VERSION = 2;

/** report.json text: totals, the rows, and the meaning of every exit code. Pure but for reading the tool version once. */
export function formatReportJson(report: BatchReport): string {
	const totals = {rows: report.results.length, ok: 0, failed: 0, interrupted: 0, notRun: 0, found: 0, uploaded: 0, skipped: 0, failedMessages: 0, bytes: 0};
	for (const r of report.results) {
		if (r.status === 'ok') totals.ok++;
		else if (r.status === 'failed') totals.failed++;
		else if (r.status === 'interrupted') totals.interrupted++;
		else totals.notRun++;
		totals.found += r.found;
		totals.uploaded += r.uploaded;
		totals.skipped += r.skipped;
		totals.failedMessages += r.failed;
		totals.bytes += r.bytes;
	}
	return JSON.stringify({schemaVersion: BATCH_REPORT_SCHEMA_VERSION, kind: 'batch', tool: 'mailshift', version: toolVersion(), ...report, totals, exitCodes: EXIT_CODE_DESCRIPTIONS}, null, 2) + '\n';
}

/** Writes report.csv and report.json into `dir` (which must exist). Returns their paths. */
export async function writeReports(dir: string, report: BatchReport): Promise<readonly [string, string]> {
	const csv = join(dir, REPORT_CSV);
	const json = join(dir, REPORT_JSON);
	await atomicWrite(csv, formatReportCsv(report.results));
	await atomicWrite(json, formatReportJson(report));
	return [csv, json];
}

/** The last known result per row id (batch-state.json). */
export type BatchState = Readonly<{version: 1; plan: string; rows: Readonly<Record<string, RowResult>>}>;

/** Reads batch-state.json from `dir`; undefined when there is none. Throws on a corrupt file. */
export async function readBatchState(dir: string): Promise<BatchState | undefined> {
	let text: string;
	try {
		text = await readFile(join(dir, BATCH_STATE), 'utf8');
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
		throw error;
	}
	const data = JSON.parse(text) as Partial<BatchState>;
	if (data.version !== 1 || typeof data.rows !== 'object' || data.rows === null) throw new Error(`${join(dir, BATCH_STATE)} is not a mailshift batch state file`);
	return data as BatchState;
}

/** Writes batch-state.json atomically (mode 0600: it names accounts). */
export async function writeBatchState(dir: string, state: BatchState): Promise<void> {
	await atomicWrite(join(dir, BATCH_STATE), JSON.stringify(state, null, 2) + '\n', 0o600);
}
