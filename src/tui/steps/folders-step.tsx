/**
 * Step 4 — choose and map folders: every folder with its target mailbox and counts; `m` changes where one goes,
 * `x` puts everything below one folder; a footer with totals and quota fit.
 */
import {MultiSelect, Select, Spinner} from '@inkjs/ui';
import TextField from '../components/text-field.js';
import {Box, Text, useInput} from 'ink';
import {useEffect, useState} from 'react';
import {formatBytes, formatCount, plural} from '../format.js';
import {useIsListening} from '../use-is-listening.js';
import type {FolderRule, PlannedFolder} from '../../app/wizard-services.js';

type Props = Readonly<{
	load: (prefix: string | undefined, rules: readonly FolderRule[]) => Promise<PlannedFolder[]>;
	freeBytes: number | undefined;
	onDone: (chosen: PlannedFolder[], all: PlannedFolder[], prefix: string | undefined, rules: readonly FolderRule[]) => void;
}>;

type Mode = 'list' | 'prefix' | 'pick' | 'target';

export function FoldersStep({load, freeBytes, onDone}: Props) {
	const [folders, setFolders] = useState<PlannedFolder[] | undefined>();
	const [selected, setSelected] = useState<string[] | undefined>();
	const [error, setError] = useState<string | undefined>();
	const [prefix, setPrefix] = useState<string | undefined>();
	const [rules, setRules] = useState<readonly FolderRule[]>([]);
	const [mode, setMode] = useState<Mode>('list');
	const [editing, setEditing] = useState<PlannedFolder | undefined>();
	const [version, setVersion] = useState(0);

	useEffect(() => {
		setFolders(undefined);
		load(prefix, rules).then((f) => {
			setFolders(f);
			setSelected((old) => old ?? f.filter((x) => !x.isNotMail).map((x) => x.label));
		}, (e: unknown) => setError(e instanceof Error ? e.message : String(e)));
	}, [load, prefix, rules]);

	useInput((input) => {
		if (input === 'x') setMode('prefix');
		else if (input === 'm') setMode('pick');
	}, {isActive: mode === 'list' && folders !== undefined});
	// The keys are shown only once the list that is on screen listens (ink subscribes after the frame is drawn;
	// see useIsListening): the list is remounted with every re-plan (`version`).
	const isListening = useIsListening(folders && selected && (mode === 'list' || mode === 'pick') ? `${mode}:${version}` : undefined);

	if (error) return <Text color="red">✗ {error}</Text>;
	if (!folders || !selected) return <Spinner label="Reading the folders and planning where each one goes…" />;
	if (mode === 'prefix') {
		return (
			<Box flexDirection="column">
				<Text>Put every folder below one folder on the server, e.g. <Text bold>Imported/Old PC</Text> (empty: keep them where they are):</Text>
				<TextField defaultValue={prefix ?? ''} placeholder="Imported/Old PC" onSubmit={(value) => {
					// The list is re-planned: no stale list (keys pressed on it would act on rows about to be replaced).
					setFolders(undefined);
					setPrefix(value.trim().replace(/^\/+|\/+$/g, '') || undefined);
					setMode('list');
					setVersion((v) => v + 1);
				}} />
			</Box>
		);
	}
	if (mode === 'pick') {
		return (
			<Box flexDirection="column">
				<Text>Which folder should go somewhere else?{isListening ? <Text dimColor> (↑/↓ and Enter to choose)</Text> : null}</Text>
				<Select visibleOptionCount={10} options={folders.map((f) => ({label: `${f.label} → ${f.mailbox}`, value: f.label}))}
					onChange={(label) => {
						setEditing(folders.find((f) => f.label === label));
						setMode('target');
					}} />
			</Box>
		);
	}
	if (mode === 'target' && editing) {
		return (
			<Box flexDirection="column">
				<Text>Where should <Text bold>{editing.label}</Text> (and its subfolders) go? Levels separated by /; INBOX is the inbox:</Text>
				<TextField defaultValue={editing.mailbox} onSubmit={(value) => {
					const to = value.trim().replace(/^\/+|\/+$/g, '');
					if (to) {
						setFolders(undefined);
						setRules([...rules.filter((r) => r.from !== editing.label), {from: editing.label, to}]);
					}
					setMode('list');
					setVersion((v) => v + 1);
				}} />
			</Box>
		);
	}
	const chosen = folders.filter((f) => selected.includes(f.label));
	const bytes = chosen.reduce((n, f) => n + (f.bytes ?? 0), 0);
	const isSizeKnown = chosen.some((f) => f.bytes !== undefined);
	const messages = chosen.every((f) => f.count !== undefined) ? chosen.reduce((n, f) => n + (f.count ?? 0), 0) : undefined;
	const fits = freeBytes === undefined ? undefined : bytes <= freeBytes;
	const describe = (f: PlannedFolder): string => {
		const role = f.rule === 'map' ? ' (your choice)' : ['sent', 'drafts', 'trash', 'junk', 'archive'].includes(f.rule) ? ` (${f.rule} folder)` : '';
		const size = `${f.count === undefined ? '' : ` · ${plural(f.count, 'item')}`}${f.bytes === undefined ? '' : ` · ${formatBytes(f.bytes)}`}`;
		const present = f.alreadyOnServer ? ` · ${formatCount(f.alreadyOnServer)} already on the server: skipped` : '';
		return `${f.label} → ${f.mailbox}${role}${size}${present}${f.isNotMail ? ' · not mail (calendar/contacts): stays out' : ''}`;
	};
	return (
		<Box flexDirection="column">
			<Text bold>4. Which folders, and where to?{isListening ? <Text dimColor> (space toggles · m: change where one goes · x: all below one folder · Enter continues)</Text> : null}</Text>
			{prefix ? <Text dimColor>Everything goes below {prefix}</Text> : null}
			<MultiSelect key={version} visibleOptionCount={10} defaultValue={selected} onChange={setSelected}
				onSubmit={(values) => onDone(folders.filter((f) => values.includes(f.label)), folders, prefix, rules)}
				options={folders.map((f) => ({label: describe(f), value: f.label}))} />
			<Text>
				{formatCount(chosen.length)} of {plural(folders.length, 'folder')}{messages === undefined ? '' : `, ${plural(messages, 'message')}`}{isSizeKnown ? `, ${formatBytes(bytes)}` : ''}
				{fits === undefined || !isSizeKnown ? '' : fits ? <Text color="green"> — fits the quota</Text> : <Text color="red"> — does NOT fit the quota ({formatBytes(bytes - (freeBytes ?? 0))} short)</Text>}
			</Text>
			{chosen.some((f) => f.alreadyOnServer) ? <Text>{alreadyOnServerText(chosen.reduce((n, f) => n + (f.alreadyOnServer ?? 0), 0))}</Text> : null}
			<Text dimColor>Anything already on the server is found and skipped; contacts and calendar items are not mail and stay out (a backup keeps them as .vcf/.ics files).</Text>
		</Box>
	);
}

/** "1 message is" / "2 messages are" already on the server (left there by POP, found when the step opened). */
export function alreadyOnServerText(count: number): string {
	return `${plural(count, 'message')} ${count === 1 ? 'is' : 'are'} already on the server (e.g. left there by POP) and will not be uploaded again.`;
}
