/** Step 2 — back up first? Recommended; the backup runs before anything is uploaded. */
import ConfirmField from '../components/confirm-field.js';
import TextField from '../components/text-field.js';
import {Box, Text} from 'ink';
import {useState} from 'react';

type Props = Readonly<{canBackup: boolean; defaultDir: string; onDone: (backupDir: string | undefined) => void}>;

export function BackupStep({canBackup, defaultDir, onDone}: Props) {
	const [isAskingDir, setAskingDir] = useState(false);
	if (!canBackup) {
		return (
			<Box flexDirection="column">
				<Text bold>2. Back up first</Text>
				<Text>mailshift only reads your mail store — it never changes or deletes it. Keep a copy of it anyway until you have checked the server.</Text>
				<ConfirmField defaultChoice="confirm" onConfirm={() => onDone(undefined)} onCancel={() => onDone(undefined)} />
			</Box>
		);
	}
	if (isAskingDir) {
		return (
			<Box flexDirection="column">
				<Text>Back up into which folder?</Text>
				<TextField defaultValue={defaultDir} onSubmit={(value) => onDone(value.trim() || defaultDir)} />
			</Box>
		);
	}
	return (
		<Box flexDirection="column">
			<Text bold>2. Back up first? <Text color="green">(recommended)</Text></Text>
			<Text>A verified copy of every message is written to a folder on this computer before anything changes.</Text>
			<ConfirmField defaultChoice="confirm" onConfirm={() => setAskingDir(true)} onCancel={() => onDone(undefined)} />
		</Box>
	);
}
