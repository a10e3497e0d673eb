/**
 * The `batch` use case: validate the whole plan (and with `check`, log in to every account), then migrate the
 * rows with `parallel` workers, each row through runMigrate (its own journal, verify after a complete run)
 * with the connections the per-server cap grants; progress as NDJSON with a `row` id on stdout (`json`) or a
 * plain line per running row on stderr; at the end report.csv + report.json + batch-state.json in `out`.
 * Exit code: 2 invalid plan (nothing done), 0 every row succeeded, 5 some row failed, 6 stopped (Ctrl-C).
 * A dry run migrates nothing and writes no files: per-row and total counts, sizes, estimated duration, quota fit.
 * Called by cli/run-batch.ts only; not re-entrant per `out` directory (two batches would share the state file).
 */
import {mkdir, readFile} from 'node:fs/promises';
import {basename} from 'node:path';
import {PassThrough} from 'node:stream';
import type {MigrationConfig} from '../config/config.js';
import {resolveMigrateConfig} from '../config/resolve.js';
import {tokenSourceFrom} from '../config/oauth-token.js';
import type {TokenSource} from '../contracts/token-source.js';
import {EngineControls} from '../contracts/controls.js';
import {MailshiftError, toMailshiftError} from '../contracts/errors.js';
import type {EngineEvent} from '../contracts/events.js';
import {StatsStore} from '../engine/stats.js';
import type {StatsSnapshot} from '../engine/stats.js';
import {ExitCode, exitCodeFor} from '../contracts/exit-codes.js';
import type {ExitCodeValue} from '../contracts/exit-codes.js';
import {formatBytes, formatCount, formatDuration} from '../util/format.js';
import type {CliIo} from './migrate.js';
import {runMigrate} from './migrate.js';
import {ImapSink} from '../uploader/imap-sink.js';
import type {Quota} from '../contracts/mail-sink.js';
import {parseBytes} from '../util/units.js';
import {formatPlanProblems, parsePlanText, planBaseDir, validatePlan} from '../batch/batch-plan.js';
import type {BatchRow, PlanProblem} from '../batch/batch-plan.js';
import {readBatchState, writeBatchState, writeReports} from '../batch/batch-report.js';
import type {BatchState, RowResult, RowStatus, VerifyStatus} from '../batch/batch-report.js';
import {ServerConnectionCaps} from '../batch/connection-semaphore.js';
import type {ConnectionPermit} from '../batch/connection-semaphore.js';

export type BatchConfig = Readonly<{
	plan: string;
	/** Directory for report.csv, report.json, batch-state.json. @default the current directory */
	out: string;
	/** Rows at once. @default 2 */
	parallel: number;
	/** IMAP connections per host:port over all rows. @default 8 */
	maxConnectionsPerServer: number;
	/** Journals go here (one per source + destination) instead of the migrate default. */
	journalDir: string | undefined;
	onlyFailed: boolean;
	dryRun: boolean;
	/** Log in to every account during validation (never running a plan's oauth-command:). */
	check: boolean;
	/** `--allow-plan-commands`: rows may run their oauth-command: programs (never during --check). @default false */
	allowPlanCommands: boolean;
	json: boolean;
	/** Live summary interval on stderr (0 = only start/finish lines). @default 5000 */
	statsIntervalMs: number;
	insecure: boolean;
	debug: boolean;
}>;

/** Dry-run estimate when a row has no bwlimit: this many bytes and messages per second per mailbox. */
export const ASSUMED_BYTES_PER_SECOND = 1024 * 1024;
export const ASSUMED_MESSAGES_PER_SECOND = 10;
/** Connections a row asks for when its `connections` column is empty (migrate's default). */
const DEFAULT_ROW_CONNECTIONS = 4;
/** Bound on captured per-row output (runMigrate's own text, read for error messages only). */
const CAPTURE_LIMIT = 64 * 1024;

