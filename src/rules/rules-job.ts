/**
 * The rules use case, in two steps, shared by `mailshift rules`, `migrate --rules` and the guided mode (issue
 * #17): `prepareRules` reads the filter file (Thunderbird, or Outlook rules in a PST/OST or .rwz: read-rules.ts), asks the server what it offers (ManageSieve capabilities, the
 * active script) and translates through the migration's folder mapping; `installPrepared` uploads the script
 * later (the guided mode shows the plan before the mail migration and installs after it). Each step opens
 * its own ManageSieve connection: a connection held open across a long migration would time out.
 *
 * No printing, no exit codes (the callers' business); errors are MailshiftErrors. Not concurrency-safe with
 * another client editing the same account's scripts (sieve-install.ts).
 */
import {MailshiftError} from '../contracts/errors.js';
import type {FolderMapOptions} from '../mapper/folder-map.js';
import type {ServerLayout} from '../contracts/server-layout.js';
import type {SourceFolder} from '../contracts/source-store.js';
import {isLoopbackHost} from '../uploader/imap-target.js';
import type {ImapTarget} from '../uploader/imap-target.js';
import type {RuleSet} from './filter-rule.js';
import {FilterType} from './filter-rule.js';
import {ManageSieveClient} from './managesieve-client.js';
import type {ManageSieveCredentials} from './managesieve-client.js';
import {folderTargetResolver} from './rule-target.js';
import {DEFAULT_SCRIPT_NAME, installScript} from './sieve-install.js';
import type {InstallResult} from './sieve-install.js';
import {ALL_EXTENSIONS, translateRules} from './sieve-translate.js';
import type {Translation} from './sieve-translate.js';
import {foldersForRules, readRules} from './read-rules.js';

/** Where and how to log in to ManageSieve (RFC 5804): the IMAP host, same credentials as IMAP. */
export type SieveAccess = Readonly<{
	host: string;
	/** @default 4190 */
	port: number;
	security: 'starttls' | 'opportunistic' | 'implicit' | 'none';
	insecure: boolean;
	credentials: ManageSieveCredentials;
}>;

/**
 * ManageSieve access for an IMAP target: STARTTLS required unless the IMAP URL was plain and the host is this
 * machine (or --insecure), as for IMAP itself.
 */
export function sieveAccessFor(target: ImapTarget, credentials: ManageSieveCredentials, port = 4190): SieveAccess {
	const security = target.requireStartTls || (!target.insecure && !isLoopbackHost(target.host)) ? 'starttls' : 'opportunistic';
	return {host: target.host, port, security, insecure: target.insecure, credentials};
}

/** Connects and logs in. @throws MailshiftError (CONNECTION_REFUSED, MANAGESIEVE_UNAVAILABLE, AUTH_FAILED, …). */
export async function openManageSieve(access: SieveAccess): Promise<ManageSieveClient> {
	const client = await ManageSieveClient.connect({host: access.host, port: access.port, security: access.security, insecure: access.insecure});
	try {
		await client.authenticate(access.credentials);
	} catch (error) {
		await client.logout();
		throw error;
	}
	return client;
}

/** What the server said when asked before translating. */
export type SieveServerState =
	| Readonly<{available: false; error: MailshiftError}>
	| Readonly<{
		available: true;
		/** 'host:port', for messages. */
		target: string;
		/** The active script when it is not mailshift's own (the user decides: include / replace / skip). */
		otherActive: string | undefined;
		hasInclude: boolean;
	}>;

export type PreparedRules = Readonly<{
	file: string;
	set: RuleSet;
	translation: Translation;
	/** Filters in the file; rules the server will run (carried or partly); filters that stay on the computer. */
	counts: Readonly<{filters: number; serverRules: number; local: number}>;
	/** True when an enabled on-delivery filter is not fully carried (the callers' "something was left behind"). */
	isLeftBehind: boolean;
	/** Undefined when no server was asked (plan only). */
	server: SieveServerState | undefined;
}>;

