/**
 * The `migrate` use case, wired: open the source, connect (or plan offline for a dry run), run the engine
 * with a reporter, print the summary, write the report, map the outcome to an exit code.
 * Shared by `mailshift migrate` and `mailshift demo`. No yargs here: it receives a MigrationConfig.
 */
import {stat} from 'node:fs/promises';
import type {MigrationConfig} from '../config/config.js';
import {resolveLogin, sourcePasswordResolver} from '../config/secrets.js';
import {EngineControls} from '../contracts/controls.js';
import {runMigration} from '../engine/run-migration.js';
import type {EngineOptions, EngineResult} from '../engine/run-migration.js';
import {MailshiftError, toMailshiftError} from '../contracts/errors.js';
import {EventBus} from '../contracts/events.js';
import type {EngineEvent} from '../contracts/events.js';
import {ProblemRelay} from '../engine/problem-relay.js';
import {StatsStore} from '../engine/stats.js';
import {isSourceReadFailure, isVerifyClean, runVerify} from '../engine/verify.js';
import {openSource} from '../readers/open-source.js';
import {storeSize} from '../readers/store-size.js';
import {ATTENTION_CODES} from '../contracts/source-store.js';
import type {MessageBuffers, SourceFolder, SourceStore} from '../contracts/source-store.js';
import {buildSink} from '../uploader/build-sink.js';
import type {ImapSink} from '../uploader/imap-sink.js';
import {describeTarget} from '../uploader/imap-target.js';
import type {MailSink} from '../contracts/mail-sink.js';
import {ExitCode, exitCodeFor} from '../contracts/exit-codes.js';
import type {ExitCodeValue} from '../contracts/exit-codes.js';
import type {Reporter} from '../contracts/reporter.js';
import type {Dashboard, Presenter} from './presenter.js';
import {SILENT_REPORTER} from './presenter.js';
import type {FinishInfo} from './finish-info.js';
import {buildReport, verifyReportOf, writeReport} from './report.js';
import type {VerifyReport} from './report.js';
import {SqliteJournal} from '../journal/sqlite-journal.js';
import type {Journal, JournalRun} from '../contracts/journal.js';
import {canonicalSource, destinationLocksDir, journalRun} from '../journal/journal-location.js';
import {DestinationLock, type ResolveAddresses} from '../journal/destination-lock.js';
import {formatSummary} from './summary-text.js';
import {formatPreflight} from './preflight-text.js';
import {describeStop, formatBytes, formatCount, plural} from '../util/format.js';
import {backgroundCollection, CollectOnGrowth, fullCollection, heapAndBuffers} from '../util/collect-after.js';
import {messageRing} from '../util/buffer-ring.js';
import type {Summary} from '../contracts/types.js';
import type {Quota} from '../contracts/mail-sink.js';
import type {RulesStepResult} from './migrate-rules.js';

export type CliIo = Readonly<{
	stdout: NodeJS.WriteStream;
	stderr: NodeJS.WriteStream;
	stdin: NodeJS.ReadStream;
	env: NodeJS.ProcessEnv;
	/** The command as typed (never contains a password: those are refused on the command line). */
	commandLine?: string;
	/** The exact `mailshift verify …` command for this run, when the caller knows it (the guided mode). */
	verifyCommand?: string;
	/** Installs Ctrl-C handling for the run; returns an uninstaller. */
	onInterrupt?: (controls: EngineControls) => () => void;
	/** Resolves the destination's host name for the destination lock (tests inject one); dns.lookup by default. */
	resolveHost?: ResolveAddresses;
	/** How progress is shown (cli/presenter.ts); without one, a run shows no progress (its summary is still printed). */
	presenter?: Presenter;
}>;

export type MigrateOutcome = Readonly<{exitCode: ExitCodeValue; result?: EngineResult; finish?: FinishInfo}>;

/** When the caller renders progress itself (the wizard): its store and controls; nothing is printed. */
/**
 * When the caller renders progress itself (the wizard): its store and controls; nothing is printed.
 * `openJournal` (a fleet worker, issue #15): the journal comes from the caller (PgJournal, fenced by the row's
 * lease) instead of the SQLite file at `config.journalPath`; the caller settles it after the run. Such a run
 * takes no destination lock (destination-lock.ts): the row's lease is its lock, across machines.
 */