/** Replaces every password (3+ characters) in `text` with ***: a last line of defence for all output. */
export function redact(text: string, passwords: Iterable<string>): string {
	let out = text;
	for (const p of passwords) if (p.length >= 3) out = out.split(p).join('***');
	return out;
}

/** Estimated seconds for a dry-run row: the slower of the byte rate and the message rate. Pure. */
export function estimateSeconds(messages: number, bytes: number, bytesPerSecond: number | undefined): number {
	return Math.max(bytes / (bytesPerSecond ?? ASSUMED_BYTES_PER_SECOND), bytesPerSecond === undefined ? messages / ASSUMED_MESSAGES_PER_SECOND : 0);
}

type Capture = {stream: PassThrough; text: () => string};

function capture(): Capture {
	const stream = new PassThrough();
	let text = '';
	stream.on('data', (chunk: Buffer) => {
		if (text.length < CAPTURE_LIMIT) text += chunk.toString('utf8').slice(0, CAPTURE_LIMIT - text.length);
	});
	return {stream, text: () => text};
}

type RowRun = Readonly<{result: RowResult; quota?: Quota | undefined; dryFound?: number; dryBytes?: number; dryUpload?: number; dryPresent?: number}>;

/** Runs a batch. Never throws: errors are printed and become the exit code. */
/**
 * The whole plan, read and validated before anything connects or uploads: every row's problem at once (a USAGE
 * error listing them), each row's MigrationConfig, and with --check each row's login (never a plan's
 * oauth-command). Adds the plan's passwords to `passwords` (for redaction) as soon as they are known.
 */
async function loadPlan(config: BatchConfig, io: CliIo, say: (line: string) => void, passwords: string[]): Promise<{rows: readonly BatchRow[]; rowPasswords: ReadonlyMap<string, string>; configs: ReadonlyMap<string, MigrationConfig>}> {
	const configs = new Map<string, MigrationConfig>();
	let text: string;
	try {
		text = await readFile(config.plan, 'utf8');
	} catch (error) {
		throw new MailshiftError('USAGE', `The batch plan ${config.plan} cannot be read.`, 'fatal', {cause: error, hint: 'Check the path; a plan is a CSV file with a header row: source,url,password[,id,prefix,connections,bwlimit].'});
	}
	const raw = parsePlanText(text, basename(config.plan));
	const validated = await validatePlan(raw, {baseDir: planBaseDir(config.plan), env: io.env, insecure: config.insecure, allowCommands: config.allowPlanCommands});
	const problems: PlanProblem[] = [...validated.problems];
	const rowPasswords = validated.passwords;
	passwords.push(...rowPasswords.values());
	for (const row of validated.rows) {
		try {
			configs.set(row.id, rowConfig(row, config, io.env, row.connections ?? DEFAULT_ROW_CONNECTIONS));
		} catch (error) {
			problems.push({row: row.row, message: toMailshiftError(error).message});
		}
	}
	if (config.check && problems.length === 0) {
		for (const row of validated.rows) {
			// --check is a look, not a run: a plan's commands are never run by it (even with --allow-plan-commands).
			if (row.credential.kind === 'oauth-command') {
				say(`${basename(config.plan)}: row ${row.row}: login not checked — --check never runs the plan's oauth-command: programs.`);
				continue;
			}
			const problem = await checkLogin(row, rowPasswords.get(row.id) ?? '');
			if (problem) problems.push(problem);
		}
	}
	if (problems.length > 0) {
		problems.sort((a, b) => a.row - b.row);
		io.stderr.write(redact(formatPlanProblems(problems, basename(config.plan)), passwords));
		throw new MailshiftError('USAGE', `The batch plan has ${problems.length} problem${problems.length === 1 ? '' : 's'} (listed above); nothing was done.`, 'fatal', {hint: 'Fix the rows named above and run the same command again.'});
	}
	return {rows: validated.rows, rowPasswords, configs};
}

