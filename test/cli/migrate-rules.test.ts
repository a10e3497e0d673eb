/**
 * The rules step of `migrate --rules` without a server: when it runs, which filter file it takes, and that it
 * never throws (its result never hides the mail result; run-migrate.ts uses its exit code only after an OK).
 */
import assert from 'node:assert/strict';
import {mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, test} from 'node:test';

import {resolveMigrateConfig} from '../../src/config/resolve.js';
import type {MigrationConfig} from '../../src/config/config.js';
import type {EngineResult} from '../../src/engine/run-migration.js';
import {MailshiftError} from '../../src/contracts/errors.js';
import {filterFileFor, runRulesStep} from '../../src/app/migrate-rules.js';

const FILTER = 'version="9"\nlogging="no"\nname="Invoices"\nenabled="yes"\ntype="17"\naction="Move to folder"\nactionValue="mailbox://nobody@Local%20Folders/Invoices"\ncondition="AND (subject,contains,invoice)"\n';

const finished = (overrides: Partial<EngineResult['summary']> = {}): EngineResult => ({
	summary: {dryRun: false, folders: [], found: 1, uploaded: 1, skipped: 0, failed: 0, bytes: 1, elapsedMs: 1, interrupted: false, problems: [], problemsDropped: 0, skippedUnlisted: {}, ...overrides} as unknown as EngineResult['summary'],
});

describe('the rules step of migrate --rules', () => {
	let work: string;
	let local: string;
	before(async () => {
		work = await mkdtemp(join(tmpdir(), 'ms-migrate-rules-unit-'));
		local = join(work, 'Mail', 'Local Folders');
		await mkdir(local, {recursive: true});
		await writeFile(join(local, 'Inbox'), 'From a@b Mon Mar  2 08:00:00 2009\nSubject: x\n\nx\n');
		await writeFile(join(local, 'Invoices'), '');
		await writeFile(join(local, 'msgFilterRules.dat'), FILTER);
	});
	after(async () => { await rm(work, {recursive: true, force: true}); });

	const config = (source: string, dryRun = false): MigrationConfig => ({
		...resolveMigrateConfig({source, dryRun, prefix: 'Old PC', ...(dryRun ? {} : {to: 'imap://u@127.0.0.1:1'}), journal: join(work, 'j.sqlite')}, {}),
		sieveRules: {install: true, sievePort: 4190, onActive: 'refuse', allowRedirect: false, allowDiscard: false},
	});

	test('Given an mbox file of an account folder, then the filter file next to it is the one used', () => {
		assert.equal(filterFileFor(join(local, 'Inbox')), join(local, 'msgFilterRules.dat'));
	});

	test('Given an Outlook .pst/.ost source, then its rules are read from the store itself (also the guided mode\'s preview)', async () => {
		const pst = join(work, 'Outlook.pst');
		await writeFile(pst, '!BDN');
		await writeFile(join(work, 'cache.OST'), '!BDN');
		assert.equal(filterFileFor(pst), pst);
		assert.equal(filterFileFor(join(work, 'cache.OST')), join(work, 'cache.OST'));
	});

	test('Given a store without filters, then the error says so and names the place', async () => {
		const bare = join(work, 'bare');
		await mkdir(bare, {recursive: true});
		assert.throws(() => filterFileFor(bare), (e: unknown) => e instanceof MailshiftError && e.code === 'SOURCE_NOT_FOUND' && e.message.includes(bare));
	});

	test('Given a mail migration that stopped, then nothing is installed and the step leaves the exit code to the mail result', async () => {
		const step = await runRulesStep({config: config(local), source: undefined, layout: undefined, login: undefined, result: finished({interrupted: true})});
		assert.equal(step.exitCode, 0);
		assert.match(step.line, /Rules: not installed, because the mail migration did not finish/);
	});

	test('Given a dry run, then the plan is printed through the run\'s mapping and nothing is installed', async () => {
		const step = await runRulesStep({config: config(local, true), source: undefined, layout: undefined, login: undefined, result: finished()});
		assert.equal(step.exitCode, 0);
		assert.match(step.text, /1\. Invoices — ✓ carried/);
		assert.match(step.text, /"Old PC\/Invoices"/);
		assert.match(step.line, /Rules: 1 filter → 1 server rule planned \(dry run: nothing installed\)\./);
	});

	test('Given an unreadable filter file, then the step does not throw: it reports the file and line and returns the source exit code', async () => {
		const broken = join(work, 'broken');
		await mkdir(broken, {recursive: true});
		await writeFile(join(broken, 'Inbox'), '');
		await writeFile(join(broken, 'msgFilterRules.dat'), 'version="9"\nname="a\n');
		const step = await runRulesStep({config: config(broken), source: undefined, layout: undefined, login: undefined, result: finished()});
		assert.equal(step.exitCode, 3);
		assert.match(step.line, /Rules: not installed — .*msgFilterRules\.dat:2/);
	});
});
