/**
 * runBatchRow: one row of a batch through runMigrate (its own journal, verify after a complete run) with the
 * connections its permit grants, and the row's result for the reports. runMigrate's own text is captured
 * (bounded) and read only for the row's error; progress goes out as the batch's events and lines.
 * Never throws: a row that cannot run is a failed row (the batch goes on).
 */
import {PassThrough} from 'node:stream';
import type {MigrationConfig} from '../config/config.js';
import {tokenSourceFrom} from '../config/oauth-token.js';
import type {TokenSource} from '../contracts/token-source.js';
import {EngineControls} from '../contracts/controls.js';
import {MailshiftError, toMailshiftError} from '../contracts/errors.js';
import type {EngineEvent} from '../contracts/events.js';
import {ExitCode, exitCodeFor} from '../contracts/exit-codes.js';
import type {Quota} from '../contracts/mail-sink.js';
import {StatsStore} from '../engine/stats.js';
import {formatBytes, formatCount, formatDuration} from '../util/format.js';
import {ImapSink} from '../uploader/imap-sink.js';
import type {BatchRow} from '../batch/batch-plan.js';
import type {RowResult, RowStatus, VerifyStatus} from '../batch/batch-report.js';
import type {CliIo} from './migrate.js';
import {runMigrate} from './migrate.js';
import type {BatchOutput} from './batch-output.js';

/** Bound on captured per-row output (runMigrate's own text, read for error messages only). */
const CAPTURE_LIMIT = 64 * 1024;

/** One row's outcome; the dry* figures and the quota only in a dry run. */
export type RowRun = Readonly<{result: RowResult; quota?: Quota | undefined; dryFound?: number; dryBytes?: number; dryUpload?: number; dryPresent?: number}>;

/** A row being migrated, for the live lines and the fleet view, and for Ctrl-C (stop/abort every row). */
export type ActiveRow = Readonly<{controls: EngineControls; stats: StatsStore; connections: number}>;

/** What every row of one batch shares. */
export type BatchRowContext = Readonly<{
	config: Readonly<{dryRun: boolean; json: boolean}>;
	io: CliIo;
	output: BatchOutput;
	rowPasswords: ReadonlyMap<string, string>;
	configs: ReadonlyMap<string, MigrationConfig>;
	/** Rows running now; a row is in it from its start to its result. */
	active: Map<string, ActiveRow>;
	batchControls: EngineControls;
}>;

