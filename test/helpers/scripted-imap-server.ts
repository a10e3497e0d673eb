/**
 * A tiny scripted IMAP4rev1 server on 127.0.0.1, for the replies Dovecot cannot give on demand (throttling,
 * Gmail's bandwidth OVERQUOTA, a BYE in the middle of a run). It speaks just enough for imapflow and mailshift:
 * greeting with CAPABILITY, LOGIN, CAPABILITY, ID, ENABLE, NAMESPACE, LIST, LSUB, CREATE, SUBSCRIBE, STATUS,
 * SELECT/EXAMINE, APPEND (synchronizing and LITERAL+ literals, RFC 3501 §4.3 / RFC 7888), FETCH and UID FETCH of
 * UID FLAGS INTERNALDATE RFC822.SIZE BODY[HEADER.FIELDS (…)] BODY[HEADER] BODY[], NOOP, CHECK, UNSELECT, CLOSE, LOGOUT.
 * Appended messages are kept in memory; `messages()` reads them back.
 *
 * Contract:
 * - `onAppend(n)` decides the answer to the n-th APPEND (1-based, counted over all connections, after its literal
 *   was read): a tagged reply instead of storing (`{reply: 'BAD Request is throttled. …'}`), or a BYE that closes
 *   the connection with no tagged reply, after storing the message or not (`{bye, store}`: the outcome-unknown
 *   case). `undefined` stores the message and answers `OK [APPENDUID v uid]` (RFC 4315).
 * - Bounded: it closes itself after `lifetimeMs`, and `close()` (idempotent) ends every connection.
 * - Not a general IMAP server: no SEARCH, STORE, EXPUNGE, IDLE or TLS; unknown commands get `BAD`.
 */
import {createServer} from 'node:net';
import type {Server, Socket} from 'node:net';

/** What the server does with one APPEND instead of storing it normally. */
export type AppendDecision =
	/** A tagged reply without the tag, e.g. `BAD Request is throttled. Suggested Backoff Time: 200 milliseconds`; nothing is stored. */
	| Readonly<{reply: string}>
	/** `* BYE <bye>` and the connection is closed, with no tagged reply; `store` says whether the message was kept first. */
	| Readonly<{bye: string; store: boolean}>;

export type ScriptedImapOptions = Readonly<{
	/** @default 'scripted' */
	user?: string;
	/** @default 'pw-scripted' */
	password?: string;
	/** Decides the answer to the n-th APPEND (1-based, over all connections). @default store every message */
	onAppend?: (n: number, mailbox: string) => AppendDecision | undefined;
	/**
	 * A tagged reply (without the tag) to an APPEND sent with a non-synchronizing literal, given as soon as its
	 * command line arrives; the session then reads nothing more, so the literal stays in the client's queue (a
	 * server that refuses early and stalls). `undefined`: read the literal as usual. @default never
	 */
	refuseAppendEarly?: () => string | undefined;
	/** The server stops itself after this long. @default 300_000 */
	lifetimeMs?: number;
	/**
	 * CREATE of an existing mailbox answers `NO [ALREADYEXISTS] …` (RFC 5530, Dovecot), or, when false, a plain
	 * `NO Mailbox already exists` as Cyrus 3.6 does (servers.md §3). @default true
	 */
	alreadyExistsCode?: boolean;
}>;

export type StoredMessage = Readonly<{mailbox: string; uid: number; flags: ReadonlySet<string>; internalDate: string; raw: Buffer}>;

/** One APPEND as the server saw it: when, which one, and what it answered. */
export type AppendRecord = Readonly<{n: number; at: number; mailbox: string; answer: 'stored' | 'reply' | 'bye-stored' | 'bye-lost'}>;

type Mailbox = {name: string; specialUse: string | undefined; subscribed: boolean; uidValidity: number; uidNext: number; messages: Array<{uid: number; flags: Set<string>; internalDate: string; raw: Buffer}>};

/** A parsed command argument: an atom or quoted string, a literal's bytes, or a parenthesized list. */
type Token = string | Buffer | Token[];

