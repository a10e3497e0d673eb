/**
 * The CLI's user errors, run for real: each gives one clear sentence naming the thing and what to do,
 * the documented exit code (src/contracts/exit-codes.ts), and no stack trace. Server-side refusals of single
 * messages are reported and the run continues.
 */
import assert from 'node:assert/strict';
import {mkdir, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import {createServer} from 'node:net';
import {hostname, tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, test} from 'node:test';
import {dovecotSkipReason, startDovecot} from '../helpers/dovecot.js';
import type {PrivateDovecot} from '../helpers/dovecot.js';
import {readAccount} from '../helpers/imap-readback.js';
import {runCli} from '../helpers/run-cli.js';

const skip = dovecotSkipReason();

function assertNoStack(text: string): void {
	assert.doesNotMatch(text, /^\s+at .+\(.+:\d+:\d+\)$/m, `no stack trace expected:\n${text}`);
}

async function unusedPort(): Promise<number> {
	return new Promise((resolve) => {
		const s = createServer();
		s.listen(0, '127.0.0.1', () => {
			const port = (s.address() as {port: number}).port;
			s.close(() => resolve(port));
		});
	});
}

async function maildirWith(root: string, messages: Record<string, string>): Promise<void> {
	for (const sub of ['cur', 'new', 'tmp']) await mkdir(join(root, sub), {recursive: true});
	for (const [name, text] of Object.entries(messages)) await writeFile(join(root, 'cur', name), text);
}

let work: string;
before(async () => {
	work = await mkdtemp(join(tmpdir(), 'ms-cli-'));
	await maildirWith(join(work, 'Maildir'), {'1.M1.h:2,S': 'Subject: hi\nMessage-ID: <1@x>\nDate: Mon, 2 Mar 2009 08:00:00 +0000\n\nhello\n'});
});
after(async () => {
	await rm(work, {recursive: true, force: true});
});

describe('usage and source errors', () => {
	test('a missing source exits 3 with one sentence naming the path', async () => {
		const result = await runCli(['migrate', join(work, 'nope'), '--dry-run']);
		assert.equal(result.code, 3);
		assert.match(result.stderr, /mailshift: The source .*nope does not exist\./);
		assertNoStack(result.stderr);
	});

	test('a missing source with --json and --report still prints the summary line and writes the report, with fatalError set and totals 0', async () => {
		const reportPath = join(work, 'missing-report.json');
		const result = await runCli(['migrate', join(work, 'nope'), '--dry-run', '--json', '--report', reportPath]);
		assert.equal(result.code, 3, result.stderr);
		const line = JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '') as {type: string; fatalError: {code: string} | null; totals: {found: number}};
		assert.equal(line.type, 'summary');
		assert.equal(line.fatalError?.code, 'SOURCE_NOT_FOUND');
		assert.equal(line.totals.found, 0);
		const report = JSON.parse(await readFile(reportPath, 'utf8')) as {fatalError: {code: string; message: string} | null; totals: {uploaded: number}};
		assert.equal(report.fatalError?.code, 'SOURCE_NOT_FOUND');
		assert.match(report.fatalError.message, /nope does not exist/);
		assert.equal(report.totals.uploaded, 0);
		assert.match(result.stderr, /Report: /);
	});

	test('a single .eml file (even one that starts with "From ") exits 3 and names the folder to give instead', async () => {
		await mkdir(join(work, 'exported'), {recursive: true});
		await writeFile(join(work, 'exported', 'one.eml'), 'From someone Mon Mar  2 08:00:00 2009\nSubject: hi\n\nhello\n');
		const result = await runCli(['migrate', join(work, 'exported', 'one.eml'), '--dry-run']);
		assert.equal(result.code, 3);
		assert.match(result.stderr, /is a single message file \(\.eml\), not a mail store/);
		assert.match(result.stderr, /Give the folder that holds it: mailshift migrate '.*exported'/);
		assertNoStack(result.stderr);
	});

	test('a directory without mail exits 3 and says what a store looks like', async () => {
		await mkdir(join(work, 'photos'), {recursive: true});
		await writeFile(join(work, 'photos', 'a.jpg'), Buffer.from([0xff, 0xd8, 0xff]));
		const result = await runCli(['migrate', join(work, 'photos'), '--dry-run']);
		assert.equal(result.code, 3);
		assert.match(result.stderr, /No mail store was found in .*photos/);
		assert.match(result.stderr, /cur\/ and new\//);
	});

	test('a truncated .pst exits 9 (source incomplete) and a mislabelled one 3, each with one sentence naming the file and the reason', async () => {
		await writeFile(join(work, 'cut.pst'), Buffer.from('!BDN....SM\x17\x00'));
		const cut = await runCli(['migrate', join(work, 'cut.pst'), '--dry-run']);
		assert.equal(cut.code, 9);
		assert.match(cut.stderr, /mailshift: .*cut\.pst is truncated: it has 12 bytes/);
		assertNoStack(cut.stderr);
		await writeFile(join(work, 'notes.pst'), 'These are my notes, not a mailbox.\n');
		const notPst = await runCli(['migrate', join(work, 'notes.pst'), '--dry-run']);
		assert.equal(notPst.code, 3);
		assert.match(notPst.stderr, /mailshift: .*notes\.pst is not an Outlook data file \(\.pst\/\.ost\)/);
		assertNoStack(notPst.stderr);
	});

	test('a password on the command line is refused with exit 2 and never echoed', async () => {
		const inUrl = await runCli(['migrate', join(work, 'Maildir'), '--to', 'imap://alice:s3cret-pw@127.0.0.1:1']);
		assert.equal(inUrl.code, 2);
		assert.match(inUrl.stderr, /contains a password/);
		assert.doesNotMatch(inUrl.stderr + inUrl.stdout, /s3cret-pw/);
		const asFlag = await runCli(['migrate', join(work, 'Maildir'), '--to', 'imap://alice@127.0.0.1:1', '--password', 's3cret-pw']);
		assert.equal(asFlag.code, 2);
		assert.match(asFlag.stderr, /never accepted on the command line/);
		assert.doesNotMatch(asFlag.stderr + asFlag.stdout, /s3cret-pw/);
	});

	test('without a password and without a terminal the run stops with exit 2 and says where a password can come from', async () => {
		const result = await runCli(['migrate', join(work, 'Maildir'), '--to', `imap://alice@127.0.0.1:${await unusedPort()}`]);
		assert.equal(result.code, 2);
		assert.match(result.stderr, /MAILSHIFT_PASSWORD/);
	});

	test('a malformed URL and an unknown option are usage errors (exit 2)', async () => {
		assert.equal((await runCli(['migrate', join(work, 'Maildir'), '--to', 'http://x'])).code, 2);
		const unknown = await runCli(['migrate', join(work, 'Maildir'), '--dry-run', '--frobnicate']);
		assert.equal(unknown.code, 2);
		assert.match(unknown.stderr, /frobnicate/);
	});

	test('--help lists the option groups and the password sources', async () => {
		const result = await runCli(['migrate', '--help']);
		assert.equal(result.code, 0);
		for (const group of ['Destination:', 'Folders:', 'Behaviour:', 'Output:']) assert.match(result.stdout, new RegExp(group));
		assert.match(result.stdout, /--password-file/);
		assert.match(result.stdout, /--exclude/);
	});

	test('a dry run without --to plans against a default layout and needs no server', async () => {
		const result = await runCli(['migrate', join(work, 'Maildir'), '--dry-run', '--stats', '0']);
		assert.equal(result.code, 0, result.stderr);
		assert.match(result.stdout, /INBOX\s+→ INBOX\s+1\s+1/);
	});
});

describe('the journal lock comes first', () => {
	test('a run whose journal another live run holds is refused (exit 7) before it asks for a password or connects', async () => {
		const journal = join(work, 'locked.sqlite');
		// A live process (the test runner) on this host holds the lock.
		await writeFile(`${journal}.lock`, JSON.stringify({pid: process.pid, host: hostname(), startedAt: new Date().toISOString()}));
		const port = await unusedPort();
		const result = await runCli(['migrate', join(work, 'Maildir'), '--to', `imap://me@127.0.0.1:${port}`, '--journal', journal, '--plain', '--stats', '0'], {env: {MAILSHIFT_PASSWORD: undefined}});
		assert.equal(result.code, 7, result.stderr);
		assert.match(result.stderr, new RegExp(`Another mailshift run \\(pid ${process.pid} `));
		assert.doesNotMatch(result.stderr, /password|connect/i);
		assertNoStack(result.stderr);
	});
});

describe('connection errors against real sockets', {skip}, () => {
	let server: PrivateDovecot;
	before(async () => {
		server = await startDovecot({tls: true, users: ['alice'], tinyQuota: '1M', tinyMaxMail: '256k'});
	});
	after(async () => {
		await server?.stop();
	});
	const env = (pw: string): Record<string, string> => ({MAILSHIFT_PASSWORD: pw});

	test('connection refused exits 8 and names the address', async () => {
		const port = await unusedPort();
		const result = await runCli(['migrate', join(work, 'Maildir'), '--to', `imap://alice@127.0.0.1:${port}`], {env: env('x')});
		assert.equal(result.code, 8);
		assert.match(result.stderr, new RegExp(`Nothing accepted the connection at imap://alice@127.0.0.1:${port}`));
		assertNoStack(result.stderr);
	});

	test('a wrong password exits 4 with a hint and without the password', async () => {
		const result = await runCli(['migrate', join(work, 'Maildir'), '--to', `imaps://alice@127.0.0.1:${server.tlsPort}`, '--insecure'], {env: env('wrong-pw-123')});
		assert.equal(result.code, 4, result.stderr);
		assert.match(result.stderr, /Login to imaps:\/\/alice@127\.0\.0\.1:\d+ failed/);
		assert.doesNotMatch(result.stderr + result.stdout, /wrong-pw-123/);
		assertNoStack(result.stderr);
	});

	test('a wrong password with --json and --report exits 4, prints the summary line and writes the report with fatalError AUTH_FAILED', async () => {
		const reportPath = join(work, 'auth-report.json');
		const result = await runCli(['migrate', join(work, 'Maildir'), '--to', `imaps://alice@127.0.0.1:${server.tlsPort}`, '--insecure', '--json', '--report', reportPath], {env: env('wrong-pw-123')});
		assert.equal(result.code, 4, result.stderr);
		const line = JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '') as {type: string; fatalError: {code: string} | null};
		assert.equal(line.type, 'summary');
		assert.equal(line.fatalError?.code, 'AUTH_FAILED');
		const report = await readFile(reportPath, 'utf8');
		assert.equal((JSON.parse(report) as {fatalError: {code: string} | null}).fatalError?.code, 'AUTH_FAILED');
		assert.doesNotMatch(report + result.stdout + result.stderr, /wrong-pw-123/);
	});

	test('an untrusted TLS certificate exits 8 and says how to trust it (--tls-fingerprint, --ca-file), never --insecure; with --insecure the upload works', async () => {
		const refused = await runCli(['migrate', join(work, 'Maildir'), '--to', `imaps://alice@127.0.0.1:${server.tlsPort}`], {env: env(server.passwordOf('alice'))});
		assert.equal(refused.code, 8, refused.stderr);
		assert.match(refused.stderr, /secure \(TLS\) connection .* failed/);
		// A certificate that is not trusted may be a machine in between: the hint names the safe ways only.
		assert.match(refused.stderr, /--tls-fingerprint SHA256/);
		assert.match(refused.stderr, /--ca-file FILE/);
		assert.doesNotMatch(refused.stderr, /--insecure/);
		const accepted = await runCli(['migrate', join(work, 'Maildir'), '--to', `imaps://alice@127.0.0.1:${server.tlsPort}`, '--insecure', '--stats', '0'], {env: env(server.passwordOf('alice'))});
		assert.equal(accepted.code, 0, accepted.stderr);
		const account = await readAccount(server, 'alice');
		assert.equal(account.messages.filter((m) => m.messageId === '1@x').length, 1);
	});

	test('imaps:// to a plain IMAP port is a TLS failure, not a hang', async () => {
		const result = await runCli(['migrate', join(work, 'Maildir'), '--to', `imaps://alice@127.0.0.1:${server.port}`], {env: env('x'), timeoutMs: 60_000});
		assert.equal(result.code, 8, result.stderr);
		assert.match(result.stderr, /TLS/);
	});

	test('a message the server refuses as too big is reported by name and the rest of the run continues (exit 5)', async () => {
		// Given user "tiny" (quota_max_mail_size 256k) and a store with one 300 KB message between two small ones
		const root = join(work, 'big');
		const big = 'Subject: big\nMessage-ID: <big@x>\nDate: Mon, 2 Mar 2009 08:00:00 +0000\n\n' + 'x'.repeat(76).concat('\n').repeat(4000);
		await maildirWith(root, {
			'1.M1.h:2,S': 'Subject: a\nMessage-ID: <a@x>\nDate: Mon, 2 Mar 2009 08:00:00 +0000\n\na\n',
			'2.M2.h:2,S': big,
			'3.M3.h:2,S': 'Subject: c\nMessage-ID: <c@x>\nDate: Mon, 2 Mar 2009 08:00:00 +0000\n\nc\n',
		});
		const report = join(work, 'big-report.json');
		const result = await runCli(['migrate', root, '--to', `imaps://tiny@127.0.0.1:${server.tlsPort}`, '--insecure', '--report', report, '--stats', '0', '--connections', '1'], {env: env(server.passwordOf('tiny'))});
		assert.equal(result.code, 5, result.stderr + result.stdout);
		assert.match(result.stdout, /failed: .*2\.M2\.h:2,S: The server refused the message as too big/);
		const account = await readAccount(server, 'tiny');
		assert.deepEqual(account.messages.map((m) => m.messageId).sort(), ['a@x', 'c@x']);
		const json = JSON.parse(await readFile(report, 'utf8')) as {problems: Array<{kind: string; code: string; location: string}>};
		assert.ok(json.problems.some((p) => p.kind === 'failed' && p.code === 'TOO_BIG' && p.location.endsWith('2.M2.h:2,S')));
	});

	test('a full mailbox stops the run cleanly with exit 7 and the numbers so far', async () => {
		const root = join(work, 'quota');
		const messages: Record<string, string> = {};
		for (let i = 0; i < 8; i++) messages[`${i}.M${i}.h:2,S`] = `Subject: q${i}\nMessage-ID: <q${i}@x>\nDate: Mon, 2 Mar 2009 08:00:00 +0000\n\n` + 'y'.repeat(76).concat('\n').repeat(2500);
		await maildirWith(root, messages);
		const result = await runCli(['migrate', root, '--to', `imaps://tiny@127.0.0.1:${server.tlsPort}`, '--insecure', '--stats', '0', '--connections', '1'], {env: env(server.passwordOf('tiny'))});
		assert.equal(result.code, 7, result.stderr + result.stdout);
		assert.match(result.stderr, /is full/);
		assert.match(result.stderr, /Free space on the server/);
		assert.match(result.stdout, /Total/);
	});
});
