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
import {dirname, join, resolve} from 'node:path';
import type {Options} from 'yargs';

import {resolveLogin} from '../config/secrets.js';
import {MailshiftError} from '../core/errors.js';
import type {FolderMapOptions, ServerLayout} from '../mapper/folder-map.js';
import {parseMapRule} from '../mapper/folder-map.js';
import {openSource} from '../readers/open-source.js';
import type {SourceFolder} from '../readers/source-store.js';
import {FilterType} from '../rules/filter-rule.js';
import {ManageSieveClient} from '../rules/managesieve-client.js';
import type {ManageSieveCredentials} from '../rules/managesieve-client.js';
import {folderTargetResolver} from '../rules/rule-target.js';
import {installScript, removeScript} from '../rules/sieve-install.js';
import {ALL_EXTENSIONS, translateRules} from '../rules/sieve-translate.js';
import type {RulePlan, Translation} from '../rules/sieve-translate.js';
import {readThunderbirdFilters} from '../rules/thunderbird-filters.js';
import {ImapSink} from '../uploader/imap-sink.js';
import {describeTarget, isLoopbackHost, parseImapUrl} from '../uploader/imap-target.js';
import type {ImapTarget} from '../uploader/imap-target.js';
import {atomicWrite} from '../util/atomic-write.js';
import {ExitCode} from './exit-codes.js';
import type {ExitCodeValue} from './exit-codes.js';
import {MIGRATE_OPTIONS} from './options.js';
import type {CliIo} from './run-migrate.js';

const RULES = 'Rules:';

/** The option table of `mailshift rules` (connection and folder options shared with `migrate`). */
export const RULES_OPTIONS = {
	to: MIGRATE_OPTIONS.to,
	'password-file': MIGRATE_OPTIONS['password-file'],
	'oauth-token-command': MIGRATE_OPTIONS['oauth-token-command'],
	'oauth-token-file': MIGRATE_OPTIONS['oauth-token-file'],
	insecure: MIGRATE_OPTIONS.insecure,
	prefix: MIGRATE_OPTIONS.prefix,
	map: MIGRATE_OPTIONS.map,
	exclude: MIGRATE_OPTIONS.exclude,
	install: {type: 'boolean', group: RULES, default: false, describe: 'Upload the script with ManageSieve (needs --to) and make it active; never replaces a script of yours'},
	out: {type: 'string', group: RULES, describe: 'Write the Sieve script to this file (for servers that take Sieve another way)'},
	remove: {type: 'boolean', group: RULES, default: false, describe: "Remove mailshift's script from the server (reactivating the script it replaced, if any)"},
	'sieve-port': {type: 'number', group: RULES, default: 4190, describe: 'ManageSieve port on the --to host'},
	'rules-include-active': {type: 'boolean', group: RULES, default: false, describe: 'When another script is active, run it first from mailshift\'s script (include, RFC 6609)'},
	'rules-replace-active': {type: 'boolean', group: RULES, default: false, describe: 'When another script is active, make mailshift\'s active instead (yours is kept; --remove reactivates it)'},
	'rules-allow-redirect': {type: 'boolean', group: RULES, default: false, describe: 'Carry "Forward" filters as server-side redirects (mail leaves the account)'},
	'rules-allow-discard': {type: 'boolean', group: RULES, default: false, describe: 'Carry "Delete" as discard (thrown away) instead of a move to Trash'},
} as const satisfies Record<string, Options>;

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

/** The account folder's mail folders, as `migrate` would list them (mapping input); [] when it has none. */
async function accountFolders(filterFile: string): Promise<SourceFolder[]> {
	try {
		const store = await openSource(dirname(filterFile), 'mbox');
		try {
			return await store.listFolders();
		} finally {
			await store.close();
		}
	} catch {
		return [];
	}
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
	lines.push(`${translation.plan.length} filters → ${carried} server rules${left > 0 ? `; ${left} stay on this computer (reasons above)` : ''}.`);
	return lines.join('\n') + '\n';
}

function sieveSecurity(target: ImapTarget): 'starttls' | 'opportunistic' {
	return target.requireStartTls || (!target.insecure && !isLoopbackHost(target.host)) ? 'starttls' : 'opportunistic';
}

