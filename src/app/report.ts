/**
 * The one machine-readable result of a run (`RunReport`, schema below), built by `buildReport` and used both
 * for `--report FILE.json` (pretty-printed) and for the last `--json` line (`{"type":"summary", …}`), so the two
 * can never disagree. `mailshift verify` writes a `VerifyReport` (same header, same `verify` section) for its
 * `--json` and `--report`. Field names follow the report file as it was (problemsNotListed, skippedNotListed,
 * fatalError); `schemaVersion` changes whenever a field is renamed or removed (added fields keep it).
 * Contains no secrets: the destination is written without password (there never is one in it).
 * Written atomically (util/atomic-write.ts).
 */
import {toolVersion} from '../util/tool-version.js';
import type {MigrationConfig} from '../config/config.js';
import type {EngineResult} from '../engine/run-migration.js';
import type {FolderSummary, Problem} from '../contracts/types.js';
import {isVerifyClean} from '../engine/verify.js';
import type {VerifyFolder, VerifyProblem, VerifyResult} from '../engine/verify.js';
import type {CompressionReport} from '../uploader/compression.js';
import {describeTarget} from '../uploader/imap-target.js';
import {atomicWrite} from '../util/atomic-write.js';

/**
 * Version of the report schema. 1: the --report file before the --json summary shared it (reportVersion);
 * 2: one schema for both, with `schemaVersion`, `version`, `kind`, `stopReason`, `elapsedMs` and `verify`.
 */
export const REPORT_SCHEMA_VERSION = 2;

/** The fields every report starts with. */
export type ReportHeader = Readonly<{
	schemaVersion: typeof REPORT_SCHEMA_VERSION;
	/** Which command wrote it. */
	kind: 'migrate' | 'verify';
	tool: 'mailshift';
	/** mailshift's version (package.json). */
	version: string;
	startedAt: string;
	finishedAt: string;
	/** Absolute path of the store. */
	source: string;
	/** imap(s)://user@host:port, or null for a dry run without --to. */
	destination: string | null;
}>;

/**
 * The check after the upload. `status`: `ok` every message is there exactly once; `failed` something is
 * missing, altered or duplicated (see the counts and `problems`); `error` the check could not run (`error`);
 * `not-run` (dry run, stopped or failed run, --no-verify).
 */
export type VerifyReport = Readonly<{
	status: 'ok' | 'failed' | 'error' | 'not-run';
	deep: boolean;
	checked: number;
	ok: number;
	missing: number;
	altered: number;
	duplicated: number;
	/** Messages the server stored with other bytes than sent (NULs removed); not missing, not failed. */
	alteredByServer: number;
	/** Source folders, files or messages that could not be read: the status is then 'failed', never 'ok'. */
	unreadable: number;
	sourceProblems: readonly string[];
	error: string | null;
	folders: readonly VerifyFolder[];
	problems: readonly VerifyProblem[];
}>;

/** `migrate`'s report (--report file and --json summary line). */
export type RunReport = ReportHeader & Readonly<{
	kind: 'migrate';
	dryRun: boolean;
	interrupted: boolean;
	/** Why the run stopped early by itself (time or byte budget), else null. */
	stopReason: string | null;
	/**
	 * After a stop: messages not sent yet (they stay pending; the next run sends them). `isExact` false means
	 * "at least" (the store's size was not known). Null when the run was not stopped.
	 */
	notSent: Readonly<{messages: number; isExact: boolean}> | null;
	fatalError: Readonly<{code: string; message: string; hint: string | null}> | null;
	/** Run time in milliseconds. */
	elapsedMs: number;
	totals: Readonly<{found: number; uploaded: number; skipped: number; failed: number; bytes: number}>;
	folders: readonly FolderSummary[];
	/** Failed, skipped and warned messages, each with its source reference and reason (bounded). */
	problems: readonly Problem[];
	/** Problems counted but not listed because the list was full. */
	problemsNotListed: number;
	/** Skips counted but not listed one by one, by code (ALREADY_UPLOADED, ALREADY_ON_SERVER). */
	skippedNotListed: Readonly<Record<string, number>>;
	verify: VerifyReport;
	/**
	 * COMPRESS=DEFLATE on the destination (--compress): what was asked for, whether the sessions were compressed, and
	 * why (uploader/compression.ts). Null when no server was connected (dry run without --to, or no session came up).
	 */
	compression: CompressionReport | null;
}>;

