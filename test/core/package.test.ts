/**
 * What `npm install mailshift` brings: runtime dependencies are exactly the packages src/ imports (test-only
 * packages such as postal-mime stay in devDependencies), the licence file matches package.json, and the
 * build ships no source maps or type declarations (a CLI, not a library).
 */
import assert from 'node:assert/strict';
import {readdir, readFile} from 'node:fs/promises';
import {builtinModules} from 'node:module';
import {join} from 'node:path';
import {test} from 'node:test';
import {fileURLToPath} from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

async function sourceFiles(dir: string): Promise<string[]> {
	const entries = await readdir(dir, {withFileTypes: true});
	const nested = await Promise.all(entries.map((e) => (e.isDirectory() ? sourceFiles(join(dir, e.name)) : Promise.resolve(/\.tsx?$/.test(e.name) ? [join(dir, e.name)] : []))));
	return nested.flat();
}

test('the runtime dependencies are exactly the packages src/ imports', async () => {
	const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as {dependencies: Record<string, string>; devDependencies: Record<string, string>};
	const imported = new Set<string>();
	for (const file of await sourceFiles(join(ROOT, 'src'))) {
		const text = await readFile(file, 'utf8');
		// `} from 'pkg';` ends every static import/export line; import('pkg') and bare `import 'pkg';` too.
		for (const m of text.matchAll(/(?:^\s*}?[^'"\n]*\bfrom\s+|^\s*import\s+|\bimport\(\s*)['"]([^'".][^'"]*)['"]\)?;?\s*$/gm)) {
			const spec = m[1] ?? '';
			if (spec.startsWith('node:') || builtinModules.includes(spec)) continue;
			imported.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0] ?? spec);
		}
	}
	// Type-only packages (@types/…) are never imported by name at run time.
	const runtime = new Set(Object.keys(pkg.dependencies));
	assert.deepEqual([...imported].filter((p) => !runtime.has(p) && !p.startsWith('@types/')).sort(), [], 'imported by src/ but not a dependency');
	assert.deepEqual([...runtime].filter((p) => !imported.has(p)).sort(), [], 'a dependency that src/ never imports (belongs in devDependencies)');
	assert.ok(pkg.devDependencies['postal-mime'], 'postal-mime is a test-only dependency');
});

test('LICENSE holds the MIT licence package.json names, and the build emits no source maps or declarations', async () => {
	const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as {license: string};
	assert.equal(pkg.license, 'MIT');
	const license = await readFile(join(ROOT, 'LICENSE'), 'utf8');
	assert.match(license, /^MIT License\n\nCopyright \(c\) 2026 the mailshift authors\n/);
	const build = (await readFile(join(ROOT, 'tsconfig.build.json'), 'utf8')).replace(/^\s*\/\/.*$/gm, '');
	const options = (JSON.parse(build) as {compilerOptions: Record<string, unknown>}).compilerOptions;
	assert.equal(options['sourceMap'], false);
	assert.equal(options['declaration'], false);
});
