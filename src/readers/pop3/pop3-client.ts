/**
 * Pop3Client: a minimal, read-only POP3 client (RFC 1939; CAPA RFC 2449; STLS RFC 2595).
 *
 * Contract: commands run one at a time (callers await each). The client only ever sends CAPA, STLS, USER,
 * PASS, UIDL, LIST, RETR, RSET and QUIT: never DELE or anything else that changes the maildrop, so "leave a copy
 * on the server" stays true. RSET before QUIT because a server may record what RETR fetched as read when the
 * session ends in the UPDATE state (Dovecot sets \Seen at QUIT; its RSET forgets those changes, as RFC 1939's
 * RSET forgets deletions), and the old account's read state must not change. The password is sent in PASS only, never logged or put in an error.
 * Bounds: a response line is at most 1 MiB (RFC 1939 asks for 512 octets on status lines; message lines can be
 * long), a message at most `maxMessageBytes`; every read waits at most `timeoutMs` of silence.
 */
import {isIP, connect as netConnect} from 'node:net';
import type {Socket} from 'node:net';
import {connect as tlsConnect} from 'node:tls';

import {MailshiftError} from '../../contracts/errors.js';

export type Pop3Endpoint = Readonly<{
	host: string;
	port: number;
	/** 'tls': implicit TLS (pop3s, port 995); 'stls': plain, then STLS; 'plain': never TLS (loopback only). */
	security: 'tls' | 'stls' | 'plain';
	/** Skip certificate verification. @default false */
	insecure?: boolean;
	/** @default 60000 */
	timeoutMs?: number;
	/** @default 256 MiB */
	maxMessageBytes?: number;
}>;

const MAX_LINE = 1024 * 1024;
const CRLF = Buffer.from('\r\n');

export class Pop3Client {
	readonly #endpoint: Pop3Endpoint;
	#socket: Socket;
	#buffer: Buffer = Buffer.alloc(0);
	#waiter: (() => void) | undefined;
	#failure: Error | undefined;
	#ended = false;

	private constructor(endpoint: Pop3Endpoint, socket: Socket) {
		this.#endpoint = endpoint;
		this.#socket = socket;
		this.#attach(socket);
	}

	/**
	 * Connects, reads the greeting, upgrades with STLS when asked, and logs in with USER/PASS.
	 * @throws MailshiftError HOST_NOT_FOUND, CONNECTION_REFUSED, TLS_FAILED, AUTH_FAILED, TIMEOUT (all 'fatal').
	 */
	static async login(endpoint: Pop3Endpoint, user: string, password: string): Promise<Pop3Client> {
		const socket = await openSocket(endpoint);
		const client = new Pop3Client(endpoint, socket);
		try {
			await client.#status('greeting');
			if (endpoint.security === 'stls') {
				const capabilities = await client.capabilities();
				if (!capabilities.has('STLS')) {
					throw new MailshiftError('TLS_FAILED', `The POP3 server ${endpoint.host}:${endpoint.port} does not offer STLS, so the password would travel in clear.`, 'fatal', {
						hint: 'Use pop3s://user@host (TLS from the start, port 995), or --insecure only on a network you trust.',
					});
				}
				await client.#command('STLS', 'STLS');
				await client.#upgrade();
			}
			await client.#command(`USER ${user}`, 'USER', true);
			await client.#command(`PASS ${password}`, 'PASS', true);
			return client;
		} catch (error) {
			client.#socket.destroy();
			throw error;
		}
	}

	/** False once the connection broke, timed out or was closed (a new login is needed). */
	get isUsable(): boolean {
		return !this.#ended && this.#failure === undefined && !this.#socket.destroyed;
	}

	/** CAPA (RFC 2449); an empty set when the server does not know CAPA. */
	async capabilities(): Promise<Set<string>> {
		this.#send('CAPA');
		const status = await this.#readLine();
		if (!status.toString('latin1').startsWith('+OK')) return new Set();
		const names = new Set<string>();
		for (;;) {
			const line = await this.#readLine();
			if (line.length === 1 && line[0] === 0x2e) return names;
			names.add(line.toString('latin1').split(' ')[0]?.toUpperCase() ?? '');
		}
	}

