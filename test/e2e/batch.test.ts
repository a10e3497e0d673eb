/**
 * `mailshift batch` against the private Dovecot, through runBatchCommand with a captured CliIo: a plan with
 * a bad row is refused as a whole; a 3-mailbox plan runs 2 at a time with one row failing at login; the
 * failed row is re-run alone with --only-failed (NDJSON events carry row ids); a re-run uploads nothing;
 * a dry run plans; Ctrl-C stops every row and still writes the reports. Every account is read back.
 */
import assert from 'node:assert/strict';
import {createHash} from 'node:crypto';
import {mkdtemp, readFile, readdir, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, test} from 'node:test';
import type {RowResult} from '../../src/batch/batch-report.js';
import {parseCsv} from '../../src/batch/csv.js';
import {runBatchCommand} from '../../src/cli/run-batch.js';
import type {BatchArgs} from '../../src/cli/run-batch.js';
import type {CliIo} from '../../src/app/migrate.js';
import type {EngineControls} from '../../src/contracts/controls.js';
import {sampleMessages, writeSampleMaildir} from '../../src/testing/sample-store.js';
import type {SampleMessage} from '../../src/testing/sample-store.js';
import {dovecotSkipReason, startDovecot} from '../helpers/dovecot.js';
import type {PrivateDovecot} from '../helpers/dovecot.js';
import {crlf, readAccount} from '../helpers/imap-readback.js';
import {runCli} from '../helpers/run-cli.js';
import {captureIo} from '../helpers/run-main.js';

const skip = dovecotSkipReason();
const hash = (b: Buffer): string => createHash('sha256').update(b).digest('hex').slice(0, 16);

type Run = Readonly<{code: number; stdout: string; stderr: string}>;

