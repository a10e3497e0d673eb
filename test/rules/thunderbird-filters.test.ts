/**
 * Thunderbird/SeaMonkey msgFilterRules.dat parser: real files from the corpus, our own files for "Move to
 * folder", quoting, grouping, and garbled input (clear error naming file and line, never a crash).
 */
import assert from 'node:assert/strict';
import {existsSync, readdirSync} from 'node:fs';
import {mkdtemp, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describe, test} from 'node:test';

import {MailshiftError} from '../../src/contracts/errors.js';
import {mulberry32 as prng} from '../../src/testing/prng.js';
import {folderTargetResolver} from '../../src/rules/rule-target.js';
import {translateRules} from '../../src/rules/sieve-translate.js';
import {parseThunderbirdFilters, readThunderbirdFilters} from '../../src/rules/thunderbird-filters.js';

const CORPUS = new URL('../../../shared/corpus/rules/', import.meta.url).pathname;
const corpusSkip = existsSync(CORPUS) ? undefined : `corpus not found at ${CORPUS}; real filter files not checked`;
if (corpusSkip) console.log(`# SKIP: ${corpusSkip}`);

export const MOVE_FILTERS = `version="9"
logging="no"
name="Invoices"
enabled="yes"
type="17"
action="Move to folder"
actionValue="mailbox://nobody@Local%20Folders/Invoices"
condition="AND (subject,contains,invoice) AND (from,ends with,@billing.example)"
name="Team \\"X\\" list"
enabled="yes"
type="17"
action="Copy to folder"
actionValue="imap://user@imap.example.com/INBOX/X"
action="Mark read"
action="Stop execution"
condition="OR (to or cc,contains,team-x@example.com) OR (\\"List-Id\\",contains,\\"team\\\\\\"x)\\")"
name="Everything"
enabled="no"
type="17"
action="AddTag"
actionValue="$label1"
condition="ALL"
`;

describe('parsing our own filter files', () => {
	test('Given "Move to folder" and "Copy to folder" filters, then targets, actions, quoting and joins come out as written', () => {
		const set = parseThunderbirdFilters(MOVE_FILTERS, '/x/msgFilterRules.dat');
		assert.equal(set.version, 9);
		assert.equal(set.rules.length, 3);
		const [invoices, team, everything] = set.rules;
		assert.deepEqual(invoices?.actions, [{type: 'Move to folder', value: 'mailbox://nobody@Local%20Folders/Invoices'}]);
		assert.deepEqual(invoices?.conditions.map((c) => [c.join, c.attribute, c.operator, c.value]), [
			['and', 'subject', 'contains', 'invoice'], ['and', 'from', 'ends with', '@billing.example'],
		]);
		assert.equal(team?.name, 'Team "X" list');
		assert.equal(team?.line, 9);
		assert.deepEqual(team?.actions.map((a) => a.type), ['Copy to folder', 'Mark read', 'Stop execution']);
		assert.equal(team?.actions[0]?.value, 'imap://user@imap.example.com/INBOX/X');
		const header = team?.conditions[1];
		assert.deepEqual([header?.isHeader, header?.attribute, header?.value], [true, 'List-Id', 'team"x)']);
		assert.equal(everything?.enabled, false);
		assert.equal(everything?.matchAll, true);
	});

	test('Given grouped terms, then group openings and closings are counted per term', () => {
		const set = parseThunderbirdFilters('name="g"\naction="Mark read"\ncondition="AND (subject,contains,a) AND ((from,is,b) OR (from,is,c))"\n', 'f');
		assert.deepEqual(set.rules[0]?.conditions.map((c) => [c.opensGroup, c.closesGroup]), [[0, 0], [1, 0], [0, 1]]);
	});

	test('Given CRLF line ends and a value spanning lines, then line numbers still count from the file start', () => {
		const set = parseThunderbirdFilters('version="9"\r\nname="a"\r\ndescription="two\r\nlines"\r\naction="Mark read"\r\ncondition="ALL"\r\nname="b"\r\naction="Mark read"\r\ncondition="ALL"\r\n', 'f');
		assert.equal(set.rules[1]?.line, 7);
	});
});

