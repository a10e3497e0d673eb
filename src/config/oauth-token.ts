/**
 * OAuth2 access tokens for XOAUTH2/OAUTHBEARER logins (Gmail, Microsoft 365, where basic auth is off).
 * Sources, in order: `--oauth-token-command CMD` (prints a fresh token; run again whenever the server says the
 * token expired, so multi-day runs keep going), `--oauth-token-file FILE` (read again on expiry, for tools that
 * rewrite it), the `MAILSHIFT_OAUTH_TOKEN` environment variable (cannot be refreshed).
 * A token is a secret: it is never printed, logged, journaled or put in a report, and never accepted in argv.
 */
import {readFile} from 'node:fs/promises';
import {MailshiftError} from '../contracts/errors.js';
import type {TokenSource} from '../contracts/token-source.js';


export type TokenOptions = Readonly<{command?: string; file?: string; env: NodeJS.ProcessEnv}>;

/** The token source the options ask for, or undefined when none is configured (then a password is used). */
export function tokenSourceFrom(options: TokenOptions): TokenSource | undefined {
	if (options.command) return new CachedToken(() => runCommand(options.command ?? ''), true, `the command given to --oauth-token-command`);
	if (options.file) {
		const file = options.file;
		return new CachedToken(async () => {
			try {
				return (await readFile(file, 'utf8')).trim();
			} catch (error) {
				throw new MailshiftError('USAGE', `The OAuth token file ${file} cannot be read.`, 'fatal', {cause: error, hint: 'Check the path and its permissions.'});
			}
		}, true, `the file ${file}`);
	}
	const fromEnv = options.env['MAILSHIFT_OAUTH_TOKEN'];
	if (fromEnv) return new CachedToken(async () => fromEnv, false, 'MAILSHIFT_OAUTH_TOKEN');
	return undefined;
}

class CachedToken implements TokenSource {
	readonly #fetch: () => Promise<string>;
	readonly #canRefresh: boolean;
	#token: Promise<string> | undefined;
	readonly description: string;

	constructor(fetch: () => Promise<string>, canRefresh: boolean, description: string) {
		this.#fetch = async () => {
			const token = await fetch();
			if (!token) throw new MailshiftError('AUTH_FAILED', `No OAuth token came from ${description}.`, 'fatal', {hint: 'Check that it prints (or holds) an access token.'});
			return token;
		};
		this.#canRefresh = canRefresh;
		this.description = description;
	}

	current(): Promise<string> {
		this.#token ??= this.#fetch();
		return this.#token;
	}

	async refresh(): Promise<boolean> {
		if (!this.#canRefresh) return false;
		this.#token = this.#fetch();
		await this.#token;
		return true;
	}
}

/**
 * Runs the token command through the shell (it may be a pipeline); bounded to 60 s and 64 KiB of output.
 * node:child_process is imported here, when a token command is used: loading it (and the modules it loads) is a
 * few ms of every run's start (issue #14).
 */
async function runCommand(command: string): Promise<string> {
	const {execFile} = await import('node:child_process');
	return new Promise((resolve, reject) => {
		execFile('/bin/sh', ['-c', command], {timeout: 60_000, maxBuffer: 64 * 1024}, (error, stdout) => {
			if (error) {
				reject(new MailshiftError('AUTH_FAILED', `The OAuth token command failed (${error.code ?? error.message}).`, 'fatal', {
					hint: 'Run it by hand: it must print an access token and exit 0.',
				}));
				return;
			}
			resolve(stdout.trim());
		});
	});
}
