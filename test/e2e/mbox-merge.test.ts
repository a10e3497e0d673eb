/**
 * End to end (issue #12 item 3): through the real CLI (a dry run, no server needed), an mbox whose message
 * holds a `From ` line with a message header after it (messages that may have been run together) ends with
 * exit code 5 (SOME_FAILED) and names the warning, while the same file repaired ends OK; and an mbox
 * with From_ lines that have no date is split into its messages.
 */
import assert from 'node:assert/strict';
import {mkdtemp, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, test} from 'node:test';
import {runCli} from '../helpers/run-cli.js';

const FROM = 'From alice@example.org Mon Jan  1 10:00:00 2001';
const message = (subject: string): string => `From: alice@example.org\nSubject: ${subject}\nDate: Mon, 1 Jan 2001 10:00:00 +0000\nMessage-ID: <${subject}@example.org>\n\n${subject}.\n`;

describe('mbox separators through the CLI', () => {
	let work: string;
	before(async () => {
		work = await mkdtemp(join(tmpdir(), 'ms-e2e-merge-'));
	});
	after(async () => {
		await rm(work, {recursive: true, force: true});
	});

	test('Given an mbox message that holds an unescaped separator with a header after it, when migrated (dry run), then the run exits 5 and names the warning', async () => {
		const file = join(work, 'merged.mbox');
		await writeFile(file, `${FROM}\n${message('one')}From 1844674407370955161@xxx\n${message('two')}`);
		const report = join(work, 'merged.json');
		const result = await runCli(['migrate', file, '--dry-run', '--stats', '0', '--report', report]);
		assert.equal(result.code, 5, `stderr:\n${result.stderr}\nstdout:\n${result.stdout}`);
		assert.match(result.stderr, /MBOX_MERGE_SUSPECTED/);
		assert.match(result.stdout, /Warnings: 1 mbox merge suspected/);
	});

	test('Given From_ lines with only an address after empty lines, when migrated (dry run), then every message is counted and the run exits 0', async () => {
		const file = join(work, 'loose.mbox');
		await writeFile(file, `${FROM}\n${message('one')}\nFrom 1844674407370955161@xxx\n${message('two')}\nFrom \n${message('three')}`);
		const result = await runCli(['migrate', file, '--dry-run', '--stats', '0']);
		assert.equal(result.code, 0, `stderr:\n${result.stderr}\nstdout:\n${result.stdout}`);
		assert.match(result.stdout, /Total\s+3\s+3\s+0\s+0/);
	});
});
