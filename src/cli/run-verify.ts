/**
 * The `verify` use case: open the source, connect, run runVerify, print per-folder results and every
 * missing / duplicated / altered message; exit 0 when everything is there exactly once, 5 otherwise.
 */
import {stat} from 'node:fs/promises';
import type {MigrationConfig} from '../config/config.js';
import {resolveLogin, sourcePasswordResolver} from '../config/secrets.js';
import {EngineControls} from '../core/controls.js';
import {MailshiftError, toMailshiftError} from '../core/errors.js';
import {runVerify} from '../core/verify.js';
import {openSource} from '../readers/open-source.js';
import type {SourceStore} from '../readers/source-store.js';
import {ImapSink} from '../uploader/imap-sink.js';
import {describeTarget} from '../uploader/imap-target.js';
import {atomicWrite} from '../util/atomic-write.js';
import {ExitCode, exitCodeFor} from './exit-codes.js';
import type {ExitCodeValue} from './exit-codes.js';
import {fit, formatCount} from './format.js';
import type {CliIo} from './run-migrate.js';
import {printError} from './run-migrate.js';

export async function runVerifyCommand(config: MigrationConfig, io: CliIo, options: {deep: boolean}): Promise<ExitCodeValue> {
	let source: SourceStore | undefined;
	let sink: ImapSink | undefined;
	const controls = new EngineControls();
	const uninstall = io.onInterrupt?.(controls);
	try {
		if (!config.target) throw new MailshiftError('USAGE', 'verify needs --to: the server to check.', 'fatal');
		source = await openSource(config.source, config.sourceKind, {
			insecure: config.target.insecure,
			sourcePassword: sourcePasswordResolver({env: io.env, stdin: io.stdin, stderr: io.stderr, account: config.source, passwordFile: config.sourcePasswordFile}),
		});
		const login = await resolveLogin({
			env: io.env, stdin: io.stdin, stderr: io.stderr, account: describeTarget(config.target),
			passwordFile: config.passwordFile, oauthTokenCommand: config.oauthTokenCommand, oauthTokenFile: config.oauthTokenFile,
		});
		sink = await ImapSink.connect({target: config.target, size: 1, ...login});
		const result = await runVerify({
			includeTrashed: config.includeTrashed, fallbackDate: source.kind === 'pop3' ? new Date() : (await stat(config.source)).mtime, deep: options.deep,
			folderMap: {...(config.prefix === undefined ? {} : {prefix: config.prefix}), rules: config.rules, excludes: config.excludes},
		}, {source, sink}, controls);
		const w = Math.min(40, Math.max(12, ...result.folders.map((f) => [...f.folder].length)));
		const m = Math.min(40, Math.max(12, ...result.folders.map((f) => [...f.mailbox].length)));
		const n = (v: number): string => formatCount(v).padStart(9);
		const lines = [`Verify ${config.source} against ${describeTarget(config.target)}${options.deep ? ' (byte by byte)' : ''}:`,
			`  ${fit('Folder', w)}   ${fit('Mailbox', m)} ${'checked'.padStart(9)} ${'ok'.padStart(9)} ${'missing'.padStart(9)} ${'altered'.padStart(9)} ${'extra'.padStart(9)}`];
		for (const f of result.folders) lines.push(`  ${fit(f.folder, w)} → ${fit(f.mailbox, m)} ${n(f.checked)} ${n(f.ok)} ${n(f.missing)} ${n(f.altered)} ${n(f.duplicated)}`);
		lines.push(`  ${fit('Total', w)}   ${fit('', m)} ${n(result.checked)} ${n(result.ok)} ${n(result.missing)} ${n(result.altered)} ${n(result.duplicated)}`);
		for (const p of result.problems.slice(0, 50)) lines.push(`  ${p.kind}: ${p.location}: ${p.detail}`);
		if (result.problems.length > 50) lines.push(`  … ${formatCount(result.problems.length - 50)} more; use --report FILE.json for the full list.`);
		const clean = result.missing === 0 && result.altered === 0 && result.duplicated === 0;
		lines.push(clean ? `OK: every one of the ${formatCount(result.checked)} messages is on the server exactly once.` : 'NOT OK: see the list above.');
		io.stdout.write(lines.join('\n') + '\n');
		if (config.reportPath) await atomicWrite(config.reportPath, JSON.stringify({reportVersion: 1, kind: 'verify', source: config.source, destination: describeTarget(config.target), ...result}, null, 2) + '\n');
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
