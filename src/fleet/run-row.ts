/**
 * The one place a fleet worker runs a plan row's migration (issue #15): the same use case `mailshift batch` runs
 * per row — `runMigrate` with the row's MigrationConfig (resolveMigrateConfig, as batch's rowConfig builds it),
 * the row's password handed over in MAILSHIFT_PASSWORD of the row's own env, progress through an external
 * StatsStore/EngineControls — except that the journal is the caller's (PgJournal, fenced by the row's lease).
 * When the use case moves (issue #13: app/migrate), only this file changes.
 *
 * Secrets: the password is resolved here, on the worker, from where the row names it (env:, file:,
 * oauth-command: — credential.ts); it is never returned, stored or printed (every captured line is redacted).
 */
import {PassThrough} from 'node:stream';
import {createInterface} from 'node:readline';
import {resolveMigrateConfig} from '../config/resolve.js';
import type {EngineControls} from '../contracts/controls.js';
import {MailshiftError, toMailshiftError} from '../contracts/errors.js';
import type {EngineEvent} from '../contracts/events.js';
import type {StatsStore} from '../engine/stats.js';
import type {Summary} from '../contracts/types.js';
import {resolveCredential} from '../batch/credential.js';
import type {CredentialSpec} from '../batch/credential.js';
import {redact} from '../app/batch.js';
import {exitCodeFor} from '../contracts/exit-codes.js';
import type {ExitCodeValue} from '../contracts/exit-codes.js';
import {runMigrate} from '../app/migrate.js';
import type {CliIo} from '../app/migrate.js';
import type {Journal, JournalRun} from '../contracts/journal.js';

/** A plan row as stored in the queue: where the secret is, never the secret. */
export type FleetRowSpec = Readonly<{
	id: string;
	/** Absolute path of the store (on the share every worker mounts). */
	source: string;
	/** imap(s)://user@host[:port] as written in the plan (validated: no password in it). */
	url: string;
	credential: CredentialSpec;
	prefix: string | undefined;
	connections: number | undefined;
	bwlimit: string | undefined;
	insecure: boolean;
}>;

export type RunRowDeps = Readonly<{
	/** Connections granted by the fleet-wide caps (≤ the row's own). */
	connections: number;
	/** The worker's environment: where env: secrets are read. */
	env: NodeJS.ProcessEnv;
	controls: EngineControls;
	stats: StatsStore;
	onEvent?: (event: EngineEvent) => void;
	openJournal: (run: JournalRun) => Promise<Journal>;
	/** The worker was started with --allow-plan-commands (oauth-command: rows run their program). @default false */
	allowCommands?: boolean;
	/** Each line the migration prints (stderr and stdout), redacted. */
	onLine?: (line: string) => void;
}>;

export type RowOutcome = Readonly<{
	exitCode: ExitCodeValue;
	summary: Summary | undefined;
	/** Verify after the run: ok, failed, or not run. */
	verify: 'ok' | 'failed' | 'not-run';
	/** The first error, redacted; empty when the row is OK. */
	error: string;
}>;

/** Runs one row. Never throws: a problem before the run (secret missing) is an outcome with its exit code. */
export async function runFleetRow(spec: FleetRowSpec, deps: RunRowDeps): Promise<RowOutcome> {
	const secrets: string[] = [];
	try {
		if (spec.credential.kind === 'oauth-command' && !deps.allowCommands) {
			throw new MailshiftError('USAGE', `Row ${spec.id} logs in with oauth-command:, and this worker was not started with --allow-plan-commands.`, 'fatal', {hint: 'Start the worker with --allow-plan-commands after checking the plan\'s commands, then `mailshift fleet retry --only-failed`.'});
		}
		const resolved = await resolveCredential(spec.credential, deps.env);
		if (!resolved.ok) throw new MailshiftError('AUTH_FAILED', `Row ${spec.id}: ${resolved.problem} (on this worker).`, 'fatal', {hint: 'Every worker resolves the row\'s secret itself: provide it on each worker machine, then `mailshift fleet retry --only-failed`.'});
		if (resolved.password) secrets.push(resolved.password);
		const config = resolveMigrateConfig({
			source: spec.source, to: spec.url, insecure: spec.insecure, connections: deps.connections, prefix: spec.prefix, bwlimit: spec.bwlimit,
			...(spec.credential.kind === 'oauth-command' ? {oauthTokenCommand: spec.credential.command} : {}),
			dryRun: false, stats: 0, plain: true, json: false, debug: false,
		}, deps.env);
		const errors: string[] = [];
		const stream = (): PassThrough => {
			const s = new PassThrough();
			createInterface({input: s}).on('line', (raw) => {
				const line = redact(raw, secrets);
				if (line.startsWith('mailshift: ') && errors.length < 3) errors.push(line.slice('mailshift: '.length));
				deps.onLine?.(line);
			});
			return s;
		};
		const out = stream();
		const err = stream();
		const io: CliIo = {
			stdout: out as unknown as NodeJS.WriteStream, stderr: err as unknown as NodeJS.WriteStream, stdin: process.stdin,
			env: {...deps.env, MAILSHIFT_PASSWORD: resolved.password},
		};
		const outcome = await runMigrate(config, io, {
			stats: deps.stats, controls: deps.controls, openJournal: deps.openJournal,
			...(deps.onEvent ? {onEvent: deps.onEvent} : {}),
		});
		out.end();
		err.end();
		const verify = outcome.finish?.isVerified === undefined ? 'not-run' : outcome.finish.isVerified ? 'ok' : 'failed';
		const error = outcome.exitCode === 0 ? '' : redact(outcome.result?.fatal?.message ?? errors.join(' '), secrets);
		return {exitCode: outcome.exitCode, summary: outcome.result?.summary, verify, error};
	} catch (error) {
		const e = toMailshiftError(error);
		return {exitCode: exitCodeFor(e.code), summary: undefined, verify: 'not-run', error: redact(`${e.message}${e.hint ? ` ${e.hint}` : ''}`, secrets)};
	}
}