describe('bad filter files', () => {
	const cases: Array<[string, string, RegExp]> = [
		['an unterminated value', 'version="9"\nname="a\n', /f\.dat:2: the value of "name" has no closing quote/],
		['an attribute before the first name', 'version="9"\naction="Mark read"\n', /f\.dat:2: "action" before the first name/],
		['a condition without AND/OR', 'name="a"\naction="Mark read"\ncondition="(subject,contains,x)"\n', /f\.dat:3: condition, character 1: expected AND or OR/],
		['a term without its closing parenthesis', 'name="a"\naction="Mark read"\ncondition="AND (subject,contains,x"\n', /f\.dat:3: condition.*expected "\)"/],
		['unbalanced groups', 'name="a"\naction="Mark read"\ncondition="AND ((subject,contains,x)"\n', /f\.dat:3: condition: the grouping parentheses do not balance/],
		['a filter without a condition', 'name="a"\naction="Mark read"\n', /f\.dat:1: filter "a" has no condition/],
		['garbage instead of an attribute', 'version="9"\n%%%\n', /f\.dat:2: expected an attribute name/],
		['a non-numeric type', 'name="a"\ntype="x"\n', /f\.dat:2: type "x" is not a number/],
	];
	for (const [what, text, message] of cases) {
		test(`Given ${what}, then the error names the file and line`, () => {
			assert.throws(() => parseThunderbirdFilters(text, 'f.dat'), (error: unknown) => {
				assert.ok(error instanceof MailshiftError);
				assert.equal(error.code, 'RULES_UNPARSEABLE');
				assert.equal(error.disposition, 'skip');
				assert.ok(error.hint);
				assert.match(error.message, message);
				return true;
			});
		});
	}

	test('Given random bytes and random mutations of a valid file, then parsing returns or throws RULES_UNPARSEABLE, never anything else', async () => {
		const dir = await mkdtemp(join(tmpdir(), 'ms-rules-'));
		try {
			const random = prng(17);
			const base = Buffer.from(MOVE_FILTERS);
			for (let round = 0; round < 400; round++) {
				let bytes: Buffer;
				if (round % 2 === 0) {
					bytes = Buffer.from(Array.from({length: Math.floor(random() * 300)}, () => Math.floor(random() * 256)));
				} else {
					bytes = Buffer.from(base);
					for (let k = 0; k < 1 + Math.floor(random() * 6); k++) {
						const at = Math.floor(random() * bytes.length);
						bytes[at] = '"\\()=,\n ANDOR'.charCodeAt(Math.floor(random() * 13)) ;
					}
				}
				const file = join(dir, `f${round}.dat`);
				await writeFile(file, bytes);
				try {
					// Whatever parses also translates without throwing (the translator reports, never fails).
					const set = await readThunderbirdFilters(file);
					const t = translateRules(set, {targets: folderTargetResolver({folders: [], layout: {delimiter: '/', prefix: '', specialUse: new Map()}})});
					assert.equal(t.plan.length, set.rules.length);
				} catch (error) {
					assert.ok(error instanceof MailshiftError, `round ${round}: ${String(error)}`);
					assert.equal(error.code, 'RULES_UNPARSEABLE', `round ${round}: ${error.message}`);
					assert.ok(error.message.startsWith(`${file}:`), error.message);
				}
			}
		} finally {
			await rm(dir, {recursive: true, force: true});
		}
	});
});

describe('real filter files from the corpus', {skip: corpusSkip}, () => {
	test('Every Thunderbird filter file in the corpus parses, with the rule counts SOURCES.md lists', async () => {
		const expected: Record<string, number> = {
			'bnordmann__msgFilterRules.dat': 2, 'mozilla__msgFilterRules.dat': 3, 'mozilla__SpamAssassin.sfd': 2,
			'mozilla__Bogofilter.sfd': 2, 'mozilla__DSPAM.sfd': 2, 'mozilla__SpamPal.sfd': 2,
		};
		const files = readdirSync(CORPUS).filter((f) => f.endsWith('.dat') || f.endsWith('.sfd'));
		assert.ok(files.length > 0);
		for (const name of files) {
			const set = await readThunderbirdFilters(join(CORPUS, name));
			if (expected[name] !== undefined) assert.equal(set.rules.length, expected[name], name);
		}
		const bn = await readThunderbirdFilters(join(CORPUS, 'bnordmann__msgFilterRules.dat'));
		assert.equal(bn.rules[1]?.name, 'Betreff enthält: Important');
		const sa = await readThunderbirdFilters(join(CORPUS, 'mozilla__SpamAssassin.sfd'));
		assert.deepEqual(sa.rules[0]?.conditions.map((c) => [c.isHeader, c.attribute, c.operator, c.value]), [
			[true, 'X-Spam-Status', 'begins with', 'Yes'], [true, 'X-Spam-Flag', 'begins with', 'YES'], [false, 'subject', 'begins with', '***SPAM***'],
		]);
	});
});