export async function runBatch(config: BatchConfig, io: CliIo): Promise<ExitCodeValue> {
	const startedAt = new Date();
	const fileName = config.plan;
	const passwords: string[] = [];
	// With the fleet view on a terminal, lines wait until it is gone (they would tear its frame).
	let held: string[] | undefined;
	const say = (line: string): void => {
		if (held) held.push(redact(line, passwords));
		else io.stderr.write(`${redact(line, passwords)}\n`);
	};
	const emit = (object: Record<string, unknown>): void => {
		if (!config.json) return;
		const line = JSON.stringify({time: new Date().toISOString(), ...object}, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value));
		io.stdout.write(`${redact(line, passwords)}\n`);
	};
	const fail = (error: unknown): ExitCodeValue => {
		const e = toMailshiftError(error);
		say(`mailshift: ${e.message}`);
		if (e.hint) say(`  ${e.hint}`);
		if (config.debug && e.cause) say(String((e.cause as Error).stack ?? e.cause));
		return exitCodeFor(e.code);
	};

	// 1. The whole plan, validated before anything connects or uploads.
	let rows: readonly BatchRow[];
	let rowPasswords: ReadonlyMap<string, string>;
	let configs: ReadonlyMap<string, MigrationConfig>;
	try {
		({rows, rowPasswords, configs} = await loadPlan(config, io, say, passwords));
	} catch (error) {
		return fail(error);
	}

	// 2. Which rows run this time.
	let state: BatchState | undefined;
	try {
		state = await readBatchState(config.out);
	} catch (error) {
		if (!config.dryRun) return fail(new MailshiftError('USAGE', `The batch state in ${config.out} cannot be read: ${(error as Error).message}.`, 'fatal', {hint: 'Remove batch-state.json there (the journals still prevent duplicates) or use another --out.'}));
	}
	let selected = rows;
	if (config.onlyFailed) {
		if (!state) return fail(new MailshiftError('USAGE', `--only-failed: there is no earlier batch state (batch-state.json) in ${config.out}.`, 'fatal', {hint: 'Give the same --out as the earlier run, or run the whole plan (finished rows are skipped by their journals).'}));
		selected = rows.filter((row) => state?.rows[row.id]?.status !== 'ok');
	}

	// 3. Run.
	const caps = new ServerConnectionCaps(config.maxConnectionsPerServer);
	const batchControls = new EngineControls();
	const active = new Map<string, {controls: EngineControls; stats: StatsStore; connections: number}>();
	batchControls.stopSignal.addEventListener('abort', () => { for (const a of active.values()) a.controls.stop(); }, {once: true});
	batchControls.abortSignal.addEventListener('abort', () => { for (const a of active.values()) a.controls.abort(); }, {once: true});
	const uninstall = io.onInterrupt?.(batchControls);
	const results = new Map<string, RowRun>();
	let stateRows: Record<string, RowResult> = {...(state?.rows ?? {})};
	let stateWrite: Promise<void> = Promise.resolve();
	let timer: NodeJS.Timeout | undefined;
	let fleet: {stop(): void} | undefined;
	const stopFleet = (): void => {
		fleet?.stop();
		fleet = undefined;
		const lines = held ?? [];
		held = undefined;
		for (const line of lines) io.stderr.write(`${line}\n`);
	};
	try {
		if (!config.dryRun) await mkdir(config.out, {recursive: true});
		if (config.journalDir) await mkdir(config.journalDir, {recursive: true, mode: 0o700});
		emit({type: 'batch:start', plan: config.plan, rows: rows.length, selected: selected.map((r) => r.id), parallel: config.parallel, maxConnectionsPerServer: config.maxConnectionsPerServer, dryRun: config.dryRun});
		if (!config.json) {
			say(`${config.dryRun ? 'DRY RUN: ' : ''}Batch ${basename(config.plan)}: ${selected.length} of ${rows.length} row${rows.length === 1 ? '' : 's'}${config.onlyFailed ? ' (only those that did not succeed last time)' : ''}, ${config.parallel} at a time, at most ${config.maxConnectionsPerServer} connections per server.`);
			if (io.presenter?.fleetView && io.stderr.isTTY && !io.env['CI']) {
				const finished = (id: string): 'ok' | 'failed' | 'interrupted' | undefined => {
					const status = results.get(id)?.result.status;
					return status === 'ok' || status === 'failed' || status === 'interrupted' ? status : status === undefined ? undefined : 'failed';
				};
				fleet = await io.presenter.fleetView({
					title: `mailshift batch ${basename(config.plan)}${config.dryRun ? ' [DRY RUN]' : ''}`, stdout: io.stderr,
					rows: () => selected.map((row) => {
						const a = active.get(row.id);
						const end = finished(row.id);
						return a ? {id: row.id, state: 'running' as const, snapshot: a.stats.snapshot(), connections: a.connections} : {id: row.id, state: end ?? ('waiting' as const)};
					}),
				});
				held = [];
			} else if (config.statsIntervalMs > 0) {
				timer = setInterval(() => {
					for (const [id, a] of active) say(liveLine(id, a.stats.snapshot(), a.connections));
				}, config.statsIntervalMs);
				timer.unref();
			}
		}
		let next = 0;
		const worker = async (): Promise<void> => {
			for (;;) {
				const row = selected[next++];
				if (!row) return;
				if (batchControls.isStopping) continue;
				const semaphore = caps.forServer(row.target.host, row.target.port);
				let permit: ConnectionPermit;
				try {
					permit = await semaphore.acquire(row.connections ?? DEFAULT_ROW_CONNECTIONS, batchControls.stopSignal);
				} catch {
					continue;
				}
				try {
					const run = await runRow(row, permit.count);
					results.set(row.id, run);
					if (!config.dryRun) {
						stateRows = {...stateRows, [row.id]: run.result};
						const snapshot: BatchState = {version: 1, plan: config.plan, rows: stateRows};
						stateWrite = stateWrite.then(() => writeBatchState(config.out, snapshot)).catch((error: unknown) => say(`mailshift: the batch state could not be written: ${(error as Error).message}`));
					}
				} finally {
					permit.release();
				}
			}
		};
		const runRow = async (row: BatchRow, connections: number): Promise<RowRun> => {
			const controls = new EngineControls();
			const stats = new StatsStore();
			active.set(row.id, {controls, stats, connections});
			if (batchControls.isStopping) controls.stop();
			const started = Date.now();
			const out = capture();
			const err = capture();
			const password = rowPasswords.get(row.id) ?? '';
			emit({type: 'batch:row:start', row: row.id, source: row.source, url: row.destination, connections});
			if (!config.json) say(`[${row.id}] started: ${row.source} → ${row.destination} (${connections} connection${connections === 1 ? '' : 's'})`);
			try {
				const base = configs.get(row.id);
				if (!base) throw new MailshiftError('BUG', `No configuration for row ${row.id}.`, 'fatal');
				const rowIo: CliIo = {
					stdout: out.stream as unknown as NodeJS.WriteStream, stderr: err.stream as unknown as NodeJS.WriteStream, stdin: io.stdin,
					env: {...io.env, MAILSHIFT_PASSWORD: password},
				};
				const outcome = await runMigrate({...base, connections}, rowIo, {
					stats, controls,
					onEvent: (event: EngineEvent) => emit({row: row.id, ...event}),
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
					verifyDetail: redact(verifyDetail, passwords), exitCode: outcome.exitCode, error: redact(status === 'ok' ? '' : errorText || (status === 'interrupted' ? 'stopped before the end; run the batch again to continue' : ''), passwords),
					connections, journal: base.journalPath ?? '', fromEarlierRun: false, finishedAt: new Date().toISOString(),
				};
				emit({type: 'batch:row:done', row: row.id, result});
				if (!config.json) say(`[${row.id}] ${status === 'ok' ? 'done' : status}: ${formatCount(result.uploaded)} uploaded, ${formatCount(result.skipped)} skipped, ${formatCount(result.failed)} failed, ${formatBytes(result.bytes)} in ${formatDuration(result.durationSeconds)}${verify === 'ok' ? ', verified' : ''}${result.error ? ` — ${result.error}` : ''} (exit ${result.exitCode})`);
				return {
					result, quota,
					...(config.dryRun && summary ? {dryFound: summary.found, dryBytes: summary.bytes, dryUpload: summary.uploaded, dryPresent: summary.skipped} : {}),
				};
			} catch (error) {
				const e = toMailshiftError(error);
				const result: RowResult = {
					id: row.id, row: row.row, source: row.source, url: row.destination, status: 'failed', found: 0, uploaded: 0, skipped: 0, failed: 0, bytes: 0,
					durationSeconds: (Date.now() - started) / 1000, verify: 'not-run', verifyDetail: '', exitCode: exitCodeFor(e.code), error: redact(e.message, passwords),
					connections, journal: '', fromEarlierRun: false, finishedAt: new Date().toISOString(),
				};
				emit({type: 'batch:row:done', row: row.id, result});
				if (!config.json) say(`[${row.id}] failed: ${result.error} (exit ${result.exitCode})`);
				return {result};
			} finally {
				active.delete(row.id);
			}
		};
		await Promise.all(Array.from({length: Math.min(config.parallel, Math.max(1, selected.length))}, () => worker()));
	} catch (error) {
		uninstall?.();
		if (timer) clearInterval(timer);
		stopFleet();
		return fail(error);
	}
	if (timer) clearInterval(timer);
	stopFleet();
	uninstall?.();
	await stateWrite;
	const isInterrupted = batchControls.isStopping;

	// 4. Results for every plan row: this run's, an earlier run's (--only-failed), or "not run".
	const finishedAt = new Date().toISOString();
	const all: RowResult[] = rows.map((row) => {
		const run = results.get(row.id)?.result;
		if (run) return run;
		const earlier = state?.rows[row.id];
		if (config.onlyFailed && earlier && !selected.includes(row)) return {...earlier, fromEarlierRun: true};
		return {
			id: row.id, row: row.row, source: row.source, url: row.destination, status: 'not-run', found: 0, uploaded: 0, skipped: 0, failed: 0, bytes: 0,
			durationSeconds: 0, verify: 'not-run', verifyDetail: '', exitCode: ExitCode.INTERRUPTED, error: 'not started: the batch was stopped first; run the batch again',
			connections: 0, journal: '', fromEarlierRun: false, finishedAt,
		};
	});
	const exitCode: ExitCodeValue = isInterrupted ? ExitCode.INTERRUPTED : all.every((r) => r.status === 'ok') ? ExitCode.OK : ExitCode.SOME_FAILED;

	if (config.dryRun) {
		printDryRun(rows, results, config, io, emit);
		emit({type: 'batch:done', exitCode, dryRun: true});
		return exitCode;
	}
	try {
		for (const r of all) if (r.status === 'not-run' && !stateRows[r.id]) stateRows[r.id] = r;
		await writeBatchState(config.out, {version: 1, plan: config.plan, rows: stateRows});
		const [csv, json] = await writeReports(config.out, {plan: config.plan, startedAt: startedAt.toISOString(), finishedAt, exitCode, interrupted: isInterrupted, onlyFailed: config.onlyFailed, results: all});
		emit({type: 'batch:done', exitCode, interrupted: isInterrupted, reportCsv: csv, reportJson: json, ok: all.filter((r) => r.status === 'ok').length, rows: all.length});
		if (!config.json) {
			io.stdout.write(redact(formatBatchSummary(all), passwords));
			io.stdout.write(`Reports: ${csv}, ${json}\n`);
		}
		if (isInterrupted) say('mailshift: the batch was stopped. Run the same command again to continue (the journals remember what is done).');
		else if (exitCode !== ExitCode.OK) say(`mailshift: ${all.filter((r) => r.status !== 'ok').length} of ${all.length} rows did not succeed; see the reports. Re-run with --only-failed --out ${config.out} to retry just those.`);
	} catch (error) {
		return fail(error);
	}
	return exitCode;
}

