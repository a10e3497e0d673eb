/**
 * Apple Mail rules (SyncedRules.plist): no public file exists, so the tests write their own in the format
 * Mail writes (an XML plist array of rule dicts), check the plan, and with sieve-test what the script does.
 */
import assert from 'node:assert/strict';
import {mkdtemp, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describe, test} from 'node:test';

import {MailshiftError} from '../../src/contracts/errors.js';
import type {ServerLayout} from '../../src/contracts/server-layout.js';
import {parseAppleMailRules, parseXmlPlist} from '../../src/rules/apple-mail-rules.js';
import {readRules} from '../../src/rules/read-rules.js';
import {folderTargetResolver} from '../../src/rules/rule-target.js';
import {translateRules} from '../../src/rules/sieve-translate.js';
import {mulberry32} from '../../src/testing/prng.js';
import {runSieveTest, sieveTestSkipReason} from '../helpers/sieve-test.js';

const LAYOUT: ServerLayout = {delimiter: '/', prefix: '', specialUse: new Map([['trash', 'Trash']])};
const targets = folderTargetResolver({folders: [['INBOX'], ['Receipts'], ['Archive', 'Lists']].map((path) => ({path})), layout: LAYOUT});

type Criterion = Readonly<{header: string; qualifier?: string; expression?: string}>;
type Rule = Readonly<{name: string; id?: string; all?: boolean; criteria: readonly Criterion[]; extra?: string}>;

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
/** A SyncedRules.plist as Mail writes it. */
function plist(rules: readonly Rule[]): string {
	const body = rules.map((r) => `\t<dict>
\t\t<key>AllCriteriaMustBeSatisfied</key>
\t\t<${r.all === false ? 'false' : 'true'}/>
\t\t<key>Criteria</key>
\t\t<array>
${r.criteria.map((c, i) => `\t\t\t<dict>
\t\t\t\t<key>CriterionUniqueId</key>
\t\t\t\t<string>C-${i}</string>
${c.expression === undefined ? '' : `\t\t\t\t<key>Expression</key>\n\t\t\t\t<string>${esc(c.expression)}</string>\n`}\t\t\t\t<key>Header</key>
\t\t\t\t<string>${esc(c.header)}</string>
${c.qualifier === undefined ? '' : `\t\t\t\t<key>Qualifier</key>\n\t\t\t\t<string>${c.qualifier}</string>\n`}\t\t\t</dict>`).join('\n')}
\t\t</array>
\t\t<key>RuleId</key>
\t\t<string>${r.id ?? r.name}</string>
\t\t<key>RuleName</key>
\t\t<string>${esc(r.name)}</string>
\t\t<key>TimeStamp</key>
\t\t<integer>786000000</integer>
${r.extra ?? ''}\t</dict>`).join('\n');
	return `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<array>
${body}
</array>
</plist>
`;
}

const move = (url: string): string => `\t\t<key>ShouldTransferMessage</key>\n\t\t<true/>\n\t\t<key>MailboxURL</key>\n\t\t<string>${url}</string>\n\t\t<key>StopEvaluatingRules</key>\n\t\t<true/>\n`;
const RULES: readonly Rule[] = [
	{name: 'Receipts', criteria: [{header: 'From', qualifier: 'EndsWith', expression: '@shop.example'}, {header: 'Subject', qualifier: 'Contains', expression: 'receipt'}], extra: `\t\t<key>MarkRead</key>\n\t\t<true/>\n${move('imap://3F2A-ACCOUNT/Receipts')}`},
	{name: 'Lists & more', all: false, criteria: [{header: 'List-Id', qualifier: 'Contains', expression: 'dev.lists'}, {header: 'SenderIsVIP'}], extra: move('local:///Archive.mbox/Lists.mbox')},
	{name: 'Flag boss', criteria: [{header: 'AnyMessage'}], extra: '\t\t<key>MarkFlagged</key>\n\t\t<true/>\n\t\t<key>AppleScript</key>\n\t\t<string>ding.scpt</string>\n'},
	{name: 'Junk', criteria: [{header: 'IsJunkMail'}], extra: '\t\t<key>Deletes</key>\n\t\t<true/>\n'},
];

