/**
 * `mailshift batch PLAN`: many mailboxes from a CSV (or JSON) plan, for IT admins. Resolves the arguments into
 * a frozen BatchConfig (every problem a USAGE error, exit 2) and runs src/app/batch.ts. No yargs here
 * beyond the option table's type: main.ts registers the command.
 */
import {resolve} from 'node:path';
import {runBatch} from '../app/batch.js';
import type {BatchConfig} from '../app/batch.js';
import {MailshiftError, toMailshiftError} from '../contracts/errors.js';
import {exitCodeFor} from '../contracts/exit-codes.js';
import type {ExitCodeValue} from '../contracts/exit-codes.js';
import type {CliIo} from '../app/migrate.js';
import {printError} from '../app/migrate.js';

/** The option table lives in command-options.ts (loaded for --help without this module's dependencies). */
export {BATCH_OPTIONS} from './command-options.js';

export type BatchArgs = Readonly<{
	plan?: string | undefined;
	out?: string | undefined;
	parallel?: number | undefined;
	maxConnectionsPerServer?: number | undefined;
	journalDir?: string | undefined;
	onlyFailed?: boolean | undefined;
	dryRun?: boolean | undefined;
	check?: boolean | undefined;
	allowPlanCommands?: boolean | undefined;
	insecure?: boolean | undefined;
	json?: boolean | undefined;
	stats?: number | undefined;
	debug?: boolean | undefined;
}>;

/** argv → BatchConfig. Throws USAGE MailshiftErrors that say what to write instead. Pure but for path resolution. */
export function resolveBatchConfig(args: BatchArgs): BatchConfig {
	if (!args.plan) throw new MailshiftError('USAGE', 'No batch plan was given.', 'fatal', {hint: 'mailshift batch plan.csv — a CSV with a header row: source,url,password[,id,prefix,connections,bwlimit].'});
	const parallel = args.parallel ?? 2;
	if (!Number.isInteger(parallel) || parallel < 1 || parallel > 64) throw new MailshiftError('USAGE', `--parallel ${String(args.parallel)} is out of range.`, 'fatal', {hint: 'Use 1 to 64 (default 2).'});
	const cap = args.maxConnectionsPerServer ?? 8;
	if (!Number.isInteger(cap) || cap < 1 || cap > 256) throw new MailshiftError('USAGE', `--max-connections-per-server ${String(args.maxConnectionsPerServer)} is out of range.`, 'fatal', {hint: 'Use 1 to 256 (default 8).'});
	const stats = args.stats ?? 5;
	if (!(stats >= 0 && stats <= 3600)) throw new MailshiftError('USAGE', '--stats must be a number of seconds from 0 (no live lines) to 3600.', 'fatal');
	if (args.onlyFailed && args.dryRun) throw new MailshiftError('USAGE', '--only-failed and --dry-run cannot be combined.', 'fatal', {hint: 'A dry run shows every row.'});
	return Object.freeze({
		plan: resolve(args.plan),
		out: resolve(args.out ?? '.'),
		parallel,
		maxConnectionsPerServer: cap,
		journalDir: args.journalDir ? resolve(args.journalDir) : undefined,
		onlyFailed: args.onlyFailed ?? false,
		dryRun: args.dryRun ?? false,
		check: args.check ?? false,
		allowPlanCommands: args.allowPlanCommands ?? false,
		json: args.json ?? false,
		statsIntervalMs: stats * 1000,
		insecure: args.insecure ?? false,
		debug: args.debug ?? false,
	});
}

/**
 * Runs `mailshift batch` with parsed arguments. Never throws: every error is printed and becomes the exit code
 * (0 all rows succeeded, 2 invalid plan — nothing done, 5 some row failed, 6 stopped by Ctrl-C).
 * Installs Ctrl-C handling through `io.onInterrupt` (first: every row stops gracefully; second: abort).
 */
export async function runBatchCommand(args: BatchArgs, io: CliIo): Promise<ExitCodeValue> {
	let config: BatchConfig;
	try {
		config = resolveBatchConfig(args);
	} catch (error) {
		const e = toMailshiftError(error);
		printError(e, io, args.debug ?? false);
		return exitCodeFor(e.code);
	}
	return runBatch(config, io);
}
