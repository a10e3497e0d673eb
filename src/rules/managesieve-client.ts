/**
 * A small ManageSieve client (RFC 5804): greeting capabilities, STARTTLS, AUTHENTICATE (PLAIN, OAUTHBEARER
 * RFC 7628, XOAUTH2), CAPABILITY, HAVESPACE, CHECKSCRIPT, PUTSCRIPT, LISTSCRIPTS, SETACTIVE, GETSCRIPT,
 * DELETESCRIPT, LOGOUT.
 *
 * Contract: one command at a time (callers await each call; not concurrency-safe). Every method throws a
 * MailshiftError: socket failures through `classifyImapError` (errno/TLS codes, the same classes as IMAP),
 * `NO` to AUTHENTICATE → AUTH_FAILED, `NO` to CHECKSCRIPT/PUTSCRIPT/HAVESPACE → SIEVE_REJECTED with the
 * server's words, `BYE` or an unparseable reply → CONNECTION_LOST. Nothing is logged; credentials are only
 * ever written to the socket (base64 inside AUTHENTICATE), never into errors.
 * Bounded: a reply larger than MAX_RESPONSE_BYTES, or silence longer than `timeoutMs`, ends the connection.
 *
 * Wire format (RFC 5804 §1.2, §4): replies are lines of atoms, quoted strings (`\"` and `\\` escapes) and
 * literals `{N}` CRLF + N octets, ending with `OK`/`NO`/`BYE` [(code)] [text]. Client strings are sent
 * quoted when short and safe, else as non-synchronizing literals `{N+}`, which RFC 5804 always allows.
 */
import {Buffer} from 'node:buffer';
import {connect as netConnect} from 'node:net';
import type {Socket} from 'node:net';
import {connect as tlsConnect} from 'node:tls';
import type {TLSSocket} from 'node:tls';

import {MailshiftError} from '../contracts/errors.js';
import {classifyImapError} from '../uploader/classify-imap-error.js';

/** Scripts are small (Dovecot's sieve_max_script_size defaults to 1M); any reply beyond this is refused. */
export const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

export type ManageSieveCredentials =
	| Readonly<{user: string; password: string}>
	| Readonly<{user: string; accessToken: string; mechanism?: 'OAUTHBEARER' | 'XOAUTH2'}>;

export type ManageSieveOptions = Readonly<{
	host: string;
	/** @default 4190 (RFC 5804 §1.8) */
	port?: number;
	/**
	 * 'starttls' upgrades after the greeting (the RFC 5804 way) and refuses a server without STARTTLS;
	 * 'opportunistic' upgrades when offered (loopback or --insecure only, as for imap://); 'none' never.
	 * @default 'starttls'
	 */
	security?: 'starttls' | 'opportunistic' | 'implicit' | 'none';
	/** Accept a certificate that does not verify (self-signed). @default false */
	insecure?: boolean;
	/** Extra CA certificates (PEM). */
	ca?: string | Buffer;
	/** Per-reply inactivity limit. @default 60000 */
	timeoutMs?: number;
	signal?: AbortSignal;
}>;

type Token = {kind: 'atom'; value: string} | {kind: 'string'; value: string} | {kind: 'code'; tokens: Token[]};
export type SieveResponse = Readonly<{status: 'OK' | 'NO' | 'BYE' | 'CONTINUE'; code: string | undefined; text: string; lines: readonly (readonly Token[])[]}>;

export type Capabilities = Readonly<{
	implementation: string | undefined;
	/** Sieve extensions, lower-case. */
	sieve: ReadonlySet<string>;
	/** SASL mechanisms, upper-case. */
	sasl: ReadonlySet<string>;
	starttls: boolean;
	raw: ReadonlyMap<string, string>;
}>;

export type ScriptEntry = Readonly<{name: string; active: boolean}>;

class Incomplete extends Error {}
class Garbled extends Error {}

/**
 * Parses one complete reply from `buf`, or returns undefined when more bytes are needed. During SASL
 * (`isAuthenticating`), a line holding one string is a server challenge (status CONTINUE, RFC 5804 §2.1).
 */
