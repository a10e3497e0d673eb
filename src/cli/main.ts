/**
 * CLI entry: yargs parsing → config → use case → exit code. The only place that decides the process's
 * exit status (bin/mailshift.js sets process.exitCode from the returned value; nothing calls process.exit).
 */
import yargs from 'yargs';
import type {Argv} from 'yargs';
import {resolveMigrateConfig} from '../config/resolve.js';
import type {EngineControls} from '../core/controls.js';
import {MailshiftError, toMailshiftError} from '../core/errors.js';
import {runDemo} from './demo.js';
import {ExitCode, exitCodeFor} from './exit-codes.js';
import type {ExitCodeValue} from './exit-codes.js';
import {MIGRATE_OPTIONS} from './options.js';
import type {CliIo} from './run-migrate.js';
import {printError, runMigrate} from './run-migrate.js';
import {runVerifyCommand} from './run-verify.js';
import {BACKUP_OPTIONS, runBackupCommand} from './run-backup.js';
import {BATCH_OPTIONS, runBatchCommand} from './run-batch.js';
import {runStatus} from './run-status.js';
import {runDiscoverCommand} from './run-discover.js';
import {RULES_OPTIONS, runRulesCommand} from './run-rules.js';
import {shellCommand} from '../util/shell-quote.js';

/** First Ctrl-C: graceful stop (in-flight uploads finish); second: abort. */
function installInterrupt(io: CliIo): (controls: EngineControls) => () => void {
	return (controls) => {
		let presses = 0;
		const handler = (): void => {
			presses++;
			if (presses === 1) {
				io.stderr.write('\nmailshift: stopping after the uploads in flight… (Ctrl-C again to abort now)\n');
				controls.stop();
			} else {
				controls.abort();
			}
		};
		process.on('SIGINT', handler);
		process.on('SIGTERM', handler);
		return () => {
			process.off('SIGINT', handler);
			process.off('SIGTERM', handler);
		};
	};
}

