/**
 * Issue #17 end to end for Outlook: a .rwz rules export (built per gromox outlook_rule_spec.rst) → `mailshift
 * rules FILE --install` over ManageSieve → mail delivered through LMTP → read back over IMAP. A rule counts as
 * carried only when a delivered message proves it. And `migrate --rules` with a real OST from the corpus: the
 * mail goes up, the store's rules are read from its Inbox and the one that cannot run on a server is named.
 */
import assert from 'node:assert/strict';
import {existsSync} from 'node:fs';
import {mkdtemp, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, test} from 'node:test';
import {Writable} from 'node:stream';

import type {CliIo} from '../../src/app/migrate.js';
import {createWizardServices} from '../../src/app/create-wizard-services.js';

import {sieveServerSkipReason, startDovecot} from '../helpers/dovecot.js';
import type {PrivateDovecot} from '../helpers/dovecot.js';
import {readAccount} from '../helpers/imap-readback.js';
import {deliverLmtp} from '../helpers/lmtp.js';
import {runCli} from '../helpers/run-cli.js';
import {el, person, receiveHead, rwzStream} from '../helpers/rwz-writer.js';

const skip = sieveServerSkipReason();
const CORPUS_OST = '/work/shared/corpus/pst/aspose__SampleOstFile.ost';

const RULES = rwzStream([
	{name: 'Invoices', elements: [...receiveHead(), el.subjectOrBody(['invoice']), el.from([person('ar@billing.example')]), el.markRead(), el.move('Invoices'), el.stop()]},
	{name: 'Newsletters', elements: [...receiveHead(), el.senderWords(['news@']), el.subject(['urgent'], true), el.move('Newsletters')]},
	{name: 'Urgent', elements: [...receiveHead(), el.importance(2), el.followUp()]},
	{name: 'Mine', elements: [...receiveHead(), el.onlyToMe(), el.categories('Personal')]},
	{name: 'Attachments', elements: [...receiveHead(), el.attachment(), el.copy('Files')]},
	{name: 'Lottery', elements: [...receiveHead(), el.subject(['lottery']), el.delete()]},
	{name: 'Categorised', elements: [...receiveHead(), el.category('Work'), el.move('Work')]},
	{name: 'Ding', elements: [...receiveHead(), el.from([person('boss@example.com')]), el.sound('C:\\ding.wav')]},
]);

type Expectation = Readonly<{rule: string; id: string; headers: string; body?: string; mailboxes: readonly string[]; flags: readonly string[]}>;

const ATTACHED = 'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="b"';
const EXPECTED: readonly Expectation[] = [
	{rule: 'Invoices', id: 'inv', headers: 'From: Billing <ar@billing.example>\nTo: list@example.com\nSubject: May', body: 'your invoice is attached\n', mailboxes: ['Invoices'], flags: ['\\Seen']},
	{rule: 'Newsletters', id: 'news', headers: 'From: news@shop.example\nTo: list@example.com\nSubject: offers', mailboxes: ['Newsletters'], flags: []},
	// The exception keeps an urgent newsletter in INBOX.
	{rule: 'Newsletters', id: 'news-urgent', headers: 'From: news@shop.example\nTo: list@example.com\nSubject: urgent recall', mailboxes: ['INBOX'], flags: []},
	{rule: 'Urgent', id: 'urgent', headers: 'From: a@b.example\nTo: list@example.com\nImportance: High\nSubject: now', mailboxes: ['INBOX'], flags: ['\\Flagged']},
	{rule: 'Mine', id: 'mine', headers: 'From: a@b.example\nTo: Alice <alice@example.com>\nSubject: for you', mailboxes: ['INBOX'], flags: ['personal']},
	{rule: 'Attachments', id: 'att', headers: `From: a@b.example\nTo: list@example.com\nSubject: pics\n${ATTACHED}`, body: '--b\nContent-Type: text/plain\n\nhi\n--b\nContent-Type: image/png; name="a.png"\nContent-Disposition: attachment; filename="a.png"\n\niVBOR\n--b--\n', mailboxes: ['INBOX', 'Files'], flags: []},
	{rule: 'Lottery', id: 'lottery', headers: 'From: x@spam.example\nTo: list@example.com\nSubject: LOTTERY win', mailboxes: ['Trash'], flags: []},
	// Not carried (category) / partly with nothing a server can do: they leave the message in INBOX.
	{rule: '(none)', id: 'boss', headers: 'From: The Boss <boss@example.com>\nTo: list@example.com\nSubject: call me', mailboxes: ['INBOX'], flags: []},
];