export function parseResponse(buf: Buffer, isAuthenticating = false): {response: SieveResponse; consumed: number} | undefined {
	let i = 0;
	const lines: Token[][] = [];
	const readToken = (): Token | 'eol' => {
		while (buf[i] === 0x20) i++;
		if (i >= buf.length) throw new Incomplete();
		const c = buf[i];
		if (c === 0x0d) {
			if (i + 1 >= buf.length) throw new Incomplete();
			if (buf[i + 1] !== 0x0a) throw new Garbled('CR without LF');
			i += 2;
			return 'eol';
		}
		if (c === 0x0a) { i++; return 'eol'; }
		if (c === 0x22) {
			const bytes: number[] = [];
			i++;
			for (;;) {
				if (i >= buf.length) throw new Incomplete();
				const b = buf[i] ?? 0;
				if (b === 0x5c) {
					if (i + 1 >= buf.length) throw new Incomplete();
					bytes.push(buf[i + 1] ?? 0);
					i += 2;
					continue;
				}
				if (b === 0x22) { i++; break; }
				if (b === 0x0d || b === 0x0a) throw new Garbled('line break inside a quoted string');
				bytes.push(b);
				i++;
			}
			return {kind: 'string', value: Buffer.from(bytes).toString('utf8')};
		}
		if (c === 0x7b) {
			const close = buf.indexOf(0x7d, i);
			if (close < 0) { if (buf.length - i > 20) throw new Garbled('unterminated literal length'); throw new Incomplete(); }
			const m = /^\{(\d{1,10})\+?\}$/.exec(buf.subarray(i, close + 1).toString('latin1'));
			if (!m?.[1]) throw new Garbled('bad literal length');
			const n = Number(m[1]);
			if (n > MAX_RESPONSE_BYTES) throw new Garbled('literal too large');
			let start = close + 1;
			if (buf[start] === 0x0d) start++;
			if (start >= buf.length) throw new Incomplete();
			if (buf[start] !== 0x0a) throw new Garbled('literal length not followed by CRLF');
			start++;
			if (start + n > buf.length) throw new Incomplete();
			i = start + n;
			return {kind: 'string', value: buf.subarray(start, start + n).toString('utf8')};
		}
		if (c === 0x28) {
			i++;
			const tokens: Token[] = [];
			for (;;) {
				while (buf[i] === 0x20) i++;
				if (i >= buf.length) throw new Incomplete();
				if (buf[i] === 0x29) { i++; break; }
				const t = readToken();
				if (t === 'eol') throw new Garbled('line break inside a response code');
				tokens.push(t);
			}
			return {kind: 'code', tokens};
		}
		const start = i;
		while (i < buf.length && ![0x20, 0x0d, 0x0a, 0x28, 0x29, 0x22].includes(buf[i] ?? 0)) i++;
		if (i >= buf.length) throw new Incomplete();
		if (i === start) throw new Garbled(`unexpected character 0x${(c ?? 0).toString(16)}`);
		return {kind: 'atom', value: buf.subarray(start, i).toString('latin1')};
	};
	try {
		for (;;) {
			const line: Token[] = [];
			for (;;) {
				const t = readToken();
				if (t === 'eol') break;
				line.push(t);
			}
			const first = line[0];
			if (isAuthenticating && line.length === 1 && first?.kind === 'string') {
				return {response: {status: 'CONTINUE', code: undefined, text: first.value, lines}, consumed: i};
			}
			// Data lines start with a string (capabilities, LISTSCRIPTS, GETSCRIPT): a leading atom other
			// than a status means this is not ManageSieve (e.g. an IMAP "* OK" greeting on the wrong port).
			if (first?.kind === 'atom' && !/^(OK|NO|BYE)$/i.test(first.value)) throw new Garbled(`unexpected "${first.value.slice(0, 20)}" at the start of a line`);
			if (first?.kind === 'atom') {
				const status = first.value.toUpperCase() as SieveResponse['status'];
				let code: string | undefined;
				let text = '';
				for (const t of line.slice(1)) {
					if (t.kind === 'code') code = t.tokens.map((x) => (x.kind === 'code' ? '' : x.value)).join(' ');
					else text = t.value;
				}
				return {response: {status, code, text, lines}, consumed: i};
			}
			lines.push(line);
		}
	} catch (error) {
		if (error instanceof Incomplete) {
			if (buf.length > MAX_RESPONSE_BYTES) throw new Garbled('reply too large');
			return undefined;
		}
		throw error;
	}
}

