/**
 * boundYoungGeneration (issue #14, memory): after it, V8's young generation keeps its size however much of what
 * is allocated survives; without it, the same allocations grow it (the control that shows the check can fail).
 * Each case runs in a child process of its own, since V8 flags are per process. Sizes come from
 * v8.getHeapSpaceStatistics — what V8 reserved, not a measurement of timing or of the machine's load.
 */
import assert from 'node:assert/strict';
import {execFile} from 'node:child_process';
import {promisify} from 'node:util';
import {pathToFileURL} from 'node:url';
import {fileURLToPath} from 'node:url';
import {describe, test} from 'node:test';

const run = promisify(execFile);
const MODULE = pathToFileURL(fileURLToPath(new URL('../../src/cli/young-generation.ts', import.meta.url))).href;

/** Allocates 3 million small objects of which up to 200,000 stay alive at a time; the new space's size before and after, in bytes. */
async function newSpaceSizes(bound: boolean): Promise<{before: number; after: number}> {
	const script = `
		import {getHeapSpaceStatistics} from 'node:v8';
		import {boundYoungGeneration} from ${JSON.stringify(MODULE)};
		const newSpace = () => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size;
		if (${bound}) boundYoungGeneration();
		const before = newSpace();
		let keep = [];
		for (let i = 0; i < 3e6; i++) {
			keep.push({i, s: 'x' + i});
			if (keep.length > 200000) keep = [];
		}
		console.log(JSON.stringify({before, after: newSpace(), kept: keep.length}));`;
	const {stdout} = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {cwd: fileURLToPath(new URL('../../', import.meta.url))});
	return JSON.parse(stdout) as {before: number; after: number};
}

describe('the young generation of the CLI process', () => {
	test('without the bound, surviving allocations grow the young generation (the control)', async () => {
		const {before, after} = await newSpaceSizes(false);
		assert.ok(after > before, `new space ${before} → ${after} bytes`);
	});

	test('after boundYoungGeneration, the same allocations leave it at its size', async () => {
		const {before, after} = await newSpaceSizes(true);
		assert.equal(after, before);
	});
});
