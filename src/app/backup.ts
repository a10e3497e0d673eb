/**
 * The `backup` use case, wired: `mailshift backup <source> --out DIR [--format maildir|mbox|eml]` (a local store
 * or `imap(s)://user@host`), and `mailshift backup --verify DIR`. Resolves the arguments, opens the source,
 * runs the backup with progress on stderr and the summary on stdout, and maps the outcome to an exit code:
 * 0 complete (or already complete and current), 5 complete but some messages could not be read, 6 stopped
 * (run again to continue), 9 the source ended early (a cut .pst: what could be read is backed up, the manifest
 * records `incomplete`); verify: 0 clean, 5 differences or an incomplete backup. Errors go through printError with their exit code.
 * No yargs here: cli/command-options.ts holds the option table and main.ts registers the command.
 */
import {resolveBackupConfig} from '../backup/backup-config.js';
import type {BackupArgs, BackupConfig} from '../backup/backup-config.js';
import {runBackup} from '../backup/backup-engine.js';
import type {BackupEvent, BackupSummary} from '../backup/backup-engine.js';
import {StoreBackupSource} from '../backup/backup-source.js';
import type {BackupSource} from '../backup/backup-source.js';
import {ImapBackupSource} from '../backup/imap-source.js';
import {toolVersion} from '../util/tool-version.js';
import {verifyBackup} from '../backup/verify-backup.js';
import {resolveLogin} from '../config/secrets.js';
import {EngineControls} from '../contracts/controls.js';
import {toMailshiftError} from '../contracts/errors.js';
import {ProblemRelay} from '../engine/problem-relay.js';
import {describeTarget} from '../uploader/imap-target.js';
import {ExitCode, exitCodeFor} from '../contracts/exit-codes.js';
import type {ExitCodeValue} from '../contracts/exit-codes.js';
import {fit, formatBytes, formatCount, formatDuration, displayWidth, plural} from '../util/format.js';
import type {CliIo} from './migrate.js';
import {printError} from './migrate.js';

export type {BackupArgs} from '../backup/backup-config.js';

/**
 * Runs `mailshift backup` with parsed arguments. Never throws: every error is printed (one sentence and a hint)
 * and becomes the exit code. Installs Ctrl-C handling through `io.onInterrupt` (first: stop after the message
 * in hand and checkpoint; second: also close the IMAP connection).
 */
export async function runBackupCommand(args: BackupArgs, io: CliIo): Promise<ExitCodeValue> {
	let config: BackupConfig;
	try {
		config = resolveBackupConfig(args);
	} catch (error) {
		printError(toMailshiftError(error), io, args.debug ?? false);
		return exitCodeFor(toMailshiftError(error).code);
	}
	return config.mode === 'verify' ? runVerify(config, io) : runMake(config, io);
}

