/**
 * Where the IMAP password comes from, in order: `--password-file FILE`, the `MAILSHIFT_PASSWORD`
 * environment variable, an interactive hidden prompt on a TTY. Never from argv (shell history, `ps`).
 * The password is passed to the IMAP login and nowhere else: not to events, logs, journals or reports.
 */
import {readFile} from 'node:fs/promises';
import {MailshiftError} from '../contracts/errors.js';
import {tokenSourceFrom} from './oauth-token.js';
import type {TokenSource} from '../contracts/token-source.js';

export type PasswordSources = Readonly<{
	passwordFile?: string | undefined;
	env: NodeJS.ProcessEnv;
	stdin: NodeJS.ReadStream;
	stderr: NodeJS.WriteStream;
	/** Shown in the prompt, e.g. "alice@imap.example.com". */
	account: string;
	/** The environment variable read after the file; the POP3 source uses MAILSHIFT_SOURCE_PASSWORD. @default 'MAILSHIFT_PASSWORD' */
	envVariable?: string;
	/** The option named in the hint. @default '--password-file' */
	fileOption?: string;
}>;

export async function resolvePassword(sources: PasswordSources): Promise<string> {
	if (sources.passwordFile) {
		let text: string;
		try {
			text = await readFile(sources.passwordFile, 'utf8');
		} catch (error) {
			throw new MailshiftError('USAGE', `The password file ${sources.passwordFile} cannot be read.`, 'fatal', {
				cause: error, hint: 'Check the path and its permissions (chmod 600 is a good idea).',
			});
		}
		const password = text.replace(/\r?\n$/, '');
		if (!password) throw new MailshiftError('USAGE', `The password file ${sources.passwordFile} is empty.`, 'fatal');
		return password;
	}
	const envVariable = sources.envVariable ?? 'MAILSHIFT_PASSWORD';
	const fromEnv = sources.env[envVariable];
	if (fromEnv) return fromEnv;
	if (sources.stdin.isTTY && sources.stderr.isTTY) return promptHidden(`Password for ${sources.account}: `, sources.stdin, sources.stderr);
	throw new MailshiftError('USAGE', `No password was given for ${sources.account}.`, 'fatal', {
		hint: `Set ${envVariable} in the environment, use ${sources.fileOption ?? '--password-file'} FILE, or run in a terminal to be asked.`,
	});
}

/**
 * The password of a POP3 source account (readers/pop3): `--source-password-file`, then
 * MAILSHIFT_SOURCE_PASSWORD, then a hidden prompt. Returned as a function so that it is asked only when the
 * source really is a POP3 account (openSource calls it).
 */
export function sourcePasswordResolver(sources: Omit<PasswordSources, 'envVariable' | 'fileOption'>): () => Promise<string> {
	return () => resolvePassword({...sources, envVariable: 'MAILSHIFT_SOURCE_PASSWORD', fileOption: '--source-password-file'});
}

/** Reads a line without echo (raw mode). Ctrl-C cancels with a USAGE error. */
export function promptHidden(question: string, stdin: NodeJS.ReadStream, stderr: NodeJS.WriteStream): Promise<string> {
	return new Promise((resolve, reject) => {
		stderr.write(question);
		let value = '';
		const wasRaw = stdin.isRaw;
		stdin.setRawMode(true);
		stdin.resume();
		const finish = (error?: MailshiftError): void => {
			stdin.off('data', onData);
			stdin.off('end', onEnd);
			stdin.setRawMode(wasRaw);
			stdin.pause();
			stderr.write('\n');
			if (error) reject(error);
			else resolve(value);
		};
		const onData = (chunk: Buffer): void => {
			for (const ch of chunk.toString('utf8')) {
				if (ch === '\r' || ch === '\n') return finish();
				if (ch === '\u0003' || ch === '\u0004') return finish(new MailshiftError('USAGE', 'Cancelled at the password prompt.', 'fatal'));
				if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
				else if (ch >= ' ') value += ch;
			}
		};
		const onEnd = (): void => finish(new MailshiftError('USAGE', 'The terminal closed at the password prompt.', 'fatal'));
		stdin.on('data', onData);
		stdin.once('end', onEnd);
	});
}

/**
 * How to log in: an OAuth2 token source when one is configured (config/oauth-token.ts), else a password from
 * the sources above. The one place `migrate`, `verify` and `backup imap://` decide this.
 */
export async function resolveLogin(sources: PasswordSources & Readonly<{oauthTokenCommand?: string | undefined; oauthTokenFile?: string | undefined}>): Promise<Readonly<{password: string; tokenSource?: TokenSource}>> {
	const tokenSource = tokenSourceFrom({env: sources.env, ...(sources.oauthTokenCommand ? {command: sources.oauthTokenCommand} : {}), ...(sources.oauthTokenFile ? {file: sources.oauthTokenFile} : {})});
	if (tokenSource) return {password: '', tokenSource};
	return {password: await resolvePassword(sources)};
}
