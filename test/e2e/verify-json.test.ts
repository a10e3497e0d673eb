/** `mailshift verify --json` prints the verify report (app/report.ts) as one JSON object, the same one --report writes. */
import assert from 'node:assert/strict';
import {mkdir, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, test} from 'node:test';
import {dovecotSkipReason, startDovecot} from '../helpers/dovecot.js';
import type {PrivateDovecot} from '../helpers/dovecot.js';
import {runMain} from '../helpers/run-main.js';

const skip = dovecotSkipReason();

describe('verify --json', {skip}, () => {
	let server: PrivateDovecot;
	let work: string;
	before(async () => {
		server = await startDovecot({users: ['vj']});
		work = await mkdtemp(join(tmpdir(), 'ms-verify-json-'));
	});
	after(async () => {
		await server?.stop();
		await rm(work, {recursive: true, force: true});
	});

	const cli = (args: readonly string[]) => runMain(args, {MAILSHIFT_PASSWORD: server.passwordOf('vj'), XDG_STATE_HOME: join(work, 'state')});

	test('after a migration, verify --json prints one JSON object with the verify result, equal to its --report file', async () => {
		const store = join(work, 'Maildir');
		for (const sub of ['cur', 'new', 'tmp']) await mkdir(join(store, sub), {recursive: true});
		for (let i = 0; i < 3; i++) await writeFile(join(store, 'cur', `${i}.M${i}.h:2,S`), `Subject: v${i}\nMessage-ID: <v${i}@vj.test>\nDate: Mon, 2 Mar 2009 08:00:00 +0000\n\nbody ${i}\n`);
		const to = `imap://vj@127.0.0.1:${server.port}`;
		const migrated = await cli(['migrate', store, '--to', to, '--stats', '0', '--no-verify']);
		assert.equal(migrated.code, 0, migrated.stderr);
		const report = join(work, 'verify.json');
		const run = await cli(['verify', store, '--to', to, '--json', '--report', report]);
		assert.equal(run.code, 0, run.stderr);
		const printed = JSON.parse(run.stdout) as {kind: string; schemaVersion: number; version: string; verify: {status: string; checked: number}};
		assert.equal(printed.kind, 'verify');
		assert.equal(printed.schemaVersion, 2);
		assert.deepEqual([printed.verify.status, printed.verify.checked], ['ok', 3]);
		assert.deepEqual(printed, JSON.parse(await readFile(report, 'utf8')));
	});
});
