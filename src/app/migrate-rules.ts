/**
 * The rules step of `migrate --rules` and of the guided mode (issue #17): after the mail, the store's
 * Thunderbird filters are translated through the SAME folder mapping the run used (its --prefix/--map/
 * --exclude, the folders it read, the server layout it saw) and installed over ManageSieve with the same
 * login. The work is rules-job.ts (shared with `mailshift rules`); this file only decides when, and words it.
 *
 * Contract: never throws and never hides the mail result. The caller (run-migrate.ts) uses `exitCode` only
 * when the mail part ended OK (precedence: mail first, README "Exit codes").
 */
import {existsSync, statSync} from 'node:fs';
import {dirname, join, resolve} from 'node:path';

import type {MigrationConfig} from '../config/config.js';
import type {EngineResult} from '../engine/run-migration.js';
import {MailshiftError, toMailshiftError} from '../contracts/errors.js';
import type {ServerLayout} from '../contracts/server-layout.js';
import type {SourceStore} from '../contracts/source-store.js';
import {describeInstall, hasServerRules, installPrepared, prepareRules, sieveAccessFor} from '../rules/rules-job.js';
import type {PreparedRules} from '../rules/rules-job.js';
import type {TokenSource} from '../contracts/token-source.js';
import {atomicWrite} from '../util/atomic-write.js';
import {ExitCode, exitCodeFor} from '../contracts/exit-codes.js';
import type {ExitCodeValue} from '../contracts/exit-codes.js';
import {findFilterFile} from './find-filter-file.js';
import {formatPlan} from './rules-plan-text.js';
import {plural} from '../util/format.js';

export type RulesStepResult = Readonly<{
	exitCode: ExitCodeValue;
	/** One line for the finish screen (no plan above it), e.g. "Rules: 12 filters → 10 server rules installed; 2 stay on this computer: A, B". */
	line: string;
	/** The plan and the summary line "… 2 stay on this computer (see above)." (human output), or one JSON line (--json). */
	text: string;
	isOk: boolean;
}>;

export type RulesStepContext = Readonly<{
	config: MigrationConfig;
	source: SourceStore | undefined;
	/** The layout the migration's IMAP connection saw; undefined without a server. */
	layout: ServerLayout | undefined;
	login: Readonly<{password: string; tokenSource?: TokenSource}> | undefined;
	result: EngineResult;
}>;

const FILTER_FILE = 'msgFilterRules.dat';

/**
 * The rules that belong to a migrated source: the PST/OST itself, the filter file next to an mbox file, in an account folder, or found
 * through the profile (run-rules.ts findFilterFile). @throws SOURCE_NOT_FOUND / USAGE (several accounts).
 */
export function filterFileFor(source: string): string {
	const path = resolve(source);
	if (existsSync(path) && statSync(path).isFile()) {
		// An Outlook store keeps its rules inside (outlook-pst-rules.ts).
		if (/\.(pst|ost)$/i.test(path)) return path;
		const beside = join(dirname(path), FILTER_FILE);
		if (existsSync(beside)) return beside;
		throw new MailshiftError('SOURCE_NOT_FOUND', `No ${FILTER_FILE} next to ${path}.`, 'fatal', {hint: 'Run `mailshift rules FILE` with the filter file of this account.'});
	}
	return findFilterFile(path);
}

/** `lines`: [printed after the plan, on the finish screen] (one string: the same on both). */
function result(exitCode: ExitCodeValue, lines: string | readonly [string, string], plan: string, json: boolean, extra: Record<string, unknown> = {}): RulesStepResult {
	const [printed, screen] = typeof lines === 'string' ? [lines, lines] : lines;
	const isOk = exitCode === ExitCode.OK;
	return {exitCode, line: screen, isOk, text: json ? `${JSON.stringify({type: 'rules', ok: isOk, exitCode, message: printed, ...extra})}\n` : `${plan}${printed}\n`};
}