export type ExternalPresentation = Readonly<{
	stats: StatsStore; controls: EngineControls; onEvent?: (event: EngineEvent) => void;
	openJournal?: (run: JournalRun) => Promise<Journal>;
}>;

/** Prints a user error as one sentence plus a hint (no stack trace unless debug). */
export function printError(error: MailshiftError, io: CliIo, debug: boolean): void {
	io.stderr.write(`mailshift: ${error.message}\n`);
	if (error.hint) io.stderr.write(`  ${error.hint}\n`);
	if (debug && error.cause) io.stderr.write(`${(error.cause as Error).stack ?? String(error.cause)}\n`);
	else if (error.code === 'BUG') io.stderr.write(`${error.stack ?? ''}\n`);
}

/**
 * What a dry run found that the real run would stop or fail on, as the error the real run would end with:
 * the mail does not fit the quota (OVER_QUOTA → exit 7), or messages are over the server's APPENDLIMIT
 * (RFC 7889; TOO_BIG, → exit 5 like the real run's failed messages), or parts of the source could not be read
 * (SOURCE_UNREADABLE, → exit 5 like the real run's verify NOT OK: see dryRunExitCode). Undefined when nothing blocks. Pure.
 */
export function findDryRunBlocker(summary: Summary, quota: Quota | undefined): MailshiftError | undefined {
	if (quota && summary.bytes > quota.limitBytes - quota.usedBytes) {
		return new MailshiftError('OVER_QUOTA', `Dry run: the mail does not fit the account's quota: it needs ${formatBytes(summary.bytes)}, ${formatBytes(Math.max(0, quota.limitBytes - quota.usedBytes))} is free (${formatBytes(summary.bytes - (quota.limitBytes - quota.usedBytes))} short).`, 'fatal', {
			hint: 'Free space on the account or ask for a larger quota, or migrate part of the store (--exclude); the real run would stop when the mailbox is full.',
		});
	}
	const tooBig = summary.problems.filter((p) => p.code === 'TOO_BIG').length;
	if (tooBig > 0) {
		return new MailshiftError('TOO_BIG', `Dry run: ${plural(tooBig, 'message is', 'messages are')} over the server's APPENDLIMIT; the real run would fail ${tooBig === 1 ? 'it' : 'them'}.`, 'skip', {
			hint: 'They are listed above (and in --report). Ask the provider for a larger limit, or move them some other way.',
		});
	}
	// Parts of the source that could not be read: the real run's verify reports them NOT OK (exit 5). Failed
	// messages need no blocker: the dry run's own summary.failed already exits 5, as the real run does.
	const unreadable = summary.problems.filter((p) => p.code === 'SOURCE_UNREADABLE');
	const first = unreadable[0];
	if (first) {
		return new MailshiftError('SOURCE_UNREADABLE', `Dry run: ${plural(unreadable.length, 'file or folder', 'files or folders')} could not be read (first: ${first.location}: ${first.reason}); the real run would leave ${unreadable.length === 1 ? 'it' : 'them'} behind and its verify would say NOT OK.`, 'skip', {
			hint: 'Make them readable (permissions) and run the dry run again; they are listed above (and in --report).',
		});
	}
	return undefined;
}

/**
 * The exit code of a dry run stopped by `blocker`: what the real run would end with. A blocker about single
 * messages or parts of the store ('skip') is the real run's SOME_FAILED (5), whatever its code (an unreadable
 * folder would be exit 3 as a fatal error, but the real run continues past it and ends 5); else by its code. Pure.
 */
export function dryRunExitCode(blocker: MailshiftError): ExitCodeValue {
	return blocker.disposition === 'skip' ? ExitCode.SOME_FAILED : exitCodeFor(blocker.code);
}

/**
 * The "Resuming:" line. Pending rows are messages a stopped run began and never confirmed (most were never sent):
 * the next run looks for each on the server first and sends it when absent, so they are "not confirmed yet",
 * never "to check on the server" (which read as if they had been sent). Pure.
 */
