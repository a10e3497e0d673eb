/**
 * BackupTally: the counts and problem list of one backup run (`BackupSummary`), the events that report them,
 * and where reader problems go (the folder being written, or the run's list of problems outside any folder).
 * Every count the summary shows changes here, so a folder's counts and the run's move together.
 * Used by one run only; not concurrency-safe across runs (a backup writes one message at a time).
 */
import type {ReaderProblem} from '../contracts/source-store.js';
import type {BackupFormat} from './backup-layout.js';
import type {ProgressLine} from './backup-state.js';
import type {ManifestFolder, ManifestProblem} from './manifest.js';
import type {BackupEvent, BackupFolderSummary, BackupProblem, BackupSummary} from './backup-types.js';

/** The folder being written: where reader problems of that folder are recorded. */
export type CurrentFolder = Readonly<{label: string; record: (line: ProgressLine) => void; summary: BackupFolderSummary}>;

/** Problems outside any folder kept for the manifest (listing the source met them); beyond this they are counted only. */
const MAX_GLOBAL_PROBLEMS = 10_000;

export class BackupTally {
	readonly summary: BackupSummary;
	/** The folder being written, if any (set and cleared by backupFolder). */
	current: CurrentFolder | undefined;
	/** Problems outside any folder being written (e.g. while listing folders); bounded. */
	readonly globalProblems: ProgressLine[] = [];
	/** Folders that could not be read (further) in this run: their earlier backup files are never deleted. */
	readonly unreadable = new Set<string>();
	readonly #maxProblems: number;
	readonly #onEvent: ((event: BackupEvent) => void) | undefined;

	/** @param maxProblems problems kept in the summary (the rest are counted in `problemsDropped`). */
	constructor(out: string, format: BackupFormat, maxProblems: number, onEvent?: (event: BackupEvent) => void) {
		this.#maxProblems = maxProblems;
		this.#onEvent = onEvent;
		this.summary = {
			outcome: 'interrupted', out, format, resumed: false, refreshed: false, folders: [], messages: 0, written: 0, reused: 0,
			skipped: 0, exported: 0, failed: 0, warnings: 0, bytes: 0, removed: 0, elapsedMs: 0, problems: [], problemsDropped: 0,
		};
	}

	/** Tells the display (synchronously); a throwing listener is ignored: a display bug never stops a backup. */
	emit(event: BackupEvent): void {
		try {
			this.#onEvent?.(event);
		} catch {
			// a display bug never stops a backup
		}
	}

	/** Keeps a problem for the end-of-run listing, up to `maxProblems` (all are in the manifest). */
	note(problem: BackupProblem): void {
		if (this.summary.problems.length < this.#maxProblems) this.summary.problems.push(problem);
		else this.summary.problemsDropped++;
	}

	/** A new folder's counts, listed in the summary in the order folders are backed up. */
	startFolder(label: string, path: string): BackupFolderSummary {
		const folder: BackupFolderSummary = {label, path, messages: 0, written: 0, reused: 0, skipped: 0, exported: 0, failed: 0, bytes: 0};
		this.summary.folders.push(folder);
		return folder;
	}

	/** A folder finished by an earlier run: counted from its record (all its messages as reused), not read again. */
	finishedEarlier(folder: BackupFolderSummary, done: ManifestFolder, exported: number): void {
		folder.messages = folder.reused = done.messages;
		folder.skipped = done.skipped;
		folder.failed = done.failed;
		folder.bytes = done.bytes;
		folder.exported = exported;
		this.summary.exported += exported;
		this.summary.messages += done.messages;
		this.summary.reused += done.messages;
		this.summary.skipped += done.skipped;
		this.summary.failed += done.failed;
		this.summary.bytes += done.bytes;
	}

	/** One non-mail item written as a vCard/iCalendar file. */
	exported(folder: BackupFolderSummary): void {
		folder.exported++;
		this.summary.exported++;
	}

	/** One item the backup does not keep as a message (`problem.kind` is 'skipped'). */
	skipped(folder: BackupFolderSummary, problem: BackupProblem): void {
		folder.skipped++;
		this.summary.skipped++;
		this.note(problem);
		this.emit({type: 'skipped', folder: problem.folder, code: problem.code, reason: problem.reason});
	}

	/** One message in the backup: written now, or `reused` (its file was already there with these bytes). */
	message(folder: BackupFolderSummary, label: string, size: number, reused: boolean): void {
		folder.messages++;
		this.summary.messages++;
		folder.bytes += size;
		this.summary.bytes += size;
		if (reused) {
			folder.reused++;
			this.summary.reused++;
		} else {
			folder.written++;
			this.summary.written++;
		}
		this.emit({type: 'message', folder: label, bytes: size, reused});
	}

	/** A folder that cannot be read (further): one failure; its earlier files are kept (`unreadable`). */
	folderFailed(folder: BackupFolderSummary, problem: ManifestProblem): void {
		this.unreadable.add(problem.folder);
		folder.failed++;
		this.summary.failed++;
		this.note({kind: 'failed', ...problem});
		this.emit({type: 'problem', kind: 'failed', problem});
	}

	/**
	 * A problem the reader reported for one message: recorded in the progress of the folder being written when it
	 * is that folder's, else kept with the run's problems outside any folder (bounded; always counted).
	 */
	readerProblem(p: ReaderProblem): void {
		const problem: ManifestProblem = {folder: p.folder, key: '', location: p.location, code: p.code, reason: p.reason};
		const isFailed = p.kind === 'failed';
		const current = this.current;
		if (current && current.label === p.folder) {
			current.record({t: isFailed ? 'f' : 'w', ...problem});
			if (isFailed) current.summary.failed++;
		} else if (this.globalProblems.length < MAX_GLOBAL_PROBLEMS) {
			this.globalProblems.push({t: isFailed ? 'f' : 'w', ...problem});
		}
		if (isFailed) this.summary.failed++;
		else this.summary.warnings++;
		this.note({kind: p.kind, ...problem});
		this.emit({type: 'problem', kind: p.kind, problem});
	}
}
