/**
 * Start-up (issue #14): `mailshift --help`, `--version` and a command's --help load yargs and the option
 * tables only — never ink/React (the TUI), imapflow, SQLite, the PST/OST worker or the readers, which a command
 * imports when it runs. Checked by what the built CLI actually imports (a module resolve hook, registered with
 * node:module's register(), and CommonJS's resolver append every resolved URL to a file), not by timing on a
 * shared machine. The CLI runs bundled (build/bundle.mjs): a file of the bundle stands for the modules the
 * bundler put in it (dist/bundle-meta.json), all of which run when it is loaded.
 */
import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {mkdir, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import {createServer} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath, pathToFileURL} from 'node:url';
import {after, before, describe, test} from 'node:test';

const BIN = fileURLToPath(new URL('../../bin/mailshift.js', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The URLs of the modules in each file of the bundle (esbuild's metafile: outputs → inputs, paths from ROOT). */
async function bundleContents(): Promise<Map<string, string[]>> {
	const meta = JSON.parse(await readFile(join(ROOT, 'dist/bundle-meta.json'), 'utf8')) as {outputs: Record<string, {inputs: Record<string, unknown>}>};
	return new Map(Object.entries(meta.outputs).map(([file, output]) => [pathToFileURL(join(ROOT, file)).href, Object.keys(output.inputs).map((input) => pathToFileURL(join(ROOT, input)).href)]));
}

/** Packages (and our own heavy modules) a help path must not import. */
const FORBIDDEN = [/\/node_modules\/(ink|react|@inkjs|imapflow|better-sqlite3|pst-extractor|@kenjiuno|iconv-lite|p-queue)\//, /\/dist\/(tui|readers|uploader|journal|core\/engine|backup|batch)\//];

describe('start-up of the CLI', () => {
	let dir: string;
	let register: string;
	before(async () => {
		dir = await mkdtemp(join(tmpdir(), 'ms-startup-'));
		const hooks = join(dir, 'hooks.mjs');
		await writeFile(hooks, "import {appendFileSync} from 'node:fs';\nexport async function resolve(specifier, context, next) {\n\tconst result = await next(specifier, context);\n\tappendFileSync(process.env.MS_IMPORT_LOG, result.url + '\\n');\n\treturn result;\n}\n");
		register = join(dir, 'register.mjs');
		// `require` (imapflow is loaded with it: src/uploader/imapflow-class.ts) is seen through CommonJS's resolver.
		await writeFile(register, [
			"import {appendFileSync} from 'node:fs';",
			"import Module, {register} from 'node:module';",
			"import {pathToFileURL} from 'node:url';",
			`register(${JSON.stringify(pathToFileURL(hooks).href)});`,
			'const resolveFilename = Module._resolveFilename;',
			'Module._resolveFilename = function (...args) {',
			'\tconst file = resolveFilename.apply(this, args);',
			"\tif (file.startsWith('/')) appendFileSync(process.env.MS_IMPORT_LOG, pathToFileURL(file).href + '\\n');",
			'\treturn file;',
			'};',
			'',
		].join('\n'));
	});
	after(async () => rm(dir, {recursive: true, force: true}));

	/** Runs the built CLI with the hook; resolves to its exit code, stdout and the URLs it imported. */
	const importsOf = (args: readonly string[], name: string, stderr: 'inherit' | 'ignore' = 'inherit'): Promise<{code: number | null; stdout: string; urls: string[]}> => new Promise((resolve, reject) => {
		const log = join(dir, `${name}.log`);
		const child = spawn(process.execPath, ['--import', pathToFileURL(register).href, BIN, ...args], {env: {...process.env, MS_IMPORT_LOG: log, MAILSHIFT_PASSWORD: 'unused'}, stdio: ['ignore', 'pipe', stderr]});
		let stdout = '';
		child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
		child.on('error', reject);
		child.on('close', (code) => {
			Promise.all([readFile(log, 'utf8'), bundleContents()]).then(([text, bundle]) => {
				const loaded = text.split('\n').filter(Boolean);
				assert.ok(loaded.some((u) => bundle.has(u)), 'the CLI ran from the bundle');
				resolve({code, stdout, urls: loaded.flatMap((u) => bundle.get(u) ?? [u])});
			}).catch(reject);
		});
	});

	for (const [name, args] of [['help', ['--help']], ['version', ['--version']], ['migrate-help', ['migrate', '--help']], ['backup-help', ['backup', '--help']]] as const) {
		test(`mailshift ${args.join(' ')} imports neither the TUI, imapflow, SQLite nor the readers`, async () => {
			const run = await importsOf(args, name);
			assert.equal(run.code, 0);
			assert.ok(run.stdout.length > 0, 'it printed something');
			// The hook sees package imports at all (else the check below could not fail).
			assert.ok(run.urls.some((u) => u.includes('/node_modules/yargs/')), 'the resolve hook recorded yargs');
			const heavy = run.urls.filter((u) => FORBIDDEN.some((re) => re.test(u)));
			assert.deepEqual(heavy, []);
		});
	}

	/**
	 * What a plain Maildir migration must not load (issue #14, memory: each is megabytes of a process that has
	 * 150 MB in all): the TUI (React, ink), the .msg reader (msgreader and the PST code pages), the PST
	 * library, the backup engine and the Sieve rules; and no other store kind's reader (the PST, OLM, Apple Mail,
	 * .eml, Outlook Express, mbox and POP3 readers: readers/open-source.ts imports them when detected or chosen).
	 */
	const NOT_FOR_MAILDIR = [/\/node_modules\/(ink|react|@inkjs|pst-extractor|@kenjiuno)\//, /\/dist\/(tui|rules)\//, /\/dist\/(backup\/backup-engine|app\/migrate-rules|cli\/run-rules|readers\/eml\/msg-file)\.js$/,
		/\/dist\/readers\/(pst|olm|apple-mail|eml|dbx|mbox)\//, /\/dist\/readers\/pop3\/pop3-(store|client)\.js$/];

	/** A Maildir of one message, and a loopback port nothing listens on. */
	const maildirAndClosedPort = async (): Promise<{maildir: string; port: number}> => {
		const maildir = join(dir, 'Maildir');
		for (const sub of ['cur', 'new', 'tmp']) await mkdir(join(maildir, sub), {recursive: true});
		await writeFile(join(maildir, 'cur', '1700000000.1.host:2,S'), 'From: a@example.com\nTo: b@example.com\nSubject: hi\nDate: Tue, 14 Nov 2023 22:13:20 +0000\nMessage-ID: <startup@example.com>\n\nhello\n');
		const server = createServer();
		const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as {port: number}).port)));
		await new Promise<void>((resolve) => server.close(() => resolve()));
		return {maildir, port};
	};

	test('a plain Maildir dry run imports neither imapflow, the TUI, another store kind\'s reader, the backup engine nor the rules', async () => {
		const {maildir} = await maildirAndClosedPort();
		const run = await importsOf(['migrate', maildir, '--dry-run', '--plain', '--stats', '0', '--journal', join(dir, 'dry.sqlite')], 'maildir-dry');
		assert.equal(run.code, 0);
		assert.ok(run.urls.some((u) => u.includes('/dist/readers/maildir/maildir-store.js')), 'the Maildir reader was imported');
		const heavy = run.urls.filter((u) => u.includes('/node_modules/imapflow/') || NOT_FOR_MAILDIR.some((re) => re.test(u)));
		assert.deepEqual(heavy, []);
	});

	test('a plain Maildir upload imports imapflow\'s CommonJS build only, but neither the TUI, another store kind\'s reader, the backup engine nor the rules', async () => {
		const {maildir, port} = await maildirAndClosedPort();
		// Nothing listens on the port: the run ends at its connection, after it loaded what an upload loads.
		const run = await importsOf(['migrate', maildir, '--to', `imap://someone@127.0.0.1:${port}`, '--plain', '--stats', '0', '--journal', join(dir, 'up.sqlite')], 'maildir-upload', 'ignore');
		assert.notEqual(run.code, 0);
		assert.ok(run.urls.some((u) => u.includes('/node_modules/imapflow/')), 'imapflow was imported to connect');
		// One copy, the CommonJS build (src/uploader/imapflow-class.ts: the ES build takes ~twice as long to load).
		assert.deepEqual(run.urls.filter((u) => u.includes('/node_modules/imapflow/dist/esm/')), []);
		const heavy = run.urls.filter((u) => NOT_FOR_MAILDIR.some((re) => re.test(u)));
		assert.deepEqual(heavy, []);
	});

	test('loading the bundle makes no Intl.Segmenter and compiles no Unicode-property pattern (build/bundle.mjs: ~20 ms of every start)', async () => {
		const meta = JSON.parse(await readFile(join(ROOT, 'dist/bundle-meta.json'), 'utf8')) as {outputs: Record<string, unknown>};
		const files = Object.keys(meta.outputs).filter((file) => file.endsWith('.js'));
		assert.ok(files.length > 3, files.join(', '));
		for (const file of files) {
			const code = await readFile(join(ROOT, file), 'utf8');
			assert.doesNotMatch(code, /^(var|const|let) \w+ = new Intl\.Segmenter\(/m, `${file} makes a segmenter when loaded`);
			assert.doesNotMatch(code, /new RegExp\([^)]*\\\\p\{/, `${file} compiles a \\p{…} pattern when loaded`);
		}
	});

	test('a command that runs still loads what it needs (the hook sees lazy imports too)', async () => {
		const run = await importsOf(['status', join(dir, 'no-such-store')], 'status');
		assert.notEqual(run.code, 0);
		assert.ok(run.urls.some((u) => u.includes('/dist/cli/run-status.js')), 'run-status.js was imported by its handler');
	});
});
