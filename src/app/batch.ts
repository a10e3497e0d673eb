/**
 * The `batch` use case: validate the whole plan (and with `check`, log in to every account), then migrate the
 * rows with `parallel` workers, each row through runMigrate (its own journal, verify after a complete run)
 * with the connections the per-server cap grants; progress as NDJSON with a `row` id on stdout (`json`) or a
 * plain line per running row on stderr; at the end report.csv + report.json + batch-state.json in `out`.
 * Exit code: 2 invalid plan (nothing done), 0 every row succeeded, 5 some row failed, 6 stopped (Ctrl-C).
 * A dry run migrates nothing and writes no files: per-row and total counts, sizes, estimated duration, quota fit.
 * Called by cli/run-batch.ts only; not re-entrant per `out` directory (two batches would share the state file).
 *
 * This file loads the plan and wires the parts: batch-output.ts (redacted lines, NDJSON, errors),
 * batch-progress.ts (fleet view or live lines), batch-workers.ts (the row pool under the per-server caps),
 * batch-row.ts (one row through runMigrate), batch-results.ts (every plan row's result, the exit code, the
 * state file), batch-dry-run.ts (the dry-run table).
 */
import {mkdir, readFile} from 'node:fs/promises';
import {basename} from 'node:path';
import type {MigrationConfig} from '../config/config.js';
import {resolveMigrateConfig} from '../config/resolve.js';
import {EngineControls} from '../contracts/controls.js';
import {MailshiftError, toMailshiftError} from '../contracts/errors.js';
import {ExitCode} from '../contracts/exit-codes.js';
import type {ExitCodeValue} from '../contracts/exit-codes.js';
import {formatBytes} from '../util/format.js';
import type {CliIo} from './migrate.js';
import {ImapSink} from '../uploader/imap-sink.js';
import {formatPlanProblems, parsePlanText, planBaseDir, validatePlan} from '../batch/batch-plan.js';
import type {BatchRow, PlanProblem} from '../batch/batch-plan.js';
import {readBatchState, writeReports} from '../batch/batch-report.js';
import type {BatchState, RowResult} from '../batch/batch-report.js';
import {ServerConnectionCaps} from '../batch/connection-semaphore.js';
import {BatchOutput} from './batch-output.js';
import {startBatchProgress} from './batch-progress.js';
import {runBatchRow, tokenFor} from './batch-row.js';
import type {ActiveRow, RowRun} from './batch-row.js';
import {BatchStateLog, batchExitCode, planResults} from './batch-results.js';
import {runRowsInParallel} from './batch-workers.js';
import {printDryRun} from './batch-dry-run.js';

export {redact} from './batch-output.js';
export {liveLine} from './batch-progress.js';
export {ASSUMED_BYTES_PER_SECOND, ASSUMED_MESSAGES_PER_SECOND, estimateSeconds} from './batch-dry-run.js';

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

/** Connections a row asks for when its `connections` column is empty (migrate's default). */
const DEFAULT_ROW_CONNECTIONS = 4;

/**
 * The whole plan, read and validated before anything connects or uploads: every row's problem at once (a USAGE
 * error listing them), each row's MigrationConfig, and with --check each row's login (never a plan's
 * oauth-command). Adds the plan's passwords to `output.passwords` (for redaction) as soon as they are known.
 */
async function loadPlan(config: BatchConfig, io: CliIo, output: BatchOutput): Promise<{rows: readonly BatchRow[]; rowPasswords: ReadonlyMap<string, string>; configs: ReadonlyMap<string, MigrationConfig>}> {
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
	output.passwords.push(...rowPasswords.values());
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
				output.say(`${basename(config.plan)}: row ${row.row}: login not checked — --check never runs the plan's oauth-command: programs.`);
				continue;
			}
			const problem = await checkLogin(row, rowPasswords.get(row.id) ?? '');
			if (problem) problems.push(problem);
		}
	}
	if (problems.length > 0) {
		problems.sort((a, b) => a.row - b.row);
		io.stderr.write(output.redact(formatPlanProblems(problems, basename(config.plan))));
		throw new MailshiftError('USAGE', `The batch plan has ${problems.length} problem${problems.length === 1 ? '' : 's'} (listed above); nothing was done.`, 'fatal', {hint: 'Fix the rows named above and run the same command again.'});
	}
	return {rows: validated.rows, rowPasswords, configs};
}

