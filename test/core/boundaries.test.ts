/**
 * Module boundaries (docs/architecture.md, STYLE rule 4). Two kinds of rules, both read from the sources:
 * - packages: the engine and everything below it, and the use-cases (app/), never import React, ink or
 *   yargs, so they stay usable from the CLI, the TUI, batch runs, fleet workers and tests alike;
 * - layers: imports between the top-level folders of src/ point downwards only (contracts at the bottom,
 *   cli at the top) and never form a cycle, so each folder can be read, tested and replaced alone.
 */
import assert from 'node:assert/strict';
import {readdir, readFile} from 'node:fs/promises';
import {dirname, join, relative, resolve, sep} from 'node:path';
import {test} from 'node:test';
import {fileURLToPath} from 'node:url';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));
const GUARDED = ['contracts', 'engine', 'app', 'readers', 'uploader', 'mapper', 'config', 'journal', 'backup', 'rules', 'batch', 'discovery', 'export', 'util'];
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

/** One import from a file of one top-level folder of src/ into another. */
export type FolderEdge = Readonly<{from: string; to: string; file: string; spec: string}>;

/** The top-level folder of src/ that `path` (absolute) lies in, or undefined outside src/. */
function folderOf(path: string): string | undefined {
	const rel = relative(SRC, path);
	if (rel.startsWith('..')) return undefined;
	return rel.split(sep)[0];
}

/** Every relative import that crosses from one top-level folder of src/ into another. */
async function folderEdges(): Promise<FolderEdge[]> {
	const edges: FolderEdge[] = [];
	for (const file of await sources(SRC)) {
		const from = folderOf(file);
		for (const spec of importedModules(await readFile(file, 'utf8'))) {
			if (!spec.startsWith('.')) continue;
			const to = folderOf(resolve(dirname(file), spec));
			if (from && to && from !== to) edges.push({from, to, file: relative(SRC, file), spec});
		}
	}
	return edges;
}

/** Strongly connected components with more than one folder (Tarjan): each is a folder-level cycle. Pure. */
export function folderCycles(edges: readonly Pick<FolderEdge, 'from' | 'to'>[]): string[][] {
	const next = new Map<string, Set<string>>();
	for (const {from, to} of edges) {
		if (!next.has(from)) next.set(from, new Set());
		if (!next.has(to)) next.set(to, new Set());
		next.get(from)?.add(to);
	}
	const index = new Map<string, number>();
	const low = new Map<string, number>();
	const stack: string[] = [];
	const onStack = new Set<string>();
	const cycles: string[][] = [];
	let counter = 0;
	const visit = (v: string): void => {
		index.set(v, counter);
		low.set(v, counter++);
		stack.push(v);
		onStack.add(v);
		for (const w of next.get(v) ?? []) {
			if (!index.has(w)) {
				visit(w);
				low.set(v, Math.min(low.get(v) ?? 0, low.get(w) ?? 0));
			} else if (onStack.has(w)) low.set(v, Math.min(low.get(v) ?? 0, index.get(w) ?? 0));
		}
		if (low.get(v) === index.get(v)) {
			const component: string[] = [];
			let w: string | undefined;
			do {
				w = stack.pop();
				if (w !== undefined) {
					onStack.delete(w);
					component.push(w);
				}
			} while (w !== undefined && w !== v);
			if (component.length > 1) cycles.push(component.sort());
		}
	};
	for (const v of [...next.keys()].sort()) if (!index.has(v)) visit(v);
	return cycles;
}

/** The imports that break a rule: "from may not import any of `banned`" (`'*'`: anything outside `from`). */
function offending(edges: readonly FolderEdge[], from: readonly string[], banned: readonly string[] | '*'): string[] {
	return edges
		.filter((e) => from.includes(e.from) && (banned === '*' || banned.includes(e.to)))
		.map((e) => `${e.file} imports ${e.spec}`);
}

test('the import scanner sees static, side-effect and dynamic imports', () => {
	assert.deepEqual(importedModules("import React from 'react';\nimport 'ink';\nconst y = await import('yargs');\nexport {x} from \"./x.js\";"), ['react', './x.js', 'ink', 'yargs']);
});

test('the cycle finder reports a folder cycle and nothing for a layered graph', () => {
	assert.deepEqual(folderCycles([{from: 'app', to: 'engine'}, {from: 'engine', to: 'contracts'}, {from: 'cli', to: 'app'}]), []);
	assert.deepEqual(folderCycles([{from: 'engine', to: 'mapper'}, {from: 'mapper', to: 'contracts'}, {from: 'contracts', to: 'engine'}, {from: 'cli', to: 'engine'}]), [['contracts', 'engine', 'mapper']]);
});

test('the engine, readers, uploader, mapper, config and the use-cases never import react, ink or yargs', async () => {
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

test('contracts import nothing else of the project', async () => {
	const edges = await folderEdges();
	assert.ok(edges.length > 50, `expected to see the imports between folders, saw ${edges.length}`);
	assert.deepEqual(offending(edges, ['contracts'], '*'), []);
});

test('readers, mapper, uploader and journal never import the engine, the use-cases, the CLI or the TUI', async () => {
	assert.deepEqual(offending(await folderEdges(), ['readers', 'mapper', 'uploader', 'journal'], ['engine', 'app', 'cli', 'tui']), []);
});

test('the engine never imports the use-cases, the CLI or the TUI', async () => {
	assert.deepEqual(offending(await folderEdges(), ['engine'], ['app', 'cli', 'tui']), []);
});

test('the use-cases never import the CLI or the TUI (they get a Presenter instead)', async () => {
	assert.deepEqual(offending(await folderEdges(), ['app'], ['cli', 'tui']), []);
});

test('nothing outside cli/ imports cli/ (only bin/ starts it)', async () => {
	const edges = await folderEdges();
	assert.deepEqual(edges.filter((e) => e.to === 'cli').map((e) => `${e.file} imports ${e.spec}`), []);
});

test('the folders of src/ form no import cycle', async () => {
	const edges = await folderEdges();
	const cycles = folderCycles(edges).map((cycle) => {
		const arrows = new Map<string, string>();
		for (const e of edges) if (cycle.includes(e.from) && cycle.includes(e.to) && !arrows.has(`${e.from} → ${e.to}`)) arrows.set(`${e.from} → ${e.to}`, e.file);
		return `${cycle.join(' ↔ ')}: ${[...arrows].map(([arrow, file]) => `${arrow} (e.g. ${file})`).join('; ')}`;
	});
	assert.deepEqual(cycles, []);
});
