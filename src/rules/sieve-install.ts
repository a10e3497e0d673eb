/**
 * Installs (and removes) mailshift's Sieve script over ManageSieve without harming scripts the user already
 * has (issue #17: "never overwrite or deactivate a script the user already has unless told").
 *
 * Policy, in order:
 * - Our script is the one named `name` (default 'mailshift') whose first line is SCRIPT_MARKER. A script of
 *   that name without the marker is the user's: refuse (SIEVE_SCRIPT_CONFLICT), never overwrite.
 * - If another script is active: refuse, unless `onActive` says 'include' (RFC 6609 `include :personal`,
 *   only when the server lists the "include" extension: the user's script runs first, then ours — on the old
 *   POP setup the desktop filters only ever saw what the server's rules left in INBOX) or 'replace' (ours
 *   becomes active; theirs is kept, untouched, and reactivated by `removeScript`).
 * - The script names what it replaced or includes in header lines (`# mailshift-previous-active: "x"`,
 *   `# mailshift-includes: "x"`), so a re-run (when ours is already active) keeps them and `removeScript`
 *   can reactivate the previous script.
 * - CHECKSCRIPT before HAVESPACE and PUTSCRIPT: a script the server would refuse is never stored.
 * Re-running replaces only our own script; installing identical bytes is reported as 'unchanged'.
 * Not concurrency-safe with another client editing the same account's scripts (ManageSieve has no locks).
 */
import {MailshiftError} from '../contracts/errors.js';
import type {ManageSieveClient} from './managesieve-client.js';
import {SCRIPT_MARKER, sieveString} from './sieve-translate.js';

export const DEFAULT_SCRIPT_NAME = 'mailshift';

export type InstallOptions = Readonly<{
	/** @default 'mailshift' */
	name?: string;
	/** What to do when another script is active. @default 'refuse' */
	onActive?: 'refuse' | 'include' | 'replace';
}>;

export type InstallResult = Readonly<{
	name: string;
	outcome: 'installed' | 'replaced' | 'unchanged';
	/** The script that was active before ours, if any (reactivated by removeScript). */
	previousActive: string | undefined;
	/** The user's script our script includes, if any. */
	includes: string | undefined;
	/** The exact text stored on the server. */
	script: string;
}>;

const PREVIOUS = /^# mailshift-previous-active: "((?:[^"\\]|\\.)*)"\r?$/m;
const INCLUDES = /^# mailshift-includes: "((?:[^"\\]|\\.)*)"\r?$/m;
const unquote = (s: string): string => s.replace(/\\(.)/g, '$1');

/** True when `text` is a script mailshift wrote. */
export function isOurScript(text: string): boolean {
	return text.startsWith(SCRIPT_MARKER + '\r\n') || text.startsWith(SCRIPT_MARKER + '\n');
}

/** Adds the bookkeeping header lines and, when including, `require "include"` + `include :personal`. */
export function composeScript(translated: string, previousActive: string | undefined, includes: string | undefined): string {
	if (!isOurScript(translated)) throw new Error('composeScript: not a mailshift script');
	const lines = translated.split('\r\n');
	const header = [lines[0] ?? SCRIPT_MARKER];
	if (previousActive !== undefined) header.push(`# mailshift-previous-active: ${sieveString(previousActive)}`);
	if (includes !== undefined) header.push(`# mailshift-includes: ${sieveString(includes)}`);
	let rest = lines.slice(1);
	if (includes !== undefined) {
		// RFC 5228 §3.2: every require comes before other commands; the include runs the user's script first.
		const at = rest.findIndex((l) => l.startsWith('require '));
		const include = [`include :personal ${sieveString(includes)};`];
		if (at >= 0) rest = [...rest.slice(0, at), 'require "include";', rest[at] ?? '', ...include, ...rest.slice(at + 1)];
		else {
			const firstCode = rest.findIndex((l) => l !== '' && !l.startsWith('#'));
			const pos = firstCode < 0 ? rest.length : firstCode;
			rest = [...rest.slice(0, pos), 'require "include";', ...include, '', ...rest.slice(pos)];
		}
	}
	return [...header, ...rest].join('\r\n');
}

function conflict(message: string, hint: string): MailshiftError {
	return new MailshiftError('SIEVE_SCRIPT_CONFLICT', message, 'fatal', {hint});
}

