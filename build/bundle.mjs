// Build step after `tsc` (issue #14, start-up): bundles the compiled dist/ into dist/bundle/ with esbuild, the
// files `bin/mailshift.js` runs. Node 20 loads ES modules one file at a time (resolve, read, compile, link):
// ~130 of them for an upload — our ~90 and yargs' ~45 — cost ~80 ms of every start (a no-op re-run 0.69 → 0.61 s,
// `--help` 0.27 → 0.21 s, measured interleaved). Bundled, they are a few files; what a command imports with
// `import()` stays in chunks of its own (code splitting), so `--help` still loads no command's code
// (test/cli/startup.test.ts reads dist/bundle-meta.json to see which modules each loaded file holds).
//
// Bundled: our code, yargs (and what it imports) and p-queue. Every other dependency stays an import of the
// installed package: CommonJS ones are `require`d on purpose (uploader/imapflow-class.ts, journal/sqlite-journal.ts),
// the PST/OST reader's worker and the TUI load theirs only when used. Entry names are flat ([name]) because
// readers/pst/pst-store.ts starts its worker as `./worker.js` next to its own module, wherever the bundler put it.
import {build} from 'esbuild';
import {readFileSync, writeFileSync} from 'node:fs';
import {fileURLToPath} from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8'));
const BUNDLED = new Set(['yargs', 'p-queue']);

const result = await build({
	absWorkingDir: root,
	entryPoints: ['dist/cli/main.js', 'dist/cli/young-generation.js', 'dist/readers/pst/worker.js'],
	outdir: 'dist/bundle',
	entryNames: '[name]',
	chunkNames: 'chunk-[hash]',
	bundle: true,
	splitting: true,
	format: 'esm',
	platform: 'node',
	target: 'node20',
	external: Object.keys(pkg.dependencies).filter((name) => !BUNDLED.has(name)),
	metafile: true,
	logLevel: 'warning',
});
writeFileSync(`${root}dist/bundle-meta.json`, JSON.stringify(result.metafile));
