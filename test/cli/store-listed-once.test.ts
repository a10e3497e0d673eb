/**
 * A migration lists its store once (issue #14: a re-run with nothing to do stat'ed every Maildir file twice,
 * once for the run and once more for the summary's "Store size"): the size comes from the run's own listing.
 */
import assert from 'node:assert/strict';
import {mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {mock, test} from 'node:test';
import {MaildirStore} from '../../src/readers/maildir/maildir-store.js';
import {runMain} from '../helpers/run-main.js';

test('a dry run lists the Maildir\'s folders once and still shows the store\'s size from that listing', async (t) => {
	const dir = await mkdtemp(join(tmpdir(), 'ms-listed-once-'));
	t.after(() => rm(dir, {recursive: true, force: true}));
	const root = join(dir, 'Maildir');
	for (const sub of ['cur', 'new', 'tmp']) await mkdir(join(root, sub), {recursive: true});
	const message = 'Subject: once\nMessage-ID: <once@listed.test>\nDate: Mon, 2 Mar 2009 08:00:00 +0000\n\nbody\n';
	await writeFile(join(root, 'cur', '1000.M1P1.host:2,S'), message);
	const listings = mock.method(MaildirStore.prototype, 'listFolders');
	t.after(() => listings.mock.restore());
	const {code, stdout, stderr} = await runMain(['migrate', root, '--dry-run', '--stats', '0', '--plain'], {XDG_STATE_HOME: join(dir, 'state')});
	assert.equal(code, 0, stderr);
	assert.equal(listings.mock.callCount(), 1);
	assert.match(stdout, new RegExp(`^ {2}Store size ${Buffer.byteLength(message)} B \\(its mail files`, 'm'));
});
