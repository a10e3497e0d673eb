/** The parts runBatch wires (src/app/batch-*.ts) that have logic of their own, without a server or a plan file. */
import assert from 'node:assert/strict';
import {PassThrough} from 'node:stream';
import {describe, test} from 'node:test';
import {EngineControls} from '../../src/contracts/controls.js';
import {ServerConnectionCaps} from '../../src/batch/connection-semaphore.js';
import type {BatchRow} from '../../src/batch/batch-plan.js';
import type {RowResult} from '../../src/batch/batch-report.js';
import {BatchOutput} from '../../src/app/batch-output.js';
import {batchExitCode, planResults} from '../../src/app/batch-results.js';
import {runRowsInParallel} from '../../src/app/batch-workers.js';
import type {CliIo} from '../../src/app/migrate.js';

const row = (id: string, host = 'h'): BatchRow => ({
	row: Number(id.slice(1)) + 1, id, source: `/m/${id}`, url: `imaps://u@${host}`, target: {host, port: 993, implicitTls: true, requireStartTls: false, insecure: false, user: 'u'},
	destination: `imaps://u@${host}:993`, credential: {kind: 'env', variable: 'PW'}, prefix: undefined, connections: 2, bwlimit: undefined,
});

const result = (id: string, status: RowResult['status']): RowResult => ({
	id, row: 2, source: '/m', url: 'imaps://u@h:993', status, found: 1, uploaded: 1, skipped: 0, failed: 0, bytes: 1, durationSeconds: 1,
	verify: 'not-run', verifyDetail: '', exitCode: status === 'ok' ? 0 : 5, error: '', connections: 2, journal: '', fromEarlierRun: false, finishedAt: 'then',
});

function ioWithText(): {io: CliIo; stdout: () => string; stderr: () => string} {
	const out = new PassThrough();
	const err = new PassThrough();
	let stdout = '';
	let stderr = '';
	out.on('data', (c: Buffer) => { stdout += c.toString(); });
	err.on('data', (c: Buffer) => { stderr += c.toString(); });
	const io = {stdout: out, stderr: err, stdin: process.stdin, env: {}} as unknown as CliIo;
	return {io, stdout: () => stdout, stderr: () => stderr};
}

describe('BatchOutput', () => {
	test('Given lines said while the fleet view holds the terminal, when it is released, then they appear in order, redacted, and later lines go straight out', () => {
		const {io, stderr} = ioWithText();
		const output = new BatchOutput(io, {json: false, debug: false});
		output.passwords.push('hunter2');
		output.hold();
		output.say('one hunter2');
		output.say('two');
		assert.equal(stderr(), '');
		output.release();
		output.say('three');
		assert.equal(stderr(), 'one ***\ntwo\nthree\n');
	});

	test('Given --json, when an event holds a password and a bigint, then the NDJSON line has neither the password nor a bigint', () => {
		const {io, stdout} = ioWithText();
		const output = new BatchOutput(io, {json: true, debug: false});
		output.passwords.push('s3cret');
		output.emit({type: 'x', url: 'imaps://u:s3cret@h', n: 5n});
		const line = JSON.parse(stdout()) as {url: string; n: string};
		assert.deepEqual([line.url, line.n], ['imaps://u:***@h', '5']);
	});
});

describe('planResults and batchExitCode', () => {
	test('Given rows run now, kept from an earlier run and never started, when the results are listed, then each plan row has one in plan order', () => {
		const rows = [row('r1'), row('r2'), row('r3')];
		const all = planResults({
			rows, selected: [rows[0]!, rows[2]!], results: new Map([['r1', {result: result('r1', 'ok')}]]),
			earlier: {version: 1, plan: '/p.csv', rows: {r2: result('r2', 'ok')}}, onlyFailed: true, finishedAt: 'now',
		});
		assert.deepEqual(all.map((r) => [r.id, r.status, r.fromEarlierRun]), [['r1', 'ok', false], ['r2', 'ok', true], ['r3', 'not-run', false]]);
		assert.equal(all[2]?.exitCode, 6);
		assert.equal(all[2]?.finishedAt, 'now');
	});

	test('Given the rows\' statuses, when the exit code is chosen, then a stop wins, else all ok is 0 and anything else is 5', () => {
		assert.equal(batchExitCode(true, [result('a', 'ok')]), 6);
		assert.equal(batchExitCode(false, [result('a', 'ok'), result('b', 'ok')]), 0);
		assert.equal(batchExitCode(false, [result('a', 'ok'), result('b', 'failed')]), 5);
	});
});

describe('runRowsInParallel', () => {
	test('Given more rows than workers, when they run, then at most `parallel` run at once and every row runs once in plan order', async () => {
		const rows = ['r0', 'r1', 'r2', 'r3', 'r4'].map((id) => row(id));
		let running = 0;
		let most = 0;
		const started: string[] = [];
		await runRowsInParallel(rows, {parallel: 2, caps: new ServerConnectionCaps(8), controls: new EngineControls(), defaultConnections: 4}, async (r, connections) => {
			started.push(r.id);
			assert.equal(connections, 2);
			running++;
			most = Math.max(most, running);
			await Promise.resolve();
			running--;
		});
		assert.deepEqual(started, ['r0', 'r1', 'r2', 'r3', 'r4']);
		assert.equal(most, 2);
	});

	test('Given a stop during the first row, when the pool goes on, then no further row starts', async () => {
		const rows = ['r0', 'r1', 'r2'].map((id) => row(id));
		const controls = new EngineControls();
		const started: string[] = [];
		await runRowsInParallel(rows, {parallel: 1, caps: new ServerConnectionCaps(8), controls, defaultConnections: 4}, async (r) => {
			started.push(r.id);
			controls.stop();
		});
		assert.deepEqual(started, ['r0']);
	});

	test('Given a per-server cap smaller than two rows\' wishes, when two rows of that server run in parallel, then they do not overlap', async () => {
		const rows = [row('r0'), row('r1')];
		let running = 0;
		let most = 0;
		await runRowsInParallel(rows, {parallel: 2, caps: new ServerConnectionCaps(2), controls: new EngineControls(), defaultConnections: 4}, async () => {
			running++;
			most = Math.max(most, running);
			await new Promise<void>((resolve) => setImmediate(resolve));
			running--;
		});
		assert.equal(most, 1);
	});
});
