/** `mailshift verify --json` prints the verify report (cli/report.ts) as one JSON object, the same one --report writes. */
import assert from 'node:assert/strict';
import {mkdir, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {PassThrough} from 'node:stream';
import {after, before, describe, test} from 'node:test';
import {main} from '../../src/cli/main.js';
import {dovecotSkipReason, startDovecot} from '../helpers/dovecot.js';
import type {PrivateDovecot} from '../helpers/dovecot.js';

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

	async function cli(args: readonly string[]): Promise<{code: number; stdout: string; stderr: string}> {
		const stdout = new PassThrough();
		const stderr = new PassThrough();
		let out = '';
		let err = '';
		stdout.on('data', (d: Buffer) => (out += d.toString()));
		stderr.on('data', (d: Buffer) => (err += d.toString()));
		const code = await main(args, {
			stdout: stdout as unknown as NodeJS.WriteStream, stderr: stderr as unknown as NodeJS.WriteStream, stdin: new PassThrough() as unknown as NodeJS.ReadStream,
			env: {MAILSHIFT_PASSWORD: server.passwordOf('vj'), XDG_STATE_HOME: join(work, 'state')}, onInterrupt: () => () => undefined,
		});
		return {code, stdout: out, stderr: err};
	}

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