/** `mailshift verify`'s report (--json on stdout and --report file). */
export type VerifyCommandReport = ReportHeader & Readonly<{kind: 'verify'; verify: VerifyReport}>;

/** A VerifyReport from what verify returned, or why it did not run. Pure. */
export function verifyReportOf(outcome: Readonly<{result: VerifyResult; deep: boolean}> | Readonly<{error: string}> | undefined): VerifyReport {
	const empty = {checked: 0, ok: 0, missing: 0, altered: 0, duplicated: 0, alteredByServer: 0, unreadable: 0, sourceProblems: [], folders: [], problems: []};
	if (outcome === undefined) return {status: 'not-run', deep: false, error: null, ...empty};
	if ('error' in outcome) return {status: 'error', deep: false, error: outcome.error, ...empty};
	const r = outcome.result;
	return {
		status: isVerifyClean(r) ? 'ok' : 'failed', deep: outcome.deep, checked: r.checked, ok: r.ok, missing: r.missing, altered: r.altered,
		duplicated: r.duplicated, alteredByServer: r.alteredByServer, unreadable: r.unreadable, sourceProblems: r.sourceProblems, error: null,
		folders: r.folders, problems: r.problems,
	};
}

export type ReportInput = Readonly<{config: MigrationConfig; result: EngineResult; startedAt: Date; verify?: VerifyReport; compression?: CompressionReport}>;

function header(kind: 'migrate' | 'verify', config: MigrationConfig, startedAt: Date, finishedAt: Date): ReportHeader {
	return {
		schemaVersion: REPORT_SCHEMA_VERSION, kind, tool: 'mailshift', version: toolVersion(),
		startedAt: startedAt.toISOString(), finishedAt: finishedAt.toISOString(),
		source: config.source, destination: config.target ? describeTarget(config.target) : null,
	};
}

/** The migrate report. Pure but for reading the tool version once. */
export function buildReport({config, result, startedAt, verify, compression}: ReportInput): RunReport {
	const {summary, fatal} = result;
	return {
		...header('migrate', config, startedAt, new Date(startedAt.getTime() + summary.elapsedMs)),
		kind: 'migrate',
		dryRun: summary.dryRun,
		interrupted: summary.interrupted,
		stopReason: summary.stopReason ?? null,
		notSent: summary.interrupted ? summary.notSent ?? null : null,
		fatalError: fatal ? {code: fatal.code, message: fatal.message, hint: fatal.hint ?? null} : null,
		elapsedMs: summary.elapsedMs,
		totals: {found: summary.found, uploaded: summary.uploaded, skipped: summary.skipped, failed: summary.failed, bytes: summary.bytes},
		folders: summary.folders,
		problems: summary.problems,
		problemsNotListed: summary.problemsDropped,
		skippedNotListed: summary.skippedUnlisted,
		verify: verify ?? verifyReportOf(undefined),
		compression: compression ?? null,
	};
}

/** The verify command's report. Pure but for reading the tool version once. */
export function buildVerifyReport(config: MigrationConfig, startedAt: Date, verify: VerifyReport, finishedAt = new Date()): VerifyCommandReport {
	return {...header('verify', config, startedAt, finishedAt), kind: 'verify', verify};
}

/** JSON text of a report; bigints (none today) would be written as strings. */
export function reportJson(report: RunReport | VerifyCommandReport, indent?: number): string {
	return JSON.stringify(report, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value), indent);
}

export async function writeReport(path: string, report: RunReport | VerifyCommandReport): Promise<void> {
	await atomicWrite(path, reportJson(report, 2) + '\n');
}
