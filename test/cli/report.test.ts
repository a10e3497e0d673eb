/** buildReport / writeReport: the --report JSON (summary, every problem, the destination without secrets). */
import assert from 'node:assert/strict';
import {mkdtemp, readdir, readFile, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describe, test} from 'node:test';

import {resolveMigrateConfig} from '../../src/config/resolve.js';
import type {MigrationConfig} from '../../src/config/config.js';
import {buildReport, buildVerifyReport, verifyReportOf, writeReport} from '../../src/app/report.js';
import type {VerifyResult} from '../../src/engine/verify.js';
import type {EngineResult} from '../../src/engine/run-migration.js';
import {MailshiftError} from '../../src/contracts/errors.js';
import type {Summary} from '../../src/contracts/types.js';
import {classifyImapError} from '../../src/uploader/classify-imap-error.js';

const PASSWORD = 'S3cret-never-in-reports';
const STARTED = new Date('2024-03-01T10:00:00.000Z');

function config(over: Parameters<typeof resolveMigrateConfig>[0] = {}): MigrationConfig {
	return resolveMigrateConfig({source: '/mail/store', to: 'imaps://you@example.com@imap.example.com', passwordFile: '/run/secrets/imap', ...over});
}

function summary(over: Partial<Summary> = {}): Summary {
	return {
		dryRun: false,
		folders: [{folder: 'Inbox', mailbox: 'INBOX', found: 3, uploaded: 1, skipped: 1, failed: 1, bytes: 2048}],
		found: 3, uploaded: 1, skipped: 1, failed: 1, bytes: 2048, elapsedMs: 90_500, interrupted: false,
		problems: [
			{folder: 'Inbox', location: '/mail/store/cur/2', key: '2', kind: 'skipped', code: 'TOO_BIG', reason: 'The server refused the message as too big'},
			{folder: 'Inbox', location: '/mail/store/cur/3', key: '3', kind: 'failed', code: 'MESSAGE_REJECTED', reason: 'NO Message contains NUL characters'},
		],
		problemsDropped: 4,
		skippedUnlisted: {},
		...over,
	};
}

/** A fatal AUTH_FAILED whose cause (the raw imapflow error) carries the password, as a careless layer might. */
function authFailure(): MailshiftError {
	const raw = Object.assign(new Error('Command failed'), {
		authenticationFailed: true, responseStatus: 'NO', responseText: 'Authentication failed.', serverResponseCode: 'AUTHENTICATIONFAILED',
		executedCommand: `A3 LOGIN "you@example.com" "${PASSWORD}"`, options: {auth: {user: 'you@example.com', pass: PASSWORD}},
	});
	return classifyImapError(raw, 'connect', 'imaps://you@example.com@imap.example.com:993');
}

describe('buildReport', () => {
	test('Given a finished run, when the report is built, then it has the totals, folders and times', () => {
		const report = buildReport({config: config(), result: {summary: summary()}, startedAt: STARTED}) as Record<string, unknown>;
		assert.equal(report['schemaVersion'], 2);
		assert.equal(report['kind'], 'migrate');
		assert.equal(report['tool'], 'mailshift');
		assert.match(String(report['version']), /^\d+\.\d+\.\d+/, 'the tool version from package.json');
		assert.equal(report['startedAt'], '2024-03-01T10:00:00.000Z');
		assert.equal(report['finishedAt'], '2024-03-01T10:01:30.500Z');
		assert.equal(report['source'], '/mail/store');
		assert.deepEqual(report['totals'], {found: 3, uploaded: 1, skipped: 1, failed: 1, bytes: 2048});
		assert.equal(report['elapsedMs'], 90_500);
		assert.deepEqual(report['folders'], summary().folders);
		assert.equal(report['dryRun'], false);
		assert.equal(report['interrupted'], false);
		assert.equal(report['fatalError'], null);
	});

	test('Given failed and skipped messages, when the report is built, then every problem is listed with its reference and reason', () => {
		const report = buildReport({config: config(), result: {summary: summary()}, startedAt: STARTED}) as Record<string, unknown>;
		assert.deepEqual(report['problems'], summary().problems);
		assert.equal(report['problemsNotListed'], 4);
	});

	test('Given a target, when the report is built, then the destination is formatted as scheme://user@host:port', () => {
		const report = buildReport({config: config(), result: {summary: summary()}, startedAt: STARTED}) as Record<string, unknown>;
		assert.equal(report['destination'], 'imaps://you@example.com@imap.example.com:993');
	});

	test('Given an IPv6 STARTTLS target, when the report is built, then the host is bracketed', () => {
		const report = buildReport({config: config({to: 'imap://alice@[::1]:10143'}), result: {summary: summary()}, startedAt: STARTED}) as Record<string, unknown>;
		assert.equal(report['destination'], 'imap://alice@[::1]:10143');
	});

	test('Given a dry run without --to, when the report is built, then the destination is null', () => {
		const report = buildReport({config: resolveMigrateConfig({source: '/mail/store', dryRun: true}), result: {summary: summary({dryRun: true})}, startedAt: STARTED}) as Record<string, unknown>;
		assert.equal(report['destination'], null);
		assert.equal(report['dryRun'], true);
	});

	test('Given a fatal error, when the report is built, then its code, message and hint are in it', () => {
		const fatal = authFailure();
		const report = buildReport({config: config(), result: {summary: summary({interrupted: true}), fatal}, startedAt: STARTED}) as Record<string, unknown>;
		assert.deepEqual(report['fatalError'], {code: 'AUTH_FAILED', message: fatal.message, hint: fatal.hint});
		assert.equal(report['interrupted'], true);
	});

	test('Given a fatal error without a hint, when the report is built, then hint is null (not missing)', () => {
		const fatal = new MailshiftError('ABORTED', 'Stopped.', 'fatal');
		const report = buildReport({config: config(), result: {summary: summary(), fatal}, startedAt: STARTED}) as Record<string, unknown>;
		assert.deepEqual(report['fatalError'], {code: 'ABORTED', message: 'Stopped.', hint: null});
	});

	test('Given a fatal error whose cause holds the password, when the report is serialized, then the password appears nowhere', () => {
		const result: EngineResult = {summary: summary(), fatal: authFailure()};
		const json = JSON.stringify(buildReport({config: config(), result, startedAt: STARTED}));
		assert.ok(!json.includes(PASSWORD));
		assert.ok(!/"pass(word)?"\s*:/i.test(json), 'no password-like field');
		assert.ok(!json.includes('/run/secrets/imap'), 'not even the password file path');
	});
});

