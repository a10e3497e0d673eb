/** Step 4 — choose and map folders: every folder with its target mailbox and counts; a footer with totals and quota fit. */
import {MultiSelect, Spinner} from '@inkjs/ui';
import {Box, Text} from 'ink';
import {useEffect, useState} from 'react';
import {formatBytes, formatCount} from '../format.js';
import type {PlannedFolder} from '../wizard-services.js';

type Props = Readonly<{load: () => Promise<PlannedFolder[]>; freeBytes: number | undefined; onDone: (chosen: PlannedFolder[], all: PlannedFolder[]) => void}>;

export function FoldersStep({load, freeBytes, onDone}: Props) {
	const [folders, setFolders] = useState<PlannedFolder[] | undefined>();
	const [selected, setSelected] = useState<string[]>([]);
	const [error, setError] = useState<string | undefined>();
	useEffect(() => {
		load().then((f) => {
			setFolders(f);
			setSelected(f.map((x) => x.label));
		}, (e: unknown) => setError(e instanceof Error ? e.message : String(e)));
	}, [load]);
	if (error) return <Text color="red">✗ {error}</Text>;
	if (!folders) return <Spinner label="Reading the folders and planning where each one goes…" />;
	const chosen = folders.filter((f) => selected.includes(f.label));
	const bytes = chosen.reduce((n, f) => n + (f.bytes ?? 0), 0);
	const isSizeKnown = chosen.some((f) => f.bytes !== undefined);
	const messages = chosen.every((f) => f.count !== undefined) ? chosen.reduce((n, f) => n + (f.count ?? 0), 0) : undefined;
	const fits = freeBytes === undefined ? undefined : bytes <= freeBytes;
	return (
		<Box flexDirection="column">
			<Text bold>4. Which folders, and where to? <Text dimColor>(space toggles, Enter continues)</Text></Text>
			<MultiSelect visibleOptionCount={10} defaultValue={folders.map((f) => f.label)} onChange={setSelected} onSubmit={(values) => onDone(folders.filter((f) => values.includes(f.label)), folders)}
				options={folders.map((f) => ({label: `${f.label} → ${f.mailbox}${f.rule !== 'same-name' && f.rule !== 'inbox' && f.rule !== 'prefix' ? ` (${f.rule} folder)` : ''}${f.count === undefined ? '' : ` · ${formatCount(f.count)} msgs`}${f.bytes === undefined ? '' : ` · ${formatBytes(f.bytes)}`}`, value: f.label}))} />
			<Text>
				{formatCount(chosen.length)} of {formatCount(folders.length)} folders{messages === undefined ? '' : `, ${formatCount(messages)} messages`}{isSizeKnown ? `, ${formatBytes(bytes)}` : ''}
				{fits === undefined || !isSizeKnown ? '' : fits ? <Text color="green"> — fits the quota</Text> : <Text color="red"> — does NOT fit the quota ({formatBytes(bytes - (freeBytes ?? 0))} short)</Text>}
			</Text>
			<Text dimColor>Messages already on the server are found and skipped; contacts and calendar items are not mail and stay out.</Text>
		</Box>
	);
}
