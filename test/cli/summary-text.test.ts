/** formatSummary: the end-of-run table on stdout (per folder, then totals, then problems). Pure. */
import assert from 'node:assert/strict';
import {describe, test} from 'node:test';

import {formatSummary} from '../../src/app/summary-text.js';
import type {FolderSummary, Problem, Summary} from '../../src/contracts/types.js';
import {displayWidth, fit} from '../../src/util/format.js';

function summaryOf(over: Partial<Summary> = {}): Summary {
	return {
		dryRun: false,
		folders: [
			{folder: 'Inbox', mailbox: 'INBOX', found: 120, uploaded: 117, skipped: 2, failed: 1, bytes: 5_300_000},
			{folder: 'Sent Items', mailbox: 'Sent', found: 30, uploaded: 30, skipped: 0, failed: 0, bytes: 40_000},
			{folder: 'Projects/2019', mailbox: 'Projects/2019', found: 1234, uploaded: 1234, skipped: 0, failed: 0, bytes: 0},
		],
		found: 1384, uploaded: 1381, skipped: 2, failed: 1, bytes: 5_340_000, elapsedMs: 83_000, interrupted: false,
		problems: [
			{folder: 'Inbox', location: '/mail/Inbox#4', key: 'k4', kind: 'failed', code: 'MESSAGE_REJECTED', reason: 'NO Message contains bare newlines'},
			{folder: 'Inbox', location: '/mail/Inbox#5', key: 'k5', kind: 'skipped', code: 'DUPLICATE', reason: 'already on the server'},
			{folder: 'Inbox', location: '/mail/Inbox#6', key: 'k6', kind: 'skipped', code: 'MAILDIR_TRASHED', reason: 'trashed in Maildir'},
		],
		problemsDropped: 0,
		skippedUnlisted: {},
		...over,
	};
}

const failure = (n: number): Problem => ({folder: 'Inbox', location: `/mail/Inbox#${n}`, key: `k${n}`, kind: 'failed', code: 'TOO_BIG', reason: 'too big'});

describe('formatSummary: the table', () => {
	test('Given a finished run, when formatted, then the first line is "Summary:" and the header names the columns', () => {
		const lines = formatSummary(summaryOf(), {dryRun: false}).split('\n');
		assert.equal(lines[0], 'Summary:');
		assert.match(lines[1] ?? '', /^ {2}Folder +Mailbox +found +uploaded +skipped +failed +size$/);
	});

	test('Given three folders, when formatted, then each has a row with its mailbox and counts', () => {
		const text = formatSummary(summaryOf(), {dryRun: false});
		assert.match(text, /^ {2}Inbox +→ INBOX +120 +117 +2 +1 +5\.1 MiB$/m);
		assert.match(text, /^ {2}Sent Items +→ Sent +30 +30 +0 +0 +39 KiB$/m);
		assert.match(text, /^ {2}Projects\/2019 +→ Projects\/2019 +1,234 +1,234 +0 +0 +0 B$/m);
	});

	test('Given a run, when formatted, then the totals row follows the folders with the run\'s totals', () => {
		const lines = formatSummary(summaryOf(), {dryRun: false}).split('\n');
		const total = lines.findIndex((l) => l.startsWith('  Total'));
		assert.equal(total, 5, 'header, title and three folders come first');
		assert.match(lines[total] ?? '', /^ {2}Total +1,384 +1,381 +2 +1 +5\.1 MiB$/);
		assert.equal(lines[total + 1], '  3 folders in 1m23s.');
	});

	test('Given rows of different names, when formatted, then the count columns line up', () => {
		const lines = formatSummary(summaryOf(), {dryRun: false}).split('\n').slice(1, 6);
		const ends = new Set(lines.map((l) => l.length));
		assert.equal(ends.size, 1, lines.join('\n'));
	});

	test('Given a folder name longer than 40 characters, when formatted, then it is cut from the left with an ellipsis', () => {
		const long = `Archive/${'x'.repeat(30)}/very-deep-folder-name`;
		const text = formatSummary(summaryOf({folders: [{folder: long, mailbox: 'A', found: 1, uploaded: 1, skipped: 0, failed: 0, bytes: 1}]}), {dryRun: false});
		const row = text.split('\n').find((l) => l.includes('→')) ?? '';
		assert.ok(row.startsWith(`  …${long.slice(-39)} → `), row);
	});

	test('Given an interrupted run without a count of what is left, when formatted, then the footer says it stopped early', () => {
		assert.match(formatSummary(summaryOf({interrupted: true}), {dryRun: false}), /3 folders in 1m23s — stopped early\./);
	});

	test('Given a stopped run with 1,200 messages left, when formatted, then the footer says how many are not sent yet and to run again, and lists no failures', () => {
		const text = formatSummary(summaryOf({interrupted: true, notSent: {messages: 1200, isExact: true}, problems: []}), {dryRun: false});
		assert.match(text, /3 folders in 1m23s — stopped, 1,200 messages not sent yet, run the same command again to send them\./);
		assert.doesNotMatch(text, /failed:/);
	});

	test('Given a stopped run whose store size is unknown, when formatted, then the count of messages not sent is a lower bound', () => {
		assert.match(formatSummary(summaryOf({interrupted: true, notSent: {messages: 7, isExact: false}}), {dryRun: false}), /stopped, at least 7 messages not sent yet/);
	});

	test('Given no folders, when formatted, then the table still has a header and a zero total', () => {
		const text = formatSummary(summaryOf({folders: [], found: 0, uploaded: 0, skipped: 0, failed: 0, bytes: 0, problems: []}), {dryRun: false});
		assert.match(text, /^ {2}Total +0 +0 +0 +0 +0 B$/m);
		assert.match(text, /0 folders in/);
	});
});

