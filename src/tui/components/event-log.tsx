import {Box, Text} from 'ink';
import type {LogLine} from '../../engine/stats.js';

type Props = Readonly<{log: readonly LogLine[]; dropped: number; rows: number; width: number}>;

/** The latest warnings, errors and finished folders (bounded; the report file has everything). */
export default function EventLog({log, dropped, rows, width}: Props) {
	const shown = log.slice(-rows);
	if (shown.length === 0) return null;
	const hidden = log.length - shown.length + dropped;
	return (
		<Box flexDirection="column">
			{hidden > 0 ? <Text dimColor>… {hidden} earlier messages (see the report)</Text> : null}
			{shown.map((line, i) => (
				<Text key={`${line.at}-${i}`} {...(line.level === 'error' ? {color: 'red'} : line.level === 'warn' ? {color: 'yellow'} : {dimColor: true})} wrap="truncate-end">
					{(line.level === 'error' ? '✗ ' : line.level === 'warn' ? '! ' : '✓ ') + line.text.slice(0, width * 2)}
				</Text>
			))}
		</Box>
	);
}