/** Runs one row (see the file header) with `connections` IMAP connections. Never throws. */
export async function runBatchRow(ctx: BatchRowContext, row: BatchRow, connections: number): Promise<RowRun> {
	const {config, io, output, active} = ctx;
	const controls = new EngineControls();
	const stats = new StatsStore();
	active.set(row.id, {controls, stats, connections});
	if (ctx.batchControls.isStopping) controls.stop();
	const started = Date.now();
	const out = capture();
	const err = capture();
	const password = ctx.rowPasswords.get(row.id) ?? '';
	output.emit({type: 'batch:row:start', row: row.id, source: row.source, url: row.destination, connections});
	if (!config.json) output.say(`[${row.id}] started: ${row.source} → ${row.destination} (${connections} connection${connections === 1 ? '' : 's'})`);
	try {
		const base = ctx.configs.get(row.id);
		if (!base) throw new MailshiftError('BUG', `No configuration for row ${row.id}.`, 'fatal');
		const rowIo: CliIo = {
			stdout: out.stream as unknown as NodeJS.WriteStream, stderr: err.stream as unknown as NodeJS.WriteStream, stdin: io.stdin,
			env: {...io.env, MAILSHIFT_PASSWORD: password},
		};
		const outcome = await runMigrate({...base, connections}, rowIo, {
			stats, controls,
			onEvent: (event: EngineEvent) => output.emit({row: row.id, ...event}),
		});
		let quota: Quota | undefined;
		if (config.dryRun && outcome.exitCode === ExitCode.OK && base.target) quota = await readQuota(row, password);
		const summary = outcome.result?.summary;
		const errorText = outcome.result?.fatal?.message
			?? err.text().split('\n').filter((l) => l.startsWith('mailshift: ')).map((l) => l.slice('mailshift: '.length)).slice(0, 3).join(' ');
		const verifyDetail = outcome.finish?.verify ?? '';
		const verify: VerifyStatus = outcome.finish?.isVerified === undefined ? 'not-run' : outcome.finish.isVerified ? 'ok' : 'failed';
		const status: RowStatus = outcome.exitCode === ExitCode.OK ? 'ok' : outcome.exitCode === ExitCode.INTERRUPTED ? 'interrupted' : 'failed';
		const result: RowResult = {
			id: row.id, row: row.row, source: row.source, url: row.destination, status,
			found: summary?.found ?? 0, uploaded: config.dryRun ? 0 : summary?.uploaded ?? 0, skipped: summary?.skipped ?? 0, failed: summary?.failed ?? 0,
			bytes: config.dryRun ? 0 : summary?.bytes ?? 0, durationSeconds: (Date.now() - started) / 1000, verify,
			verifyDetail: output.redact(verifyDetail), exitCode: outcome.exitCode, error: output.redact(status === 'ok' ? '' : errorText || (status === 'interrupted' ? 'stopped before the end; run the batch again to continue' : '')),
			connections, journal: base.journalPath ?? '', fromEarlierRun: false, finishedAt: new Date().toISOString(),
		};
		output.emit({type: 'batch:row:done', row: row.id, result});
		if (!config.json) output.say(`[${row.id}] ${status === 'ok' ? 'done' : status}: ${formatCount(result.uploaded)} uploaded, ${formatCount(result.skipped)} skipped, ${formatCount(result.failed)} failed, ${formatBytes(result.bytes)} in ${formatDuration(result.durationSeconds)}${verify === 'ok' ? ', verified' : ''}${result.error ? ` — ${result.error}` : ''} (exit ${result.exitCode})`);
		return {
			result, quota,
			...(config.dryRun && summary ? {dryFound: summary.found, dryBytes: summary.bytes, dryUpload: summary.uploaded, dryPresent: summary.skipped} : {}),
		};
	} catch (error) {
		const e = toMailshiftError(error);
		const result: RowResult = {
			id: row.id, row: row.row, source: row.source, url: row.destination, status: 'failed', found: 0, uploaded: 0, skipped: 0, failed: 0, bytes: 0,
			durationSeconds: (Date.now() - started) / 1000, verify: 'not-run', verifyDetail: '', exitCode: exitCodeFor(e.code), error: output.redact(e.message),
			connections, journal: '', fromEarlierRun: false, finishedAt: new Date().toISOString(),
		};
		output.emit({type: 'batch:row:done', row: row.id, result});
		if (!config.json) output.say(`[${row.id}] failed: ${result.error} (exit ${result.exitCode})`);
		return {result};
	} finally {
		active.delete(row.id);
	}
}

/** The OAuth2 token source of a row whose password column is oauth-command:. */
export function tokenFor(row: BatchRow): {tokenSource?: TokenSource} {
	const source = row.credential.kind === 'oauth-command' ? tokenSourceFrom({command: row.credential.command, env: {}}) : undefined;
	return source ? {tokenSource: source} : {};
}

/** The destination's quota for a dry run's "fits" column (one connection); undefined when it cannot be read. */
async function readQuota(row: BatchRow, password: string): Promise<Quota | undefined> {
	try {
		const sink = await ImapSink.connect({target: row.target, password, size: 1, ...tokenFor(row)});
		try {
			return await sink.quota();
		} finally {
			await sink.close().catch(() => undefined);
		}
	} catch {
		return undefined;
	}
}

type Capture = {stream: PassThrough; text: () => string};

/** A stream that keeps the first CAPTURE_LIMIT characters written to it. */
function capture(): Capture {
	const stream = new PassThrough();
	let text = '';
	stream.on('data', (chunk: Buffer) => {
		if (text.length < CAPTURE_LIMIT) text += chunk.toString('utf8').slice(0, CAPTURE_LIMIT - text.length);
	});
	return {stream, text: () => text};
}
