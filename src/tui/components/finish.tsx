import {Box, Text} from 'ink';
import type {StatsSnapshot} from '../../core/stats.js';
import {formatBytes, formatCount, formatDuration} from '../format.js';

export type FinishInfo = Readonly<{
	interrupted: boolean;
	stopReason?: string;
	error?: string;
	journalPath?: string;
	reportPath?: string;
	resumeCommand?: string;
	/** The result of the automatic verify, one line. */
	verify?: string;
	/** The same as data: true when every message was on the server exactly once; absent when verify did not run. */
	isVerified?: boolean;
	dryRun: boolean;
}>;

type Props = Readonly<{snapshot: StatsSnapshot; info: FinishInfo; now: number}>;

/** The last screen: outcome, where the journal and report are, and what to do next in the mail client. */
export default function Finish({snapshot: s, info, now}: Props) {
	const ok = !info.interrupted && !info.error && s.failed === 0;
	return (
		<Box flexDirection="column" marginTop={1}>
			{info.error ? <Text color="red" bold>✗ {info.error}</Text> : null}
			{info.interrupted && !info.error ? <Text color="yellow" bold>Stopped before the end.{info.stopReason ? ` ${info.stopReason}` : ''}</Text> : null}
			{ok ? <Text color="green" bold>✓ {info.dryRun ? 'Dry run complete: nothing was written.' : 'Done: every message is on the server.'}</Text> : null}
			<Text>
				{formatCount(s.uploaded)} uploaded · {formatCount(s.skipped)} skipped · {formatCount(s.failed)} failed · {formatBytes(s.bytes)} in {formatDuration((now - s.startedAt) / 1000)}
			</Text>
			{info.verify ? <Text color={info.isVerified ? 'green' : 'yellow'}>{info.verify}</Text> : null}
			{info.journalPath ? <Text dimColor>Journal: {info.journalPath}</Text> : null}
			{info.reportPath ? <Text dimColor>Report: {info.reportPath}</Text> : null}
			{info.interrupted || s.failed ? <Text>To continue or retry, run the same command again{info.resumeCommand ? `: ${info.resumeCommand}` : ''}. Nothing is uploaded twice.</Text> : null}
			{ok && !info.dryRun ? (
				<Box flexDirection="column" marginTop={1}>
					<Text bold>Next, in your mail program:</Text>
					<Text>  1. Add the account as IMAP and check that the folders and old mail appear (compare a few folders' counts).</Text>
					<Text>  2. Only then remove the old POP account — or set it to "leave a copy of messages on the server".</Text>
					<Text>  3. Keep the old mail store (PST/mbox/Maildir) and your backup until you are sure.</Text>
					<Text>  4. Run `mailshift verify` with the same options any time to prove every message is there exactly once.</Text>
				</Box>
			) : null}
		</Box>
	);
}