	/** UIDL (RFC 1939 §7): message number → unique id, in maildrop order. */
	async uidl(): Promise<Array<{number: number; uid: string}>> {
		await this.#command('UIDL', 'UIDL');
		const list: Array<{number: number; uid: string}> = [];
		for (;;) {
			const line = (await this.#readLine()).toString('latin1');
			if (line === '.') return list;
			const match = /^(\d+) ([\x21-\x7e]{1,70})$/.exec(line);
			if (match?.[1] === undefined || match[2] === undefined) throw this.#protocolError(`a malformed UIDL line "${line.slice(0, 80)}"`);
			list.push({number: Number(match[1]), uid: match[2]});
		}
	}

	/** LIST (RFC 1939 §5): message number → size in octets (the server's count, CRLF line ends). */
	async list(): Promise<Map<number, number>> {
		await this.#command('LIST', 'LIST');
		const sizes = new Map<number, number>();
		for (;;) {
			const line = (await this.#readLine()).toString('latin1');
			if (line === '.') return sizes;
			const [number, size] = line.split(' ');
			sizes.set(Number(number), Number(size));
		}
	}

	/**
	 * RETR (RFC 1939 §7): the message, dot-unstuffed, CRLF line ends, byte-exact otherwise. Undefined when the
	 * server answers -ERR (message gone meanwhile). One message is held at a time.
	 */
	async retrieve(number: number): Promise<Buffer | undefined> {
		this.#send(`RETR ${number}`);
		const status = (await this.#readLine()).toString('latin1');
		if (!status.startsWith('+OK')) return undefined;
		const parts: Buffer[] = [];
		let total = 0;
		const max = this.#endpoint.maxMessageBytes ?? 256 * 1024 * 1024;
		for (;;) {
			const line = await this.#readLine();
			if (line.length === 1 && line[0] === 0x2e) return Buffer.concat(parts, total);
			const content = line[0] === 0x2e ? line.subarray(1) : line;
			total += content.length + 2;
			if (total > max) throw this.#protocolError(`message ${number} is larger than ${max} bytes`);
			parts.push(content, CRLF);
		}
	}

	/** RSET, then QUIT, without any DELE: the maildrop (and its read state) is left as it was. Never throws. */
	async quit(): Promise<void> {
		try {
			if (!this.#ended && this.#failure === undefined) {
				await this.#command('RSET', 'RSET').catch(() => undefined);
				this.#send('QUIT');
				await this.#readLine();
			}
		} catch {
			// The session is over either way.
		} finally {
			this.#socket.destroy();
		}
	}

	#attach(socket: Socket): void {
		socket.on('data', (chunk: Buffer) => {
			this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
			this.#wake();
		});
		socket.on('error', (error) => {
			this.#failure ??= error;
			this.#wake();
		});
		socket.on('close', () => {
			this.#ended = true;
			this.#wake();
		});
		socket.setTimeout(this.#endpoint.timeoutMs ?? 60_000, () => {
			this.#failure ??= new MailshiftError('TIMEOUT', `The POP3 server ${this.#endpoint.host} stopped answering.`, 'fatal', {hint: 'Try again later; nothing was changed on the server.'});
			socket.destroy();
			this.#wake();
		});
	}

	#wake(): void {
		const waiter = this.#waiter;
		this.#waiter = undefined;
		waiter?.();
	}

	async #upgrade(): Promise<void> {
		const plain = this.#socket;
		plain.removeAllListeners('data');
		plain.removeAllListeners('close');
		plain.setTimeout(0);
		this.#buffer = Buffer.alloc(0);
		const secure = await new Promise<Socket>((resolve, reject) => {
			const upgraded = tlsConnect({socket: plain, ...serverName(this.#endpoint.host), rejectUnauthorized: !this.#endpoint.insecure}, () => resolve(upgraded));
			upgraded.once('error', (error) => reject(new MailshiftError('TLS_FAILED', `TLS with the POP3 server ${this.#endpoint.host} failed: ${error.message}`, 'fatal', {cause: error, hint: 'Check the server name; a self-signed certificate can be accepted with --insecure, only if you trust this network.'})));
		});
		this.#socket = secure;
		this.#attach(secure);
	}

	#send(line: string): void {
		this.#socket.write(`${line}\r\n`);
	}

	/** Sends a command and requires +OK. `secret`: the command text never appears in an error. */
	async #command(line: string, name: string, secret = false): Promise<void> {
		this.#send(line);
		await this.#status(secret ? name : line, name === 'USER' || name === 'PASS');
	}