/** [printed after the plan, finish screen]: the screen has no plan above it, so it names the filters that stay. */
function counted(prepared: PreparedRules, verb: string, end = '.'): [string, string] {
	const {filters, serverRules, local} = prepared.counts;
	const head = `Rules: ${plural(filters, 'filter')} → ${plural(serverRules, 'server rule')} ${verb}`;
	if (local === 0) return [`${head}${end}`, `${head}${end}`];
	const names = prepared.translation.plan.filter((p) => p.status === 'not-carried').map((p) => p.name);
	const listed = names.length <= 3 ? names.join(', ') : `${names.slice(0, 3).join(', ')} and ${names.length - 3} more`;
	return [`${head}; ${local} stay on this computer (see above)${end}`, `${head}; ${local} stay on this computer: ${listed} (\`mailshift rules\` says why)`];
}

/** Runs the rules step after a migration. Never throws (see the module comment). */
export async function runRulesStep(context: RulesStepContext): Promise<RulesStepResult> {
	const {config, source, layout, login} = context;
	const options = config.sieveRules;
	const json = config.json;
	if (!options) return result(ExitCode.OK, '', '', json);
	const summary = context.result.summary;
	if (context.result.fatal || summary.interrupted) {
		return result(ExitCode.OK, 'Rules: not installed, because the mail migration did not finish; run the same command again.', '', json);
	}
	let prepared: PreparedRules | undefined;
	try {
		const file = filterFileFor(config.source);
		const credentials = login && config.target ? (login.tokenSource ? {user: config.target.user, accessToken: await login.tokenSource.current()} : {user: config.target.user, password: login.password}) : undefined;
		const access = credentials && config.target ? sieveAccessFor(config.target, credentials, options.sievePort) : undefined;
		const isInstalling = options.install && !config.dryRun && access !== undefined;
		prepared = await prepareRules({
			filterFile: file, ...(source ? {folders: await source.listFolders()} : {}),
			layout: layout ?? {delimiter: '/', prefix: '', specialUse: new Map()},
			mapOptions: {...(config.prefix === undefined ? {} : {prefix: config.prefix}), rules: config.rules, excludes: config.excludes},
			...(isInstalling ? {sieve: access} : {}), allowRedirect: options.allowRedirect, allowDiscard: options.allowDiscard,
		});
		let plan = formatPlan(prepared.translation, file);
		if (options.out) {
			await atomicWrite(resolve(options.out), prepared.translation.script);
			plan += `Sieve script written to ${resolve(options.out)}.\n`;
		}
		const counts = {filters: prepared.counts.filters, serverRules: prepared.counts.serverRules, local: prepared.counts.local};
		const leftBehind = prepared.isLeftBehind ? ExitCode.SOME_FAILED : ExitCode.OK;
		if (!isInstalling && options.out && !config.dryRun) {
			return result(leftBehind, counted(prepared, `saved to ${resolve(options.out)} (not installed: upload it in your provider's mail settings)`), plan, json, counts);
		}
		if (!isInstalling || !access) {
			const why = config.dryRun ? 'dry run' : options.install ? 'no server' : 'you chose not to install them';
			return result(leftBehind, counted(prepared, `planned (${why}: nothing installed)`), plan, json, counts);
		}
		if (prepared.server && !prepared.server.available) throw prepared.server.error;
		if (!hasServerRules(prepared)) return result(leftBehind, counted(prepared, 'installed', ': none can run on the server, so nothing was installed.'), plan, json, counts);
		const installed = await installPrepared(prepared, access, options.onActive);
		plan += `${describeInstall(installed)}\n`;
		return result(leftBehind, counted(prepared, installed.outcome === 'unchanged' ? 'already installed' : 'installed'), plan, json, {...counts, script: installed.name, outcome: installed.outcome});
	} catch (error) {
		const e = toMailshiftError(error);
		const plan = prepared ? formatPlan(prepared.translation, prepared.file) : '';
		const line = `Rules: not installed — ${e.message}${e.hint ? `\n  ${e.hint}` : ''}`;
		return result(exitCodeFor(e.code), line, plan, json, {code: e.code});
	}
}
