/**
 * The SourceStore conformance suite (issue #13; rclone's `fstests` is the model): the same contract tests, run
 * over any reader, so a new store kind gets them by adding one fixture to conformance.test.ts. The contract is
 * the doc comment of src/contracts/source-store.ts; each test below checks one sentence of it:
 * - listFolders is side-effect free and stable: two opens list the same folder paths in the same order, every
 *   path is non-empty, a count (when given) equals the number of messages read, and reading changes no file;
 * - keys are stable and unique: two full reads of an unchanged store give the same (folder, key) list in the
 *   same order, no key twice in a folder; every message has content (a non-mail item may not), a location and
 *   valid IMAP flag atoms;
 * - aborting the signal during `messages()` ends iteration (an ABORTED MailshiftError or a plain return) with no
 *   further message — counted, not timed;
 * - a corrupt copy of the store gives a MailshiftError with a code and a hint naming the path at open or
 *   listFolders, or per-message `onProblem` reports — never another error and never a hang (the test's timeout
 *   turns a hang into a failure);
 * - close() is idempotent;
 * - read for an upload (`crlf`), the same messages come with CRLF lines, and `isCrlf` is only set on messages
 *   with no bare LF (the mapper sends those as they are).
 * Bounded memory is NOT checked here: a memory bound needs a large store and a timed or sampled measurement,
 * which a conformance run on a shared machine cannot make reliable; `npm run bench:pst` and the reader
 * benchmarks cover it.
 */
import assert from 'node:assert/strict';
import {promises as fs} from 'node:fs';
import {join} from 'node:path';
import {after, before, describe, test} from 'node:test';

import {MailshiftError} from '../../src/contracts/errors.js';
import type {SourceMessage} from '../../src/contracts/types.js';
import type {ReaderOptions, ReaderProblem, SourceFolder, SourceStore} from '../../src/contracts/source-store.js';
import {folderLabel} from '../../src/contracts/source-store.js';
import {findBareLfs, toCrlf} from '../../src/mapper/normalize.js';

/** The contract checks, by name: a fixture marks one as `todo` with the reason when its reader fails it. */
export type ConformanceCheck = 'folders' | 'keys' | 'abort' | 'corrupt' | 'close';

export type CorruptStore = Readonly<{
	/** Opens the damaged copy (the options carry `onProblem`). */
	open: (options: ReaderOptions) => Promise<SourceStore>;
	/** The damaged file or folder: a thrown error's message or hint, or a reported problem, must name it. */
	path: string;
	/** What was done to it, for the test name. */
	damage: string;
}>;

export type StoreFixture = Readonly<{
	/** Opens the intact store; every call returns a new instance over the same unchanged data. */
	open: (options?: ReaderOptions) => Promise<SourceStore>;
	/** Files whose bytes and times must be unchanged after listing and reading (absent for a server). */
	files?: string;
	/** Builds a damaged copy; undefined when the kind has no file to damage (the reason is printed). */
	corrupt?: () => Promise<CorruptStore>;
	/** Why the corrupt check does not apply, when `corrupt` is undefined. */
	noCorruptReason?: string;
}>;

export type ConformanceOptions = Readonly<{
	/** Skips the whole kind, with this reason printed (a server that is not installed). */
	skip?: string;
	/** Checks this reader fails today, with the reason (shown as node:test todo, not hidden). */
	todo?: Partial<Record<ConformanceCheck, string>>;
}>;