/**
 * Installs `translated` (a script from translateRules) as the active script.
 * @throws MailshiftError SIEVE_SCRIPT_CONFLICT (policy), SIEVE_REJECTED (CHECKSCRIPT/space), network errors.
 */
export async function installScript(client: ManageSieveClient, translated: string, options: InstallOptions = {}): Promise<InstallResult> {
	const name = options.name ?? DEFAULT_SCRIPT_NAME;
	const scripts = await client.listScripts();
	const ours = scripts.find((s) => s.name === name);
	const active = scripts.find((s) => s.active);
	let existing: string | undefined;
	if (ours) {
		existing = await client.getScript(name);
		if (existing !== undefined && !isOurScript(existing)) {
			throw conflict(`The server already has a Sieve script named "${name}" that mailshift did not write; it is left as it is.`,
				'Rename or delete that script yourself, or choose another name for mailshift\'s script.');
		}
	}
	let previousActive: string | undefined;
	let includes: string | undefined;
	if (existing !== undefined) {
		// Keep what an earlier run recorded, as long as those scripts still exist.
		const prev = PREVIOUS.exec(existing)?.[1];
		const inc = INCLUDES.exec(existing)?.[1];
		if (prev !== undefined && scripts.some((s) => s.name === unquote(prev))) previousActive = unquote(prev);
		if (inc !== undefined && scripts.some((s) => s.name === unquote(inc))) includes = unquote(inc);
	}
	if (active && active.name !== name) {
		const onActive = options.onActive ?? 'refuse';
		if (onActive === 'refuse') {
			throw conflict(`The Sieve script "${active.name}" is active on ${client.target}; mailshift will not replace or deactivate it.`,
				`Run again with --rules-include-active to run "${active.name}" first and then mailshift's rules${client.capabilities.sieve.has('include') ? '' : ' (this server does not offer the "include" extension, so this is not possible here)'}, or --rules-replace-active to make mailshift's script active instead (yours is kept and reactivated by --remove), or write the script with --out and merge it by hand.`);
		}
		if (onActive === 'include') {
			if (!client.capabilities.sieve.has('include')) {
				throw conflict(`${client.target} does not offer the Sieve "include" extension (RFC 6609), so "${active.name}" cannot be included.`,
					'Use --rules-replace-active, or write the script with --out and merge it by hand.');
			}
			includes = active.name;
		}
		previousActive = active.name;
	}
	const script = composeScript(translated, previousActive, includes);
	await client.checkScript(script);
	const bytes = Buffer.byteLength(script, 'utf8');
	if (existing === script && ours?.active) return {name, outcome: 'unchanged', previousActive, includes, script};
	await client.haveSpace(name, bytes);
	await client.putScript(name, script);
	if (!ours?.active) await client.setActive(name);
	return {name, outcome: ours ? 'replaced' : 'installed', previousActive, includes, script};
}

export type RemoveResult = Readonly<{name: string; removed: boolean; reactivated: string | undefined}>;

/**
 * Removes mailshift's script: deactivates it (reactivating the script it replaced, when recorded and still
 * there) and deletes it. Idempotent: no script → `removed: false`.
 * @throws SIEVE_SCRIPT_CONFLICT when the script of that name is not ours.
 */
export async function removeScript(client: ManageSieveClient, options: Readonly<{name?: string}> = {}): Promise<RemoveResult> {
	const name = options.name ?? DEFAULT_SCRIPT_NAME;
	const scripts = await client.listScripts();
	const ours = scripts.find((s) => s.name === name);
	if (!ours) return {name, removed: false, reactivated: undefined};
	const text = await client.getScript(name);
	if (text === undefined) return {name, removed: false, reactivated: undefined};
	if (!isOurScript(text)) {
		throw conflict(`The Sieve script "${name}" on ${client.target} was not written by mailshift; it is left as it is.`, 'Delete it yourself if you no longer want it.');
	}
	let reactivated: string | undefined;
	if (ours.active) {
		const prev = PREVIOUS.exec(text)?.[1];
		const previous = prev === undefined ? undefined : unquote(prev);
		if (previous !== undefined && scripts.some((s) => s.name === previous)) {
			await client.setActive(previous);
			reactivated = previous;
		} else {
			await client.setActive('');
		}
	}
	await client.deleteScript(name);
	return {name, removed: true, reactivated};
}
