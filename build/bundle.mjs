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
import {readFileSync, rmSync, writeFileSync} from 'node:fs';
import {fileURLToPath} from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8'));
const BUNDLED = new Set(['yargs', 'p-queue']);

/**
 * string-width and wrap-ansi (yargs lays out its help with them) each make an Intl.Segmenter when loaded: ~8 ms
 * of every start apiece (ICU's break iterator), for help text that is plain ASCII (test/cli/cli-conventions.test.ts),
 * which their fast paths measure without one. Here it is made on first use. The build fails if either changes shape.
 */
const lazySegmenter = {
	name: 'lazy-segmenter',
	setup(bundler) {
		bundler.onLoad({filter: /[\\/](string-width|wrap-ansi)[\\/]index\.js$/}, (args) => {
			const text = readFileSync(args.path, 'utf8');
			const eager = 'const segmenter = new Intl.Segmenter();';
			if (text.split(eager).length !== 2 || (text.match(/segmenter\./g) ?? []).length !== 1) {
				throw new Error(`${args.path} no longer makes its Intl.Segmenter as build/bundle.mjs expects: update the lazy-segmenter plugin`);
			}
			return {contents: text.replace(eager, 'let made;\nconst segmenter = {segment: (string) => (made ??= new Intl.Segmenter()).segment(string)};'), loader: 'js'};
		});
	},
};

// A fresh directory: chunk names are content hashes, so a rebuild would otherwise leave the old ones beside.
rmSync(`${root}dist/bundle`, {recursive: true, force: true});
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
	// Node 20's V8 has RegExp set notation (the /v flag); unsaid, esbuild turns such literals into `new RegExp(…)`,
	// which compiles at load where a literal compiles at first use: string-width's emoji pattern, 13 ms of every start.
	supported: {'regexp-set-notation': true, 'regexp-unicode-property-escapes': true},
	external: Object.keys(pkg.dependencies).filter((name) => !BUNDLED.has(name)),
	plugins: [lazySegmenter],
	metafile: true,
	logLevel: 'warning',
});
writeFileSync(`${root}dist/bundle-meta.json`, JSON.stringify(result.metafile));