	async #status(what: string, isAuth = false): Promise<void> {
		const reply = (await this.#readLine()).toString('latin1');
		if (reply.startsWith('+OK')) return;
		const text = reply.replace(/^-ERR ?/, '').slice(0, 200);
		if (isAuth) {
			throw new MailshiftError('AUTH_FAILED', `The POP3 server ${this.#endpoint.host} refused the login: ${text}`, 'fatal', {
				hint: 'Check the user name and the source password (--source-password-file or MAILSHIFT_SOURCE_PASSWORD).',
			});
		}
		throw this.#protocolError(`"${what}" was answered "${text}"`);
	}

	#protocolError(detail: string): MailshiftError {
		return new MailshiftError('SOURCE_UNREADABLE', `The POP3 server ${this.#endpoint.host}: ${detail}.`, 'fatal', {
			hint: 'Nothing was changed on the server. Try again; if it persists, the server does not speak standard POP3 (RFC 1939).',
		});
	}

	async #readLine(): Promise<Buffer> {
		for (;;) {
			const end = this.#buffer.indexOf(CRLF);
			if (end !== -1) {
				const line = this.#buffer.subarray(0, end);
				this.#buffer = this.#buffer.subarray(end + 2);
				return line;
			}
			if (this.#buffer.length > MAX_LINE) throw this.#protocolError(`a line longer than ${MAX_LINE} bytes`);
			if (this.#failure !== undefined) {
				throw this.#failure instanceof MailshiftError ? this.#failure : new MailshiftError('CONNECTION_LOST', `The connection to the POP3 server ${this.#endpoint.host} broke: ${this.#failure.message}`, 'fatal', {cause: this.#failure, hint: 'Run again: messages already uploaded are skipped.'});
			}
			if (this.#ended) throw new MailshiftError('CONNECTION_LOST', `The POP3 server ${this.#endpoint.host} closed the connection.`, 'fatal', {hint: 'Run again: messages already uploaded are skipped.'});
			await new Promise<void>((resolve) => {
				this.#waiter = resolve;
			});
		}
	}
}

function openSocket(endpoint: Pop3Endpoint): Promise<Socket> {
	return new Promise((resolve, reject) => {
		const onError = (error: NodeJS.ErrnoException): void => {
			const code = error.code;
			if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
				reject(new MailshiftError('HOST_NOT_FOUND', `The POP3 server ${endpoint.host} was not found.`, 'fatal', {cause: error, hint: 'Check the host name in the pop3:// or pop3s:// URL.'}));
			} else if (code === 'ECONNREFUSED') {
				reject(new MailshiftError('CONNECTION_REFUSED', `The POP3 server ${endpoint.host}:${endpoint.port} refused the connection.`, 'fatal', {cause: error, hint: 'Check the port: pop3s:// uses 995, pop3:// uses 110.'}));
			} else {
				reject(new MailshiftError(endpoint.security === 'tls' ? 'TLS_FAILED' : 'CONNECTION_LOST', `Cannot connect to the POP3 server ${endpoint.host}:${endpoint.port}: ${error.message}`, 'fatal', {cause: error, hint: 'Check the host and port; a self-signed certificate can be accepted with --insecure, only if you trust this network.'}));
			}
		};
		const socket = endpoint.security === 'tls'
			? tlsConnect({host: endpoint.host, port: endpoint.port, ...serverName(endpoint.host), rejectUnauthorized: !endpoint.insecure}, () => {
				socket.off('error', onError);
				resolve(socket);
			})
			: netConnect({host: endpoint.host, port: endpoint.port}, () => {
				socket.off('error', onError);
				resolve(socket);
			});
		socket.once('error', onError);
	});
}

/** SNI only for host names (RFC 6066 §3: literal IP addresses are not sent as a server name). */
function serverName(host: string): {servername?: string} {
	return isIP(host) === 0 ? {servername: host} : {};
}
