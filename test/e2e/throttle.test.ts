/**
 * Server limits that Dovecot cannot produce on demand, played by a scripted loopback IMAP server
 * (test/helpers/scripted-imap-server.ts) in front of the real CLI:
 * - Microsoft 365 throttling: `BAD Request is throttled. Suggested Backoff Time: 200 milliseconds`, which
 *   imapflow turns into ETHROTTLE with `throttleReset` (dist/esm/imap-flow.js, the tagged BAD branch);
 * - Gmail's bandwidth limit: `NO [OVERQUOTA] Account exceeded command or bandwidth limits` (a pause, not a full mailbox);
 * - a `* BYE` in the middle of a run, once after the message was stored (outcome unknown to the client) and once before.
 * Every check reads the scripted server's store back: the multiset of (Message-ID, body sha256) must equal the
 * source's CRLF bytes — 0 duplicates, 0 missing. Timing is asserted only loosely (a lower bound, never an upper one).
 */
import assert from 'node:assert/strict';
import {createHash} from 'node:crypto';
import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, test} from 'node:test';
import {sampleMessages, writeSampleMaildir} from '../../src/testing/sample-store.js';
import type {SampleMessage} from '../../src/testing/sample-store.js';
import {crlf} from '../helpers/imap-readback.js';
import {runCli} from '../helpers/run-cli.js';
import type {CliResult} from '../helpers/run-cli.js';
import {ScriptedImapServer} from '../helpers/scripted-imap-server.js';
import type {AppendDecision, StoredMessage} from '../helpers/scripted-imap-server.js';

const THROTTLED = 'BAD Request is throttled. Suggested Backoff Time: 200 milliseconds';
const BANDWIDTH = 'NO [OVERQUOTA] Account exceeded command or bandwidth limits';
const hash = (b: Buffer): string => createHash('sha256').update(b).digest('hex').slice(0, 16);

function sourceMultiset(samples: readonly SampleMessage[]): string[] {
	return samples.map((s) => `${s.messageId} ${hash(crlf(s.raw))}`).sort();
}

function storedMultiset(messages: readonly StoredMessage[]): string[] {
	return messages.map((m) => {
		const header = m.raw.subarray(0, Math.max(0, m.raw.indexOf('\r\n\r\n'))).toString('latin1');
		const messageId = /^Message-ID:\s*<([^>]+)>/im.exec(header)?.[1];
		return `${messageId} ${hash(m.raw)}`;
	}).sort();
}

function describeRun(result: CliResult, server: ScriptedImapServer): string {
	const answers = server.appends.map((a) => `#${a.n} ${a.answer}`).join(', ');
	return `exit ${result.code}\nAPPENDs: ${answers}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`;
}

describe('server limits played by a scripted IMAP server', () => {
	let work: string;
	before(async () => {
		work = await mkdtemp(join(tmpdir(), 'ms-throttle-'));
	});
	after(async () => {
		await rm(work, {recursive: true, force: true});
	});

	/** Given a store of `count` sample messages and a server scripted by `onAppend`, when the CLI migrates it. */
	async function migrate(name: string, count: number, onAppend: (n: number) => AppendDecision | undefined, connections = 1, timeoutMs = 90_000): Promise<{result: CliResult; server: ScriptedImapServer; samples: SampleMessage[]; elapsedMs: number}> {
		const root = join(work, name);
		const samples = sampleMessages(count, 11);
		await writeSampleMaildir(root, samples);
		const server = await ScriptedImapServer.start({onAppend, lifetimeMs: timeoutMs + 30_000});
		const started = Date.now();
		try {
			const result = await runCli(['migrate', root, '--to', `imap://${server.user}@127.0.0.1:${server.port}`, '--stats', '0', '--connections', String(connections)], {
				env: {MAILSHIFT_PASSWORD: server.password}, timeoutMs,
			});
			return {result, server, samples, elapsedMs: Date.now() - started};
		} finally {
			await server.close();
		}
	}

	test('a server that throttles the first six APPENDs is waited out, and every message is stored exactly once', {timeout: 120_000}, async (t) => {
		// Given one connection, so that one message meets all six throttle answers in a row
		const K = 6;
		const {result, server, samples, elapsedMs} = await migrate('ms365', 20, (n) => (n <= K ? {reply: THROTTLED} : undefined));
		t.diagnostic(`the run took ${elapsedMs} ms; APPENDs at ${server.appends.map((a) => `+${a.at - (server.appends[0]?.at ?? 0)} ms ${a.answer}`).join(', ')}`);
		// Then mailshift did not give up: exit 0, every message stored once, no APPEND beyond one per message
		assert.equal(result.code, 0, describeRun(result, server));
		assert.deepEqual(storedMultiset(server.messages()), sourceMultiset(samples), describeRun(result, server));
		assert.equal(server.appends.filter((a) => a.answer === 'reply').length, K);
		assert.equal(server.appends.filter((a) => a.answer === 'stored').length, samples.length, describeRun(result, server));
		// And it waited about as long as the server asked (loosely: at least most of K × 200 ms), and said so
		assert.ok(elapsedMs >= K * 150, `the run took ${elapsedMs} ms for ${K} throttles of 200 ms`);
		const first = server.appends[0];
		const firstStored = server.appends.find((a) => a.answer === 'stored');
		assert.ok(first && firstStored && firstStored.at - first.at >= K * 150, `the first message was stored ${firstStored && first ? firstStored.at - first.at : '?'} ms after the first throttle`);
		assert.match(result.stderr, /slow down/i, 'the user is told that the server throttles');
	});

	test('Gmail\'s bandwidth limit ([OVERQUOTA] Account exceeded command or bandwidth limits) mid-run is a pause, not a full mailbox', {timeout: 240_000}, async (t) => {
		// Given a server that answers the 5th APPEND with Gmail's bandwidth-limit reply (mailshift pauses about a
		// minute for it: Gmail gives no time, so this test is slow by design)
		const {result, server, samples, elapsedMs} = await migrate('gmail-bandwidth', 20, (n) => (n === 5 ? {reply: BANDWIDTH} : undefined), 2, 200_000);
		t.diagnostic(`the run took ${elapsedMs} ms`);
		// Then the run pauses, goes on and completes; nothing is missing or duplicated
		assert.equal(result.code, 0, describeRun(result, server));
		assert.deepEqual(storedMultiset(server.messages()), sourceMultiset(samples), describeRun(result, server));
		assert.match(result.stderr, /slow down/i, describeRun(result, server));
		assert.doesNotMatch(result.stderr, /is full/i, describeRun(result, server));
	});

	test('a BYE in the middle of a run, once after storing the message and once before, leaves every message stored exactly once', {timeout: 120_000}, async () => {
		// Given a server that says BYE instead of answering the 4th APPEND (stored: the outcome is unknown to the
		// client) and the 9th (not stored), and closes those connections
		const bye = '[UNAVAILABLE] Temporary System Error';
		const {result, server, samples} = await migrate('bye', 20, (n) => (n === 4 ? {bye, store: true} : n === 9 ? {bye, store: false} : undefined), 2);
		// Then the run ends with every message stored exactly once (checked on the server before re-sending)
		const stored = storedMultiset(server.messages());
		assert.equal(new Set(stored).size, stored.length, `duplicates on the server:\n${describeRun(result, server)}`);
		assert.deepEqual(stored, sourceMultiset(samples), describeRun(result, server));
		assert.equal(result.code, 0, describeRun(result, server));
	});
});
