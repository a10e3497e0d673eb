/**
 * `mailshift batch PLAN`: many mailboxes from a CSV (or JSON) plan, for IT admins. Resolves the arguments into
 * a frozen BatchConfig (every problem a USAGE error, exit 2) and runs src/app/batch.ts. No yargs here
 * beyond the option table's type: main.ts registers the command.
 */
import {resolve} from 'node:path';
import type {Options} from 'yargs';
import {runBatch} from '../app/batch.js';
import type {BatchConfig} from '../app/batch.js';
import {MailshiftError, toMailshiftError} from '../contracts/errors.js';
import {exitCodeFor} from '../contracts/exit-codes.js';
import type {ExitCodeValue} from '../contracts/exit-codes.js';
import type {CliIo} from '../app/migrate.js';
import {printError} from '../app/migrate.js';

const BATCH = 'Batch:';
const OUTPUT = 'Output:';

/** The options of `mailshift batch` (to be merged into cli/options.ts's table when the command is wired). */
export const BATCH_OPTIONS = {
	parallel: {type: 'number', group: BATCH, default: 2, describe: 'Mailboxes migrated at the same time'},
	'max-connections-per-server': {type: 'number', group: BATCH, default: 8, describe: 'IMAP connections to one host:port over all rows together (a row\'s connections are cut to fit)'},
	'journal-dir': {type: 'string', group: BATCH, describe: 'Keep the rows\' journals in this directory (default: where migrate keeps them, one per source + destination)'},
	'only-failed': {type: 'boolean', group: BATCH, default: false, describe: 'Run only the rows that did not succeed last time (read from batch-state.json in --out)'},
	'dry-run': {type: 'boolean', alias: 'n', group: BATCH, default: false, describe: 'Per row and in total: messages, size, estimated time, quota fit; nothing is written'},
	check: {type: 'boolean', group: BATCH, default: false, describe: 'While validating the plan, also log in to every account (servers reachable, passwords right); never runs oauth-command: cells'},
	'allow-plan-commands': {type: 'boolean', group: BATCH, default: false, describe: 'Let the plan\'s oauth-command:CMD password cells run their programs (OAuth2: CMD prints an access token; for a real run or a dry run; never during --check). Check the plan first'},
	insecure: {type: 'boolean', group: BATCH, default: false, describe: 'Accept any TLS certificate; allow plain IMAP to non-loopback hosts (all rows)'},
	out: {type: 'string', group: OUTPUT, describe: 'Directory for report.csv, report.json and batch-state.json (default: the current directory)'},
	json: {type: 'boolean', group: OUTPUT, default: false, describe: 'NDJSON progress on stdout, every event with a "row" id (for log collectors)'},
	stats: {type: 'number', group: OUTPUT, default: 5, describe: 'Seconds between live summary lines on stderr, one per running row (0 = none)'},
	debug: {type: 'boolean', group: OUTPUT, default: false, describe: 'Show stack traces for errors'},
} as const satisfies Record<string, Options>;

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
