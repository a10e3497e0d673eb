/**
 * --compress auto|on|off (issue #14; uploader/compression.ts): COMPRESS=DEFLATE is used when asked for, or when
 * `auto` measured that it pays — through a slow link (a rate-limited loopback proxy standing in for a home
 * uplink) it turns compression on in the middle of the upload, on a plain loopback it does not; the --json
 * summary says what was used and why; and every message arrives intact (read back and compared) and verifies.
 * The private Dovecot offers COMPRESS=DEFLATE with `compress: true` (zlib + imap_zlib plugins).
 */
import assert from 'node:assert/strict';
import {mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, test} from 'node:test';
import {dovecotSkipReason, startDovecot} from '../helpers/dovecot.js';
import type {PrivateDovecot} from '../helpers/dovecot.js';
import {runMain} from '../helpers/run-main.js';
import {readAccount} from '../helpers/imap-readback.js';
import type {UploadJob} from '../../src/contracts/types.js';
import {ImapSink} from '../../src/uploader/imap-sink.js';
import {startRateLimitedProxy} from '../../src/testing/rate-limited-proxy.js';
import {mulberry32} from '../../src/testing/prng.js';

const skip = dovecotSkipReason();

describe('--compress against Dovecot', {skip}, () => {
	let compressing: PrivateDovecot;
	let plain: PrivateDovecot;
	let work: string;
	let store: string;
	before(async () => {
		compressing = await startDovecot({users: ['cz'], compress: true});
		plain = await startDovecot({users: ['cz']});
		work = await mkdtemp(join(tmpdir(), 'ms-compress-'));
		store = join(work, 'Maildir');
		for (const sub of ['cur', 'new', 'tmp']) await mkdir(join(store, sub), {recursive: true});
		// Text that deflates well and one larger message spanning many deflate chunks (16 KiB each in imapflow).
		for (let i = 0; i < 40; i++) {
			const body = i === 0 ? `${'The quick brown fox jumps over the lazy dog. '.repeat(8000)}\n` : `body ${i}\n${'lorem ipsum dolor sit amet '.repeat(40 + i)}\n`;
			await writeFile(join(store, 'cur', `${i}.M${i}.h:2,S`), `Subject: c${i}\nMessage-ID: <c${i}@cz.test>\nDate: Mon, 2 Mar 2009 08:00:00 +0000\n\n${body}`);
		}
	});
	after(async () => {
		await compressing?.stop();
		await plain?.stop();
		await rm(work, {recursive: true, force: true});
	});

	type Summary = {totals: {uploaded: number; failed: number}; verify: {status: string; checked: number; ok: number}; compression: {mode: string; used: boolean; reason: string; measured: unknown} | null};
	const migrate = async (server: PrivateDovecot, args: readonly string[], journal: string): Promise<Summary> => {
		const run = await runMain(['migrate', store, '--to', `imap://cz@127.0.0.1:${server.port}`, '--stats', '0', '--json', '--journal', join(work, journal), ...args], {MAILSHIFT_PASSWORD: server.passwordOf('cz'), XDG_STATE_HOME: join(work, 'state')});
		assert.equal(run.code, 0, run.stderr);
		return JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '{}') as Summary;
	};

	test('with --compress on, a server offering COMPRESS=DEFLATE gets every message through a compressed session, and verify finds each once', async () => {
		const summary = await migrate(compressing, ['--compress', 'on', '--prefix', 'On'], 'on.sqlite');
		assert.deepEqual(summary.compression, {mode: 'on', used: true, reason: '--compress on (DEFLATE level 1)', measured: null});
		assert.deepEqual([summary.totals.uploaded, summary.totals.failed], [40, 0]);
		assert.deepEqual([summary.verify.status, summary.verify.checked, summary.verify.ok], ['ok', 40, 40]);
	});

	test('by default (auto), an upload too small to measure stays uncompressed, and the summary says why', async () => {
		const summary = await migrate(compressing, ['--prefix', 'Auto'], 'auto.sqlite');
		assert.equal(summary.compression?.mode, 'auto');
		assert.equal(summary.compression?.used, false);
		assert.match(summary.compression?.reason ?? '', /ended before auto had measured enough \(\d+\.\d of 4 MiB acknowledged\)/);
		assert.deepEqual([summary.totals.uploaded, summary.verify.status], [40, 'ok']);
	});

	test('--compress on against a server without COMPRESS=DEFLATE uploads uncompressed and says the server does not offer it', async () => {
		const summary = await migrate(plain, ['--compress', 'on'], 'plain.sqlite');
		assert.deepEqual([summary.compression?.used, summary.totals.uploaded, summary.verify.status], [false, 40, 'ok']);
		assert.match(summary.compression?.reason ?? '', /does not offer COMPRESS=DEFLATE/);
	});

	test('--compress with another word is a usage error naming the choices', async () => {
		const run = await runMain(['migrate', store, '--to', `imap://cz@127.0.0.1:${plain.port}`, '--compress', 'maybe'], {MAILSHIFT_PASSWORD: plain.passwordOf('cz'), XDG_STATE_HOME: join(work, 'state')});
		assert.equal(run.code, 2, run.stderr);
		assert.match(run.stderr, /auto, on, off|Choices/);
	});
});

const WORDS = 'the of and to in is for on that with as by at from this be are we our your meeting report figures quarter region budget project schedule review draft attached please find below action items agreed next week customer order invoice delivery update thanks regards'.split(' ');