export function describeResume(journalPath: string, c: Readonly<{done: number; pending: number; failed: number}>): string {
	return `Resuming: the journal ${journalPath} has ${plural(c.done, 'message')} done${c.pending ? `, ${formatCount(c.pending)} not confirmed yet: looked for on the server first, then sent` : ''}${c.failed ? `, ${formatCount(c.failed)} failed before (tried again)` : ''}.`;
}

/** The run's journal (and its lock), with the "Resuming:" line when it continues one; none for a plan without a server. */
async function openJournal(config: MigrationConfig, io: CliIo, external: ExternalPresentation | undefined): Promise<Journal | undefined> {
	if (!config.target) return undefined;
	if (external?.openJournal) {
		const journal = await external.openJournal(journalRun({source: config.source, target: config.target, prefix: config.prefix, rules: config.rules, excludes: config.excludes}));
		if (journal.isResumed) io.stderr.write(`${describeResume(journal.path, journal.counts())}\n`);
		return journal;
	}
	if (!config.journalPath) return undefined;
	const journal = SqliteJournal.open({
		path: config.journalPath, isNew: config.newJournal, ...(config.legacyJournalPath === undefined ? {} : {legacyPath: config.legacyJournalPath}),
		run: journalRun({source: config.source, target: config.target, prefix: config.prefix, rules: config.rules, excludes: config.excludes}),
		onStaleLock: (message) => io.stderr.write(`mailshift: ${message}.\n`),
	});
	if (journal.isResumed) io.stderr.write(`${describeResume(config.journalPath, journal.counts())}\n`);
	return journal;
}

/**
 * The journal is keyed on the host's name; two names of one server meet here, on its addresses (a lock held
 * only while this run lives: see destination-lock.ts for why not in the journal's key). Taken before login.
 */
async function lockDestination(config: MigrationConfig, io: CliIo): Promise<DestinationLock | undefined> {
	if (!config.target) return undefined;
	return DestinationLock.acquire({
		dir: destinationLocksDir(io.env), source: canonicalSource(config.source),
		user: config.target.user, host: config.target.host, port: config.target.port,
	}, io.resolveHost, (info) => io.stderr.write(`mailshift: replaced a stale destination lock of pid ${info.pid} (started ${info.startedAt}).\n`));
}

/** What to do about a store read only in part (SOURCE_INCOMPLETE), in words for both the CLI and the guided mode. */
const INCOMPLETE_HINT = 'The file was cut short (an interrupted copy or download). Copy it again from the original and run mailshift again: messages already uploaded are not sent twice.';

/** The finish screen's share of the warnings that keep a run from ending OK (ATTENTION_CODES, exit 5). */
function attentionOf(problems: Summary['problems']): Pick<FinishInfo, 'attention'> {
	const attention = problems.filter((p) => ATTENTION_CODES.has(p.code));
	const first = attention[0];
	return first ? {attention: {count: attention.length, codes: [...new Set(attention.map((p) => p.code))], first: {location: first.location, reason: first.reason}}} : {};
}

/** What the verify after a run found, as the summary line, the verdict and the report's part. */
type AfterRunVerify = Readonly<{verifyLine: string | undefined; isVerified: boolean; didVerify: boolean; verifyReport: VerifyReport}>;

