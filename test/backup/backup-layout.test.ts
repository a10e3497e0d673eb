/** Output layouts (src/backup/backup-layout.ts) and the mbox record format (src/backup/writers/mbox-writer.ts): pure functions. */
import assert from 'node:assert/strict';
import {Readable} from 'node:stream';
import {describe, test} from 'node:test';
import {dovecotKeywordsText, emlFileName, maildirFileName, maildirFlagLetters, maildirKeywords, maildirUniqueName, parseDovecotKeywords, placeFolders} from '../../src/backup/backup-layout.js';
import {asctime, decodeMboxRecord, encodeMboxRecord} from '../../src/backup/writers/mbox-writer.js';
import {splitMbox} from '../../src/readers/mbox/mbox-splitter.js';
import type {MboxEntry} from '../../src/readers/mbox/mbox-splitter.js';

describe('Maildir info letters', () => {
	const rows: ReadonlyArray<readonly [readonly string[], string]> = [
		[[], ''],
		[['\\Seen'], 'S'],
		[['\\Seen', '\\Answered', '\\Flagged', '\\Draft', '$Forwarded', '\\Deleted'], 'DFPRST'],
		[['\\Seen', 'Work', '$Junk'], 'Sab'],
		[['Unknown', '\\Seen'], 'S'],
	];
	const keywords = new Map([['$Junk', 0], ['Work', 1]]);
	for (const [flags, letters] of rows) {
		test(`Given the flags ${JSON.stringify(flags)}, when written into a Maildir name, then the info is ":2,${letters}" in ASCII order`, () => {
			assert.equal(maildirFlagLetters(flags, keywords), letters);
		});
	}

	test('Given flags with keywords, when the keywords are picked, then only valid keywords other than $Forwarded are', () => {
		assert.deepEqual(maildirKeywords(['\\Seen', '$Forwarded', 'Work', '$Junk', 'bad keyword', '\\Recent']), ['Work', '$Junk']);
	});

	test('Given keyword indexes, when dovecot-keywords is written and read back, then it is the same map (indexes 26+ ignored)', () => {
		const text = dovecotKeywordsText([['Work', 1], ['$Junk', 0]]);
		assert.equal(text, '0 $Junk\n1 Work\n');
		assert.deepEqual([...parseDovecotKeywords(text + '26 TooFar\nnot a line\n')], [['$Junk', 0], ['Work', 1]]);
	});

	test('Given a message, when named, then the unique part carries time, hash, copy number and Dovecot sizes, and the separator is the one asked for', () => {
		const date = new Date(Date.UTC(2009, 2, 3, 9, 0, 0));
		const unique = maildirUniqueName(date, 'ab'.repeat(32), 1234, 1);
		assert.equal(unique, `${date.getTime() / 1000}.abababababababab.mailshift,S=1234,W=1234`);
		assert.equal(maildirUniqueName(date, 'ab'.repeat(32), 1234, 2), `${date.getTime() / 1000}.abababababababab_2.mailshift,S=1234,W=1234`);
		assert.equal(maildirFileName(unique, 'RS', ':'), `${unique}:2,RS`);
		assert.equal(maildirFileName(unique, 'RS', ';'), `${unique};2,RS`);
	});

	test('Given a message, when named for the eml format, then the name sorts by date and ends with .eml', () => {
		assert.equal(emlFileName(new Date(Date.UTC(2004, 6, 15, 9, 57, 42)), 'cd'.repeat(32), 1), '20040715T095742Z-cdcdcdcdcdcd.eml');
		assert.equal(emlFileName(new Date(Date.UTC(2004, 6, 15, 9, 57, 42, 500)), 'cd'.repeat(32), 3), '20040715T095742Z-cdcdcdcdcdcd_3.eml');
	});
});

