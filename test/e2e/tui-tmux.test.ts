/**
 * The guided mode in a real terminal: tmux runs `mailshift` (no arguments) at 80×24 with a fake home that holds
 * a Thunderbird profile; the test types as a person would, pauses and resumes the upload, reads the finish
 * screen, and then reads the server back. Skips, saying why, without tmux or Dovecot.
 */
import assert from 'node:assert/strict';
import {execFileSync, spawnSync} from 'node:child_process';
import {existsSync} from 'node:fs';
import {mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, test} from 'node:test';
import {sampleMessages, writeSampleThunderbird} from '../../src/testing/sample-store.js';
import {dovecotSkipReason, sieveServerSkipReason, startDovecot} from '../helpers/dovecot.js';
import {deliverLmtp} from '../helpers/lmtp.js';
import type {PrivateDovecot} from '../helpers/dovecot.js';
import {readAccount} from '../helpers/imap-readback.js';
import {REPO_ROOT} from '../helpers/run-cli.js';

const hasTmux = spawnSync('sh', ['-c', 'command -v tmux'], {stdio: 'ignore'}).status === 0;
if (!hasTmux) console.log('# SKIP: tmux is not installed (apt-get install -y tmux); the terminal end-to-end test is skipped');
const skip = dovecotSkipReason() ?? (hasTmux ? undefined : 'tmux is not installed');
const SESSION = `mailshift-test-${process.pid}`;

