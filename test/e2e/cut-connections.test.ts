/**
 * Cut connections (ARCHITECTURE.md §7 "Faults"; issue #4): the real CLI migrates into the private Dovecot through
 * a loopback proxy (test/helpers/fault-proxy.ts) that cuts connections at random byte offsets of the
 * client→server stream (mostly inside APPEND literals), cuts some server→client streams (the server stored a
 * message whose OK never arrived) and stalls some connections, then resumes or cuts them. The CLI is run again
 * while it exits non-zero (a bounded number of times); then the server is read back directly, not through the
 * proxy: the multiset of (Message-ID, body sha256) must equal the source's CRLF bytes — 0 duplicates, 0 missing.
 *
 * Replay: the fault schedule comes from a seeded PRNG; the seed is printed, and MAILSHIFT_FAULT_SEED=<seed> runs
 * the same schedule again (parallel connections may still interleave differently).
 */
import assert from 'node:assert/strict';
import {createHash} from 'node:crypto';
import {mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, test} from 'node:test';
import type {TestContext} from 'node:test';
import {benchMessages, writeBenchMaildir} from '../../bench/generate.js';
import {sampleMessages, writeSampleMaildir} from '../../src/testing/sample-store.js';
import {dovecotSkipReason, startDovecot} from '../helpers/dovecot.js';
import type {PrivateDovecot} from '../helpers/dovecot.js';
import {FaultProxy} from '../helpers/fault-proxy.js';
import type {FaultPlan} from '../helpers/fault-proxy.js';
import {crlf, readAccount} from '../helpers/imap-readback.js';
import {runCli} from '../helpers/run-cli.js';
import {mulberry32 as rng} from '../../src/testing/prng.js';

const skip = dovecotSkipReason();
/** Each failed run used up at least one of the proxy's bounded faults, so this many runs always suffice. */
const MAX_RUNS = 32;
const RUN_TIMEOUT_MS = 120_000;
const hash = (b: Buffer): string => createHash('sha256').update(b).digest('hex').slice(0, 16);


function messageIdOf(raw: Buffer): string | undefined {
	const text = raw.toString('latin1');
	const end = text.search(/\r?\n\r?\n/);
	return /^Message-ID:\s*<([^>\r\n]+)>/im.exec(end < 0 ? text : text.slice(0, end))?.[1];
}

const entry = (raw: Buffer): string => `${messageIdOf(raw)} ${hash(raw)}`;

/** What differs between two sorted multisets, for a readable failure. */
function difference(server: readonly string[], source: readonly string[]): string {
	const count = (list: readonly string[]): Map<string, number> => list.reduce((m, k) => m.set(k, (m.get(k) ?? 0) + 1), new Map<string, number>());
	const have = count(server);
	const want = count(source);
	const duplicated = [...have].filter(([k, n]) => n > (want.get(k) ?? 0)).map(([k, n]) => `${k} ×${n}`);
	const missing = [...want].filter(([k, n]) => (have.get(k) ?? 0) < n).map(([k]) => k);
	return `${duplicated.length} duplicated/unexpected: ${duplicated.slice(0, 20).join(', ')}\n${missing.length} missing: ${missing.slice(0, 20).join(', ')}`;
}

type Runs = Array<{code: number | null; stderr: string}>;

/** Runs the CLI until it exits 0, at most MAX_RUNS times; stops early on an exit status a cut must not cause. */
async function runUntilDone(args: readonly string[], password: string, t: TestContext, context: () => string): Promise<Runs> {
	const runs: Runs = [];
	for (let run = 0; run < MAX_RUNS; run++) {
		const result = await runCli(args, {env: {MAILSHIFT_PASSWORD: password}, timeoutMs: RUN_TIMEOUT_MS});
		runs.push({code: result.code, stderr: result.stderr});
		t.diagnostic(`run ${run + 1}: exit ${result.code}`);
		if (result.code === 0) break;
		for (const line of result.stderr.trim().split('\n').slice(-4)) t.diagnostic(`  ${line}`);
		// A hang (killed at the timeout) or an unclassified error is a bug, not a reason to run again.
		assert.ok(result.code === 5 || result.code === 6, `run ${run + 1} ended with ${result.code === null ? `no exit: killed after ${RUN_TIMEOUT_MS} ms (hang)` : `exit ${result.code}`}\n${context()}\nstderr:\n${result.stderr}`);
	}
	return runs;
}