async function runMake(config: Extract<BackupConfig, {mode: 'backup'}>, io: CliIo): Promise<ExitCodeValue> {
	const relay = new ProblemRelay();
	const controls = new EngineControls();
	const uninstall = io.onInterrupt?.(controls);
	let source: BackupSource | undefined;
	let timer: NodeJS.Timeout | undefined;
	const progress = {messages: 0, reused: 0, bytes: 0, skipped: 0, failed: 0, folder: '', index: 0, folders: 0};
	const onEvent = (event: BackupEvent): void => {
		switch (event.type) {
			case 'start': progress.folders = event.folders; break;
			case 'folder': progress.folder = event.label; progress.index = event.index + 1; break;
			case 'message': progress.messages++; progress.bytes += event.bytes; if (event.reused) progress.reused++; break;
			case 'skipped': progress.skipped++; break;
			case 'problem': if (event.kind === 'failed') { progress.failed++; io.stderr.write(`mailshift: ${event.problem.location}: ${event.problem.reason}\n`); } break;
			case 'manifest': break;
		}
	};
	try {
		if (config.source.type === 'imap') {
			const target = config.source.target;
			const login = await resolveLogin({
				env: io.env, stdin: io.stdin, stderr: io.stderr, account: describeTarget(target),
				passwordFile: config.passwordFile, oauthTokenCommand: config.oauthTokenCommand, oauthTokenFile: config.oauthTokenFile,
			});
			source = await ImapBackupSource.connect({target, onProblem: relay.onProblem, ...login});
		} else {
			source = await StoreBackupSource.open(config.source.path, config.source.kind, {includeTrashed: config.includeTrashed, onProblem: relay.onProblem});
		}
		const opened = source;
		controls.abortSignal.addEventListener('abort', () => void opened.close().catch(() => undefined), {once: true});
		io.stderr.write(`Backing up ${source.location} into ${config.out} (${config.format})…\n`);
		if (config.statsIntervalMs > 0) {
			const started = Date.now();
			timer = setInterval(() => {
				io.stderr.write(`backup: ${plural(progress.messages, 'message')}, ${formatBytes(progress.bytes)}${progress.reused ? ` (${formatCount(progress.reused)} already there)` : ''}`
					+ `${progress.skipped ? `, ${formatCount(progress.skipped)} skipped` : ''}${progress.failed ? `, ${formatCount(progress.failed)} failed` : ''}`
					+ ` — folder ${progress.index}/${progress.folders} ${progress.folder} — ${formatDuration((Date.now() - started) / 1000)}\n`);
			}, config.statsIntervalMs);
			timer.unref();
		}
		const summary = await runBackup(source, {
			out: config.out, format: config.format, force: config.force, reuseComplete: config.reuseComplete,
			includeTrashed: config.includeTrashed, toolVersion: toolVersion(), maildirInfoSeparator: config.maildirInfoSeparator,
		}, controls, {problems: relay, onEvent});
		if (timer) clearInterval(timer);
		if (summary.outcome === 'kept') {
			io.stdout.write(`A complete backup of ${source.location} is already in ${config.out} and the source has not changed since: nothing to do.\n`);
			return ExitCode.OK;
		}
		io.stdout.write(formatBackupSummary(summary, source.location));
		if (summary.outcome === 'interrupted') {
			io.stderr.write(`mailshift: the backup stopped before the end. Run the same command again to continue: ${summary.messages === 1 ? 'the message' : `the ${formatCount(summary.messages)} messages`} written so far ${summary.messages === 1 ? 'is' : 'are'} kept.\n`);
			return ExitCode.INTERRUPTED;
		}
		if (summary.incomplete !== undefined) {
			// As migrate: everything readable is backed up, but the source ended early (exit 9, SOURCE_INCOMPLETE).
			io.stderr.write(`mailshift: ${source.location} could not be read to its end: ${summary.incomplete}. The backup holds what could be read and its manifest says it is incomplete.\n`
				+ '  Copy the file again from its original place (the copy was cut short), then run the backup again with --force.\n');
			return ExitCode.SOURCE_INCOMPLETE;
		}
		if (summary.failed > 0) {
			io.stderr.write(`mailshift: ${plural(summary.failed, 'message or folder', 'messages or folders')} could not be read and ${summary.failed === 1 ? 'is' : 'are'} not in the backup; they are listed in the manifest ("failed").\n`);
			return ExitCode.SOME_FAILED;
		}
		return ExitCode.OK;
	} catch (error) {
		const e = toMailshiftError(error);
		printError(e, io, config.debug);
		if (e.code !== 'USAGE' && e.code !== 'AUTH_FAILED') io.stderr.write('  What was written so far is kept: after fixing this, run the same command again to continue.\n');
		return exitCodeFor(e.code);
	} finally {
		if (timer) clearInterval(timer);
		uninstall?.();
		await source?.close().catch(() => undefined);
	}
}