/** The verify that follows a complete run (read-only, same mapping and mailboxes as the run). Never throws. */
async function verifyAfterRun(run: Readonly<{
	config: MigrationConfig; io: CliIo; bus: EventBus; controls: EngineControls; source: SourceStore; imap: ImapSink; relay: ProblemRelay;
	result: EngineResult; fallbackDate: Date; incomplete: string | undefined; messageBuffers: MessageBuffers;
}>): Promise<AfterRunVerify> {
	const {config, io, bus, controls, source, imap, relay, result, fallbackDate, incomplete, messageBuffers} = run;
	bus.emit({type: 'notice', message: 'Checking every message on the server (verify)…'});
	try {
		const checked = await runVerify({
			includeTrashed: config.includeTrashed, fallbackDate, deep: false,
			mailboxOf: new Map(result.summary.folders.map((f) => [f.folder, f.mailbox])),
			folderMap: {...(config.prefix === undefined ? {} : {prefix: config.prefix}), rules: config.rules, excludes: config.excludes},
			// What the reader could not read during the run (some readers say it once, when the store is opened).
			knownSourceProblems: result.summary.problems.filter(isSourceReadFailure).map((p) => `${p.location}: ${p.reason}`),
		}, {source, sink: imap, readerProblems: relay, messageBuffers}, controls);
		const isVerified = isVerifyClean(checked);
		const byServer = checked.alteredByServer > 0 ? ` (${formatCount(checked.alteredByServer)} stored altered by the server: \`mailshift verify\` lists them)` : '';
		const verifyLine = checked.unreadable > 0
			? `Verify: NOT OK — could not read the source: ${checked.sourceProblems[0] ?? ''}${checked.unreadable > 1 ? ` (and ${formatCount(checked.unreadable - 1)} more)` : ''}; only what could be read was compared.`
			: isVerified
				? checked.checked === 0
					? 'Verify: OK — there were no messages to check.'
					: `Verify: OK — ${checked.checked === 1 ? 'the 1 message' : `all ${formatCount(checked.checked)} messages`} ${incomplete === undefined ? '' : 'that could be read from the incomplete source '}${checked.checked === 1 ? 'is' : 'are'} on the server exactly once, with ${checked.checked === 1 ? 'its flags and date' : 'their flags and dates'}${byServer}.`
				: `Verify: ${formatCount(checked.missing)} missing, ${formatCount(checked.duplicated)} extra copies, ${formatCount(checked.altered)} altered — ${io.verifyCommand ? 'the list: see below' : 'run `mailshift verify` with the same options for the list'}.`;
		return {verifyLine, isVerified, didVerify: true, verifyReport: verifyReportOf({result: checked, deep: false})};
	} catch (error) {
		const message = toMailshiftError(error).message;
		return {verifyLine: `Verify could not run: ${message}`, isVerified: true, didVerify: false, verifyReport: verifyReportOf({error: message})};
	}
}

/**
 * The exit code of a run that ended (README "Exit codes"), after printing why it is not OK: a fatal error, a dry
 * run's blocker, a stop, a store read only in part, verify NOT OK, failed messages, warnings that need checking;
 * else the rules step's code or OK. Asks the server for the quota after OVER_QUOTA (never throws for it).
 */
async function exitCodeOf(end: Readonly<{
	config: MigrationConfig; io: CliIo; result: EngineResult; imap: ImapSink | undefined; journal: Journal | undefined; source: SourceStore;
	incomplete: string | undefined; isVerified: boolean; dryRunBlocker: MailshiftError | undefined; rulesExitCode: ExitCodeValue | undefined;
}>): Promise<ExitCodeValue> {
	const {config, io, result, imap, journal, source, incomplete, isVerified, dryRunBlocker} = end;
	if (result.fatal) {
		printError(result.fatal, io, config.debug);
		if (result.fatal.code === 'OVER_QUOTA' && imap) {
			const q = await imap.quota();
			if (q) io.stderr.write(`  The account uses ${formatBytes(q.usedBytes)} of ${formatBytes(q.limitBytes)}. ${plural(result.summary.uploaded, 'message was', 'messages were')} uploaded before it filled up; the journal keeps them, so the same command continues where it stopped.\n`);
		}
		return exitCodeFor(result.fatal.code);
	}
	// A dry run that found what would stop or fail the real run exits as the real run would (README "Exit codes").
	if (dryRunBlocker) {
		printError(dryRunBlocker, io, config.debug);
		return dryRunExitCode(dryRunBlocker);
	}
	if (result.summary.stopReason) io.stderr.write(`mailshift: ${result.summary.stopReason}\n`);
	if (result.summary.interrupted) {
		io.stderr.write(`mailshift: ${describeStop(result.summary, config)}${journal ? ` (the journal ${journal.path} remembers what is done)` : ''}.\n`);
		return ExitCode.INTERRUPTED;
	}
	if (incomplete !== undefined) {
		printError(new MailshiftError('SOURCE_INCOMPLETE', `${source.location} could not be read to its end: ${incomplete}.${config.dryRun ? ' The plan above shows only what could be read.' : ' Everything that could be read was migrated.'}`, 'fatal', {
			hint: `${INCOMPLETE_HINT.replace('run mailshift again', 'run the same command')}`,
		}), io, false);
		return ExitCode.SOURCE_INCOMPLETE;
	}
	if (!isVerified) return ExitCode.SOME_FAILED;
	if (result.summary.failed > 0) {
		const unknown = result.summary.problems.some((p) => p.kind === 'failed' && (p.code === 'CONNECTION_LOST' || p.code === 'TIMEOUT'));
		return unknown ? ExitCode.INTERRUPTED : ExitCode.SOME_FAILED;
	}
	// Warnings that may mean a message is wrong (several mbox messages run together) must not end OK.
	const attention = result.summary.problems.filter((p) => ATTENTION_CODES.has(p.code));
	if (attention.length > 0) {
		io.stderr.write(`mailshift: ${plural(attention.length, 'warning needs', 'warnings need')} checking (${[...new Set(attention.map((p) => p.code))].join(', ')}), first: ${attention[0]?.location}; see --report FILE.json for the list.\n`);
		return ExitCode.SOME_FAILED;
	}
	return end.rulesExitCode ?? ExitCode.OK;
}

