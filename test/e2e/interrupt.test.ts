/**
 * Ctrl-C on the real CLI: the first SIGINT stops feeding, lets uploads in flight finish, prints the
 * summary, and exits 6 ("run again"); what the summary says was uploaded is exactly what the server holds.
 */
import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, test} from 'node:test';
import {fileURLToPath} from 'node:url';
import {sampleMessages, writeSampleMaildir} from '../../src/testing/sample-store.js';
import {dovecotSkipReason, startDovecot} from '../helpers/dovecot.js';
import type {PrivateDovecot} from '../helpers/dovecot.js';
import {readAccount} from '../helpers/imap-readback.js';
import {STATE_HOME} from '../helpers/run-cli.js';

const skip = dovecotSkipReason();
const BIN = fileURLToPath(new URL('../../bin/mailshift.js', import.meta.url));

describe('interrupting a migration', {skip}, () => {
	let server: PrivateDovecot;
	let work: string;
	before(async () => {
		server = await startDovecot({users: ['alice']});
		work = await mkdtemp(join(tmpdir(), 'ms-int-'));
	});
	after(async () => {
		await server?.stop();
		await rm(work, {recursive: true, force: true});
	});

	test('Ctrl-C finishes the uploads in flight, prints the summary and exits 6', async () => {
		const root = join(work, 'Maildir');
		await writeSampleMaildir(root, sampleMessages(1500, 3));
		const child = spawn(process.execPath, [BIN, 'migrate', root, '--to', `imap://alice@127.0.0.1:${server.port}`, '--stats', '0', '--connections', '2'], {
			env: {...process.env, XDG_STATE_HOME: STATE_HOME, MAILSHIFT_PASSWORD: server.passwordOf('alice')}, stdio: ['ignore', 'pipe', 'pipe'],
		});
		let stdout = '';
		let stderr = '';
		let interrupted = false;
		child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
		child.stderr.on('data', (d: Buffer) => {
			stderr += d.toString();
			// Interrupt once the second folder has started: uploads are certainly under way.
			if (!interrupted && (stderr.match(/ → /g) ?? []).length >= 2) {
				interrupted = true;
				child.kill('SIGINT');
			}
		});
		const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
		assert.ok(interrupted, `the run ended before it could be interrupted:\n${stderr}`);
		assert.equal(code, 6, `stderr:\n${stderr}\nstdout:\n${stdout}`);
		assert.match(stderr, /stopping after the uploads in flight/);
		assert.match(stderr, /Run the same command again/);
		const total = /Total\s+(\d[\d,]*)\s+(\d[\d,]*)\s+(\d[\d,]*)\s+(\d[\d,]*)/.exec(stdout);
		assert.ok(total, stdout);
		const uploaded = Number((total[2] ?? '').replaceAll(',', ''));
		const failed = Number((total[4] ?? '').replaceAll(',', ''));
		assert.equal(failed, 0, 'nothing in flight was cut off');
		assert.ok(uploaded > 0 && uploaded < 1500, `uploaded ${uploaded}`);
		const account = await readAccount(server, 'alice');
		assert.equal(account.messages.length, uploaded, 'the server holds exactly what the summary reports');
		assert.equal(new Set(account.messages.map((m) => m.messageId)).size, uploaded, 'no duplicates');
	});

	test('a second Ctrl-C aborts at once, and the next run still ends with every message exactly once', async () => {
		const root = join(work, 'Maildir2');
		const samples = sampleMessages(1500, 4);
		await writeSampleMaildir(root, samples);
		const args = [BIN, 'migrate', root, '--to', `imap://alice@127.0.0.1:${server.port}`, '--stats', '0', '--connections', '3', '--prefix', 'Second'];
		const env = {...process.env, XDG_STATE_HOME: STATE_HOME, MAILSHIFT_PASSWORD: server.passwordOf('alice')};
		const child = spawn(process.execPath, args, {env, stdio: ['ignore', 'pipe', 'pipe']});
		let stderr = '';
		let sent = false;
		child.stderr.on('data', (d: Buffer) => {
			stderr += d.toString();
			if (!sent && (stderr.match(/ → /g) ?? []).length >= 2) {
				sent = true;
				child.kill('SIGINT');
				setTimeout(() => child.kill('SIGINT'), 20);
			}
		});
		const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
		assert.ok(sent, stderr);
		assert.equal(code, 6, stderr);
		const again = spawn(process.execPath, args, {env, stdio: ['ignore', 'ignore', 'pipe']});
		let stderr2 = '';
		again.stderr.on('data', (d: Buffer) => (stderr2 += d.toString()));
		assert.equal(await new Promise<number | null>((resolve) => again.on('close', resolve)), 0, stderr2);
		const account = await readAccount(server, 'alice');
		const mine = account.messages.filter((m) => m.mailbox.startsWith('Second'));
		assert.deepEqual(mine.map((m) => m.messageId).sort(), samples.map((s) => s.messageId).sort(), 'exactly once');
	});
});