/** The end-of-run table (stdout). */
export function formatBackupSummary(summary: BackupSummary, location: string): string {
	const w = Math.min(40, Math.max(12, ...summary.folders.map((f) => displayWidth(f.label))));
	const p = Math.min(40, Math.max(10, ...summary.folders.map((f) => displayWidth(f.path))));
	const n = (v: number): string => formatCount(v).padStart(9);
	const lines = [
		`Backup of ${location} → ${summary.out} (${summary.format})${summary.outcome === 'interrupted' ? ' — STOPPED, run again to continue' : ''}:`,
		`  ${fit('Folder', w)}   ${fit('Written to', p)} ${'messages'.padStart(9)} ${'skipped'.padStart(9)} ${'failed'.padStart(9)} ${'size'.padStart(10)}`,
	];
	for (const f of summary.folders) lines.push(`  ${fit(f.label, w)} → ${fit(f.path, p)} ${n(f.messages)} ${n(f.skipped)} ${n(f.failed)} ${formatBytes(f.bytes).padStart(10)}`);
	lines.push(`  ${fit('Total', w)}   ${fit('', p)} ${n(summary.messages)} ${n(summary.skipped)} ${n(summary.failed)} ${formatBytes(summary.bytes).padStart(10)}`);
	const notes: string[] = [];
	if (summary.reused > 0) notes.push(`${plural(summary.reused, 'message was', 'messages were')} already in the backup and kept as they were`);
	if (summary.removed > 0) notes.push(`${plural(summary.removed, 'file', 'files')} of messages no longer in the source ${summary.removed === 1 ? 'was' : 'were'} removed`);
	if (summary.exported > 0) notes.push(`${plural(summary.exported, 'contact, calendar item, task or note was', 'contacts, calendar items, tasks and notes were')} exported as vCard/iCalendar files under ${summary.out}/non-mail/`);
	if (notes.length > 0) lines.push(`  ${notes.join('; ')}.`);
	for (const problem of summary.problems.filter((x) => x.kind !== 'skipped').slice(0, 20)) lines.push(`  ${problem.kind}: ${problem.location}: ${problem.reason}`);
	if (summary.manifestPath) lines.push(`Manifest: ${summary.manifestPath} (check the backup any time with: mailshift backup --verify ${summary.out})`);
	return lines.join('\n') + '\n';
}

async function runVerify(config: Extract<BackupConfig, {mode: 'verify'}>, io: CliIo): Promise<ExitCodeValue> {
	const controls = new EngineControls();
	const uninstall = io.onInterrupt?.(controls);
	try {
		const result = await verifyBackup(config.dir, {signal: controls.stopSignal});
		const {manifest, counts} = result;
		const lines = [
			`Verify backup ${config.dir} (${manifest.format}, of ${manifest.source.location}, finished ${manifest.completedAt}):`,
			`  ${plural(result.checked, 'message')} checked, ${formatCount(result.ok)} as recorded; ${plural(result.files, 'other file')} checked`,
			`  missing ${formatCount(counts.missing)}, changed ${formatCount(counts.changed)}, date ${formatCount(counts.date)}, extra ${formatCount(counts.extra)}${counts.unsafe ? `, unsafe paths ${formatCount(counts.unsafe)}` : ''}`,
		];
		for (const d of result.differences.slice(0, 100)) lines.push(`  ${d.kind}: ${d.path}: ${d.detail}`);
		const more = result.differences.length - Math.min(100, result.differences.length) + result.differencesDropped;
		if (more > 0) lines.push(`  … ${formatCount(more)} more differences.`);
		if (manifest.incomplete !== undefined) lines.push(`  incomplete: the source could not be read to its end when this backup was made: ${manifest.incomplete}`);
		lines.push(result.isClean ? `OK: every file of the backup matches its manifest.`
			: manifest.incomplete !== undefined && Object.values(counts).every((n) => n === 0)
				? 'NOT OK: the files match the manifest, but the backup is incomplete: its source ended early (see above).'
				: 'NOT OK: the backup differs from its manifest (see above).');
		io.stdout.write(lines.join('\n') + '\n');
		return result.isClean ? ExitCode.OK : ExitCode.SOME_FAILED;
	} catch (error) {
		const e = toMailshiftError(error);
		printError(e, io, config.debug);
		return exitCodeFor(e.code);
	} finally {
		uninstall?.();
	}
}