/**
 * The report schema has `fatalError` for a run that ended with an error: a wrong password or a missing store
 * still gives --json its summary line and --report its file (what the run got to, totals 0 when it never
 * started). Writes only what the run did not write yet. Never throws (a report that cannot be written is printed).
 */
async function writeFatalReport(end: Readonly<{
	config: MigrationConfig; io: CliIo; error: MailshiftError; startedAt: Date; engineResult: EngineResult | undefined; needsSummary: boolean; needsReport: boolean;
}>): Promise<void> {
	const {config, io, startedAt} = end;
	if (!end.needsSummary && !end.needsReport) return;
	const elapsedMs = Date.now() - startedAt.getTime();
	const summary: Summary = end.engineResult?.summary ?? {
		dryRun: config.dryRun, folders: [], found: 0, uploaded: 0, skipped: 0, failed: 0, bytes: 0,
		elapsedMs, interrupted: false, problems: [], problemsDropped: 0, skippedUnlisted: {},
	};
	const report = buildReport({config, result: {summary, fatal: end.error}, startedAt});
	if (end.needsSummary) io.stdout.write(`${JSON.stringify({type: 'summary', ...report})}\n`);
	if (end.needsReport && config.reportPath) {
		try {
			await writeReport(config.reportPath, report);
			(config.json ? io.stderr : io.stdout).write(`Report: ${config.reportPath}\n`);
		} catch (reportError) {
			printError(toMailshiftError(reportError), io, config.debug);
		}
	}
}

/** Logs in (password or OAuth, never on the command line) and opens the pool of IMAP connections. */
async function connectServer(config: MigrationConfig, target: NonNullable<MigrationConfig['target']>, io: CliIo, bus: EventBus): Promise<{login: Awaited<ReturnType<typeof resolveLogin>>; imap: ImapSink}> {
	const login = await resolveLogin({
		env: io.env, stdin: io.stdin, stderr: io.stderr, account: describeTarget(target),
		passwordFile: config.passwordFile, oauthTokenCommand: config.oauthTokenCommand, oauthTokenFile: config.oauthTokenFile,
	});
	// imapflow and the uploader are imported here, when a server is to be used: a dry run without --to never
	// loads them (~15 MiB of a process's memory, issue #14).
	const {ImapSink} = await import('../uploader/imap-sink.js');
	const imap = await ImapSink.connect({
		target, size: config.connections, ...login, compress: config.compress, ...(config.multiappend ? {} : {batch: false as const}),
		onConnection: (id, state) => bus.emit({type: 'connection', id, state}),
		onShrink: (size, reason) => bus.emit({type: 'warning', message: `the server refused more connections (${reason}); continuing with ${size}`}),
	});
	return {login, imap};
}

/**
 * Starts showing progress: nothing when the caller renders (`external`), the live dashboard on a terminal
 * (never in CI, pipes or with --plain or --json), else the reporter's lines. Returns the dashboard when it runs.
 */