/**
 * A row's migrate config. A dry run together with --check runs no plan command: its oauth-command: rows are
 * planned without logging in (no "on server" or quota figures).
 */
function rowConfig(row: BatchRow, config: BatchConfig, env: NodeJS.ProcessEnv, connections: number): MigrationConfig {
	if (row.credential.kind === 'oauth-command' && config.dryRun && config.check) {
		return resolveMigrateConfig({source: row.source, dryRun: true, connections, prefix: row.prefix, stats: 0, plain: true, json: false, debug: config.debug}, env);
	}
	return resolveMigrateConfig({
		source: row.source, to: row.url, insecure: config.insecure, connections, prefix: row.prefix, bwlimit: row.bwlimit,
		...(row.credential.kind === 'oauth-command' ? {oauthTokenCommand: row.credential.command} : {}),
		dryRun: config.dryRun, stats: 0, plain: true, json: false, debug: config.debug, ...(config.journalDir === undefined ? {} : {journalDir: config.journalDir}),
	}, env);
}

/** The OAuth2 token source of a row whose password column is oauth-command:. */
function tokenFor(row: BatchRow): {tokenSource?: TokenSource} {
	const source = row.credential.kind === 'oauth-command' ? tokenSourceFrom({command: row.credential.command, env: {}}) : undefined;
	return source ? {tokenSource: source} : {};
}

