/**
 * End to end: one mailbox written two ways (a symbolic link with a trailing slash, `localhost` for
 * 127.0.0.1) is one migration. While a run holds the journal, the other spelling is refused as locked; once
 * it is done, the other spelling resumes the same journal and the server holds every message once.
 */
import assert from 'node:assert/strict';
import {mkdtemp, rm, symlink} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, test} from 'node:test';
import {defaultJournalPath, journalRun} from '../../src/journal/journal-location.js';
import {SqliteJournal} from '../../src/journal/sqlite-journal.js';
import {sampleMessages, writeSampleMaildir} from '../../src/testing/sample-store.js';
import {parseImapUrl} from '../../src/uploader/imap-target.js';
import {dovecotSkipReason, startDovecot} from '../helpers/dovecot.js';
import type {PrivateDovecot} from '../helpers/dovecot.js';
import {readAccount} from '../helpers/imap-readback.js';
import {runCli, STATE_HOME} from '../helpers/run-cli.js';

const skip = dovecotSkipReason();

describe('one mailbox under two spellings', {skip}, () => {
	let server: PrivateDovecot;
	let work: string;
	const samples = sampleMessages(20, 12);
	before(async () => {
		server = await startDovecot({users: ['alice']});
		work = await mkdtemp(join(tmpdir(), 'ms-spellings-'));
		await writeSampleMaildir(join(work, 'Real', 'Maildir'), samples);
		await symlink(join(work, 'Real'), join(work, 'alias'));
	});
	after(async () => {
		await server?.stop();
		await rm(work, {recursive: true, force: true});
	});

	test('is refused as locked while a run holds its journal, then resumes that same journal, and every message is on the server once', async () => {
		const first = {source: join(work, 'Real', 'Maildir'), url: `imap://alice@127.0.0.1:${server.port}`};
		const second = {source: `${join(work, 'alias', 'Maildir')}/`, url: `imap://alice@localhost:${server.port}`};
		const migrate = (spelling: typeof first) => runCli(['migrate', spelling.source, '--to', spelling.url, '--stats', '0'], {env: {MAILSHIFT_PASSWORD: server.passwordOf('alice')}});

		// Given a run of the first spelling holding its journal (as `mailshift migrate` does while it runs),
		const target = parseImapUrl(first.url, false);
		const journalPath = defaultJournalPath({source: first.source, target}, {XDG_STATE_HOME: STATE_HOME});
		const running = SqliteJournal.open({path: journalPath, run: journalRun({source: first.source, target, prefix: undefined, rules: [], excludes: []})});
		let refused;
		try {
			// when the second spelling starts, it is refused as locked (exit 7) and uploads nothing.
			refused = await migrate(second);
		} finally {
			running.close();
		}
		assert.equal(refused.code, 7, refused.stderr + refused.stdout);
		assert.match(refused.stderr, /Another mailshift run \(pid \d+ .*\) is using this migration's journal/);
		assert.deepEqual((await readAccount(server, 'alice')).messages, []);

		// Then the first spelling runs to its end, and the second resumes the same journal: nothing is uploaded twice.
		const done = await migrate(first);
		assert.equal(done.code, 0, done.stderr + done.stdout);
		const resumed = await migrate(second);
		assert.equal(resumed.code, 0, resumed.stderr + resumed.stdout);
		assert.ok(resumed.stderr.includes(`Resuming: the journal ${journalPath} has ${samples.length} messages done`), resumed.stderr);
		const ids = (await readAccount(server, 'alice')).messages.map((m) => m.messageId).sort();
		assert.deepEqual(ids, samples.map((s) => s.messageId).sort(), 'every message once');
	});
});
