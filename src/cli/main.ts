/**
 * CLI entry: yargs parsing → config → use case → exit code. The only place that decides the process's
 * exit status (bin/mailshift.js sets process.exitCode from the returned value; nothing calls process.exit).
 */
import yargs from 'yargs';
import type {Argv, Options} from 'yargs';
import type {EngineControls} from '../contracts/controls.js';
import {MailshiftError, toMailshiftError} from '../contracts/errors.js';
import {InterruptRouter} from './interrupt-router.js';
import {EXIT_CODE_DESCRIPTIONS, ExitCode, exitCodeFor} from '../contracts/exit-codes.js';
import type {ExitCodeValue} from '../contracts/exit-codes.js';
import {argsFromSources, readConfigFile} from './option-sources.js';
import {DEMO_OPTIONS, MIGRATE_OPTIONS, STATUS_OPTIONS, VERIFY_OPTIONS} from './options.js';
import type {CliIo} from '../app/migrate.js';
import {CLI_PRESENTER} from './presenter.js';
import {BACKUP_OPTIONS, BATCH_OPTIONS, FLEET_OPTIONS, MIGRATE_RULES_OPTIONS, RULES_OPTIONS, WORKER_OPTIONS} from './command-options.js';
import {shellCommand} from '../util/shell-quote.js';
import {toolVersion} from '../util/tool-version.js';

// Start-up (issue #14): this module imports only yargs and the option tables. What a command runs (the
// config resolver, the readers, imapflow, SQLite, the TUI) is imported by its handler when that command runs,
// so `mailshift --help`, `--version` and a usage error never load them. test/cli/startup.test.ts checks this.

/** printError of app/migrate.ts, loaded on first use (it is only needed once something went wrong). */
async function printError(error: MailshiftError, io: CliIo, debug: boolean): Promise<void> {
	(await import('../app/migrate.js')).printError(error, io, debug);
}

/** `mailshift discover`. */
const DISCOVER_OPTIONS = {
	json: {type: 'boolean', default: false, describe: 'Print JSON on stdout'},
	count: {type: 'boolean', default: true, describe: 'Open each store to count folders and messages (--no-count: only find them)'},
} as const satisfies Record<string, Options>;

/** Each command's own options: what its --help lists, what it accepts, what MAILSHIFT_<OPTION> and --config may set. */
const COMMAND_OPTIONS: Readonly<Record<string, Readonly<Record<string, Options>>>> = {
	migrate: {...MIGRATE_OPTIONS, ...MIGRATE_RULES_OPTIONS}, backup: BACKUP_OPTIONS, batch: BATCH_OPTIONS, verify: VERIFY_OPTIONS, status: STATUS_OPTIONS,
	rules: RULES_OPTIONS, discover: DISCOVER_OPTIONS, demo: DEMO_OPTIONS, worker: WORKER_OPTIONS, fleet: FLEET_OPTIONS,
};

/** Every command name (yargs registers the same below; `completion` is yargs' own). */
const COMMANDS: readonly string[] = ['migrate', 'backup', 'batch', 'verify', 'status', 'rules', 'discover', 'worker', 'fleet', 'tui', 'demo', 'completion'];

