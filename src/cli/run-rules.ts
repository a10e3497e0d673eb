/**
 * `mailshift rules <source>`: reads a Thunderbird profile's filters, prints the plan rule by rule and the Sieve
 * script, and optionally writes it (`--out`), installs it over ManageSieve (`--install`) or removes
 * mailshift's script (`--remove`). Issue #17; the work is done by src/rules/*, this file only wires the CLI.
 *
 * Source: a `msgFilterRules.dat` (or `.sfd`) file, a Thunderbird account folder holding one
 * (`Mail/Local Folders`), a profile / `Mail` directory, or the Thunderbird directory with `profiles.ini`, with
 * exactly one non-empty filter file below `Mail/*` or `ImapMail/*` (several: the user names one). Folder targets are mapped like `migrate` maps the
 * account folder's mail (same --prefix/--map/--exclude, the server's layout read over IMAP when --to is
 * given). Login exactly as `migrate` (config/secrets.ts: --password-file, MAILSHIFT_PASSWORD, prompt, or
 * OAuth); ManageSieve runs on the IMAP host, port --sieve-port, with STARTTLS.
 *
 * Exit: OK when every rule that ran on new mail was carried (or the removal/plan succeeded without
 * leaving a rule behind); SOME_FAILED when some were only partly or not carried (listed with the reason).
 */
import {existsSync, readFileSync, readdirSync, statSync} from 'node:fs';
import {join, resolve} from 'node:path';

import type {SieveRulesConfig} from '../config/config.js';
import {resolveLogin} from '../config/secrets.js';
import {MailshiftError} from '../core/errors.js';
import type {FolderMapOptions, ServerLayout} from '../mapper/folder-map.js';
import {parseMapRule} from '../mapper/folder-map.js';
import {describeInstall, hasServerRules, installPrepared, openManageSieve, prepareRules, sieveAccessFor} from '../rules/rules-job.js';
import type {SieveAccess} from '../rules/rules-job.js';
import {removeScript} from '../rules/sieve-install.js';
import type {RulePlan, Translation} from '../rules/sieve-translate.js';
import {ImapSink} from '../uploader/imap-sink.js';
import {describeTarget, parseImapUrl} from '../uploader/imap-target.js';
import {atomicWrite} from '../util/atomic-write.js';
import {ExitCode} from './exit-codes.js';
import type {ExitCodeValue} from './exit-codes.js';
import {plural} from './format.js';
import type {CliIo} from './run-migrate.js';

/** The option tables live in command-options.ts (loaded for --help without this module's dependencies). */
export {MIGRATE_RULES_OPTIONS, RULES_OPTIONS} from './command-options.js';

/** `migrate --rules` options → the config's rules step; undefined without --rules. @throws USAGE (both include and replace). */
export function sieveRulesConfig(args: Readonly<{rules?: boolean | undefined; rulesOut?: string | undefined; sievePort?: number | undefined; includeActive?: boolean | undefined; replaceActive?: boolean | undefined; allowRedirect?: boolean | undefined; allowDiscard?: boolean | undefined}>): SieveRulesConfig | undefined {
	if (!args.rules) {
		if (args.rulesOut) throw new MailshiftError('USAGE', '--rules-out needs --rules.', 'fatal');
		return undefined;
	}
	if (args.includeActive && args.replaceActive) throw new MailshiftError('USAGE', '--rules-include-active and --rules-replace-active cannot be used together.', 'fatal');
	return {
		install: true, sievePort: args.sievePort ?? 4190, onActive: args.includeActive ? 'include' : args.replaceActive ? 'replace' : 'refuse',
		allowRedirect: args.allowRedirect ?? false, allowDiscard: args.allowDiscard ?? false, ...(args.rulesOut ? {out: args.rulesOut} : {}),
	};
}

export type RulesArgs = Readonly<{
	source?: string | undefined; to?: string | undefined; passwordFile?: string | undefined; oauthTokenCommand?: string | undefined;
	oauthTokenFile?: string | undefined; insecure?: boolean | undefined; prefix?: string | undefined; map?: readonly string[] | undefined;
	exclude?: readonly string[] | undefined; install?: boolean | undefined; out?: string | undefined; remove?: boolean | undefined;
	sievePort?: number | undefined; includeActive?: boolean | undefined; replaceActive?: boolean | undefined;
	allowRedirect?: boolean | undefined; allowDiscard?: boolean | undefined;
}>;

