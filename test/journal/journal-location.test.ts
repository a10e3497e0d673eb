/**
 * One mailbox under two spellings is one migration: one default journal, one lock (journal-location.ts);
 * a journal an earlier version kept under the spelling's own name is still found and resumed.
 */
import assert from 'node:assert/strict';
import {createHash} from 'node:crypto';
import {existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join, relative} from 'node:path';
import {after, describe, test} from 'node:test';
import {canonicalHost, defaultJournalPath, journalRun, legacyJournalPath} from '../../src/journal/journal-location.js';
import {SqliteJournal} from '../../src/journal/sqlite-journal.js';
import {describeTarget, parseImapUrl} from '../../src/uploader/imap-target.js';

const work = mkdtempSync(join(tmpdir(), 'ms-jloc-'));
after(() => rmSync(work, {recursive: true, force: true}));
const env = {XDG_STATE_HOME: join(work, 'state')};
const store = join(work, 'Mail', 'Maildir');
mkdirSync(store, {recursive: true});
symlinkSync(join(work, 'Mail'), join(work, 'link-to-mail'));

const target = (url: string) => parseImapUrl(url, false);
const journalOf = (source: string, url: string) => defaultJournalPath({source, target: target(url)}, env);
const identity = (source: string, url: string) => ({source, target: target(url), prefix: undefined, rules: [], excludes: []});

describe('the default journal of a migration', () => {
	test('is the same for every spelling of the source: a symbolic link, a trailing slash, a relative path with ..', () => {
		const url = 'imap://alice@127.0.0.1:1143';
		const expected = journalOf(store, url);
		for (const spelling of [join(work, 'link-to-mail', 'Maildir'), `${store}/`, `${join(work, 'link-to-mail')}/Maildir/`, relative(process.cwd(), join(work, 'Mail', '..', 'Mail', 'Maildir'))]) {
			assert.equal(journalOf(spelling, url), expected, spelling);
		}
		assert.notEqual(journalOf(join(work, 'Mail'), url), expected, 'another directory is another migration');
	});

	test('is the same for every spelling of the account: loopback names and addresses, host case, a trailing dot, the scheme', () => {
		const local = journalOf(store, 'imap://alice@127.0.0.1:1143');
		for (const url of ['imap://alice@localhost:1143', 'imap://alice@LocalHost:1143', 'imap://alice@[::1]:1143', 'imap://alice@127.1:1143', 'imap://alice@127.0.0.2:1143', 'imap://alice@[::ffff:127.0.0.1]:1143', 'imaps://alice@localhost.:1143']) {
			assert.equal(journalOf(store, url), local, url);
		}
		assert.equal(journalOf(store, 'imaps://alice@IMAP.Example.COM'), journalOf(store, 'imaps://alice@imap.example.com.:993'));
		assert.equal(journalOf(store, 'imaps://alice@[2001:DB8:0:0::1]'), journalOf(store, 'imaps://alice@[2001:db8::1]'));
		assert.notEqual(journalOf(store, 'imap://alice@127.0.0.1:1144'), local, 'another port is another account');
		assert.notEqual(journalOf(store, 'imap://bob@127.0.0.1:1143'), local, 'another user is another account');
		// Dovecot (auth_username_format %Lu), Gmail and Microsoft 365 fold the user's case: FRANK is frank.
		assert.equal(journalOf(store, 'imap://ALICE@localhost:1143'), local, 'the user in another case is the same account');
		assert.notEqual(journalOf(store, 'imaps://alice@imap.example.com'), journalOf(store, 'imaps://alice@imap.example.org'));
	});

	test('canonical hosts: loopback names are one host, public names stay names (their addresses change between lookups)', () => {
		assert.equal(canonicalHost('sub.localhost'), 'localhost');
		assert.equal(canonicalHost('0x7f.1'), 'localhost');
		assert.equal(canonicalHost('Imap.Gmail.com'), 'imap.gmail.com');
		assert.equal(canonicalHost('10.1'), '10.0.0.1');
	});

	test('is locked for a second spelling while the first holds it', () => {
		const a = SqliteJournal.open({path: journalOf(store, 'imap://alice@127.0.0.1:1143'), run: journalRun(identity(store, 'imap://alice@127.0.0.1:1143'))});
		try {
			const other = join(work, 'link-to-mail', 'Maildir/');
			assert.throws(() => SqliteJournal.open({path: journalOf(other, 'imap://alice@localhost:1143'), run: journalRun(identity(other, 'imap://alice@localhost:1143'))}), {code: 'JOURNAL_LOCKED'});
		} finally {
			a.close();
		}
	});

	test('is resumed under another spelling (the mapping check compares canonical names too)', () => {
		const path = journalOf(store, 'imap://carol@127.0.0.1:1143');
		const first = SqliteJournal.open({path, run: journalRun(identity(store, 'imap://carol@127.0.0.1:1143'))});
		first.skip({store, folder: 'INBOX', key: 'k1', location: 'x'}, 'TEST', 'recorded');
		first.close();
		const other = join(work, 'link-to-mail', 'Maildir');
		const again = SqliteJournal.open({path: journalOf(other, 'imap://carol@localhost:1143'), run: journalRun(identity(other, 'imap://carol@localhost:1143'))});
		try {
			assert.equal(again.isResumed, true);
			assert.equal(again.counts().skipped, 1);
		} finally {
			again.close();
		}
	});
});

