/**
 * ManageSieve (RFC 5804): the reply parser on its own, then the client and the install policy against the
 * private Dovecot's real managesieved (STARTTLS, SASL PLAIN, CHECKSCRIPT/PUTSCRIPT/SETACTIVE/…).
 */
import assert from 'node:assert/strict';
import {after, before, describe, test} from 'node:test';

import {MailshiftError} from '../../src/contracts/errors.js';
import {ManageSieveClient, parseResponse, sieveArgument} from '../../src/rules/managesieve-client.js';
import {composeScript, installScript, isOurScript, removeScript} from '../../src/rules/sieve-install.js';
import {SCRIPT_MARKER} from '../../src/rules/sieve-translate.js';
import {sieveServerSkipReason, startDovecot} from '../helpers/dovecot.js';
import type {PrivateDovecot} from '../helpers/dovecot.js';

describe('the ManageSieve reply parser', () => {
	test('Given capabilities, a literal and a response code, then all are read and the rest stays in the buffer', () => {
		const text = '"SIEVE" "fileinto mailbox"\r\n{12}\r\nline1\r\nline2\r\nNO (NONEXISTENT) "There is no such script"\r\nOK\r\n';
		const parsed = parseResponse(Buffer.from(text));
		assert.ok(parsed);
		assert.equal(parsed.response.status, 'NO');
		assert.equal(parsed.response.code, 'NONEXISTENT');
		assert.equal(parsed.response.text, 'There is no such script');
		assert.deepEqual(parsed.response.lines.map((l) => l.map((t) => (t.kind === 'code' ? '()' : t.value))), [['SIEVE', 'fileinto mailbox'], ['line1\r\nline2']]);
		assert.equal(Buffer.from(text).subarray(parsed.consumed).toString(), 'OK\r\n');
	});

	test('Given a reply cut anywhere, then the parser asks for more instead of guessing', () => {
		const text = Buffer.from('"a" {5+}\r\nab\\"c\r\nOK "d\\"one"\r\n');
		for (let cut = 0; cut < text.length; cut++) assert.equal(parseResponse(text.subarray(0, cut)), undefined, `cut at ${cut}`);
		assert.equal(parseResponse(text)?.response.text, 'd"one');
	});

	test('Given bytes that are not ManageSieve, then the parser throws instead of waiting forever', () => {
		assert.throws(() => parseResponse(Buffer.from('{abc}\r\n')));
		assert.throws(() => parseResponse(Buffer.from('"unterminated\r\n')));
	});

	test('Client strings with quotes, backslashes or line breaks are sent as non-synchronizing literals', () => {
		assert.equal(sieveArgument('mailshift'), '"mailshift"');
		assert.equal(sieveArgument('a"b'), '{3+}\r\na"b');
		assert.equal(sieveArgument('Käse\r\n'), '{7+}\r\nKäse\r\n');
	});

	test('composeScript puts require "include" before the other requires and the include right after them', () => {
		const script = `${SCRIPT_MARKER}\r\n# c\r\n\r\nrequire ["fileinto"];\r\n\r\nif true {\r\n    fileinto "x";\r\n}\r\n`;
		const out = composeScript(script, 'old', 'old');
		assert.ok(isOurScript(out));
		assert.match(out, /^# mailshift-rules v1\r\n# mailshift-previous-active: "old"\r\n# mailshift-includes: "old"\r\n# c\r\n\r\nrequire "include";\r\nrequire \["fileinto"\];\r\ninclude :personal "old";\r\n/);
	});
});

const skip = sieveServerSkipReason();

const OUR_SCRIPT = `${SCRIPT_MARKER}\r\n# test\r\nrequire ["fileinto"];\r\nif header :contains "subject" "x" {\r\n    fileinto "X";\r\n}\r\n`;
const USER_SCRIPT = 'require "fileinto";\r\nif header :contains "subject" "mine" { fileinto "Mine"; }\r\n';

describe('ManageSieve against Dovecot managesieved', {skip}, () => {
	let server: PrivateDovecot;
	before(async () => {
		server = await startDovecot({sieve: true, tls: true, users: ['alice', 'bob']});
	});
	after(async () => {
		await server?.stop();
	});
	const open = async (user = 'alice'): Promise<ManageSieveClient> => {
		const client = await ManageSieveClient.connect({host: '127.0.0.1', port: server.managesievePort ?? 0, insecure: true});
		await client.authenticate({user, password: server.passwordOf(user)});
		return client;
	};

	test('Given STARTTLS and PLAIN, then the client logs in and reads the Sieve extensions', async () => {
		const client = await open();
		try {
			assert.ok(client.isAuthenticated);
			assert.ok(client.capabilities.sieve.has('fileinto'));
			assert.ok(client.capabilities.sieve.has('imap4flags'));
		} finally {
			await client.logout();
		}
	});

	test('Given a wrong password, then AUTH_FAILED is thrown and the password appears nowhere in the error', async () => {
		const client = await ManageSieveClient.connect({host: '127.0.0.1', port: server.managesievePort ?? 0, insecure: true});
		try {
			const secret = 'wrong-Secret-42';
			await assert.rejects(client.authenticate({user: 'alice', password: secret}), (error: unknown) => {
				assert.ok(error instanceof MailshiftError);
				assert.equal(error.code, 'AUTH_FAILED');
				const everything = JSON.stringify({m: error.message, h: error.hint, c: String(error.cause ?? '')});
				assert.ok(!everything.includes(secret) && !everything.includes(Buffer.from(`\0alice\0${secret}`).toString('base64')));
				return true;
			});
		} finally {
			await client.logout();
		}
	});

	test('Given a self-signed server certificate, then STARTTLS fails with TLS_FAILED unless insecure is set', async () => {
		await assert.rejects(ManageSieveClient.connect({host: '127.0.0.1', port: server.managesievePort ?? 0}), (error: unknown) => error instanceof MailshiftError && error.code === 'TLS_FAILED');
	});

	test('Given a script with a syntax error, then CHECKSCRIPT refuses it with the server\'s words and nothing is stored', async () => {
		const client = await open();
		try {
			await assert.rejects(installScript(client, `${SCRIPT_MARKER}\r\nfileinto "x"\r\n`), (error: unknown) => {
				assert.ok(error instanceof MailshiftError);
				assert.equal(error.code, 'SIEVE_REJECTED');
				assert.match(error.message, /refused the Sieve script: .+/);
				return true;
			});
			assert.deepEqual(await client.listScripts(), []);
		} finally {
			await client.logout();
		}
	});

	test('Install, re-run, and remove: only mailshift\'s own script is ever replaced or deleted', async () => {
		const client = await open();
		try {
			const first = await installScript(client, OUR_SCRIPT);
			assert.equal(first.outcome, 'installed');
			assert.deepEqual(await client.listScripts(), [{name: 'mailshift', active: true}]);
			assert.equal(await client.getScript('mailshift'), OUR_SCRIPT);
			assert.equal((await installScript(client, OUR_SCRIPT)).outcome, 'unchanged');
			const changed = OUR_SCRIPT.replace('"X"', '"Y"');
			assert.equal((await installScript(client, changed)).outcome, 'replaced');
			assert.equal(await client.getScript('mailshift'), changed);
			assert.deepEqual(await removeScript(client), {name: 'mailshift', removed: true, reactivated: undefined});
			assert.deepEqual(await client.listScripts(), []);
			assert.equal((await removeScript(client)).removed, false);
		} finally {
			await client.logout();
		}
	});

	test('Given another active script, then install refuses by default, and include / replace keep it and remove reactivates it', async () => {
		const client = await open('bob');
		try {
			await client.putScript('mine', USER_SCRIPT);
			await client.setActive('mine');
			await assert.rejects(installScript(client, OUR_SCRIPT), (error: unknown) => {
				assert.ok(error instanceof MailshiftError);
				assert.equal(error.code, 'SIEVE_SCRIPT_CONFLICT');
				assert.match(error.message, /"mine" is active/);
				assert.match(error.hint ?? '', /--rules-include-active/);
				return true;
			});
			assert.deepEqual(await client.listScripts(), [{name: 'mine', active: true}]);

			const included = await installScript(client, OUR_SCRIPT, {onActive: 'include'});
			assert.equal(included.includes, 'mine');
			assert.match(await client.getScript('mailshift') ?? '', /include :personal "mine";/);
			// A re-run (ours now active) keeps the include and the record of what was active before.
			const again = await installScript(client, OUR_SCRIPT);
			assert.deepEqual([again.outcome, again.includes, again.previousActive], ['unchanged', 'mine', 'mine']);
			assert.deepEqual(await removeScript(client), {name: 'mailshift', removed: true, reactivated: 'mine'});
			assert.deepEqual(await client.listScripts(), [{name: 'mine', active: true}]);
			assert.equal(await client.getScript('mine'), USER_SCRIPT);

			await installScript(client, OUR_SCRIPT, {onActive: 'replace'});
			assert.deepEqual((await client.listScripts()).sort((a, b) => a.name.localeCompare(b.name)), [{name: 'mailshift', active: true}, {name: 'mine', active: false}]);
			assert.equal((await removeScript(client)).reactivated, 'mine');

			await client.putScript('mailshift', USER_SCRIPT);
			await assert.rejects(installScript(client, OUR_SCRIPT, {onActive: 'replace'}), /did not write/);
			await assert.rejects(removeScript(client), /not written by mailshift/);
			assert.equal(await client.getScript('mailshift'), USER_SCRIPT);
		} finally {
			await client.logout();
		}
	});
});
