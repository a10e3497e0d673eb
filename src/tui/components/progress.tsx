import {Box, Text} from 'ink';
import type {StatsSnapshot} from '../../engine/stats.js';
import {bar, formatBytes, formatCount, formatDuration} from '../format.js';

type Props = Readonly<{snapshot: StatsSnapshot; width: number; now: number}>;

/** Overall progress: bar, messages and bytes, rate, ETA, elapsed. */
export default function Progress({snapshot: s, width, now}: Props) {
	const total = s.totalMessages;
	const fraction = total ? s.done / total : s.totalBytes ? s.bytes / s.totalBytes : 0;
	const percent = total || s.totalBytes ? `${Math.floor(fraction * 100)}%` : '';
	const barWidth = Math.max(10, Math.min(50, width - 30));
	const eta = s.etaSeconds === undefined ? '' : `  ETA ${formatDuration(s.etaSeconds)}`;
	return (
		<Box flexDirection="column">
			<Text>
				<Text color="green">{bar(fraction, barWidth)}</Text> {percent}
			</Text>
			<Text>
				{formatCount(s.done)}{total === undefined ? '' : `/${formatCount(total)}`} messages · {formatBytes(s.bytes)}
				{s.failed ? <Text color="red"> · {formatCount(s.failed)} failed</Text> : null}
				{s.skipped ? <Text dimColor> · {formatCount(s.skipped)} skipped</Text> : null}
			</Text>
			<Text dimColor>
				{s.messagesPerSecond.toFixed(1)} msg/s · {(s.bytesPerSecond / 1e6).toFixed(2)} MB/s{eta} · elapsed {formatDuration((now - s.startedAt) / 1000)}
			</Text>
		</Box>
	);
}
