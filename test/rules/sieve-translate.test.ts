/**
 * Translation of Thunderbird filters into Sieve: the plan (carried / partly / not, with reasons), folder
 * targets through the migration's folder mapping, and — with Pigeonhole's sieve-test — what each translated
 * rule kind actually does to a message.
 */
import assert from 'node:assert/strict';
import {existsSync, readdirSync} from 'node:fs';
import {join} from 'node:path';
import {describe, test} from 'node:test';

import type {ServerLayout} from '../../src/contracts/server-layout.js';
import {folderTargetResolver} from '../../src/rules/rule-target.js';
import {SCRIPT_MARKER, translateRules} from '../../src/rules/sieve-translate.js';
import type {TranslateOptions} from '../../src/rules/sieve-translate.js';
import {parseThunderbirdFilters, readThunderbirdFilters} from '../../src/rules/thunderbird-filters.js';
import {mulberry32} from '../../src/testing/prng.js';
import {runSieveTest, sieveTestSkipReason} from '../helpers/sieve-test.js';

const DOVECOT: ServerLayout = {delimiter: '/', prefix: '', specialUse: new Map([['trash', 'Trash'], ['junk', 'Junk']])};
const COURIER: ServerLayout = {delimiter: '.', prefix: 'INBOX.', specialUse: new Map([['trash', 'INBOX.Deleted Messages']])};

const targets = (layout: ServerLayout = DOVECOT, folders: readonly (readonly string[])[] = []): TranslateOptions['targets'] =>
	folderTargetResolver({folders: folders.map((path) => ({path})), layout});

/** One filter in Thunderbird's file format. */
function filter(condition: string, actions: ReadonlyArray<readonly [string, string?]>, extra = ''): string {
	const acts = actions.map(([a, v]) => `action="${a}"\n${v === undefined ? '' : `actionValue="${v}"\n`}`).join('');
	return `name="r"\nenabled="yes"\ntype="17"\n${extra}${acts}condition="${condition.replace(/[\\"]/g, '\\$&')}"\n`;
}

const translate = (text: string, options: Partial<TranslateOptions> = {}) =>
	translateRules(parseThunderbirdFilters(`version="9"\nlogging="no"\n${text}`, '/p/msgFilterRules.dat'), {targets: targets(), ...options});

