/**
 * What users of rclone, restic and npm expect of a CLI: per-command help with only that command's options,
 * exit codes and environment in --help, shell completion, "did you mean", every option from MAILSHIFT_<OPTION>
 * and a config file (command line > environment > config file > default), secrets never from a config file,
 * and one JSON schema for --json and --report. Help and completion go through the built CLI (yargs prints
 * them on the process's stdout); the rest runs main() in-process on a small Maildir, offline (dry run).
 */
import assert from 'node:assert/strict';
import {mkdir, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, test} from 'node:test';
import {EXIT_CODE_DESCRIPTIONS} from '../../src/contracts/exit-codes.js';
import {editDistance} from '../../src/cli/main.js';
import {argsFromSources, envNameOf} from '../../src/cli/option-sources.js';
import {MIGRATE_OPTIONS, VERIFY_OPTIONS} from '../../src/cli/options.js';
import {runCli} from '../helpers/run-cli.js';
import {runMain} from '../helpers/run-main.js';

type Run = Readonly<{code: number; stdout: string; stderr: string}>;

describe('CLI conventions', () => {
	let dir: string;
	let store: string;
	before(async () => {
		dir = await mkdtemp(join(tmpdir(), 'ms-conventions-'));
		store = join(dir, 'Maildir');
		for (const sub of ['cur', 'new', 'tmp']) await mkdir(join(store, sub), {recursive: true});
		await writeFile(join(store, 'cur', '1.M1.h:2,S'), 'Subject: one\nMessage-ID: <one@conv.test>\nDate: Mon, 2 Mar 2009 08:00:00 +0000\n\nhi\n');
	});
	after(async () => rm(dir, {recursive: true, force: true}));

	const cli = (args: readonly string[], env: Record<string, string> = {}): Promise<Run> => runMain(args, {XDG_STATE_HOME: join(dir, 'state'), ...env});
	const summaryOf = (run: Run): Record<string, unknown> => JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, unknown>;
	const mailboxOf = (run: Run): unknown => (summaryOf(run)['folders'] as Array<{mailbox: string}>)[0]?.mailbox;

	test('verify --help lists verify\'s own options and none of the upload options it would ignore', async () => {
		const help = await runCli(['verify', '--help']);
		assert.equal(help.code, 0, help.stderr);
		for (const option of Object.keys(VERIFY_OPTIONS)) assert.match(help.stdout, new RegExp(`--${option}\\b`), option);
		for (const option of ['connections', 'max-rate', 'bwlimit', 'dry-run', 'journal', 'batch-size', 'batch-bytes', 'multiappend', 'backup', 'plain', 'stats']) {
			assert.doesNotMatch(help.stdout, new RegExp(`--${option}\\b`), `verify --help does not list --${option}`);
		}
	});

	test('--help, and each command\'s --help, end with every exit code and the environment variables mailshift reads', async () => {
		for (const args of [['--help'], ['migrate', '--help'], ['batch', '--help']]) {
			const help = await runCli(args);
			assert.equal(help.code, 0, help.stderr);
			const flat = help.stdout.replace(/\s+/g, ' ');
			for (const [code, text] of Object.entries(EXIT_CODE_DESCRIPTIONS)) assert.ok(flat.includes(`${code} ${text.replace(/\s+/g, ' ')}`), `exit code ${code} in ${args.join(' ')}`);
			for (const name of ['MAILSHIFT_PASSWORD', 'MAILSHIFT_OAUTH_TOKEN', 'MAILSHIFT_<OPTION>', 'MAILSHIFT_CONFIG']) assert.ok(flat.includes(name), `${name} in ${args.join(' ')}`);
		}
	});

	test('--help and every command\'s --help are plain ASCII (the width of a non-ASCII line costs a Unicode segmenter and an emoji regex, ~30 ms of a start-up that has 250: issue #14)', async () => {
		const top = await runCli(['--help']);
		assert.equal(top.code, 0, top.stderr);
		const commands = [...top.stdout.matchAll(/^ {2}mailshift (\w+)/gm)].map((m) => m[1]!);
		assert.ok(commands.includes('migrate') && commands.includes('rules'), `the commands were found in --help: ${commands.join(', ')}`);
		for (const [args, text] of [[['--help'], top.stdout] as const, ...await Promise.all(commands.map(async (command) => [[command, '--help'], (await runCli([command, '--help'])).stdout] as const))]) {
			const line = text.split('\n').find((l) => /[^\x20-\x7e]/.test(l));
			assert.equal(line, undefined, `mailshift ${args.join(' ')} has a non-ASCII line`);
		}
	});

	test('mailshift completion prints a shell completion script and exits 0 without starting the guided mode', async () => {
		const run = await runCli(['completion']);
		assert.equal(run.code, 0, run.stderr);
		assert.match(run.stdout, /_mailshift_yargs_completions/);
		assert.equal(run.stderr, '');
		const words = await runCli(['--get-yargs-completions', 'mailshift', 'ver']);
		assert.match(words.stdout, /^verify$/m);
	});

	test('a mistyped command exits 2 and suggests the command meant', async () => {
		const run = await cli(['migrat', store]);
		assert.equal(run.code, 2);
		assert.match(run.stderr, /"migrat" is not a mailshift command\.\n {2}Did you mean mailshift migrate\?/);
		assert.match((await cli(['veirfy', store])).stderr, /Did you mean mailshift verify\?/);
		assert.equal(editDistance('batc', 'batch'), 1);
		const extra = await cli(['migrate', store, join(dir, 'other-store'), '--dry-run', '--stats', '0']);
		assert.equal(extra.code, 2, 'an extra argument is an error, not silently ignored');
		assert.match(extra.stderr, /Unknown argument: .*other-store/);
	});

	test('every option can come from MAILSHIFT_<OPTION>; the command line wins over it, and other commands\' variables are ignored', async () => {
		const env = {MAILSHIFT_DRY_RUN: 'true', MAILSHIFT_PREFIX: 'FromEnv', MAILSHIFT_JSON: '1', MAILSHIFT_STATS: '0', MAILSHIFT_PARALLEL: '3', MAILSHIFT_PASSWORD: 'not-an-option'};
		const fromEnv = await cli(['migrate', store], env);
		assert.equal(fromEnv.code, 0, fromEnv.stderr);
		assert.equal(mailboxOf(fromEnv), 'FromEnv/INBOX');
		assert.equal(summaryOf(fromEnv)['dryRun'], true);
		const argvWins = await cli(['migrate', store, '--prefix', 'FromArgv'], env);
		assert.equal(mailboxOf(argvWins), 'FromArgv/INBOX');
		const bad = await cli(['migrate', store], {...env, MAILSHIFT_CONNECTIONS: '99'});
		assert.equal(bad.code, 2);
		assert.match(bad.stderr, /--connections 99 is out of range/);
		for (const option of Object.keys(MIGRATE_OPTIONS)) assert.match(envNameOf(option), /^MAILSHIFT_[A-Z_]+$/);
	});

	test('a --config file sets options below the environment; a secret or an unknown key in it is refused', async () => {
		const config = join(dir, 'mailshift.json');
		await writeFile(config, JSON.stringify({'dry-run': true, prefix: 'FromConfig', json: true, stats: 0, exclude: ['Spam', 'Junk'], parallel: 4}));
		const fromConfig = await cli(['migrate', store, '--config', config]);
		assert.equal(fromConfig.code, 0, fromConfig.stderr);
		assert.equal(mailboxOf(fromConfig), 'FromConfig/INBOX');
		assert.equal(mailboxOf(await cli(['migrate', store], {MAILSHIFT_CONFIG: config, MAILSHIFT_PREFIX: 'FromEnv'})), 'FromEnv/INBOX');
		await writeFile(join(dir, 'secret.json'), JSON.stringify({password: 'hunter2'}));
		const secret = await cli(['migrate', store, '--config', join(dir, 'secret.json')]);
		assert.equal(secret.code, 2);
		assert.match(secret.stderr, /holds a "password": secrets are never read from the config file/);
		assert.doesNotMatch(secret.stderr, /hunter2/);
		await writeFile(join(dir, 'typo.json'), JSON.stringify({conections: 2}));
		assert.match((await cli(['migrate', store, '--config', join(dir, 'typo.json')])).stderr, /unknown option "conections"/);
	});

	test('argsFromSources: booleans, lists and the --no- form count as given on the command line', () => {
		assert.deepEqual(argsFromSources(['--no-verify'], MIGRATE_OPTIONS, {MAILSHIFT_VERIFY: 'true', MAILSHIFT_MAP: 'A=B'}), ['--map', 'A=B']);
		assert.deepEqual(argsFromSources(['-n'], MIGRATE_OPTIONS, {MAILSHIFT_DRY_RUN: 'false'}), []);
		assert.deepEqual(argsFromSources([], MIGRATE_OPTIONS, {MAILSHIFT_INSECURE: ''}, {insecure: true}), ['--insecure'], 'an empty variable is unset');
		assert.throws(() => argsFromSources([], MIGRATE_OPTIONS, {MAILSHIFT_PLAIN: 'maybe'}), /MAILSHIFT_PLAIN: "maybe" is not true or false/);
	});

	test('the --json summary line and the --report file are the same object, with schemaVersion, version and the verify result', async () => {
		const report = join(dir, 'report.json');
		const run = await cli(['migrate', store, '--dry-run', '--json', '--stats', '0', '--report', report]);
		assert.equal(run.code, 0, run.stderr);
		const {type, ...summary} = summaryOf(run);
		assert.equal(type, 'summary');
		assert.deepEqual(summary, JSON.parse(await readFile(report, 'utf8')));
		assert.equal(summary['schemaVersion'], 2);
		assert.match(String(summary['version']), /^\d+\.\d+\.\d+/);
		assert.deepEqual(Object.keys(summary).filter((k) => /NotListed|fatal|verify/.test(k)).sort(), ['fatalError', 'problemsNotListed', 'skippedNotListed', 'verify']);
	});

	test('--batch-bytes takes a SIZE like --bwlimit', async () => {
		assert.equal((await cli(['migrate', store, '--dry-run', '--stats', '0', '--batch-bytes', '50M'])).code, 0);
		const bad = await cli(['migrate', store, '--dry-run', '--stats', '0', '--batch-bytes', 'lots']);
		assert.equal(bad.code, 2);
		assert.match(bad.stderr, /--batch-bytes lots is not a size/);
	});
});