describe('migrating through connections that are cut and stalled', {skip}, () => {
	let server: PrivateDovecot;
	let work: string;
	before(async () => {
		server = await startDovecot({users: ['cuts', 'literal', 'after', 'late']});
		work = await mkdtemp(join(tmpdir(), 'ms-cuts-'));
	});
	after(async () => {
		await server?.stop();
		await rm(work, {recursive: true, force: true});
	});

	test('cutting connections at random byte offsets and stalling some still leaves every message on the server exactly once', {timeout: 15 * 60_000}, async (t) => {
		const seed = Number(process.env['MAILSHIFT_FAULT_SEED'] ?? 20261122);
		t.diagnostic(`fault seed ${seed} (replay: MAILSHIFT_FAULT_SEED=${seed})`);
		// Given 300 small sample messages in 7 folders and 150 of a realistic size mix (2 KB–2 MB) in 4 more
		const root = join(work, 'cuts');
		const samples = sampleMessages(300, 31);
		await writeSampleMaildir(root, samples);
		await writeBenchMaildir(root, 150, 5);
		const source = [...samples.map((s) => entry(crlf(s.raw))), ...[...benchMessages(150, 5)].map((m) => entry(crlf(m.raw)))].sort();
		// And a proxy that, per connection, cuts the client's stream, cuts the server's stream, or stalls
		const plan = (n: number): FaultPlan => {
			const random = rng(seed + n * 7919);
			const kind = random();
			const cut = kind < 0.6 ? {cutClientAt: Math.floor(random() * 300_000)} : kind < 0.85 ? {cutServerAt: Math.floor(random() * 4000)} : {};
			const stall = random() < 0.25 ? {stall: {at: Math.floor(random() * 200_000), ms: 300 + Math.floor(random() * 1700), thenCut: random() < 0.5}} : {};
			return {...cut, ...stall};
		};
		const proxy = await FaultProxy.start({targetPort: server.port, plan, maxFaults: 30, lifetimeMs: 14 * 60_000});
		const context = (): string => `seed ${seed}; faults: ${JSON.stringify(proxy.stats)}\n${proxy.log.join('\n')}`;
		try {
			// When the CLI runs through the proxy until it exits 0
			const args = ['migrate', root, '--to', `imap://cuts@127.0.0.1:${proxy.port}`, '--stats', '0', '--connections', '4'];
			const runs = await runUntilDone(args, server.passwordOf('cuts'), t, context);
			t.diagnostic(`${runs.length} runs; faults: ${JSON.stringify(proxy.stats)}`);
			assert.equal(runs.at(-1)?.code, 0, `no run completed in ${MAX_RUNS}\n${context()}\nlast stderr:\n${runs.at(-1)?.stderr}`);
		} finally {
			await proxy.close();
		}
		for (const line of proxy.log) t.diagnostic(line);
		// Then the faults happened (the test tested something) …
		assert.ok(proxy.stats.clientCuts + proxy.stats.serverCuts + proxy.stats.stalls >= 5, context());
		assert.ok(proxy.stats.midLiteralCuts >= 1, `no cut fell inside a literal\n${context()}`);
		// … and the server, read directly, holds every source message exactly once
		const account = await readAccount(server, 'cuts');
		const onServer = account.messages.map((m) => entry(m.source)).sort();
		assert.deepEqual(onServer, source, `${difference(onServer, source)}\n${context()}`);
	});

	/**
	 * Given 30 small messages and three large ones (about 400 KB each) in the Inbox, and a proxy that cuts once,
	 * at `at` of the first literal of 100 KB or more (the end of that APPEND reaching the server `lateDeliveryMs`
	 * after the cut); when the CLI runs through it (one connection, so that "first"
	 * is well defined) until it exits 0; then the cut happened in one of the large messages and that message, like
	 * every other, is on the server exactly once.
	 */
	async function cutFirstLargeLiteral(user: string, at: 'middle' | 'after', t: TestContext, lateDeliveryMs = 0): Promise<void> {
		const root = join(work, user);
		const samples = sampleMessages(30, 43);
		await writeSampleMaildir(root, samples);
		const large = [1, 2, 3].map((i) => largeMessage(i));
		await mkdir(join(root, 'cur'), {recursive: true});
		for (const [i, raw] of large.entries()) await writeFile(join(root, 'cur', `1600000000.L${i}P1.fault:2,S`), raw);
		const source = [...samples.map((s) => entry(crlf(s.raw))), ...large.map((raw) => entry(crlf(raw)))].sort();
		const proxy = await FaultProxy.start({targetPort: server.port, cutFirstLiteralOver: 100_000, literalCutAt: at, lateDeliveryMs, lifetimeMs: 4 * 60_000});
		const context = (): string => `faults: ${JSON.stringify(proxy.stats)}\n${proxy.log.join('\n')}`;
		try {
			const args = ['migrate', root, '--to', `imap://${user}@127.0.0.1:${proxy.port}`, '--stats', '0', '--connections', '1'];
			const runs = await runUntilDone(args, server.passwordOf(user), t, context);
			assert.equal(runs.at(-1)?.code, 0, `no run completed in ${MAX_RUNS}\n${context()}`);
		} finally {
			await proxy.close();
		}
		for (const line of proxy.log) t.diagnostic(line);
		const cut = proxy.literalCut;
		assert.ok(cut, `the proxy saw no literal of 100 KB or more\n${context()}`);
		assert.ok(cut.messageId?.startsWith('large-'), `the cut literal was ${cut.messageId}\n${context()}`);
		assert.equal(cut.cutAt, at === 'middle' ? Math.floor(cut.literalBytes / 2) : cut.literalBytes + 2);
		const account = await readAccount(server, user);
		const onServer = account.messages.map((m) => entry(m.source)).sort();
		assert.equal(account.messages.filter((m) => m.messageId === cut.messageId).length, 1, `${cut.messageId} on the server:\n${difference(onServer, source)}\n${context()}`);
		assert.deepEqual(onServer, source, `${difference(onServer, source)}\n${context()}`);
	}

	test('a cut exactly in the middle of the first large literal still leaves that message on the server exactly once', {timeout: 5 * 60_000}, async (t) => {
		await cutFirstLargeLiteral('literal', 'middle', t);
	});

	test('a cut right after the first large message was sent, before the server answers, still leaves it on the server exactly once', {timeout: 5 * 60_000}, async (t) => {
		await cutFirstLargeLiteral('after', 'after', t);
	});

	test('an APPEND whose last bytes reach the server a second after the client lost the connection still leaves that message on the server exactly once', {timeout: 5 * 60_000}, async (t) => {
		// The server completes a command its client already gave up on (servers keep executing what they received):
		// a check made at once sees no copy yet, so re-sending then would store the message twice.
		await cutFirstLargeLiteral('late', 'after', t, 1000);
	});
});

/** A message with a ~400 KB base64 attachment (LF line ends, as a Maildir file). */
function largeMessage(i: number): Buffer {
	const random = rng(1000 + i);
	const bytes = Buffer.alloc(300_000);
	for (let k = 0; k < bytes.length; k++) bytes[k] = Math.floor(random() * 256);
	const attachment = bytes.toString('base64').replace(/.{76}/g, '$&\n');
	return Buffer.from([
		`Received: from mx.example.net by pop.example.org; Mon, 3 Feb 2020 10:0${i}:00 +0000`,
		'From: sender@example.net', 'To: me@example.org', `Subject: large message ${i}`, `Date: Mon, 3 Feb 2020 10:0${i}:00 +0000`,
		`Message-ID: <large-${i}@fault.mailshift.invalid>`, 'MIME-Version: 1.0', `Content-Type: multipart/mixed; boundary="L${i}"`, '',
		`--L${i}`, 'Content-Type: text/plain', '', `Large message ${i}.`, '', `--L${i}`, 'Content-Type: application/octet-stream',
		'Content-Transfer-Encoding: base64', '', attachment, `--L${i}--`, '',
	].join('\n'), 'latin1');
}
