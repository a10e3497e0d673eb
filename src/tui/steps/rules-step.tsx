/**
 * Between the folders and the confirm screen — the store's filters (issue #17): "Your rules: 12 filters → 10
 * server rules; 2 stay on this computer because …", then install yes/no (default yes when the server offers
 * ManageSieve; otherwise save a .sieve file, and say how to use it). When the user already has an active
 * script: include / replace / skip, never silently. Nothing is installed here: the install runs after the mail
 * and shows on the finish screen. Skipped (onDone(undefined)) when the store has no filters.
 */
import {Select, Spinner} from '@inkjs/ui';
import {Box, Text} from 'ink';
import {useEffect, useState} from 'react';
import ConfirmField from '../components/confirm-field.js';
import {plural} from '../format.js';
import {useIsListening} from '../use-is-listening.js';
import type {RulesChoice, RulesPreview} from '../../app/wizard-services.js';

type Props = Readonly<{load: () => Promise<RulesPreview | undefined>; onDone: (choice: RulesChoice | undefined, preview: RulesPreview | undefined) => void}>;

/** At 80×24 the list of filters that stay gets at most this many rows; the rest is counted. */
const MAX_LISTED = 5;

export function RulesStep({load, onDone}: Props) {
	const [preview, setPreview] = useState<RulesPreview | undefined | 'loading'>('loading');
	const [isAskingActive, setAskingActive] = useState(false);
	// The include/replace/skip list listens once its Select has mounted (a child: its effects run first).
	const isListening = useIsListening(isAskingActive ? 'active-script' : undefined);
	useEffect(() => {
		let isLive = true;
		load().then((p) => {
			if (!isLive) return;
			if (p === undefined) onDone(undefined, undefined);
			else setPreview(p);
		}, (error: unknown) => {
			if (isLive) setPreview({filters: 0, serverRules: 0, local: [], hasManageSieve: false, hasInclude: false, defaultOutFile: '', problem: (error as Error).message});
		});
		return () => {
			isLive = false;
		};
	}, [load]);

	if (preview === 'loading') return <Spinner label="Looking for your mail program's filters…" />;
	if (preview === undefined) return null;
	const p = preview;
	if (p.problem) {
		return (
			<Box flexDirection="column">
				<Text bold>Your rules</Text>
				<Text color="yellow">Your filters could not be read: {p.problem}</Text>
				<Text>Your mail is not affected. Continue without the rules?</Text>
				<ConfirmField defaultChoice="confirm" onConfirm={() => onDone(undefined, p)} onCancel={() => onDone(undefined, p)} />
			</Box>
		);
	}
	const listed = p.local.slice(0, MAX_LISTED);
	const heading = (
		<>
			<Text bold>Your rules</Text>
			<Text>Your rules: {plural(p.filters, 'filter')} → {plural(p.serverRules, 'server rule')}{p.local.length > 0 ? `; ${p.local.length} stay on this computer because …` : '.'}</Text>
			{listed.map((l, i) => <Text key={`${i}:${l.name}`} wrap="truncate-end">  • {l.name}: {l.reason}</Text>)}
			{p.local.length > listed.length ? <Text dimColor>  … and {p.local.length - listed.length} more (`mailshift rules` lists them all)</Text> : null}
		</>
	);
	if (p.serverRules === 0) {
		return (
			<Box flexDirection="column">
				{heading}
				<Text>None of them can run on the server, so there is nothing to install. Continue?</Text>
				<ConfirmField defaultChoice="confirm" onConfirm={() => onDone(undefined, p)} onCancel={() => onDone(undefined, p)} />
			</Box>
		);
	}
	if (!p.hasManageSieve) {
		return (
			<Box flexDirection="column">
				{heading}
				<Text>This server does not offer ManageSieve, so mailshift cannot install them. Save them as a Sieve file</Text>
				<Text>  {p.defaultOutFile}</Text>
				<Text>to upload in your provider's webmail settings (Filters → import a Sieve script)?</Text>
				<ConfirmField defaultChoice="confirm" onConfirm={() => onDone({install: false, onActive: 'refuse', outFile: p.defaultOutFile}, p)} onCancel={() => onDone(undefined, p)} />
			</Box>
		);
	}
	if (isAskingActive && p.activeScript) {
		const options = [
			...(p.hasInclude ? [{label: `Include: run your "${p.activeScript}" first, then these rules`, value: 'include'}] : []),
			{label: `Replace: make these rules active (yours is kept; \`mailshift rules --remove\` restores it)`, value: 'replace'},
			{label: 'Skip: install nothing, keep the server as it is', value: 'skip'},
		];
		return (
			<Box flexDirection="column">
				<Text bold>Your rules</Text>
				<Text>The server already runs your own Sieve script "{p.activeScript}". What should happen?</Text>
				<Text dimColor>{isListening ? '(↑/↓ and Enter to choose)' : ' '}</Text>
				<Select options={options} onChange={(value) => onDone(value === 'skip' ? undefined : {install: true, onActive: value === 'include' ? 'include' : 'replace'}, p)} />
			</Box>
		);
	}
	return (
		<Box flexDirection="column">
			{heading}
			<Text>Install the {plural(p.serverRules, 'server rule')} after the mail, so every device sees sorted mail?</Text>
			<ConfirmField defaultChoice="confirm"
				onConfirm={() => (p.activeScript ? setAskingActive(true) : onDone({install: true, onActive: 'refuse'}, p))}
				onCancel={() => onDone(undefined, p)} />
		</Box>
	);
}