const FILTER_FILE = 'msgFilterRules.dat';

/** Finds the filter file the user means (see the module comment). @throws USAGE / SOURCE_NOT_FOUND. */
export function findFilterFile(source: string): string {
	const path = resolve(source);
	if (!existsSync(path)) throw new MailshiftError('SOURCE_NOT_FOUND', `${path} does not exist.`, 'fatal', {hint: 'Name a msgFilterRules.dat file, a Thunderbird account folder, or a profile folder.'});
	if (statSync(path).isFile()) return path;
	if (existsSync(join(path, FILTER_FILE))) return join(path, FILTER_FILE);
	const found: string[] = [];
	// The Thunderbird directory itself (~/.thunderbird): its profiles from profiles.ini (Path=, IsRelative=1).
	const profiles = [path];
	const ini = existsSync(join(path, 'profiles.ini')) ? readFileSync(join(path, 'profiles.ini'), 'utf8') : '';
	for (const section of ini.split(/^\[/m)) {
		const profile = /^Path=(.+)$/m.exec(section)?.[1]?.trim();
		if (profile) profiles.push(/^IsRelative=1$/m.test(section) ? join(path, profile) : profile);
	}
	for (const top of profiles.flatMap((p) => [p, join(p, 'Mail'), join(p, 'ImapMail')])) {
		if (!existsSync(top) || !statSync(top).isDirectory()) continue;
		for (const entry of readdirSync(top, {withFileTypes: true})) {
			const candidate = join(top, entry.name, FILTER_FILE);
			if (entry.isDirectory() && existsSync(candidate) && statSync(candidate).size > 0) found.push(candidate);
		}
	}
	const unique = [...new Set(found)];
	if (unique.length === 1 && unique[0]) return unique[0];
	if (unique.length === 0) {
		throw new MailshiftError('SOURCE_NOT_FOUND', `No ${FILTER_FILE} was found in ${path}.`, 'fatal', {hint: 'Thunderbird keeps the filters of each account in its mail folder, e.g. Mail/Local Folders/msgFilterRules.dat; name that file or folder.'});
	}
	throw new MailshiftError('USAGE', `${path} holds filters of ${unique.length} accounts:\n${unique.map((f) => `    ${f}`).join('\n')}`, 'fatal', {hint: 'Name the file (or account folder) of the account whose mail goes to this server.'});
}

const MARK: Readonly<Record<RulePlan['status'], string>> = {carried: '✓ carried', partly: '~ partly carried', 'not-carried': '✗ not carried'};

/** The plan as text, one block per rule. */
export function formatPlan(translation: Translation, file: string): string {
	const lines = [`Filters in ${file}:`];
	translation.plan.forEach((p, i) => {
		lines.push(`  ${i + 1}. ${p.name} — ${MARK[p.status]}`);
		for (const r of p.reasons) lines.push(`       because ${r}`);
		for (const n of p.notes) lines.push(`       note: ${n}`);
	});
	const carried = translation.plan.filter((p) => p.status !== 'not-carried').length;
	const left = translation.plan.length - carried;
	lines.push(`${plural(translation.plan.length, 'filter')} → ${plural(carried, 'server rule')}${left > 0 ? `; ${left} stay on this computer (reasons above)` : ''}.`);
	return lines.join('\n') + '\n';
}

/** Runs the command; returns the exit code. Throws MailshiftErrors (printed by main). */
export async function runRulesCommand(args: RulesArgs, io: CliIo): Promise<ExitCodeValue> {
	if (!args.source) throw new MailshiftError('USAGE', 'No source was given.', 'fatal', {hint: 'mailshift rules ~/.thunderbird/PROFILE/Mail/Local\\ Folders'});
	if ((args.install || args.remove) && !args.to) throw new MailshiftError('USAGE', `--${args.install ? 'install' : 'remove'} needs --to (the IMAP URL of the account).`, 'fatal', {hint: 'Add --to imaps://user@host; ManageSieve runs on the same host.'});
	if (args.install && args.remove) throw new MailshiftError('USAGE', '--install and --remove cannot be used together.', 'fatal');
	if (args.includeActive && args.replaceActive) throw new MailshiftError('USAGE', '--rules-include-active and --rules-replace-active cannot be used together.', 'fatal');
	const target = args.to ? parseImapUrl(args.to, args.insecure ?? false) : undefined;

	let access: SieveAccess | undefined;
	let password = '';
	let tokenSource: Awaited<ReturnType<typeof resolveLogin>>['tokenSource'];
	if (target) {
		const login = await resolveLogin({env: io.env, stdin: io.stdin, stderr: io.stderr, account: describeTarget(target), passwordFile: args.passwordFile, oauthTokenCommand: args.oauthTokenCommand, oauthTokenFile: args.oauthTokenFile});
		password = login.password;
		tokenSource = login.tokenSource;
		access = sieveAccessFor(target, tokenSource ? {user: target.user, accessToken: await tokenSource.current()} : {user: target.user, password}, args.sievePort ?? 4190);
	}

	if (args.remove && access) {
		const client = await openManageSieve(access);
		try {
			const result = await removeScript(client);
			io.stdout.write(result.removed
				? `Removed mailshift's Sieve script "${result.name}" from ${client.target}${result.reactivated ? `; "${result.reactivated}" is active again` : ''}.\n`
				: `${client.target} has no Sieve script of mailshift's; nothing to remove.\n`);
			return ExitCode.OK;
		} finally {
			await client.logout();
		}
	}

	const file = findFilterFile(args.source);
	const mapOptions = rulesMapOptions(args);
	let layout: ServerLayout = {delimiter: '/', prefix: '', specialUse: new Map()};
	if (target) {
		const sink = await ImapSink.connect({target, size: 1, password, ...(tokenSource ? {tokenSource} : {}), batch: false});
		try {
			layout = sink.layout();
		} finally {
			await sink.close();
		}
	} else {
		io.stderr.write('mailshift: no --to given: mailbox names assume "/" between levels and no namespace prefix.\n');
	}
	const prepared = await prepareRules({
		filterFile: file, layout, mapOptions, ...(args.install && access ? {sieve: access} : {}),
		allowRedirect: args.allowRedirect ?? false, allowDiscard: args.allowDiscard ?? false,
	});
	const {translation} = prepared;
	io.stdout.write(formatPlan(translation, file));
	if (args.out) {
		await atomicWrite(resolve(args.out), translation.script);
		io.stdout.write(`Sieve script written to ${resolve(args.out)}.\n`);
	}
	const server = prepared.server;
	if (server?.available && access) {
		if (!hasServerRules(prepared)) {
			io.stdout.write(`No filter can run on the server, so nothing was installed on ${server.target}.\n`);
		} else {
			const result = await installPrepared(prepared, access, args.includeActive ? 'include' : args.replaceActive ? 'replace' : 'refuse');
			io.stdout.write(`${describeInstall(result)}\n`);
		}
	}
	if (server && !server.available) throw server.error;
	if (!args.out && !server) io.stdout.write(`\n${translation.script.replace(/\r\n/g, '\n')}`);
	return prepared.isLeftBehind ? ExitCode.SOME_FAILED : ExitCode.OK;
}

/** The folder mapping options of `rules` (same meaning as `migrate`'s). @throws USAGE for a bad --map. */
export function rulesMapOptions(args: Readonly<{prefix?: string | undefined; map?: readonly string[] | undefined; exclude?: readonly string[] | undefined}>): FolderMapOptions {
	return {
		...(args.prefix?.trim() ? {prefix: args.prefix.trim().replace(/^\/+|\/+$/g, '')} : {}),
		rules: (args.map ?? []).map((text) => {
			try { return parseMapRule(text); } catch (error) { throw new MailshiftError('USAGE', (error as Error).message, 'fatal', {hint: "Example: --map 'Sent Items=Sent'"}); }
		}),
		excludes: [...(args.exclude ?? [])],
	};
}
