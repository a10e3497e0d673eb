/**
 * The `migrate` use case, wired: open the source, connect (or plan offline for a dry run), run the engine
 * with a reporter, print the summary, write the report, map the outcome to an exit code.
 * Shared by `mailshift migrate` and `mailshift demo`. No yargs here: it receives a MigrationConfig.
 */
import {stat} from 'node:fs/promises';
import type {MigrationConfig} from '../config/config.js';
import {resolveLogin, sourcePasswordResolver} from '../config/secrets.js';
import {EngineControls} from '../core/controls.js';
import {runMigration} from '../core/engine.js';
import type {EngineResult} from '../core/engine.js';
import {MailshiftError, toMailshiftError} from '../core/errors.js';
import {EventBus} from '../core/events.js';
import type {EngineEvent} from '../core/events.js';
import {ProblemRelay} from '../core/problem-relay.js';
import {StatsStore} from '../core/stats.js';
import {runVerify} from '../core/verify.js';
import {openSource} from '../readers/open-source.js';
import type {SourceStore} from '../readers/source-store.js';
import {DryRunSink} from '../uploader/dry-run-sink.js';
import {PacedSink} from '../uploader/paced-sink.js';
import {ImapSink} from '../uploader/imap-sink.js';
import {describeTarget} from '../uploader/imap-target.js';
import type {MailSink} from '../uploader/mail-sink.js';
import {ExitCode, exitCodeFor} from './exit-codes.js';
import type {ExitCodeValue} from './exit-codes.js';
import {PlainReporter} from './reporters/plain.js';
import {JsonReporter} from './reporters/json.js';
import type {Reporter} from './reporters/reporter.js';
import type {TuiReporter} from '../tui/render-tui.js';
import type {FinishInfo} from '../tui/components/finish.js';
import {writeReport} from './report.js';
import {SqliteJournal} from '../journal/sqlite-journal.js';
import {journalRun} from '../journal/journal-location.js';
import {formatSummary} from './summary-text.js';
import {formatPreflight} from './preflight-text.js';
import {formatBytes, formatCount} from './format.js';

export type CliIo = Readonly<{
	stdout: NodeJS.WriteStream;
	stderr: NodeJS.WriteStream;
	stdin: NodeJS.ReadStream;
	env: NodeJS.ProcessEnv;
	/** The command as typed (never contains a password: those are refused on the command line). */
	commandLine?: string;
	/** Installs Ctrl-C handling for the run; returns an uninstaller. */
	onInterrupt?: (controls: EngineControls) => () => void;
}>;

export type MigrateOutcome = Readonly<{exitCode: ExitCodeValue; result?: EngineResult; finish?: FinishInfo}>;

/** When the caller renders progress itself (the wizard): its store and controls; nothing is printed. */
export type ExternalPresentation = Readonly<{stats: StatsStore; controls: EngineControls; onEvent?: (event: EngineEvent) => void}>;

/** Prints a user error as one sentence plus a hint (no stack trace unless debug). */
export function printError(error: MailshiftError, io: CliIo, debug: boolean): void {
	io.stderr.write(`mailshift: ${error.message}\n`);
	if (error.hint) io.stderr.write(`  ${error.hint}\n`);
	if (debug && error.cause) io.stderr.write(`${(error.cause as Error).stack ?? String(error.cause)}\n`);
	else if (error.code === 'BUG') io.stderr.write(`${error.stack ?? ''}\n`);
}

