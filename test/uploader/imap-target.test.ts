/**
 * parseImapUrl / describeTarget / isLoopbackHost: the --to URL. Pure functions, table tests (STYLE rule 11).
 */
import assert from 'node:assert/strict';
import {describe, test} from 'node:test';

import {MailshiftError} from '../../src/contracts/errors.js';
import type {ImapTarget} from '../../src/uploader/imap-target.js';
import {describeTarget, isLoopbackHost, parseImapUrl} from '../../src/uploader/imap-target.js';

type Parsed = Pick<ImapTarget, 'host' | 'port' | 'user' | 'implicitTls'>;

describe('parseImapUrl: valid URLs', () => {
	const rows: ReadonlyArray<readonly [url: string, expected: Parsed]> = [
		['imaps://alice@imap.example.com', {user: 'alice', host: 'imap.example.com', port: 993, implicitTls: true}],
		['imap://alice@imap.example.com', {user: 'alice', host: 'imap.example.com', port: 143, implicitTls: false}],
		['imaps://alice@imap.example.com:1993', {user: 'alice', host: 'imap.example.com', port: 1993, implicitTls: true}],
		['imap://alice@127.0.0.1:10143', {user: 'alice', host: '127.0.0.1', port: 10143, implicitTls: false}],
		['imaps://alice@imap.example.com:1', {user: 'alice', host: 'imap.example.com', port: 1, implicitTls: true}],
		['imaps://alice@imap.example.com:65535', {user: 'alice', host: 'imap.example.com', port: 65535, implicitTls: true}],
		['imaps://alice@[::1]', {user: 'alice', host: '::1', port: 993, implicitTls: true}],
		['imap://alice@[::1]:10143', {user: 'alice', host: '::1', port: 10143, implicitTls: false}],
		['imaps://alice@[2001:db8::25]:993', {user: 'alice', host: '2001:db8::25', port: 993, implicitTls: true}],
		// An e-mail address as user name: the host starts after the LAST '@'.
		['imaps://you@example.com@imap.example.com', {user: 'you@example.com', host: 'imap.example.com', port: 993, implicitTls: true}],
		['imaps://you@example.com@imap.example.com:993', {user: 'you@example.com', host: 'imap.example.com', port: 993, implicitTls: true}],
		// Percent-encoding in the user part is decoded.
		['imaps://you%40example.com@imap.example.com', {user: 'you@example.com', host: 'imap.example.com', port: 993, implicitTls: true}],
		['imaps://DOMAIN%5Calice@mail.example.com', {user: 'DOMAIN\\alice', host: 'mail.example.com', port: 993, implicitTls: true}],
		['imaps://J%C3%BCrgen@mail.example.com', {user: 'Jürgen', host: 'mail.example.com', port: 993, implicitTls: true}],
		['imaps://alice%3Aadmin@mail.example.com', {user: 'alice:admin', host: 'mail.example.com', port: 993, implicitTls: true}],
		// Forgiving about case, surrounding blanks and a trailing slash.
		['IMAPS://alice@imap.example.com', {user: 'alice', host: 'imap.example.com', port: 993, implicitTls: true}],
		['  imaps://alice@imap.example.com  ', {user: 'alice', host: 'imap.example.com', port: 993, implicitTls: true}],
		['imaps://alice@imap.example.com/', {user: 'alice', host: 'imap.example.com', port: 993, implicitTls: true}],
		['imaps://alice@imap.example.com:993//', {user: 'alice', host: 'imap.example.com', port: 993, implicitTls: true}],
	];
	for (const [url, expected] of rows) {
		test(`Given "${url}", when parsed, then user "${expected.user}", host "${expected.host}", port ${expected.port}, ${expected.implicitTls ? 'implicit TLS' : 'STARTTLS'}`, () => {
			const target = parseImapUrl(url, false);
			assert.deepEqual({user: target.user, host: target.host, port: target.port, implicitTls: target.implicitTls}, expected);
		});
	}
});

