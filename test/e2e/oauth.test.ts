/**
 * OAuth2 logins (XOAUTH2/OAUTHBEARER) against the private Dovecot, whose oauth2 passdb checks tokens at a
 * loopback RFC 7662 introspection endpoint of this test's own. A token command is run again when the server
 * refuses an expired token; tokens never appear in any output.
 */
import assert from 'node:assert/strict';
import {mkdir, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import {createServer} from 'node:http';
import type {Server} from 'node:http';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, test} from 'node:test';
import {dovecotSkipReason, startDovecot} from '../helpers/dovecot.js';
import type {PrivateDovecot} from '../helpers/dovecot.js';
import {readAccount} from '../helpers/imap-readback.js';
import {runCli} from '../helpers/run-cli.js';

const skip = dovecotSkipReason();
const GOOD = 'ya29.good-token-for-alice';

describe('logging in with an OAuth2 access token', {skip}, () => {
	let server: PrivateDovecot;
	let http: Server;
	let work: string;
	before(async () => {
		http = createServer((req, res) => {
			let body = '';
			req.on('data', (d: Buffer) => (body += d.toString()));
			req.on('end', () => {
				const token = new URLSearchParams(body).get('token');
				res.setHeader('content-type', 'application/json');
				res.end(JSON.stringify(token === GOOD ? {active: true, username: 'alice'} : {active: false}));
			});
		});
		await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', () => resolve()));
		const port = (http.address() as {port: number}).port;
		server = await startDovecot({users: ['alice'], oauth2IntrospectionUrl: `http://127.0.0.1:${port}/introspect`});
		work = await mkdtemp(join(tmpdir(), 'ms-oauth-'));
		const root = join(work, 'Maildir');
		for (const sub of ['cur', 'new', 'tmp']) await mkdir(join(root, sub), {recursive: true});
		await writeFile(join(root, 'cur', '1.M1.h:2,S'), 'Subject: oauth\nMessage-ID: <oauth-1@t>\nDate: Mon, 2 Mar 2009 08:00:00 +0000\n\nhello\n');
	});
	after(async () => {
		await server?.stop();
		http?.close();
		await rm(work, {recursive: true, force: true});
	});

	test('an expired token from --oauth-token-command is replaced by running the command again, and the upload succeeds', async () => {
		// The command prints an expired token the first time and a good one afterwards (as a refresh would).
		const counter = join(work, 'calls');
		const script = join(work, 'token.sh');
		await writeFile(script, `#!/bin/sh\nn=$(cat ${counter} 2>/dev/null || echo 0); n=$((n+1)); echo $n > ${counter}\nif [ $n -eq 1 ]; then echo ya29.expired-token; else echo ${GOOD}; fi\n`, {mode: 0o755});
		const result = await runCli(['migrate', join(work, 'Maildir'), '--to', `imap://alice@127.0.0.1:${server.port}`, '--oauth-token-command', script, '--stats', '0']);
		assert.equal(result.code, 0, result.stderr + result.stdout);
		assert.ok(Number(await readFile(counter, 'utf8')) >= 2, 'the command ran again after the refusal');
		const account = await readAccount(server, 'alice');
		assert.deepEqual(account.messages.map((m) => m.messageId), ['oauth-1@t']);
		assert.doesNotMatch(result.stdout + result.stderr, /ya29\./, 'no token in the output');
	});

	test('a batch row with oauth-command: logs in with the token the command prints', async () => {
		const script = join(work, 'good.sh');
		await writeFile(script, `#!/bin/sh\necho ${GOOD}\n`, {mode: 0o755});
		const store = join(work, 'Maildir2');
		for (const sub of ['cur', 'new', 'tmp']) await mkdir(join(store, sub), {recursive: true});
		await writeFile(join(store, 'cur', '2.M2.h:2,S'), 'Subject: batch oauth\nMessage-ID: <oauth-2@t>\nDate: Mon, 2 Mar 2009 08:00:00 +0000\n\nhi\n');
		const plan = join(work, 'plan.csv');
		await writeFile(plan, `source,url,password,id\n${store},imap://alice@127.0.0.1:${server.port},oauth-command:${script},alice-oauth\n`);
		const result = await runCli(['batch', plan, '--allow-plan-commands', '--out', join(work, 'reports'), '--stats', '0', '--journal-dir', join(work, 'journals')]);
		assert.equal(result.code, 0, result.stderr + result.stdout);
		const account = await readAccount(server, 'alice');
		assert.ok(account.messages.some((m) => m.messageId === 'oauth-2@t'));
		const reports = await readFile(join(work, 'reports', 'report.csv'), 'utf8') + await readFile(join(work, 'reports', 'report.json'), 'utf8');
		assert.doesNotMatch(reports + result.stdout + result.stderr, /ya29\./, 'no token in reports or output');
	});

	test('a token in MAILSHIFT_OAUTH_TOKEN works for verify and for a backup of the account, and a refused one stops with the login exit code', async () => {
		const ok = await runCli(['verify', join(work, 'Maildir'), '--to', `imap://alice@127.0.0.1:${server.port}`], {env: {MAILSHIFT_OAUTH_TOKEN: GOOD}});
		assert.equal(ok.code, 0, ok.stderr + ok.stdout);
		const backup = await runCli(['backup', `imap://alice@127.0.0.1:${server.port}`, '--out', join(work, 'server-copy'), '--stats', '0'], {env: {MAILSHIFT_OAUTH_TOKEN: GOOD}});
		assert.equal(backup.code, 0, backup.stderr + backup.stdout);
		assert.match(await readFile(join(work, 'server-copy', 'manifest.json'), 'utf8'), /oauth-1@t/);
		const refused = await runCli(['migrate', join(work, 'Maildir'), '--to', `imap://alice@127.0.0.1:${server.port}`, '--stats', '0'], {env: {MAILSHIFT_OAUTH_TOKEN: 'ya29.revoked'}});
		assert.equal(refused.code, 4, refused.stderr);
		assert.doesNotMatch(refused.stdout + refused.stderr, /ya29\./);
	});
});