const tmux = (...args: string[]): string => execFileSync('tmux', args, {encoding: 'utf8'});
const screen = (): string => tmux('capture-pane', '-p', '-t', SESSION);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitFor(pattern: RegExp, timeoutMs = 20_000): Promise<string> {
	const started = Date.now();
	for (;;) {
		const text = screen();
		if (pattern.test(text)) return text;
		if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${pattern}; the screen was:\n${text}`);
		await sleep(100);
	}
}

async function keys(...k: string[]): Promise<void> {
	await sleep(150);
	for (const key of k) {
		tmux('send-keys', '-t', SESSION, key);
		await sleep(80);
	}
}

/** Text and Enter in ONE send-keys call: they reach the program in one read, as a paste with its Enter does. */
async function typeAndEnter(text: string): Promise<void> {
	await sleep(150);
	tmux('send-keys', '-t', SESSION, text, 'Enter');
}

async function typeText(text: string): Promise<void> {
	await sleep(150);
	tmux('send-keys', '-t', SESSION, '-l', text);
	await sleep(150);
}

describe('the guided mode in a real terminal', {skip}, () => {
	let server: PrivateDovecot;
	let home: string;
	before(async () => {
		server = await startDovecot({users: ['alice', 'bob']});
		home = await mkdtemp(join(tmpdir(), 'ms-home-'));
		const profile = join(home, '.thunderbird', 'x1.default');
		await mkdir(join(profile, 'Mail'), {recursive: true});
		await writeFile(join(home, '.thunderbird', 'profiles.ini'), '[Profile0]\nName=default\nIsRelative=1\nPath=x1.default\nDefault=1\n');
		const stored = await writeSampleThunderbird(join(profile, 'Mail', 'Local Folders'), sampleMessages(900, 77));
		// One Inbox message is already on the server, as POP's "leave a copy on the server" would have left it.
		const first = stored.find((m) => m.folder.length === 1 && m.folder[0] === 'Inbox');
		const {ImapFlow} = await import('imapflow');
		const client = new ImapFlow({host: '127.0.0.1', port: server.port, secure: false, auth: {user: 'alice', pass: server.passwordOf('alice')}, logger: false});
		await client.connect();
		if (first) await client.append('INBOX', Buffer.from(first.raw.toString('latin1').replace(/\r?\n/g, '\r\n'), 'latin1'), [...first.flags], first.received);
		await client.logout();
	});
	after(async () => {
		try {
			tmux('kill-session', '-t', SESSION);
		} catch {
			// already gone
		}
		await server?.stop();
		await rm(home, {recursive: true, force: true});
	});

	test('a person finds Thunderbird mail, logs in, pauses and resumes, and ends with every message on the server', async () => {
		// ink renders only the final frame when CI is set (even empty), so the child runs without it.
		const command = `cd ${REPO_ROOT} && env -u CI HOME=${home} XDG_STATE_HOME=${home}/state node bin/mailshift.js`;
		tmux('new-session', '-d', '-s', SESSION, '-x', '80', '-y', '24', command);
		await waitFor(/Where is your mail\?[\s\S]*Thunderbird x1\.default: Local Folders/);
		await keys('Enter');
		await waitFor(/7 folders, 900 messages/);
		await keys('Enter');
		await waitFor(/Back up first\?/);
		await keys('Enter');
		await waitFor(/Back up into which folder\?/);
		await keys('Enter');
		await waitFor(/e-mail address/);
		await typeAndEnter('alice');
		await waitFor(/Server/);
		await sleep(200);
		for (let i = 0; i < 30; i++) {
			tmux('send-keys', '-t', SESSION, 'BSpace');
			await sleep(15); // one key per read: ink takes a multi-key chunk as text
		}
		await typeAndEnter(`imap://127.0.0.1:${server.port}`);
		await waitFor(/Password for alice/);
		await typeAndEnter(server.passwordOf('alice'));
		const login = await waitFor(/Logged in to imap:\/\/127\.0\.0\.1/);
		assert.doesNotMatch(login, new RegExp(server.passwordOf('alice')), 'the password is never on screen');
		await keys('Enter');
		await waitFor(/Which folders[\s\S]*7 of 7 folders, 900 messages[\s\S]*1 messages are already on the server/);
		await keys('Enter');
		await waitFor(/Start now\?/);
		await keys('Enter');
		await waitFor(/messages ·/);
		await keys('p');
		await waitFor(/Paused — press p to resume/);
		await keys('p');
		await waitFor(/p pause · \+\/- connections/);
		const finish = await waitFor(/Done: every message is on the server/, 120_000);
		assert.match(finish, /Verify: OK/);
		// The backup was written first, and checks out
		const {existsSync} = await import('node:fs');
		assert.ok(existsSync(join(home, 'mailshift-backup', 'manifest.json')), 'the backup has its manifest');
		await keys('q');
		const account = await readAccount(server, 'alice');
		assert.equal(account.messages.length, 900, 'the message that was already there is not uploaded again');
		assert.equal(new Set(account.messages.map((m) => m.messageId)).size, 900, 'each message once');
	});

	test('a person types the path of a real Outlook OST from the corpus, skips the backup, and ends with it verified on the server', async (t) => {
		const ost = join(REPO_ROOT, '..', 'shared', 'corpus', 'pst', 'aspose__SampleOstFile.ost');
		if (!existsSync(ost)) {
			console.log(`# SKIP: ${ost} is absent (the shared corpus is optional)`);
			t.skip('the shared corpus is absent');
			return;
		}
		try {
			tmux('kill-session', '-t', SESSION); // the first test's wizard may still be open
		} catch {
			// it closed on q
		}
		await sleep(500);
		const command = `cd ${REPO_ROOT} && env -u CI HOME=${home} XDG_STATE_HOME=${home}/state2 node bin/mailshift.js tui`;
		tmux('new-session', '-d', '-s', SESSION, '-x', '100', '-y', '30', command);
		await waitFor(/Where is your mail\?[\s\S]*Type a path…/);
		await keys('Down', 'Enter');
		await waitFor(/Type or paste the path/);
		await typeText(ost);
		await keys('Enter');
		await waitFor(/Outlook data file: \d+ folders, \d+ messages/, 60_000);
		await keys('Enter');
		await waitFor(/Back up first\?/);
		await keys('n');
		await waitFor(/e-mail address/);
		await typeText('bob');
		await keys('Enter');
		await waitFor(/Server/);
		await sleep(200);
		for (let i = 0; i < 30; i++) {
			tmux('send-keys', '-t', SESSION, 'BSpace');
			await sleep(15);
		}
		await typeText(`imap://127.0.0.1:${server.port}`);
		await keys('Enter');
		await waitFor(/Password for bob/);
		await typeText(server.passwordOf('bob'));
		await keys('Enter');
		await waitFor(/Logged in/);
		await keys('Enter');
		await waitFor(/Which folders/, 60_000);
		await keys('Enter');
		await waitFor(/Start now\?/);
		await keys('Enter');
		const finish = await waitFor(/Done: every message is on the server/, 120_000);
		assert.match(finish, /Verify: OK/);
		const uploaded = Number((/(\d[\d,]*) uploaded ·/.exec(finish)?.[1] ?? '0').replaceAll(',', ''));
		await keys('q');
		const account = await readAccount(server, 'bob');
		assert.ok(uploaded > 50, `uploaded ${uploaded}`);
		assert.equal(account.messages.length, uploaded, 'the server holds what the finish screen says');
	});
});