/** Runs a batch (see the file header). Never throws: errors are printed and become the exit code. */
export async function runBatch(config: BatchConfig, io: CliIo): Promise<ExitCodeValue> {
	const startedAt = new Date();
	const output = new BatchOutput(io, config);

	// 1. The whole plan, validated before anything connects or uploads.
	let rows: readonly BatchRow[];
	let rowPasswords: ReadonlyMap<string, string>;
	let configs: ReadonlyMap<string, MigrationConfig>;
	try {
		({rows, rowPasswords, configs} = await loadPlan(config, io, output));
	} catch (error) {
		return output.fail(error);
	}

	// 2. Which rows run this time.
	let state: BatchState | undefined;
	try {
		state = await readBatchState(config.out);
	} catch (error) {
		if (!config.dryRun) return output.fail(new MailshiftError('USAGE', `The batch state in ${config.out} cannot be read: ${(error as Error).message}.`, 'fatal', {hint: 'Remove batch-state.json there (the journals still prevent duplicates) or use another --out.'}));
	}
	let selected = rows;
	if (config.onlyFailed) {
		if (!state) return output.fail(new MailshiftError('USAGE', `--only-failed: there is no earlier batch state (batch-state.json) in ${config.out}.`, 'fatal', {hint: 'Give the same --out as the earlier run, or run the whole plan (finished rows are skipped by their journals).'}));
		selected = rows.filter((row) => state?.rows[row.id]?.status !== 'ok');
	}

	// 3. Run.
	const caps = new ServerConnectionCaps(config.maxConnectionsPerServer);
	const batchControls = new EngineControls();
	const active = new Map<string, ActiveRow>();
	batchControls.stopSignal.addEventListener('abort', () => { for (const a of active.values()) a.controls.stop(); }, {once: true});
	batchControls.abortSignal.addEventListener('abort', () => { for (const a of active.values()) a.controls.abort(); }, {once: true});
	const uninstall = io.onInterrupt?.(batchControls);
	const results = new Map<string, RowRun>();
	const stateLog = new BatchStateLog(config.out, config.plan, state, (line) => output.say(line));
	let progress: {stop(): void} | undefined;
	try {
		if (!config.dryRun) await mkdir(config.out, {recursive: true});
		if (config.journalDir) await mkdir(config.journalDir, {recursive: true, mode: 0o700});
		output.emit({type: 'batch:start', plan: config.plan, rows: rows.length, selected: selected.map((r) => r.id), parallel: config.parallel, maxConnectionsPerServer: config.maxConnectionsPerServer, dryRun: config.dryRun});
		if (!config.json) {
			output.say(`${config.dryRun ? 'DRY RUN: ' : ''}Batch ${basename(config.plan)}: ${selected.length} of ${rows.length} row${rows.length === 1 ? '' : 's'}${config.onlyFailed ? ' (only those that did not succeed last time)' : ''}, ${config.parallel} at a time, at most ${config.maxConnectionsPerServer} connections per server.`);
			progress = await startBatchProgress(io, output, config.statsIntervalMs, {title: `mailshift batch ${basename(config.plan)}${config.dryRun ? ' [DRY RUN]' : ''}`, selected, active, results});
		}
		const rowContext = {config, io, output, rowPasswords, configs, active, batchControls};
		await runRowsInParallel(selected, {parallel: config.parallel, caps, controls: batchControls, defaultConnections: DEFAULT_ROW_CONNECTIONS}, async (row, connections) => {
			const run = await runBatchRow(rowContext, row, connections);
			results.set(row.id, run);
			if (!config.dryRun) stateLog.record(row.id, run.result);
		});
	} catch (error) {
		uninstall?.();
		progress?.stop();
		return output.fail(error);
	}
	progress?.stop();
	uninstall?.();
	await stateLog.settled();
	const isInterrupted = batchControls.isStopping;

	// 4. Results for every plan row: this run's, an earlier run's (--only-failed), or "not run".
	const finishedAt = new Date().toISOString();
	const all = planResults({rows, selected, results, earlier: state, onlyFailed: config.onlyFailed, finishedAt});
	const exitCode = batchExitCode(isInterrupted, all);

	if (config.dryRun) {
		printDryRun(rows, results, config, io, (o) => output.emit(o));
		output.emit({type: 'batch:done', exitCode, dryRun: true});
		return exitCode;
	}
	try {
		await stateLog.finish(all);
		const [csv, json] = await writeReports(config.out, {plan: config.plan, startedAt: startedAt.toISOString(), finishedAt, exitCode, interrupted: isInterrupted, onlyFailed: config.onlyFailed, results: all});
		output.emit({type: 'batch:done', exitCode, interrupted: isInterrupted, reportCsv: csv, reportJson: json, ok: all.filter((r) => r.status === 'ok').length, rows: all.length});
		if (!config.json) {
			io.stdout.write(output.redact(formatBatchSummary(all)));
			io.stdout.write(`Reports: ${csv}, ${json}\n`);
		}
		if (isInterrupted) output.say('mailshift: the batch was stopped. Run the same command again to continue (the journals remember what is done).');
		else if (exitCode !== ExitCode.OK) output.say(`mailshift: ${all.filter((r) => r.status !== 'ok').length} of ${all.length} rows did not succeed; see the reports. Re-run with --only-failed --out ${config.out} to retry just those.`);
	} catch (error) {
		return output.fail(error);
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

/** The end table on stdout. Pure. */
export function formatBatchSummary(results: readonly RowResult[]): string {
	const lines = ['Row                   Status       Found  Uploaded   Skipped  Failed        Size  Verify   Exit'];
	for (const r of results) {
		lines.push(`${r.id.padEnd(20).slice(0, 20)}  ${r.status.padEnd(11)} ${String(r.found).padStart(6)} ${String(r.uploaded).padStart(9)} ${String(r.skipped).padStart(9)} ${String(r.failed).padStart(7)} ${formatBytes(r.bytes).padStart(11)}  ${r.verify.padEnd(7)} ${String(r.exitCode).padStart(4)}${r.fromEarlierRun ? '  (earlier run)' : ''}`);
	}
	return lines.join('\n') + '\n';
}
