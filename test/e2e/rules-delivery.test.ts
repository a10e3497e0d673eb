/**
 * Issue #17 end to end on a real server: Thunderbird filters → Sieve → installed over ManageSieve → mail
 * delivered through LMTP → read back over IMAP. A rule counts as carried only when a delivered message proves
 * it: every rule the plan calls carried has a message here that lands where Thunderbird would have put it,
 * with the flags Thunderbird would have set.
 */
import assert from 'node:assert/strict';
import {after, before, describe, test} from 'node:test';

import type {ServerLayout} from '../../src/contracts/server-layout.js';
import {ManageSieveClient} from '../../src/rules/managesieve-client.js';
import {folderTargetResolver} from '../../src/rules/rule-target.js';
import {installScript} from '../../src/rules/sieve-install.js';
import {translateRules} from '../../src/rules/sieve-translate.js';
import type {Translation} from '../../src/rules/sieve-translate.js';
import {parseThunderbirdFilters} from '../../src/rules/thunderbird-filters.js';
import {sieveServerSkipReason, startDovecot} from '../helpers/dovecot.js';
import type {PrivateDovecot} from '../helpers/dovecot.js';
import {readAccount} from '../helpers/imap-readback.js';
import {deliverLmtp} from '../helpers/lmtp.js';

const skip = sieveServerSkipReason();

const FILTERS = `version="9"
logging="no"
name="Invoices"
enabled="yes"
type="17"
action="Mark read"
action="Move to folder"
actionValue="mailbox://nobody@Local%20Folders/Invoices"
condition="AND (subject,contains,invoice) AND (from,ends with,@billing.example)"
name="Team list"
enabled="yes"
type="17"
action="Move to folder"
actionValue="imap://alice@mail.example.com/INBOX/Lists/Team"
condition="OR (\\"List-Id\\",contains,team-x) OR (to or cc,is,team-x@example.com)"
name="Boss"
enabled="yes"
type="17"
action="Mark flagged"
action="AddTag"
actionValue="$label1"
condition="AND (from,is,boss@example.com)"
name="Reports"
enabled="yes"
type="17"
action="Copy to folder"
actionValue="mailbox://nobody@Local%20Folders/Reports"
condition="AND (subject,begins with,[report])"
name="Friends"
enabled="yes"
type="17"
action="Move to folder"
actionValue="mailbox://nobody@Local%20Folders/Friends"
condition="AND (from,is in ab,jsaddrbook://abook.sqlite)"
name="Spam"
enabled="yes"
type="17"
action="Delete"
condition="OR (\\"X-Spam-Flag\\",begins with,YES)"
name="Big"
enabled="yes"
type="17"
action="Move to folder"
actionValue="mailbox://nobody@Local%20Folders/Archive.sbd/Big"
condition="AND (size,is greater than,40)"
`;

type Expectation = Readonly<{rule: string; id: string; headers: string; body?: string; mailboxes: readonly string[]; flags: readonly string[]}>;

const EXPECTED: readonly Expectation[] = [
	{rule: 'Invoices', id: 'inv', headers: 'From: Billing <ar@billing.example>\nSubject: Your invoice 42', mailboxes: ['Invoices'], flags: ['\\Seen']},
	{rule: 'Team list', id: 'team', headers: 'From: x@y.example\nTo: team-x@example.com\nSubject: hello team', mailboxes: ['INBOX/Lists/Team'], flags: []},
	{rule: 'Boss', id: 'boss', headers: 'From: The Boss <boss@example.com>\nSubject: call me', mailboxes: ['INBOX'], flags: ['$label1', '\\Flagged']},
	{rule: 'Reports', id: 'rep', headers: 'From: cron@example.com\nSubject: [report] nightly *', mailboxes: ['INBOX', 'Reports'], flags: []},
	{rule: 'Spam', id: 'spam', headers: 'From: spam@example.net\nX-Spam-Flag: YES\nSubject: win', mailboxes: ['Trash'], flags: []},
	{rule: 'Big', id: 'big', headers: 'From: photos@example.org\nSubject: pictures', body: 'x'.repeat(76).concat('\n').repeat(700), mailboxes: ['Archive/Big'], flags: []},
	// Not carried (address book): the message a Thunderbird filter would have moved stays in INBOX.
	{rule: '(none)', id: 'friend', headers: 'From: friend@example.org\nSubject: lunch?', mailboxes: ['INBOX'], flags: []},
];

