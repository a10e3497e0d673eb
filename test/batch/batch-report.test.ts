import assert from 'node:assert/strict';
import {mkdtemp, readFile, rm, stat} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describe, test} from 'node:test';
import {formatReportCsv, readBatchState, writeBatchState, writeReports} from '../../src/batch/batch-report.js';
import type {RowResult} from '../../src/batch/batch-report.js';
import {parseCsv} from '../../src/batch/csv.js';
import {estimateSeconds, liveLine, redact} from '../../src/app/batch.js';
import {StatsStore} from '../../src/engine/stats.js';

const result = (over: Partial<RowResult> = {}): RowResult => ({
	id: 'r1', row: 2, source: '/m/a, b', url: 'imaps://alice@h:993', status: 'failed', found: 10, uploaded: 7, skipped: 1, failed: 2, bytes: 1234,
	durationSeconds: 3.25, verify: 'not-run', verifyDetail: '', exitCode: 5, error: 'the server said "NO [OVERQUOTA]"\nstop', connections: 4,
	journal: '/j/a.sqlite', fromEarlierRun: false, finishedAt: '2026-01-01T00:00:00.000Z', ...over,
});

describe('batch reports', () => {
	test('report.csv escapes commas, quotes and line breaks and documents each exit code', () => {
		const text = formatReportCsv([result()]);
		const [header, row] = parseCsv(text);
		assert.equal(header?.fields[0], 'id');
		const get = (name: string): string | undefined => row?.fields[header?.fields.indexOf(name) ?? -1];
		assert.equal(get('source'), '/m/a, b');
		assert.equal(get('error'), 'the server said "NO [OVERQUOTA]"\nstop');
		assert.equal(get('exit_code'), '5');
		assert.match(get('exit_meaning') ?? '', /some messages failed/);
		assert.equal(get('duration_s'), '3.3');
	});

	test('reports and the state file are written atomically and read back; the state file is private', async () => {
		const dir = await mkdtemp(join(tmpdir(), 'ms-rep-'));
		try {
			const [csv, json] = await writeReports(dir, {plan: '/p.csv', startedAt: 'a', finishedAt: 'b', exitCode: 5, interrupted: false, onlyFailed: false, results: [result(), result({id: 'r2', status: 'ok', exitCode: 0, error: ''})]});
			const data = JSON.parse(await readFile(json, 'utf8')) as {schemaVersion: number; kind: string; version: string; totals: {ok: number; failed: number; uploaded: number}; exitCodes: Record<string, string>};
			assert.deepEqual([data.totals.ok, data.totals.failed, data.totals.uploaded], [1, 1, 14]);
			// The same header as migrate's report: which schema, which tool version wrote it.
			assert.deepEqual([data.schemaVersion, data.kind], [2, 'batch']);
			assert.match(data.version, /^\d+\.\d+\.\d+/);
			assert.match(data.exitCodes['6'] ?? '', /interrupted/);
			assert.equal(parseCsv(await readFile(csv, 'utf8')).length, 3);
			assert.equal(await readBatchState(dir), undefined);
			await writeBatchState(dir, {version: 1, plan: '/p.csv', rows: {r1: result()}});
			assert.equal((await readBatchState(dir))?.rows['r1']?.status, 'failed');
			assert.equal((await stat(join(dir, 'batch-state.json'))).mode & 0o777, 0o600);
		} finally {
			await rm(dir, {recursive: true, force: true});
		}
	});

	test('redact replaces every password occurrence; short strings are left alone', () => {
		assert.equal(redact('login pw-alice failed for pw-alice', ['pw-alice']), 'login *** failed for ***');
		assert.equal(redact('a b', ['a']), 'a b');
	});

	test('the dry-run estimate uses the slower of bytes and messages at the assumed rates, or the bwlimit', () => {
		assert.equal(estimateSeconds(100, 1024 * 1024, undefined), 10);
		assert.equal(estimateSeconds(1, 10 * 1024 * 1024, undefined), 10);
		assert.equal(estimateSeconds(1000, 2048, 1024), 2);
	});

	test('the live line shows progress, rate and state of a row', () => {
		const store = new StatsStore(() => 1000);
		store.apply({type: 'run:start', folders: 1, messages: 4, bytes: 100, dryRun: false});
		assert.match(liveLine('r1', store.snapshot(), 3, 1000), /^\[r1\] 0\/4 msgs \(0%\), 0\.0 msg\/s, .*3 conn, running$/);
		store.apply({type: 'throttle', untilMs: 5000, reason: 'slow down'});
		assert.match(liveLine('r1', store.snapshot(), 3, 1000), /throttled by the server$/);
	});
});
