/**
 * A dry run that finds what would stop or fail the real run says so in its exit code: mail that does not fit
 * the quota exits 7 (as the real run's over-quota stop), messages over APPENDLIMIT exit 5 (as the real run's
 * failed messages; this Dovecot announces no APPENDLIMIT, so that case is tested on findDryRunBlocker in
 * test/cli/dry-run-blocker.test.ts). The private Dovecot's `tiny` user has a 1 MiB quota.
 */
import assert from 'node:assert/strict';
import {mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, test} from 'node:test';
import {dovecotSkipReason, startDovecot} from '../helpers/dovecot.js';
import type {PrivateDovecot} from '../helpers/dovecot.js';
import {readAccount} from '../helpers/imap-readback.js';
import {runMain} from '../helpers/run-main.js';

const skip = dovecotSkipReason();

describe('a dry run that finds a blocker', {skip}, () => {
	let server: PrivateDovecot;
	let work: string;
	before(async () => {
		server = await startDovecot({users: ['roomy'], tinyQuota: '1M', tinyMaxMail: '512k'});
		work = await mkdtemp(join(tmpdir(), 'ms-dry-block-'));
	});
	after(async () => {
		await server?.stop();
		await rm(work, {recursive: true, force: true});
	});

	async function maildir(name: string, sizes: readonly number[]): Promise<string> {
		const root = join(work, name);
		for (const sub of ['cur', 'new', 'tmp']) await mkdir(join(root, sub), {recursive: true});
		for (const [i, size] of sizes.entries()) {
			await writeFile(join(root, 'cur', `${1000 + i}.M${i}.h:2,S`), `Subject: ${name} ${i}\nMessage-ID: <${name}-${i}@dry.test>\nDate: Mon, 2 Mar 2009 08:00:00 +0000\n\n${'z'.repeat(75).concat('\n').repeat(Math.ceil(size / 76))}`);
		}
		return root;
	}

	const cli = (args: readonly string[], user: string) => runMain(args, {MAILSHIFT_PASSWORD: server.passwordOf(user), XDG_STATE_HOME: join(work, 'state')});

	test('mail that does not fit the quota makes the dry run exit 7 with the numbers, and nothing is written', async () => {
		// Given 12 messages of ~150 KB (1.8 MB) for a 1 MiB quota
		const root = await maildir('big', Array<number>(12).fill(150_000));
		const run = await cli(['migrate', root, '--to', `imap://tiny@127.0.0.1:${server.port}`, '--dry-run', '--stats', '0'], 'tiny');
		assert.equal(run.code, 7, run.stderr + run.stdout);
		assert.match(run.stdout, /it does NOT fit/);
		assert.match(run.stderr, /Dry run: the mail does not fit the account's quota: it needs 1\.\d MiB, 1(\.0)? MiB is free/);
		assert.equal((await readAccount(server, 'tiny')).messages.length, 0);
	});

	test('a dry run that finds nothing in the way still exits 0', async () => {
		const root = await maildir('small', [2_000, 3_000]);
		const run = await cli(['migrate', root, '--to', `imap://roomy@127.0.0.1:${server.port}`, '--dry-run', '--stats', '0'], 'roomy');
		assert.equal(run.code, 0, run.stderr + run.stdout);
		assert.match(run.stdout, /Quota: the server reports none/);
	});
});