export async function runMigrate(config: MigrationConfig, io: CliIo, external?: ExternalPresentation): Promise<MigrateOutcome> {
	const relay = new ProblemRelay();
	let source: SourceStore | undefined;
	let sink: MailSink | undefined;
	let journal: SqliteJournal | undefined;
	let imap: ImapSink | undefined;
	const bus = new EventBus();
	const reporter: Reporter = config.json
		? new JsonReporter((line) => io.stdout.write(`${line}\n`))
		: new PlainReporter((line) => io.stderr.write(`${line}\n`), config.statsIntervalMs);
	let tui: TuiReporter | undefined;
	const stats = external?.stats ?? new StatsStore();
	bus.subscribe((event) => {
		stats.apply(event);
		external?.onEvent?.(event);
		if (!tui && !external) reporter.onEvent(event);
	});
	const controls = external?.controls ?? new EngineControls();
	const uninstall = io.onInterrupt?.(controls);
	const startedAt = new Date();
	try {
		source = await openSource(config.source, config.sourceKind, {
			onProblem: relay.onProblem,
			...(config.target === undefined ? {} : {insecure: config.target.insecure}),
			sourcePassword: sourcePasswordResolver({env: io.env, stdin: io.stdin, stderr: io.stderr, account: config.source, passwordFile: config.sourcePasswordFile}),
		});
		if (config.target) {
			const login = await resolveLogin({
				env: io.env, stdin: io.stdin, stderr: io.stderr, account: describeTarget(config.target),
				passwordFile: config.passwordFile, oauthTokenCommand: config.oauthTokenCommand, oauthTokenFile: config.oauthTokenFile,
			});
			imap = await ImapSink.connect({
				target: config.target, size: config.connections, ...login, ...(config.multiappend ? {} : {batch: false as const}),
				onConnection: (id, state) => bus.emit({type: 'connection', id, state}),
				onShrink: (size, reason) => bus.emit({type: 'warning', message: `the server refused more connections (${reason}); continuing with ${size}`}),
			});
			sink = config.dryRun ? new DryRunSink(imap) : new PacedSink(imap, {
				...(config.maxRate === undefined ? {} : {maxRate: config.maxRate}),
				...(config.bytesPerSecond === undefined ? {} : {bytesPerSecond: config.bytesPerSecond}),
				onThrottle: (untilMs, reason) => bus.emit({type: 'throttle', untilMs, reason}),
			});
		} else {
			sink = new DryRunSink();
		}
		if (config.dryRun) io.stderr.write(`DRY RUN: nothing will be written${config.target ? ` to ${describeTarget(config.target)}` : ''}.\n`);
		if (config.journalPath && config.target) {
			journal = SqliteJournal.open({
				path: config.journalPath, isNew: config.newJournal, ...(config.legacyJournalPath === undefined ? {} : {legacyPath: config.legacyJournalPath}),
				run: journalRun({source: config.source, target: config.target, prefix: config.prefix, rules: config.rules, excludes: config.excludes}),
				onStaleLock: (message) => io.stderr.write(`mailshift: ${message}.\n`),
			});
			if (journal.isResumed) {
				const c = journal.counts();
				io.stderr.write(`Resuming: the journal ${config.journalPath} has ${c.done} messages done${c.pending ? `, ${c.pending} to check on the server` : ''}${c.failed ? `, ${c.failed} failed before (tried again)` : ''}.\n`);
			}
		}
		// A second Ctrl-C aborts at once: closing the connections ends the uploads in flight. Still safe: their
		// journal rows stay `pending`, and the next run looks for them on the server before sending them.
		controls.abortSignal.addEventListener('abort', () => void sink?.close().catch(() => undefined), {once: true});
		// A POP3 account has no file time: its fallback is the start of this run.
		const fallbackDate = source.kind === 'pop3' ? startedAt : (await stat(config.source)).mtime;
		// The live dashboard on a terminal (never in CI, pipes or with --plain); loaded only then, so plain runs
		// never load React. Started after the password prompt, which needs the terminal in cooked mode.
		if (external) {
			// The caller renders.
		} else if (!config.plain && !config.json && io.stderr.isTTY && io.stdin.isTTY && !io.env['CI']) {
			const {renderTui} = await import('../tui/render-tui.js');
			tui = renderTui({store: stats, controls, connections: config.connections, stdout: io.stderr, stdin: io.stdin,
				title: `${config.source} → ${config.target ? describeTarget(config.target) : 'plan only'}`});
			tui.start();
		} else {
			reporter.start();
		}
		const result = await runMigration({
			dryRun: config.dryRun, includeTrashed: config.includeTrashed, connections: config.connections, fallbackDate,
			folderMap: {...(config.prefix === undefined ? {} : {prefix: config.prefix}), rules: config.rules, excludes: config.excludes},
			skipExisting: config.skipExisting, batchSize: config.batchSize, batchBytes: config.batchBytes,
			...(config.maxDurationMs === undefined ? {} : {maxDurationMs: config.maxDurationMs}),
			...(config.byteBudget === undefined ? {} : {byteBudget: config.byteBudget}),
		}, {source, sink, events: bus, readerProblems: relay, ...(journal ? {journal} : {})}, controls);
		journal?.checkpoint();
		// Prove it: a complete run is followed by `verify` (on by default), read-only, same mapping.
		let verifyLine: string | undefined;
		let isVerified = true;
		let didVerify = false;
		if (config.verifyAfter && imap && !config.dryRun && !result.fatal && !result.summary.interrupted) {
			bus.emit({type: 'notice', message: 'Checking every message on the server (verify)…'});
			try {
				const checked = await runVerify({
					includeTrashed: config.includeTrashed, fallbackDate, deep: false,
					mailboxOf: new Map(result.summary.folders.map((f) => [f.folder, f.mailbox])),
					folderMap: {...(config.prefix === undefined ? {} : {prefix: config.prefix}), rules: config.rules, excludes: config.excludes},
				}, {source, sink: imap}, controls);
				isVerified = checked.missing === 0 && checked.altered === 0 && checked.duplicated === 0;
				didVerify = true;
				verifyLine = isVerified
					? `Verify: OK — all ${formatCount(checked.checked)} messages are on the server exactly once, with their flags and dates.`
					: `Verify: ${formatCount(checked.missing)} missing, ${formatCount(checked.duplicated)} extra copies, ${formatCount(checked.altered)} altered — run \`mailshift verify\` with the same options for the list.`;
			} catch (error) {
				verifyLine = `Verify could not run: ${toMailshiftError(error).message}`;
			}
		}
		reporter.stop();
		const finish: FinishInfo = {
			...(verifyLine ? {verify: verifyLine} : {}),
			...(didVerify ? {isVerified} : {}),
			interrupted: result.summary.interrupted, dryRun: config.dryRun,
			...(result.summary.stopReason ? {stopReason: result.summary.stopReason} : {}),
			...(result.fatal ? {error: result.fatal.message} : {}),
			...(journal ? {journalPath: journal.path} : {}),
			...(config.reportPath ? {reportPath: config.reportPath} : {}),
			...(io.commandLine ? {resumeCommand: io.commandLine} : {}),
		};
		if (tui) {
			await tui.finish(finish);
			// ink leaves the cursor at the end of its last line (on stderr): the summary (stdout) starts on a new one.
			io.stderr.write('\n');
		}
		tui = undefined;
		if (config.json) io.stdout.write(JSON.stringify({type: 'summary', ...result.summary, fatal: result.fatal ? {code: result.fatal.code, message: result.fatal.message} : null}) + '\n');
		else io.stdout.write(formatSummary(result.summary, config, io.stdout.isTTY ? io.stdout.columns : undefined) + (verifyLine ? `${verifyLine}\n` : ''));
		if (config.dryRun && imap && !config.json) io.stdout.write(formatPreflight(result.summary, imap.capabilities(), await imap.quota()));
		if (config.reportPath) {
			await writeReport(config.reportPath, {config, result, startedAt});
			io.stdout.write(`Report: ${config.reportPath}\n`);
		}
		if (result.fatal) {
			printError(result.fatal, io, config.debug);
			if (result.fatal.code === 'OVER_QUOTA' && imap) {
				const q = await imap.quota();
				if (q) io.stderr.write(`  The account uses ${formatBytes(q.usedBytes)} of ${formatBytes(q.limitBytes)}. ${formatCount(result.summary.uploaded)} messages were uploaded before it filled up; the journal keeps them, so the same command continues where it stopped.\n`);
			}
			return {exitCode: exitCodeFor(result.fatal.code), result, finish};
		}
		if (result.summary.stopReason) io.stderr.write(`mailshift: ${result.summary.stopReason}\n`);
		if (result.summary.interrupted) {
			io.stderr.write(`mailshift: stopped before the end. Run the same command again to continue${journal ? ` (the journal ${journal.path} remembers what is done)` : ''}.\n`);
			return {exitCode: ExitCode.INTERRUPTED, result, finish};
		}
		if (!isVerified) return {exitCode: ExitCode.SOME_FAILED, result, finish};
		if (result.summary.failed > 0) {
			const unknown = result.summary.problems.some((p) => p.kind === 'failed' && (p.code === 'CONNECTION_LOST' || p.code === 'TIMEOUT'));
			return {exitCode: unknown ? ExitCode.INTERRUPTED : ExitCode.SOME_FAILED, result, finish};
		}
		return {exitCode: ExitCode.OK, result, finish};
	} catch (error) {
		reporter.stop();
		tui?.stop();
		const e = toMailshiftError(error);
		printError(e, io, config.debug);
		return {exitCode: exitCodeFor(e.code)};
	} finally {
		uninstall?.();
		try {
			journal?.close();
		} catch (error) {
			printError(toMailshiftError(error), io, config.debug);
		}
		await sink?.close().catch(() => undefined);
		await source?.close().catch(() => undefined);
	}
}
