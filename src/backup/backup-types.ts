/**
 * The data types of a backup run: its options, its events for displays, and its summary. Shared by
 * backup-engine.ts (runBackup) and its parts (backup-tally, existing-output, backup-folder, finish-backup);
 * re-exported from backup-engine.ts, where callers import them.
 */
import type {BackupFormat} from './backup-layout.js';
import type {ProblemRelay} from '../engine/problem-relay.js';
import type {ManifestProblem} from './manifest.js';
import type {EngineControls} from '../contracts/controls.js';
import type {BackupSource} from './backup-source.js';
import type {BackupState} from './backup-state.js';
import type {BackupTally} from './backup-tally.js';

/** How runBackup writes; see each option's default. */
export type BackupOptions = Readonly<{
	/** Absolute output directory (created if missing). */
	out: string;
	format: BackupFormat;
	/** Refresh a complete backup / restart an unfinished one with other options / write into a non-empty directory. @default false */
	force: boolean;
	/** Keep a complete backup of the same unchanged source instead of refusing (migrate --backup). @default false */
	reuseComplete?: boolean;
	/** Back up messages the migration skips as trashed (Maildir T), as `--include-trashed`. @default false */
	includeTrashed: boolean;
	/** Written into the manifest. */
	toolVersion: string;
	/** Maildir info separator. @default ':' (';' is for Windows) */
	maildirInfoSeparator?: ':' | ';';
	/** Messages per checkpoint. @default 200 */
	checkpointEvery?: number;
	/** Written bytes per checkpoint. @default 64 MiB */
	checkpointBytes?: number;
	/** Problems kept in the returned summary (all are in the manifest). @default 1000 */
	maxProblems?: number;
	now?: () => number;
}>;

/** Progress for displays (emitted synchronously; a throwing listener is ignored). */
export type BackupEvent =
	| {type: 'start'; folders: number; resumed: boolean; refreshing: boolean}
	| {type: 'folder'; label: string; path: string; index: number; count?: number; done: boolean}
	| {type: 'message'; folder: string; bytes: number; reused: boolean}
	| {type: 'skipped'; folder: string; code: string; reason: string}
	| {type: 'problem'; kind: 'failed' | 'warning'; problem: ManifestProblem}
	| {type: 'manifest'; path: string};

/** Optional observers of a run. */
export type BackupHooks = Readonly<{
	onEvent?: (event: BackupEvent) => void;
	/** The relay the source was opened with (per-message read problems). */
	problems?: ProblemRelay;
}>;

/** Per-folder counts of one run (folders finished by an earlier run count as reused). */
export type BackupFolderSummary = {
	label: string;
	path: string;
	messages: number;
	written: number;
	reused: number;
	skipped: number;
	/** Non-mail items (contacts, calendar items, tasks, notes) written as vCard/iCalendar files. */
	exported: number;
	failed: number;
	bytes: number;
};

/** A failed, warned or skipped message or folder, for the end-of-run listing (all are in the manifest). */
export type BackupProblem = Readonly<{kind: 'failed' | 'warning' | 'skipped'; folder: string; location: string; key: string; code: string; reason: string}>;

/** The outcome of one run (counts of this run; the manifest has the whole backup). */
export type BackupSummary = {
	/** complete: manifest written; interrupted: run again to continue; kept: an up-to-date complete backup was there. */
	outcome: 'complete' | 'interrupted' | 'kept';
	out: string;
	format: BackupFormat;
	resumed: boolean;
	refreshed: boolean;
	folders: BackupFolderSummary[];
	messages: number;
	written: number;
	reused: number;
	skipped: number;
	/** Non-mail items (contacts, calendar items, tasks, notes) written as vCard/iCalendar files. */
	exported: number;
	failed: number;
	warnings: number;
	bytes: number;
	/** Files of an earlier backup that the source no longer has, deleted. */
	removed: number;
	/** Why the source could not be read to its end (a cut .pst); also in the manifest (`incomplete`). */
	incomplete?: string;
	elapsedMs: number;
	problems: BackupProblem[];
	problemsDropped: number;
	manifestPath?: string;
};

/** What the parts of one run share (runBackup builds it once the output directory is locked). */
export type BackupRun = Readonly<{
	source: BackupSource;
	options: BackupOptions;
	controls: EngineControls;
	/** The state directory (progress files, lock) of `options.out`. */
	state: BackupState;
	tally: BackupTally;
	now: () => number;
}>;
