/**
 * Issue #12 item 11: on a link that drops every ~1 MB of client bytes, MULTIAPPEND batches (up to 8 MiB) were cut
 * every time, retried whole 3 times and failed; 5 runs were needed. Now a cut halves the batch (down to single
 * messages) and a message keeps retrying while the run makes progress (engine.ts RETRIES/MAX_ATTEMPTS). Against
 * the private Dovecot through the fault proxy: ONE run must finish, and the server, read back directly, must hold
 * every message exactly once.
 */
import assert from 'node:assert/strict';
import {createHash} from 'node:crypto';
import {mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, test} from 'node:test';
import {mulberry32 as rng} from '../../src/testing/prng.js';
import {dovecotSkipReason, startDovecot} from '../helpers/dovecot.js';
import type {PrivateDovecot} from '../helpers/dovecot.js';
import {FaultProxy} from '../helpers/fault-proxy.js';
import {crlf, readAccount} from '../helpers/imap-readback.js';
import {runCli} from '../helpers/run-cli.js';

const skip = dovecotSkipReason();
const hash = (b: Buffer): string => createHash('sha256').update(b).digest('hex').slice(0, 16);

/** A ~200 KB message (base64 of random bytes), LF line ends as in a Maildir file. */
function message(i: number): Buffer {
	const random = rng(7000 + i);
	const bytes = Buffer.alloc(150_000);
	for (let k = 0; k < bytes.length; k++) bytes[k] = Math.floor(random() * 256);
	return Buffer.from([
		'From: sender@example.net', 'To: me@example.org', `Subject: part ${i}`, `Date: Tue, 4 Feb 2020 10:${String(i % 60).padStart(2, '0')}:00 +0000`,
		`Message-ID: <cut-batch-${i}@fault.mailshift.invalid>`, 'MIME-Version: 1.0', 'Content-Type: application/octet-stream',
		'Content-Transfer-Encoding: base64', '', bytes.toString('base64').replace(/.{76}/g, '$&\n'), '',
	].join('\n'), 'latin1');
}

describe('MULTIAPPEND batches on a link that drops every ~1 MB', {skip}, () => {
	let server: PrivateDovecot;
	let work: string;
	before(async () => {
		server = await startDovecot({users: ['flaky']});
		work = await mkdtemp(join(tmpdir(), 'ms-cut-batches-'));
	});
	after(async () => {
		await server?.stop();
		await rm(work, {recursive: true, force: true});
	});

	test('a link cut after every ~1 MB of client bytes still finishes in one run with every message exactly once', {timeout: 10 * 60_000}, async (t) => {
		// Given 40 messages of ~200 KB (8 MB) and a proxy that cuts every connection after 1 MB from the client
		const root = join(work, 'Maildir');
		for (const sub of ['cur', 'new', 'tmp']) await mkdir(join(root, sub), {recursive: true});
		const raws = Array.from({length: 40}, (_, i) => message(i));
		for (const [i, raw] of raws.entries()) await writeFile(join(root, 'cur', `1600000000.M${i}P1.cut:2,S`), raw);
		const proxy = await FaultProxy.start({targetPort: server.port, plan: () => ({cutClientAt: 1_000_000}), maxFaults: 200, lifetimeMs: 9 * 60_000});
		let run;
		try {
			// When one run of the CLI goes through it
			run = await runCli(['migrate', root, '--to', `imap://flaky@127.0.0.1:${proxy.port}`, '--stats', '0', '--connections', '2'],
				{env: {MAILSHIFT_PASSWORD: server.passwordOf('flaky')}, timeoutMs: 8 * 60_000});
		} finally {
			await proxy.close();
		}
		t.diagnostic(`faults: ${JSON.stringify(proxy.stats)}`);
		// Then the link was really cut, several times, and yet that one run finished
		assert.ok(proxy.stats.clientCuts >= 5, `only ${proxy.stats.clientCuts} cuts`);
		assert.equal(run.code, 0, `exit ${run.code}\n${run.stdout}\n${run.stderr.split('\n').slice(-15).join('\n')}`);
		// And the server, read directly, holds each message exactly once, byte for byte
		const account = await readAccount(server, 'flaky');
		assert.deepEqual(account.messages.map((m) => hash(m.source)).sort(), raws.map((r) => hash(crlf(r))).sort());
	});
});