describe('Outlook rules installed over ManageSieve sort mail delivered through LMTP', {skip}, () => {
	let server: PrivateDovecot;
	let work: string;
	before(async () => {
		server = await startDovecot({sieve: true, users: ['alice', 'bob']});
		work = await mkdtemp(join(tmpdir(), 'ms-outlook-rules-'));
	});
	after(async () => {
		await server?.stop();
		await rm(work, {recursive: true, force: true});
	});

	test('Given a .rwz export, then `mailshift rules --install` carries what a server can do, names what stays, and every carried rule is proven by a delivered message', async () => {
		const file = join(work, 'rules.rwz');
		await writeFile(file, RULES);
		// The login name is the address, so "sent only to me" knows who "me" is (Dovecot strips the domain).
		const result = await runCli(['rules', file, '--to', `imap://alice%40example.com@127.0.0.1:${server.port}`, '--install', '--sieve-port', String(server.managesievePort)],
			{env: {MAILSHIFT_PASSWORD: server.passwordOf('alice')}});
		assert.equal(result.code, 5, `something stays behind, so the exit code says so\n${result.stdout}\n${result.stderr}`);
		for (const name of ['Invoices', 'Newsletters', 'Mine', 'Attachments', 'Lottery']) assert.match(result.stdout, new RegExp(`\\d\\. ${name} — ✓ carried`));
		assert.match(result.stdout, /Urgent — ✓ carried/);
		assert.match(result.stdout, /Categorised — ✗ not carried\n {7}because .*categor/);
		assert.match(result.stdout, /Ding — ✗ not carried\n {7}because "play a sound" left out/);
		assert.match(result.stdout, /Sieve script "mailshift" installed and active/);

		for (const e of EXPECTED) {
			const message = `${e.headers}\nMessage-ID: <${e.id}@outlook.test>\nDate: Sun, 6 Dec 2026 07:00:00 +0000\n\n${e.body ?? 'hello\n'}`;
			assert.match(await deliverLmtp(server.lmtpPort ?? 0, 'alice', message), /^250 /, e.id);
		}
		const account = await readAccount(server, 'alice');
		for (const e of EXPECTED) {
			const copies = account.messages.filter((m) => m.messageId === `${e.id}@outlook.test`);
			assert.deepEqual(copies.map((m) => m.mailbox).sort(), [...e.mailboxes].sort(), `where "${e.id}" (${e.rule}) landed`);
			for (const copy of copies) assert.deepEqual([...copy.flags].filter((f) => f !== '\\Recent').sort(), [...e.flags].sort(), `flags of "${e.id}" in ${copy.mailbox}`);
		}
	});

	test('Given a real OST with rules in its Inbox, then migrate --rules migrates the mail and lists the junk e-mail rule as staying behind', {skip: existsSync(CORPUS_OST) ? false : `corpus file ${CORPUS_OST} is absent`}, async () => {
		const result = await runCli(['migrate', CORPUS_OST, '--to', `imap://bob@127.0.0.1:${server.port}`, '--rules', '--sieve-port', String(server.managesievePort), '--stats', '0'],
			{env: {MAILSHIFT_PASSWORD: server.passwordOf('bob')}});
		assert.match(result.stdout, /1\. Junk E-mail Rule — ✗ not carried\n {7}because it is Outlook's junk e-mail rule/, result.stdout + result.stderr);
		assert.match(result.stdout, /Rules: 1 filter → 0 server rules installed; 1 stay on this computer \(see above\): none can run on the server, so nothing was installed\./);
		assert.notEqual(result.code, 0, 'a rule was left behind (or mail), so the run is not OK');
		const account = await readAccount(server, 'bob');
		assert.ok(account.messages.some((m) => m.mailbox === 'INBOX/sub1'), 'the mail was migrated');
	});
});

describe('the guided mode\'s rules step with an Outlook store', {skip: skip ?? (existsSync(CORPUS_OST) ? false : `corpus file ${CORPUS_OST} is absent`)}, () => {
	let server: PrivateDovecot;
	before(async () => {
		server = await startDovecot({sieve: true, tls: true, users: ['carol']});
	});
	after(async () => {
		await server?.stop();
	});

	test('Given the corpus OST as the source, then the preview counts its rules and names the one that stays on this computer with the reason', async () => {
		const sink = new Writable({write: (_c, _e, done) => done()});
		const io = {stdout: sink, stderr: sink, stdin: process.stdin, env: {HOME: tmpdir()}} as unknown as CliIo;
		const services = createWizardServices(io, {sievePort: server.managesievePort ?? 0});
		const account = {user: 'carol', host: '127.0.0.1', port: server.port, security: 'starttls' as const, password: server.passwordOf('carol'), insecure: true};
		assert.ok(services.previewRules);
		const preview = await services.previewRules(CORPUS_OST, account, {prefix: undefined, rules: [], excludes: []});
		assert.ok(preview, 'the store has rules, so there is a rules step');
		assert.equal(preview.problem, undefined);
		assert.equal(preview.filters, 1);
		assert.equal(preview.serverRules, 0);
		assert.deepEqual(preview.local.map((l) => l.name), ['Junk E-mail Rule']);
		assert.match(preview.local[0]?.reason ?? '', /junk e-mail rule/);
		assert.equal(preview.hasManageSieve, true);
	});
});