describe('one schema for the report and the verify result', () => {
	const verified: VerifyResult = {folders: [{folder: 'Inbox', mailbox: 'INBOX', checked: 3, ok: 2, missing: 1, altered: 0, duplicated: 0, alteredByServer: 0, unreadable: 0}],
		problems: [{folder: 'Inbox', mailbox: 'INBOX', location: '/mail/store/cur/3', kind: 'missing', detail: 'not on the server'}], checked: 3, ok: 2, missing: 1, altered: 0, duplicated: 0,
		alteredByServer: 0, unreadable: 0, sourceProblems: []};

	test('Given a run that was verified, when the report is built, then it carries the verify status, counts and problems', () => {
		const report = buildReport({config: config(), result: {summary: summary()}, startedAt: STARTED, verify: verifyReportOf({result: verified, deep: false})});
		assert.equal(report.verify.status, 'failed');
		assert.equal(report.verify.missing, 1);
		assert.deepEqual(report.verify.problems, verified.problems);
	});

	test('Given a run without verify, or one whose verify could not run, when the report is built, then the status says so', () => {
		assert.equal(buildReport({config: config(), result: {summary: summary()}, startedAt: STARTED}).verify.status, 'not-run');
		const failed = verifyReportOf({error: 'connection lost'});
		assert.deepEqual([failed.status, failed.error], ['error', 'connection lost']);
		assert.equal(verifyReportOf({result: {...verified, folders: [], problems: [], ok: 3, missing: 0}, deep: true}).status, 'ok');
	});

	test('Given a verify command, when its report is built, then it has the same header fields as a migrate report and the same verify section', () => {
		const report = buildVerifyReport(config(), STARTED, verifyReportOf({result: verified, deep: true}), new Date(STARTED.getTime() + 1000));
		const migrate = buildReport({config: config(), result: {summary: summary()}, startedAt: STARTED});
		for (const key of ['schemaVersion', 'tool', 'version', 'source', 'destination', 'startedAt'] as const) assert.equal(report[key], migrate[key], key);
		assert.equal(report.kind, 'verify');
		assert.equal(report.verify.deep, true);
		assert.equal(report.finishedAt, '2024-03-01T10:00:01.000Z');
	});
});

describe('writeReport', () => {
	test('Given a report path, when written, then the file holds the same JSON with a trailing newline and no temp file is left', async () => {
		const dir = await mkdtemp(join(tmpdir(), 'mailshift-report-'));
		try {
			const path = join(dir, 'report.json');
			const input = {config: config(), result: {summary: summary()}, startedAt: STARTED};
			await writeReport(path, buildReport(input));
			const text = await readFile(path, 'utf8');
			assert.ok(text.endsWith('}\n'));
			assert.deepEqual(JSON.parse(text), JSON.parse(JSON.stringify(buildReport(input))));
			assert.deepEqual(await readdir(dir), ['report.json']);
		} finally {
			await rm(dir, {recursive: true, force: true});
		}
	});
});

test('Given a stopped run, when the report is built, then it says how many messages were not sent yet; a run that was not stopped says null', () => {
	const stopped = buildReport({config: config(), result: {summary: summary({interrupted: true, notSent: {messages: 120, isExact: false}})}, startedAt: STARTED});
	assert.deepEqual(stopped.notSent, {messages: 120, isExact: false});
	const finished = buildReport({config: config(), result: {summary: summary()}, startedAt: STARTED});
	assert.equal(finished.notSent, null);
});
