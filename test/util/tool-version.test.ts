/**
 * mailshift's version (src/util/tool-version.ts) comes from its own package.json, found from the module's place
 * in src/, dist/ or the bundle — never from the directory the command is started in.
 */
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {test} from 'node:test';
import {toolVersion} from '../../src/util/tool-version.js';
import {runCli} from '../helpers/run-cli.js';

const {version} = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {version: string};

test('the version is the one in mailshift\'s package.json', () => {
	assert.equal(toolVersion(), version);
});

test('`mailshift --version` started in another directory prints mailshift\'s version', async () => {
	const run = await runCli(['--version'], {cwd: tmpdir()});
	assert.equal(run.code, 0, run.stderr);
	assert.equal(run.stdout.trim(), version);
});
