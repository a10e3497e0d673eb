/**
 * Exactly once, against the real Dovecot: SIGKILL the CLI at random moments and re-run until it completes;
 * re-run a finished migration; pre-load part of the store by other means; change the folder mapping; a
 * locked journal. Every check reads the server back: the multiset of (Message-ID, body hash) must equal the
 * source's — 0 duplicates, 0 missing.
 */
import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {createHash} from 'node:crypto';
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, test} from 'node:test';
import {fileURLToPath} from 'node:url';
import {ImapFlow} from 'imapflow';
import {sampleMessages, writeSampleMaildir} from '../../src/testing/sample-store.js';
import type {SampleMessage} from '../../src/testing/sample-store.js';
import {dovecotSkipReason, startDovecot} from '../helpers/dovecot.js';
import type {PrivateDovecot} from '../helpers/dovecot.js';
import {crlf, readAccount} from '../helpers/imap-readback.js';
import {runCli, STATE_HOME} from '../helpers/run-cli.js';

const skip = dovecotSkipReason();
const BIN = fileURLToPath(new URL('../../bin/mailshift.js', import.meta.url));
const hash = (b: Buffer): string => createHash('sha256').update(b).digest('hex').slice(0, 16);

/** Multiset of "messageId hash" over the whole account, and over the source. */
function serverMultiset(messages: ReadonlyArray<{messageId: string | undefined; source: Buffer}>): string[] {
	return messages.map((m) => `${m.messageId} ${hash(m.source)}`).sort();
}
function sourceMultiset(samples: readonly SampleMessage[]): string[] {
	return samples.map((s) => `${s.messageId} ${hash(crlf(s.raw))}`).sort();
}

/** Seeded PRNG for kill times, so a failure can be replayed. */
function rng(seed: number): () => number {
	let a = seed;
	return () => {
		a = (a * 1103515245 + 12345) % 2147483648;
		return a / 2147483648;
	};
}

