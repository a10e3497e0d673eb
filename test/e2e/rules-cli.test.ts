/**
 * `mailshift rules` as a user runs it: finds msgFilterRules.dat in a Thunderbird profile, prints the plan
 * and the script, writes --out, installs with --install (password from MAILSHIFT_PASSWORD, never argv), and
 * --remove takes mailshift's script away again. Delivery through LMTP proves the installed rule works.
 */
import assert from 'node:assert/strict';
import {mkdir, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, test} from 'node:test';

import {ManageSieveClient} from '../../src/rules/managesieve-client.js';
import {SCRIPT_MARKER} from '../../src/rules/sieve-translate.js';
import {sieveServerSkipReason, startDovecot} from '../helpers/dovecot.js';
import type {PrivateDovecot} from '../helpers/dovecot.js';
import {readAccount} from '../helpers/imap-readback.js';
import {deliverLmtp} from '../helpers/lmtp.js';
import {runCli} from '../helpers/run-cli.js';

const CARRIED = `version="9"
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

/** A Thunderbird profile: Mail/Local Folders with Inbox, Invoices and the filter file. */
async function profile(root: string, filters: string): Promise<string> {
	const local = join(root, 'Mail', 'Local Folders');
	await mkdir(local, {recursive: true});
	await writeFile(join(local, 'Inbox'), 'From a@b Mon Mar  2 08:00:00 2009\nSubject: x\n\nx\n');
	await writeFile(join(local, 'Invoices'), '');
	await writeFile(join(local, 'msgFilterRules.dat'), filters);
	return root;
}

describe('mailshift rules without a server', () => {
	let work: string;
	before(async () => { work = await mkdtemp(join(tmpdir(), 'ms-rules-cli-')); });
	after(async () => { await rm(work, {recursive: true, force: true}); });

	test('Given a profile folder, then the filter file is found, the plan and the script are printed, and the exit code is 0 when every rule is carried', async () => {
		const root = await profile(join(work, 'p1'), CARRIED);
		const result = await runCli(['rules', root]);
		assert.equal(result.code, 0, result.stderr);
		assert.match(result.stdout, /Filters in .*Local Folders\/msgFilterRules\.dat:\n {2}1\. Invoices — ✓ carried/);
		assert.match(result.stdout, /# mailshift-rules v1\n/);
		assert.match(result.stdout, /fileinto :create "Invoices";/);
	});

	test('Given a rule that cannot be carried, then it is listed with the reason, --out writes the script, and the exit code says something was left behind', async () => {
		const root = await profile(join(work, 'p2'), CARRIED + ADDRESS_BOOK);
		const out = join(work, 'rules.sieve');
		const result = await runCli(['rules', join(root, 'Mail'), '--out', out]);
		assert.equal(result.code, 5, result.stderr);
		assert.match(result.stdout, /2\. Friends — ✗ not carried\n {7}because .*address book/);
		assert.match(result.stdout, /2 filters → 1 server rule; 1 stay on this computer/);
		assert.ok((await readFile(out, 'utf8')).startsWith(SCRIPT_MARKER));
	});

	test('Given the Thunderbird directory, then the filter file is found through profiles.ini', async () => {
		const tb = join(work, 'tb');
		await profile(join(tb, 'Profiles', 'x.default'), CARRIED);
		await writeFile(join(tb, 'profiles.ini'), '[General]\nStartWithLastProfile=1\n\n[Profile0]\nName=default\nIsRelative=1\nPath=Profiles/x.default\nDefault=1\n');
		const result = await runCli(['rules', tb]);
		assert.equal(result.code, 0, result.stderr);
		assert.match(result.stdout, /Filters in .*Profiles\/x\.default\/Mail\/Local Folders\/msgFilterRules\.dat:/);
	});

	test('Given a garbled filter file, then the error names the file and line and the exit code is the source one', async () => {
		const root = await profile(join(work, 'p3'), 'version="9"\nname="a\n');
		const result = await runCli(['rules', root]);
		assert.equal(result.code, 3);
		assert.match(result.stderr, /msgFilterRules\.dat:2: the value of "name" has no closing quote/);
	});
});

const skip = sieveServerSkipReason();

describe('mailshift rules --install / --remove against Dovecot', {skip}, () => {
	let server: PrivateDovecot;
	let work: string;
	before(async () => {
		server = await startDovecot({sieve: true, users: ['alice']});
		work = await mkdtemp(join(tmpdir(), 'ms-rules-cli-'));
	});
	after(async () => {
		await server?.stop();
		await rm(work, {recursive: true, force: true});
	});

	test('Install makes delivered mail land in the mapped folder; a re-run changes nothing; remove takes the script away', async () => {
		const root = await profile(join(work, 'p'), CARRIED);
		const to = `imap://alice@127.0.0.1:${server.port}`;
		const env = {MAILSHIFT_PASSWORD: server.passwordOf('alice')};
		const port = String(server.managesievePort);
		const installed = await runCli(['rules', root, '--to', to, '--sieve-port', port, '--install'], {env});
		assert.equal(installed.code, 0, installed.stderr);
		assert.match(installed.stdout, /Sieve script "mailshift" installed and active/);
		assert.ok(!installed.stdout.includes(env.MAILSHIFT_PASSWORD) && !installed.stderr.includes(env.MAILSHIFT_PASSWORD));

		assert.match(await deliverLmtp(server.lmtpPort ?? 0, 'alice', 'From: ar@billing.example\nSubject: invoice 7\nMessage-ID: <cli-inv@t>\n\nx\n'), /^250 /);
		const account = await readAccount(server, 'alice');
		assert.deepEqual(account.messages.filter((m) => m.messageId === 'cli-inv@t').map((m) => m.mailbox), ['Invoices']);

		const again = await runCli(['rules', root, '--to', to, '--sieve-port', port, '--install'], {env});
		assert.equal(again.code, 0, again.stderr);
		assert.match(again.stdout, /"mailshift" unchanged/);

		const removed = await runCli(['rules', root, '--to', to, '--sieve-port', port, '--remove'], {env});
		assert.equal(removed.code, 0, removed.stderr);
		assert.match(removed.stdout, /Removed mailshift's Sieve script/);
		const client = await ManageSieveClient.connect({host: '127.0.0.1', port: server.managesievePort ?? 0, security: 'none'});
		const isEmpty = async (): Promise<void> => {
			await client.authenticate({user: 'alice', password: server.passwordOf('alice')});
			assert.deepEqual(await client.listScripts(), []);
		};
		try {
			await isEmpty();
		} finally {
			await client.logout();
		}
	});

	test('Given a port without ManageSieve, then install prints the plan, writes --out, says so clearly and exits "unreachable"', async () => {
		const root = await profile(join(work, 'p-none'), CARRIED);
		const out = join(work, 'fallback.sieve');
		const result = await runCli(['rules', root, '--to', `imap://alice@127.0.0.1:${server.port}`, '--sieve-port', String(server.port), '--install', '--out', out], {env: {MAILSHIFT_PASSWORD: server.passwordOf('alice')}});
		assert.equal(result.code, 8, result.stderr);
		assert.match(result.stdout, /1\. Invoices — ✓ carried/);
		assert.match(result.stderr, /did not greet as a ManageSieve server\. Nothing was installed\.\n {2}.*--out FILE\.sieve/);
		assert.ok((await readFile(out, 'utf8')).startsWith(SCRIPT_MARKER));
	});
});
