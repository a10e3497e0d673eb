/**
 * Where a batch row's password comes from: `env:VAR` (an environment variable) or `file:PATH` (a file, first
 * line ending stripped; relative to the plan file), or `oauth-command:CMD` (OAuth2: a command that prints an
 * access token, run again when the token expires; see config/oauth-token.ts). A literal password in the plan is
 * refused (plans get copied, mailed and checked in).
 * The password is handed to the row's IMAP login only; no message built here ever contains it.
 */
import {readFile} from 'node:fs/promises';
import {isAbsolute, resolve} from 'node:path';

export type CredentialSpec =
	| Readonly<{kind: 'env'; variable: string}>
	| Readonly<{kind: 'file'; path: string}>
	| Readonly<{kind: 'oauth-command'; command: string}>;

/** A spec, or what is wrong with the column value and what to write instead (never quoting a literal). */
export type ParsedCredential = Readonly<{ok: true; spec: CredentialSpec}> | Readonly<{ok: false; problem: string}>;

/** Parses the `password` column. Pure. `baseDir` resolves relative `file:` paths (the plan file's directory). */
export function parseCredential(value: string, baseDir: string): ParsedCredential {
	const text = value.trim();
	if (text === '') return {ok: false, problem: 'is empty; write env:VARIABLE or file:/path/to/password-file'};
	const colon = text.indexOf(':');
	const scheme = colon > 0 ? text.slice(0, colon).toLowerCase() : '';
	const rest = colon > 0 ? text.slice(colon + 1).trim() : '';
	if (scheme === 'env') {
		if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(rest)) return {ok: false, problem: 'env: needs a variable name (letters, digits, _), e.g. env:ALICE_PASSWORD'};
		return {ok: true, spec: {kind: 'env', variable: rest}};
	}
	if (scheme === 'file') {
		if (!rest) return {ok: false, problem: 'file: needs a path, e.g. file:/etc/mailshift/alice.pass'};
		return {ok: true, spec: {kind: 'file', path: isAbsolute(rest) ? rest : resolve(baseDir, rest)}};
	}
	if (scheme === 'oauth-command' || scheme === 'oauth-token-command') {
		if (!rest) return {ok: false, problem: 'oauth-command: needs a command that prints an access token, e.g. oauth-command:/usr/local/bin/token-for alice'};
		return {ok: true, spec: {kind: 'oauth-command', command: rest}};
	}
	// Deliberately not echoing the value: it is most likely a password typed into the plan.
	return {ok: false, problem: 'is not env:VAR or file:PATH — passwords are never accepted in the plan itself; put it in an environment variable or a file (chmod 600) and reference that'};
}

/** The password, or what is wrong (never containing the password). Reads the file for `file:`. */
export async function resolveCredential(spec: CredentialSpec, env: NodeJS.ProcessEnv): Promise<Readonly<{ok: true; password: string}> | Readonly<{ok: false; problem: string}>> {
	// OAuth2: the token is fetched at login (and again on expiry), not here; there is no password.
	if (spec.kind === 'oauth-command') return {ok: true, password: ''};
	if (spec.kind === 'env') {
		const password = env[spec.variable];
		if (password === undefined) return {ok: false, problem: `the environment variable ${spec.variable} is not set; export it before running the batch`};
		if (password === '') return {ok: false, problem: `the environment variable ${spec.variable} is empty`};
		return {ok: true, password};
	}
	let text: string;
	try {
		text = await readFile(spec.path, 'utf8');
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code;
		return {ok: false, problem: `the password file ${spec.path} cannot be read (${code ?? 'error'}); check the path and its permissions`};
	}
	const password = text.replace(/\r?\n$/, '');
	if (!password) return {ok: false, problem: `the password file ${spec.path} is empty`};
	return {ok: true, password};
}