describe('mailshift batch against a private Dovecot', {skip}, () => {
	let server: PrivateDovecot;
	let work: string;
	const samples = new Map<string, SampleMessage[]>();
	const users = ['b1', 'b2', 'b3', 'shared', 'big1', 'big2', 'k1', 'k2', 'k3'];
	const allPasswords = (): string[] => users.map((u) => server.passwordOf(u));

	before(async () => {
		server = await startDovecot({users});
		work = await mkdtemp(join(tmpdir(), 'ms-batch-'));
		for (const [i, user] of ['b1', 'b2', 'b3'].entries()) {
			const s = sampleMessages(20 + i * 5, 100 + i);
			samples.set(user, s);
			await writeSampleMaildir(join(work, `store-${user}`), s);
		}
		for (const [i, user] of ['big1', 'big2'].entries()) await writeSampleMaildir(join(work, `store-${user}`), sampleMessages(400, 200 + i));
		for (const [i, user] of ['k1', 'k2', 'k3'].entries()) {
			const s = sampleMessages(150, 300 + i);
			samples.set(user, s);
			await writeSampleMaildir(join(work, `store-${user}`), s);
		}
		await writeFile(join(work, 'b2.pass'), `${server.passwordOf('b2')}\n`, {mode: 0o600});
	});
	after(async () => {
		await server?.stop();
		await rm(work, {recursive: true, force: true});
	});

	const url = (user: string): string => `imap://${user}@127.0.0.1:${server.port}`;
	/** `onStdout` sees stdout so far after every chunk (to act on an NDJSON event with `json: true`). */
	async function batch(args: BatchArgs, env: Record<string, string>, onInterrupt?: (controls: EngineControls) => void, onStdout?: (stdout: string) => void): Promise<Run> {
		const captured = captureIo({XDG_STATE_HOME: join(work, 'state'), ...env}, onStdout);
		const io: CliIo = {...captured.io, ...(onInterrupt ? {onInterrupt: (controls: EngineControls) => { onInterrupt(controls); return () => undefined; }} : {})};
		const code = await runBatchCommand({stats: 0, ...args}, io);
		return {code, ...captured.output()};
	}
	async function assertExactlyOnce(user: string): Promise<void> {
		const account = await readAccount(server, user);
		const got = account.messages.map((m) => `${m.messageId} ${hash(m.source)}`).sort();
		const want = (samples.get(user) ?? []).map((s) => `${s.messageId} ${hash(crlf(s.raw))}`).sort();
		assert.deepEqual(got, want, `${user} holds each source message exactly once`);
	}
	async function assertNoPassword(texts: readonly string[], dir?: string): Promise<void> {
		const files = dir ? await Promise.all((await readdir(dir)).map((f) => readFile(join(dir, f), 'utf8'))) : [];
		for (const text of [...texts, ...files]) for (const p of allPasswords()) assert.ok(!text.includes(p), `a password appears in output:\n${text.slice(0, 400)}`);
	}

	test('given a plan with a bad row, every problem is listed at once, the exit code is 2, and nothing is uploaded', async () => {
		const plan = join(work, 'bad.csv');
		await writeFile(plan, [
			'id,source,url,password',
			`s1,store-b1,${url('shared')},env:SHARED_PASS`,
			`s2,store-b2,${url('shared')},env:SHARED_PASS`,
			`s3,no-such-store,${url('shared')},${server.passwordOf('shared')}`,
		].join('\r\n'));
		const run = await batch({plan, out: join(work, 'out-bad')}, {SHARED_PASS: server.passwordOf('shared')});
		assert.equal(run.code, 2, run.stderr);
		assert.match(run.stderr, /bad\.csv: row 4, column source: .*no-such-store does not exist/);
		assert.match(run.stderr, /bad\.csv: row 4, column password: is not env:VAR or file:PATH/);
		assert.match(run.stderr, /The batch plan has 2 problems .* nothing was done/);
		assert.equal((await readAccount(server, 'shared')).messages.length, 0);
		await assertNoPassword([run.stdout, run.stderr]);
		// --check logs in: a wrong password is named before anything runs
		const checked = join(work, 'check.csv');
		await writeFile(checked, `id,source,url,password\ns1,store-b1,${url('shared')},env:SHARED_PASS\ns2,store-b2,${url('shared')},env:WRONG\n`);
		const check = await batch({plan: checked, check: true, out: join(work, 'out-bad')}, {SHARED_PASS: server.passwordOf('shared'), WRONG: 'not-the-password'});
		assert.equal(check.code, 2, check.stderr);
		assert.match(check.stderr, /row 3, column password: --check: /);
		assert.doesNotMatch(check.stderr, /row 2/);
		assert.equal((await readAccount(server, 'shared')).messages.length, 0);
	});

	test('a 3-mailbox plan runs 2 at a time; the row that fails is re-run alone with --only-failed; a re-run uploads nothing', async () => {
		const plan = join(work, 'plan.csv');
		const out = join(work, 'out');
		const journalDir = join(work, 'journals');
		await writeFile(plan, [
			'id,source,url,password,connections',
			`b1,store-b1,${url('b1')},env:B1_PASS,2`,
			`b2,store-b2,${url('b2')},file:b2.pass,`,
			`b3,store-b3,${url('b3')},env:B3_PASS,3`,
		].join('\n') + '\n');
		const env = {B1_PASS: server.passwordOf('b1'), B3_PASS: 'wrong-password-for-b3'};
		// When b3's password is wrong (not checked without --check), b1 and b2 finish, b3 fails, exit 5
		const first = await batch({plan, out, journalDir, parallel: 2, maxConnectionsPerServer: 4}, env);
		assert.equal(first.code, 5, first.stderr);
		await assertExactlyOnce('b1');
		await assertExactlyOnce('b2');
		const report1 = JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as {exitCode: number; results: RowResult[]};
		assert.equal(report1.exitCode, 5);
		const byId = new Map(report1.results.map((r) => [r.id, r]));
		assert.equal(byId.get('b1')?.status, 'ok');
		assert.equal(byId.get('b1')?.uploaded, 20);
		assert.equal(byId.get('b1')?.verify, 'ok');
		assert.equal(byId.get('b1')?.url, `imap://b1@127.0.0.1:${server.port}`);
		assert.equal(byId.get('b2')?.uploaded, 25);
		assert.ok((byId.get('b2')?.connections ?? 0) <= 4);
		assert.ok((byId.get('b1')?.connections ?? 0) + (byId.get('b2')?.connections ?? 0) <= 4, 'the per-server cap holds for rows running together');
		assert.equal(byId.get('b3')?.status, 'failed');
		assert.equal(byId.get('b3')?.exitCode, 4);
		assert.match(byId.get('b3')?.error ?? '', /login|refused|password/i);
		assert.ok(byId.get('b1')?.journal.startsWith(journalDir));
		const csv = parseCsv(await readFile(join(out, 'report.csv'), 'utf8'));
		assert.deepEqual(csv.slice(1).map((r) => r.fields[0]), ['b1', 'b2', 'b3']);
		assert.match(first.stderr, /\[b1\] started/);
		assert.match(first.stderr, /Re-run with --only-failed/);
		assert.match(first.stdout, /b3\s+failed/);
		await assertNoPassword([first.stdout, first.stderr], out);

		// --only-failed with the right password: only b3 runs; NDJSON lines carry row ids
		const second = await batch({plan, out, journalDir, onlyFailed: true, json: true}, {...env, B3_PASS: server.passwordOf('b3')});
		assert.equal(second.code, 0, second.stderr);
		const lines = second.stdout.trim().split('\n').map((l) => JSON.parse(l) as {type: string; row?: string});
		const engineEvents = lines.filter((l) => !l.type.startsWith('batch:'));
		assert.ok(engineEvents.length > 25, 'engine events are forwarded');
		assert.ok(engineEvents.every((l) => l.row === 'b3'), 'every event names its row, and only b3 ran');
		assert.ok(lines.some((l) => l.type === 'message:uploaded' && l.row === 'b3'));
		assert.equal(lines.at(-1)?.type, 'batch:done');
		await assertExactlyOnce('b3');
		const report2 = JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as {exitCode: number; results: RowResult[]};
		assert.equal(report2.exitCode, 0);
		assert.deepEqual(report2.results.map((r) => [r.id, r.status, r.fromEarlierRun]), [['b1', 'ok', true], ['b2', 'ok', true], ['b3', 'ok', false]]);
		await assertNoPassword([second.stdout, second.stderr], out);

		// Re-running the whole plan: the journals say everything is done; nothing is uploaded
		const third = await batch({plan, out, journalDir, parallel: 3}, {...env, B3_PASS: server.passwordOf('b3')});
		assert.equal(third.code, 0, third.stderr);
		const report3 = JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as {results: RowResult[]};
		assert.deepEqual(report3.results.map((r) => r.uploaded), [0, 0, 0]);
		assert.deepEqual(report3.results.map((r) => r.skipped), [20, 25, 30]);
		for (const user of ['b1', 'b2', 'b3']) await assertExactlyOnce(user);

		// A dry run of the same plan: nothing to upload, totals per row and overall, no files written
		const dry = await batch({plan, out: join(work, 'out-dry'), dryRun: true}, {...env, B3_PASS: server.passwordOf('b3')});
		assert.equal(dry.code, 0, dry.stderr);
		assert.match(dry.stdout, /DRY RUN/);
		assert.match(dry.stdout, /b1\s+20\s+0\s+20/);
		assert.match(dry.stdout, /Total\s+75\s+0/);
		assert.match(dry.stdout, /assuming 1\.0 MiB\/s and 10 messages\/s/);
		await assert.rejects(readdir(join(work, 'out-dry')));
	});

	test('a batch whose process is killed mid-run (SIGKILL) resumes with the same command: every mailbox exactly once, reports right', async () => {
		const plan = join(work, 'kill.csv');
		const out = join(work, 'out-kill');
		await writeFile(plan, [
			'id,source,url,password,bwlimit',
			`k1,store-k1,${url('k1')},env:K1,8k`,
			`k2,store-k2,${url('k2')},env:K2,8k`,
			`k3,store-k3,${url('k3')},env:K3,8k`,
		].join('\n') + '\n');
		const env = {K1: server.passwordOf('k1'), K2: server.passwordOf('k2'), K3: server.passwordOf('k3')};
		// The real CLI, killed hard once two rows are uploading: no handler runs, no report is written.
		const killed = await runCli(['batch', plan, '--out', out, '--parallel', '2'], {cwd: work, env: {...env, XDG_STATE_HOME: join(work, 'state-kill')}, killWhen: /\[k2\] started/, killDelayMs: 3000});
		assert.equal(killed.signal, 'SIGKILL', killed.stderr);
		// What the server holds now; Dovecot may still finish an APPEND whose client vanished (README "Exactly
		// once"), so this is a lower bound of what the killed run stored.
		const seenAfterKill = (await readAccount(server, 'k1')).messages.length + (await readAccount(server, 'k2')).messages.length;
		// The same command again, without the bandwidth limit: the journals carry every row on from where it stopped.
		await writeFile(plan, (await readFile(plan, 'utf8')).replace(/,8k/g, ','));
		const resumed = await runCli(['batch', plan, '--out', out, '--parallel', '2'], {cwd: work, env: {...env, XDG_STATE_HOME: join(work, 'state-kill')}});
		assert.equal(resumed.code, 0, resumed.stderr);
		for (const user of ['k1', 'k2', 'k3']) await assertExactlyOnce(user);
		const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as {exitCode: number; results: RowResult[]};
		assert.equal(report.exitCode, 0);
		assert.deepEqual(report.results.map((r) => [r.id, r.status, r.verify]), [['k1', 'ok', 'ok'], ['k2', 'ok', 'ok'], ['k3', 'ok', 'ok']]);
		// What the first run had uploaded is not uploaded again: it is found on the server (journal or index).
		const partial = 450 - report.results.reduce((n, r) => n + r.uploaded, 0);
		assert.ok(partial >= seenAfterKill, `the resumed run uploaded again ${seenAfterKill - partial} of the ${seenAfterKill} messages already on the server`);
		assert.ok(partial > 0 && partial < 300, `the kill came mid-run (${partial} of 300 uploaded)`);
		const csv = parseCsv(await readFile(join(out, 'report.csv'), 'utf8'));
		assert.deepEqual(csv.slice(1).map((r) => r.fields[0]), ['k1', 'k2', 'k3']);
		await assertNoPassword([killed.stdout, killed.stderr, resumed.stdout, resumed.stderr], out);
	});

	test('Ctrl-C stops every running row gracefully, writes the reports, and exits 6', async () => {
		const plan = join(work, 'big.csv');
		const out = join(work, 'out-big');
		await writeFile(plan, `id,source,url,password,bwlimit\nbig1,store-big1,${url('big1')},env:P1,20k\nbig2,store-big2,${url('big2')},env:P2,20k\n`);
		let controls: EngineControls | undefined;
		// Stop once a row has uploaded a message (its NDJSON event), not after a fixed time.
		const stopOnFirstUpload = (stdout: string): void => {
			if (/"type":"message:uploaded"/.test(stdout)) controls?.stop();
		};
		const run = await batch({plan, out, parallel: 2, json: true}, {P1: server.passwordOf('big1'), P2: server.passwordOf('big2')}, (c) => (controls = c), stopOnFirstUpload);
		assert.equal(run.code, 6, run.stderr);
		assert.match(run.stderr, /the batch was stopped/);
		const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as {interrupted: boolean; results: RowResult[]};
		assert.equal(report.interrupted, true);
		assert.ok(report.results.every((r) => r.status !== 'ok'), JSON.stringify(report.results.map((r) => r.status)));
		assert.ok(report.results.some((r) => r.uploaded > 0 && r.uploaded < 400));
	});
});
