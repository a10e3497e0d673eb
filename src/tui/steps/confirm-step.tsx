/** Step 5 — confirm: one screen with everything that will happen, and a time estimate. */
import ConfirmField from '../components/confirm-field.js';
import {Box, Text} from 'ink';
import {formatBytes, formatCount, formatDuration, plural} from '../format.js';

type Props = Readonly<{
	source: string;
	destination: string;
	folders: number;
	messages: number | undefined;
	bytes: number;
	backupDir: string | undefined;
	/** Lines describing the user's own mapping (prefix, moved folders). */
	mapping?: readonly string[];
	estimateSeconds: number | undefined;
	/** What happens to the mail program's filters (the rules step), one line. */
	rules?: string;
	onConfirm: () => void;
	onCancel: () => void;
}>;

export function ConfirmStep(p: Props) {
	return (
		<Box flexDirection="column">
			<Text bold>5. Ready</Text>
			<Text>From   {p.source}</Text>
			<Text>To     {p.destination}</Text>
			<Text>What   {plural(p.folders, 'folder')}{p.messages === undefined ? '' : `, ${plural(p.messages, 'message')}`}{p.bytes > 0 ? `, ${formatBytes(p.bytes)}` : ''}</Text>
			{(p.mapping ?? []).map((line) => <Text key={line}>Where  {line}</Text>)}
			{p.rules ? <Text>Rules  {p.rules}</Text> : null}
			{p.backupDir ? <Text>Backup {p.backupDir} (first)</Text> : null}
			{p.estimateSeconds === undefined ? null : <Text>Time   about {formatDuration(p.estimateSeconds)} (from the measured connection speed; the dashboard shows the real rate)</Text>}
			<Text dimColor>Nothing is deleted anywhere. You can stop at any time (q); running it again continues without duplicates.</Text>
			<Text>Start now?</Text>
			<ConfirmField defaultChoice="confirm" onConfirm={p.onConfirm} onCancel={p.onCancel} />
		</Box>
	);
}
