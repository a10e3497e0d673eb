/**
 * `mailshift worker` and `mailshift fleet submit|status|retry|pause|resume|cancel` (issue #15): a plan's rows
 * as jobs in PostgreSQL, run by workers on many machines. Resolves arguments (every problem a USAGE error,
 * exit 2) and calls src/fleet/. No yargs here beyond the option tables' type: main.ts registers the commands.
 *
 * The queue's connection string: `--queue URL`, else MAILSHIFT_QUEUE_URL, else the first line of
 * `--queue-file FILE` (a file of your own, chmod 600). A password written in --queue on the command line is
 * refused (process lists and shell history); PGPASSWORD and ~/.pgpass work as for every libpq client. The
 * password is never printed (redactQueueUrl).
 */
import {basename} from 'node:path';
import {mkdir, readFile} from 'node:fs/promises';
import {formatPlanProblems, parsePlanText, planBaseDir, validatePlan} from '../batch/batch-plan.js';
import {readOwnerOnlyFile} from '../batch/credential.js';
import {redact} from '../app/batch.js';
import {MailshiftError, toMailshiftError} from '../contracts/errors.js';
import {FleetQueue, redactQueueUrl} from '../fleet/fleet-queue.js';
import {fleetReportRows, formatFleetStatus, readFleetStatus} from '../fleet/fleet-status.js';
import type {FleetStatus} from '../fleet/fleet-status.js';
import {EngineControls} from '../contracts/controls.js';
import {StatsStore} from '../engine/stats.js';
import type {StatsSnapshot} from '../engine/stats.js';
import type {FleetRow} from '../app/presenter.js';
import {writeReports} from '../batch/batch-report.js';
import {DEFAULT_WORKER_CONCURRENCY, runWorker} from '../fleet/fleet-worker.js';
import type {FleetRowSpec} from '../fleet/run-row.js';
import {ExitCode, exitCodeFor} from '../contracts/exit-codes.js';
import type {ExitCodeValue} from '../contracts/exit-codes.js';
import type {CliIo} from '../app/migrate.js';
import {printError} from '../app/migrate.js';

/** The option tables live in command-options.ts (loaded for --help without this module's dependencies). */
export {FLEET_OPTIONS, WORKER_OPTIONS} from './command-options.js';

export type QueueArgs = Readonly<{queue?: string | undefined; queueFile?: string | undefined; queueName?: string | undefined; debug?: boolean | undefined}>;

/**
 * The connection string from --queue, MAILSHIFT_QUEUE_URL or --queue-file.
 * @throws MailshiftError USAGE when none is given, or when the command line itself carries a password.
 */
export async function resolveQueueUrl(args: QueueArgs, io: Pick<CliIo, 'env' | 'commandLine'>): Promise<string> {
	let url = args.queue || io.env['MAILSHIFT_QUEUE_URL'] || undefined;
	if (!url && args.queueFile) {
		const read = await readOwnerOnlyFile(args.queueFile);
		if (!read.ok) throw new MailshiftError('USAGE', `--queue-file: ${read.problem.replace('password file', 'file')}.`, 'fatal');
		url = read.text.split(/\r?\n/)[0]?.trim() || undefined;
	}
	if (!url) throw new MailshiftError('USAGE', 'No queue was given.', 'fatal', {hint: 'Add --queue postgres://USER@HOST/DB (with the password in PGPASSWORD or ~/.pgpass), or set MAILSHIFT_QUEUE_URL, or --queue-file FILE.'});
	let password = '';
	try {
		password = decodeURIComponent(new URL(url).password);
	} catch {
		// Not a URL: FleetQueue.open says so.
	}
	if (password && args.queue && io.commandLine?.includes(args.queue)) {
		throw new MailshiftError('USAGE', `--queue ${redactQueueUrl(args.queue)}: passwords are never accepted on the command line (they end up in shell history and process lists).`, 'fatal', {
			hint: 'Put the whole URL in MAILSHIFT_QUEUE_URL or a --queue-file (chmod 600), or leave the password out and set PGPASSWORD or use ~/.pgpass.',
		});
	}
	return url;
}

function fail(error: unknown, io: CliIo, debug: boolean, url?: string): ExitCodeValue {
	const e = toMailshiftError(error);
	const safe = url ? new MailshiftError(e.code, e.message.split(url).join(redactQueueUrl(url)), e.disposition, {...(e.hint ? {hint: e.hint} : {}), cause: e.cause}) : e;
	printError(safe, io, debug);
	return exitCodeFor(e.code);
}

export type WorkerArgs = QueueArgs & Readonly<{concurrency?: number | undefined; lease?: number | undefined; allowPlanCommands?: boolean | undefined; exitWhenDone?: boolean | undefined; poll?: number | undefined}>;

