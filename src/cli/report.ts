/**
 * --report FILE.json: the summary plus every failed/skipped/warned message with its source reference and
 * reason. Contains no secrets: the destination is written without password (there never is one in it).
 * Written atomically (util/atomic-write.ts).
 */
import type {MigrationConfig} from '../config/config.js';
import type {EngineResult} from '../core/engine.js';
import {describeTarget} from '../uploader/imap-target.js';
import {atomicWrite} from '../util/atomic-write.js';

export type ReportInput = Readonly<{config: MigrationConfig; result: EngineResult; startedAt: Date}>;

export function buildReport({config, result, startedAt}: ReportInput): object {
	const {summary, fatal} = result;
	return {
		reportVersion: 1,
		tool: 'mailshift',
		startedAt: startedAt.toISOString(),
		finishedAt: new Date(startedAt.getTime() + summary.elapsedMs).toISOString(),
		source: config.source,
		destination: config.target ? describeTarget(config.target) : null,
		dryRun: summary.dryRun,
		interrupted: summary.interrupted,
		fatalError: fatal ? {code: fatal.code, message: fatal.message, hint: fatal.hint ?? null} : null,
		totals: {found: summary.found, uploaded: summary.uploaded, skipped: summary.skipped, failed: summary.failed, bytes: summary.bytes},
		folders: summary.folders,
		problems: summary.problems,
		problemsNotListed: summary.problemsDropped,
		skippedNotListed: summary.skippedUnlisted,
	};
}

export async function writeReport(path: string, input: ReportInput): Promise<void> {
	await atomicWrite(path, JSON.stringify(buildReport(input), null, 2) + '\n');
}