/** Runs the command; returns the exit code. Throws MailshiftErrors (printed by main). */
export async function runRulesCommand(args: RulesArgs, io: CliIo): Promise<ExitCodeValue> {
	if (!args.source) throw new MailshiftError('USAGE', 'No source was given.', 'fatal', {hint: 'mailshift rules ~/.thunderbird/PROFILE/Mail/Local\\ Folders'});
	if ((args.install || args.remove) && !args.to) throw new MailshiftError('USAGE', `--${args.install ? 'install' : 'remove'} needs --to (the IMAP URL of the account).`, 'fatal', {hint: 'Add --to imaps://user@host; ManageSieve runs on the same host.'});
	if (args.install && args.remove) throw new MailshiftError('USAGE', '--install and --remove cannot be used together.', 'fatal');
	if (args.includeActive && args.replaceActive) throw new MailshiftError('USAGE', '--rules-include-active and --rules-replace-active cannot be used together.', 'fatal');
	const target = args.to ? parseImapUrl(args.to, args.insecure ?? false) : undefined;

	let credentials: ManageSieveCredentials | undefined;
	let password = '';
	let tokenSource: Awaited<ReturnType<typeof resolveLogin>>['tokenSource'];
	if (target) {
		const login = await resolveLogin({env: io.env, stdin: io.stdin, stderr: io.stderr, account: describeTarget(target), passwordFile: args.passwordFile, oauthTokenCommand: args.oauthTokenCommand, oauthTokenFile: args.oauthTokenFile});
		password = login.password;
		tokenSource = login.tokenSource;
		credentials = tokenSource ? {user: target.user, accessToken: await tokenSource.current()} : {user: target.user, password};
	}
	const openSieve = async (): Promise<ManageSieveClient> => {
		if (!target || !credentials) throw new MailshiftError('BUG', 'ManageSieve without a target', 'fatal');
		const client = await ManageSieveClient.connect({host: target.host, port: args.sievePort ?? 4190, security: sieveSecurity(target), insecure: target.insecure});
		try {
			await client.authenticate(credentials);
		} catch (error) {
			await client.logout();
			throw error;
		}
		return client;
	};

	if (args.remove) {
		const client = await openSieve();
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
	const set = await readThunderbirdFilters(file);
	const mapOptions: FolderMapOptions = {
		...(args.prefix?.trim() ? {prefix: args.prefix.trim().replace(/^\/+|\/+$/g, '')} : {}),
		rules: (args.map ?? []).map((text) => {
			try { return parseMapRule(text); } catch (error) { throw new MailshiftError('USAGE', (error as Error).message, 'fatal', {hint: "Example: --map 'Sent Items=Sent'"}); }
		}),
		excludes: [...(args.exclude ?? [])],
	};
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
	const folders = await accountFolders(file);
	let client: ManageSieveClient | undefined;
	let unavailable: MailshiftError | undefined;
	if (args.install) {
		try {
			client = await openSieve();
		} catch (error) {
			// No ManageSieve there: still show the plan (and write --out), then say what to do instead.
			if (!(error instanceof MailshiftError) || !['CONNECTION_REFUSED', 'MANAGESIEVE_UNAVAILABLE'].includes(error.code)) throw error;
			unavailable = new MailshiftError('MANAGESIEVE_UNAVAILABLE', `${error.message} Nothing was installed.`, 'fatal', {
				cause: error, hint: 'The server may not offer ManageSieve (or uses another --sieve-port). Write the script with --out FILE.sieve and install it the way your provider describes (often a web form).',
			});
		}
	}
	try {
		const translation = translateRules(set, {
			targets: folderTargetResolver({folders, layout, mapOptions}),
			extensions: client?.capabilities.sieve ?? ALL_EXTENSIONS,
			allowRedirect: args.allowRedirect ?? false,
			allowDiscard: args.allowDiscard ?? false,
		});
		io.stdout.write(formatPlan(translation, file));
		if (args.out) {
			await atomicWrite(resolve(args.out), translation.script);
			io.stdout.write(`Sieve script written to ${resolve(args.out)}.\n`);
		}
		if (client && translation.plan.every((p) => p.status === 'not-carried')) {
			io.stdout.write(`No filter can run on the server, so nothing was installed on ${client.target}.\n`);
		} else if (client) {
			const result = await installScript(client, translation.script, {onActive: args.includeActive ? 'include' : args.replaceActive ? 'replace' : 'refuse'});
			io.stdout.write(`Sieve script "${result.name}" ${result.outcome} and active on ${client.target}${result.includes ? ` (runs your script "${result.includes}" first)` : ''}${result.previousActive && !result.includes ? ` (your script "${result.previousActive}" is kept; --remove reactivates it)` : ''}.\n`);
		}
		if (unavailable) throw unavailable;
		if (!args.out && !client) io.stdout.write(`\n${translation.script.replace(/\r\n/g, '\n')}`);
		const leftBehind = set.rules.some((rule, i) => rule.enabled && (rule.type & (FilterType.InboxRule | FilterType.PostPlugin)) !== 0 && translation.plan[i]?.status !== 'carried');
		return leftBehind ? ExitCode.SOME_FAILED : ExitCode.OK;
	} finally {
		await client?.logout();
	}
}
