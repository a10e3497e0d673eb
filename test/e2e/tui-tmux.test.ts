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
import {until} from '../helpers/frames.js';
import {REPO_ROOT} from '../helpers/run-cli.js';

const hasTmux = spawnSync('sh', ['-c', 'command -v tmux'], {stdio: 'ignore'}).status === 0;
if (!hasTmux) console.log('# SKIP: tmux is not installed (apt-get install -y tmux); the terminal end-to-end test is skipped');
const skip = dovecotSkipReason() ?? (hasTmux ? undefined : 'tmux is not installed');
const SESSION = `mailshift-test-${process.pid}`;

const tmux = (...args: string[]): string => execFileSync('tmux', args, {encoding: 'utf8'});
const screen = (): string => tmux('capture-pane', '-p', '-t', SESSION);

/** The screen once it matches `pattern` (the frames helper, on the tmux pane). */
const waitFor = (pattern: RegExp, timeoutMs = 20_000): Promise<string> => until(screen, pattern, timeoutMs);

/**
 * Once the screen shows `ready` (the screen that takes the keys, showing that it listens: its key hints, "Y/n",
 * its field's text), sends the keys, each in its own send-keys call.
 */
async function press(ready: RegExp, ...k: string[]): Promise<void> {
	await waitFor(ready);
	for (const key of k) tmux('send-keys', '-t', SESSION, key);
}

/** Text and Enter in ONE send-keys call: they reach the program in one read, as a paste with its Enter does. */
async function pasteAndEnter(ready: RegExp, text: string): Promise<void> {
	await waitFor(ready);
	tmux('send-keys', '-t', SESSION, '-l', text);
	tmux('send-keys', '-t', SESSION, 'Enter');
}

/** Clears the server field (its suggested address shown: it listens) with backspaces, read as one chunk or many. */
async function clearServerField(): Promise<void> {
	await waitFor(READY.server);
	tmux('send-keys', '-t', SESSION, ...Array<string>(40).fill('BSpace'));
	await waitFor(/Server[^\n]*:\s*\n\s*\n/);
}