/** Text mail of ~100 KiB each from seeded random words (deflates to about a third, like real text); every message differs. */
function textJob(n: number): UploadJob {
	const random = mulberry32(1000 + n);
	const lines: string[] = [];
	for (let size = 0; size < 100_000;) {
		const line = Array.from({length: 12}, () => WORDS[Math.floor(random() * WORDS.length)]).join(' ') + '\r\n';
		lines.push(line);
		size += line.length;
	}
	const content = Buffer.from(`Message-ID: <auto-${n}@cz.test>\r\nSubject: minutes ${n}\r\nDate: Mon, 2 Mar 2009 08:00:00 +0000\r\n\r\n${lines.join('')}`);
	return {
		ref: {store: 's', folder: 'f', key: String(n), location: `#${n}`}, mailbox: 'Minutes', content, flags: ['\\Seen'],
		internalDate: new Date(Date.UTC(2009, 2, 2, 8, 0, n % 60)), dateSource: 'date-header', messageId: `auto-${n}@cz.test`, fingerprint: `mid:auto-${n}@cz.test:${content.length}`,
	};
}

describe('--compress auto decides from what it measures', {skip}, () => {
	let server: PrivateDovecot;
	/** The same without LITERAL+ (RFC 7888 LITERAL- only): literals over 4 KiB wait for a `+`, a round trip each. */
	let minus: PrivateDovecot;
	before(async () => {
		server = await startDovecot({users: ['slow', 'fast'], compress: true});
		minus = await startDovecot({users: ['trial'], compress: true, extraConfig: 'imap_literal_minus = yes\n'});
	});
	after(async () => {
		await server?.stop();
		await minus?.stop();
	});

	// Small windows (2 MiB, then a 2 MiB trial) so a 9 MiB store reaches a decision with half of it left to send;
	// batches of 2 messages so the connections take turns (a real run's are 8 MiB each).
	const upload = async (port: number, user: string, of = server): Promise<{sink: ImapSink; jobs: UploadJob[]}> => {
		const sink = await ImapSink.connect({
			target: {host: '127.0.0.1', port, implicitTls: false, requireStartTls: false, insecure: false, user},
			password: of.passwordOf(user), size: 4, compress: 'auto', batch: {maxMessages: 2, maxBytes: 2 ** 20},
			meterOptions: {windowBytes: 2 * 2 ** 20, minSeconds: 0, maxSeconds: 30},
		});
		const jobs = Array.from({length: 96}, (_, i) => textJob(i));
		await sink.ensureMailbox('Minutes');
		const receipts = await Promise.all(jobs.map((j) => sink.append(j)));
		assert.equal(receipts.length, jobs.length);
		return {sink, jobs};
	};
	const assertIntact = async (user: string, jobs: readonly UploadJob[], of = server): Promise<void> => {
		const stored = new Map((await readAccount(of, user)).messages.map((m) => [m.messageId, m.source]));
		assert.equal(stored.size, jobs.length);
		for (const job of jobs) assert.ok(stored.get(job.messageId)?.equals(job.content), `${job.messageId} arrived byte for byte`);
	};

	test('through a slow link (a loopback proxy at 8 Mbit/s) it turns compression on mid-upload for every connection, and every message arrives intact', async (t) => {
		const proxy = await startRateLimitedProxy(server.port, 2 ** 20);
		try {
			const {sink, jobs} = await upload(proxy.port, 'slow');
			const report = sink.compression;
			await sink.close();
			t.diagnostic(report?.reason ?? '');
			assert.equal(report?.used, true, report?.reason);
			// The server has LITERAL+: the link limits the rate as predicted, so no trial (connection-pool.ts).
			assert.match(report?.reason ?? '', /compressed is predicted .*× as fast; \d connections compressed \(DEFLATE level 1\)$/);
			assert.equal((report?.measured as {trialSpeedup?: unknown} | null)?.trialSpeedup, null);
			const sent = jobs.reduce((sum, j) => sum + j.content.length, 0);
			assert.ok(proxy.clientBytes < sent * 0.8, `${proxy.clientBytes} bytes crossed the link for ${sent} bytes of mail`);
			await assertIntact('slow', jobs);
		} finally {
			await proxy.close();
		}
	});

	test('to a server without LITERAL+ through the slow link it first compresses one connection as a trial, then the rest, and every message arrives intact', async (t) => {
		const proxy = await startRateLimitedProxy(minus.port, 2 ** 20);
		try {
			const {sink, jobs} = await upload(proxy.port, 'trial', minus);
			const report = sink.compression;
			await sink.close();
			t.diagnostic(report?.reason ?? '');
			assert.match(report?.reason ?? '', /compressed is predicted .*× as fast; then one connection compressed sent .* \(\d+\.\d+×\)/);
			assert.equal(typeof (report?.measured as {trialSpeedup?: unknown} | null)?.trialSpeedup, 'number');
			await assertIntact('trial', jobs, minus);
		} finally {
			await proxy.close();
		}
	});

	test('straight to a server on loopback it measures and stays uncompressed', async (t) => {
		const {sink, jobs} = await upload(server.port, 'fast');
		const report = sink.compression;
		await sink.close();
		t.diagnostic(report?.reason ?? '');
		assert.equal(report?.used, false, report?.reason);
		assert.ok(report?.measured, 'it decided from measurements');
		await assertIntact('fast', jobs);
	});
});
