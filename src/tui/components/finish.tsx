import {Box, Text} from 'ink';
import type {StatsSnapshot} from '../../engine/stats.js';
import type {FinishInfo} from '../../app/finish-info.js';
import {describeStop, formatBytes, formatCount, formatDuration} from '../format.js';


type Line = Readonly<{text: string; color?: 'red' | 'yellow' | 'green'; bold?: boolean; dim?: boolean}>;

/**
 * The finish screen as lines, so the dashboard can give it the rows it needs first (at 80×24 it must fit
 * whole, commands included: a person copies them from here) and fill the rest with folders and the log.
 */
export function finishLines(s: StatsSnapshot, info: FinishInfo, now: number): Line[] {
	const ok = !info.interrupted && !info.error && s.failed === 0 && !info.attention;
	const lines: Line[] = [];
	if (info.error) lines.push({text: `✗ ${info.error}`, color: 'red', bold: true});
	if (info.error && info.hint) lines.push({text: info.hint});
	if (info.interrupted && !info.error) {
		const stop = info.notSent ? describeStop({notSent: info.notSent, uploaded: s.uploaded, skipped: s.skipped, failed: s.failed}, info) : undefined;
		lines.push({text: `${stop ? `${stop[0]?.toUpperCase()}${stop.slice(1)}.` : 'Stopped before the end.'}${info.stopReason ? ` ${info.stopReason}` : ''}`, color: 'yellow', bold: true});
	}
	if (info.attention) {
		const {count, codes, first} = info.attention;
		lines.push(
			{text: `⚠ ${count === 1 ? '1 warning needs' : `${formatCount(count)} warnings need`} checking (${codes.join(', ')}) — not everything may be right:`, color: 'yellow', bold: true},
			{text: `  ${first.location}: ${first.reason}`},
		);
		if (count > 1) lines.push({text: info.reportPath ? `  The others are listed in the report (${info.reportPath}).` : `  … and ${formatCount(count - 1)} more like it.`});
	}
	if (ok) lines.push({text: `✓ ${info.dryRun ? 'Dry run complete: nothing was written.' : 'Done: every message is on the server.'}`, color: 'green', bold: true});
	lines.push({text: `${formatCount(s.uploaded)} uploaded · ${formatCount(s.skipped)} skipped · ${formatCount(s.failed)} failed · ${formatBytes(s.bytes)} in ${formatDuration((now - s.startedAt) / 1000)}`});
	if (info.verify) lines.push({text: info.verify, color: info.isVerified ? 'green' : 'yellow'});
	if (info.rules) lines.push({text: info.rules, color: info.isRulesOk === false ? 'yellow' : 'green'});
	if (info.journalPath) lines.push({text: `Journal: ${info.journalPath}`, dim: true});
	if (info.reportPath) lines.push({text: `Report: ${info.reportPath}`, dim: true});
	if (info.interrupted || s.failed) {
		lines.push({text: info.resumeCommand ? 'To continue or retry (nothing is uploaded twice), run:' : 'To continue or retry, run the same command again. Nothing is uploaded twice.'});
		if (info.resumeCommand) lines.push({text: `  ${info.resumeCommand}`, bold: true});
	}
	if (!ok && info.verifyCommand && info.isVerified === false) lines.push({text: 'The list of what is missing:'}, {text: `  ${info.verifyCommand}`, bold: true});
	if (ok && !info.dryRun) {
		lines.push(
			{text: 'Next, in your mail program:', bold: true},
			{text: ' 1. Add the account as IMAP; check that the folders and old mail are there.'},
			{text: ' 2. Only then remove the old POP account (or let it leave mail on the server).'},
			{text: ' 3. Keep the old mail store and your backup until you are sure.'},
			info.verifyCommand
				? {text: ` 4. To prove again that every message is there exactly once: ${info.verifyCommand}`}
				: {text: ' 4. Run `mailshift verify` any time to prove every message is there exactly once.'},
		);
	}
	return lines;
}

/** Terminal rows the lines take at this width, wrapped at spaces as ink does (words longer than a row are cut). */
export function rowsOf(lines: readonly Line[], width: number): number {
	const w = Math.max(1, width);
	let rows = 0;
	for (const line of lines) {
		let used = -1;
		rows++;
		for (const word of line.text.split(' ')) {
			const n = [...word].length;
			if (used >= 0 && used + 1 + n <= w) {
				used += 1 + n;
				continue;
			}
			if (used >= 0) rows++;
			rows += Math.max(0, Math.ceil(n / w) - 1);
			used = n % w === 0 && n > 0 ? w : n % w;
		}
	}
	return rows;
}

type Props = Readonly<{lines: readonly Line[]}>;

/** The last screen: outcome, where the journal and report are, the exact commands, and what to do next. */
export default function Finish({lines}: Props) {
	return (
		<Box flexDirection="column">
			{lines.map((l, i) => (
				<Text key={i} {...(l.color ? {color: l.color} : {})} {...(l.bold ? {bold: true} : {})} {...(l.dim ? {dimColor: true} : {})}>{l.text}</Text>
			))}
		</Box>
	);
}
