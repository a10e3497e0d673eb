/**
 * `migrate --rules` as a user runs it (issue #17): the mail of a Thunderbird Local Folders goes up, then its
 * filters are installed as Sieve through the SAME folder mapping (here --prefix), with the same login. Mail
 * delivered afterwards through LMTP proves the rule files into the folder the old mail was migrated to. A
 * failing rules step never hides the mail result.
 */
import assert from 'node:assert/strict';
import {mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, test} from 'node:test';

import {sieveServerSkipReason, startDovecot} from '../helpers/dovecot.js';
import type {PrivateDovecot} from '../helpers/dovecot.js';
import {readAccount} from '../helpers/imap-readback.js';
import {deliverLmtp} from '../helpers/lmtp.js';
import {runCli} from '../helpers/run-cli.js';

const MOVE = `version="9"
logging="no"
name="Invoices"
enabled="yes"
type="17"
action="Move to folder"
actionValue="mailbox://nobody@Local%20Folders/Invoices"
condition="AND (subject,contains,invoice)"
`;
const ADDRESS_BOOK = `name="Friends"
enabled="yes"
type="17"
action="Mark flagged"
condition="AND (from,is in ab,jsaddrbook://abook.sqlite)"
`;

/** Local Folders with an Inbox, an Invoices folder holding one old invoice, and the filter file. */
async function localFolders(root: string, filters: string): Promise<string> {
	const local = join(root, 'Mail', 'Local Folders');
	await mkdir(local, {recursive: true});
	await writeFile(join(local, 'Inbox'), 'From a@b Mon Mar  2 08:00:00 2009\nFrom: a@b\nSubject: hello\nMessage-ID: <old-inbox@t>\n\nx\n');
	await writeFile(join(local, 'Invoices'), 'From ar@billing.example Mon Mar  2 09:00:00 2009\nFrom: ar@billing.example\nSubject: invoice 1\nMessage-ID: <old-inv@t>\n\nx\n');
	await writeFile(join(local, 'msgFilterRules.dat'), filters);
	return local;
}

const skip = sieveServerSkipReason();

describe('migrate --rules against Dovecot with ManageSieve and LMTP', {skip}, () => {
	let server: PrivateDovecot;
	let work: string;
	before(async () => {
		server = await startDovecot({sieve: true, users: ['alice', 'bob', 'carol']});
		work = await mkdtemp(join(tmpdir(), 'ms-migrate-rules-'));
	});
	after(async () => {
		await server?.stop();
		await rm(work, {recursive: true, force: true});
	});

	test('Given --prefix, then the mail is migrated below it and new mail matching the filter lands in the same migrated folder', async () => {
		const local = await localFolders(join(work, 'a'), MOVE);
		const result = await runCli(['migrate', local, '--to', `imap://alice@127.0.0.1:${server.port}`, '--prefix', 'Old PC', '--rules', '--sieve-port', String(server.managesievePort), '--stats', '0'],
			{env: {MAILSHIFT_PASSWORD: server.passwordOf('alice')}});
		assert.equal(result.code, 0, result.stderr);
		assert.match(result.stdout, /1\. Invoices — ✓ carried/);
		assert.match(result.stdout, /Rules: 1 filter → 1 server rule installed\.\n/);

		assert.match(await deliverLmtp(server.lmtpPort ?? 0, 'alice', 'From: ar@billing.example\nSubject: invoice 2\nMessage-ID: <new-inv@t>\n\nx\n'), /^250 /);
		const account = await readAccount(server, 'alice');
		const where = (id: string): string[] => account.messages.filter((m) => m.messageId === id).map((m) => m.mailbox);
		assert.deepEqual(where('old-inv@t'), ['Old PC/Invoices']);
		assert.deepEqual(where('new-inv@t'), ['Old PC/Invoices']);
	});

	test('Given a filter that cannot run on the server, then the summary line says how many stay on this computer and the exit code says something was left behind', async () => {
		const local = await localFolders(join(work, 'b'), MOVE + ADDRESS_BOOK);
		const result = await runCli(['migrate', local, '--to', `imap://bob@127.0.0.1:${server.port}`, '--rules', '--sieve-port', String(server.managesievePort), '--stats', '0'],
			{env: {MAILSHIFT_PASSWORD: server.passwordOf('bob')}});
		assert.equal(result.code, 5, result.stderr);
		assert.match(result.stdout, /2\. Friends — ✗ not carried\n {7}because .*address book/);
		assert.match(result.stdout, /Rules: 2 filters → 1 server rule installed; 1 stay on this computer \(see above\)\.\n/);
		assert.match(result.stdout, /Verify: OK/);
	});

	test('Given a port without ManageSieve, then the mail result is still complete and printed, the rules line says why, and the exit code is the rules one', async () => {
		const local = await localFolders(join(work, 'c'), MOVE);
		const result = await runCli(['migrate', local, '--to', `imap://carol@127.0.0.1:${server.port}`, '--rules', '--sieve-port', String(server.port), '--stats', '0'],
			{env: {MAILSHIFT_PASSWORD: server.passwordOf('carol')}});
		assert.equal(result.code, 8, result.stderr);
		assert.match(result.stdout, /Verify: OK/);
		assert.match(result.stdout, /Rules: not installed — .*did not greet as a ManageSieve server/);
		const account = await readAccount(server, 'carol');
		assert.equal(account.messages.length, 2);
	});
});