describe('formatSummary: dry run', () => {
	test('Given a dry run, when formatted, then the title is the DRY RUN badge and the column says "to upload"', () => {
		const lines = formatSummary(summaryOf({dryRun: true}), {dryRun: true}).split('\n');
		assert.equal(lines[0], 'DRY RUN — plan (nothing was written):');
		assert.match(lines[1] ?? '', / to upload /);
		assert.doesNotMatch(lines[1] ?? '', /uploaded/);
	});

	test('Given a real run, when formatted, then there is no DRY RUN badge', () => {
		assert.doesNotMatch(formatSummary(summaryOf(), {dryRun: false}), /DRY RUN/);
	});
});

describe('formatSummary: words and widths', () => {
	test('Given one folder and one ignored file, when formatted, then the nouns are singular; given two, plural', () => {
		const ignored = (n: number): Problem => ({folder: 'A', location: `f${n}`, key: '', kind: 'warning', code: 'FILE_IGNORED', reason: 'not mail'});
		const one = formatSummary(summaryOf({folders: [summaryOf().folders[0] as FolderSummary], problems: [ignored(1)]}), {dryRun: false});
		assert.match(one, /^ {2}1 folder in 1m23s\.$/m);
		assert.match(one, /^ {2}Warnings: 1 file ignored\.$/m);
		assert.match(formatSummary(summaryOf({problems: [ignored(1), ignored(2)]}), {dryRun: false}), /^ {2}Warnings: 2 files ignored\.$/m);
	});

	test('Given CJK folder names, when formatted, then every row\'s columns start at the same terminal column', () => {
		const folders: FolderSummary[] = [
			{folder: '受信トレイ', mailbox: '受信トレイ', found: 1, uploaded: 1, skipped: 0, failed: 0, bytes: 10},
			{folder: 'Sent', mailbox: 'Sent', found: 22, uploaded: 22, skipped: 0, failed: 0, bytes: 10},
			{folder: '프로젝트/２０１９年の資料とメモ', mailbox: 'Projekte', found: 3, uploaded: 3, skipped: 0, failed: 0, bytes: 10},
		];
		const rows = formatSummary(summaryOf({folders, problems: []}), {dryRun: false}, 80).split('\n').slice(1, 5);
		const widths = rows.map((line) => displayWidth(line));
		assert.equal(new Set(widths).size, 1, `rows of equal display width: ${JSON.stringify(rows)}`);
		const arrow = rows.slice(1).map((line) => displayWidth(line.slice(0, line.indexOf('→'))));
		assert.equal(new Set(arrow).size, 1, 'the arrows line up');
	});

	test('displayWidth and fit count East Asian wide characters as two columns and combining marks as none', () => {
		assert.equal(displayWidth('受信'), 4);
		assert.equal(displayWidth('Ａb'), 3);
		assert.equal(displayWidth('e\u0301'), 1);
		assert.equal(fit('受信トレイ', 12), '受信トレイ  ');
		assert.equal(displayWidth(fit('受信トレイ', 6)), 6);
		assert.equal(fit('受信トレイ', 6), '… レイ', 'a wide character that does not fit whole leaves a space');
	});
});