describe('Thunderbird filters installed over ManageSieve sort mail delivered through LMTP', {skip}, () => {
	let server: PrivateDovecot;
	let translation: Translation;
	before(async () => {
		server = await startDovecot({sieve: true, tls: true, users: ['alice', 'bob']});
	});
	after(async () => {
		await server?.stop();
	});

	test('Every carried rule is proven by a delivered message; the rule left behind does nothing', async () => {
		const layout: ServerLayout = {delimiter: '/', prefix: '', specialUse: new Map([['trash', 'Trash'], ['sent', 'Sent'], ['junk', 'Junk']])};
		const folders = [['Inbox'], ['Invoices'], ['Reports'], ['Friends'], ['Trash'], ['Archive'], ['Archive', 'Big']].map((path) => ({path}));
		const client = await ManageSieveClient.connect({host: '127.0.0.1', port: server.managesievePort ?? 0, insecure: true});
		try {
			await client.authenticate({user: 'alice', password: server.passwordOf('alice')});
			const set = parseThunderbirdFilters(FILTERS, '/profile/Mail/Local Folders/msgFilterRules.dat');
			translation = translateRules(set, {targets: folderTargetResolver({folders, layout}), extensions: client.capabilities.sieve});
			const result = await installScript(client, translation.script);
			assert.equal(result.outcome, 'installed');
		} finally {
			await client.logout();
		}
		assert.deepEqual(translation.plan.map((p) => [p.name, p.status]), [
			['Invoices', 'carried'], ['Team list', 'carried'], ['Boss', 'carried'], ['Reports', 'carried'],
			['Friends', 'not-carried'], ['Spam', 'carried'], ['Big', 'carried'],
		]);

		for (const e of EXPECTED) {
			const message = `${e.headers}\nMessage-ID: <${e.id}@rules.test>\nDate: Sun, 6 Dec 2026 07:00:00 +0000\n\n${e.body ?? 'hello\n'}`;
			const reply = await deliverLmtp(server.lmtpPort ?? 0, 'alice', message);
			assert.match(reply, /^250 /, `${e.id}: ${reply}`);
		}

		const account = await readAccount(server, 'alice');
		for (const e of EXPECTED) {
			const copies = account.messages.filter((m) => m.messageId === `${e.id}@rules.test`);
			assert.deepEqual(copies.map((m) => m.mailbox).sort(), [...e.mailboxes].sort(), `where "${e.id}" (${e.rule}) landed`);
			for (const copy of copies) {
				assert.deepEqual([...copy.flags].filter((f) => f !== '\\Recent').sort(), [...e.flags].sort(), `flags of "${e.id}" in ${copy.mailbox}`);
			}
		}
		// "carried" is only claimed for rules a delivered message proved above.
		const proven = new Set(EXPECTED.map((e) => e.rule));
		for (const p of translation.plan) if (p.status !== 'not-carried') assert.ok(proven.has(p.name), `rule "${p.name}" is proven by a delivery`);
	});

	test('Given a script of the user\'s that is already active, then with include both run: the user\'s first, then the migrated filters', async () => {
		const layout: ServerLayout = {delimiter: '/', prefix: '', specialUse: new Map()};
		const client = await ManageSieveClient.connect({host: '127.0.0.1', port: server.managesievePort ?? 0, insecure: true});
		try {
			await client.authenticate({user: 'bob', password: server.passwordOf('bob')});
			await client.putScript('mine', 'require ["imap4flags"];\r\nif header :contains "subject" "vip" { addflag "\\\\Flagged"; }\r\n');
			await client.setActive('mine');
			const set = parseThunderbirdFilters(FILTERS, '/profile/msgFilterRules.dat');
			const t = translateRules(set, {targets: folderTargetResolver({folders: [], layout}), extensions: client.capabilities.sieve});
			const result = await installScript(client, t.script, {onActive: 'include'});
			assert.equal(result.includes, 'mine');
		} finally {
			await client.logout();
		}
		const message = 'From: Billing <ar@billing.example>\nSubject: vip invoice\nMessage-ID: <vip@rules.test>\n\nx\n';
		assert.match(await deliverLmtp(server.lmtpPort ?? 0, 'bob', message), /^250 /);
		const account = await readAccount(server, 'bob');
		const copies = account.messages.filter((m) => m.messageId === 'vip@rules.test');
		assert.deepEqual(copies.map((m) => [m.mailbox, [...m.flags].filter((f) => f !== '\\Recent').sort()]), [['Invoices', ['\\Flagged', '\\Seen']]]);
	});
});