describe('placeFolders', () => {
	const tree = [['Inbox'], ['Inbox', 'Projects'], ['Archive', '2019'], ['Sent Items']];

	test('Given a folder tree, when placed as maildir or eml, then each folder is a nested directory of the same names', () => {
		for (const format of ['maildir', 'eml'] as const) {
			assert.deepEqual(placeFolders(format, tree).map((p) => p.path), ['Inbox', 'Inbox/Projects', 'Archive/2019', 'Sent Items']);
		}
	});

	test('Given a folder tree, when placed as mbox, then folders are Name.mbox files and subfolders live in Name.sbd', () => {
		assert.deepEqual(placeFolders('mbox', tree).map((p) => p.path), ['Inbox.mbox', 'Inbox.sbd/Projects.mbox', 'Archive.sbd/2019.mbox', 'Sent Items.mbox']);
	});

	test('Given folders named like Maildir internals, when placed as maildir, then they cannot be mistaken for them', () => {
		const placed = placeFolders('maildir', [['cur'], ['INBOX', 'new'], ['INBOX', 'tmp'], ['dovecot-uidlist'], ['manifest.json'], ['x', 'manifest.json']]);
		assert.deepEqual(placed.map((p) => p.path), ['%63ur', 'INBOX/%6Eew', 'INBOX/%74mp', '%64ovecot-uidlist', '%6Danifest.json', 'x/manifest.json']);
	});

	test('Given a name the Maildir reader would decode as modified UTF-7, when placed as maildir, then its & is encoded', () => {
		const placed = placeFolders('maildir', [['Tom&-Jerry'], ['R&D'], ['R&AOk-sum&AOk-']]);
		assert.deepEqual(placed.map((p) => p.path), ['Tom%26-Jerry', 'R&D', 'R%26AOk-sum%26AOk-']);
	});

	test('Given a folder named like a message file, when placed as eml, then it cannot clash with one', () => {
		assert.equal(placeFolders('eml', [['20040715T095742Z-cdcdcdcdcdcd.eml']])[0]?.path, '%320040715T095742Z-cdcdcdcdcdcd.eml');
	});
});

describe('mbox records (mboxrd)', () => {
	const date = new Date(Date.UTC(1994, 1, 7, 22, 43, 4));
	const cases: ReadonlyArray<readonly [string, string]> = [
		['a plain CRLF message', 'Subject: a\r\n\r\nhello\r\n'],
		['body lines that start with From and >From', 'Subject: b\r\n\r\nFrom here on.\r\n>From quoted\r\n>>From twice\r\n\r\nFrom me\r\n'],
		['a first line that starts with From', 'From nobody Mon Jan  1 00:00:00 2001\r\nSubject: c\r\n\r\nx\r\n'],
		['no line break at the end', 'Subject: d\r\n\r\nno newline'],
		['an LF-only message', 'Subject: e\n\nbody\n'],
		['a message ending in an empty line', 'Subject: f\r\n\r\nbody\r\n\r\n'],
	];

	test('Given a date, when written as asctime, then it is the From_ line form in UTC', () => {
		assert.equal(asctime(date), 'Mon Feb  7 22:43:04 1994');
	});

	for (const [what, text] of cases) {
		test(`Given ${what}, when encoded and decoded, then the bytes come back exactly`, () => {
			const content = Buffer.from(text, 'latin1');
			const {record, addedLineEnd} = encodeMboxRecord(content, date);
			assert.equal(addedLineEnd, !text.endsWith('\n'));
			assert.deepEqual(decodeMboxRecord(record, addedLineEnd), content);
		});
	}

	test('Given records of all those messages in one file, when read by mailshift\'s own mbox splitter, then each message comes back exactly, with its date', async () => {
		const contents = cases.map(([, text]) => Buffer.from(text, 'latin1'));
		const file = Buffer.concat(contents.map((c) => encodeMboxRecord(c, date).record));
		const read: MboxEntry[] = [];
		for await (const entry of splitMbox(Readable.from([file]))) read.push(entry);
		assert.equal(read.length, contents.length, 'one message per record');
		contents.forEach((content, i) => {
			const entry = read[i];
			const expected = content[content.length - 1] === 0x0a ? content : Buffer.concat([content, Buffer.from('\r\n')]);
			assert.deepEqual(entry?.raw, expected, `message ${i} (${cases[i]?.[0]})`);
			assert.equal(entry?.fromDate?.getTime(), date.getTime());
		});
	});

	test('Given a record that was tampered with, when decoded, then it is not mistaken for the original', () => {
		const {record} = encodeMboxRecord(Buffer.from('Subject: a\r\n\r\nhello\r\n'), date);
		assert.equal(decodeMboxRecord(Buffer.from('Xrom' + record.subarray(4).toString('latin1'), 'latin1'), false), undefined);
		assert.notDeepEqual(decodeMboxRecord(Buffer.from(record.toString('latin1').replace('hello', 'HELLO'), 'latin1'), false), Buffer.from('Subject: a\r\n\r\nhello\r\n'));
	});
});
