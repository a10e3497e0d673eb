/**
 * MigrationApp: the live dashboard of a migration (used by `mailshift migrate` on a terminal). It reads the
 * StatsStore snapshot (≤ 10 renders/s) and steers the engine only through EngineControls; it never imports
 * readers, uploaders or the engine (STYLE rule 4).
 */
import {Box, Text, useInput, useStdout} from 'ink';
import {useRef, useState} from 'react';
import type {EngineControls} from '../contracts/controls.js';
import type {StatsStore} from '../engine/stats.js';
import EventLog from './components/event-log.js';
import Finish, {finishLines, rowsOf} from './components/finish.js';
import type {FinishInfo} from '../app/finish-info.js';
import FolderTable from './components/folder-table.js';
import Help from './components/help.js';
import Progress from './components/progress.js';
import StatusLine from './components/status-line.js';
import {useIsListening} from './use-is-listening.js';
import {useNow} from './use-now.js';
import {useStore} from './use-store.js';

export type AppProps = Readonly<{
	store: StatsStore;
	controls: EngineControls;
	/** "source → destination" */
	title: string;
	/** Upper bound for '+'. @default 16 */
	maxConnections?: number;
	initialConnections: number;
	/** Set when the run ended: the finish screen replaces the keys. */
	finish?: FinishInfo;
	/** Called on q / Enter / Esc on the finish screen (the wizard exits; `migrate` unmounts by itself). */
	onExit?: () => void;
	now?: () => number;
	/** Terminal rows used above the dashboard (the wizard's title). @default 0 */
	reservedRows?: number;
}>;

export function MigrationApp({store, controls, title, maxConnections = 16, initialConnections, finish, onExit, now = Date.now, reservedRows = 0}: AppProps) {
	const snapshot = useStore(store);
	const time = useNow(1000, now);
	const {stdout} = useStdout();
	const width = Math.max(40, Math.min(stdout?.columns ?? 80, 120));
	const height = (stdout?.rows ?? 24) - reservedRows;
	const [isHelp, setHelp] = useState(false);
	const [, setTick] = useState(0);
	// A ref, not state: two Ctrl-C in one read or before the next render must count as two (stop, then abort).
	const ctrlC = useRef(0);
	const refresh = (): void => setTick((t) => t + 1);

	useInput((input, key) => {
		if (finish) {
			if (input === 'q' || key.return || key.escape || (key.ctrl && input === 'c')) onExit?.();
			return;
		}
		if (key.ctrl && input === 'c') {
			if (ctrlC.current === 0) controls.stop();
			else controls.abort();
			ctrlC.current++;
			refresh();
			return;
		}
		if (input === 'p') {
			if (controls.isPaused) controls.resume();
			else controls.pause();
			refresh();
		} else if (input === '+' || input === '=') {
			controls.setConnections(Math.min(maxConnections, (controls.connections ?? initialConnections) + 1));
		} else if (input === '-' || input === '_') {
			controls.setConnections(Math.max(1, (controls.connections ?? initialConnections) - 1));
		} else if (input === 'q') {
			controls.stop();
			refresh();
		} else if (input === '?') {
			setHelp((shown) => !shown);
		}
	});
	// The keys are shown only once they are listened to (ink subscribes after the frame is drawn): use-is-listening.ts.
	const isListening = useIsListening(finish ? 'finish' : 'run');

	if (finish) {
		// The finish screen gets its rows first (its commands must be whole on screen: a person copies them),
		// then the log (warnings, errors), then the latest folders; the title is one row.
		const lines = finishLines(snapshot, finish, time);
		const free = height - 1 - rowsOf(lines, width) - (onExit ? 1 : 0);
		const logRows = Math.max(0, Math.min(snapshot.log.length ? 4 : 0, free - 1));
		const folderRows = Math.max(0, free - logRows - (logRows > 0 && (snapshot.log.length > logRows || snapshot.logDropped > 0) ? 1 : 0) - 1);
		return (
			<Box flexDirection="column" width={width}>
				<Text bold wrap="truncate-middle">mailshift {snapshot.dryRun ? <Text color="cyan">[DRY RUN] </Text> : null}<Text dimColor>{title}</Text></Text>
				{folderRows > 0 ? <FolderTable folders={snapshot.folders} width={width} maxRows={folderRows} /> : null}
				{logRows > 0 ? <EventLog log={snapshot.log} dropped={snapshot.logDropped} rows={logRows} width={width} /> : null}
				<Finish lines={lines} />
				{onExit && isListening ? <Text dimColor>Press q or Enter to close.</Text> : null}
			</Box>
		);
	}
	// 80×24: header 2, progress 3, status 1, log up to 6, the rest for folders.
	const logRows = Math.max(2, Math.min(6, height - 18));
	const folderRows = Math.max(3, height - 8 - logRows);
	return (
		<Box flexDirection="column" width={width}>
			<Text bold>
				mailshift {snapshot.dryRun ? <Text color="cyan">[DRY RUN] </Text> : null}
				<Text dimColor>{title}</Text>
			</Text>
			<Progress snapshot={snapshot} width={width} now={time} />
			<FolderTable folders={snapshot.folders} width={width} maxRows={folderRows} />
			<EventLog log={snapshot.log} dropped={snapshot.logDropped} rows={logRows} width={width} />
			<StatusLine snapshot={snapshot} isPaused={controls.isPaused} isStopping={controls.isStopping} now={time} hasKeys={isListening} />
			{isHelp ? <Help /> : null}
		</Box>
	);
}
