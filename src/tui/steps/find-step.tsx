/** Step 1 — find the mail: discovered stores or a typed path (with completion); details counted in the background. */
import {Spinner, Select} from '@inkjs/ui';
import TextField from '../components/text-field.js';
import {Box, Text, useInput} from 'ink';
import {useEffect, useState} from 'react';
import {formatBytes, plural} from '../format.js';
import {useIsListening} from '../use-is-listening.js';
import type {FoundStore, StoreDetails, WizardServices} from '../../app/wizard-services.js';

type Props = Readonly<{services: WizardServices; onDone: (path: string, details: StoreDetails) => void}>;

const TYPE_PATH = '\u0000type';

export function FindStep({services, onDone}: Props) {
	const [found, setFound] = useState<FoundStore[] | undefined>();
	const [isTyping, setTyping] = useState(false);
	const [suggestions, setSuggestions] = useState<string[]>([]);
	const [chosen, setChosen] = useState<string | undefined>();
	const [details, setDetails] = useState<StoreDetails | undefined>();
	const [error, setError] = useState<string | undefined>();

	const [counted, setCounted] = useState<ReadonlyMap<string, StoreDetails | 'error'>>(new Map());

	useEffect(() => {
		void services.discover().then(setFound, () => setFound([]));
	}, [services]);

	// Count every found store in the background, one at a time, so the list shows folders and messages.
	useEffect(() => {
		if (!found || found.length === 0) return;
		const controller = new AbortController();
		void (async () => {
			for (const store of found) {
				if (controller.signal.aborted) return;
				const result = await services.inspect(store.path, controller.signal).catch(() => 'error' as const);
				if (controller.signal.aborted) return;
				setCounted((old) => new Map(old).set(store.path, result));
			}
		})();
		return () => controller.abort();
	}, [found, services]);

	useEffect(() => {
		if (!chosen) return;
		const controller = new AbortController();
		setError(undefined);
		const known = counted.get(chosen);
		if (known && known !== 'error') {
			setDetails(known);
			return;
		}
		setDetails(undefined);
		services.inspect(chosen, controller.signal).then(setDetails, (e: unknown) => setError(e instanceof Error ? e.message : String(e)));
		return () => controller.abort();
	}, [chosen, services]); // eslint-disable-line react-hooks/exhaustive-deps -- counted is read once per choice

	useInput((input, key) => {
		if (chosen && details && key.return) onDone(chosen, details);
		if (chosen && (key.escape || input === 'b')) {
			setChosen(undefined);
			setTyping(false);
		}
	}, {isActive: chosen !== undefined});

	// Key hints appear only once the list, or the keys of the chosen store with its details, listen (the handler
	// sees `details` only from the effect after the render that set them): see useIsListening.
	const isListening = useIsListening(chosen ? (details ?? `chosen:${chosen}`) : !isTyping && found ? 'list' : undefined);

	if (chosen) {
		return (
			<Box flexDirection="column">
				<Text>Mail store: <Text bold>{chosen}</Text></Text>
				{error ? <Text color="red">✗ {error} — press b to choose another</Text> : null}
				{!details && !error ? <Spinner label="Counting folders and messages… (b to go back)" /> : null}
				{details ? (
					<>
						<Text>{details.kind === 'pst' ? 'Outlook data file' : details.kind === 'olm' ? 'Outlook for Mac archive' : details.kind === 'dbx' ? 'Outlook Express folders' : details.kind === 'mbox' ? 'mbox / Thunderbird folders' : details.kind === 'eml' ? 'folders of .eml/.msg files' : details.kind === 'apple-mail' ? 'Apple Mail' : 'Maildir'}: {plural(details.folders, 'folder')}{details.messages === undefined ? '' : `, ${plural(details.messages, 'message')}`}, {formatBytes(details.bytes)}</Text>
						{isListening ? <Text color="green">Enter to use it · b to choose another</Text> : null}
					</>
				) : null}
			</Box>
		);
	}
	if (isTyping) {
		return (
			<Box flexDirection="column">
				<Text>Type or paste the path of your mail (a .pst/.ost file, an mbox file, a Maildir or Thunderbird folder); Tab completes:</Text>
				<TextField placeholder="/path/to/mail" suggestions={suggestions}
					onChange={(value) => void services.complete(value).then(setSuggestions, () => setSuggestions([]))}
					onSubmit={(value) => value.trim() && setChosen(value.trim())} />
			</Box>
		);
	}
	if (!found) return <Spinner label="Looking for mail on this computer…" />;
	// The list's labels never change once found: @inkjs/ui's Select moves the cursor back to the first row whenever
	// its options change, so counts arriving while the person moves down (a large store counts for a while) would
	// make Enter pick another store. The counts are shown below the list instead.
	const options = [
		...found.map((s) => ({label: `${s.label}  (${s.kind}${s.bytes === undefined ? '' : `, ${formatBytes(s.bytes)}`})`, value: s.path})),
		{label: 'Type a path…', value: TYPE_PATH},
	];
	const countLines = found.slice(0, 8).map((s) => {
		const c = counted.get(s.path);
		return `${s.label}: ${c === undefined ? 'counting…' : c === 'error' ? 'cannot be read' : `${plural(c.folders, 'folder')}${c.messages === undefined ? '' : `, ${plural(c.messages, 'message')}`}`}`;
	});
	return (
		<Box flexDirection="column">
			<Text bold>1. Where is your mail?{isListening ? <Text dimColor> (↑/↓ and Enter to choose)</Text> : null}</Text>
			{found.length === 0 ? <Text dimColor>No mail stores found in the usual places.</Text> : <Text dimColor>Found on this computer:</Text>}
			<Select options={options} visibleOptionCount={8} onChange={(value) => (value === TYPE_PATH ? setTyping(true) : setChosen(value))} />
			{countLines.map((line, i) => <Text key={`${i}:${line}`} dimColor wrap="truncate-end">  {line}</Text>)}
		</Box>
	);
}
