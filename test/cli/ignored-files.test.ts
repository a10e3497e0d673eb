/**
 * A file in a store that is not read as mail is named once and counted once, even though the mbox reader
 * walks the tree both when it opens and when it lists folders (the ProblemRelay drops the repeat).
 */
import assert from 'node:assert/strict';
import {mkdtemp, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, test} from 'node:test';
import {runMain} from '../helpers/run-main.js';
import {ProblemRelay} from '../../src/engine/problem-relay.js';
import type {ReaderProblem} from '../../src/contracts/source-store.js';

describe('ignored files in a store', () => {
	let dir: string;
	before(async () => {
		dir = await mkdtemp(join(tmpdir(), 'ms-ignored-'));
		await writeFile(join(dir, 'Inbox'), 'From a@b Mon Mar  2 08:00:00 2009\nSubject: x\nMessage-ID: <x@ignored.test>\n\nhi\n');
		await writeFile(join(dir, 'notes.bin'), 'not mail at all\n');
	});
	after(async () => rm(dir, {recursive: true, force: true}));

	test('a dry run names an ignored file once and the summary counts "1 file ignored"', async () => {
		const {code, stdout: out, stderr: err} = await runMain(['migrate', dir, '--dry-run', '--stats', '0', '--plain'], {XDG_STATE_HOME: join(dir, 'state')});
		assert.equal(code, 0, err);
		assert.equal(err.split('\n').filter((line) => line.includes('notes.bin')).length, 1, err);
		assert.match(out, /^ {2}Warnings: 1 file ignored\.$/m);
		assert.match(out, /^ {2}1 folder in /m);
	});

	test('the relay passes on a repeated problem once, and distinct problems each time', () => {
		const relay = new ProblemRelay();
		const seen: ReaderProblem[] = [];
		const problem: ReaderProblem = {folder: 'A', location: '/s/a', code: 'FILE_IGNORED', kind: 'warning', reason: 'not mail'};
		relay.onProblem(problem);
		relay.attach((p) => seen.push(p));
		relay.onProblem({...problem});
		relay.onProblem({...problem, location: '/s/b'});
		assert.deepEqual(seen.map((p) => p.location), ['/s/a', '/s/b']);
	});
});