/** `mailshift worker`. Never throws. Exit 0 after a stop (SIGTERM/Ctrl-C) or, with --exit-when-done, when the queue is empty. */
export async function runWorkerCommand(args: WorkerArgs, io: CliIo): Promise<ExitCodeValue> {
	let url: string | undefined;
	try {
		url = await resolveQueueUrl(args, io);
		const concurrency = args.concurrency ?? DEFAULT_WORKER_CONCURRENCY;
		if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) throw new MailshiftError('USAGE', `--concurrency ${String(args.concurrency)} is out of range.`, 'fatal', {hint: 'Use 1 to 64 rows at a time.'});
		if (args.lease !== undefined && !(Number.isInteger(args.lease) && args.lease >= 2 && args.lease <= 3600)) throw new MailshiftError('USAGE', `--lease ${String(args.lease)} is out of range.`, 'fatal', {hint: 'Use 2 to 3600 seconds (default 120).'});
		const poll = args.poll ?? 2;
		if (!(poll >= 0.1 && poll <= 600)) throw new MailshiftError('USAGE', `--poll ${String(args.poll)} is out of range.`, 'fatal', {hint: 'Use 0.1 to 600 seconds.'});
		return await runWorker({
			url, queueName: args.queueName ?? 'mailshift', concurrency, leaseSeconds: args.lease, pollMs: Math.round(poll * 1000),
			allowCommands: args.allowPlanCommands ?? false, exitWhenIdle: args.exitWhenDone ?? false,
		}, io);
	} catch (error) {
		return fail(error, io, args.debug ?? false, url);
	}
}

export type FleetArgs = QueueArgs & Readonly<{
	action: string;
	plan?: string | undefined;
	rows?: readonly string[] | undefined;
	json?: boolean | undefined;
	out?: string | undefined;
	watch?: boolean | undefined;
	onlyFailed?: boolean | undefined;
	includeCancelled?: boolean | undefined;
	maxPerHost?: number | undefined;
	maxPerUser?: number | undefined;
	lease?: number | undefined;
	insecure?: boolean | undefined;
	allowPlanCommands?: boolean | undefined;
}>;

/** `mailshift fleet ACTION`. Never throws: errors are printed and become the exit code. */
export async function runFleetCommand(args: FleetArgs, io: CliIo): Promise<ExitCodeValue> {
	let url: string | undefined;
	let queue: FleetQueue | undefined;
	const debug = args.debug ?? false;
	try {
		const ranged = (name: string, value: number | undefined, min: number, max: number): void => {
			if (value !== undefined && !(Number.isInteger(value) && value >= min && value <= max)) throw new MailshiftError('USAGE', `--${name} ${String(value)} is out of range.`, 'fatal', {hint: `Use ${min} to ${max}.`});
		};
		ranged('max-per-host', args.maxPerHost, 1, 10_000);
		ranged('max-per-user', args.maxPerUser, 1, 1000);
		ranged('lease', args.lease, 2, 3600);
		// Validated before connecting: a bad plan is told without a database.
		const specs = args.action === 'submit' ? await readPlan(args, io) : undefined;
		url = await resolveQueueUrl(args, io);
		queue = await FleetQueue.open({url, name: args.queueName ?? 'mailshift'});
		const rows = [...(args.rows ?? [])];
		switch (args.action) {
			case 'submit': {
				const {added, unchanged} = await queue.submit(specs ?? [], {maxPerHost: args.maxPerHost, maxPerUser: args.maxPerUser, leaseSeconds: args.lease});
				io.stdout.write(`Submitted ${added.length} row${added.length === 1 ? '' : 's'} to queue ${queue.name} at ${queue.displayUrl}${unchanged.length ? `; ${unchanged.length} already there unchanged (not doubled)` : ''}.\n`);
				io.stdout.write('Start workers with: mailshift worker --queue URL [--concurrency N]; watch with: mailshift fleet status --queue URL\n');
				return ExitCode.OK;
			}
			case 'status': {
				if (args.watch) await watchStatus(queue, io);
				const status = await readFleetStatus(queue);
				io.stdout.write(args.json ? `${JSON.stringify(status)}\n` : formatFleetStatus(status));
				const exitCode = status.totals.failed > 0 ? ExitCode.SOME_FAILED : ExitCode.OK;
				if (args.out) {
					await mkdir(args.out, {recursive: true, mode: 0o700});
					const now = new Date().toISOString();
					const paths = await writeReports(args.out, {plan: `${queue.displayUrl} queue ${queue.name}`, startedAt: now, finishedAt: now, exitCode, interrupted: false, onlyFailed: false, results: fleetReportRows(status)});
					(args.json ? io.stderr : io.stdout).write(`Reports: ${paths.join(', ')}\n`);
				}
				return exitCode;
			}
			case 'retry': {
				const sent = await queue.retry(rows, args.includeCancelled ?? false);
				io.stdout.write(sent.length ? `Sent again: ${sent.join(', ')} (their journals skip what is done).\n` : 'No failed row to retry.\n');
				return ExitCode.OK;
			}
			case 'pause':
			case 'resume':
				if (rows.length > 0) throw new MailshiftError('USAGE', `fleet ${args.action} applies to the whole queue; it takes no row ids.`, 'fatal', {hint: 'To stop single rows: mailshift fleet cancel ID… (and fleet retry --include-cancelled ID later).'});
				await queue.setPaused(args.action === 'pause');
				io.stdout.write(args.action === 'pause' ? 'Paused: workers start no new row; running rows finish.\n' : 'Resumed: workers take rows again.\n');
				return ExitCode.OK;
			case 'cancel': {
				const cancelled = await queue.cancel(rows);
				io.stdout.write(cancelled.length ? `Cancelled: ${cancelled.join(', ')} (running ones stop after their messages in flight; their journals keep what is done).\n` : 'No queued or running row matched.\n');
				return ExitCode.OK;
			}
			default:
				throw new MailshiftError('USAGE', `"fleet ${args.action}" is not a fleet command.`, 'fatal', {hint: 'Use: fleet submit PLAN | status | retry --only-failed | pause | resume | cancel [ID...]'});
		}
	} catch (error) {
		return fail(error, io, debug, url);
	} finally {
		await queue?.close();
	}
}

