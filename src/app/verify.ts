/**
 * The `verify` use case: open the source, connect, run runVerify, print per-folder results and every
 * missing / duplicated / altered message (or, with --json, the VerifyCommandReport of app/report.ts on
 * stdout — the same object --report writes); exit 0 when everything is there exactly once, 5 otherwise, and 3
 * (SOURCE) when the source could not be read completely ("could not read the source: …"; never OK then).
 */
import {stat} from 'node:fs/promises';
import type {MigrationConfig} from '../config/config.js';
import {resolveLogin, sourcePasswordResolver} from '../config/secrets.js';
import {EngineControls} from '../contracts/controls.js';
import {MailshiftError, toMailshiftError} from '../contracts/errors.js';
import {isVerifyClean, runVerify} from '../engine/verify.js';
import {ProblemRelay} from '../engine/problem-relay.js';
import {openSource} from '../readers/open-source.js';
import type {SourceStore} from '../contracts/source-store.js';
import {ImapSink} from '../uploader/imap-sink.js';
import {describeTarget} from '../uploader/imap-target.js';
import {ExitCode, exitCodeFor} from '../contracts/exit-codes.js';
import type {ExitCodeValue} from '../contracts/exit-codes.js';
import {fit, formatCount, displayWidth} from '../util/format.js';
import type {CliIo} from './migrate.js';
import {printError} from './migrate.js';
import {buildVerifyReport, reportJson, verifyReportOf, writeReport} from './report.js';

export async function runVerifyCommand(config: MigrationConfig, io: CliIo, options: {deep: boolean}): Promise<ExitCodeValue> {
	const startedAt = new Date();
	let source: SourceStore | undefined;
	let sink: ImapSink | undefined;
	const controls = new EngineControls();
	const uninstall = io.onInterrupt?.(controls);
	try {
		if (!config.target) throw new MailshiftError('USAGE', 'verify needs --to: the server to check.', 'fatal');
		// The reader's problems (an unreadable file or folder, a store cut short) make the comparison incomplete.
		const relay = new ProblemRelay();
		source = await openSource(config.source, config.sourceKind, {
			onProblem: relay.onProblem,
			insecure: config.target.insecure,
			sourcePassword: sourcePasswordResolver({env: io.env, stdin: io.stdin, stderr: io.stderr, account: config.source, passwordFile: config.sourcePasswordFile}),
		});
		const login = await resolveLogin({
			env: io.env, stdin: io.stdin, stderr: io.stderr, account: describeTarget(config.target),
			passwordFile: config.passwordFile, oauthTokenCommand: config.oauthTokenCommand, oauthTokenFile: config.oauthTokenFile,
		});
		sink = await ImapSink.connect({target: config.target, size: 1, ...login});
		const compared = await runVerify({
			includeTrashed: config.includeTrashed, fallbackDate: source.kind === 'pop3' ? new Date() : (await stat(config.source)).mtime, deep: options.deep,
			folderMap: {...(config.prefix === undefined ? {} : {prefix: config.prefix}), rules: config.rules, excludes: config.excludes},
		}, {source, sink, readerProblems: relay}, controls);
		// A store cut short (a truncated .pst) reads "cleanly" to where it ends: what it could not give is counted
		// as unread source, so verify never says OK for it (exit 9, as migrate).
		const incomplete = source.incompleteness?.();
		const result = incomplete === undefined ? compared : {
			...compared, unreadable: compared.unreadable + 1,
			sourceProblems: [`${source.location} could not be read to its end: ${incomplete}`, ...compared.sourceProblems],
		};
		const w = Math.min(40, Math.max(12, ...result.folders.map((f) => displayWidth(f.folder))));
		const m = Math.min(40, Math.max(12, ...result.folders.map((f) => displayWidth(f.mailbox))));
		const n = (v: number): string => formatCount(v).padStart(9);
		const lines = [`Verify ${config.source} against ${describeTarget(config.target)}${options.deep ? ' (byte by byte)' : ''}:`,
			`  ${fit('Folder', w)}   ${fit('Mailbox', m)} ${'checked'.padStart(9)} ${'ok'.padStart(9)} ${'missing'.padStart(9)} ${'altered'.padStart(9)} ${'extra'.padStart(9)}`];
		for (const f of result.folders) lines.push(`  ${fit(f.folder, w)} → ${fit(f.mailbox, m)} ${n(f.checked)} ${n(f.ok)} ${n(f.missing)} ${n(f.altered)} ${n(f.duplicated)}`);
		lines.push(`  ${fit('Total', w)}   ${fit('', m)} ${n(result.checked)} ${n(result.ok)} ${n(result.missing)} ${n(result.altered)} ${n(result.duplicated)}`);
		for (const p of result.problems.slice(0, 50)) lines.push(`  ${p.kind}: ${p.location}: ${p.detail}`);
		if (result.problems.length > 50) lines.push(`  … ${formatCount(result.problems.length - 50)} more; use --report FILE.json for the full list.`);
		const clean = isVerifyClean(result);
		const byServer = result.alteredByServer > 0 ? ` (${formatCount(result.alteredByServer)} of them stored altered by the server, listed above)` : '';
		if (result.unreadable > 0) {
			const first = result.sourceProblems[0] ?? 'see the list above';
			lines.push(`NOT OK: could not read the source: ${first}${result.unreadable > 1 ? ` (and ${formatCount(result.unreadable - 1)} more)` : ''}. Only what could be read was compared.`);
		} else {
			lines.push(clean ? `OK: ${result.checked === 1 ? 'the 1 message is' : `every one of the ${formatCount(result.checked)} messages is`} on the server exactly once${byServer}.` : 'NOT OK: see the list above.');
		}
		const report = buildVerifyReport(config, startedAt, verifyReportOf({result, deep: options.deep}));
		io.stdout.write(config.json ? `${reportJson(report)}\n` : lines.join('\n') + '\n');
		if (config.reportPath) await writeReport(config.reportPath, report);
		if (incomplete !== undefined) return ExitCode.SOURCE_INCOMPLETE;
		if (result.unreadable > 0) return ExitCode.SOURCE;
		return clean ? ExitCode.OK : ExitCode.SOME_FAILED;
	} catch (error) {
		const e = toMailshiftError(error);
		printError(e, io, config.debug);
		return exitCodeFor(e.code);
	} finally {
		uninstall?.();
		await sink?.close().catch(() => undefined);
		await source?.close().catch(() => undefined);
	}
}