describe('formatSummary: problems', () => {
	test('Given skipped messages with two codes, when formatted, then one line counts them by code in words', () => {
		assert.match(formatSummary(summaryOf(), {dryRun: false}), /^ {2}Skipped: 1 duplicate, 1 maildir trashed\.$/m);
	});

	test('Given warnings, when formatted, then one line counts them by code', () => {
		const problems: Problem[] = [
			{folder: 'A', location: 'a', key: 'a', kind: 'warning', code: 'DATE_FALLBACK', reason: 'r'},
			{folder: 'A', location: 'b', key: 'b', kind: 'warning', code: 'DATE_FALLBACK', reason: 'r'},
		];
		assert.match(formatSummary(summaryOf({problems}), {dryRun: false}), /^ {2}Warnings: 2 date fallbacks\.$/m);
	});

	test('Given one failure, when formatted, then it is listed with location and reason', () => {
		assert.match(formatSummary(summaryOf(), {dryRun: false}), /^ {2}failed: \/mail\/Inbox#4: NO Message contains bare newlines$/m);
	});

	test('Given 12 failures and 5 dropped problems, when formatted, then 10 are listed and one line counts the 7 more', () => {
		const problems = Array.from({length: 12}, (_, i) => failure(i + 1));
		const text = formatSummary(summaryOf({problems, problemsDropped: 5}), {dryRun: false});
		assert.equal(text.match(/^ {2}failed: /gm)?.length, 10);
		assert.match(text, /^ {2}… 7 more; use --report FILE\.json for the full list\.$/m);
	});

	test('Given no problems, when formatted, then there is no Skipped, Warnings, failed or "more" line', () => {
		const text = formatSummary(summaryOf({problems: []}), {dryRun: false});
		assert.doesNotMatch(text, /Skipped:|Warnings:|failed:|more;/);
	});

	test('Given any summary, when formatted, then the text ends with exactly one newline', () => {
		const text = formatSummary(summaryOf(), {dryRun: false});
		assert.ok(text.endsWith('\n') && !text.endsWith('\n\n'));
	});
});

describe('formatSummary: Outlook items that are not mail', () => {
	test('a folder holding only non-mail items gets no row; the table and its total count mail, and the not-mail items are listed apart', () => {
		const notMail = (folder: string, n: number): Problem => ({folder, location: `/x.pst#${folder}/${n}`, key: String(n), kind: 'skipped', code: 'NOT_MAIL', reason: 'a calendar item, not mail'});
		const text = formatSummary(summaryOf({
			folders: [
				{folder: 'Inbox', mailbox: 'INBOX', found: 12, uploaded: 10, skipped: 2, failed: 0, bytes: 1000},
				{folder: 'Calendar', mailbox: 'Calendar', found: 9, uploaded: 0, skipped: 9, failed: 0, bytes: 0},
			],
			found: 21, uploaded: 10, skipped: 11, failed: 0, bytes: 1000,
			problems: [notMail('Inbox', 1), ...Array.from({length: 9}, (_, i) => notMail('Calendar', i + 10))],
		}), {dryRun: true});
		assert.doesNotMatch(text, /Calendar\s+→/);
		assert.match(text, /Inbox\s+→ INBOX\s+11\s+10\s+1\s+0/);
		assert.match(text, /Total\s+11\s+10\s+1\s+0/);
		assert.match(text, /Not mail, not uploaded \(`mailshift backup` saves them\): Inbox 1, Calendar 9\./);
	});
});
