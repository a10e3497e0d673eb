/**
 * --compress auto|on|off (issue #14; uploader/compression.ts): COMPRESS=DEFLATE is used only when asked for or
 * when `auto` finds the server is not on this computer or the local network; the --json summary says what was
 * used and why; and an upload through a compressed session is complete and verifies (every message once, same
 * bytes). The private Dovecot offers COMPRESS=DEFLATE with `compress: true` (zlib + imap_zlib plugins).
 */
import assert from 'node:assert/strict';
import {mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, test} from 'node:test';
import {addressScope, decideCompression} from '../../src/uploader/compression.js';
import {dovecotSkipReason, startDovecot} from '../helpers/dovecot.js';
import type {PrivateDovecot} from '../helpers/dovecot.js';
import {runMain} from '../helpers/run-main.js';

describe('the COMPRESS decision', () => {
	test('addresses on this computer, on the local network and elsewhere are told apart', () => {
		for (const a of ['127.0.0.1', '127.8.9.1', '::1', '::ffff:127.0.0.1']) assert.equal(addressScope(a), 'loopback', a);
		for (const a of ['10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.20', '169.254.3.4', '100.64.0.1', 'fd12:3456::1', 'fe80::1%eth0']) assert.equal(addressScope(a), 'local', a);
		for (const a of ['172.32.0.1', '8.8.8.8', '142.250.1.108', '2a00:1450:4001::6c', '100.128.0.1']) assert.equal(addressScope(a), 'remote', a);
	});

	test('auto compresses only when some address of the server is beyond the local network', async () => {
		const resolver = (table: Record<string, readonly string[]>) => async (host: string): Promise<readonly string[]> => {
			const found = table[host];
			if (!found) throw new Error(`ENOTFOUND ${host}`);
			return found;
		};
		const dns = resolver({'localhost': ['127.0.0.1', '::1'], 'nas.lan': ['192.168.1.5'], 'imap.gmail.com': ['142.250.1.108'], 'split.example': ['10.0.0.2', '203.0.113.9']});
		assert.equal((await decideCompression('auto', 'localhost', dns)).request, false);
		assert.match((await decideCompression('auto', '127.0.0.1', dns)).reason, /on this computer/);
		assert.equal((await decideCompression('auto', 'nas.lan', dns)).request, false);
		assert.equal((await decideCompression('auto', 'imap.gmail.com', dns)).request, true);
		assert.equal((await decideCompression('auto', 'split.example', dns)).request, true);
		assert.equal((await decideCompression('auto', 'nowhere.invalid', dns)).request, true, 'an unresolvable host is treated as remote');
		assert.deepEqual(await decideCompression('on', '127.0.0.1', dns), {mode: 'on', request: true, reason: '--compress on'});
		assert.deepEqual(await decideCompression('off', 'imap.gmail.com', dns), {mode: 'off', request: false, reason: '--compress off'});
	});
});

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

	type Summary = {totals: {uploaded: number; failed: number}; verify: {status: string; checked: number; ok: number}; compression: {mode: string; used: boolean; reason: string} | null};
	const migrate = async (server: PrivateDovecot, args: readonly string[], journal: string): Promise<Summary> => {
		const run = await runMain(['migrate', store, '--to', `imap://cz@127.0.0.1:${server.port}`, '--stats', '0', '--json', '--journal', join(work, journal), ...args], {MAILSHIFT_PASSWORD: server.passwordOf('cz'), XDG_STATE_HOME: join(work, 'state')});
		assert.equal(run.code, 0, run.stderr);
		return JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '{}') as Summary;
	};

	test('with --compress on, a server offering COMPRESS=DEFLATE gets every message through a compressed session, and verify finds each once', async () => {
		const summary = await migrate(compressing, ['--compress', 'on', '--prefix', 'On'], 'on.sqlite');
		assert.deepEqual(summary.compression, {mode: 'on', used: true, reason: '--compress on'});
		assert.deepEqual([summary.totals.uploaded, summary.totals.failed], [40, 0]);
		assert.deepEqual([summary.verify.status, summary.verify.checked, summary.verify.ok], ['ok', 40, 40]);
	});

	test('by default (auto), a server on 127.0.0.1 is not asked to compress, and the summary says why', async () => {
		const summary = await migrate(compressing, ['--prefix', 'Auto'], 'auto.sqlite');
		assert.equal(summary.compression?.mode, 'auto');
		assert.equal(summary.compression?.used, false);
		assert.match(summary.compression?.reason ?? '', /on this computer \(127\.0\.0\.1\)/);
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
