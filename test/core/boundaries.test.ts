/**
 * Module boundaries (ARCHITECTURE §1, STYLE rule 4): the engine and everything below it never import
 * React, ink or yargs, so they stay usable from the CLI, the TUI, batch runs and tests alike.
 */
import assert from 'node:assert/strict';
import {readdir, readFile} from 'node:fs/promises';
import {join, relative} from 'node:path';
import {test} from 'node:test';
import {fileURLToPath} from 'node:url';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));
const GUARDED = ['contracts', 'engine', 'readers', 'uploader', 'mapper', 'config', 'journal', 'backup', 'rules'];
const FORBIDDEN = /^(react|react\/.*|ink|ink\/.*|@inkjs\/.*|yargs|yargs\/.*)$/;

async function sources(dir: string): Promise<string[]> {
	const out: string[] = [];
	for (const entry of await readdir(dir, {withFileTypes: true}).catch(() => [])) {
		const path = join(dir, entry.name);
		if (entry.isDirectory()) out.push(...(await sources(path)));
		else if (/\.(ts|tsx)$/.test(entry.name)) out.push(path);
	}
	return out;
}

/** Every module specifier in static imports, re-exports and dynamic imports. */
export function importedModules(code: string): string[] {
	const specs: string[] = [];
	for (const m of code.matchAll(/(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]/g)) specs.push(m[1] ?? '');
	for (const m of code.matchAll(/(?:^|[\s;])import\s*['"]([^'"]+)['"]/g)) specs.push(m[1] ?? '');
	for (const m of code.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)) specs.push(m[1] ?? '');
	return specs;
}

test('the import scanner sees static, side-effect and dynamic imports', () => {
	assert.deepEqual(importedModules("import React from 'react';\nimport 'ink';\nconst y = await import('yargs');\nexport {x} from \"./x.js\";"), ['react', './x.js', 'ink', 'yargs']);
});

test('the engine, readers, uploader, mapper and config never import react, ink or yargs', async () => {
	const offenders: string[] = [];
	let checked = 0;
	for (const area of GUARDED) {
		for (const file of await sources(join(SRC, area))) {
			checked++;
			for (const spec of importedModules(await readFile(file, 'utf8'))) {
				if (FORBIDDEN.test(spec)) offenders.push(`${relative(SRC, file)} imports ${spec}`);
			}
		}
	}
	assert.ok(checked > 10, `expected to scan the engine's files, scanned ${checked}`);
	assert.deepEqual(offenders, []);
});