describe('parseImapUrl: invalid URLs are USAGE errors that say what is wrong', () => {
	const rows: ReadonlyArray<readonly [why: string, url: string, says: RegExp]> = [
		['no scheme', 'alice@imap.example.com', /not an IMAP URL/],
		['an https:// URL', 'https://alice@imap.example.com', /not an IMAP URL/],
		['a pop3:// URL', 'pop3://alice@imap.example.com', /not an IMAP URL/],
		['a misspelt scheme', 'imapss://alice@imap.example.com', /not an IMAP URL/],
		['only the scheme', 'imaps://', /not an IMAP URL/],
		['the empty string', '', /not an IMAP URL/],
		['no user', 'imaps://imap.example.com', /no user name/],
		['an empty user', 'imaps://@imap.example.com', /no user name/],
		['no host', 'imaps://alice@', /no host/],
		['no host but a port', 'imaps://alice@:993', /no host/],
		['empty brackets with a port', 'imaps://alice@[]:993', /port is not a number|no host/],
		['port 0', 'imaps://alice@imap.example.com:0', /port 0 is out of range/],
		['port 65536', 'imaps://alice@imap.example.com:65536', /port 65536 is out of range/],
		['a huge port', 'imaps://alice@imap.example.com:99999999999999999999', /out of range/],
		['a port that is not a number', 'imaps://alice@imap.example.com:imaps', /port is not a number/],
		['an empty port', 'imaps://alice@imap.example.com:', /port is not a number/],
		['a negative port', 'imaps://alice@imap.example.com:-1', /port is not a number/],
		['a port that is not a number after an IPv6 address', 'imaps://alice@[::1]:abc', /port is not a number/],
		['garbage after an IPv6 address', 'imaps://alice@[::1]x', /port is not a number/],
		['an IPv6 address without brackets', 'imaps://alice@::1', /port is not a number/],
		['a path', 'imaps://alice@imap.example.com/INBOX', /has a path/],
		['a path after a port', 'imaps://alice@imap.example.com:993/INBOX/Sub', /has a path/],
		['broken percent-encoding in the user', 'imaps://al%ZZice@imap.example.com', /not valid URL encoding/],
	];
	for (const [why, url, says] of rows) {
		test(`Given ${why} ("${url}"), when parsed, then a USAGE error matching ${String(says)} is thrown`, () => {
			assert.throws(() => parseImapUrl(url, false), (error: unknown) => {
				assert.ok(error instanceof MailshiftError);
				assert.equal(error.code, 'USAGE');
				assert.equal(error.disposition, 'fatal');
				assert.match(error.message, says);
				return true;
			});
		});
	}

	test('Given a URL without a user, when parsed, then the hint shows what a right one looks like', () => {
		assert.throws(() => parseImapUrl('imaps://imap.example.com', false), (error: unknown) => {
			assert.ok(error instanceof MailshiftError);
			assert.match(error.hint ?? '', /imaps:\/\/.+@/);
			return true;
		});
	});
});

