/** The end-of-run summary table (stdout): per folder found / uploaded / skipped / failed, then totals. */
import type {MigrationConfig} from '../config/config.js';
import type {Summary} from '../contracts/types.js';
import {describeStop, fit, formatBytes, formatCount, formatDuration, displayWidth, plural} from '../util/format.js';

/**
 * `columns`: the terminal's width when stdout is one (the table then fits it), else unlimited. `storeBytes`: the
 * source's `storeSize` (readers/store-size.ts), the size `discover` and the guided mode show; the table's size
 * column is what was (or would be) uploaded, which differs (composed Outlook items, CRLF line ends).
 */
export function formatSummary(summary: Summary, config: Pick<MigrationConfig, 'dryRun'>, columns?: number, storeBytes?: number): string {
	const lines: string[] = [];
	const verb = config.dryRun ? 'to upload' : 'uploaded';
	// 5 numbers × 10 + size 11 + arrows and margins 6 = 67 columns besides the two names.
	const nameRoom = columns ? Math.max(24, columns - 67) : 80;
	const folderWidth = Math.min(40, Math.floor(nameRoom / 2), Math.max(12, ...summary.folders.map((f) => displayWidth(f.folder))));
	const boxWidth = Math.min(40, nameRoom - folderWidth, Math.max(12, ...summary.folders.map((f) => displayWidth(f.mailbox))));
	const num = (n: number): string => formatCount(n).padStart(9);
	// The table counts mail only; Outlook items that are not mail (contacts, calendar items…) are listed apart, and
	// a folder holding nothing else gets no row (it gets no mailbox either).
	const notMail = new Map<string, number>();
	for (const p of summary.problems) if (p.code === 'NOT_MAIL') notMail.set(p.folder, (notMail.get(p.folder) ?? 0) + 1);
	const notMailIn = (f: {folder: string}): number => notMail.get(f.folder) ?? 0;
	const allNotMail = [...notMail.values()].reduce((a, b) => a + b, 0);
	lines.push(config.dryRun ? 'DRY RUN — plan (nothing was written):' : 'Summary:');
	lines.push(`  ${fit('Folder', folderWidth)}   ${fit('Mailbox', boxWidth)} ${'found'.padStart(9)} ${verb.padStart(9)} ${'skipped'.padStart(9)} ${'failed'.padStart(9)} ${'size'.padStart(10)}`);
	for (const f of summary.folders) {
		if (f.found > 0 && notMailIn(f) === f.found) continue;
		lines.push(`  ${fit(f.folder, folderWidth)} → ${fit(f.mailbox, boxWidth)} ${num(f.found - notMailIn(f))} ${num(f.uploaded)} ${num(f.skipped - notMailIn(f))} ${num(f.failed)} ${formatBytes(f.bytes).padStart(10)}`);
	}
	lines.push(`  ${fit('Total', folderWidth)}   ${fit('', boxWidth)} ${num(summary.found - allNotMail)} ${num(summary.uploaded)} ${num(summary.skipped - allNotMail)} ${num(summary.failed)} ${formatBytes(summary.bytes).padStart(10)}`);
	if (allNotMail > 0) lines.push(`  Not mail, not uploaded (\`mailshift backup\` saves them): ${[...notMail].map(([folder, n]) => `${folder} ${formatCount(n)}`).join(', ')}.`);
	if (storeBytes !== undefined) lines.push(`  Store size ${formatBytes(storeBytes)} (its mail files, as \`mailshift discover\` shows it); the size column is what ${config.dryRun ? 'would be' : 'was'} uploaded.`);
	lines.push(`  ${plural(summary.folders.length, 'folder')} in ${formatDuration(summary.elapsedMs / 1000)}${summary.interrupted ? ` — ${describeStop(summary, config)}` : ''}.`);
	const failed = summary.problems.filter((p) => p.kind === 'failed');
	const skipped = summary.problems.filter((p) => p.kind === 'skipped');
	const warnings = summary.problems.filter((p) => p.kind === 'warning');
	const skippedCodes = [...skipped.map((p) => p.code), ...Object.entries(summary.skippedUnlisted ?? {}).flatMap(([code, n]) => Array<string>(n).fill(code))];
	if (skippedCodes.length > 0) lines.push(`  Skipped: ${describeCodes(skippedCodes)}.`);
	if (warnings.length > 0) lines.push(`  Warnings: ${describeCodes(warnings.map((p) => p.code))}.`);
	for (const p of failed.slice(0, 10)) lines.push(`  failed: ${p.location}: ${p.reason}`);
	if (failed.length > 10 || summary.problemsDropped > 0) lines.push(`  … ${formatCount(failed.length - Math.min(10, failed.length) + summary.problemsDropped)} more; use --report FILE.json for the full list.`);
	return lines.join('\n') + '\n';
}

/**
 * Problem codes whose words name a counted thing, as [one, many]. Other codes read as an adjective after the
 * count ("3 already on server", "1 trashed") and need no plural.
 */
const COUNTED: Readonly<Record<string, readonly [string, string]>> = {
	FILE_IGNORED: ['file ignored', 'files ignored'],
	DATE_FALLBACK: ['date fallback', 'date fallbacks'],
	DUPLICATE: ['duplicate', 'duplicates'],
	MESSAGE_EMPTY: ['empty message', 'empty messages'],
	MESSAGE_UNPARSEABLE: ['unparseable message', 'unparseable messages'],
	MESSAGE_REJECTED: ['message rejected', 'messages rejected'],
	FOLDER_RENAMED: ['folder renamed', 'folders renamed'],
	NOT_MAIL: ['item that is not mail', 'items that are not mail'],
	FLAGS_DROPPED: ['message with flags dropped', 'messages with flags dropped'],
	SOURCE_UNREADABLE: ['unreadable file or folder', 'unreadable files or folders'],
};

/** "2 files ignored, 1 date fallback": counts per code, in first-seen order. Pure. */
export function describeCodes(codes: readonly string[]): string {
	const counts = new Map<string, number>();
	for (const c of codes) counts.set(c, (counts.get(c) ?? 0) + 1);
	return [...counts].map(([code, n]) => {
		const words = COUNTED[code];
		return words ? plural(n, words[0], words[1]) : `${formatCount(n)} ${code.toLowerCase().replaceAll('_', ' ')}`;
	}).join(', ');
}
