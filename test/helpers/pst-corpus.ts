/**
 * The PST fixtures tests read: the files that ship with pst-extractor (always there) and the optional shared
 * corpus (`../shared/corpus/pst`), whose tests skip with a printed reason when it is absent.
 */
import {existsSync} from 'node:fs';
import {join, resolve} from 'node:path';
import type {TestContext} from 'node:test';
import {fileURLToPath} from 'node:url';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const PST_TESTDATA = join(REPO, 'node_modules/pst-extractor/example/testdata');
export const PST_CORPUS = resolve(REPO, '../shared/corpus/pst');

/** The corpus file `name`, or undefined after marking the test skipped (with the reason printed). */
export function corpusFile(t: TestContext, name: string): string | undefined {
	const path = join(PST_CORPUS, name);
	if (existsSync(path)) return path;
	const reason = `${path} is not present (the shared corpus is optional)`;
	console.log(`# SKIP: ${reason}`);
	t.skip(reason);
	return undefined;
}