async function startProgressView(view: Readonly<{config: MigrationConfig; io: CliIo; external: ExternalPresentation | undefined; stats: StatsStore; controls: EngineControls; reporter: Reporter}>): Promise<Dashboard | undefined> {
	const {config, io, stats, controls} = view;
	if (view.external) return undefined; // The caller renders.
	if (io.presenter?.dashboard && !config.plain && !config.json && io.stderr.isTTY && io.stdin.isTTY && !io.env['CI']) {
		const tui = await io.presenter.dashboard({store: stats, controls, connections: config.connections, stdout: io.stderr, stdin: io.stdin,
			title: `${config.source} → ${config.target ? describeTarget(config.target) : 'plan only'}`});
		tui.start();
		return tui;
	}
	view.reporter.start();
	return undefined;
}

/** The engine's options from the resolved config (`fallbackDate`: INTERNALDATE for messages without a usable date). Pure. */
function engineOptionsOf(config: MigrationConfig, fallbackDate: Date): EngineOptions {
	return {
		dryRun: config.dryRun, includeTrashed: config.includeTrashed, connections: config.connections, fallbackDate,
		folderMap: {...(config.prefix === undefined ? {} : {prefix: config.prefix}), rules: config.rules, excludes: config.excludes},
		skipExisting: config.skipExisting, batchSize: config.batchSize, batchBytes: config.batchBytes,
		...(config.maxDurationMs === undefined ? {} : {maxDurationMs: config.maxDurationMs}),
		...(config.byteBudget === undefined ? {} : {byteBudget: config.byteBudget}),
	};
}

/** How the run ended, for the finish screen of the dashboard and the guided mode. Pure. */
function finishInfoOf(end: Readonly<{
	config: MigrationConfig; io: CliIo; result: EngineResult; journal: Journal | undefined; source: SourceStore; incomplete: string | undefined;
	verifyLine: string | undefined; didVerify: boolean; isVerified: boolean; rules: RulesStepResult | undefined;
}>): FinishInfo {
	const {config, io, result, journal, source, incomplete, verifyLine, didVerify, isVerified, rules} = end;
	return {
		...(rules ? {rules: rules.line, isRulesOk: rules.isOk} : {}),
		...(verifyLine ? {verify: verifyLine} : {}),
		...(didVerify ? {isVerified} : {}),
		interrupted: result.summary.interrupted, dryRun: config.dryRun,
		...(result.summary.stopReason ? {stopReason: result.summary.stopReason} : {}),
		...(result.fatal ? {error: result.fatal.message} : incomplete !== undefined ? {error: `${source.location} could not be read to its end: ${incomplete}`, hint: INCOMPLETE_HINT} : {}),
		...(result.summary.notSent ? {notSent: result.summary.notSent} : {}),
		...attentionOf(result.summary.problems),
		...(journal ? {journalPath: journal.path} : {}),
		...(config.reportPath ? {reportPath: config.reportPath} : {}),
		...(io.commandLine ? {resumeCommand: io.commandLine} : {}),
		...(io.verifyCommand ? {verifyCommand: io.verifyCommand} : {}),
	};
}

/**
 * Dead memory allowed to pile up before an early collection (issue #14, memory; util/collect-after.ts). Measured
 * (docs/benchmarks.md "#14: one ring for message buffers"): with 16 MiB the standard corpus as an mbox peaked at
 * 150–156 MiB, with 8 MiB at 135–144 MiB (Maildir 126–130), for a few more background collections.
 */
const COLLECT_ON_GROWTH = 8 * 1024 * 1024;
/** Bytes of messages given back between two looks at the process's memory (CollectOnGrowth.released). */
const MEASURE_EVERY_BYTES = 4 * 1024 * 1024;

