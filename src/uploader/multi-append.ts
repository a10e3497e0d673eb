/**
 * One APPEND command — one message, or several (RFC 3502 MULTIAPPEND) into one mailbox, each with its flags
 * and INTERNALDATE — written by us (append-command.ts) and sent through an ImapFlow connection's command queue,
 * so imapflow still tags it, orders it with the connection's other commands and parses the answer.
 *
 * Why our own bytes (issue #14): imapflow compiles a literal over 4 KiB as a synchronizing one even when the
 * server offers LITERAL+ (one round trip per message: at 30 ms that caps a connection at ~33 messages/s), and
 * concatenates the command's parts into one buffer (every message body copied once more at send time).
 * Here the whole command goes out at once when LITERAL+ allows (append-command.ts says when it must wait), the
 * bodies as they are, the writes corked into one writev.
 *
 * The hook into imapflow (its `send`, `writeSocket`, `currentRequest`; not public API, so all of it is here, in
 * `installSendHook`, and test/uploader/append-command.test.ts fails when imapflow changes under it): a request
 * whose options carry APPEND_PLAN is written by us; every other command goes through imapflow's own `send`.
 * The `+` continuations of a synchronizing literal reach us through imapflow's public request option
 * `onPlusTag` (what its IDLE and AUTHENTICATE use).
 *
 * Why Dovecot is fast with batches: it stores a MULTIAPPEND in one transaction (measured: 2.5–6 s instead of
 * 11–15 s of Dovecot CPU for 10,000 messages; docs/benchmarks.md).
 * Semantics the caller relies on (RFC 3502 §6.3.11; observed on Dovecot 2.3, servers.md §4): all or nothing —
 * a NO stores none of the messages, and a connection cut before the final CRLF stores none either; a cut
 * after it may have stored all of them (the outcome is then unknown and must be looked up).
 * APPENDUID (RFC 4315 §3) names a UID set in the order the messages were sent.
 *
 * A BAD to an APPEND that carried non-synchronizing literals can make Dovecot run the literal bytes as commands
 * (servers.md §0.1): append-command.ts writes nothing that draws one, and the caller discards the connection
 * after a BAD all the same.
 */
import type {ImapFlow} from 'imapflow';
import {appendSegments, literalMode} from './append-command.js';
import {wireMailboxName} from './imap-syntax.js';
import type {AppendReceipt, UploadJob} from '../contracts/types.js';

type ExecResponse = {response?: {attributes?: Array<{section?: Array<{value?: unknown}>}>}; next?: () => void};
type ErrorShape = {response?: {attributes?: Array<{section?: Array<{value?: unknown}>; type?: unknown; value?: unknown}>}; serverResponseCode?: unknown; responseText?: unknown};

/** The request option that marks an APPEND we write ourselves: builds the command's segments for its tag. */
const APPEND_PLAN = Symbol('mailshift.appendPlan');

type Plan = (tag: string) => Buffer[];
type RequestOptions = {[APPEND_PLAN]?: Plan; onPlusTag?: (response: unknown) => Promise<void>};
type SendData = {tag: string; command: string; attributes: unknown; options?: RequestOptions};
type Writable = {write(chunk: Buffer): boolean; cork?(): void; uncork?(): void; destroyed?: boolean; writableLength?: number};
/** The parts of an ImapFlow connection the hook uses (imap-flow.js `send`, `write`, `exec`). */
type Internals = {
	send(data: SendData): Promise<void>;
	exec(command: string, attributes: unknown[], options: RequestOptions): Promise<ExecResponse>;
	socket?: {destroyed?: boolean} | false;
	writeSocket?: Writable | false;
	currentRequest?: {tag: string; sent?: boolean; options?: RequestOptions} | false;
	commandParts: unknown[];
	rawSensitiveCommand: boolean;
	writeBytesCounter: number;
	lastClientWrite: number;
	state: unknown;
	states: {LOGOUT: unknown};
	[HOOKED]?: true;
};
const HOOKED = Symbol('mailshift.sendHook');

/** Throws when imapflow no longer has what the hook relies on (so an upgrade fails loudly, in tests and at once). */
function internals(client: ImapFlow): Internals {
	const c = client as unknown as Internals;
	if (typeof c.send !== 'function' || typeof c.exec !== 'function' || !Array.isArray(c.commandParts) || typeof c.writeBytesCounter !== 'number' || c.states?.LOGOUT === undefined) {
		throw new Error('imapflow no longer has the internals multi-append.ts relies on (send, exec, commandParts, writeBytesCounter, states)');
	}
	return c;
}

/** Makes `client` write requests that carry APPEND_PLAN itself; once per connection. */
export function installSendHook(client: ImapFlow): void {
	const c = internals(client);
	if (c[HOOKED]) return;
	const original = c.send;
	c.send = async function send(this: Internals, data: SendData): Promise<void> {
		const plan = data.options?.[APPEND_PLAN];
		if (plan === undefined) return original.call(this, data);
		// As imapflow's send: the command is no credential, and leaves no literal parts for its own `+` handler.
		this.rawSensitiveCommand = false;
		this.commandParts = [];
		writeSegment(this, plan(data.tag));
		if (this.currentRequest && this.currentRequest.tag === data.tag) this.currentRequest.sent = true;
	};
	c[HOOKED] = true;
}

