/**
 * The wizard's run service: starts the chosen backup and migration through the same use-cases as the CLI
 * (runBackupCommand, runMigrate), their text silenced (the wizard shows the StatsStore), and the commands the
 * finish screen prints. Part of createWizardServices.
 */
import {resolve} from 'node:path';
import {Writable} from 'node:stream';
import {resolveMigrateConfig} from '../config/resolve.js';
import {EngineControls} from '../contracts/controls.js';
import {ExitCode} from '../contracts/exit-codes.js';
import {StatsStore} from '../engine/stats.js';
import {describeTarget} from '../uploader/imap-target.js';
import {shellCommand} from '../util/shell-quote.js';
import type {CliIo} from './migrate.js';
import {runMigrate} from './migrate.js';
import {runBackupCommand} from './backup.js';
import type {FinishInfo} from './finish-info.js';
import type {MigrationStart, RunningMigration, WizardServices} from './wizard-services.js';
import {expandHome, toTarget} from './wizard-context.js';
import type {WizardContext} from './wizard-context.js';

/** `startMigration`: the backup (when chosen) and the migration, quietly, with the wizard's progress store. */
export function runServices(ctx: WizardContext): Pick<WizardServices, 'startMigration'> {
	const {io, env, home, sievePort} = ctx;
	return {
		async startMigration(start: MigrationStart): Promise<RunningMigration> {
			const target = toTarget(start.account, home);
			const caFile = start.account.caFile ? resolve(expandHome(start.account.caFile, home)) : undefined;
			const url = describeTarget(target);
			const resolved = resolveMigrateConfig({
				source: resolve(expandHome(start.source, home)), to: url, insecure: start.account.insecure, connections: start.connections,
				...(start.account.tlsFingerprint ? {tlsFingerprint: start.account.tlsFingerprint} : {}), ...(caFile ? {caFile} : {}),
				exclude: [...start.excludes], ...(start.prefix ? {prefix: start.prefix} : {}), stats: 0,
				map: (start.rules ?? []).map((r) => `${r.from}=${r.to}`),
			}, env);
			const config = start.sieveRules
				? {...resolved, sieveRules: {install: start.sieveRules.install, onActive: start.sieveRules.onActive, sievePort, allowRedirect: false, allowDiscard: false, ...(start.sieveRules.outFile ? {out: start.sieveRules.outFile} : {})}}
				: resolved;
			const stats = new StatsStore();
			const controls = new EngineControls();
			const quiet = new Writable({write: (_chunk, _enc, done) => done()}) as unknown as NodeJS.WriteStream;
			const silentIo: CliIo = {
				...io, stdout: quiet, stderr: quiet, env: {...env, MAILSHIFT_PASSWORD: start.account.password},
				...wizardCommands(config.source, url, {...start, tlsFingerprint: start.account.tlsFingerprint, caFile}),
			};
			const run = async (): Promise<FinishInfo> => {
				if (start.backupDir) {
					stats.apply({type: 'notice', message: `Backing up ${config.source} into ${start.backupDir} first…`});
					const out = resolve(expandHome(start.backupDir, home));
					const backupExit = await runBackupCommand({source: config.source, out, stats: 0, reuseComplete: true}, silentIo);
					if (backupExit !== ExitCode.OK) {
						return {interrupted: true, dryRun: false, error: `The backup into ${out} did not complete (exit ${backupExit}); nothing was uploaded. Run \`${shellCommand(['mailshift', 'backup', config.source, '--out', out])}\` to see why.`};
					}
					stats.apply({type: 'notice', message: `Backup complete and verified: ${out}`});
				}
				const outcome = await runMigrate(config, silentIo, {stats, controls});
				return outcome.finish ?? {interrupted: true, dryRun: false, error: 'the migration could not start'};
			};
			const done = run();
			return {store: stats, controls, title: `${config.source} → ${url}`, done};
		},
	};
}

/**
 * The commands the finish screen prints (resume, verify): shell-quoted, with the same mapping as the run (a
 * resume with another mapping would upload into other folders), and no password (the CLI asks for it).
 */
export function wizardCommands(source: string, url: string, start: Pick<MigrationStart, 'prefix' | 'rules' | 'excludes'> & {tlsFingerprint?: string | undefined; caFile?: string | undefined}): {commandLine: string; verifyCommand: string} {
	const options = [
		'--to', url,
		...(start.tlsFingerprint ? ['--tls-fingerprint', start.tlsFingerprint] : []),
		...(start.caFile ? ['--ca-file', start.caFile] : []),
		...(start.prefix ? ['--prefix', start.prefix] : []),
		...(start.rules ?? []).flatMap((r) => ['--map', `${r.from}=${r.to}`]),
		...start.excludes.flatMap((e) => ['--exclude', e]),
	];
	return {commandLine: shellCommand(['mailshift', 'migrate', source, ...options]), verifyCommand: shellCommand(['mailshift', 'verify', source, ...options])};
}