/** A client string: quoted when short and plain, else a non-synchronizing literal (RFC 5804 §4). */
export function sieveArgument(value: string): string {
	if (value.length <= 1024 && !/[\r\n\0"\\]/.test(value)) return `"${value}"`;
	return `{${Buffer.byteLength(value, 'utf8')}+}\r\n${value}`;
}

function capabilitiesOf(response: SieveResponse): Capabilities {
	const raw = new Map<string, string>();
	for (const line of response.lines) {
		const [key, value] = line;
		if (key && key.kind !== 'code') raw.set(key.value.toUpperCase(), value && value.kind !== 'code' ? value.value : '');
	}
	const words = (v: string | undefined): string[] => (v ?? '').split(/\s+/).filter(Boolean);
	return {
		implementation: raw.get('IMPLEMENTATION'),
		sieve: new Set(words(raw.get('SIEVE')).map((w) => w.toLowerCase())),
		sasl: new Set(words(raw.get('SASL')).map((w) => w.toUpperCase())),
		starttls: raw.has('STARTTLS'),
		raw,
	};
}

/** An open ManageSieve connection. Create with `ManageSieveClient.connect`. */
export class ManageSieveClient {
	#socket: Socket | TLSSocket;
	#buffer: Buffer = Buffer.alloc(0);
	#waiter: ((error?: Error) => void) | undefined;
	#closedError: Error | undefined;
	#capabilities: Capabilities;
	readonly #target: string;
	readonly #timeoutMs: number;
	#isAuthenticated = false;

	private constructor(socket: Socket, target: string, timeoutMs: number) {
		this.#socket = socket;
		this.#target = target;
		this.#timeoutMs = timeoutMs;
		this.#capabilities = capabilitiesOf({status: 'OK', code: undefined, text: '', lines: []});
		this.#attach(socket);
	}

	get capabilities(): Capabilities { return this.#capabilities; }
	get isAuthenticated(): boolean { return this.#isAuthenticated; }
	get target(): string { return this.#target; }

	#attach(socket: Socket): void {
		socket.on('data', (chunk: Buffer) => {
			this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
			this.#wake();
		});
		socket.on('error', (error) => { this.#closedError ??= error; this.#wake(); });
		socket.on('close', () => {
			this.#closedError ??= Object.assign(new Error('connection closed by the server'), {code: 'ECONNRESET'});
			this.#wake();
		});
	}

	#wake(error?: Error): void {
		const w = this.#waiter;
		this.#waiter = undefined;
		w?.(error);
	}

	/**
	 * Connects, reads the greeting, and upgrades with STARTTLS unless `security` says otherwise.
	 * @throws MailshiftError (HOST_NOT_FOUND, CONNECTION_REFUSED, TLS_FAILED, MANAGESIEVE_UNAVAILABLE, …)
	 */
	static async connect(options: ManageSieveOptions): Promise<ManageSieveClient> {
		const port = options.port ?? 4190;
		const target = `${options.host}:${port} (ManageSieve)`;
		const security = options.security ?? 'starttls';
		const tlsOptions = {servername: /^[\d.:]+$/.test(options.host) ? undefined : options.host, rejectUnauthorized: !options.insecure, ...(options.ca ? {ca: options.ca} : {})};
		const socket = await new Promise<Socket>((resolve, reject) => {
			const s: Socket = security === 'implicit'
				? tlsConnect({host: options.host, port, ...tlsOptions}, () => resolve(s))
				: netConnect({host: options.host, port}, () => resolve(s));
			s.once('error', (error) => reject(classifyImapError(error, 'connect', target)));
			s.setTimeout(options.timeoutMs ?? 60_000, () => s.destroy(Object.assign(new Error('no answer'), {code: 'ETIMEDOUT'})));
		});
		const client = new ManageSieveClient(socket, target, options.timeoutMs ?? 60_000);
		const abort = (): void => { socket.destroy(new MailshiftError('ABORTED', 'Stopped.', 'fatal')); };
		options.signal?.addEventListener('abort', abort, {once: true});
		try {
			const greeting = await client.#read().catch((error: unknown) => {
				throw new MailshiftError('MANAGESIEVE_UNAVAILABLE', `${target} did not greet as a ManageSieve server.`, 'fatal', {cause: error, hint: 'The server may not offer ManageSieve (port 4190); write the script with --out FILE.sieve and install it the way your provider says.'});
			});
			if (greeting.status !== 'OK') throw new MailshiftError('MANAGESIEVE_UNAVAILABLE', `${target} refused the connection: ${greeting.text}`, 'fatal', {hint: 'Try later, or write the script with --out FILE.sieve.'});
			client.#capabilities = capabilitiesOf(greeting);
			if (security === 'starttls' || (security === 'opportunistic' && client.#capabilities.starttls)) {
				if (!client.#capabilities.starttls) {
					throw new MailshiftError('TLS_FAILED', `${target} does not offer STARTTLS; mailshift will not send a password unencrypted.`, 'fatal', {hint: 'Ask the provider for a TLS port, or (only on a trusted network) use a sieve URL without TLS.'});
				}
				await client.#upgrade(tlsOptions, options.host);
			}
			return client;
		} catch (error) {
			socket.destroy();
			throw error instanceof MailshiftError ? error : classifyImapError(error, 'connect', target);
		} finally {
			options.signal?.removeEventListener('abort', abort);
		}
	}

	async #upgrade(tlsOptions: {servername: string | undefined; rejectUnauthorized: boolean; ca?: string | Buffer}, host: string): Promise<void> {
		const answer = await this.#command('STARTTLS');
		if (answer.status !== 'OK') throw new MailshiftError('TLS_FAILED', `${this.#target} refused STARTTLS: ${answer.text}`, 'fatal');
		const plain = this.#socket;
		plain.removeAllListeners('data');
		plain.removeAllListeners('error');
		plain.removeAllListeners('close');
		const secure = await new Promise<TLSSocket>((resolve, reject) => {
			const s = tlsConnect({socket: plain, ...tlsOptions, ...(tlsOptions.servername ? {} : {host})}, () => resolve(s));
			s.once('error', (error) => reject(classifyImapError(error, 'connect', this.#target)));
		});
		this.#socket = secure;
		this.#buffer = Buffer.alloc(0);
		this.#closedError = undefined;
		this.#attach(secure);
		// RFC 5804 §2.2: after TLS the server sends its capabilities again (they may differ, e.g. SASL PLAIN).
		this.#capabilities = capabilitiesOf(await this.#read());
	}

	async #read(isAuthenticating = false): Promise<SieveResponse> {
		for (;;) {
			let parsed;
			try {
				parsed = parseResponse(this.#buffer, isAuthenticating);
			} catch (error) {
				this.#socket.destroy();
				throw new MailshiftError('CONNECTION_LOST', `${this.#target} sent a reply that is not ManageSieve (${(error as Error).message}).`, 'fatal', {hint: 'Check that the port is the ManageSieve port (usually 4190).'});
			}
			if (parsed) {
				this.#buffer = this.#buffer.subarray(parsed.consumed);
				if (parsed.response.status === 'BYE') {
					this.#socket.destroy();
					throw new MailshiftError('CONNECTION_LOST', `${this.#target} closed the connection: ${parsed.response.text || 'BYE'}`, 'retry', {hint: 'Run the same command again.'});
				}
				return parsed.response;
			}
			if (this.#closedError) {
				const e = this.#closedError;
				if (e instanceof MailshiftError) throw e;
				throw classifyImapError(e, 'other', this.#target);
			}
			await new Promise<void>((resolve) => {
				const timer = setTimeout(() => {
					this.#closedError ??= Object.assign(new Error(`no answer within ${this.#timeoutMs} ms`), {code: 'ETIMEDOUT'});
					this.#socket.destroy();
					resolve();
				}, this.#timeoutMs);
				this.#waiter = () => { clearTimeout(timer); resolve(); };
			});
		}
	}

	async #command(line: string, isAuthenticating = false): Promise<SieveResponse> {
		if (this.#closedError) throw classifyImapError(this.#closedError, 'other', this.#target);
		this.#socket.write(`${line}\r\n`);
		return this.#read(isAuthenticating);
	}

	#rejected(what: string, response: SieveResponse): MailshiftError {
		const detail = response.text || response.code || 'NO';
		if (response.code?.toUpperCase().startsWith('QUOTA')) {
			return new MailshiftError('SIEVE_REJECTED', `${this.#target} has no room for the script (${what}): ${detail}`, 'fatal', {hint: 'Delete old scripts on the server, or install the script some other way (--out).'});
		}
		return new MailshiftError('SIEVE_REJECTED', `${this.#target} refused ${what}: ${detail}`, 'fatal', {hint: 'Write the script with --out and look at the line the server names; please report it if mailshift wrote it wrong.'});
	}

	/**
	 * SASL authentication with an initial response (RFC 5804 §2.1, RFC 4616 PLAIN, RFC 7628 OAUTHBEARER).
	 * @throws MailshiftError AUTH_FAILED on NO; USAGE when the server offers no usable mechanism.
	 */
	async authenticate(credentials: ManageSieveCredentials): Promise<void> {
		let mechanism: string;
		let initial: string;
		if ('password' in credentials) {
			mechanism = 'PLAIN';
			initial = Buffer.from(`\0${credentials.user}\0${credentials.password}`, 'utf8').toString('base64');
		} else {
			mechanism = credentials.mechanism ?? (this.#capabilities.sasl.has('OAUTHBEARER') ? 'OAUTHBEARER' : 'XOAUTH2');
			initial = Buffer.from(mechanism === 'OAUTHBEARER'
				? `n,a=${credentials.user.replace(/=/g, '=3D').replace(/,/g, '=2C')},\x01auth=Bearer ${credentials.accessToken}\x01\x01`
				: `user=${credentials.user}\x01auth=Bearer ${credentials.accessToken}\x01\x01`, 'utf8').toString('base64');
		}
		if (!this.#capabilities.sasl.has(mechanism)) {
			throw new MailshiftError('AUTH_FAILED', `${this.#target} does not offer SASL ${mechanism} (it offers: ${[...this.#capabilities.sasl].join(', ') || 'nothing'}).`, 'fatal', {hint: 'Use the login method the server offers (password or OAuth).'});
		}
		let answer = await this.#command(`AUTHENTICATE "${mechanism}" "${initial}"`, true);
		if (answer.status === 'CONTINUE') {
			// We always send an initial response, so a challenge is an error report (RFC 7628 §3.2.3: answer
			// with a dummy 0x01 and the server says NO) or something we cannot answer (abort with "*").
			answer = await this.#command(mechanism === 'PLAIN' ? '"*"' : '"AQ=="', true);
			if (answer.status === 'CONTINUE') answer = await this.#command('"*"', true);
		}
		if (answer.status !== 'OK') {
			throw new MailshiftError('AUTH_FAILED', `Login to ${this.#target} failed: the server refused the user name or ${'password' in credentials ? 'password' : 'token'}.`, 'fatal', {
				hint: 'Check the user name in the URL and the password (MAILSHIFT_PASSWORD or --password-file). Some providers need an app password.',
			});
		}
		this.#isAuthenticated = true;
		// RFC 5804 §2.1: a server may send capabilities after a SASL security layer; ask again to be sure.
		this.#capabilities = capabilitiesOf(await this.#ok('CAPABILITY', 'CAPABILITY'));
	}

	async #ok(line: string, what: string): Promise<SieveResponse> {
		const answer = await this.#command(line);
		if (answer.status !== 'OK') throw this.#rejected(what, answer);
		return answer;
	}

	/** Lists the scripts and which one is active (at most one, RFC 5804 §2.7). */
	async listScripts(): Promise<ScriptEntry[]> {
		const answer = await this.#ok('LISTSCRIPTS', 'LISTSCRIPTS');
		return answer.lines.flatMap((line) => {
			const [name, flag] = line;
			if (!name || name.kind === 'code') return [];
			return [{name: name.value, active: flag?.kind === 'atom' && flag.value.toUpperCase() === 'ACTIVE'}];
		});
	}

	/** The script's text; undefined when it does not exist (NO (NONEXISTENT)). */
	async getScript(name: string): Promise<string | undefined> {
		const answer = await this.#command(`GETSCRIPT ${sieveArgument(name)}`);
		if (answer.status === 'NO' && answer.code?.toUpperCase() === 'NONEXISTENT') return undefined;
		if (answer.status !== 'OK') throw this.#rejected(`GETSCRIPT "${name}"`, answer);
		const token = answer.lines[0]?.[0];
		return token && token.kind !== 'code' ? token.value : '';
	}

	/** Asks whether the script would compile (RFC 5804 §2.12). @throws SIEVE_REJECTED with the server's error. */
	async checkScript(script: string): Promise<void> {
		await this.#ok(`CHECKSCRIPT ${sieveArgument(script)}`, 'the Sieve script');
	}

	/** RFC 5804 §2.5. @throws SIEVE_REJECTED (QUOTA/…) when there is no room. */
	async haveSpace(name: string, bytes: number): Promise<void> {
		await this.#ok(`HAVESPACE ${sieveArgument(name)} ${bytes}`, `space for "${name}"`);
	}

	/** Stores (creates or replaces) the script; does not activate it. */
	async putScript(name: string, script: string): Promise<void> {
		await this.#ok(`PUTSCRIPT ${sieveArgument(name)} ${sieveArgument(script)}`, `storing "${name}"`);
	}

	/** Activates `name`, or deactivates every script with ''. */
	async setActive(name: string): Promise<void> {
		await this.#ok(`SETACTIVE ${sieveArgument(name)}`, name ? `activating "${name}"` : 'deactivating the active script');
	}

	async deleteScript(name: string): Promise<void> {
		await this.#ok(`DELETESCRIPT ${sieveArgument(name)}`, `deleting "${name}"`);
	}

	/** Says goodbye and closes; idempotent, never throws. */
	async logout(): Promise<void> {
		if (!this.#closedError && !this.#socket.destroyed) {
			try {
				this.#socket.write('LOGOUT\r\n');
				await this.#read();
			} catch { /* closing anyway */ }
		}
		this.#socket.destroy();
	}
}