/** Writes one segment as imapflow's `write` does (same checks, counters), corked into one writev. */
function writeSegment(c: Internals, segment: readonly Buffer[]): void {
	if (!c.socket || c.socket.destroyed || !c.writeSocket || c.writeSocket.destroyed) {
		throw Object.assign(new Error('Socket is already closed'), {code: 'NoConnection'});
	}
	if (c.state === c.states.LOGOUT) throw Object.assign(new Error('Can not send data after logged out'), {code: 'StateLogout'});
	const out = c.writeSocket;
	c.lastClientWrite = Date.now();
	out.cork?.();
	for (const chunk of segment) {
		c.writeBytesCounter += chunk.length;
		out.write(chunk);
	}
	// Uncorked on the next tick, as Node's docs advise, so the writes above leave in one writev.
	if (out.uncork) process.nextTick(() => out.uncork!());
}

/**
 * Sends `jobs` (all for `mailbox`, at least one) as one APPEND. Resolves with one receipt per job, in order;
 * UIDs only when the server's APPENDUID names exactly as many UIDs as messages were sent.
 * Rejects with imapflow's error, with `serverResponseCode` filled in from the tagged response.
 */
export async function multiAppend(client: ImapFlow, mailbox: string, jobs: readonly UploadJob[]): Promise<AppendReceipt[]> {
	installSendHook(client);
	// The sink's paths are full server paths (namespace prefix included), so no namespace is added here.
	const wire = wireMailboxName(mailbox, client.enabled);
	const mode = literalMode(client.capabilities);
	const binary = client.capabilities.has('BINARY');
	// RFC 3516 literal8 for bodies with NUL bytes, as imapflow's append does.
	const items = jobs.map((job) => ({content: job.content, flags: job.flags, internalDate: job.internalDate, literal8: binary && job.content.indexOf(0) >= 0}));
	const connection = internals(client);
	// Segment 0 is written when imapflow dispatches the command (the hook); each later one after a `+`.
	let later: Buffer[][] = [];
	const options: RequestOptions = {
		[APPEND_PLAN]: (tag) => {
			const segments = appendSegments(tag, wire, items, mode);
			later = segments.slice(1);
			return segments[0]!;
		},
		onPlusTag: async () => {
			const next = later.shift();
			if (next !== undefined) writeSegment(connection, next);
		},
	};
	let result: ExecResponse;
	try {
		result = await connection.exec('APPEND', [], options);
	} catch (error) {
		// Refused before the server read all of the literals (a NO to the command line, then nothing read): bytes
		// of them still wait in the connection's write queue, and they are the messages' own buffers, which the
		// engine hands to the next messages once this settles (MailSink.append). Closing drops the queue; the pool
		// opens another connection. (A server must read a refused literal to its end, so they would only fill it.)
		const queued = connection.writeSocket ? connection.writeSocket.writableLength ?? 0 : 0;
		if (queued > 0) client.close();
		// Fill in what imapflow's own commands do (serverResponseCode and the text): the response code is the
		// first section of the tagged response (RFC 3501 §7.1 `resp-text-code`), the text its last TEXT attribute.
		const shape = error as ErrorShape;
		const code = shape.response?.attributes?.[0]?.section?.[0]?.value;
		if (shape.serverResponseCode === undefined && typeof code === 'string') shape.serverResponseCode = code.toUpperCase();
		const text = shape.response?.attributes?.filter((a) => a.type === 'TEXT').map((a) => String(a.value ?? '')).join(' ');
		if (shape.responseText === undefined && text) shape.responseText = text;
		throw error;
	}
	// imapflow holds the connection's next command until the response is released (imap-flow.js settleRequest).
	result.next?.();
	const section = result.response?.attributes?.[0]?.section;
	const uids = String(section?.[0]?.value ?? '').toUpperCase() === 'APPENDUID' ? parseUidSet(String(section?.[2]?.value ?? '')) : undefined;
	const validity = /^\d{1,10}$/.test(String(section?.[1]?.value ?? '')) ? BigInt(String(section?.[1]?.value)) : undefined;
	const known = uids !== undefined && uids.length === jobs.length;
	return jobs.map((_, i) => ({mailbox, ...(known ? {uid: uids[i]!, ...(validity === undefined ? {} : {uidValidity: validity})} : {})}));
}

/** An RFC 9051 uid-set (`5`, `5:7`, `1,3:4`) in order; undefined when malformed or absurdly large. */
export function parseUidSet(text: string): number[] | undefined {
	if (!/^\d+(:\d+)?(,\d+(:\d+)?)*$/.test(text)) return undefined;
	const out: number[] = [];
	for (const part of text.split(',')) {
		const [a, b] = part.split(':').map(Number) as [number, number | undefined];
		const end = b ?? a;
		const step = end >= a ? 1 : -1;
		if (Math.abs(end - a) > 100_000) return undefined;
		for (let uid = a; uid !== end + step; uid += step) out.push(uid);
	}
	return out.every((uid) => uid > 0 && uid <= 0xffffffff) ? out : undefined;
}