describe('the guided mode against a server with a self-signed certificate', {skip}, () => {
	let server: PrivateDovecot;
	let home: string;
	before(async () => {
		server = await startDovecot({tls: true, users: ['carol']});
		home = await mkdtemp(join(tmpdir(), 'ms-home-tls-'));
		const profile = join(home, '.thunderbird', 'x2.default');
		await mkdir(join(profile, 'Mail'), {recursive: true});
		await writeFile(join(home, '.thunderbird', 'profiles.ini'), '[Profile0]\nName=default\nIsRelative=1\nPath=x2.default\nDefault=1\n');
		await writeSampleThunderbird(join(profile, 'Mail', 'Local Folders'), sampleMessages(40, 12));
	});
	after(async () => {
		try {
			tmux('kill-session', '-t', SESSION);
		} catch {
			// already gone
		}
		await server?.stop();
		await rm(home, {recursive: true, force: true});
	});

	test('a person sees the certificate, trusts it for this server, and the finish screen carries the pin in its verify command', async () => {
		try {
			tmux('kill-session', '-t', SESSION); // an earlier test's wizard may still be open
		} catch {
			// it closed on q
		}
		const fingerprint = execFileSync('openssl', ['x509', '-noout', '-fingerprint', '-sha256', '-in', join(server.dir, 'tls', 'cert.pem')], {encoding: 'utf8'}).split('=')[1]?.trim() ?? '';
		const command = `cd ${REPO_ROOT} && env -u CI HOME=${home} XDG_STATE_HOME=${home}/state node bin/mailshift.js`;
		tmux('new-session', '-d', '-s', SESSION, '-x', '80', '-y', '24', command);
		await waitFor(/Thunderbird x2\.default: Local Folders.*messages/);
		await keys('Enter');
		await waitFor(/Enter to use it/);
		await keys('Enter');
		await waitFor(/Back up first\?/);
		await keys('n');
		await waitFor(/e-mail address/);
		await typeAndEnter('carol');
		await waitFor(/Server/);
		await sleep(200);
		for (let i = 0; i < 30; i++) {
			tmux('send-keys', '-t', SESSION, 'BSpace');
			await sleep(15);
		}
		await typeAndEnter(`imaps://127.0.0.1:${server.tlsPort}`);
		await waitFor(/Password for carol/);
		await typeAndEnter(server.passwordOf('carol'));
		const screen = await waitFor(/Trust this certificate for 127\.0\.0\.1:\d+\? \[y\/N\]/);
		assert.match(screen, /it is\s+self-signed/);
		assert.match(screen, /c: use the certificate file/);
		assert.match(screen, /Subject\s+CN=localhost/);
		assert.ok(screen.replace(/\s+/g, '').includes(fingerprint), `the SHA-256 ${fingerprint} is on screen:\n${screen}`);
		assert.doesNotMatch(screen, /--insecure/);
		await keys('y');
		await waitFor(/Logged in to imaps:\/\/127\.0\.0\.1/);
		await keys('Enter');
		await waitFor(/Which folders/);
		await keys('Enter');
		await waitFor(/Start now\?/);
		await keys('Enter');
		const finish = await waitFor(/Done: every message is on the server[\s\S]*Press q or Enter to close/, 120_000);
		assert.match(finish, /Verify: OK/);
		assert.ok(finish.replace(/\s+/g, '').includes(`--tls-fingerprint${fingerprint}`), `the verify command carries the pin:\n${finish}`);
		assert.match(finish, /^mailshift — move your mail/, 'the whole finish screen is on the 24 rows: its first line did not scroll away');
		await keys('q');
		const account = await readAccount(server, 'carol');
		assert.equal(account.messages.length, 40);
	});
});

