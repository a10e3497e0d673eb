/**
 * One RFC 3502 MULTIAPPEND command: several messages into one mailbox, each with its flags and INTERNALDATE,
 * sent through an ImapFlow connection's command queue (imapflow has no MULTIAPPEND of its own; its `exec` is
 * public at run time and compiles literals the way its own APPEND does: synchronizing above 4 KiB, LITERAL+/-
 * below).
 *
 * Why: Dovecot stores a MULTIAPPEND in one transaction, which costs the server a fraction of the CPU of
 * separate APPENDs (measured: 2.5–6 s instead of 11–15 s of Dovecot CPU for 10,000 messages; docs/benchmarks.md).
 * Semantics the caller relies on (RFC 3502 §6.3.11; observed on Dovecot 2.3, servers.md §4): all or nothing —
 * a NO stores none of the messages, and a connection cut before the final CRLF stores none either; a cut
 * after it may have stored all of them (the outcome is then unknown and must be looked up).
 * APPENDUID (RFC 4315 §3) names a UID set in the order the messages were sent.
 *
 * The wire syntax (mailbox name encoding, date-time, flags) is our own (imap-syntax.ts), not imapflow's
 * internal `lib/tools.js` (not public API; issue #12 item 24).
 *
 * Flags and dates must already be valid (see engine's allowedFlags and the mapper): a BAD to an APPEND that
 * carried non-synchronizing literals can make Dovecot run the literal bytes as commands (servers.md §0.1),
 * so the caller discards the connection after a BAD.
 */
import type {ImapFlow} from 'imapflow';
import {formatFlag, formatInternalDate, wireMailboxName} from './imap-syntax.js';
import type {AppendReceipt, UploadJob} from '../contracts/types.js';

type Attribute = Readonly<{type: 'ATOM' | 'STRING' | 'LITERAL'; value: string | Buffer; isLiteral8?: boolean}> | ReadonlyArray<Readonly<{type: 'ATOM'; value: string}>>;
type ExecResponse = {response?: {attributes?: Array<{section?: Array<{value?: unknown}>}>}; next?: () => void};
type Executor = {exec(command: string, attributes: readonly Attribute[]): Promise<ExecResponse>};
type ErrorShape = {response?: {attributes?: Array<{section?: Array<{value?: unknown}>; type?: unknown; value?: unknown}>}; serverResponseCode?: unknown; responseText?: unknown};

/**
 * Sends `jobs` (all for `mailbox`, at least one) as one APPEND. Resolves with one receipt per job, in order;
 * UIDs only when the server's APPENDUID names exactly as many UIDs as messages were sent.
 * Rejects with imapflow's error, with `serverResponseCode` filled in from the tagged response.
 */
export async function multiAppend(client: ImapFlow, mailbox: string, jobs: readonly UploadJob[]): Promise<AppendReceipt[]> {
	// The sink's paths are full server paths (namespace prefix included), so no namespace is added here.
	const attributes: Attribute[] = [{type: 'ATOM', value: wireMailboxName(mailbox, client.enabled)}];
	const binary = client.capabilities.has('BINARY');
	for (const job of jobs) {
		// As imapflow's own APPEND: flags through formatFlag (drops what is not a valid flag), and no date rather
		// than an invalid one — a BAD here could make the server run literal bytes as commands (servers.md §0.1).
		const flags = job.flags.map((flag) => formatFlag(flag)).filter((flag): flag is string => flag !== undefined);
		attributes.push(flags.map((flag) => ({type: 'ATOM' as const, value: flag})));
		const date = formatInternalDate(job.internalDate);
		if (date !== undefined) attributes.push({type: 'STRING', value: date});
		// RFC 3516 literal8 for bodies with NUL bytes, as imapflow's append does.
		attributes.push({type: 'LITERAL', value: job.content, isLiteral8: binary && job.content.indexOf(0) >= 0});
	}
	let result: ExecResponse;
	try {
		result = await (client as unknown as Executor).exec('APPEND', attributes);
	} catch (error) {
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
