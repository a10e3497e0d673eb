/** Exit codes are defined once (src/contracts/exit-codes.ts); the README's table must say the same. */
import assert from 'node:assert/strict';
import {readFile} from 'node:fs/promises';
import {test} from 'node:test';
import {EXIT_CODE_DESCRIPTIONS, ExitCode, exitCodeFor} from '../../src/contracts/exit-codes.js';
import type {ErrorCode} from '../../src/contracts/errors.js';

test('the README lists every exit code with the same words as the code', async () => {
	const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
	for (const [code, description] of Object.entries(EXIT_CODE_DESCRIPTIONS)) {
		assert.ok(readme.includes(`| ${code} | ${description} |`), `README row for exit code ${code}`);
	}
});

test('every exit code has a description and the codes are distinct', () => {
	const values = Object.values(ExitCode);
	assert.equal(new Set(values).size, values.length);
	for (const value of values) assert.ok(EXIT_CODE_DESCRIPTIONS[value], `description for ${value}`);
});

test('error codes map to the exit codes a script would act on', () => {
	const table: Array<[ErrorCode, number]> = [
		['USAGE', 2], ['SOURCE_NOT_FOUND', 3], ['SOURCE_UNREADABLE', 3], ['NOT_A_MAIL_STORE', 3], ['AUTH_FAILED', 4],
		['MESSAGE_REJECTED', 5], ['TOO_BIG', 5], ['CONNECTION_LOST', 6], ['ABORTED', 6], ['OVER_QUOTA', 7],
		['HOST_NOT_FOUND', 8], ['CONNECTION_REFUSED', 8], ['TLS_FAILED', 8], ['SOURCE_INCOMPLETE', 9], ['BUG', 1],
		['RULES_UNPARSEABLE', 3], ['MANAGESIEVE_UNAVAILABLE', 8], ['SIEVE_REJECTED', 5], ['SIEVE_SCRIPT_CONFLICT', 5],
		['PLAN_CHANGED', 2], ['LEASE_LOST', 6], ['QUEUE_UNREACHABLE', 8],
	];
	for (const [code, exit] of table) assert.equal(exitCodeFor(code), exit, code);
});
