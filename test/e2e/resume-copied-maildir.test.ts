/**
 * A resume of a Maildir that was copied without its file times (issue #12 item 8b): the run that finishes the
 * migration judges the folder as the first run did, so the message it sends last gets its Date: header as its
 * received date, not the copy time, and verify agrees. (The reader used to judge only the files the journal did
 * not hold yet: with one file left there was no "copy" to see; seen in CI as verify's "1 altered".)
 */
import assert from 'node:assert/strict';
import {mkdir, mkdtemp, rename, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, test} from 'node:test';
import {dovecotSkipReason, startDovecot} from '../helpers/dovecot.js';
import type {PrivateDovecot} from '../helpers/dovecot.js';
import {readAccount} from '../helpers/imap-readback.js';
import {runCli} from '../helpers/run-cli.js';

const skip = dovecotSkipReason();
const COUNT = 6;

describe('resuming a Maildir copied without its file times', {skip}, () => {
	let server: PrivateDovecot;
	let work: string;
	before(async () => {
		server = await startDovecot({users: ['copied']});
		work = await mkdtemp(join(tmpdir(), 'ms-copied-resume-'));
	});
	after(async () => {
		await server?.stop();
		await rm(work, {recursive: true, force: true});
	});

	test('a re-run with one message left to send gives that message the date of its Date: header and ends with verify OK', async () => {
		// Given six messages of 2009 whose files were all written just now (a copy)
		const root = join(work, 'Maildir');
		for (const sub of ['cur', 'new', 'tmp']) await mkdir(join(root, sub), {recursive: true});
		const dates = new Map<string, Date>();
		for (let i = 0; i < COUNT; i++) {
			const date = new Date(Date.UTC(2009, 2, 2 + i, 8, 0, 0));
			dates.set(`c${i}@copied.test`, date);
			const text = `Subject: c${i}\nMessage-ID: <c${i}@copied.test>\nDate: ${date.toUTCString().replace('GMT', '+0000')}\n\n${'body line\n'.repeat(50)}`;
			await writeFile(join(root, 'cur', `${1_200_000_000 + i}.M${i}.host:2,S`), text);
		}
		const to = `imap://copied@127.0.0.1:${server.port}`;
		const env = {MAILSHIFT_PASSWORD: server.passwordOf('copied')};
		const args = ['migrate', root, '--to', to, '--stats', '0', '--connections', '1'];
		// When a first run sees all but one of them (the last file is moved aside: a rename keeps its file time)
		const last = `${1_200_000_000 + COUNT - 1}.M${COUNT - 1}.host:2,S`;
		await rename(join(root, 'cur', last), join(work, last));
		const first = await runCli(args, {env});
		assert.equal(first.code, 0, first.stderr + first.stdout);
		assert.equal((await readAccount(server, 'copied')).messages.length, COUNT - 1, first.stderr);
		await rename(join(work, last), join(root, 'cur', last));
		// Then the re-run sends the last one with its Date: header's date, and verify says OK
		const resumed = await runCli(args, {env});
		assert.equal(resumed.code, 0, resumed.stderr + resumed.stdout);
		assert.match(resumed.stderr, /Resuming/);
		assert.match(resumed.stdout + resumed.stderr, /Verify: OK/);
		const account = await readAccount(server, 'copied');
		assert.equal(account.messages.length, COUNT);
		for (const message of account.messages) {
			assert.equal(message.internalDate.toISOString(), dates.get(message.messageId ?? '')?.toISOString(), `the received date of <${message.messageId}>`);
		}
	});
});