describe('parseImapUrl: a password in the URL is refused and never echoed', () => {
	const PASSWORD = 'hunter2-Xy';
	const rows: ReadonlyArray<readonly [why: string, url: string, says: RegExp]> = [
		['user:password@host', `imaps://alice:${PASSWORD}@imap.example.com`, /contains a password/],
		['an e-mail user with a password', `imaps://you@example.com:${PASSWORD}@imap.example.com:993`, /contains a password/],
		['a password containing "@"', `imaps://alice:${PASSWORD}@more@imap.example.com`, /contains a password/],
		['an empty user and a password', `imaps://:${PASSWORD}@imap.example.com`, /contains a password/],
		['a password and a port', `imap://alice:${PASSWORD}@127.0.0.1:143`, /contains a password/],
		// These fail for another reason first; their messages quote the URL, so they must hide the password too.
		['a password and a path', `imaps://alice:${PASSWORD}@imap.example.com/INBOX`, /has a path/],
		['a password containing "/"', `imaps://alice:${PASSWORD}/x@imap.example.com`, /contains a password|has a path/],
		['a password with a wrong scheme', `https://alice:${PASSWORD}@imap.example.com`, /not an IMAP URL/],
	];
	for (const [why, url, says] of rows) {
		test(`Given ${why}, when parsed, then a USAGE error (${String(says)}) is thrown whose message and hint do not contain the password`, () => {
			assert.throws(() => parseImapUrl(url, false), (error: unknown) => {
				assert.ok(error instanceof MailshiftError);
				assert.equal(error.code, 'USAGE');
				assert.match(error.message, says);
				assert.ok(!error.message.includes(PASSWORD), error.message);
				assert.ok(!(error.hint ?? '').includes(PASSWORD), error.hint);
				return true;
			});
		});
	}

	test('Given a password in the URL, when refused, then the hint names the ways that are accepted', () => {
		assert.throws(() => parseImapUrl(`imaps://alice:${PASSWORD}@imap.example.com`, false), (error: unknown) => {
			assert.ok(error instanceof MailshiftError);
			assert.match(error.hint ?? '', /MAILSHIFT_PASSWORD/);
			assert.match(error.hint ?? '', /--password-file/);
			return true;
		});
	});
});

describe('parseImapUrl: TLS requirements', () => {
	const rows: ReadonlyArray<readonly [url: string, insecure: boolean, requireStartTls: boolean]> = [
		['imap://alice@imap.example.com', false, true],
		['imap://alice@192.0.2.10:143', false, true],
		['imap://alice@imap.example.com', true, false],
		['imap://alice@127.0.0.1', false, false],
		['imap://alice@127.1.2.3:10143', false, false],
		['imap://alice@localhost', false, false],
		['imap://alice@[::1]:143', false, false],
		['imaps://alice@imap.example.com', false, false],
		['imaps://alice@127.0.0.1', true, false],
	];
	for (const [url, insecure, requireStartTls] of rows) {
		test(`Given "${url}"${insecure ? ' with --insecure' : ''}, when parsed, then STARTTLS is ${requireStartTls ? 'required' : 'not required'}`, () => {
			const target = parseImapUrl(url, insecure);
			assert.equal(target.requireStartTls, requireStartTls);
			assert.equal(target.insecure, insecure);
		});
	}
});

describe('isLoopbackHost', () => {
	const rows: ReadonlyArray<readonly [string, boolean]> = [
		['localhost', true], ['127.0.0.1', true], ['127.255.0.9', true], ['::1', true], ['[::1]', true],
		['imap.example.com', false], ['128.0.0.1', false], ['127.0.0.1.example.com', false], ['localhost.example.com', false], ['::2', false],
	];
	for (const [host, expected] of rows) {
		test(`Given host "${host}", when checked, then it is ${expected ? '' : 'not '}loopback`, () => {
			assert.equal(isLoopbackHost(host), expected);
		});
	}
});

describe('describeTarget', () => {
	const rows: ReadonlyArray<readonly [url: string, described: string]> = [
		['imaps://alice@imap.example.com', 'imaps://alice@imap.example.com:993'],
		['imap://alice@127.0.0.1:10143', 'imap://alice@127.0.0.1:10143'],
		['imaps://alice@[::1]:1993', 'imaps://alice@[::1]:1993'],
		['imaps://you%40example.com@imap.example.com', 'imaps://you@example.com@imap.example.com:993'],
		['IMAPS://alice@imap.example.com/', 'imaps://alice@imap.example.com:993'],
	];
	for (const [url, described] of rows) {
		test(`Given "${url}", when described, then it reads "${described}"`, () => {
			assert.equal(describeTarget(parseImapUrl(url, false)), described);
		});
	}

	test('Given a described target, when parsed again, then the same target comes back (round trip)', () => {
		for (const url of ['imaps://alice@imap.example.com:1993', 'imap://bob@[2001:db8::1]:143', 'imaps://you@example.com@mx.example.org']) {
			const target = parseImapUrl(url, false);
			assert.deepEqual(parseImapUrl(describeTarget(target), false), target);
		}
	});
});