const CAPABILITIES = 'IMAP4rev1 LITERAL+ ID ENABLE UIDPLUS NAMESPACE SPECIAL-USE';
const SYSTEM_FLAGS = '\\Answered \\Flagged \\Deleted \\Seen \\Draft';
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export class ScriptedImapServer {
	readonly host = '127.0.0.1';
	readonly user: string;
	readonly password: string;
	readonly #server: Server;
	readonly #sockets = new Set<Socket>();
	readonly #mailboxes = new Map<string, Mailbox>();
	readonly #appends: AppendRecord[] = [];
	readonly #onAppend: ScriptedImapOptions['onAppend'];
	/** @internal Used by Session: see ScriptedImapOptions.refuseAppendEarly. */
	readonly refuseAppendEarly: ScriptedImapOptions['refuseAppendEarly'];
	/** @internal Used by Session: see ScriptedImapOptions.alreadyExistsCode. */
	readonly alreadyExistsCode: boolean;
	readonly #lifetime: NodeJS.Timeout;
	#appendCount = 0;
	#connections = 0;
	#port = 0;
	#closed = false;

	private constructor(options: ScriptedImapOptions) {
		this.user = options.user ?? 'scripted';
		this.password = options.password ?? 'pw-scripted';
		this.#onAppend = options.onAppend;
		this.refuseAppendEarly = options.refuseAppendEarly;
		this.alreadyExistsCode = options.alreadyExistsCode ?? true;
		let uidValidity = 1_700_000_000;
		for (const [name, specialUse] of [['INBOX', undefined], ['Sent', '\\Sent'], ['Drafts', '\\Drafts'], ['Trash', '\\Trash'], ['Junk', '\\Junk'], ['Archive', '\\Archive']] as const) {
			this.#mailboxes.set(name, {name, specialUse, subscribed: true, uidValidity: uidValidity++, uidNext: 1, messages: []});
		}
		this.#server = createServer((socket) => this.#accept(socket));
		this.#lifetime = setTimeout(() => void this.close(), options.lifetimeMs ?? 300_000);
		this.#lifetime.unref();
	}

	/** Starts a server on a free loopback port. */
	static async start(options: ScriptedImapOptions = {}): Promise<ScriptedImapServer> {
		const server = new ScriptedImapServer(options);
		await new Promise<void>((resolve, reject) => {
			server.#server.once('error', reject);
			server.#server.listen(0, '127.0.0.1', () => resolve());
		});
		const address = server.#server.address();
		server.#port = typeof address === 'object' && address ? address.port : 0;
		return server;
	}

	get port(): number {
		return this.#port;
	}

	/** Connections accepted so far. */
	get connections(): number {
		return this.#connections;
	}

	/** Every APPEND received, in order, with the answer it got. */
	get appends(): readonly AppendRecord[] {
		return this.#appends;
	}

	/** Every stored message, mailbox by mailbox, in UID order (mailbox names as on the wire: modified UTF-7). */
	messages(): StoredMessage[] {
		return [...this.#mailboxes.values()].flatMap((box) => box.messages.map((m) => ({mailbox: box.name, uid: m.uid, flags: new Set(m.flags), internalDate: m.internalDate, raw: m.raw})));
	}

	/** Stops listening and ends every connection. Idempotent. */
	async close(): Promise<void> {
		if (this.#closed) return;
		this.#closed = true;
		clearTimeout(this.#lifetime);
		for (const socket of this.#sockets) socket.destroy();
		await new Promise<void>((resolve) => this.#server.close(() => resolve()));
	}

	#accept(socket: Socket): void {
		if (this.#closed) {
			socket.destroy();
			return;
		}
		this.#connections++;
		this.#sockets.add(socket);
		socket.on('close', () => this.#sockets.delete(socket));
		socket.on('error', () => socket.destroy());
		const session = new Session(this, socket);
		socket.on('data', (chunk: Buffer) => session.receive(chunk));
		session.send(`* OK [CAPABILITY ${CAPABILITIES}] scripted IMAP server ready`);
	}

	/** @internal Used by Session. */
	mailbox(name: string): Mailbox | undefined {
		return this.#mailboxes.get(name.toUpperCase() === 'INBOX' ? 'INBOX' : name);
	}

	/** @internal */
	allMailboxes(): Mailbox[] {
		return [...this.#mailboxes.values()];
	}

	/** @internal */
	createMailbox(name: string): boolean {
		if (this.mailbox(name)) return false;
		this.#mailboxes.set(name, {name, specialUse: undefined, subscribed: false, uidValidity: 1_800_000_000 + this.#mailboxes.size, uidNext: 1, messages: []});
		return true;
	}

	/** @internal Decides and records the answer to one APPEND. */
	decideAppend(mailbox: string): AppendDecision | undefined {
		const n = ++this.#appendCount;
		const decision = this.#onAppend?.(n, mailbox);
		const answer = decision === undefined ? 'stored' : 'reply' in decision ? 'reply' : decision.store ? 'bye-stored' : 'bye-lost';
		this.#appends.push({n, at: Date.now(), mailbox, answer});
		return decision;
	}
}

/** One client connection: a byte-level reader of command lines and literals, and the command handlers. */
class Session {
	readonly #server: ScriptedImapServer;
	readonly #socket: Socket;
	#buffer = Buffer.alloc(0);
	/** Parts of the command being read: line texts and literal bytes, in order. */
	#parts: Array<string | Buffer> = [];
	#literalLeft = -1;
	#isAuthenticated = false;
	#selected: {name: string; readOnly: boolean} | undefined;
	#isDone = false;

	constructor(server: ScriptedImapServer, socket: Socket) {
		this.#server = server;
		this.#socket = socket;
	}

	send(line: string | Buffer): void {
		if (this.#isDone || this.#socket.destroyed) return;
		this.#socket.write(typeof line === 'string' ? `${line}\r\n` : line);
	}

	receive(chunk: Buffer): void {
		this.#buffer = Buffer.concat([this.#buffer, chunk]);
		while (!this.#isDone) {
			if (this.#literalLeft >= 0) {
				if (this.#buffer.length < this.#literalLeft) return;
				this.#parts.push(this.#buffer.subarray(0, this.#literalLeft));
				this.#buffer = this.#buffer.subarray(this.#literalLeft);
				this.#literalLeft = -1;
				continue;
			}
			const end = this.#buffer.indexOf('\r\n');
			if (end < 0) return;
			const line = this.#buffer.subarray(0, end).toString('latin1');
			this.#buffer = this.#buffer.subarray(end + 2);
			// RFC 3501 §4.3 literal `{n}` (synchronizing: needs "+"), RFC 7888 `{n+}` (non-synchronizing).
			const literal = /\{(\d+)(\+?)\}$/.exec(line);
			if (literal) {
				const early = literal[2] === '+' && this.#parts.length === 0 ? /^(\S+) APPEND /i.exec(line) : null;
				const reply = early ? this.#server.refuseAppendEarly?.() : undefined;
				if (early && reply !== undefined) {
					this.send(`${early[1]} ${reply}`);
					this.#socket.pause();
					this.#isDone = true;
					return;
				}
				this.#parts.push(line.slice(0, literal.index));
				this.#literalLeft = Number(literal[1]);
				if (literal[2] !== '+') this.send('+ Ready for literal data');
				continue;
			}
			this.#parts.push(line);
			const parts = this.#parts;
			this.#parts = [];
			this.#execute(parts);
		}
	}

	#end(): void {
		this.#isDone = true;
		this.#socket.end();
	}

	#execute(parts: Array<string | Buffer>): void {
		const tokens = tokenize(parts);
		const tag = typeof tokens[0] === 'string' ? tokens[0] : '*';
		let command = typeof tokens[1] === 'string' ? tokens[1].toUpperCase() : '';
		let args = tokens.slice(2);
		let isUid = false;
		if (command === 'UID') {
			isUid = true;
			command = typeof args[0] === 'string' ? args[0].toUpperCase() : '';
			args = args.slice(1);
		}
		const ok = (text: string): void => this.send(`${tag} OK ${text}`);
		const no = (text: string): void => this.send(`${tag} NO ${text}`);
		const bad = (text: string): void => this.send(`${tag} BAD ${text}`);
		const needsAuth = !['CAPABILITY', 'LOGIN', 'ID', 'NOOP', 'LOGOUT'].includes(command);
		if (needsAuth && !this.#isAuthenticated) return bad('Log in first');
		switch (command) {
			case 'CAPABILITY':
				this.send(`* CAPABILITY ${CAPABILITIES}`);
				return ok('Capability completed');
			case 'LOGIN':
				if (args[0] === this.#server.user && args[1] === this.#server.password) {
					this.#isAuthenticated = true;
					return ok(`[CAPABILITY ${CAPABILITIES}] Logged in`);
				}
				return no('[AUTHENTICATIONFAILED] Authentication failed.');
			case 'ID':
				this.send('* ID ("name" "scripted")');
				return ok('ID completed');
			case 'ENABLE':
				this.send('* ENABLED');
				return ok('Enabled');
			case 'NOOP': case 'CHECK':
				return ok(`${command} completed`);
			case 'LOGOUT':
				this.send('* BYE Logging out');
				ok('Logout completed');
				return this.#end();
			case 'NAMESPACE':
				this.send('* NAMESPACE (("" "/")) NIL NIL');
				return ok('Namespace completed');
			case 'LIST': case 'LSUB': {
				const pattern = typeof args[1] === 'string' ? args[1] : '';
				if (command === 'LIST' && pattern === '') {
					this.send('* LIST (\\Noselect) "/" ""');
					return ok('List completed');
				}
				for (const box of this.#server.allMailboxes()) {
					if (command === 'LSUB' && !box.subscribed) continue;
					if (!matches(pattern, box.name)) continue;
					const attributes = ['\\HasNoChildren', ...(box.specialUse && command === 'LIST' ? [box.specialUse] : [])];
					this.send(`* ${command} (${attributes.join(' ')}) "/" ${quote(box.name)}`);
				}
				return ok(`${command} completed`);
			}
			case 'CREATE': {
				const name = asText(args[0]).replace(/\/$/, '');
				if (!this.#server.createMailbox(name)) return no(`${this.#server.alreadyExistsCode ? '[ALREADYEXISTS] ' : ''}Mailbox already exists`);
				return ok('Create completed');
			}
			case 'STATUS': {
				const box = this.#server.mailbox(asText(args[0]));
				if (!box) return no('[NONEXISTENT] Mailbox does not exist');
				const values: Record<string, number> = {MESSAGES: box.messages.length, UIDNEXT: box.uidNext, UIDVALIDITY: box.uidValidity, UNSEEN: box.messages.filter((m) => !m.flags.has('\\Seen')).length};
				const items = (Array.isArray(args[1]) ? args[1] : []).map((item) => asText(item).toUpperCase()).filter((item) => item in values);
				this.send(`* STATUS ${quote(box.name)} (${items.map((item) => `${item} ${values[item]}`).join(' ')})`);
				return ok('Status completed');
			}
			case 'SUBSCRIBE': {
				const box = this.#server.mailbox(asText(args[0]));
				if (!box) return no('[NONEXISTENT] Mailbox does not exist');
				box.subscribed = true;
				return ok('Subscribe completed');
			}
			case 'SELECT': case 'EXAMINE': {
				const box = this.#server.mailbox(asText(args[0]));
				this.#selected = undefined;
				if (!box) return no('[NONEXISTENT] Mailbox does not exist');
				this.#selected = {name: box.name, readOnly: command === 'EXAMINE'};
				this.send(`* FLAGS (${SYSTEM_FLAGS})`);
				this.send(`* OK [PERMANENTFLAGS (${command === 'EXAMINE' ? '' : `${SYSTEM_FLAGS} \\*`})] Flags permitted`);
				this.send(`* ${box.messages.length} EXISTS`);
				this.send('* 0 RECENT');
				this.send(`* OK [UIDVALIDITY ${box.uidValidity}] UIDs valid`);
				this.send(`* OK [UIDNEXT ${box.uidNext}] Predicted next UID`);
				return ok(`[${command === 'EXAMINE' ? 'READ-ONLY' : 'READ-WRITE'}] ${command} completed`);
			}
			case 'UNSELECT': case 'CLOSE':
				this.#selected = undefined;
				return ok(`${command} completed`);
			case 'APPEND':
				return this.#append(tag, args);
			case 'FETCH':
				return this.#fetch(tag, args, isUid);
			default:
				return bad(`Unknown command ${command}`);
		}
	}

	#append(tag: string, args: Token[]): void {
		const name = asText(args[0]);
		const content = args[args.length - 1];
		if (!Buffer.isBuffer(content)) return this.send(`${tag} BAD APPEND needs a literal`);
		const flags = args.slice(1, -1).find((a): a is Token[] => Array.isArray(a)) ?? [];
		const date = args.slice(1, -1).find((a): a is string => typeof a === 'string') ?? imapDate(new Date());
		const box = this.#server.mailbox(name);
		if (!box) return this.send(`${tag} NO [TRYCREATE] Mailbox does not exist`);
		const decision = this.#server.decideAppend(box.name);
		if (decision && 'reply' in decision) return this.send(`${tag} ${decision.reply}`);
		let uid = 0;
		if (!decision || decision.store) {
			uid = box.uidNext++;
			box.messages.push({uid, flags: new Set(flags.map(asText)), internalDate: date, raw: Buffer.from(content)});
		}
		if (decision) {
			this.send(`* BYE ${decision.bye}`);
			return this.#end();
		}
		if (this.#selected?.name === box.name) this.send(`* ${box.messages.length} EXISTS`);
		this.send(`${tag} OK [APPENDUID ${box.uidValidity} ${uid}] Append completed`);
	}

	#fetch(tag: string, args: Token[], isUid: boolean): void {
		const box = this.#selected ? this.#server.mailbox(this.#selected.name) : undefined;
		if (!box) return this.send(`${tag} BAD No mailbox selected`);
		const set = asText(args[0]);
		const items = (Array.isArray(args[1]) ? args[1] : args.slice(1)).map(asText).map((i) => i.toUpperCase());
		if (isUid && !items.includes('UID')) items.unshift('UID');
		const max = isUid ? (box.messages[box.messages.length - 1]?.uid ?? 0) : box.messages.length;
		const wanted = sequenceSet(set, max);
		box.messages.forEach((m, index) => {
			const seq = index + 1;
			if (!wanted(isUid ? m.uid : seq)) return;
			const pieces: Buffer[] = [];
			for (const item of items) {
				const sp = pieces.length === 0 ? '' : ' ';
				if (item === 'UID') pieces.push(Buffer.from(`${sp}UID ${m.uid}`));
				else if (item === 'FLAGS') pieces.push(Buffer.from(`${sp}FLAGS (${[...m.flags].join(' ')})`));
				else if (item === 'INTERNALDATE') pieces.push(Buffer.from(`${sp}INTERNALDATE ${quote(m.internalDate)}`));
				else if (item === 'RFC822.SIZE') pieces.push(Buffer.from(`${sp}RFC822.SIZE ${m.raw.length}`));
				else if (item.startsWith('BODY')) {
					const section = /\[(.*)\]/.exec(item)?.[1] ?? '';
					const bytes = section === '' ? m.raw : section.toUpperCase() === 'HEADER' ? header(m.raw) : headerFields(m.raw, section);
					pieces.push(Buffer.from(`${sp}BODY[${section}] {${bytes.length}}\r\n`), bytes);
				}
			}
			const body = Buffer.concat(pieces);
			this.send(Buffer.concat([Buffer.from(`* ${seq} FETCH (`), body, Buffer.from(')\r\n')]));
		});
		this.send(`${tag} OK Fetch completed`);
	}
}

/** Splits a command's line texts and literals into tokens (atoms, quoted strings, lists, literal bytes). */
function tokenize(parts: ReadonlyArray<string | Buffer>): Token[] {
	const root: Token[] = [];
	const stack: Token[][] = [root];
	const top = (): Token[] => stack[stack.length - 1] ?? root;
	for (const part of parts) {
		if (Buffer.isBuffer(part)) {
			top().push(part);
			continue;
		}
		let i = 0;
		while (i < part.length) {
			const c = part[i];
			if (c === ' ') {
				i++;
			} else if (c === '(') {
				const list: Token[] = [];
				top().push(list);
				stack.push(list);
				i++;
			} else if (c === ')') {
				if (stack.length > 1) stack.pop();
				i++;
			} else if (c === '"') {
				let value = '';
				i++;
				while (i < part.length && part[i] !== '"') {
					if (part[i] === '\\') i++;
					value += part[i] ?? '';
					i++;
				}
				i++;
				top().push(value);
			} else {
				// An atom; a `[…]` section inside it (BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]) may hold spaces and parens.
				let value = '';
				while (i < part.length && part[i] !== ' ' && part[i] !== ')' && part[i] !== '(') {
					if (part[i] === '[') {
						const close = part.indexOf(']', i);
						const stop = close < 0 ? part.length : close + 1;
						value += part.slice(i, stop);
						i = stop;
					} else {
						value += part[i];
						i++;
					}
				}
				top().push(value);
			}
		}
	}
	return root;
}

function asText(token: Token | undefined): string {
	if (typeof token === 'string') return token;
	if (Buffer.isBuffer(token)) return token.toString('utf8');
	return '';
}

function quote(value: string): string {
	return `"${value.replace(/["\\]/g, '\\$&')}"`;
}

/** LIST wildcards (RFC 3501 §6.3.8): `*` matches anything, `%` anything but the separator. */
function matches(pattern: string, name: string): boolean {
	const re = new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/%/g, '[^/]*')}$`, 'i');
	return re.test(name);
}

/** A sequence set (`1:*`, `3,5:7`) as a predicate; `*` is the largest number in use. */
function sequenceSet(set: string, max: number): (n: number) => boolean {
	const ranges = set.split(',').map((range) => {
		const [a, b] = range.split(':').map((v) => (v === '*' ? max : Number(v)));
		const from = a ?? 0;
		const to = b ?? from;
		return [Math.min(from, to), Math.max(from, to)] as const;
	});
	return (n) => ranges.some(([from, to]) => n >= from && n <= to);
}

/** BODY[HEADER]: the whole header block with its blank line (RFC 3501 §6.4.5; verify's header digest). */
function header(raw: Buffer): Buffer {
	const end = raw.indexOf('\r\n\r\n');
	return end < 0 ? raw : raw.subarray(0, end + 4);
}

/** BODY[HEADER.FIELDS (A B)]: the named header lines plus the blank line (RFC 3501 §6.4.5). */
function headerFields(raw: Buffer, section: string): Buffer {
	const names = new Set((/\(([^)]*)\)/.exec(section)?.[1] ?? '').split(/\s+/).filter(Boolean).map((n) => n.toLowerCase()));
	const text = raw.toString('latin1');
	const end = text.indexOf('\r\n\r\n');
	const header = end < 0 ? text : text.slice(0, end + 2);
	const fields = header.split(/\r\n(?![ \t])/).filter((field) => names.has(field.slice(0, field.indexOf(':')).trim().toLowerCase()));
	return Buffer.from(fields.map((f) => `${f}\r\n`).join('') + '\r\n', 'latin1');
}

/** INTERNALDATE syntax (RFC 3501 date-time): "17-Jul-1996 02:44:25 +0000". */
function imapDate(date: Date): string {
	const p = (n: number): string => String(n).padStart(2, '0');
	return `${p(date.getUTCDate())}-${MONTHS[date.getUTCMonth()]}-${date.getUTCFullYear()} ${p(date.getUTCHours())}:${p(date.getUTCMinutes())}:${p(date.getUTCSeconds())} +0000`;
}