/** What each screen shows once it listens for keys (src/tui/use-is-listening.ts). */
const READY = {
	find: /Where is your mail\? \(↑\/↓ and Enter to choose\)/,
	details: /Enter to use it · b to choose another/,
	question: /Y\/n/,
	address: /e-mail address[\s\S]*you@example\.com/,
	server: /Server[^\n]*:\s*\n\s*imaps?:\/\/\S+/,
	folders: /Enter\s+continues\)/,
	confirm: /Start now\?\s*\n\s*Y\/n/,
	dashboard: /p pause · \+\/- connections/,
	finish: /Press q or Enter to close/,
} as const;

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
		await press(READY.find, 'Enter');
		await waitFor(/7 folders, 900 messages/);
		await press(READY.details, 'Enter');
		await press(/Back up first\?[\s\S]*Y\/n/, 'Enter');
		await press(/Back up into which folder\?\s*\n\s*\S*mailshift-backup/, 'Enter');
		await pasteAndEnter(READY.address, 'alice');
		await clearServerField();
		await pasteAndEnter(/Server[^\n]*:\s*\n\s*\n/, `imap://127.0.0.1:${server.port}`);
		await pasteAndEnter(/Password for alice[\s\S]*\(hidden as you type\)/, server.passwordOf('alice'));
		const login = await waitFor(/Logged in to imap:\/\/127\.0\.0\.1[\s\S]*Enter to continue/);
		assert.doesNotMatch(login, new RegExp(server.passwordOf('alice')), 'the password is never on screen');
		tmux('send-keys', '-t', SESSION, 'Enter');
		await press(/Enter\s+continues\)[\s\S]*7 of 7 folders, 900 messages[\s\S]*1 message is already on the server/, 'Enter');
		await press(READY.confirm, 'Enter');
		await press(READY.dashboard, 'p');
		await press(/Paused — press p to resume/, 'p');
		await waitFor(READY.dashboard);
		const finish = await waitFor(/Done: every message is on the server[\s\S]*Press q or Enter to close/, 120_000);
		assert.match(finish, /Verify: OK/);
		// The backup was written first, and checks out
		const {existsSync} = await import('node:fs');
		assert.ok(existsSync(join(home, 'mailshift-backup', 'manifest.json')), 'the backup has its manifest');
		tmux('send-keys', '-t', SESSION, 'q');
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
		const command = `cd ${REPO_ROOT} && env -u CI HOME=${home} XDG_STATE_HOME=${home}/state2 node bin/mailshift.js tui`;
		tmux('new-session', '-d', '-s', SESSION, '-x', '100', '-y', '30', command);
		await waitFor(/Where is your mail\?[\s\S]*Type a path…/);
		await press(READY.find, 'Down');
		await press(/❯ Type a path…/, 'Enter');
		await waitFor(/Type or paste the path[\s\S]*\/path\/to\/mail/);
		tmux('send-keys', '-t', SESSION, '-l', ost);
		await press(/SampleOstFile\.ost/, 'Enter');
		await waitFor(/Outlook data file: \d+ folders, \d+ messages/, 60_000);
		await press(READY.details, 'Enter');
		await press(/Back up first\?[\s\S]*Y\/n/, 'n');
		await pasteAndEnter(READY.address, 'bob');
		// Typed over the suggested server (it is shown selected): it replaces it, nothing to clear first.
		await pasteAndEnter(READY.server, `imap://127.0.0.1:${server.port}`);
		await pasteAndEnter(/Password for bob[\s\S]*\(hidden as you type\)/, server.passwordOf('bob'));
		await press(/Logged in[\s\S]*Enter to continue/, 'Enter');
		await waitFor(/Which folders/, 60_000);
		await press(READY.folders, 'Enter');
		// The OST's own rules (issue #17): its one rule, Outlook's junk rule, stays with the server's junk filter.
		const rules = /Your rules: 1 filter → 0 server rules; 1 stay on this computer[\s\S]*Junk E-mail Rule[\s\S]*nothing to install\. Continue\?\s*\n\s*Y\/n/;
		await waitFor(rules, 60_000);
		await press(rules, 'Enter');
		await press(READY.confirm, 'Enter');
		const finish = await waitFor(/Done: every message is on the server[\s\S]*Press q or Enter to close/, 120_000);
		assert.match(finish, /Verify: OK/);
		const uploaded = Number((/(\d[\d,]*) uploaded ·/.exec(finish)?.[1] ?? '0').replaceAll(',', ''));
		tmux('send-keys', '-t', SESSION, 'q');
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
		await press(READY.find, 'Enter');
		await press(READY.details, 'Enter');
		await press(/Back up first\?[\s\S]*Y\/n/, 'n');
		await pasteAndEnter(READY.address, 'carol');
		await clearServerField();
		await pasteAndEnter(/Server[^\n]*:\s*\n\s*\n/, `imaps://127.0.0.1:${server.tlsPort}`);
		await pasteAndEnter(/Password for carol[\s\S]*\(hidden as you type\)/, server.passwordOf('carol'));
		const screen = await waitFor(/Trust this certificate for 127\.0\.0\.1:\d+\? \[y\/N\]/);
		assert.match(screen, /it is\s+self-signed/);
		assert.match(screen, /c: use the certificate file/);
		assert.match(screen, /Subject\s+CN=localhost/);
		assert.ok(screen.replace(/\s+/g, '').includes(fingerprint), `the SHA-256 ${fingerprint} is on screen:\n${screen}`);
		assert.doesNotMatch(screen, /--insecure/);
		tmux('send-keys', '-t', SESSION, 'y');
		await press(/Logged in to imaps:\/\/127\.0\.0\.1[\s\S]*Enter to continue/, 'Enter');
		await press(READY.folders, 'Enter');
		await press(READY.confirm, 'Enter');
		const finish = await waitFor(/Done: every message is on the server[\s\S]*Press q or Enter to close/, 120_000);
		assert.match(finish, /Verify: OK/);
		assert.ok(finish.replace(/\s+/g, '').includes(`--tls-fingerprint${fingerprint}`), `the verify command carries the pin:\n${finish}`);
		assert.match(finish, /^mailshift — move your mail/, 'the whole finish screen is on the 24 rows: its first line did not scroll away');
		tmux('send-keys', '-t', SESSION, 'q');
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
		await press(READY.find, 'Enter');
		await press(READY.details, 'Enter');
		await press(/Back up first\?[\s\S]*Y\/n/, 'n');
		await pasteAndEnter(READY.address, 'dave');
		await clearServerField();
		await pasteAndEnter(/Server[^\n]*:\s*\n\s*\n/, `imap://127.0.0.1:${server.port}`);
		await pasteAndEnter(/Password for dave[\s\S]*\(hidden as you type\)/, server.passwordOf('dave'));
		await press(/Logged in to imap:\/\/127\.0\.0\.1[\s\S]*Enter to continue/, 'Enter');
		await press(/Which folders[\s\S]*Enter\s+continues\)[\s\S]*Invoices → Invoices/, 'x');
		await pasteAndEnter(/keep them where they are\):\s*\n\s*Imported\/Old PC/, 'Old PC');
		await press(/Enter\s+continues\)[\s\S]*Everything goes below Old PC/, 'Enter');
		const rules = await waitFor(/Install the 1 server rule after the mail[\s\S]*Y\/n/);
		assert.match(rules, /Your rules: 1 filter → 1 server rule\./);
		tmux('send-keys', '-t', SESSION, 'Enter');
		const confirm = await waitFor(READY.confirm);
		assert.match(confirm, /Rules\s+1 server rule installed after the mail/);
		tmux('send-keys', '-t', SESSION, 'Enter');
		const finish = await waitFor(/Done: every message is on the server[\s\S]*Press q or Enter to close/, 120_000);
		assert.match(finish, /Rules: 1 filter → 1 server rule installed\./);
		assert.match(finish, /^mailshift — move your mail/, 'the whole finish screen is on the 24 rows');
		tmux('send-keys', '-t', SESSION, 'q');

		assert.match(await deliverLmtp(server.lmtpPort ?? 0, 'dave', 'From: ar@billing.example\nSubject: invoice 2\nMessage-ID: <tui-new-inv@t>\n\nx\n'), /^250 /);
		const account = await readAccount(server, 'dave');
		const where = (id: string): string[] => account.messages.filter((m) => m.messageId === id).map((m) => m.mailbox);
		assert.deepEqual(where('tui-old-inv@t'), ['Old PC/Invoices']);
		assert.deepEqual(where('tui-new-inv@t'), ['Old PC/Invoices'], 'the rule files new mail into the folder the old mail went to');
	});
});