/** Logs in once (one connection) to check the row's url and password; a problem or undefined. */
async function checkLogin(row: BatchRow, password: string): Promise<PlanProblem | undefined> {
	try {
		const sink = await ImapSink.connect({target: row.target, password, size: 1, ...tokenFor(row)});
		await sink.close().catch(() => undefined);
		return undefined;
	} catch (error) {
		const e = toMailshiftError(error);
		const column = e.code === 'AUTH_FAILED' ? 'password' : 'url';
		return {row: row.row, column, message: `--check: ${e.message}${e.hint ? ` ${e.hint}` : ''}`};
	}
}

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

/** One live line for a running row. Pure. */
export function liveLine(id: string, s: StatsSnapshot, connections: number, now = Date.now()): string {
	const total = s.totalMessages;
	const progress = total === undefined ? `${formatCount(s.done)} msgs` : `${formatCount(s.done)}/${formatCount(total)} msgs (${total === 0 ? 100 : Math.floor((s.done * 100) / total)}%)`;
	const state = s.throttleUntil !== undefined && s.throttleUntil > now ? 'throttled by the server'
		: total === undefined ? 'scanning' : s.done >= total ? 'verifying' : 'running';
	return `[${id}] ${progress}, ${s.messagesPerSecond.toFixed(1)} msg/s, ${formatBytes(Math.round(s.bytesPerSecond))}/s, ${s.failed} failed, ${connections} conn, ${state}`;
}

/** The end table on stdout. Pure. */
export function formatBatchSummary(results: readonly RowResult[]): string {
	const lines = ['Row                   Status       Found  Uploaded   Skipped  Failed        Size  Verify   Exit'];
	for (const r of results) {
		lines.push(`${r.id.padEnd(20).slice(0, 20)}  ${r.status.padEnd(11)} ${String(r.found).padStart(6)} ${String(r.uploaded).padStart(9)} ${String(r.skipped).padStart(9)} ${String(r.failed).padStart(7)} ${formatBytes(r.bytes).padStart(11)}  ${r.verify.padEnd(7)} ${String(r.exitCode).padStart(4)}${r.fromEarlierRun ? '  (earlier run)' : ''}`);
	}
	return lines.join('\n') + '\n';
}

function printDryRun(rows: readonly BatchRow[], results: ReadonlyMap<string, RowRun>, config: BatchConfig, io: CliIo, emit: (o: Record<string, unknown>) => void): void {
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