export async function runMigrate(config: MigrationConfig, io: CliIo, external?: ExternalPresentation): Promise<MigrateOutcome> {
	const relay = new ProblemRelay();
	let source: SourceStore | undefined;
	let sink: MailSink | undefined;
	let journal: Journal | undefined;
	let destinationLock: DestinationLock | undefined;
	let imap: ImapSink | undefined;
	const bus = new EventBus();
	const reporter: Reporter = io.presenter?.reporter({json: config.json, statsIntervalMs: config.statsIntervalMs, stdout: io.stdout, stderr: io.stderr}) ?? SILENT_REPORTER;
	let tui: Dashboard | undefined;
	const stats = external?.stats ?? new StatsStore();
	// Dead memory is freed once COLLECT_ON_GROWTH of it piled up, not after V8's 64 MiB (util/collect-after.ts),
	// counted as the engine and the verify give messages back: after their last use, whatever the reader.
	const gc = fullCollection();
	const collector = gc === undefined ? undefined
		: new CollectOnGrowth({growth: COLLECT_ON_GROWTH, checkEvery: MEASURE_EVERY_BYTES, measure: heapAndBuffers, collect: backgroundCollection(gc), collectNow: gc});
	const messageBuffers: MessageBuffers = collector === undefined ? messageRing : {
		maxSize: messageRing.maxSize,
		take: (size) => messageRing.take(size),
		give: (buffer) => {
			messageRing.give(buffer);
			collector.released(buffer.length);
		},
	};
	bus.subscribe((event) => {
		stats.apply(event);
		external?.onEvent?.(event);
		if (!tui && !external) reporter.onEvent(event);
	});
	const controls = external?.controls ?? new EngineControls();
	const uninstall = io.onInterrupt?.(controls);
	const startedAt = new Date();
	let login: Awaited<ReturnType<typeof resolveLogin>> | undefined;
	let listedFolders: Promise<SourceFolder[]> | undefined;
	// Ends a listing the engine never took (the run failed before: a refused log-in, a locked journal).
	const listing = new AbortController();
	// Whether --json's summary line and --report's file were written: a fatal error before or after the run writes
	// them in `catch` (fatalError set), never twice.
	let isSummaryPrinted = false;
	let isReportTried = false;
	let engineResult: EngineResult | undefined;
	try {
		source = await openSource(config.source, config.sourceKind, {
			onProblem: relay.onProblem,
			crlf: true,
			messageBuffers,
			...(config.target === undefined ? {} : {insecure: config.target.insecure}),
			sourcePassword: sourcePasswordResolver({env: io.env, stdin: io.stdin, stderr: io.stderr, account: config.source, passwordFile: config.sourcePasswordFile}),
		});
		// The store's folders are listed (a walk of the whole store: ~50 ms for 10,000 Maildir files, more for a PST)
		// while the journal opens and the server is logged in to; the engine takes the result (issue #14: a re-run
		// with nothing to do spent it after the log-in). Not a POP3 account: listing it logs in there, and may ask
		// for its password while the IMAP password is asked for.
		if (source.kind !== 'pop3') {
			listedFolders = source.listFolders(AbortSignal.any([controls.abortSignal, listing.signal]));
			// Awaited by the engine; a failure before that (a refused log-in) must not be an unhandled rejection.
			listedFolders.catch(() => undefined);
		}
		// The journal (and its lock) first: a run that another run's lock refuses is told so before it asks for a
		// password or logs in.
		journal = await openJournal(config, io, external);
		if (journal && !external?.openJournal) destinationLock = await lockDestination(config, io);
		if (config.target) ({login, imap} = await connectServer(config, config.target, io, bus));
		sink = buildSink({inner: imap, dryRun: config.dryRun, pacing: {
			...(config.maxRate === undefined ? {} : {maxRate: config.maxRate}),
			...(config.bytesPerSecond === undefined ? {} : {bytesPerSecond: config.bytesPerSecond}),
		}, retry: {onThrottle: (untilMs, reason) => bus.emit({type: 'throttle', untilMs, reason})}});
		if (config.dryRun) io.stderr.write(`DRY RUN: nothing will be written${config.target ? ` to ${describeTarget(config.target)}` : ''}.\n`);
		// A second Ctrl-C aborts at once: closing the connections ends the uploads in flight. Still safe: their
		// journal rows stay `pending`, and the next run looks for them on the server before sending them.
		controls.abortSignal.addEventListener('abort', () => void sink?.close().catch(() => undefined), {once: true});
		// A POP3 account has no file time: its fallback is the start of this run.
		const fallbackDate = source.kind === 'pop3' ? startedAt : (await stat(config.source)).mtime;
		// The live dashboard on a terminal (never in CI, pipes or with --plain); loaded only then, so plain runs
		// never load React. Started after the password prompt, which needs the terminal in cooked mode.
		tui = await startProgressView({config, io, external, stats, controls, reporter});
		const result = await runMigration(engineOptionsOf(config, fallbackDate), {source, sink, events: bus, readerProblems: relay, messageBuffers, ...(journal ? {journal} : {}), ...(listedFolders ? {listedFolders} : {})}, controls);
		engineResult = result;
		journal?.checkpoint();
		// A store read only in part (a cut .pst): the shortfall, in numbers, joins the summary and the report,
		// and the run fails with SOURCE_INCOMPLETE (exit 9) though everything readable was migrated. Asked before
		// verify, which reads the store again.
		const incomplete = result.fatal || result.summary.interrupted ? undefined : source.incompleteness?.();
		if (incomplete !== undefined) {
			result.summary.problems.unshift({folder: '', location: source.location, key: '', kind: 'failed', code: 'SOURCE_INCOMPLETE', reason: `could not be read to its end: ${incomplete}`});
		}
		// Prove it: a complete run is followed by `verify` (on by default), read-only, same mapping.
		const {verifyLine, isVerified, didVerify, verifyReport} = config.verifyAfter && imap && !config.dryRun && !result.fatal && !result.summary.interrupted
			? await verifyAfterRun({config, io, bus, controls, source, imap, relay, result, fallbackDate, incomplete, messageBuffers})
			: {verifyLine: undefined, isVerified: true, didVerify: false, verifyReport: verifyReportOf(undefined)};
		// `--rules` (issue #17): same mapping, layout and login; never throws; its exit code counts only when the mail is OK.
		const rules = config.sieveRules ? await (await import('./migrate-rules.js')).runRulesStep({config, source, layout: imap?.layout(), login, result}) : undefined;
		reporter.stop();
		const finish = finishInfoOf({config, io, result, journal, source, incomplete, verifyLine, didVerify, isVerified, rules});
		if (tui) {
			await tui.finish(finish);
			// ink leaves the cursor at the end of its last line (on stderr): the summary (stdout) starts on a new one.
			io.stderr.write('\n');
		}
		tui = undefined;
		// One builder for the --json summary line and the --report file (app/report.ts): they cannot disagree.
		const compression = imap?.compression;
		const report = buildReport({config, result, startedAt, verify: verifyReport, ...(compression ? {compression} : {})});
		isSummaryPrinted = true;
		if (config.json) io.stdout.write(`${JSON.stringify({type: 'summary', ...report})}\n`);
		else io.stdout.write(formatSummary(result.summary, config, io.stdout.isTTY ? io.stdout.columns : undefined, await storeSize(source, result.folders)) + (compression ? `  Compression (COMPRESS=DEFLATE): ${compression.used ? 'on' : 'off'} — ${compression.reason}.\n` : '') + (verifyLine ? `${verifyLine}\n` : ''));
		if (rules) io.stdout.write(rules.text);
		let dryRunBlocker: MailshiftError | undefined;
		if (config.dryRun) {
			const quota = imap ? await imap.quota() : undefined;
			if (imap && !config.json) io.stdout.write(formatPreflight(result.summary, imap.capabilities(), quota));
			dryRunBlocker = findDryRunBlocker(result.summary, quota);
		}
		if (config.reportPath) {
			isReportTried = true;
			await writeReport(config.reportPath, report);
			// With --json, stdout is NDJSON only.
			(config.json ? io.stderr : io.stdout).write(`Report: ${config.reportPath}\n`);
		}
		return {exitCode: await exitCodeOf({config, io, result, imap, journal, source, incomplete, isVerified, dryRunBlocker, rulesExitCode: rules?.exitCode}), result, finish};
	} catch (error) {
		reporter.stop();
		tui?.stop();
		const e = toMailshiftError(error);
		printError(e, io, config.debug);
		await writeFatalReport({config, io, error: e, startedAt, engineResult, needsSummary: config.json && !isSummaryPrinted, needsReport: config.reportPath !== undefined && !isReportTried});
		return {exitCode: exitCodeFor(e.code)};
	} finally {
		listing.abort();
		uninstall?.();
		destinationLock?.release();
		try {
			journal?.close();
		} catch (error) {
			printError(toMailshiftError(error), io, config.debug);
		}
		await sink?.close().catch(() => undefined);
		await source?.close().catch(() => undefined);
	}
}
