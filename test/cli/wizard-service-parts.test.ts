/** The parts createWizardServices composes (src/app/wizard-*.ts) that have logic of their own, without a server. */
import assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import {expandHome, toTarget} from '../../src/app/wizard-context.js';
import type {WizardContext} from '../../src/app/wizard-context.js';
import {serverServices} from '../../src/app/wizard-server-services.js';
import {createWizardServices} from '../../src/app/create-wizard-services.js';
import type {CliIo} from '../../src/app/migrate.js';

const ctx = (home = '/home/ana'): WizardContext => ({
	io: {env: {HOME: home}} as unknown as CliIo, env: {HOME: home}, home, sievePort: 4190, details: new Map(), counted: new Map(),
});

describe('wizard context', () => {
	test('Given paths typed with a tilde, when expanded, then only a leading ~ alone or before a slash becomes the home directory', () => {
		assert.equal(expandHome('~', '/home/ana'), '/home/ana');
		assert.equal(expandHome('~/Mail', '/home/ana'), '/home/ana/Mail');
		assert.equal(expandHome('~bob/Mail', '/home/ana'), '~bob/Mail');
		assert.equal(expandHome('/srv/~/Mail', '/home/ana'), '/srv/~/Mail');
	});

	test('Given an account with an IPv6 host and a user name with a colon, when it becomes a target, then host, port, user and TLS mode are kept', () => {
		const target = toTarget({user: 'a:b', host: '::1', port: 1993, security: 'tls', password: 'x', insecure: false}, '/home/ana');
		assert.deepEqual([target.host.replace(/^\[|\]$/g, ''), target.port, target.user, target.implicitTls], ['::1', 1993, 'a:b', true]);
	});
});

describe('wizard server guesses', () => {
	const {guessServer} = serverServices(ctx());

	test('Given a well-known provider\'s address, when the server is guessed, then its published IMAPS host is taken without a DNS lookup', async () => {
		assert.deepEqual(await guessServer('ana@GMAIL.com'), {host: 'imap.gmail.com', port: 993, security: 'tls', source: 'provider'});
		assert.deepEqual(await guessServer('ana@outlook.de'), {host: 'outlook.office365.com', port: 993, security: 'tls', source: 'provider'});
	});

	test('Given an address at an IP or localhost, when the server is guessed, then it is that host with STARTTLS on 143', async () => {
		assert.deepEqual(await guessServer('ana@127.0.0.1'), {host: '127.0.0.1', port: 143, security: 'starttls', source: 'guess'});
		assert.deepEqual(await guessServer('ana@localhost'), {host: 'localhost', port: 143, security: 'starttls', source: 'guess'});
	});

	test('Given no domain, when the server is guessed, then it is localhost over TLS', async () => {
		assert.deepEqual(await guessServer('ana'), {host: 'localhost', port: 993, security: 'tls', source: 'guess'});
	});
});

describe('createWizardServices', () => {
	test('Given the composed services, when listed, then every service of the interface is there and backup is offered', () => {
		const services = createWizardServices({env: {HOME: '/home/ana'}} as unknown as CliIo);
		for (const name of ['discover', 'inspect', 'complete', 'guessServer', 'testConnection', 'planFolders', 'previewRules', 'startMigration'] as const) {
			assert.equal(typeof services[name], 'function', name);
		}
		assert.equal(services.canBackup, true);
	});
});
