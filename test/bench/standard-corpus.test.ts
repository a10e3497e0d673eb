/**
 * bench/standard-corpus.ts writes the bytes ../shared/tools/gen-corpus.mjs writes (issue #14's standard corpus).
 * Pinned twice: by digests taken from gen-corpus.mjs itself (constants below: the test needs no ../shared), and,
 * when ../shared/tools/gen-corpus.mjs is there, by running it next to the port and comparing every file.
 */
import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import {createHash} from 'node:crypto';
import {existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join, resolve} from 'node:path';
import {after, test} from 'node:test';
import {fileURLToPath} from 'node:url';
import {writeStandardCorpus} from '../../bench/standard-corpus.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const GEN_CORPUS = resolve(repoRoot, '../shared/tools/gen-corpus.mjs');
const work = mkdtempSync(join(tmpdir(), 'mailshift-standard-corpus-'));
after(() => rmSync(work, {recursive: true, force: true}));

/** Every regular file under `root`, as "./relative/path", sorted by bytes (LC_ALL=C). */
function filesUnder(root: string): string[] {
	return readdirSync(root, {recursive: true, encoding: 'utf8'})
		.filter((rel) => statSync(join(root, rel)).isFile())
		.map((rel) => `./${rel}`)
		.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

/**
 * The digest `cd ROOT && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum` prints:
 * sha256 over one `sha256sum` line ("<hex>  ./path\n") per file, in byte order of the paths.
 */
function treeDigest(root: string, keep: (path: string) => boolean = () => true): string {
	const all = createHash('sha256');
	for (const rel of filesUnder(root).filter(keep)) all.update(`${createHash('sha256').update(readFileSync(join(root, rel))).digest('hex')}  ${rel}\n`);
	return all.digest('hex');
}

// Taken from gen-corpus.mjs (../shared/tools, 2026-12-06), not from the port. To re-derive one:
//   node ../shared/tools/gen-corpus.mjs --out /tmp/c --n 50 --seed 1   (plus the options of the row)
//   cd /tmp/c && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum
// The 50 messages of seed 1 hold every kind: 39 of 2–20 KB, 7 of 20–100 KB, 3 of 0.1–1 MB, one of 1–5 MB.
const PINNED: ReadonlyArray<Readonly<{what: string; args: readonly string[]; options: Parameters<typeof writeStandardCorpus>[1]; digest: string}>> = [
	{what: 'the standard corpus\'s first 50 messages (seed 1, default mix)', args: ['--n', '50', '--seed', '1'], options: {messages: 50, seed: 1}, digest: '96a685d196b368bcfc1d0ba9bd56669eba2104c5313623373fc1ad4e77c36a35'},
	{what: 'the no-op re-run\'s small-only mix (seed 21, --big-pct 0 --mid-pct 0), 100 messages', args: ['--n', '100', '--seed', '21', '--big-pct', '0', '--mid-pct', '0'], options: {messages: 100, seed: 21, bigPct: 0, midPct: 0}, digest: 'ddaeeda3f997ac6c57af0bc4365e988c40e665d888fdb6c57ad3d664704d9fe7'},
];

for (const pinned of PINNED) {
	test(`Given ${pinned.what}, when the project writes it, then every file is the bytes gen-corpus.mjs writes (its digest)`, () => {
		// When
		const corpus = writeStandardCorpus(join(work, `pinned-${pinned.options?.seed}`), pinned.options);

		// Then
		assert.equal(treeDigest(corpus.root), pinned.digest);
	});
}

test('Given a written corpus, when its message files are listed, then each has its manifest date as its mtime and the manifest names every file once', () => {
	// Given
	const corpus = writeStandardCorpus(join(work, 'mtimes'), {messages: 50, seed: 1, mbox: false});
	const manifest = readFileSync(join(corpus.root, 'manifest.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as {file: string; date: string});

	// When
	const messageFiles = filesUnder(corpus.maildir).filter((rel) => /\/(cur|new)\/[^/]+$/.test(rel));

	// Then
	assert.equal(manifest.length, 50);
	assert.deepEqual(manifest.map((m) => `./${m.file}`).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))), messageFiles);
	for (const m of manifest) assert.equal(statSync(join(corpus.maildir, m.file)).mtimeMs, Date.parse(m.date), m.file);
});