describe('an OAuth2 token for a server that does not offer OAuth2 login', {skip}, () => {
	let server: PrivateDovecot;
	let work: string;
	before(async () => {
		server = await startDovecot({users: ['alice']}); // no oauth2 passdb: AUTH=PLAIN and LOGIN only
		work = await mkdtemp(join(tmpdir(), 'ms-oauth-none-'));
		const root = join(work, 'Maildir');
		for (const sub of ['cur', 'new', 'tmp']) await mkdir(join(root, sub), {recursive: true});
		await writeFile(join(root, 'cur', '1.M1.h:2,S'), 'Subject: oauth\nMessage-ID: <oauth-none@t>\nDate: Mon, 2 Mar 2009 08:00:00 +0000\n\nhello\n');
	});
	after(async () => {
		await server?.stop();
		await rm(work, {recursive: true, force: true});
	});

	test('is refused as a login problem (exit 4) with a hint to use a password, not as a network problem', async () => {
		const result = await runCli(['migrate', join(work, 'Maildir'), '--to', `imap://alice@127.0.0.1:${server.port}`, '--stats', '0'], {env: {MAILSHIFT_OAUTH_TOKEN: GOOD}});
		assert.equal(result.code, 4, result.stderr + result.stdout);
		assert.match(result.stderr, /does not offer OAuth2 login \(XOAUTH2\/OAUTHBEARER\)/);
		assert.match(result.stderr, /password/);
		assert.doesNotMatch(result.stderr, /Could not connect|check the network/i);
		assert.doesNotMatch(result.stdout + result.stderr, /ya29\./, 'no token in the output');
		assert.deepEqual((await readAccount(server, 'alice')).messages, []);
	});
});