describe('a journal written by an earlier version', () => {
	test('at the old default location (hash of the spelling given) is found, moved to the canonical place and resumed', () => {
		const spelling = join(work, 'link-to-mail', 'Maildir');
		const url = 'imap://dave@localhost:1143';
		// What versions before canonical keys did (journal-location.ts at 0e85019), spelled out here on purpose.
		const oldHash = createHash('sha256').update(`${spelling}\n${describeTarget(target(url))}`).digest('hex').slice(0, 16);
		const oldPath = join(env.XDG_STATE_HOME, 'mailshift', 'journals', `Maildir-${oldHash}.sqlite`);
		const oldRun = {configHash: createHash('sha256').update(JSON.stringify({source: spelling, target: describeTarget(target(url)), prefix: null, rules: [], excludes: []})).digest('hex'), configDescription: 'old'};
		assert.equal(legacyJournalPath({source: spelling, target: target(url)}, env), oldPath);
		const old = SqliteJournal.open({path: oldPath, run: oldRun});
		old.skip({store: spelling, folder: 'INBOX', key: 'k1', location: 'x'}, 'TEST', 'recorded by the old version');
		old.close();

		const path = defaultJournalPath({source: spelling, target: target(url)}, env);
		assert.notEqual(path, oldPath);
		const resumed = SqliteJournal.open({path, legacyPath: oldPath, run: journalRun(identity(spelling, url))});
		try {
			assert.equal(resumed.isResumed, true);
			assert.equal(resumed.counts().skipped, 1);
			assert.equal(existsSync(oldPath), false, 'moved, not copied: one journal');
		} finally {
			resumed.close();
		}
		// From now on every spelling finds it.
		const again = SqliteJournal.open({path: journalOf(store, 'imap://dave@127.0.0.1:1143'), run: journalRun(identity(store, 'imap://dave@127.0.0.1:1143'))});
		try {
			assert.equal(again.counts().skipped, 1);
		} finally {
			again.close();
		}
	});

	test('that an earlier version is still running on is not moved: the run is refused as locked', () => {
		const spelling = store;
		const url = 'imap://erin@127.0.0.1:1143';
		const oldPath = legacyJournalPath({source: spelling, target: target(url)}, env)!;
		const running = SqliteJournal.open({path: oldPath, run: {configHash: 'x', configDescription: 'old'}});
		try {
			assert.throws(() => SqliteJournal.open({path: defaultJournalPath({source: spelling, target: target(url)}, env), legacyPath: oldPath, run: journalRun(identity(spelling, url))}), {code: 'JOURNAL_LOCKED'});
			assert.equal(existsSync(oldPath), true);
		} finally {
			running.close();
		}
	});
});