describe('the guided mode carries the Thunderbird filters to the server as Sieve rules', {skip: sieveServerSkipReason() ?? skip}, () => {
	let server: PrivateDovecot;
	let home: string;
	before(async () => {
		server = await startDovecot({sieve: true, users: ['dave']});
		home = await mkdtemp(join(tmpdir(), 'ms-home-rules-'));
		const profile = join(home, '.thunderbird', 'x3.default');
		const local = join(profile, 'Mail', 'Local Folders');
		await mkdir(join(profile, 'Mail'), {recursive: true});
		await writeFile(join(home, '.thunderbird', 'profiles.ini'), '[Profile0]\nName=default\nIsRelative=1\nPath=x3.default\nDefault=1\n');
		await writeSampleThunderbird(local, sampleMessages(20, 5));
		await writeFile(join(local, 'Invoices'), 'From ar@billing.example Mon Mar  2 09:00:00 2009\nFrom: ar@billing.example\nSubject: invoice 1\nMessage-ID: <tui-old-inv@t>\n\nx\n');
		await writeFile(join(local, 'msgFilterRules.dat'), 'version="9"\nlogging="no"\nname="Invoices"\nenabled="yes"\ntype="17"\naction="Move to folder"\nactionValue="mailbox://nobody@Local%20Folders/Invoices"\ncondition="AND (subject,contains,invoice)"\n');
	});
	after(async () => {
		try {
			tmux('kill-session', '-t', SESSION);
		} catch {
			// already gone
		}
		await server?.stop();
		await rm(home, {recursive: true, force: true});
	});

	test('a person puts the old mail below one folder, installs the rules after the mail, and a message delivered afterwards lands in the migrated folder', async () => {
		try {
			tmux('kill-session', '-t', SESSION); // an earlier test's wizard may still be open
		} catch {
			// it closed on q
		}
		const command = `cd ${REPO_ROOT} && env -u CI HOME=${home} XDG_STATE_HOME=${home}/state node bin/mailshift.js tui --sieve-port ${server.managesievePort ?? 0}`;
		tmux('new-session', '-d', '-s', SESSION, '-x', '80', '-y', '24', command);
		await waitFor(/Thunderbird x3\.default: Local Folders.*messages/);
		await keys('Enter');
		await waitFor(/Enter to use it/);
		await keys('Enter');
		await waitFor(/Back up first\?/);
		await keys('n');
		await waitFor(/e-mail address/);
		await typeAndEnter('dave');
		await waitFor(/Server/);
		await sleep(200);
		for (let i = 0; i < 30; i++) {
			tmux('send-keys', '-t', SESSION, 'BSpace');
			await sleep(15);
		}
		await typeAndEnter(`imap://127.0.0.1:${server.port}`);
		await waitFor(/Password for dave/);
		await typeAndEnter(server.passwordOf('dave'));
		await waitFor(/Logged in to imap:\/\/127\.0\.0\.1/);
		await keys('Enter');
		await waitFor(/Which folders[\s\S]*Invoices → Invoices/);
		await keys('x');
		await waitFor(/below one folder on the server/);
		await typeAndEnter('Old PC');
		await waitFor(/Everything goes below Old PC/);
		await keys('Enter');
		const rules = await waitFor(/Install the 1 server rules after the mail/);
		assert.match(rules, /Your rules: 1 filters → 1 server rules\./);
		await keys('Enter');
		const confirm = await waitFor(/Start now\?/);
		assert.match(confirm, /Rules\s+1 server rules installed after the mail/);
		await keys('Enter');
		const finish = await waitFor(/Done: every message is on the server[\s\S]*Press q or Enter to close/, 120_000);
		assert.match(finish, /Rules: 1 filters → 1 server rules installed\./);
		assert.match(finish, /^mailshift — move your mail/, 'the whole finish screen is on the 24 rows');
		await keys('q');

		assert.match(await deliverLmtp(server.lmtpPort ?? 0, 'dave', 'From: ar@billing.example\nSubject: invoice 2\nMessage-ID: <tui-new-inv@t>\n\nx\n'), /^250 /);
		const account = await readAccount(server, 'dave');
		const where = (id: string): string[] => account.messages.filter((m) => m.messageId === id).map((m) => m.mailbox);
		assert.deepEqual(where('tui-old-inv@t'), ['Old PC/Invoices']);
		assert.deepEqual(where('tui-new-inv@t'), ['Old PC/Invoices'], 'the rule files new mail into the folder the old mail went to');
	});
});