export async function main(argv: readonly string[], io: CliIo = {stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env}): Promise<ExitCodeValue> {
	const cliIo: CliIo = {...io, onInterrupt: io.onInterrupt ?? installInterrupt(io), commandLine: io.commandLine ?? shellCommand(['mailshift', ...argv])};
	const debug = argv.includes('--debug');
	// NO_COLOR (no-color.org): ink's colours come from chalk, which reads only FORCE_COLOR, at import time —
	// and the TUI is imported later, only when used.
	if (io.env['NO_COLOR'] && !io.env['FORCE_COLOR']) process.env['FORCE_COLOR'] = '0';
	if (argv.some((a) => a === '--password' || a.startsWith('--password=') || a === '-p')) {
		printError(new MailshiftError('USAGE', 'Passwords are never accepted on the command line (they end up in shell history and process lists).', 'fatal', {
			hint: 'Set MAILSHIFT_PASSWORD, use --password-file FILE, or run in a terminal to be asked.',
		}), cliIo, debug);
		return ExitCode.USAGE;
	}
	let exitCode: ExitCodeValue = ExitCode.OK;
	const parser: Argv = yargs([...argv])
		.scriptName('mailshift')
		.usage('mailshift — move mail from local stores (Outlook PST/OST, mbox, Thunderbird, Maildir) into IMAP folders, exactly once.\n\nUsage: $0 <command> [options]')
		.command('migrate <source>', 'Upload a store (PST/OST, mbox, Thunderbird, Maildir) into IMAP folders; re-runs resume', (y) => y
			.positional('source', {type: 'string', describe: 'Outlook .pst/.ost, mbox file, folder of mbox files, Thunderbird folder, or Maildir'})
			.options(MIGRATE_OPTIONS)
			.example('MAILSHIFT_PASSWORD=… $0 migrate ~/Maildir --to imaps://me@example.com@imap.example.com', 'Upload a Maildir tree')
			.example("$0 migrate ~/mail/Archive.mbox --to imaps://me@imap.example.com --prefix 'Imported/Old PC' --password-file ~/.imap-pass", 'Upload an mbox below one folder')
			.example('$0 migrate ~/.thunderbird/x.default/Mail/Local\\ Folders --dry-run', 'Show the plan, write nothing'),
		async (args) => {
			const config = resolveMigrateConfig({
				source: args.source, to: args.to, from: args.from, passwordFile: args['password-file'], insecure: args.insecure, tlsFingerprint: args['tls-fingerprint'], caFile: args['ca-file'],
				oauthTokenCommand: args['oauth-token-command'], oauthTokenFile: args['oauth-token-file'],
				dryRun: args['dry-run'], includeTrashed: args['include-trashed'], connections: args.connections, prefix: args.prefix,
				map: args.map?.map(String), exclude: args.exclude?.map(String), report: args.report, stats: args.stats, debug: args.debug,
				journal: args.journal, newJournal: args['new-journal'], skipExisting: args['skip-existing'], multiappend: args.multiappend, batchSize: args['batch-size'], batchBytes: args['batch-bytes'],
				maxRate: args['max-rate'], bwlimit: args.bwlimit, maxDuration: args['max-duration'], dailyBudget: args['daily-budget'], plain: args.plain,
				json: args.json, verify: args.verify,
			}, cliIo.env);
			if (args.backup !== undefined && !config.dryRun) {
				const backupExit = await runBackupCommand({source: config.source, out: args.backup, from: args.from, includeTrashed: args['include-trashed'], stats: args.stats, debug: args.debug, reuseComplete: true}, cliIo);
				if (backupExit !== ExitCode.OK) {
					cliIo.stderr.write('mailshift: nothing was uploaded, because the backup did not complete (see above).\n');
					exitCode = backupExit;
					return;
				}
			}
			exitCode = (await runMigrate(config, cliIo)).exitCode;
		})
		.command('backup [source]', 'Back up a store or an IMAP account (Maildir, mbox or .eml files, with a manifest); --verify DIR checks a backup', (y) => y
			.positional('source', {type: 'string', describe: 'Maildir, mbox file or folder, Thunderbird folder, Outlook .pst/.ost, or imaps://user@host'})
			.options(BACKUP_OPTIONS)
			.example('$0 backup ~/Maildir --out /media/usb/mail-backup', 'Back up a store before migrating it')
			.example('MAILSHIFT_PASSWORD=… $0 backup imaps://me@imap.example.com --out ~/server-copy', 'Copy what is on the server now')
			.example('$0 backup --verify /media/usb/mail-backup', 'Check a backup against its manifest'),
		async (args) => {
			exitCode = await runBackupCommand({
				source: args.source, out: args.out, format: args.format, verify: args.verify, force: args.force, from: args.from,
				includeTrashed: args['include-trashed'], passwordFile: args['password-file'], insecure: args.insecure, stats: args.stats, debug: args.debug,
				oauthTokenCommand: args['oauth-token-command'], oauthTokenFile: args['oauth-token-file'],
			}, cliIo);
		})
		.command('batch <plan>', 'Migrate many mailboxes from a CSV (or JSON) plan: validate all rows, run them in parallel with per-server connection caps, write report.csv/report.json', (y) => y
			.positional('plan', {type: 'string', describe: 'CSV with a header row: source,url,password[,id,prefix,connections,bwlimit] (password: env:VAR or file:PATH)'})
			.options(BATCH_OPTIONS)
			.example('$0 batch mailboxes.csv --check --dry-run', 'Validate every row, log in, and show totals and time estimates')
			.example('$0 batch mailboxes.csv --parallel 4 --out reports/', 'Run the plan; reports in reports/')
			.example('$0 batch mailboxes.csv --only-failed --out reports/', 'Retry only the rows that failed last time'),
		async (args) => {
			exitCode = await runBatchCommand({
				plan: args.plan, out: args.out, parallel: args.parallel, maxConnectionsPerServer: args['max-connections-per-server'],
				journalDir: args['journal-dir'], onlyFailed: args['only-failed'], dryRun: args['dry-run'], check: args.check,
				insecure: args.insecure, json: args.json, stats: args.stats, debug: args.debug,
			}, cliIo);
		})
		.command('verify <source>', 'Check that every message of a store is on the server exactly once, with its flags and date', (y) => y
			.positional('source', {type: 'string', describe: 'The store that was migrated'})
			.options(MIGRATE_OPTIONS)
			.option('deep', {type: 'boolean', default: false, group: 'Behaviour:', describe: 'Compare every message byte by byte (downloads them)'}),
		async (args) => {
			const config = resolveMigrateConfig({
				source: args.source, to: args.to, from: args.from, passwordFile: args['password-file'], insecure: args.insecure, tlsFingerprint: args['tls-fingerprint'], caFile: args['ca-file'],
				oauthTokenCommand: args['oauth-token-command'], oauthTokenFile: args['oauth-token-file'],
				includeTrashed: args['include-trashed'], prefix: args.prefix, map: args.map?.map(String), exclude: args.exclude?.map(String),
				report: args.report, debug: args.debug, journal: args.journal,
			}, cliIo.env);
			exitCode = await runVerifyCommand(config, cliIo, {deep: args.deep});
		})
		.command('status <source>', 'Summarise a migration\'s journal: done, failed, skipped, still to check', (y) => y
			.positional('source', {type: 'string', describe: 'The store being migrated'})
			.option('to', MIGRATE_OPTIONS.to).option('journal', MIGRATE_OPTIONS.journal).option('insecure', MIGRATE_OPTIONS.insecure),
		(args) => {
			const config = resolveMigrateConfig({source: args.source, to: args.to, journal: args.journal, insecure: args.insecure}, cliIo.env);
			exitCode = runStatus(config, cliIo);
		})
		.command('rules <source>', 'Turn Thunderbird filters into server-side Sieve rules: print the plan and script, --out FILE, --install (ManageSieve), --remove', (y) => y
			.positional('source', {type: 'string', describe: 'msgFilterRules.dat, a Thunderbird account folder, or a profile folder'}).options(RULES_OPTIONS),
		async (args) => {
			exitCode = await runRulesCommand({...args, passwordFile: args['password-file'], oauthTokenCommand: args['oauth-token-command'], oauthTokenFile: args['oauth-token-file'], map: args.map?.map(String), exclude: args.exclude?.map(String), sievePort: args['sieve-port'], includeActive: args['rules-include-active'], replaceActive: args['rules-replace-active'], allowRedirect: args['rules-allow-redirect'], allowDiscard: args['rules-allow-discard']}, cliIo);
		})
		.command(['tui', '$0'], 'The guided switch from POP to IMAP in the terminal (also: mailshift with no arguments)', (y) => y,
		async () => {
			if (!cliIo.stdin.isTTY || !cliIo.stdout.isTTY) {
				throw new MailshiftError('USAGE', 'The guided mode needs a terminal.', 'fatal', {hint: 'Run it in a terminal, or use mailshift migrate (see mailshift --help).'});
			}
			const [{renderWizard}, {createWizardServices}] = await Promise.all([import('../tui/render-tui.js'), import('./wizard-services.js')]);
			await renderWizard({services: createWizardServices(cliIo), defaultBackupDir: `${cliIo.env['HOME'] ?? '.'}/mailshift-backup`, stdout: cliIo.stdout, stdin: cliIo.stdin});
		})
		.command('discover', 'List the mail stores found on this computer: kind, path, folders, messages, size', (y) => y
			.option('json', {type: 'boolean', default: false, describe: 'Print JSON on stdout'})
			.option('count', {type: 'boolean', default: true, describe: 'Open each store to count folders and messages (--no-count: only find them)'}),
		async (args) => {
			exitCode = await runDiscoverCommand({json: args.json, count: args.count, debug}, cliIo);
		})
		.command('demo', 'Start a throwaway private Dovecot on 127.0.0.1, migrate a generated sample store into it, show the result', (y) => y
			.option('keep', {type: 'boolean', default: false, describe: 'Leave the server running and print how to connect and stop it'}),
		async (args) => {
			exitCode = await runDemo(cliIo, {keep: args.keep});
		})
		.strict()
		.help()
		.alias('h', 'help')
		.version()
		.wrap(Math.min(110, process.stdout.columns || 100))
		.exitProcess(false)
		.fail((message, error) => {
			throw error ?? new MailshiftError('USAGE', message, 'fatal', {hint: 'Run mailshift --help for the usage.'});
		});
	try {
		await parser.parseAsync();
		return exitCode;
	} catch (error) {
		const e = error instanceof MailshiftError ? error : (error as {name?: string}).name === 'YError'
			? new MailshiftError('USAGE', (error as Error).message, 'fatal', {hint: 'Run mailshift --help for the usage.'})
			: toMailshiftError(error);
		printError(e, cliIo, debug);
		return exitCodeFor(e.code);
	}
}
