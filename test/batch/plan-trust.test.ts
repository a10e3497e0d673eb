/**
 * A batch plan is mailed and checked in, so it is not trusted to run programs or read arbitrary files:
 * `oauth-command:` needs --allow-plan-commands and never runs during --check; `file:` secrets must be regular
 * files owned by this user and readable by nobody else. No server is needed: every case is refused or
 * planned before a connection would be made.
 */
import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import {chmod, chown, mkdir, mkdtemp, rm, stat, symlink, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, test} from 'node:test';
import {formatPlanProblems, parsePlanText, validatePlan} from '../../src/batch/batch-plan.js';
import {runBatchCommand} from '../../src/cli/run-batch.js';
import type {BatchArgs} from '../../src/cli/run-batch.js';
import {writeSampleMaildir, sampleMessages} from '../../src/testing/sample-store.js';
import {runCli} from '../helpers/run-cli.js';
import {captureIo} from '../helpers/run-main.js';

const exists = async (path: string): Promise<boolean> => stat(path).then(() => true, () => false);

describe('what a batch plan may run and read', () => {
	let dir: string;
	before(async () => {
		dir = await mkdtemp(join(tmpdir(), 'ms-plan-trust-'));
		await writeSampleMaildir(join(dir, 'store'), sampleMessages(3, 7));
		await writeFile(join(dir, 'ok.pass'), 'owner-only-secret\n', {mode: 0o600});
		await writeFile(join(dir, 'group.pass'), 'group-readable-secret\n', {mode: 0o640});
		await chmod(join(dir, 'group.pass'), 0o640);
		await writeFile(join(dir, 'world.pass'), 'world-readable-secret\n');
		await chmod(join(dir, 'world.pass'), 0o644);
		await symlink(join(dir, 'ok.pass'), join(dir, 'link.pass'));
		await mkdir(join(dir, 'dir.pass'), {mode: 0o700});
		execFileSync('mkfifo', ['-m', '600', join(dir, 'fifo.pass')]);
	});
	after(async () => rm(dir, {recursive: true, force: true}));

	const validate = (text: string, allowCommands = false) => validatePlan(parsePlanText(text, 'plan.csv'), {baseDir: dir, env: {}, insecure: false, allowCommands});

	async function batch(args: BatchArgs): Promise<{code: number; stdout: string; stderr: string}> {
		const {io, output} = captureIo({XDG_STATE_HOME: join(dir, 'state')});
		const code = await runBatchCommand({stats: 0, out: join(dir, 'out'), ...args}, io);
		return {code, ...output()};
	}

	test('an oauth-command: row without --allow-plan-commands is a problem that names the row, the column and the option', async () => {
		const plan = await validate('source,url,password,id\nstore,imaps://u@h,oauth-command:touch /tmp/x,r1\n');
		assert.deepEqual(plan.rows, []);
		assert.match(formatPlanProblems(plan.problems, 'plan.csv'), /plan\.csv: row 2, column password: oauth-command: runs a program named in the plan; .*--allow-plan-commands/);
	});

	test('batch --check --dry-run never runs a plan command: without the opt-in the plan is refused, with it the row is planned without logging in', async () => {
		const marker = join(dir, 'command-ran');
		// Port 1 on loopback: nothing listens, so a login attempt would fail the row rather than hang.
		await writeFile(join(dir, 'oauth.csv'), `source,url,password,id\nstore,imap://u@127.0.0.1:1,oauth-command:touch ${marker},r1\n`);
		const refused = await batch({plan: join(dir, 'oauth.csv'), check: true, dryRun: true});
		assert.equal(refused.code, 2, refused.stderr);
		assert.match(refused.stderr, /row 2, column password: .*--allow-plan-commands/);
		assert.equal(await exists(marker), false, 'the command did not run');

		const allowed = await batch({plan: join(dir, 'oauth.csv'), check: true, dryRun: true, allowPlanCommands: true});
		assert.equal(allowed.code, 0, allowed.stderr);
		assert.match(allowed.stderr, /row 2: login not checked — --check never runs the plan's oauth-command: programs/);
		assert.match(allowed.stdout, /r1 +3 +3/, 'the row is still planned from the source');
		assert.equal(await exists(marker), false, 'the command did not run');
	});

	test('file: secrets that others can read, symlinks, directories and FIFOs are refused with what to do, and their content is never used', async () => {
		const plan = await validate([
			'source,url,password,id',
			'store,imaps://u1@h,file:group.pass,r1',
			'store,imaps://u2@h,file:world.pass,r2',
			'store,imaps://u3@h,file:link.pass,r3',
			'store,imaps://u4@h,file:dir.pass,r4',
			'store,imaps://u5@h,file:fifo.pass,r5',
			'store,imaps://u6@h,file:/etc/passwd,r6',
			'store,imaps://u7@h,file:ok.pass,r7',
		].join('\n') + '\n');
		const report = formatPlanProblems(plan.problems, 'plan.csv');
		// As root outside root's home, the file may be a system file: no chmod advice (see the /etc/passwd test).
		const fix = process.getuid?.() === 0 ? 'it may be a system file, so do not change its mode — put the password in a file of your own \\(chmod 600\\)' : 'run chmod 600 ';
		assert.match(report, new RegExp(`row 2, column password: the password file .*group\\.pass can be read by others \\(mode 0640\\); ${fix}`));
		assert.match(report, new RegExp(`row 3, column password: the password file .*world\\.pass can be read by others \\(mode 0644\\); ${fix}`));
		assert.match(report, /row 4, column password: the password file .*link\.pass is a symbolic link/);
		assert.match(report, /row 5, column password: the password file .*dir\.pass is not a regular file/);
		assert.match(report, /row 6, column password: the password file .*fifo\.pass is not a regular file/);
		assert.match(report, /row 7, column password: the password file \/etc\/passwd (can be read by others|belongs to another user)/);
		assert.deepEqual(plan.rows.map((r) => r.id), ['r7']);
		assert.deepEqual([...plan.passwords], [['r7', 'owner-only-secret']]);
		assert.doesNotMatch(report, /secret|root:/);
	});

	test('a file: secret that is a system file (/etc/passwd) is refused with the advice to use a file of one\'s own, never to chmod it', async () => {
		// As root /etc/passwd is "ours" and readable by others; as anyone else it belongs to another user.
		const plan = await validate('source,url,password,id\nstore,imaps://u@h,file:/etc/passwd,r1\n');
		const report = formatPlanProblems(plan.problems, 'plan.csv');
		assert.match(report, /row 2, column password: the password file \/etc\/passwd .*put the password in a file of your own \(chmod 600\)/);
		assert.doesNotMatch(report, /chmod 600 \/etc\/passwd/);
		assert.equal(plan.passwords.size, 0);
	});

	test('batch --help names all three kinds of password cell, oauth-command: with --allow-plan-commands', async () => {
		const help = await runCli(['batch', '--help']);
		assert.equal(help.code, 0, help.stderr);
		const flat = help.stdout.replace(/\s+/g, ' ');
		assert.match(flat, /password: env:VAR, file:PATH .*or oauth-command:CMD with --allow-plan-commands/);
	});

	test('a file: secret owned by another user is refused even when it is chmod 600', {skip: process.getuid?.() === 0 ? false : 'needs root to give a file to another user'}, async () => {
		const path = join(dir, 'other.pass');
		await writeFile(path, 'someone-elses\n', {mode: 0o600});
		await chown(path, 65534, 65534);
		const plan = await validate('source,url,password,id\nstore,imaps://u@h,file:other.pass,r1\n');
		assert.match(formatPlanProblems(plan.problems, 'plan.csv'), /row 2, column password: the password file .*other\.pass belongs to another user \(uid 65534\)/);
		assert.equal(plan.passwords.size, 0);
	});
});