/** Edit distance (insert, delete, substitute, swap of neighbours), for "did you mean". Pure; inputs are short. */
export function editDistance(a: string, b: string): number {
	const d: number[][] = Array.from({length: a.length + 1}, (_, i) => Array.from({length: b.length + 1}, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
	for (let i = 1; i <= a.length; i++) {
		for (let j = 1; j <= b.length; j++) {
			const row = d[i] as number[];
			const up = d[i - 1] as number[];
			row[j] = Math.min((up[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (up[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
			if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) row[j] = Math.min(row[j] ?? 0, ((d[i - 2] as number[])[j - 2] ?? 0) + 1);
		}
	}
	return (d[a.length] as number[])[b.length] ?? 0;
}

/** The command a mistyped word most likely meant (at most 2 edits away, or a prefix of it), or undefined. */
function closestCommand(word: string): string | undefined {
	const lower = word.toLowerCase();
	const prefixed = COMMANDS.filter((c) => lower.length >= 3 && c.startsWith(lower));
	if (prefixed.length === 1) return prefixed[0];
	const ranked = COMMANDS.map((c) => ({c, d: editDistance(lower, c)})).sort((x, y) => x.d - y.d);
	return ranked[0] && ranked[0].d <= 2 ? ranked[0].c : undefined;
}

/** The command argv names (its first word that is not an option or --config's value), or undefined. */
function commandOf(argv: readonly string[]): string | undefined {
	// The shell's completion request (`mailshift --get-yargs-completions mailshift mig…`) is yargs' to answer.
	if (argv.includes('--get-yargs-completions')) return undefined;
	for (let i = 0; i < argv.length; i++) {
		const arg = argv[i] ?? '';
		if (arg === '--config') i++;
		else if (!arg.startsWith('-')) return arg;
	}
	return undefined;
}

/** --config FILE from argv (else MAILSHIFT_CONFIG), or undefined. */
function configPathOf(argv: readonly string[], env: NodeJS.ProcessEnv): string | undefined {
	for (let i = 0; i < argv.length; i++) {
		const arg = argv[i] ?? '';
		if (arg === '--config') return argv[i + 1];
		if (arg.startsWith('--config=')) return arg.slice('--config='.length);
	}
	return env['MAILSHIFT_CONFIG'] || undefined;
}

/** The --help epilogue: exit codes (from exit-codes.ts) and the environment variables mailshift reads. */
function epilogue(): string {
	const codes = Object.entries(EXIT_CODE_DESCRIPTIONS).map(([code, text]) => `  ${code}  ${text}`).join('\n');
	return [
		'Exit codes:', codes, '',
		'Environment:',
		'  MAILSHIFT_PASSWORD      the IMAP password (else --password-file, else a prompt; never on the command line)',
		'  MAILSHIFT_OAUTH_TOKEN   an OAuth2 access token (else --oauth-token-command / --oauth-token-file)',
		'  MAILSHIFT_<OPTION>      any option of the command, e.g. MAILSHIFT_CONNECTIONS=8, MAILSHIFT_DRY_RUN=true',
		'  MAILSHIFT_CONFIG        a JSON config file of options, like --config FILE',
		'  XDG_STATE_HOME          where journals are kept (default ~/.local/state/mailshift)',
		'  NO_COLOR, CI            no colours; no live dashboard',
		'Precedence: command line, then MAILSHIFT_<OPTION>, then the config file, then the default.',
		'Shell completion: mailshift completion >> ~/.bashrc (or ~/.zshrc)',
	].join('\n');
}

const EPILOGUE = epilogue();

export async function main(argv: readonly string[], io: CliIo = {stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env}): Promise<ExitCodeValue> {
	// First of all: a Ctrl-C must find its handler from the start of a run to the process's exit (see
	// interrupt-router.ts). Tests that call main in-process pass their own `onInterrupt`.
	let onInterrupt = io.onInterrupt;
	if (onInterrupt === undefined) {
		const router = new InterruptRouter(process, (line) => io.stderr.write(`\n${line}\n`));
		onInterrupt = (controls: EngineControls) => router.attach(controls);
	}
	const cliIo: CliIo = {presenter: CLI_PRESENTER, ...io, onInterrupt, commandLine: io.commandLine ?? shellCommand(['mailshift', ...argv])};
	const debug = argv.includes('--debug');
	// NO_COLOR (no-color.org): ink's colours come from chalk, which reads only FORCE_COLOR, at import time —
	// and the TUI is imported later, only when used.
	if (io.env['NO_COLOR'] && !io.env['FORCE_COLOR']) process.env['FORCE_COLOR'] = '0';
	if (argv.some((a) => a === '--password' || a.startsWith('--password=') || a === '-p')) {
		await printError(new MailshiftError('USAGE', 'Passwords are never accepted on the command line (they end up in shell history and process lists).', 'fatal', {
			hint: 'Set MAILSHIFT_PASSWORD, use --password-file FILE, or run in a terminal to be asked.',
		}), cliIo, debug);
		return ExitCode.USAGE;
	}
	const command = commandOf(argv);
	if (command !== undefined && !COMMANDS.includes(command)) {
		const suggestion = closestCommand(command);
		await printError(new MailshiftError('USAGE', `"${command}" is not a mailshift command.`, 'fatal', {
			hint: `${suggestion ? `Did you mean mailshift ${suggestion}? ` : ''}The commands are: ${COMMANDS.filter((c) => c !== 'tui').join(', ')} (mailshift --help).`,
		}), cliIo, debug);
		return ExitCode.USAGE;
	}
	// MAILSHIFT_<OPTION> and the config file become arguments of the one command being run (option-sources.ts).
	let fullArgv: string[];
	try {
		const table = COMMAND_OPTIONS[commandOf(argv) ?? ''] ?? {};
		const configPath = configPathOf(argv, io.env);
		const known = new Set(Object.values(COMMAND_OPTIONS).flatMap((t) => Object.keys(t)));
		const fromConfig = configPath === undefined ? {} : readConfigFile(configPath, known);
		const extra = argsFromSources(argv, table, io.env, fromConfig);
		const dashes = argv.indexOf('--');
		fullArgv = dashes < 0 ? [...argv, ...extra] : [...argv.slice(0, dashes), ...extra, ...argv.slice(dashes)];
	} catch (error) {
		const e = toMailshiftError(error);
		await printError(e, cliIo, debug);
		return exitCodeFor(e.code);
	}
	let exitCode: ExitCodeValue = ExitCode.OK;
	const parser: Argv = yargs(fullArgv)
		.scriptName('mailshift')
		.usage('mailshift: move mail from local stores (Outlook PST/OST, Outlook for Mac .olm, Thunderbird/mbox, Maildir, Apple Mail, Outlook Express, .eml folders, a POP3 account) into IMAP folders, exactly once.\n\nUsage: $0 <command> [options]')
		.command('migrate <source>', 'Upload a mail store (or a POP3 account) into IMAP folders; re-runs resume', (y) => y
			.positional('source', {type: 'string', describe: 'Outlook .pst/.ost or .olm, mbox file or Thunderbird folder, Maildir, Apple Mail (~/Library/Mail/V10), Outlook Express folder, a folder of .eml files, or pop3s://user@host'})
			.options(MIGRATE_OPTIONS).options(MIGRATE_RULES_OPTIONS)
			.example('MAILSHIFT_PASSWORD=... $0 migrate ~/Maildir --to imaps://me@example.com@imap.example.com', 'Upload a Maildir tree')
			.example("$0 migrate ~/mail/Archive.mbox --to imaps://me@imap.example.com --prefix 'Imported/Old PC' --password-file ~/.imap-pass", 'Upload an mbox below one folder')
			.example('$0 migrate ~/.thunderbird/x.default/Mail/Local\\ Folders --dry-run', 'Show the plan, write nothing').epilogue(EPILOGUE),
		async (args) => {
			// --backup and --rules load their modules (the backup engine, ManageSieve) only when asked for (issue #14).
			const [{resolveMigrateConfig}, {runMigrate}] = await Promise.all([import('../config/resolve.js'), import('../app/migrate.js')]);
			const config = resolveMigrateConfig({
				source: args.source, to: args.to, from: args.from, passwordFile: args['password-file'], sourcePasswordFile: args['source-password-file'], insecure: args.insecure, tlsFingerprint: args['tls-fingerprint'], caFile: args['ca-file'],
				oauthTokenCommand: args['oauth-token-command'], oauthTokenFile: args['oauth-token-file'],
				dryRun: args['dry-run'], includeTrashed: args['include-trashed'], connections: args.connections, prefix: args.prefix,
				map: args.map?.map(String), exclude: args.exclude?.map(String), report: args.report, stats: args.stats, debug: args.debug,
				journal: args.journal, newJournal: args['new-journal'], skipExisting: args['skip-existing'], multiappend: args.multiappend, compress: args.compress, batchSize: args['batch-size'], batchBytes: args['batch-bytes'],
				maxRate: args['max-rate'], bwlimit: args.bwlimit, maxDuration: args['max-duration'], dailyBudget: args['daily-budget'], plain: args.plain,
				json: args.json, verify: args.verify,
			}, cliIo.env);
			if (args.backup !== undefined && !config.dryRun) {
				const {runBackupCommand} = await import('../app/backup.js');
				const backupExit = await runBackupCommand({source: config.source, out: args.backup, from: args.from, includeTrashed: args['include-trashed'], stats: args.stats, debug: args.debug, reuseComplete: true}, cliIo);
				if (backupExit !== ExitCode.OK) {
					cliIo.stderr.write('mailshift: nothing was uploaded, because the backup did not complete (see above).\n');
					exitCode = backupExit;
					return;
				}
			}
			const sieveRules = args.rules || args['rules-out'] !== undefined ? (await import('./run-rules.js')).sieveRulesConfig({rules: args.rules, rulesOut: args['rules-out'], sievePort: args['sieve-port'], includeActive: args['rules-include-active'], replaceActive: args['rules-replace-active'], allowRedirect: args['rules-allow-redirect'], allowDiscard: args['rules-allow-discard']}) : undefined;
			exitCode = (await runMigrate(sieveRules ? {...config, sieveRules} : config, cliIo)).exitCode;
		})
		.command('backup [source]', 'Back up a store or an IMAP account (Maildir, mbox or .eml files, with a manifest); --verify DIR checks a backup', (y) => y
			.positional('source', {type: 'string', describe: 'Maildir, mbox file or folder, Thunderbird folder, Outlook .pst/.ost, or imaps://user@host'})
			.options(BACKUP_OPTIONS)
			.example('$0 backup ~/Maildir --out /media/usb/mail-backup', 'Back up a store before migrating it')
			.example('MAILSHIFT_PASSWORD=... $0 backup imaps://me@imap.example.com --out ~/server-copy', 'Copy what is on the server now')
			.example('$0 backup --verify /media/usb/mail-backup', 'Check a backup against its manifest').epilogue(EPILOGUE),
		async (args) => {
			const {runBackupCommand} = await import('../app/backup.js');
			exitCode = await runBackupCommand({
				source: args.source, out: args.out, format: args.format, verify: args.verify, force: args.force, from: args.from,
				includeTrashed: args['include-trashed'], passwordFile: args['password-file'], insecure: args.insecure, stats: args.stats, debug: args.debug,
				oauthTokenCommand: args['oauth-token-command'], oauthTokenFile: args['oauth-token-file'],
			}, cliIo);
		})
		.command('batch <plan>', 'Migrate many mailboxes from a CSV (or JSON) plan: validate all rows, run them in parallel with per-server connection caps, write report.csv/report.json', (y) => y
			.positional('plan', {type: 'string', describe: 'CSV with a header row: source,url,password[,id,prefix,connections,bwlimit] (password: env:VAR, file:PATH of a file of your own with chmod 600, or oauth-command:CMD with --allow-plan-commands)'})
			.options(BATCH_OPTIONS)
			.example('$0 batch mailboxes.csv --check --dry-run', 'Validate every row, log in, and show totals and time estimates')
			.example('$0 batch mailboxes.csv --parallel 4 --out reports/', 'Run the plan; reports in reports/')
			.example('$0 batch mailboxes.csv --only-failed --out reports/', 'Retry only the rows that failed last time').epilogue(EPILOGUE),
		async (args) => {
			const {runBatchCommand} = await import('./run-batch.js');
			exitCode = await runBatchCommand({
				plan: args.plan, out: args.out, parallel: args.parallel, maxConnectionsPerServer: args['max-connections-per-server'],
				journalDir: args['journal-dir'], onlyFailed: args['only-failed'], dryRun: args['dry-run'], check: args.check, allowPlanCommands: args['allow-plan-commands'],
				insecure: args.insecure, json: args.json, stats: args.stats, debug: args.debug,
			}, cliIo);
		})
		.command('worker', 'Take mailbox rows from a fleet queue in PostgreSQL and migrate them (any number of workers, on any machines)', (y) => y
			.options(WORKER_OPTIONS)
			.example('MAILSHIFT_QUEUE_URL=postgres://ms:PW@db/ms $0 worker --concurrency 4', 'Run up to 4 mailboxes at a time; SIGTERM stops gracefully').epilogue(EPILOGUE),
		async (args) => {
			const {runWorkerCommand} = await import('./run-fleet.js');
			exitCode = await runWorkerCommand({
				queue: args.queue, queueFile: args['queue-file'], queueName: args['queue-name'], debug: args.debug, concurrency: args.concurrency, lease: args.lease,
				allowPlanCommands: args['allow-plan-commands'], exitWhenDone: args['exit-when-done'], poll: args.poll,
			}, cliIo);
		})
		.command('fleet <action> [args..]', 'A fleet migration in PostgreSQL: submit PLAN | status | retry --only-failed | pause | resume | cancel [ID...]', (y) => y
			.positional('action', {type: 'string', choices: ['submit', 'status', 'retry', 'pause', 'resume', 'cancel'], describe: 'What to do'})
			.positional('args', {type: 'string', array: true, describe: 'submit: the plan (CSV/JSON as for batch); retry/cancel: row ids (default: all)'})
			.options(FLEET_OPTIONS)
			.example('$0 fleet submit mailboxes.csv --max-per-user 4', 'Validate the plan and enqueue one job per row (again: nothing doubled)')
			.example('$0 fleet status --json', 'Per row: state, worker, progress, last error; totals; connections in use').epilogue(EPILOGUE),
		async (args) => {
			const {runFleetCommand} = await import('./run-fleet.js');
			const rest = (args.args ?? []).map(String);
			exitCode = await runFleetCommand({
				action: String(args.action), ...(args.action === 'submit' ? {plan: rest[0]} : {rows: rest}),
				queue: args.queue, queueFile: args['queue-file'], queueName: args['queue-name'], debug: args.debug, json: args.json, out: args.out, watch: args.watch, onlyFailed: args['only-failed'],
				includeCancelled: args['include-cancelled'], maxPerHost: args['max-per-host'], maxPerUser: args['max-per-user'], lease: args.lease,
				insecure: args.insecure, allowPlanCommands: args['allow-plan-commands'],
			}, cliIo);
		})
		.command('verify <source>', 'Check that every message of a store is on the server exactly once, with its flags and date', (y) => y
			.positional('source', {type: 'string', describe: 'The store that was migrated'})
			.options(VERIFY_OPTIONS).epilogue(EPILOGUE),
		async (args) => {
			const [{resolveMigrateConfig}, {runVerifyCommand}] = await Promise.all([import('../config/resolve.js'), import('../app/verify.js')]);
			const config = resolveMigrateConfig({
				source: args.source, to: args.to, from: args.from, passwordFile: args['password-file'], sourcePasswordFile: args['source-password-file'], insecure: args.insecure, tlsFingerprint: args['tls-fingerprint'], caFile: args['ca-file'],
				oauthTokenCommand: args['oauth-token-command'], oauthTokenFile: args['oauth-token-file'],
				includeTrashed: args['include-trashed'], prefix: args.prefix, map: args.map?.map(String), exclude: args.exclude?.map(String),
				report: args.report, debug: args.debug, json: args.json,
			}, cliIo.env);
			exitCode = await runVerifyCommand(config, cliIo, {deep: args.deep});
		})
		.command('status <source>', 'Summarise a migration\'s journal: done, failed, skipped, still to check', (y) => y
			.positional('source', {type: 'string', describe: 'The store being migrated'})
			.options(STATUS_OPTIONS).epilogue(EPILOGUE),
		async (args) => {
			const [{resolveMigrateConfig}, {runStatus}] = await Promise.all([import('../config/resolve.js'), import('./run-status.js')]);
			const config = resolveMigrateConfig({source: args.source, to: args.to, journal: args.journal, insecure: args.insecure}, cliIo.env);
			exitCode = runStatus(config, cliIo);
		})
		.command('rules <source>', 'Turn Thunderbird filters or Outlook rules into server-side Sieve rules: print the plan and script, --out FILE, --install (ManageSieve), --remove', (y) => y
			.positional('source', {type: 'string', describe: 'msgFilterRules.dat, a Thunderbird account or profile folder, an Outlook .pst/.ost, or a .rwz rules export'}).options(RULES_OPTIONS),
		async (args) => {
			const {runRulesCommand} = await import('./run-rules.js');
			exitCode = await runRulesCommand({...args, passwordFile: args['password-file'], oauthTokenCommand: args['oauth-token-command'], oauthTokenFile: args['oauth-token-file'], map: args.map?.map(String), exclude: args.exclude?.map(String), sievePort: args['sieve-port'], includeActive: args['rules-include-active'], replaceActive: args['rules-replace-active'], allowRedirect: args['rules-allow-redirect'], allowDiscard: args['rules-allow-discard']}, cliIo);
		})
		.command(['tui', '$0'], 'The guided switch from POP to IMAP in the terminal (also: mailshift with no arguments)', (y) => y
			.option('sieve-port', {...RULES_OPTIONS['sieve-port'], describe: 'ManageSieve port on the IMAP host, for the rules step'}),
		async (args) => {
			if (!cliIo.stdin.isTTY || !cliIo.stdout.isTTY) {
				throw new MailshiftError('USAGE', 'The guided mode needs a terminal.', 'fatal', {hint: 'Run it in a terminal, or use mailshift migrate (see mailshift --help).'});
			}
			const [{renderWizard}, {createWizardServices}] = await Promise.all([import('../tui/render-tui.js'), import('../app/create-wizard-services.js')]);
			await renderWizard({services: createWizardServices(cliIo, {sievePort: args['sieve-port']}), defaultBackupDir: `${cliIo.env['HOME'] ?? '.'}/mailshift-backup`, stdout: cliIo.stdout, stdin: cliIo.stdin});
		})
		.command('discover', 'List the mail stores found on this computer: kind, path, folders, messages, size', (y) => y
			.options(DISCOVER_OPTIONS).epilogue(EPILOGUE),
		async (args) => {
			const {runDiscoverCommand} = await import('./run-discover.js');
			exitCode = await runDiscoverCommand({json: args.json, count: args.count, debug}, cliIo);
		})
		.command('demo', 'Start a throwaway private Dovecot on 127.0.0.1, migrate a generated sample store into it, show the result', (y) => y
			.options(DEMO_OPTIONS).epilogue(EPILOGUE),
		async (args) => {
			const {runDemo} = await import('./demo.js');
			exitCode = await runDemo(cliIo, {keep: args.keep});
		})
		.option('config', {type: 'string', global: true, describe: 'Read options from this JSON file ({"to": "imaps://me@host", "connections": 8}); also MAILSHIFT_CONFIG'})
		.completion('completion', 'Print a bash/zsh completion script (mailshift completion >> ~/.bashrc)')
		.epilogue(EPILOGUE)
		// Unknown options and extra arguments are errors. Unknown commands are caught above, with a suggestion (the
		// default command `tui` would swallow a mistyped one, so yargs' recommendCommands never sees it).
		.strict()
		.help()
		.alias('h', 'help')
		// Ours, not yargs' guess: yargs looks for package.json from where it is installed, which in the bundle
		// (build/bundle.mjs) is no package at all. Help is in English whatever the locale, as are our texts.
		.version(toolVersion())
		.detectLocale(false)
		.wrap(Math.min(110, process.stdout.columns || 100))
		.exitProcess(false)
		.fail((message, error) => {
			throw error ?? new MailshiftError('USAGE', message, 'fatal', {hint: 'Run mailshift --help for the usage.'});
		});
	// yargs prints the script but, with exitProcess(false), goes on to run the default command (the guided mode).
	if (command === 'completion') {
		parser.showCompletionScript();
		return ExitCode.OK;
	}
	skipHelpCache(parser);
	try {
		await parser.parseAsync();
		return exitCode;
	} catch (error) {
		const e = error instanceof MailshiftError ? error : (error as {name?: string}).name === 'YError'
			? new MailshiftError('USAGE', (error as Error).message, 'fatal', {hint: 'Run mailshift --help for the usage.'})
			: toMailshiftError(error);
		await printError(e, cliIo, debug);
		return exitCodeFor(e.code);
	}
}

/**
 * yargs 17 renders the whole help text right after it starts a command's handler (`usage.cacheHelpMessage`,
 * lib/command.js), so that a later failure can print it: 0.2 s of CPU on every run (issue #14: most of a re-run
 * with nothing to do). Our `.fail()` never prints help, so that text is never used: the cache is made a no-op.
 * `--help` itself renders as before. An internal of yargs: if it is gone, nothing changes.
 */
function skipHelpCache(parser: Argv): void {
	type Internals = {getInternalMethods?: () => {getUsageInstance?: () => {cacheHelpMessage?: () => void}}};
	const usage = (parser as unknown as Internals).getInternalMethods?.().getUsageInstance?.();
	if (usage && typeof usage.cacheHelpMessage === 'function') usage.cacheHelpMessage = (): void => {};
}
