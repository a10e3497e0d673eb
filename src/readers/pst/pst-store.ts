/**
 * PstStore: an Outlook PST or OST file as a SourceStore. The file is read by pst-extractor in a worker thread
 * (pst/worker.ts: the library is synchronous — one large item blocks for 100–200 ms — and keeps a process-wide
 * named-property map, so one store per worker; ARCHITECTURE decision 3). Messages cross as transferred Buffers.
 *
 * Contract (see source-store.ts for the interface contract):
 * - Formats: ANSI (Outlook 97–2002) and Unicode PSTs, OSTs incl. Outlook 2013+ 4 KiB-page OSTs, no,
 *   "compressible" or "high" (cyclic) encryption. Everything else is refused by `open` with one MailshiftError naming the file and
 *   the reason (NOT_A_MAIL_STORE, SOURCE_UNREADABLE, SOURCE_INCOMPLETE; 'fatal'); see pst/pst-session.ts.
 * - A file shorter than its header says (a cut copy) is read as far as it goes; `incompleteness()` then states
 *   the shortfall in numbers and the CLI fails the run with SOURCE_INCOMPLETE (exit 9).
 * - Folders: the IPM subtree as Outlook shows it, with roles from the store (pst/folder-tree.ts). `count` is
 *   the folder's PR_CONTENT_COUNT (mail and non-mail items); `bytes` is unknown.
 * - Messages: every item of the folder in contents-table order. Mail items (pst/item-kind.ts) are composed into
 *   RFC 5322 messages (pst/read-item.ts, pst/compose-message.ts) with flags and `storeDate` ('pst-delivery-
 *   time'); other items are yielded with `raw` empty, `skipHint: 'not-mail'` and `itemKind` so they are
 *   counted, never dropped. `ref.key` is the item's node id (stable for the unchanged file), `ref.location`
 *   `file.pst#Folder/Path/<node id>`.
 * - Problems (onProblem; iteration continues): an item that cannot be read ('failed', its folder path, node id
 *   and reason), an item read with losses (a damaged attachment or body: 'warning'), a folder whose items fall
 *   short of its PR_CONTENT_COUNT ('failed', by name) — or STORE_INCONSISTENT ('warning') when every listed item
 *   was read and only the stored count is stale —, hidden folders holding items ('warning').
 *   A folder that cannot be opened throws SOURCE_UNREADABLE with disposition 'skip'. A worker that dies throws
 *   SOURCE_UNREADABLE 'fatal'.
 * - Memory: the worker runs at most `window.items` items / `window.bytes` bytes ahead of the consumer
 *   (default 4 items, 8 MiB; always at least one item). `maxReadAhead` records the most seen, for tests.
 * - Concurrency: `messages()` calls are served one after another (one worker, one cursor); a second iterator
 *   waits until the first finishes or is closed. Aborting `signal` cancels the read and throws ABORTED.
 * - `close()` is idempotent and ends the worker.
 */
import {resolve} from 'node:path';
import {Worker} from 'node:worker_threads';
import {MailshiftError} from '../../contracts/errors.js';
import type {SourceMessage} from '../../contracts/types.js';
import type {FromWorker, ToWorker, WireProblem, WorkerFolder, WorkerInit} from './worker-protocol.js';
import {folderLabel} from '../../contracts/source-store.js';
import type {ReaderOptions, SourceFolder, SourceStore} from '../../contracts/source-store.js';

export type PstStoreOptions = ReaderOptions & Readonly<{
	/** Read-ahead bound. @default {items: 4, bytes: 8 MiB} (32 MiB measured 4 MiB more peak RSS on enron.pst, no faster) */
	window?: Readonly<{items: number; bytes: number}>;
}>;

type Pending = {resolve: (message: FromWorker) => void; reject: (error: Error) => void};

/** A queue of worker events for one read request, consumed by one async iterator. */
class EventQueue {
	readonly #items: FromWorker[] = [];
	#waiter: Pending | undefined;
	#failure: Error | undefined;

	push(message: FromWorker): void {
		if (this.#waiter !== undefined) {
			const waiter = this.#waiter;
			this.#waiter = undefined;
			waiter.resolve(message);
		} else {
			this.#items.push(message);
		}
	}

	fail(error: Error): void {
		this.#failure ??= error;
		const waiter = this.#waiter;
		this.#waiter = undefined;
		waiter?.reject(error);
	}

	get size(): number {
		return this.#items.length;
	}

