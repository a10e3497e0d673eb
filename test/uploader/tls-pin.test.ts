/**
 * Pinning a self-signed server certificate by its SHA-256 fingerprint, against the private Dovecot with TLS
 * (its certificate is made with openssl for the test): shown without trusting it, then trusted only when the
 * presented certificate has exactly the pinned fingerprint — on implicit TLS and on STARTTLS.
 */
import assert from 'node:assert/strict';
import {execFileSync, spawnSync} from 'node:child_process';
import {mkdtempSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, test} from 'node:test';
import {isMailshiftError} from '../../src/contracts/errors.js';
import {ImapSink} from '../../src/uploader/imap-sink.js';
import {parseImapUrl} from '../../src/uploader/imap-target.js';
import type {ImapTarget} from '../../src/uploader/imap-target.js';
import {fetchCertificate, normalizeFingerprint, readCaFile} from '../../src/uploader/tls-pin.js';
import {dovecotSkipReason, startDovecot} from '../helpers/dovecot.js';
import type {PrivateDovecot} from '../helpers/dovecot.js';

const hasOpenssl = spawnSync('sh', ['-c', 'command -v openssl'], {stdio: 'ignore'}).status === 0;
if (!hasOpenssl) console.log('# SKIP: openssl is not installed; the TLS pinning tests need it to make a certificate');
const skip = dovecotSkipReason() ?? (hasOpenssl ? undefined : 'openssl is not installed');

test('Fingerprints are accepted as openssl, browsers and Node print them, and nothing else', () => {
	const hex = 'ab'.repeat(32);
	const node = Array(32).fill('AB').join(':');
	for (const text of [hex, node, `SHA256:${node}`, `sha256=${hex}`, ` ${node.toLowerCase()} `]) assert.equal(normalizeFingerprint(text), node, text);
	for (const text of ['', 'ab:cd', 'zz'.repeat(32), `${hex}00`]) assert.equal(normalizeFingerprint(text), undefined, text);
});

describe('a server with a self-signed certificate', {skip}, () => {
	let server: PrivateDovecot;
	let fingerprint: string;
	before(async () => {
		server = await startDovecot({tls: true, users: ['alice']});
		const out = execFileSync('openssl', ['x509', '-noout', '-fingerprint', '-sha256', '-in', join(server.dir, 'tls', 'cert.pem')], {encoding: 'utf8'});
		fingerprint = normalizeFingerprint(out.split('=')[1] ?? '') ?? '';
	});
	after(async () => {
		await server?.stop();
	});
	const imaps = (pin?: string): ImapTarget => ({...parseImapUrl(`imaps://alice@127.0.0.1:${server.tlsPort}`, false), ...(pin ? {tlsFingerprint: pin} : {})});
	const starttls = (pin?: string): ImapTarget => ({...parseImapUrl(`imap://alice@127.0.0.1:${server.port}`, false), requireStartTls: true, ...(pin ? {tlsFingerprint: pin} : {})});
	const login = async (target: ImapTarget): Promise<void> => {
		const sink = await ImapSink.connect({target, password: server.passwordOf('alice'), size: 1});
		try {
			await sink.ping();
		} finally {
			await sink.close();
		}
	};
	const refusedAsTls = (pattern: RegExp) => (error: unknown): boolean => isMailshiftError(error) && error.code === 'TLS_FAILED' && pattern.test(error.message);

	test('Its certificate is shown without trusting it or logging in: subject, issuer, validity, SHA-256 and why it is not trusted', async () => {
		for (const target of [imaps(), starttls()]) {
			const cert = await fetchCertificate(target);
			assert.ok(cert, target.implicitTls ? 'imaps' : 'starttls');
			assert.equal(cert.sha256, fingerprint);
			assert.match(cert.subject, /CN=localhost/);
			assert.match(cert.issuer, /CN=localhost/);
			assert.ok(cert.validFrom && cert.validTo);
			assert.equal(cert.reason, 'it is self-signed');
		}
	});

	test('Without a pin the connection is refused; with its fingerprint pinned it logs in, on TLS and on STARTTLS', async () => {
		await assert.rejects(login(imaps()), refusedAsTls(/self-signed|certificate/i));
		await login(imaps(fingerprint));
		await login(starttls(fingerprint));
	});

	test('With the authority\'s certificate as the CA file it logs in without a pin (the test certificate is its own authority)', async () => {
		await login({...imaps(), ca: readCaFile(join(server.dir, 'tls', 'cert.pem'))});
	});

	test('A pin of another certificate refuses the server before any login is sent', async () => {
		const other = Array(32).fill('0F').join(':');
		// A possible man in the middle: the hint sends the person to the administrator, never to --insecure.
		const withSafeHint = (error: unknown): boolean => refusedAsTls(/not the trusted one/)(error) && isMailshiftError(error) && /administrator/.test(error.hint ?? '') && !/--insecure/.test(error.hint ?? '');
		await assert.rejects(login(imaps(other)), withSafeHint);
		await assert.rejects(login(starttls(other)), withSafeHint);
	});
});

test('A CA file that cannot be read or holds no PEM certificate is refused with its name', () => {
	const dir = mkdtempSync(join(tmpdir(), 'ms-ca-'));
	writeFileSync(join(dir, 'ca.der'), Buffer.from([0x30, 0x82, 0x01]));
	for (const path of [join(dir, 'absent.pem'), join(dir, 'ca.der')]) {
		assert.throws(() => readCaFile(path), (e: unknown) => isMailshiftError(e) && e.code === 'USAGE' && e.message.includes(path) && Boolean(e.hint));
	}
});
