/**
 * `mailshift rules <source>`: reads a Thunderbird profile's filters, prints the plan rule by rule and the Sieve
 * script, and optionally writes it (`--out`), installs it over ManageSieve (`--install`) or removes
 * mailshift's script (`--remove`). Issue #17; the work is done by src/rules/*, this file only wires the CLI.
 *
 * Source: an Outlook `.pst`/`.ost` (its rules, read-rules.ts) or `.rwz` rules export, a `msgFilterRules.dat` (or `.sfd`) file, a Thunderbird account folder holding one
 * (`Mail/Local Folders`), a profile / `Mail` directory, or the Thunderbird directory with `profiles.ini`, with
 * exactly one non-empty filter file below `Mail/*` or `ImapMail/*` (several: the user names one). Folder targets are mapped like `migrate` maps the
 * account folder's mail (same --prefix/--map/--exclude, the server's layout read over IMAP when --to is
 * given). Login exactly as `migrate` (config/secrets.ts: --password-file, MAILSHIFT_PASSWORD, prompt, or
 * OAuth); ManageSieve runs on the IMAP host, port --sieve-port, with STARTTLS.
 *
 * Exit: OK when every rule that ran on new mail was carried (or the removal/plan succeeded without
 * leaving a rule behind); SOME_FAILED when some were only partly or not carried (listed with the reason).
 */
import {resolve} from 'node:path';

import type {SieveRulesConfig} from '../config/config.js';
import {resolveLogin} from '../config/secrets.js';
import {MailshiftError} from '../contracts/errors.js';
import type {FolderMapOptions} from '../mapper/folder-map.js';
import type {ServerLayout} from '../contracts/server-layout.js';
import {parseMapRule} from '../mapper/folder-map.js';
import {describeInstall, hasServerRules, installPrepared, openManageSieve, prepareRules, sieveAccessFor} from '../rules/rules-job.js';
import type {SieveAccess} from '../rules/rules-job.js';
import {removeScript} from '../rules/sieve-install.js';
import {ImapSink} from '../uploader/imap-sink.js';
import {describeTarget, parseImapUrl} from '../uploader/imap-target.js';
import {atomicWrite} from '../util/atomic-write.js';
import {ExitCode} from '../contracts/exit-codes.js';
import type {ExitCodeValue} from '../contracts/exit-codes.js';
import {findFilterFile} from '../app/find-filter-file.js';
import {formatPlan} from '../app/rules-plan-text.js';
import type {CliIo} from '../app/migrate.js';

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
		filterFile: file, layout, mapOptions, ...(args.install && access ? {sieve: access} : {}), ...(target?.user.includes('@') ? {me: [target.user]} : {}),
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