describe('Apple Mail SyncedRules.plist', () => {
	test('Given Mail\'s rules, then conditions, AND/OR, folder URLs and actions map onto the shared model, and what stays behind is named', () => {
		const set = parseAppleMailRules(plist(RULES), '/Users/me/Library/Mail/V10/MailData/SyncedRules.plist');
		assert.equal(set.format, 'apple-mail');
		const t = translateRules(set, {targets});
		assert.deepEqual(t.plan.map((p) => [p.name, p.status]), [['Receipts', 'carried'], ['Lists & more', 'partly'], ['Flag boss', 'partly'], ['Junk', 'not-carried']]);
		assert.match(t.script, /allof \(address :all :matches "from" "\*@shop.example",\r\n\s+header :contains "subject" "receipt"\) \{\r\n    addflag "\\\\Seen";\r\n    fileinto :create "Receipts";\r\n    stop;/);
		assert.match(t.script, /fileinto :create "Archive\/Lists";/);
		assert.match(t.plan[1]?.reasons.join() ?? '', /VIP/);
		assert.match(t.plan[2]?.reasons.join() ?? '', /AppleScript/);
		assert.match(t.plan[3]?.reasons.join() ?? '', /junk classifier/);
	});

	test('Given RulesActiveState.plist beside the file, then a rule switched off there is listed as disabled', async () => {
		const dir = await mkdtemp(join(tmpdir(), 'ms-apple-rules-'));
		try {
			await writeFile(join(dir, 'SyncedRules.plist'), plist(RULES.slice(0, 1)));
			await writeFile(join(dir, 'RulesActiveState.plist'), '<?xml version="1.0" encoding="UTF-8"?>\n<plist version="1.0">\n<dict>\n\t<key>Receipts</key>\n\t<false/>\n</dict>\n</plist>\n');
			const set = await readRules(join(dir, 'SyncedRules.plist'));
			assert.equal(set.rules[0]?.enabled, false);
			assert.match(translateRules(set, {targets}).plan[0]?.reasons[0] ?? '', /disabled in Apple Mail/);
			await writeFile(join(dir, 'bin.plist'), Buffer.from('bplist00\x00\x01', 'latin1'));
			await assert.rejects(readRules(join(dir, 'bin.plist')), (e: unknown) => e instanceof MailshiftError && e.code === 'RULES_UNPARSEABLE' && /binary property list/.test(e.message) && /plutil/.test(e.hint ?? ''));
		} finally {
			await rm(dir, {recursive: true, force: true});
		}
	});

	test('Given the plist parser, then entities, empty strings, nested arrays and dicts, numbers and booleans come out as Apple writes them', () => {
		assert.deepEqual(parseXmlPlist('<plist><dict><key>a &amp; b</key><array><string/><integer>-3</integer><real>1.5</real><true/><dict/></array></dict></plist>'), {'a & b': ['', -3, 1.5, true, {}]});
		assert.deepEqual(parseXmlPlist('<plist><string>&#x41;&#99999999;</string></plist>'), 'A&#99999999;');
	});

	test('Given 2000 truncated or garbled plists, then each gives rules or RULES_UNPARSEABLE, never another error', () => {
		const random = mulberry32(5);
		const good = plist(RULES);
		for (let i = 0; i < 2000; i++) {
			let text = good;
			if (i % 2 === 0) text = text.slice(0, Math.floor(random() * text.length));
			else for (let k = 0; k < 4; k++) { const at = Math.floor(random() * text.length); text = text.slice(0, at) + '<>/&"x'[Math.floor(random() * 6)] + text.slice(at + 1); }
			try {
				translateRules(parseAppleMailRules(text, `fuzz-${i}`), {targets});
			} catch (error) {
				assert.ok(error instanceof MailshiftError && error.code === 'RULES_UNPARSEABLE', `case ${i}: ${String(error)}`);
			}
		}
	});
});

describe('translated Apple Mail rules under sieve-test', {skip: sieveTestSkipReason()}, () => {
	const script = translateRules(parseAppleMailRules(plist(RULES), 'SyncedRules.plist'), {targets}).script;

	test('Given a receipt from the shop, then it is marked read and filed into Receipts', async () => {
		assert.deepEqual(await runSieveTest(script, 'From: Shop <orders@shop.example>\nSubject: Your receipt\n\nx\n'), ['fileinto "Receipts" +create +flags:\\seen']);
	});

	test('Given any other message, then the match-all rule flags it and it stays in INBOX', async () => {
		assert.deepEqual(await runSieveTest(script, 'From: a@b.example\nSubject: hi\n\nx\n'), ['keep "INBOX" +flags:\\flagged']);
	});

	test('Given a list message (an OR rule with a left-out VIP test), then it is filed into Archive/Lists', async () => {
		assert.deepEqual(await runSieveTest(script, 'From: a@b.example\nList-Id: <dev.lists.example>\nSubject: hi\n\nx\n'), ['fileinto "Archive/Lists" +create']);
	});
});