describe('the translation plan', () => {
	test('Given a Move to a Local Folders folder on a Courier-style server, then the rule files into INBOX.Invoices through the folder mapping', () => {
		const t = translateRules(parseThunderbirdFilters(filter('AND (subject,contains,invoice)', [['Move to folder', 'mailbox://nobody@Local%20Folders/Invoices']]), 'f'), {targets: targets(COURIER, [['Inbox'], ['Invoices']])});
		assert.equal(t.plan[0]?.status, 'carried');
		assert.match(t.script, /fileinto :create "INBOX\.Invoices";\r\n    stop;/);
	});

	test('Given --map and a target inside a mapped folder, then the mapped mailbox is used, as for the mail', () => {
		const resolver = folderTargetResolver({folders: [{path: ['Work', 'Invoices']}], layout: DOVECOT, mapOptions: {rules: [{from: 'Work', to: 'Archive/Work'}]}});
		const t = translate(filter('AND (subject,contains,x)', [['Move to folder', 'mailbox://nobody@Local%20Folders/Work.sbd/Invoices']]), {targets: resolver});
		assert.match(t.script, /fileinto :create "Archive\/Work\/Invoices";/);
	});

	test('Given an imap:// target with a modified UTF-7 name, then the mailbox is named in UTF-8 with the server delimiter', () => {
		const t = translate(filter('AND (subject,contains,x)', [['Move to folder', 'imap://u@h/INBOX/K&AOQ-se']]), {targets: targets(COURIER)});
		assert.match(t.script, /fileinto :create "INBOX\.Käse";/);
	});

	test('Given a folder target that is not a folder URI or is excluded from the migration, then the move is left out with the reason', () => {
		const bad = translate(filter('AND (subject,contains,a)', [['Move to folder', 'news://x/y'], ['Mark read']]));
		assert.equal(bad.plan[0]?.status, 'partly');
		assert.match(bad.plan[0]?.reasons[0] ?? '', /is not a Thunderbird folder URI/);
		const excluded = translate(filter('AND (subject,contains,a)', [['Move to folder', 'mailbox://nobody@Local%20Folders/Old/2001']]), {targets: folderTargetResolver({folders: [], layout: DOVECOT, mapOptions: {excludes: ['Old']}})});
		assert.equal(excluded.plan[0]?.status, 'not-carried');
		assert.match(excluded.plan[0]?.reasons[0] ?? '', /"Old\/2001" is excluded from the migration/);
	});

	test('Given the corpus-style rules, then address-book and junk-score rules are not carried, with the reason', () => {
		const t = translate(filter('AND (from,is in ab,moz-abmdbdirectory://abook.mab)', [['Mark flagged']]) + filter('OR ("X-Spam-Status",begins with,Yes)', [['JunkScore', '100']]));
		assert.deepEqual(t.plan.map((p) => p.status), ['not-carried', 'not-carried']);
		assert.match(t.plan[0]?.reasons[0] ?? '', /address book is on this computer/);
		assert.match(t.plan[1]?.reasons[0] ?? '', /junk score/);
		assert.ok(!t.script.includes('if '), 'no Sieve for rules that are not carried');
	});

	test('Given an any-of rule with one client-only condition, then it is partly carried without that alternative', () => {
		const t = translate(filter('OR (subject,contains,a) OR (status,is,read)', [['Mark flagged']]));
		assert.equal(t.plan[0]?.status, 'partly');
		assert.match(t.plan[0]?.sieve ?? '', /^if header :contains "subject" "a" \{/);
	});

	test('Given an all-of rule with a client-only condition, then it is not carried (dropping it would sort more mail)', () => {
		const t = translate(filter('AND (subject,contains,a) AND (tag,contains,$label1)', [['Mark flagged']]));
		assert.equal(t.plan[0]?.status, 'not-carried');
	});

	test('Given Forward, Delete and Reply, then forward needs the allow flag, delete moves to Trash unless discard is allowed, reply is not carried', () => {
		const rules = filter('AND (subject,contains,a)', [['Forward', 'boss@example.com'], ['Reply', 'tpl'], ['Delete']]);
		const plain = translate(rules);
		assert.equal(plain.plan[0]?.status, 'partly');
		assert.match(plain.plan[0]?.reasons.join('\n') ?? '', /--rules-allow-redirect[\s\S]*template/);
		assert.match(plain.script, /fileinto :create "Trash";/);
		assert.ok(!/discard|redirect/.test(plain.script.replace(/^#.*$/gm, '')));
		const allowed = translate(rules, {allowDiscard: true, allowRedirect: true});
		assert.match(allowed.script, /redirect :copy "boss@example\.com";\r\n {4}discard;/);
	});

	test('Given manual-only and disabled filters, then they are listed as not carried', () => {
		const t = translate(filter('ALL', [['Mark read']]).replace('type="17"', 'type="16"') + filter('ALL', [['Mark read']]).replace('enabled="yes"', 'enabled="no"'));
		assert.deepEqual(t.plan.map((p) => p.status), ['not-carried', 'not-carried']);
		assert.match(t.plan[0]?.reasons[0] ?? '', /does not run on new mail/);
		assert.match(t.plan[1]?.reasons[0] ?? '', /disabled/);
	});

	test('Given a server without the mailbox and imap4flags extensions, then fileinto has no :create and flags are reported, not written', () => {
		const t = translate(filter('AND (subject,contains,a)', [['Mark read'], ['Move to folder', 'mailbox://nobody@Local%20Folders/X']]), {extensions: new Set(['fileinto'])});
		assert.equal(t.plan[0]?.status, 'partly');
		assert.match(t.script, /require \["fileinto"\];/);
		assert.match(t.script, /fileinto "X";/);
		assert.ok(!t.script.includes('addflag'));
	});

	test('The script starts with the mailshift marker and names the file it came from, and is the same bytes on every run', () => {
		const text = filter('AND (subject,contains,a)', [['Mark read']]);
		const a = translate(text);
		assert.ok(a.script.startsWith(`${SCRIPT_MARKER}\r\n# Generated by mailshift from /p/msgFilterRules.dat`));
		assert.equal(a.script, translate(text).script);
	});

	const corpus = new URL('../../../shared/corpus/rules/', import.meta.url).pathname;
	test('Every real filter file in the corpus translates, each rule with a status and a reason when not carried', {skip: existsSync(corpus) ? undefined : `corpus not found at ${corpus}`}, async () => {
		for (const name of readdirSync(corpus).filter((f) => /\.(dat|sfd)$/.test(f))) {
			const t = translateRules(await readThunderbirdFilters(join(corpus, name)), {targets: targets()});
			for (const p of t.plan) {
				if (p.status !== 'carried') assert.ok(p.reasons.length > 0, `${name} ${p.name}`);
			}
		}
		const bn = translateRules(await readThunderbirdFilters(join(corpus, 'bnordmann__msgFilterRules.dat')), {targets: targets()});
		assert.deepEqual(bn.plan.map((p) => p.status), ['carried', 'carried']);
	});
});

const skip = sieveTestSkipReason();

const MESSAGE = `From: Alice Example <alice@billing.example>
To: team-x@example.com
Cc: carol@example.org
Subject: Your invoice (March) *urgent*
X-Priority: 2 (High)
X-Spam-Status: Yes, score=9
List-Id: <team"x).lists.example>
Date: Mon, 2 Mar 2009 08:00:00 +0000
Message-ID: <m1@example>

Please pay the amount due.
`;

describe('translated rules run by Pigeonhole sieve-test', {skip}, () => {
	// [what, filter condition, actions, expected sieve-test actions on MESSAGE]
	const cases: Array<[string, string, ReadonlyArray<readonly [string, string?]>, string[]]> = [
		['subject contains → move', 'AND (subject,contains,invoice)', [['Move to folder', 'mailbox://nobody@Local%20Folders/Invoices']], ['fileinto "Invoices" +create']],
		["subject doesn't contain (not matching) → nothing", "AND (subject,doesn't contain,invoice)", [['Mark read']], ['keep "INBOX"']],
		['from ends with → tag', 'AND (from,ends with,@billing.example)', [['AddTag', '$label1']], ['keep "INBOX" +flags:$label1']],
		['from is (address, not display name) → flag', 'AND (from,is,alice@billing.example)', [['Mark flagged']], ['keep "INBOX" +flags:\\flagged']],
		['begins with a wildcard character is literal', 'AND (subject,begins with,"Your invoice (March) *")', [['Mark read']], ['keep "INBOX" +flags:\\seen']],
		['begins with does not treat * as a wildcard', 'AND (subject,begins with,*invoice)', [['Mark read']], ['keep "INBOX"']],
		['to or cc → copy + read', 'AND (to or cc,contains,carol@)', [['Copy to folder', 'imap://u@h/INBOX/X'], ['Mark read']], ['fileinto "INBOX/X" +create +copy +flags:\\seen', 'keep "INBOX" +flags:\\seen']],
		['custom header with quote and parenthesis', 'OR ("List-Id",contains,"team\\"x)")', [['Move to folder', 'mailbox://nobody@Local%20Folders/Lists/Team']], ['fileinto "Lists/Team" +create']],
		['body contains', 'AND (body,contains,amount due)', [['Mark flagged']], ['keep "INBOX" +flags:\\flagged']],
		['size is greater than (KB)', 'AND (size,is greater than,100)', [['Mark read']], ['keep "INBOX"']],
		['size is less than (KB)', 'AND (size,is less than,100)', [['Mark read']], ['keep "INBOX" +flags:\\seen']],
		['priority is High', 'AND (priority,is,High)', [['Mark flagged']], ['keep "INBOX" +flags:\\flagged']],
		['priority is higher than Normal', 'AND (priority,is higher than,Normal)', [['Mark flagged']], ['keep "INBOX" +flags:\\flagged']],
		['date is before', 'AND (date,is before,01-Jan-2010)', [['Mark read']], ['keep "INBOX" +flags:\\seen']],
		['date is after (not matching)', 'AND (date,is after,01-Jan-2010)', [['Mark read']], ['keep "INBOX"']],
		['delete → Trash', 'AND ("X-Spam-Status",begins with,Yes)', [['Delete']], ['fileinto "Trash" +create']],
		['ALL → flag', 'ALL', [['Mark flagged']], ['keep "INBOX" +flags:\\flagged']],
		['grouped: a AND (b OR c)', 'AND (subject,contains,invoice) AND ((from,contains,nobody) OR (cc,contains,carol))', [['Mark read']], ['keep "INBOX" +flags:\\seen']],
		['grouped, not matching', 'AND (subject,contains,invoice) AND ((from,contains,nobody) OR (cc,contains,nobody))', [['Mark read']], ['keep "INBOX"']],
		['mark read then stop: the next rule does not run', 'AND (subject,contains,invoice)', [['Mark read'], ['Stop execution']], ['keep "INBOX" +flags:\\seen']],
	];
	for (const [what, condition, actions, expected] of cases) {
		test(`Rule "${what}" does what Thunderbird did`, async () => {
			// A second rule that would flag everything proves that stop/move end the processing.
			const t = translate(filter(condition, actions) + (what.includes('stop') ? filter('ALL', [['Mark flagged']]) : ''));
			assert.notEqual(t.plan[0]?.status, 'not-carried', t.plan[0]?.reasons.join('; '));
			assert.deepEqual(await runSieveTest(t.script, MESSAGE), expected, t.script);
		});
	}

	test('Forward with the allow flag redirects a copy and keeps the message', async () => {
		const t = translate(filter('AND (subject,contains,invoice)', [['Forward', 'boss@example.com']]), {allowRedirect: true});
		assert.deepEqual(await runSieveTest(t.script, MESSAGE), ['redirect <boss@example.com> +copy', 'keep "INBOX"']);
	});

	test('Given random values full of quotes, backslashes, wildcards and non-ASCII text, then the whole script still compiles and the literal subject matches', async () => {
		const random = mulberry32(5228);
		const alphabet = ['"', '\\', '*', '?', '(', ')', ',', ' ', 'ä', '€', '日', 'a', 'Z', '$', '{', '}', '[', ']', ';', '#', '/', '.', '%20'];
		const pick = (): string => Array.from({length: 1 + Math.floor(random() * 8)}, () => alphabet[Math.floor(random() * alphabet.length)] ?? '').join('');
		const ops = ['contains', "doesn't contain", 'is', "isn't", 'begins with', 'ends with'];
		const attrs = ['subject', 'from', 'to or cc', 'body', '"X-Weird"'];
		let text = '';
		const subject = pick().replace(/^[ "]+/, 'x').replace(/\\/g, '');
		// The first rule must match exactly this subject, whatever characters it has.
		text += filter(`AND (subject,is,"${subject.replace(/"/g, '\\"')}")`, [['Mark flagged']]);
		for (let k = 0; k < 40; k++) {
			let value = pick();
			// Thunderbird's format cannot hold a backslash in a quoted value (it escapes quotes only), so
			// backslashes are tested in plain values.
			if (/[)"]|^ /.test(value)) value = `"${value.replace(/\\/g, '').replace(/"/g, '\\"')}"`;
			const quoted = value;
			const folder = encodeURIComponent(pick()).replace(/%2F/g, '_');
			text += filter(`AND (${attrs[k % attrs.length]},${ops[k % ops.length]},${quoted})`, [['AddTag', 'x' + k], ['Copy to folder', `mailbox://nobody@Local%20Folders/${folder}`]]);
		}
		const t = translate(text);
		const actions = await runSieveTest(t.script, MESSAGE.replace(/^Subject: .*$/m, `Subject: ${subject}`));
		assert.ok(actions.some((a) => a.startsWith('keep "INBOX"') && a.includes('\\flagged')), `${subject}: ${actions.join(' | ')}`);
	});

	test('A move ends processing: a later matching move does not file a second copy', async () => {
		const t = translate(filter('ALL', [['Move to folder', 'mailbox://nobody@Local%20Folders/A']]) + filter('ALL', [['Move to folder', 'mailbox://nobody@Local%20Folders/B']]));
		assert.deepEqual(await runSieveTest(t.script, MESSAGE), ['fileinto "A" +create']);
	});
});