	next(): Promise<FromWorker> {
		const item = this.#items.shift();
		if (item !== undefined) return Promise.resolve(item);
		if (this.#failure !== undefined) return Promise.reject(this.#failure);
		return new Promise((resolve, reject) => (this.#waiter = {resolve, reject}));
	}
}

const DEFAULT_WINDOW = {items: 4, bytes: 8 * 1024 * 1024} as const;

export class PstStore implements SourceStore {
	readonly kind = 'pst';
	readonly location: string;
	/** "PST Unicode (Outlook 2003+), encryption compressible" and the like. */
	readonly format: string;
	readonly #worker: Worker;
	readonly #options: PstStoreOptions;
	readonly #foldersByPath = new Map<string, number[]>();
	#pendingList: Pending | undefined;
	readonly #reads = new Map<number, EventQueue>();
	#nextId = 1;
	#busy: Promise<void> = Promise.resolve();
	#isClosed = false;
	#exitError: Error | undefined;
	#maxReadAhead = 0;
	readonly #truncation: Readonly<{size: number; declaredEnd: number}> | undefined;
	/** Items yielded or reported failed (node ids, so a second pass — verify — does not count twice). */
	readonly #itemsSeen = new Set<string>();
	/** PR_CONTENT_COUNT summed over the listed folders, and folders whose subfolder list could not be read. */
	#itemsListed = 0;
	#unlistedBranches = 0;

	private constructor(location: string, worker: Worker, format: string, options: PstStoreOptions, truncation?: Readonly<{size: number; declaredEnd: number}>) {
		this.location = location;
		this.#truncation = truncation;
		this.#worker = worker;
		this.format = format;
		this.#options = options;
		worker.on('message', (message: FromWorker) => this.#dispatch(message));
		worker.on('error', (error) => this.#fail(error));
		worker.on('exit', (code) => {
			if (!this.#isClosed) this.#fail(new Error(`the reader thread exited with code ${code}`));
		});
		worker.unref();
	}

	/**
	 * Opens the PST/OST at `path` in a new worker thread.
	 * @throws MailshiftError 'NOT_A_MAIL_STORE' or 'SOURCE_UNREADABLE' ('fatal', with a hint) when the file is not
	 *   a readable PST/OST (see the module comment).
	 */
	static async open(path: string, options: PstStoreOptions = {}): Promise<PstStore> {
		const location = resolve(path);
		const init: WorkerInit = {location, window: options.window ?? DEFAULT_WINDOW, ...(options.exportNonMail === true ? {exportNonMail: true} : {})};
		const worker = startWorker(init);
		// The library never writes on purpose (pst-session captures its console); drain anything else.
		worker.stdout.resume();
		worker.stderr.resume();
		const listeners: {message?: (m: FromWorker) => void; error?: (e: Error) => void; exit?: (code: number) => void} = {};
		const first = await new Promise<FromWorker>((resolveFirst, reject) => {
			listeners.message = resolveFirst;
			listeners.error = reject;
			listeners.exit = (code): void => reject(new Error(`the reader thread exited with code ${code}`));
			worker.once('message', listeners.message);
			worker.once('error', listeners.error);
			worker.once('exit', listeners.exit);
		}).finally(() => {
			// Only our own listeners: Worker keeps internal ones (removeAllListeners would break its port).
			if (listeners.message) worker.off('message', listeners.message);
			if (listeners.error) worker.off('error', listeners.error);
			if (listeners.exit) worker.off('exit', listeners.exit);
		}).catch((error: unknown) => {
			void worker.terminate();
			throw new MailshiftError('SOURCE_UNREADABLE', `${location} cannot be read: ${describe(error)}`, 'fatal', {
				cause: error, hint: 'This may be a bug in mailshift; run again with --debug and report the output.',
			});
		});
		if (first.type === 'open-failed') {
			await worker.terminate();
			throw new MailshiftError(first.code, first.message, 'fatal', {hint: first.hint});
		}
		if (first.type !== 'ready') {
			await worker.terminate();
			throw new MailshiftError('BUG', `The PST reader sent "${first.type}" before "ready".`, 'fatal');
		}
		const store = new PstStore(location, worker, first.format, options, first.truncation);
		for (const problem of first.problems) store.#report(problem);
		return store;
	}

	/** The largest number of items the worker had sent but the consumer had not yet taken (≤ window.items). */
	get maxReadAhead(): number {
		return this.#maxReadAhead;
	}

	/**
	 * The folder tree; problems (hidden folders holding items, unreadable subfolder lists) go to onProblem.
	 * @throws MailshiftError 'SOURCE_UNREADABLE' ('fatal') when the tree cannot be read; 'ABORTED'.
	 */
	async listFolders(signal?: AbortSignal): Promise<SourceFolder[]> {
		this.#assertOpen();
		throwIfAborted(signal);
		const reply = await this.#exclusive(() => new Promise<FromWorker>((resolveList, reject) => {
			this.#pendingList = {resolve: resolveList, reject};
			this.#send({type: 'list'});
		}));
		if (reply.type === 'list-failed') {
			throw new MailshiftError('SOURCE_UNREADABLE', reply.message, 'fatal', {hint: reply.hint});
		}
		if (reply.type !== 'folders') throw new MailshiftError('BUG', `Unexpected reply "${reply.type}" to a folder listing.`, 'fatal');
		for (const problem of reply.problems) this.#report(problem);
		this.#unlistedBranches = reply.problems.filter((p) => p.reason.includes('subfolders cannot be read')).length;
		this.#itemsListed = reply.folders.reduce((n, f) => n + f.count, 0);
		this.#foldersByPath.clear();
		return reply.folders.map((folder: WorkerFolder) => {
			this.#foldersByPath.set(JSON.stringify(folder.path), folder.nids);
			const base = {path: folder.path, count: folder.count, ...(folder.holdsMail ? {} : {holdsMail: false})};
			return folder.specialUse === undefined ? base : {...base, specialUse: folder.specialUse};
		});
	}

	/**
	 * Yields the items of `folder` (one from `listFolders`, or any folder with the same path); see the module
	 * comment. @throws MailshiftError 'SOURCE_UNREADABLE' ('skip' for this folder, 'fatal' when the reader
	 * died), 'ABORTED' on `signal`, 'BUG' for an unknown folder or after close().
	 */
	async *messages(folder: SourceFolder, signal?: AbortSignal): AsyncGenerator<SourceMessage> {
		this.#assertOpen();
		throwIfAborted(signal);
		if (this.#foldersByPath.size === 0) await this.listFolders(signal);
		const label = folderLabel(folder.path);
		const nids = this.#foldersByPath.get(JSON.stringify(folder.path));
		if (nids === undefined) throw new MailshiftError('BUG', `Folder "${label}" is not part of ${this.location}.`, 'fatal');

		let release!: () => void;
		const turn = this.#busy;
		this.#busy = new Promise<void>((resolveTurn) => (release = resolveTurn));
		await turn;
		const id = this.#nextId++;
		const queue = new EventQueue();
		this.#reads.set(id, queue);
		let isDone = false;
		const onAbort = (): void => queue.fail(new MailshiftError('ABORTED', 'Stopped', 'fatal'));
		signal?.addEventListener('abort', onAbort, {once: true});
		try {
			if (this.#exitError !== undefined) throw this.#readerDied(this.#exitError);
			this.#worker.ref();
			this.#send({type: 'read', id, nids: [...nids], label});
			for (;;) {
				const event = await queue.next();
				if (event.type === 'end') {
					isDone = true;
					return;
				}
				if (event.type === 'problem') {
					if (event.problem.kind === 'failed' && event.problem.code === 'MESSAGE_UNPARSEABLE') this.#itemsSeen.add(event.problem.location);
					this.#report(event.problem);
				} else if (event.type === 'folder-error') {
					throw new MailshiftError('SOURCE_UNREADABLE', `Cannot read folder "${label}" of ${this.location}: ${event.reason}`, 'skip', {
						hint: 'The rest of the store is still migrated. Repair a copy with Outlook\'s Inbox Repair Tool (scanpst.exe) to recover this folder.',
					});
				} else if (event.type === 'item') {
					this.#maxReadAhead = Math.max(this.#maxReadAhead, event.unacknowledged, queue.size + 1);
					const message = toSourceMessage(this.location, label, event);
					this.#itemsSeen.add(event.location);
					this.#worker.unref();
					yield message;
					this.#worker.ref();
					throwIfAborted(signal);
					this.#send({type: 'ack', id, seq: event.seq});
				}
			}
		} finally {
			signal?.removeEventListener('abort', onAbort);
			if (!isDone && this.#exitError === undefined && !this.#isClosed) {
				// The consumer stopped early (break, throw, abort): stop the worker and wait for its "end".
				this.#send({type: 'cancel', id});
				try {
					for (let event = await queue.next(); event.type !== 'end'; event = await queue.next()) {
						if (event.type === 'item') this.#send({type: 'ack', id, seq: event.seq});
					}
				} catch {
					// the worker died meanwhile; #fail has recorded it
				}
			}
			this.#reads.delete(id);
			this.#worker.unref();
			release();
		}
	}

	/**
	 * SourceStore capability: for a file shorter than its header says, what was read against what the store
	 * lists, and where the file ends (e.g. "read 120 of ~400 items; the file ends early at byte N …"). The item
	 * total is the folders' PR_CONTENT_COUNT, hence "~"; folders whose subfolders could not be listed add an
	 * unknown number. Undefined for a complete file.
	 */
	incompleteness(): string | undefined {
		const cut = this.#truncation;
		if (cut === undefined) return undefined;
		const percent = Math.floor((cut.size / cut.declaredEnd) * 100);
		const branches = this.#unlistedBranches === 0 ? ''
			: ` (plus the items of the subfolders of ${this.#unlistedBranches} folder(s), which could not be listed)`;
		return `read ${this.#itemsSeen.size} of ~${this.#itemsListed} items${branches}; the file ends early at byte ${cut.size}, but its header says it is ${cut.declaredEnd} bytes long (${percent}% present)`;
	}

	/** Ends the worker. Idempotent; never throws. */
	async close(): Promise<void> {
		if (this.#isClosed) return;
		this.#isClosed = true;
		if (this.#exitError === undefined) {
			const exited = new Promise<void>((resolveExit) => this.#worker.once('exit', () => resolveExit()));
			this.#worker.ref();
			try {
				this.#send({type: 'close'});
			} catch {
				// already gone
			}
			// A worker stuck in a long synchronous read is terminated after 2 s.
			const timer = setTimeout(() => void this.#worker.terminate(), 2000);
			await exited;
			clearTimeout(timer);
		}
		for (const queue of this.#reads.values()) queue.fail(new MailshiftError('ABORTED', 'Stopped', 'fatal'));
	}

	#send(message: ToWorker): void {
		this.#worker.postMessage(message);
	}

	async #exclusive<T>(fn: () => Promise<T>): Promise<T> {
		let release!: () => void;
		const turn = this.#busy;
		this.#busy = new Promise<void>((resolveTurn) => (release = resolveTurn));
		await turn;
		this.#worker.ref();
		try {
			return await fn();
		} finally {
			this.#worker.unref();
			release();
		}
	}

	#dispatch(message: FromWorker): void {
		if (message.type === 'folders' || message.type === 'list-failed') {
			const pending = this.#pendingList;
			this.#pendingList = undefined;
			pending?.resolve(message);
			return;
		}
		if ('id' in message) this.#reads.get(message.id)?.push(message);
	}

	#fail(error: Error): void {
		this.#exitError ??= error;
		const failure = this.#readerDied(error);
		this.#pendingList?.reject(failure);
		this.#pendingList = undefined;
		for (const queue of this.#reads.values()) queue.fail(failure);
	}

	#readerDied(error: Error): MailshiftError {
		return new MailshiftError('SOURCE_UNREADABLE', `The reader of ${this.location} stopped unexpectedly: ${error.message}`, 'fatal', {
			cause: error, hint: 'Run again to resume. If it happens again at the same place, run with --debug and report the output.',
		});
	}

	#report(problem: WireProblem): void {
		this.#options.onProblem?.({folder: problem.folder, location: problem.location, code: problem.code, kind: problem.kind, reason: problem.reason});
	}

	#assertOpen(): void {
		if (this.#isClosed) throw new MailshiftError('BUG', `PstStore ${this.location} used after close().`, 'fatal');
	}
}

function toSourceMessage(store: string, folder: string, event: Extract<FromWorker, {type: 'item'}>): SourceMessage {
	const ref = {store, folder, key: String(event.nid), location: event.location};
	if (event.item.kind === 'not-mail') {
		const exported = event.item.export;
		return {
			ref, raw: Buffer.alloc(0), flags: new Set(), skipHint: 'not-mail', itemKind: event.item.itemKind,
			...(exported === undefined ? {} : {nonMailExport: {extension: exported.extension, mediaType: exported.mediaType, title: exported.title, content: Buffer.from(exported.content)}}),
		};
	}
	const raw = Buffer.from(event.item.raw);
	const flags = new Set(event.item.flags);
	return event.item.storeDate === undefined
		? {ref, raw, flags}
		: {ref, raw, flags, storeDate: {date: new Date(event.item.storeDate), source: 'pst-delivery-time'}};
}

/**
 * Starts pst/worker.js next to this module. Run from source (tests and benchmarks under tsx), the worker is
 * pst/worker.ts, and tsx's loader must be registered inside the worker thread first: Node 20 does not apply
 * the parent's module hooks to a worker's entry point.
 */
function startWorker(init: WorkerInit): Worker {
	// A small young generation makes the worker collect its per-item garbage (property tables, attachment
	// copies) sooner: measured on enron.pst read 20 times, peak RSS 213 → ~170 MiB at no measurable CPU cost.
	const options = {workerData: init, stdout: true, stderr: true, resourceLimits: {maxYoungGenerationSizeMb: 4}} as const;
	if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./worker.js', import.meta.url), options);
	const api = import.meta.resolve('tsx/esm/api');
	const entry = new URL('./worker.ts', import.meta.url).href;
	const bootstrap = `import(${JSON.stringify(api)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
	return new Worker(bootstrap, {...options, eval: true});
}

function throwIfAborted(signal: AbortSignal | undefined): void {
	if (signal?.aborted) throw new MailshiftError('ABORTED', 'Stopped', 'fatal');
}

function describe(error: unknown): string {
	return error instanceof Error ? error.message : String(error);
}