test('Given mbox: false, when the corpus is written, then the Maildir, manifest and summary are the same bytes as with the mbox, and no mbox file is written', () => {
	// When
	const withMbox = writeStandardCorpus(join(work, 'with-mbox'), {messages: 50, seed: 1});
	const without = writeStandardCorpus(join(work, 'without-mbox'), {messages: 50, seed: 1, mbox: false});

	// Then
	const notMbox = (rel: string): boolean => !rel.startsWith('./mbox/');
	assert.equal(treeDigest(without.root), treeDigest(withMbox.root, notMbox));
	assert.deepEqual(filesUnder(without.mbox), []);
	assert.notDeepEqual(filesUnder(withMbox.mbox), []);
});

test('Given a non-empty output directory, when the corpus is written without force, then it throws naming the directory and keeps its files', () => {
	// Given
	const out = join(work, 'occupied');
	writeStandardCorpus(out, {messages: 1, seed: 5});
	writeFileSync(join(out, 'mine.txt'), 'keep me');

	// When / Then
	assert.throws(() => writeStandardCorpus(out, {messages: 1, seed: 5}), (error: Error) => error.message.includes(out) && error.message.includes('force'));
	assert.equal(readFileSync(join(out, 'mine.txt'), 'utf8'), 'keep me');
	writeStandardCorpus(out, {messages: 1, seed: 5, force: true});
	assert.equal(existsSync(join(out, 'mine.txt')), false);
});

test('Given ../shared/tools/gen-corpus.mjs, when it and the project write the same options, then both trees have the same files, bytes and message mtimes', (t) => {
	if (!existsSync(GEN_CORPUS)) {
		const reason = `${GEN_CORPUS} not found (the shared tools are not checked out here); the pinned digests above still hold`;
		console.log(`skipping: ${reason}`);
		t.skip(reason);
		return;
	}
	const cases: ReadonlyArray<readonly [readonly string[], Parameters<typeof writeStandardCorpus>[1]]> = [
		[['--n', '50', '--seed', '1'], {messages: 50, seed: 1}],
		[['--n', '300', '--seed', '2'], {messages: 300, seed: 2}],
		[['--n', '200', '--seed', '21', '--big-pct', '0', '--mid-pct', '0'], {messages: 200, seed: 21, bigPct: 0, midPct: 0}],
		[['--n', '60', '--seed', '3', '--exotic', '--max-big-mb', '1', '--big-pct', '30', '--mid-pct', '30'], {messages: 60, seed: 3, exotic: true, maxBigMb: 1, bigPct: 30, midPct: 30}],
		...PINNED.map((pinned) => [pinned.args, pinned.options] as const),
	];
	for (const [k, [args, options]] of cases.entries()) {
		// Given
		const theirs = join(work, `gen-corpus-${k}`);
		execFileSync(process.execPath, [GEN_CORPUS, '--out', theirs, ...args], {stdio: 'ignore'});

		// When
		const ours = writeStandardCorpus(join(work, `port-${k}`), options);

		// Then
		const files = filesUnder(theirs);
		assert.deepEqual(filesUnder(ours.root), files, args.join(' '));
		for (const rel of files) {
			assert.ok(readFileSync(join(ours.root, rel)).equals(readFileSync(join(theirs, rel))), `${args.join(' ')}: ${rel} differs`);
			if (/^\.\/maildir\/(.*\/)?(cur|new)\//.test(rel)) assert.equal(statSync(join(ours.root, rel)).mtimeMs, statSync(join(theirs, rel)).mtimeMs, rel);
		}
		const pinned = PINNED.find((p) => p.args === args);
		if (pinned) assert.equal(treeDigest(theirs), pinned.digest, `gen-corpus.mjs ${args.join(' ')} no longer gives the pinned digest: re-derive it`);
	}
});