export type PrepareOptions = Readonly<{
	filterFile: string;
	/** The migrated store's folders; undefined: read from the filter file's account folder (as `migrate` would). */
	folders?: readonly SourceFolder[];
	layout: ServerLayout;
	mapOptions: FolderMapOptions;
	/** Ask this server (capabilities, active script); undefined: plan with every extension. */
	sieve?: SieveAccess;
	/** @default false */
	allowRedirect?: boolean;
	/** @default false */
	allowDiscard?: boolean;
	/** The owner's addresses (Outlook "sent only to me" …). @default the ManageSieve user when it is an address */
	me?: readonly string[];
}>;

/** Errors that mean "this server has no ManageSieve here" (the plan is still shown, --out still works). */
const UNAVAILABLE = new Set(['CONNECTION_REFUSED', 'MANAGESIEVE_UNAVAILABLE']);

/**
 * Reads, asks the server, translates. Idempotent, writes nothing.
 * @throws RULES_UNPARSEABLE / SOURCE_* for the file, AUTH_FAILED and other login errors; "no ManageSieve"
 * is not thrown but returned as `server.available === false`.
 */
export async function prepareRules(options: PrepareOptions): Promise<PreparedRules> {
	const set = await readRules(options.filterFile);
	const folders = options.folders ?? await foldersForRules(options.filterFile);
	let server: SieveServerState | undefined;
	let extensions: ReadonlySet<string> = ALL_EXTENSIONS;
	if (options.sieve) {
		let client: ManageSieveClient | undefined;
		try {
			client = await openManageSieve(options.sieve);
		} catch (error) {
			if (!(error instanceof MailshiftError) || !UNAVAILABLE.has(error.code)) throw error;
			server = {available: false, error: new MailshiftError('MANAGESIEVE_UNAVAILABLE', `${error.message} Nothing was installed.`, 'fatal', {
				cause: error, hint: 'The server may not offer ManageSieve (or uses another --sieve-port). Write the script with --out FILE.sieve and install it the way your provider describes (often a web form).',
			})};
		}
		if (client) {
			try {
				const active = (await client.listScripts()).find((s) => s.active);
				extensions = client.capabilities.sieve;
				server = {available: true, target: client.target, otherActive: active && active.name !== DEFAULT_SCRIPT_NAME ? active.name : undefined, hasInclude: extensions.has('include')};
			} finally {
				await client.logout();
			}
		}
	}
	const translation = translateRules(set, {
		targets: folderTargetResolver({folders, layout: options.layout, mapOptions: options.mapOptions}),
		extensions,
		allowRedirect: options.allowRedirect ?? false,
		allowDiscard: options.allowDiscard ?? false,
		me: options.me ?? (options.sieve?.credentials.user.includes('@') ? [options.sieve.credentials.user] : []),
	});
	const serverRules = translation.plan.filter((p) => p.status !== 'not-carried').length;
	const isLeftBehind = set.rules.some((rule, i) => rule.enabled && (rule.type & (FilterType.InboxRule | FilterType.PostPlugin)) !== 0 && translation.plan[i]?.status !== 'carried');
	return {file: options.filterFile, set, translation, counts: {filters: translation.plan.length, serverRules, local: translation.plan.length - serverRules}, isLeftBehind, server};
}

/** True when the script has at least one rule worth installing. */
export function hasServerRules(prepared: PreparedRules): boolean {
	return prepared.counts.serverRules > 0;
}

/**
 * Installs a prepared script (sieve-install.ts policy: never overwrites or deactivates a script of the
 * user's unless `onActive` says so). Idempotent: identical bytes → 'unchanged'.
 * @throws SIEVE_SCRIPT_CONFLICT, SIEVE_REJECTED, login and network errors.
 */
export async function installPrepared(prepared: PreparedRules, access: SieveAccess, onActive: 'refuse' | 'include' | 'replace' = 'refuse'): Promise<InstallResult & Readonly<{target: string}>> {
	const client = await openManageSieve(access);
	try {
		const result = await installScript(client, prepared.translation.script, {onActive});
		return {...result, target: client.target};
	} finally {
		await client.logout();
	}
}

/** One sentence for an install result ('Sieve script "mailshift" installed and active on host:4190 …'). */
export function describeInstall(result: InstallResult & Readonly<{target: string}>): string {
	return `Sieve script "${result.name}" ${result.outcome} and active on ${result.target}${result.includes ? ` (runs your script "${result.includes}" first)` : ''}${result.previousActive && !result.includes ? ` (your script "${result.previousActive}" is kept; --remove reactivates it)` : ''}.`;
}
