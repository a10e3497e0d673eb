/**
 * Options from the environment (`MAILSHIFT_<OPTION>`, e.g. MAILSHIFT_CONNECTIONS=8, MAILSHIFT_DRY_RUN=true)
 * and from a JSON config file (`--config FILE` or MAILSHIFT_CONFIG: `{"to": "imaps://me@host", "connections": 8}`),
 * turned into extra command-line arguments for the one command being run. Precedence (as restic, rclone and
 * yargs): command line > environment > config file > built-in default. Called by cli/main.ts before yargs.
 *
 * Why not yargs' own .env()/.config(): they apply every MAILSHIFT_* variable to every command, so strict
 * parsing refuses MAILSHIFT_PASSWORD (not an option) and MAILSHIFT_CONNECTIONS under `verify`; here each
 * command takes only its own options and ignores the rest.
 *
 * Secrets: no option carries a password or token, so MAILSHIFT_PASSWORD and MAILSHIFT_OAUTH_TOKEN keep their
 * meaning (read by config/secrets.ts and config/oauth-token.ts, never turned into arguments), and a config file
 * with a "password" or "oauth-token" key is refused (put the secret in a file and name it with password-file).
 */
import {readFileSync} from 'node:fs';
import type {Options} from 'yargs';
import {MailshiftError} from '../contracts/errors.js';

/** Variables that hold a secret or pick the config file: never options. */
const RESERVED_ENV = new Set(['MAILSHIFT_PASSWORD', 'MAILSHIFT_OAUTH_TOKEN', 'MAILSHIFT_CONFIG']);
/** Config-file keys that would be a secret in clear text. */
const SECRET_KEYS = new Set(['password', 'pass', 'oauth-token', 'token']);
/** A config file larger than this is not a config file. */
const MAX_CONFIG_BYTES = 1024 * 1024;

/** "dry-run" → "MAILSHIFT_DRY_RUN". Pure. */
export function envNameOf(option: string): string {
	return `MAILSHIFT_${option.toUpperCase().replaceAll('-', '_')}`;
}

type Table = Readonly<Record<string, Options>>;

/** True when argv already sets `option` (as --opt, --opt=…, --no-opt, or one of its aliases). Pure. */
function isOnCommandLine(argv: readonly string[], option: string, spec: Options): boolean {
	const aliases = spec.alias === undefined ? [] : Array.isArray(spec.alias) ? spec.alias : [spec.alias];
	const names = [option, ...aliases];
	return argv.some((arg) => {
		if (arg === '--') return false;
		const name = arg.replace(/^--?/, '').split('=')[0] ?? '';
		return arg.startsWith('-') && (names.includes(name) || name === `no-${option}`);
	});
}

/** Arguments for one option value from the environment or a config file; throws USAGE on a wrong type. */
function argsFor(option: string, spec: Options, value: unknown, where: string): string[] {
	if (spec.type === 'boolean') {
		const text = String(value).toLowerCase();
		if (value === true || ['true', '1', 'yes', 'on'].includes(text)) return [`--${option}`];
		if (value === false || ['false', '0', 'no', 'off', ''].includes(text)) return [`--no-${option}`];
		throw new MailshiftError('USAGE', `${where}: "${String(value)}" is not true or false.`, 'fatal', {hint: 'Write true or false (1/0, yes/no also work).'});
	}
	const values = Array.isArray(value) ? value : [value];
	if (values.length > 1 && !spec.array) throw new MailshiftError('USAGE', `${where} takes one value, not a list.`, 'fatal');
	return values.flatMap((v) => {
		if (typeof v !== 'string' && typeof v !== 'number') throw new MailshiftError('USAGE', `${where} must be a string or a number.`, 'fatal');
		return [`--${option}`, String(v)];
	});
}

/**
 * The config file's settings: a JSON object of option names (as on the command line, without --) to values.
 * Throws USAGE for an unreadable or malformed file, a secret key, or a key no command knows (`known`).
 */
export function readConfigFile(path: string, known: ReadonlySet<string>): Readonly<Record<string, unknown>> {
	let text: string;
	try {
		text = readFileSync(path, 'utf8');
	} catch (error) {
		throw new MailshiftError('USAGE', `The config file ${path} cannot be read.`, 'fatal', {cause: error, hint: 'Check the path given to --config (or MAILSHIFT_CONFIG).'});
	}
	if (text.length > MAX_CONFIG_BYTES) throw new MailshiftError('USAGE', `The config file ${path} is larger than 1 MiB.`, 'fatal');
	let data: unknown;
	try {
		data = JSON.parse(text);
	} catch (error) {
		throw new MailshiftError('USAGE', `The config file ${path} is not valid JSON (${(error as Error).message}).`, 'fatal', {hint: 'It is a JSON object of options, e.g. {"to": "imaps://me@imap.example.com", "connections": 8}.'});
	}
	if (!data || typeof data !== 'object' || Array.isArray(data)) throw new MailshiftError('USAGE', `The config file ${path} must hold a JSON object of options.`, 'fatal', {hint: 'e.g. {"to": "imaps://me@imap.example.com", "connections": 8}'});
	for (const key of Object.keys(data)) {
		if (SECRET_KEYS.has(key.toLowerCase())) {
			throw new MailshiftError('USAGE', `The config file ${path} holds a "${key}": secrets are never read from the config file.`, 'fatal', {hint: 'Remove it; use "password-file": "/path/to/file" (chmod 600) or MAILSHIFT_PASSWORD, or an OAuth token command.'});
		}
		if (!known.has(key)) throw new MailshiftError('USAGE', `The config file ${path} has an unknown option "${key}".`, 'fatal', {hint: 'Keys are option names as on the command line, without the dashes (see mailshift <command> --help).'});
	}
	return data as Record<string, unknown>;
}

/**
 * Extra arguments for the options of `table` that argv does not set: from `MAILSHIFT_<OPTION>` in env, else
 * from `config`. Appended after argv by the caller. Pure. Throws USAGE naming the variable or key on a bad value.
 */
export function argsFromSources(argv: readonly string[], table: Table, env: NodeJS.ProcessEnv, config: Readonly<Record<string, unknown>> = {}): string[] {
	const extra: string[] = [];
	for (const [option, spec] of Object.entries(table)) {
		if (isOnCommandLine(argv, option, spec)) continue;
		const name = envNameOf(option);
		// An empty variable counts as unset (as in most shells' ${VAR:-default}).
		const fromEnv = RESERVED_ENV.has(name) ? undefined : env[name] || undefined;
		if (fromEnv !== undefined) extra.push(...argsFor(option, spec, fromEnv, `The environment variable ${name}`));
		else if (Object.hasOwn(config, option)) extra.push(...argsFor(option, spec, config[option], `The config file's "${option}"`));
	}
	return extra;
}
