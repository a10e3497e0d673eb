/** Pure parts of the fleet (issue #15): what may be shown of a queue URL, row identity, the queue URL's sources, status text. */
import assert from 'node:assert/strict';
import {mkdtemp, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describe, test} from 'node:test';
import {resolveQueueUrl} from '../../src/cli/run-fleet.js';
import {redactQueueUrl, rowDigest} from '../../src/fleet/fleet-queue.js';
import {isServerRestarting} from '../../src/fleet/fleet-worker.js';
import {MailshiftError} from '../../src/contracts/errors.js';
import {fleetReportRows, formatFleetStatus} from '../../src/fleet/fleet-status.js';
import type {FleetStatus} from '../../src/fleet/fleet-status.js';
import type {FleetRowSpec} from '../../src/fleet/run-row.js';

const spec: FleetRowSpec = {id: 'alice', source: '/share/alice.pst', url: 'imaps://alice@mail.example.com', credential: {kind: 'env', variable: 'ALICE_PW'}, prefix: undefined, connections: undefined, bwlimit: undefined, insecure: false};

describe('fleet helpers', () => {
	test('a queue URL is shown with its password replaced, whatever its spelling', () => {
		assert.equal(redactQueueUrl('postgres://ms:s3cr%40t@db.example.com:5432/ms'), 'postgres://ms:***@db.example.com:5432/ms');
		assert.equal(redactQueueUrl('postgres://ms@db/ms'), 'postgres://ms@db/ms');
		assert.equal(redactQueueUrl('postgresql://u:p w@h/d'), 'postgresql://u:***@h/d');
	});

	test('a row\'s digest ignores its id and changes with anything it migrates', () => {
		assert.equal(rowDigest(spec), rowDigest({...spec, id: 'other'}));
		for (const changed of [{source: '/share/bob.pst'}, {url: 'imaps://bob@mail.example.com'}, {credential: {kind: 'env', variable: 'B'} as const}, {prefix: 'Old'}, {connections: 2}, {bwlimit: '1M'}]) {
			assert.notEqual(rowDigest({...spec, ...changed}), rowDigest(spec), JSON.stringify(changed));
		}
	});

	test('the queue URL comes from --queue, MAILSHIFT_QUEUE_URL or the first line of an owner-only --queue-file; a password typed on the command line is refused', async (t) => {
		const dir = await mkdtemp(join(tmpdir(), 'ms-queue-'));
		t.after(() => rm(dir, {recursive: true, force: true}));
		const file = join(dir, 'queue');
		await writeFile(file, 'postgres://ms:pw@db/ms\n', {mode: 0o600});
		assert.equal(await resolveQueueUrl({queueFile: file}, {env: {}}), 'postgres://ms:pw@db/ms');
		assert.equal(await resolveQueueUrl({queueFile: file}, {env: {MAILSHIFT_QUEUE_URL: 'postgres://a@b/c'}}), 'postgres://a@b/c');
		assert.equal(await resolveQueueUrl({queue: 'postgres://ms@db/ms'}, {env: {}, commandLine: 'mailshift worker --queue postgres://ms@db/ms'}), 'postgres://ms@db/ms');
		await assert.rejects(resolveQueueUrl({queue: 'postgres://ms:pw@db/ms'}, {env: {}, commandLine: 'mailshift worker --queue postgres://ms:pw@db/ms'}), (e: {code?: string; message?: string}) => e.code === 'USAGE' && !(e.message ?? '').includes(':pw@'));
		await assert.rejects(resolveQueueUrl({}, {env: {}}), {code: 'USAGE'});
		const open = join(dir, 'open');
		await writeFile(open, 'postgres://ms:pw@db/ms\n', {mode: 0o644});
		await assert.rejects(resolveQueueUrl({queueFile: open}, {env: {}}), /can be read by others/);
	});

	test('status text and report rows say per row what happened, and an unfinished row is not reported ok', () => {
		const status: FleetStatus = {
			queue: 'q', url: 'postgres://ms:***@db/ms', isPaused: true, caps: {maxPerHost: 8, maxPerUser: 4, leaseSeconds: 120},
			connectionsInUse: [{host: 'mail.example.com:993', user: 'bob', connections: 4}],
			rows: [
				{id: 'alice', state: 'done', source: '/a', url: 'imaps://alice@h', worker: null, progress: null, result: {exitCode: 0, verify: 'ok', uploaded: 10, found: 10, bytes: 100, durationSeconds: 2, connections: 4}, lastError: null, journal: {done: 10, pending: 0, failed: 0, skipped: 0}, updatedAt: '2026-12-06T10:00:00.000Z'},
				{id: 'bob', state: 'running', source: '/b', url: 'imaps://bob@h', worker: 'vm:1', progress: {messagesPerSecond: 12.5}, result: null, lastError: null, journal: {done: 3, pending: 2, failed: 0, skipped: 0}, updatedAt: '2026-12-06T10:00:00.000Z'},
				{id: 'carol', state: 'failed', source: '/c', url: 'imaps://carol@h', worker: null, progress: null, result: {exitCode: 4}, lastError: 'PW_C is not set', journal: {done: 0, pending: 0, failed: 0, skipped: 0}, updatedAt: '2026-12-06T10:00:00.000Z'},
			],
			totals: {queued: 0, running: 1, retry: 0, done: 1, failed: 1, cancelled: 0, rows: 3, messagesDone: 13},
		};
		const text = formatFleetStatus(status);
		assert.match(text, /PAUSED/);
		assert.match(text, /bob +running +3 done, 2 to check, 12\.5 msg\/s on vm:1/);
		assert.match(text, /carol +failed .* — PW_C is not set/);
		assert.match(text, /In use: bob@mail\.example\.com:993 4/);
		const rows = fleetReportRows(status);
		assert.deepEqual(rows.map((r) => [r.id, r.status, r.exitCode, r.verify]), [['alice', 'ok', 0, 'ok'], ['bob', 'interrupted', 6, 'not-run'], ['carol', 'failed', 4, 'not-run']]);
		assert.equal(rows[2]?.error, 'PW_C is not set');
	});
});

test('A worker waits for PostgreSQL through a restart: shutdown codes, a refused or reset connection, and a connection the server closed mid-query (node-postgres gives that no code); not a wrong password or a missing database', () => {
	const pgError = (message: string, code?: string): Error => Object.assign(new Error(message), code === undefined ? {} : {code});
	const asQueueError = (cause: Error): MailshiftError => new MailshiftError('QUEUE_UNREACHABLE', `The queue cannot be used: ${cause.message}.`, 'fatal', {cause});
	for (const cause of [pgError('terminating connection due to administrator command', '57P01'), pgError('the database system is starting up', '57P03'), pgError('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'), pgError('Connection terminated unexpectedly')]) {
		assert.equal(isServerRestarting(asQueueError(cause)), true, cause.message);
		assert.equal(isServerRestarting(cause), true, cause.message);
	}
	for (const cause of [pgError('password authentication failed for user "w"', '28P01'), pgError('database "fleet" does not exist', '3D000'), pgError('Connection terminated')]) {
		assert.equal(isServerRestarting(asQueueError(cause)), false, cause.message);
	}
});
