/**
 * Ctrl-C on the real CLI: the first SIGINT stops feeding, lets uploads in flight finish, prints the
 * summary, and exits 6 ("run again"); what the summary says was uploaded is exactly what the server holds.
 */
import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import type {ChildProcess} from 'node:child_process';
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
		assert.match(stderr, /run the same command again/);
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

	/** Runs the CLI; `onStderr` sees stderr so far after every chunk and may signal the child. */
	async function run(args: readonly string[], onStderr: (stderr: string, child: ChildProcess) => void = () => {}): Promise<{code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string}> {
		const env = {...process.env, XDG_STATE_HOME: STATE_HOME, MAILSHIFT_PASSWORD: server.passwordOf('alice')};
		const child = spawn(process.execPath, [BIN, ...args], {env, stdio: ['ignore', 'pipe', 'pipe']});
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
		child.stderr.on('data', (d: Buffer) => {
			stderr += d.toString();
			onStderr(stderr, child);
		});
		const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('close', (c, s) => resolve([c, s])));
		return {code, signal, stdout, stderr};
	}

	/** Sends SIGINT once when `when` first matches stderr; the returned getter says whether it was sent. */
	function interruptWhen(when: RegExp): {onStderr: (stderr: string, child: ChildProcess) => void; sent: () => boolean} {
		let isSent = false;
		return {
			onStderr: (stderr, child) => {
				if (isSent || !when.test(stderr)) return;
				isSent = true;
				child.kill('SIGINT');
			},
			sent: () => isSent,
		};
	}

	test('a second Ctrl-C aborts at once, lists nothing as failed, and the next run still ends with every message exactly once', async () => {
		const root = join(work, 'Maildir2');
		const samples = sampleMessages(1500, 4);
		await writeSampleMaildir(root, samples);
		const args = ['migrate', root, '--to', `imap://alice@127.0.0.1:${server.port}`, '--stats', '0', '--connections', '3', '--prefix', 'Second'];
		// The first SIGINT once the second folder has started; the second as soon as the first was acknowledged.
		const first = interruptWhen(/ → [^]* → /);
		const second = interruptWhen(/stopping after the uploads in flight/);
		const stopped = await run(args, (stderr, child) => {
			first.onStderr(stderr, child);
			second.onStderr(stderr, child);
		});
		assert.ok(first.sent() && second.sent(), stopped.stderr);
		assert.equal(stopped.code, 6, `ended by ${stopped.signal}:\n${stopped.stderr}`);
		assert.doesNotMatch(stopped.stdout, /failed:/, 'messages the abort kept back are not failures');
		assert.match(stopped.stdout, /stopped, [\d,]+ messages not sent yet, run the same command again/);
		const again = await run(args);
		assert.equal(again.code, 0, again.stderr);
		const account = await readAccount(server, 'alice');
		const mine = account.messages.filter((m) => m.mailbox.startsWith('Second'));
		assert.deepEqual(mine.map((m) => m.messageId).sort(), samples.map((s) => s.messageId).sort(), 'exactly once');
	});

	test('a second Ctrl-C that comes while the stopped run is closing its connections does not kill it: it exits 6', async () => {
		const root = join(work, 'Maildir3');
		await writeSampleMaildir(root, sampleMessages(300, 2));
		const args = ['migrate', root, '--to', `imap://alice@127.0.0.1:${server.port}`, '--stats', '0', '--prefix', 'Third'];
		const first = interruptWhen(/ → /);
		// The run has printed its summary and its last line: now it closes the journal and the connections.
		const second = interruptWhen(/messages? not sent yet/);
		const stopped = await run(args, (stderr, child) => {
			first.onStderr(stderr, child);
			second.onStderr(stderr, child);
		});
		assert.ok(first.sent() && second.sent(), stopped.stderr);
		assert.equal(stopped.code, 6, `ended by ${stopped.signal}:\n${stopped.stderr}`);
	});

	test('with --max-rate, Ctrl-C does not wait for the pacer: only what was on the wire is uploaded, and the server holds exactly that', async () => {
		// 60 messages, 2 connections × MULTIAPPEND batches of up to 50: all of them are handed to the uploader at
		// once and wait for the pacer (20 s at 3 per second). A stop must withdraw those not sent yet.
		const root = join(work, 'Maildir4');
		const samples = sampleMessages(60, 1);
		await writeSampleMaildir(root, samples);
		const args = ['migrate', root, '--to', `imap://alice@127.0.0.1:${server.port}`, '--stats', '0', '--plain', '--connections', '2', '--max-rate', '3', '--prefix', 'Paced'];
		const first = interruptWhen(/ → /);
		const stopped = await run(args, first.onStderr);
		assert.ok(first.sent(), stopped.stderr);
		assert.equal(stopped.code, 6, stopped.stderr);
		const total = /Total\s+(\d[\d,]*)\s+(\d[\d,]*)\s+(\d[\d,]*)\s+(\d[\d,]*)/.exec(stopped.stdout);
		assert.ok(total, stopped.stdout);
		const uploaded = Number((total[2] ?? '').replaceAll(',', ''));
		assert.equal(Number(total[4]), 0, 'nothing failed');
		assert.ok(uploaded < samples.length, `the stop waited for the pacer: all ${uploaded} were sent`);
		assert.match(stopped.stdout, new RegExp(`stopped, ${samples.length - uploaded} messages? not sent yet`));
		const account = await readAccount(server, 'alice');
		assert.equal(account.messages.filter((m) => m.mailbox.startsWith('Paced')).length, uploaded, 'the server holds what the summary says, no APPEND after it');
	});
});
