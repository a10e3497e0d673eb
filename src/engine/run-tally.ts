/**
 * RunTally: the run's counts and problem list (`Summary`), and the events that report them. Every count the
 * summary shows changes here, so found = uploaded + skipped + failed holds for each folder and the run.
 * Used by one run only; not concurrency-safe across runs (uploads of one run call it from one event loop).
 */
import type {ReaderProblem} from '../contracts/source-store.js';
import type {EventSink} from '../contracts/events.js';
import type {FolderPlan} from '../mapper/folder-map.js';
import type {FolderSummary, Problem, SourceRef, Summary, UploadJob} from '../contracts/types.js';

export class RunTally {
	readonly summary: Summary;
	/** The folder being read, for reader problems reported without one. */
	current: FolderSummary | undefined;
	readonly #events: EventSink;
	readonly #maxProblems: number;
	readonly #skippedByCode = new Map<string, number>();
	/** Messages read but not sent because the run stopped (dropped from the queue, withdrawn, or cut off by an abort). */
	#unsent = 0;

	constructor(events: EventSink, options: Readonly<{dryRun: boolean; maxProblems: number}>) {
		this.#events = events;
		this.#maxProblems = options.maxProblems;
		this.summary = {
			dryRun: options.dryRun, folders: [], found: 0, uploaded: 0, skipped: 0, failed: 0, bytes: 0,
			elapsedMs: 0, interrupted: false, problems: [], problemsDropped: 0, skippedUnlisted: {},
		};
	}

	/** Keeps a problem for the summary and report, up to `maxProblems` (the rest are counted). */
	record(problem: Problem): void {
		if (this.summary.problems.length < this.#maxProblems) this.summary.problems.push(problem);
		else this.summary.problemsDropped++;
	}

	/** A problem the reader met (ProblemRelay): a failed message counts as found and failed. */
	readerProblem(p: ReaderProblem, store: string): void {
		this.record({folder: p.folder, location: p.location, key: '', kind: p.kind, code: p.code, reason: p.reason});
		if (p.kind === 'failed') {
			this.summary.failed++;
			this.summary.found++;
			if (this.current) {
				this.current.failed++;
				this.current.found++;
			}
			this.#events.emit({type: 'message:failed', ref: {store, folder: p.folder, key: '', location: p.location}, code: p.code, message: p.reason});
		} else {
			this.#events.emit({type: 'warning', folder: p.folder, location: p.location, message: p.reason});
		}
	}

	/**
	 * A warning about a folder or one message of it, recorded; `show` says how it is shown live: as the
	 * folder's ('folder'), with the message's location ('message'), or only in the summary ('none').
	 */
	warn(w: Readonly<{folder: string; location: string; key?: string; code: string; reason: string}>, show: 'folder' | 'message' | 'none'): void {
		this.record({folder: w.folder, location: w.location, key: w.key ?? '', kind: 'warning', code: w.code, reason: w.reason});
		if (show === 'folder') this.#events.emit({type: 'warning', folder: w.folder, message: w.reason});
		else if (show === 'message') this.#events.emit({type: 'warning', folder: w.folder, location: w.location, message: w.reason});
	}

	/** One more message read from the store. */
	found(folder: FolderSummary): void {
		this.summary.found++;
		folder.found++;
	}

	/** A message read and then not processed (the run stopped first): it leaves the counts. */
	unread(folder: FolderSummary | undefined, n = 1): void {
		this.summary.found -= n;
		if (folder) folder.found -= n;
	}

	/** Leaves a message for the next run: not a failure; its journal row stays `pending` (written by `begin`). */
	leaveUnsent(folder: FolderSummary | undefined, n = 1): void {
		this.#unsent += n;
		this.unread(folder, n);
	}

	/** Counts a message as not sent that was never counted as found (stopped while waiting for room). */
	unsentUncounted(): void {
		this.#unsent++;
	}

	/** A message now on the server: sent by this run, or found there after an upload whose outcome was unknown. */
	landed(job: UploadJob, folder: FolderSummary, mailbox: string, uid: number | undefined): void {
		this.summary.uploaded++;
		folder.uploaded++;
		this.summary.bytes += job.content.length;
		folder.bytes += job.content.length;
		this.#events.emit({type: 'message:uploaded', ref: job.ref, mailbox, bytes: job.content.length, ...(uid === undefined ? {} : {uid})});
	}

	/** Messages found done or on the server are counted, not listed one by one (there can be millions). */
	skip(ref: SourceRef, folder: FolderSummary, code: string, reason: string, isListed: boolean): void {
		this.summary.skipped++;
		folder.skipped++;
		if (isListed) this.record({folder: folder.folder, location: ref.location, key: ref.key, kind: 'skipped', code, reason});
		else this.#skippedByCode.set(code, (this.#skippedByCode.get(code) ?? 0) + 1);
		this.#events.emit({type: 'message:skipped', ref, code, reason});
	}

	fail(ref: SourceRef, folder: FolderSummary, code: string, message: string): void {
		this.summary.failed++;
		folder.failed++;
		this.record({folder: folder.folder, location: ref.location, key: ref.key, kind: 'failed', code, reason: message});
		this.#events.emit({type: 'message:failed', ref, code, message});
	}

	/** A folder that could not be read further: one failure, so the exit code says "some messages failed". */
	folderFailed(folder: FolderSummary, code: string, reason: string, message: string): void {
		this.summary.failed++;
		folder.failed++;
		this.record({folder: folder.folder, location: folder.folder, key: '', kind: 'failed', code, reason});
		this.#events.emit({type: 'warning', folder: folder.folder, message});
	}

	/**
	 * Closes the summary: unlisted skips by code, whether the run stopped and, if so, what the next run still has
	 * to do — the rest of the store when every planned folder's size is known, else at least the messages read
	 * and not sent.
	 */
	finish(plans: readonly FolderPlan[], interrupted: boolean, elapsedMs: number): Summary {
		const summary = this.summary;
		summary.skippedUnlisted = Object.fromEntries(this.#skippedByCode);
		summary.interrupted = interrupted;
		if (interrupted) {
			const counts = plans.filter((p) => p.mailbox !== undefined).map((p) => p.folder.count);
			if (counts.some((n) => n === undefined)) summary.notSent = {messages: this.#unsent, isExact: false};
			else {
				const total = counts.reduce<number>((n, c) => n + (c ?? 0), 0);
				summary.notSent = {messages: Math.max(this.#unsent, total - summary.found), isExact: true};
			}
		}
		summary.elapsedMs = elapsedMs;
		return summary;
	}
}
