/**
 * `mailshift verify` against the real Dovecot: clean after a migration; then a message deleted on the
 * server, one duplicated and one whose flags changed are each named, and the exit code says so.
 */
import assert from 'node:assert/strict';
import {mkdir, mkdtemp, rm, symlink, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, test} from 'node:test';
import {ImapFlow} from 'imapflow';
import {sampleMessages, writeSampleMaildir} from '../../src/testing/sample-store.js';
import {dovecotSkipReason, startDovecot} from '../helpers/dovecot.js';
import type {PrivateDovecot} from '../helpers/dovecot.js';
import {crlf} from '../helpers/imap-readback.js';
import {runCli} from '../helpers/run-cli.js';

const skip = dovecotSkipReason();

describe('verifying a migration', {skip}, () => {
	let server: PrivateDovecot;
	let work: string;
	before(async () => {
		server = await startDovecot({users: ['alice']});
		work = await mkdtemp(join(tmpdir(), 'ms-verify-'));
	});
	after(async () => {
		await server?.stop();
		await rm(work, {recursive: true, force: true});
	});

	test('verify passes after a migration and names a deleted, a duplicated and an altered message afterwards', async () => {
		const root = join(work, 'Maildir');
		const samples = sampleMessages(30, 21);
		await writeSampleMaildir(root, samples);
		const env = {MAILSHIFT_PASSWORD: server.passwordOf('alice')};
		const to = `imap://alice@127.0.0.1:${server.port}`;
		assert.equal((await runCli(['migrate', root, '--to', to, '--stats', '0'], {env})).code, 0);

		const clean = await runCli(['verify', root, '--to', to, '--deep'], {env});
		assert.equal(clean.code, 0, clean.stdout + clean.stderr);
		assert.match(clean.stdout, /OK: every one of the 30 messages is on the server exactly once/);

		// Given three changes made on the server behind mailshift's back
		const inbox = samples.filter((s) => s.folder.length === 1 && s.folder[0] === 'Inbox');
		const [gone, twice, flagged] = [inbox[0]!, inbox[1]!, inbox[2]!];
		const client = new ImapFlow({host: '127.0.0.1', port: server.port, secure: false, auth: {user: 'alice', pass: server.passwordOf('alice')}, logger: false});
		await client.connect();
		const lock = await client.getMailboxLock('INBOX');
		try {
			const uidOf = async (id: string): Promise<number> => {
				const found = await client.search({header: {'message-id': id}}, {uid: true});
				assert.ok(found && found.length === 1, `one copy of ${id}`);
				return found[0]!;
			};
			await client.messageDelete(String(await uidOf(gone.messageId)), {uid: true});
			await client.append('INBOX', crlf(twice.raw), [], twice.received);
			const flaggedUid = await uidOf(flagged.messageId);
			await client.messageFlagsAdd(String(flaggedUid), ['\\Flagged', '$Important'], {uid: true});
		} finally {
			lock.release();
			await client.logout();
		}

		// When verify runs again, then each is named and the exit code is 5
		const dirty = await runCli(['verify', root, '--to', to], {env});
		assert.equal(dirty.code, 5, dirty.stdout + dirty.stderr);
		assert.match(dirty.stdout, /missing: .*: not in INBOX \(Message-ID <sample-21-\d+@demo\.mailshift\.invalid>\)/);
		assert.match(dirty.stdout, new RegExp(`duplicated: INBOX: Message-ID <${twice.messageId.replaceAll('.', '\\.')}> is in INBOX 1 more time`));
		assert.match(dirty.stdout, /altered: .*flags .*\\flagged/i);
		assert.match(dirty.stdout, /NOT OK/);

		// And a plain re-run trusts the journal (a deletion on the server may be deliberate) …
		// (and its automatic verify says what is wrong, with exit 5)
		const rerun = await runCli(['migrate', root, '--to', to, '--stats', '0'], {env});
		assert.equal(rerun.code, 5, rerun.stderr);
		assert.match(rerun.stdout, /Verify: 1 missing, 1 extra copies, 1 altered/);
		assert.match(rerun.stdout, /Total\s+30\s+0\s+30/);
		// … while --new-journal checks every message on the server and puts back only the missing one
		const restore = await runCli(['migrate', root, '--to', to, '--stats', '0', '--new-journal'], {env});
		assert.equal(restore.code, 5, restore.stderr); // the duplicate and the changed flags are still there
		assert.match(restore.stdout, /Verify: 0 missing, 1 extra copies, 1 altered/);
		assert.match(restore.stdout, /Total\s+30\s+1\s+29/);
		const after = await runCli(['verify', root, '--to', to], {env});
		assert.match(after.stdout, /missing\s+altered\s+extra[\s\S]*Total\s+30\s+29\s+0\s+1\s+1/, after.stdout);
	});

	test('verify never says OK for a source it could not read: it names what it could not read and exits 3', async () => {
		// Given a migrated Maildir, then a message file in it that cannot be read (a link to nowhere: as root,
		// permissions would not stop the reader)
		const root = join(work, 'Unreadable');
		await writeSampleMaildir(root, sampleMessages(6, 5));
		const env = {MAILSHIFT_PASSWORD: server.passwordOf('alice')};
		const to = `imap://alice@127.0.0.1:${server.port}`;
		assert.equal((await runCli(['migrate', root, '--to', to, '--stats', '0', '--prefix', 'Unreadable'], {env})).code, 0);
		await symlink(join(work, 'no-such-file'), join(root, 'cur', '1700000000.M1P1.gone:2,S'));
		// When verify runs
		const result = await runCli(['verify', root, '--to', to, '--prefix', 'Unreadable'], {env});
		// Then it says what it could not read, is not OK, and exits 3 (SOURCE)
		assert.equal(result.code, 3, result.stdout + result.stderr);
		assert.match(result.stdout, /NOT OK: could not read the source: .*1700000000\.M1P1\.gone/);
		assert.doesNotMatch(result.stdout, /^OK/m);
	});

	test('a message with 16k NUL bytes, which Dovecot stores with 0x80 instead, is "stored altered by the server" once, not missing or extra, and not uploaded again', async () => {
		const root = join(work, 'Nul');
		for (const sub of ['cur', 'new', 'tmp']) await mkdir(join(root, sub), {recursive: true});
		await writeFile(join(root, 'cur', '1.M1P1.nul:2,S'), 'From: a@example.org\nSubject: plain\nMessage-ID: <plain@nul>\nDate: Mon, 1 Jan 2024 00:00:00 +0000\n\nhello\n');
		await writeFile(join(root, 'cur', '2.M2P1.nul:2,S'), Buffer.concat([
			Buffer.from('From: a@example.org\nSubject: zeros\nMessage-ID: <zeros@nul>\nDate: Mon, 1 Jan 2024 00:00:01 +0000\n\nstart\n'), Buffer.alloc(16 * 1024), Buffer.from('\nend\n')]));
		const env = {MAILSHIFT_PASSWORD: server.passwordOf('alice')};
		const to = `imap://alice@127.0.0.1:${server.port}`;
		const args = ['--to', to, '--prefix', 'Nul'];
		const run = await runCli(['migrate', root, ...args, '--stats', '0'], {env});
		assert.equal(run.code, 0, run.stdout + run.stderr);
		assert.match(run.stdout, /Verify: OK .*1 stored altered by the server/);
		const verify = await runCli(['verify', root, ...args], {env});
		assert.equal(verify.code, 0, verify.stdout + verify.stderr);
		assert.equal(verify.stdout.match(/altered-by-server: /g)?.length, 1, verify.stdout);
		assert.match(verify.stdout, /altered-by-server: .*2\.M2P1\.nul.*replaced its NUL bytes/);
		const again = await runCli(['migrate', root, ...args, '--stats', '0', '--new-journal'], {env});
		assert.equal(again.code, 0, again.stdout + again.stderr);
		assert.match(again.stdout, /Total\s+2\s+0\s+2/);
	});
});
