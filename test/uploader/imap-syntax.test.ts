/**
 * The IMAP wire syntax multi-append.ts owns instead of importing imapflow's internal lib/tools.js (issue #12
 * item 24): modified UTF-7 names, date-time, flags; and no source file imports imapflow's internals.
 */
import assert from 'node:assert/strict';
import {readFile, readdir} from 'node:fs/promises';
import {join} from 'node:path';
import {test} from 'node:test';
import {decodeMutf7} from '../../src/readers/mutf7.js';
import {encodeMutf7, formatFlag, formatInternalDate, wireMailboxName} from '../../src/uploader/imap-syntax.js';
import {REPO_ROOT} from '../helpers/run-cli.js';

test('mailbox names are encoded in modified UTF-7 as RFC 3501 §5.1.3 shows, and decode back', () => {
	const cases: Array<[string, string]> = [
		['Résumé', 'R&AOk-sum&AOk-'], ['A&B', 'A&-B'], ['plain/Name', 'plain/Name'],
		['~peter/mail/台北/日本語', '~peter/mail/&U,BTFw-/&ZeVnLIqe-'], ['Entwürfe', 'Entw&APw-rfe'], ['😀 x', '&2D3eAA- x'],
	];
	for (const [name, wire] of cases) {
		assert.equal(encodeMutf7(name), wire, name);
		assert.equal(decodeMutf7(wire), name, wire);
	}
});

test('a name goes on the wire as UTF-8 only when UTF8=ACCEPT is enabled, and INBOX in any case is INBOX', () => {
	assert.equal(wireMailboxName('Entwürfe', new Set()), 'Entw&APw-rfe');
	assert.equal(wireMailboxName('Entwürfe', new Set(['UTF8=ACCEPT'])), 'Entwürfe');
	assert.equal(wireMailboxName('inbox', new Set()), 'INBOX');
});

test('INTERNALDATE is RFC 3501 date-time in UTC with a space-padded day; an invalid date gives none', () => {
	assert.equal(formatInternalDate(new Date(Date.UTC(2009, 2, 2, 8, 0, 5))), ' 2-Mar-2009 08:00:05 +0000');
	assert.equal(formatInternalDate(new Date(Date.UTC(2020, 11, 31, 23, 59, 59))), '31-Dec-2020 23:59:59 +0000');
	assert.equal(formatInternalDate(new Date(Number.NaN)), undefined);
});

test('flags: system flags in canonical case, keywords that are atoms, and nothing that could draw a BAD', () => {
	assert.equal(formatFlag('\\seen'), '\\Seen');
	assert.equal(formatFlag('$Forwarded'), '$Forwarded');
	for (const bad of ['\\Recent', '\\Custom', '\\Junk', 'two words', 'a(b', 'x]', 'q"', '', '\\', 'caf\u00e9', 'a*']) assert.equal(formatFlag(bad), undefined, bad);
});

test('no source file imports imapflow internals (imapflow/lib/…), only its public API', async () => {
	const offenders: string[] = [];
	const walk = async (dir: string): Promise<void> => {
		for (const entry of await readdir(dir, {withFileTypes: true})) {
			const path = join(dir, entry.name);
			if (entry.isDirectory()) await walk(path);
			else if (/\.tsx?$/.test(entry.name) && /from\s+['"]imapflow\/lib\//.test(await readFile(path, 'utf8'))) offenders.push(path);
		}
	};
	await walk(join(REPO_ROOT, 'src'));
	assert.deepEqual(offenders, []);
});
