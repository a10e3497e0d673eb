/**
 * Where a batch row's password comes from: `env:VAR` (an environment variable) or `file:PATH` (a file, first
 * line ending stripped; relative to the plan file), or `oauth-command:CMD` (OAuth2: a command that prints an
 * access token, run again when the token expires; see config/oauth-token.ts). A literal password in the plan is
 * refused (plans get copied, mailed and checked in).
 * Because plans travel, a plan is not trusted to run programs or to read arbitrary files: `oauth-command:` needs
 * the admin's `--allow-plan-commands` (checked in batch-plan.ts), and a `file:` secret must be a regular file
 * owned by this user and readable by nobody else (chmod 600) — a plan naming /etc/shadow or someone else's
 * file is refused before anything is read.
 * The password is handed to the row's IMAP login only; no message built here ever contains it.
 */
import {constants} from 'node:fs';
import {open} from 'node:fs/promises';
import {homedir} from 'node:os';
import {isAbsolute, relative, resolve} from 'node:path';

/** A password file larger than this is not a password file (and is not read into memory). */
const MAX_SECRET_FILE_BYTES = 64 * 1024;

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
	const read = await readOwnerOnlyFile(spec.path);
	if (!read.ok) return read;
	const password = read.text.replace(/\r?\n$/, '');
	if (!password) return {ok: false, problem: `the password file ${spec.path} is empty`};
	return {ok: true, password};
}

/** Whether `path` is inside this user's home directory (never true for a home of "/"). */
function isInsideHome(path: string): boolean {
	const home = homedir();
	if (!home || resolve(home) === '/') return false;
	const rel = relative(resolve(home), resolve(path));
	return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

/**
 * Reads a secret file named by a plan, only if it is a regular file (not a symlink, FIFO, device or
 * directory), owned by this process's user, with no group/other permission bits, and at most 64 KiB.
 * Opened with O_NOFOLLOW and checked with fstat on the open descriptor, so the checks and the read concern
 * the same file (no swap between check and use). O_NONBLOCK keeps a FIFO from blocking the open.
 * On systems without POSIX owners (Windows: no process.getuid) only the file-type checks apply.
 * Never throws; the problem names the file and what to do, never its content.
 */
export async function readOwnerOnlyFile(path: string): Promise<Readonly<{ok: true; text: string}> | Readonly<{ok: false; problem: string}>> {
	let handle;
	try {
		handle = await open(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0));
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code;
		if (code === 'ELOOP' || code === 'EMLINK') return {ok: false, problem: `the password file ${path} is a symbolic link; name the real file (a regular file owned by you, chmod 600)`};
		return {ok: false, problem: `the password file ${path} cannot be read (${code ?? 'error'}); check the path and its permissions`};
	}
	try {
		const info = await handle.stat();
		if (!info.isFile()) return {ok: false, problem: `the password file ${path} is not a regular file; put the password in a regular file owned by you (chmod 600)`};
		const uid = process.getuid?.();
		if (uid !== undefined) {
			if (info.uid !== uid) return {ok: false, problem: `the password file ${path} belongs to another user (uid ${info.uid}); a plan may only name your own files — put the password in a file of your own (chmod 600) and name that file`};
			if ((info.mode & 0o077) !== 0) {
				const mode = (info.mode & 0o777).toString(8).padStart(4, '0');
				// root owns every system file: "chmod 600 /etc/passwd" would break the system. The chmod advice is
				// given only where the file is surely the user's own: not root, or inside root's home directory.
				return {ok: false, problem: uid !== 0 || isInsideHome(path)
					? `the password file ${path} can be read by others (mode ${mode}); run chmod 600 ${path}`
					: `the password file ${path} can be read by others (mode ${mode}); it may be a system file, so do not change its mode — put the password in a file of your own (chmod 600) and name that file`};
			}
		}
		if (info.size > MAX_SECRET_FILE_BYTES) return {ok: false, problem: `the password file ${path} is ${info.size} bytes, too large for a password file; name a file holding only the password`};
		return {ok: true, text: await handle.readFile('utf8')};
	} catch (error) {
		return {ok: false, problem: `the password file ${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}); check the path and its permissions`};
	} finally {
		await handle.close().catch(() => undefined);
	}
}