describe('exactly-once delivery across crashes and re-runs', {skip}, () => {
	let server: PrivateDovecot;
	let work: string;
	before(async () => {
		server = await startDovecot({users: ['kill', 'rerun', 'preload', 'mapping', 'locked']});
		work = await mkdtemp(join(tmpdir(), 'ms-once-'));
	});
	after(async () => {
		await server?.stop();
		await rm(work, {recursive: true, force: true});
	});
	const env = (user: string): Record<string, string> => ({MAILSHIFT_PASSWORD: server.passwordOf(user)});
	const to = (user: string): string => `imap://${user}@127.0.0.1:${server.port}`;

	test('killing the CLI at random moments ten times and re-running leaves every message on the server exactly once', async () => {
		const root = join(work, 'kill');
		const samples = sampleMessages(1200, 42);
		await writeSampleMaildir(root, samples);
		const random = rng(20261122);
		let kills = 0;
		let finished = false;
		for (let run = 0; run < 40 && !finished; run++) {
			const child = spawn(process.execPath, [BIN, 'migrate', root, '--to', to('kill'), '--stats', '0', '--connections', '3', '--batch-size', '25'], {
				env: {...process.env, XDG_STATE_HOME: STATE_HOME, ...env('kill')}, stdio: ['ignore', 'ignore', 'pipe'],
			});
			let stderr = '';
			child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
			const timer = kills < 10 ? setTimeout(() => child.kill('SIGKILL'), 150 + Math.floor(random() * 900)) : undefined;
			const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('close', (c, s) => resolve([c, s])));
			clearTimeout(timer);
			if (signal === 'SIGKILL') kills++;
			else {
				assert.equal(code, 0, `run ${run} ended with ${code}:\n${stderr}`);
				finished = kills >= 10;
			}
		}
		assert.ok(kills >= 10, `killed ${kills} times`);
		const account = await readAccount(server, 'kill');
		assert.deepEqual(serverMultiset(account.messages), sourceMultiset(samples), 'the server holds each source message exactly once');
	});

	test('re-running a finished migration uploads nothing and says why', async () => {
		const root = join(work, 'rerun');
		const samples = sampleMessages(40, 7);
		await writeSampleMaildir(root, samples);
		const first = await runCli(['migrate', root, '--to', to('rerun'), '--stats', '0'], {env: env('rerun')});
		assert.equal(first.code, 0, first.stderr);
		const second = await runCli(['migrate', root, '--to', to('rerun'), '--stats', '0'], {env: env('rerun')});
		assert.equal(second.code, 0, second.stderr);
		assert.match(second.stderr, /Resuming: the journal .* has 40 messages done/);
		assert.match(second.stdout, /Total\s+40\s+0\s+40\s+0/);
		assert.match(second.stdout, /40 already uploaded/);
		// Even without the journal (a new one), the copies on the server are found and not uploaded again.
		const third = await runCli(['migrate', root, '--to', to('rerun'), '--stats', '0', '--new-journal'], {env: env('rerun')});
		assert.equal(third.code, 0, third.stderr);
		assert.match(third.stdout, /40 already on server/);
		const account = await readAccount(server, 'rerun');
		assert.deepEqual(serverMultiset(account.messages), sourceMultiset(samples));
		// And `status` reads the journal without a password or a server
		const status = await runCli(['status', root, '--to', to('rerun')]);
		assert.equal(status.code, 0, status.stderr);
		assert.match(status.stdout, /Total\s+40\s+0\s+0\s+0/);
		assert.match(status.stdout, /40 of the done messages were found already on the server/);
		const none = await runCli(['status', root, '--to', to('nobody')]);
		assert.equal(none.code, 2);
		assert.match(none.stderr, /There is no journal at .*: this migration has not run yet/);
	});

	test('messages already on the server (put there by another tool) are not uploaded again', async () => {
		const root = join(work, 'preload');
		const samples = sampleMessages(30, 9);
		await writeSampleMaildir(root, samples);
		// Given a third of the Inbox already on the server, with an extra header as a POP client would leave it
		const client = new ImapFlow({host: '127.0.0.1', port: server.port, secure: false, auth: {user: 'preload', pass: server.passwordOf('preload')}, logger: false});
		await client.connect();
		const inbox = samples.filter((s) => s.folder.length === 1 && s.folder[0] === 'Inbox');
		const preloaded = inbox.slice(0, 3);
		for (const s of preloaded) await client.append('INBOX', Buffer.concat([Buffer.from('X-POP-Client: left on server\r\n'), crlf(s.raw)]), ['\\Seen'], s.received);
		await client.logout();
		// When
		const report = join(work, 'preload-report.json');
		const result = await runCli(['migrate', root, '--to', to('preload'), '--stats', '0', '--report', report], {env: env('preload')});
		assert.equal(result.code, 0, result.stderr);
		// Then the preloaded ones are not there twice, everything else is there once
		const account = await readAccount(server, 'preload');
		const ids = account.messages.map((m) => m.messageId).sort();
		assert.deepEqual(ids, samples.map((s) => s.messageId).sort(), 'every Message-ID exactly once');
		const json = JSON.parse(await readFile(report, 'utf8')) as {skippedNotListed: Record<string, number>; totals: {uploaded: number}};
		assert.equal(json.skippedNotListed['ALREADY_ON_SERVER'], 3);
		assert.equal(json.totals.uploaded, samples.length - 3);
	});

	test('resuming with a different folder mapping is refused unless --new-journal', async () => {
		const root = join(work, 'mapping');
		await writeSampleMaildir(root, sampleMessages(10, 3));
		assert.equal((await runCli(['migrate', root, '--to', to('mapping'), '--stats', '0'], {env: env('mapping')})).code, 0);
		const changed = await runCli(['migrate', root, '--to', to('mapping'), '--stats', '0', '--prefix', 'Old'], {env: env('mapping')});
		assert.equal(changed.code, 2, changed.stderr);
		assert.match(changed.stderr, /belongs to a different migration/);
		assert.match(changed.stderr, /--new-journal/);
		const forced = await runCli(['migrate', root, '--to', to('mapping'), '--stats', '0', '--prefix', 'Old', '--new-journal'], {env: env('mapping')});
		assert.equal(forced.code, 0, forced.stderr);
	});

	test('a journal in use by another live run is refused; a stale lock from a dead run is taken over', async () => {
		const root = join(work, 'locked');
		await writeSampleMaildir(root, sampleMessages(5, 5));
		const journal = join(work, 'locked.sqlite');
		const {hostname} = await import('node:os');
		await writeFile(`${journal}.lock`, JSON.stringify({pid: process.pid, host: hostname(), startedAt: new Date().toISOString()}));
		const refused = await runCli(['migrate', root, '--to', to('locked'), '--stats', '0', '--journal', journal], {env: env('locked')});
		assert.equal(refused.code, 7, refused.stderr);
		assert.match(refused.stderr, /Another mailshift run \(pid \d+/);
		await writeFile(`${journal}.lock`, JSON.stringify({pid: 999_999, host: hostname(), startedAt: '2020-01-01T00:00:00Z'}));
		const stale = await runCli(['migrate', root, '--to', to('locked'), '--stats', '0', '--journal', journal], {env: env('locked')});
		assert.equal(stale.code, 0, stale.stderr);
		assert.match(stale.stderr, /ended without releasing the journal/);
	});
});