/** RFC 3501 §9: flag = "\Answered" / "\Flagged" / "\Deleted" / "\Seen" / "\Draft" / flag-keyword (an atom). */
const FLAG = /^(\\(Answered|Flagged|Deleted|Seen|Draft)|[^(){ %*"\\\]\x00-\x20\x7f-\uffff]+)$/u;

/** A hang in a reader fails the test instead of stalling the run; generous for a loaded 2-core machine. */
const TIMEOUT_MS = 120_000;

type ReadResult = {folders: SourceFolder[]; refs: string[]; counts: Map<string, number>; problems: ReaderProblem[]};

async function readStore(store: SourceStore, problems: ReaderProblem[], check: (folder: SourceFolder, message: SourceMessage) => void = () => undefined): Promise<ReadResult> {
	const folders = await store.listFolders();
	const refs: string[] = [];
	const counts = new Map<string, number>();
	for (const folder of folders) {
		let count = 0;
		for await (const message of store.messages(folder)) {
			check(folder, message);
			refs.push(`${message.ref.folder}\u0000${message.ref.key}`);
			count++;
		}
		counts.set(folderLabel(folder.path), count);
	}
	return {folders, refs, counts, problems};
}

async function withStore<T>(open: Promise<SourceStore>, use: (store: SourceStore) => Promise<T>): Promise<T> {
	const store = await open;
	try {
		return await use(store);
	} finally {
		await store.close();
	}
}

/** Path → size and mtime of every entry below `root` (or of `root` itself when it is a file). */
async function snapshot(root: string): Promise<Map<string, string>> {
	const out = new Map<string, string>();
	const visit = async (path: string): Promise<void> => {
		const stat = await fs.lstat(path);
		out.set(path, `${stat.size}:${stat.mtimeMs}:${stat.mode}`);
		if (stat.isDirectory()) for (const name of (await fs.readdir(path)).sort()) await visit(join(path, name));
	};
	await visit(root);
	return out;
}

function named(error: MailshiftError, path: string): boolean {
	return `${error.message}\n${error.hint ?? ''}`.includes(path);
}

/**
 * Registers the conformance tests for one store kind under `describe(kind)`. `setup` builds the fixture once,
 * before the tests; its `cleanup` runs after them.
 */
export function sourceStoreConformance(kind: string, setup: () => Promise<{fixture: StoreFixture; cleanup: () => Promise<void>}>, options: ConformanceOptions = {}): void {
	describe(`${kind} store conformance`, options.skip === undefined ? {} : {skip: options.skip}, () => {
		let fixture: StoreFixture;
		let cleanup: () => Promise<void> = async () => undefined;
		before(async () => {
			({fixture, cleanup} = await setup());
		});
		after(async () => {
			await cleanup();
		});
		const todo = (check: ConformanceCheck): {todo?: string; timeout: number} => {
			const reason = options.todo?.[check];
			return reason === undefined ? {timeout: TIMEOUT_MS} : {todo: reason, timeout: TIMEOUT_MS};
		};

		test(`${kind}: listing is stable across two opens, names every folder, counts match what is read, and nothing on disk changes`, todo('folders'), async () => {
			const filesBefore = fixture.files === undefined ? undefined : await snapshot(fixture.files);
			const first = await withStore(fixture.open(), (store) => store.listFolders());
			const second = await withStore(fixture.open(), (store) => store.listFolders());
			assert.ok(first.length > 0, 'the fixture lists at least one folder');
			assert.deepEqual(second.map((folder) => folder.path), first.map((folder) => folder.path), 'two opens list the same folders in the same order');
			for (const folder of first) {
				assert.ok(folder.path.length > 0 && folder.path.every((name) => name.length > 0), `folder path ${JSON.stringify(folder.path)} has no empty name`);
			}
			const problems: ReaderProblem[] = [];
			const read = await withStore(fixture.open({onProblem: (problem) => problems.push(problem)}), (store) => readStore(store, problems));
			for (const folder of read.folders) {
				if (folder.count === undefined) continue;
				assert.equal(read.counts.get(folderLabel(folder.path)), folder.count, `folder ${folderLabel(folder.path)}: listed count equals messages read`);
			}
			if (filesBefore !== undefined && fixture.files !== undefined) assert.deepEqual(await snapshot(fixture.files), filesBefore, 'listing and reading changed no file');
		});

		test(`${kind}: two full reads give the same keys in the same order, unique within a folder, each message with content, a location and valid IMAP flags`, todo('keys'), async () => {
			const check = (folder: SourceFolder, message: SourceMessage): void => {
				const where = `${folderLabel(folder.path)} key ${message.ref.key}`;
				assert.equal(message.ref.folder, folderLabel(folder.path), `${where}: ref.folder is the folder's label`);
				assert.ok(message.ref.key.length > 0, `${where}: a non-empty key`);
				assert.ok(message.ref.location.length > 0, `${where}: a location`);
				// A non-mail item (a contact, a calendar item) is yielded to be counted, with empty `raw` (contracts/types.ts).
				if (message.skipHint !== 'not-mail') assert.ok(message.raw.length > 0, `${where}: non-empty content`);
				const flags: unknown = message.flags;
				assert.ok(flags instanceof Set || Array.isArray(flags), `${where}: flags are a Set or an array`);
				for (const flag of message.flags) assert.match(flag, FLAG, `${where}: flag ${JSON.stringify(flag)} is an IMAP flag atom`);
			};
			const problems: ReaderProblem[] = [];
			const first = await withStore(fixture.open({onProblem: (problem) => problems.push(problem)}), (store) => readStore(store, problems, check));
			const second = await withStore(fixture.open({onProblem: (problem) => problems.push(problem)}), (store) => readStore(store, problems, check));
			assert.ok(first.refs.length > 0, 'the fixture holds messages');
			assert.deepEqual(second.refs, first.refs, 'the same (folder, key) list, in the same order');
			assert.equal(new Set(first.refs).size, first.refs.length, 'no key twice within a folder');
		});

		test(`${kind}: read for an upload (ReaderOptions.crlf), the same keys and the stored bytes with CRLF lines, never a bare LF in a message marked isCrlf`, todo('keys'), async () => {
			const problems: ReaderProblem[] = [];
			const asStored = new Map<string, Buffer>();
			await withStore(fixture.open({onProblem: (problem) => problems.push(problem)}), (store) => readStore(store, problems, (_folder, message) => {
				assert.equal(message.isCrlf, undefined, `${message.ref.key}: not marked isCrlf when CRLF lines were not asked for`);
				asStored.set(`${message.ref.folder}\u0000${message.ref.key}`, toCrlf(Buffer.from(message.raw)));
			}));
			const forUpload = await withStore(fixture.open({crlf: true, onProblem: (problem) => problems.push(problem)}), (store) => readStore(store, problems, (_folder, message) => {
				const where = `${message.ref.folder} key ${message.ref.key}`;
				if (message.isCrlf === true) assert.equal(findBareLfs(message.raw).count, 0, `${where}: marked isCrlf, so no bare LF`);
				assert.deepEqual(toCrlf(message.raw), asStored.get(`${message.ref.folder}\u0000${message.ref.key}`), `${where}: the same message`);
			}));
			assert.deepEqual(forUpload.refs, [...asStored.keys()], 'the same (folder, key) list, in the same order');
		});

		test(`${kind}: aborting the signal while messages are read ends iteration without another message`, todo('abort'), async () => {
			await withStore(fixture.open(), async (store) => {
				const folders = await store.listFolders();
				let folder: SourceFolder | undefined;
				for (const candidate of folders) {
					let seen = 0;
					for await (const _ of store.messages(candidate)) if (++seen >= 2) break;
					if (seen >= 2) {
						folder = candidate;
						break;
					}
				}
				assert.ok(folder, 'the fixture has a folder with at least two messages');
				const controller = new AbortController();
				let afterAbort = 0;
				let thrown: unknown;
				try {
					for await (const _ of store.messages(folder, controller.signal)) {
						if (controller.signal.aborted) afterAbort++;
						controller.abort();
					}
				} catch (error) {
					thrown = error;
				}
				assert.equal(afterAbort, 0, 'no message is yielded after the abort');
				if (thrown !== undefined) {
					assert.ok(thrown instanceof MailshiftError && thrown.code === 'ABORTED', `an abort ends with ABORTED or a return, got ${String(thrown)}`);
				}
			});
		});

		test(`${kind}: a damaged copy gives a MailshiftError with a code and a hint naming it, or problems reported per message, never a stray error`, todo('corrupt'), async (t) => {
			if (fixture.corrupt === undefined) {
				t.skip(fixture.noCorruptReason ?? 'no damaged copy for this kind');
				return;
			}
			const damaged = await fixture.corrupt();
			t.diagnostic(`damage: ${damaged.damage}`);
			const problems: ReaderProblem[] = [];
			let read: ReadResult | undefined;
			let store: SourceStore | undefined;
			try {
				store = await damaged.open({onProblem: (problem) => problems.push(problem)});
				read = await readStore(store, problems);
			} catch (error) {
				assert.ok(error instanceof MailshiftError, `a MailshiftError, got ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
				assert.ok(error.code.length > 0 && error.code !== 'BUG', `a stable code, got ${error.code}`);
				assert.ok(error.hint !== undefined && error.hint.length > 0, `a hint (what to do next) for ${error.code}: ${error.message}`);
				assert.ok(named(error, damaged.path), `the error names ${damaged.path}: ${error.message} / ${error.hint}`);
				t.diagnostic(`refused: ${error.code}`);
				return;
			} finally {
				await store?.close();
			}
			t.diagnostic(`read on: ${read?.refs.length ?? 0} messages, problems ${problems.map((problem) => problem.code).join(', ') || 'none'}`);
			const said = [...problems.map((problem) => `${problem.location} ${problem.reason}`), store?.incompleteness?.() ?? ''];
			assert.ok(problems.length > 0 || (store?.incompleteness?.() ?? '') !== '', `the damage was reported (read ${read?.refs.length ?? 0} messages silently)`);
			assert.ok(said.some((text) => text.includes(damaged.path) || problems.some((problem) => damaged.path.endsWith(problem.location) || problem.location.startsWith(damaged.path))), `a report names ${damaged.path}: ${said.join(' | ')}`);
		});

		test(`${kind}: close() can be called twice, also after reading`, todo('close'), async () => {
			const unread = await fixture.open();
			await unread.close();
			await unread.close();
			const store = await fixture.open();
			await readStore(store, []);
			await store.close();
			await store.close();
		});
	});
}