/** Reads and validates the plan exactly as `mailshift batch` does; returns the rows to store (secret references only). */
async function readPlan(args: FleetArgs, io: CliIo): Promise<FleetRowSpec[]> {
	if (!args.plan) throw new MailshiftError('USAGE', 'fleet submit needs a plan.', 'fatal', {hint: 'mailshift fleet submit plan.csv --queue URL — the same CSV as mailshift batch.'});
	let text: string;
	try {
		text = await readFile(args.plan, 'utf8');
	} catch (error) {
		throw new MailshiftError('USAGE', `The batch plan ${args.plan} cannot be read.`, 'fatal', {cause: error, hint: 'Check the path; a plan is a CSV file with a header row: source,url,password[,id,prefix,connections,bwlimit].'});
	}
	const raw = parsePlanText(text, basename(args.plan));
	const validated = await validatePlan(raw, {baseDir: planBaseDir(args.plan), env: io.env, insecure: args.insecure ?? false, allowCommands: args.allowPlanCommands ?? false});
	if (validated.problems.length > 0) {
		io.stderr.write(redact(formatPlanProblems(validated.problems, basename(args.plan)), validated.passwords.values()));
		throw new MailshiftError('USAGE', `The batch plan has ${validated.problems.length} problem${validated.problems.length === 1 ? '' : 's'} (listed above); nothing was submitted.`, 'fatal', {hint: 'Fix the rows named above and submit again (rows already submitted are not doubled).'});
	}
	return validated.rows.map((row) => ({
		id: row.id, source: row.source, url: row.url, credential: row.credential, prefix: row.prefix, connections: row.connections, bwlimit: row.bwlimit, insecure: args.insecure ?? false,
	}));
}

/** Row state + recorded progress → the batch fleet view's rows (src/tui/fleet.tsx). Pure. */
export function fleetViewRows(status: FleetStatus): FleetRow[] {
	const base = new StatsStore().snapshot();
	return status.rows.map((row) => {
		if (row.state === 'running') {
			const p = row.progress ?? {};
			const num = (key: string): number => (typeof p[key] === 'number' ? p[key] : 0);
			const total = typeof p['found'] === 'number' ? p['found'] : undefined;
			const snapshot: StatsSnapshot = {
				...base, done: num('done'), uploaded: num('uploaded'), skipped: num('skipped'), failed: num('failed'), bytes: num('bytes'),
				messagesPerSecond: num('messagesPerSecond'), connections: num('connections'), ...(total === undefined ? {} : {totalMessages: total}),
			};
			return {id: row.worker ? `${row.id} @${row.worker}` : row.id, state: 'running', snapshot, connections: num('connections')};
		}
		return {id: row.id, state: row.state === 'done' ? 'ok' : row.state === 'failed' ? 'failed' : row.state === 'cancelled' ? 'interrupted' : 'waiting'};
	});
}

/**
 * `fleet status --watch`: the live view until no row is queued, running or waiting for a retry, or Ctrl-C. Reads
 * the database every 2 s (bounded: one status query at a time).
 */
async function watchStatus(queue: FleetQueue, io: CliIo): Promise<void> {
	const controls = new EngineControls();
	const uninstall = io.onInterrupt?.(controls);
	let status = await readFleetStatus(queue);
	const isTerminal = io.stderr.isTTY && !io.env['CI'];
	const view = isTerminal ? (await import('../tui/render-tui.js')).renderFleet({title: `mailshift fleet ${queue.name}`, stdout: io.stderr, rows: () => fleetViewRows(status)}) : undefined;
	try {
		let lastPrinted = 0;
		while (!controls.isStopping && status.totals.queued + status.totals.running + status.totals.retry > 0) {
			if (!view && Date.now() - lastPrinted >= 5000) {
				io.stderr.write(formatFleetStatus(status));
				lastPrinted = Date.now();
			}
			await new Promise<void>((resolve) => {
				const timer = setTimeout(resolve, 2000);
				controls.stopSignal.addEventListener('abort', () => {
					clearTimeout(timer);
					resolve();
				}, {once: true});
			});
			status = await readFleetStatus(queue);
		}
	} finally {
		view?.stop();
		uninstall?.();
	}
}
