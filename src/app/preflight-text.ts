/**
 * The pre-flight block printed after a dry run against a server: what the server can do, whether the mail
 * fits the quota, and folder-name clashes — the questions to answer before anything is written.
 */
import type {Summary} from '../contracts/types.js';
import type {Quota} from '../contracts/mail-sink.js';
import {formatBytes, plural} from '../util/format.js';

const INTERESTING = ['UIDPLUS', 'SPECIAL-USE', 'QUOTA', 'APPENDLIMIT', 'LITERAL+', 'LITERAL-', 'MULTIAPPEND', 'BINARY', 'MOVE', 'UTF8=ACCEPT', 'COMPRESS=DEFLATE', 'NAMESPACE'];

export function formatPreflight(summary: Summary, capabilities: ReadonlyMap<string, boolean | number>, quota: Quota | undefined): string {
	const lines = ['Pre-flight:'];
	const caps = INTERESTING.map((c) => (capabilities.has(c) ? `${c}${typeof capabilities.get(c) === 'number' ? `=${capabilities.get(c)}` : ''} ✓` : `${c} ✗`));
	lines.push(`  Server capabilities: ${caps.join('  ')}`);
	if (!capabilities.has('UIDPLUS')) lines.push('  Note: no UIDPLUS — uploads are confirmed by Message-ID instead of UID.');
	const needed = summary.bytes;
	if (quota) {
		const free = quota.limitBytes - quota.usedBytes;
		lines.push(`  Quota: ${formatBytes(quota.usedBytes)} used of ${formatBytes(quota.limitBytes)}; this migration needs ${formatBytes(needed)} — ${needed <= free ? 'it fits' : `it does NOT fit (${formatBytes(needed - free)} short)`}.`);
	} else {
		lines.push(`  Quota: the server reports none; this migration uploads ${formatBytes(needed)}.`);
	}
	const tooBig = summary.problems.filter((p) => p.code === 'TOO_BIG').length;
	if (tooBig > 0) lines.push(`  ${plural(tooBig, 'message is', 'messages are')} over the server's APPENDLIMIT and would fail.`);
	const byTarget = new Map<string, string[]>();
	for (const f of summary.folders) byTarget.set(f.mailbox.toLowerCase(), [...(byTarget.get(f.mailbox.toLowerCase()) ?? []), f.folder]);
	for (const [, folders] of byTarget) if (folders.length > 1) lines.push(`  Merged: ${folders.map((f) => `"${f}"`).join(' and ')} go into the same mailbox.`);
	const renamed = summary.problems.filter((p) => p.code === 'FOLDER_RENAMED');
	for (const p of renamed.slice(0, 20)) lines.push(`  Renamed: ${p.folder}: ${p.reason}`);
	const present = summary.skippedUnlisted['ALREADY_ON_SERVER'] ?? 0;
	if (present > 0) lines.push(`  ${plural(present, 'message is', 'messages are')} already on the server and would be skipped.`);
	return lines.join('\n') + '\n';
}
