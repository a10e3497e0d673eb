/**
 * FleetView: the live summary of a batch on a terminal — one line per mailbox with state, progress, rate.
 * Reads row snapshots through a getter every 500 ms; steers nothing (Ctrl-C is the CLI's, as for plain runs).
 */
import {Box, Text, useStdout} from 'ink';
import {useEffect, useState} from 'react';
import type {FleetRow} from '../app/presenter.js';
import {bar, fit, formatBytes, formatCount} from './format.js';


type Props = Readonly<{title: string; rows: () => readonly FleetRow[]; isFinal?: boolean}>;

export function FleetView({title, rows, isFinal = false}: Props) {
	const [polled, setList] = useState(rows);
	const list = isFinal ? rows() : polled;
	useEffect(() => {
		const timer = setInterval(() => setList(rows()), 500);
		return () => clearInterval(timer);
	}, [rows]);
	const {stdout} = useStdout();
	const width = Math.max(60, Math.min(stdout?.columns ?? 80, 140));
	const idWidth = Math.min(24, Math.max(6, ...list.map((r) => r.id.length)));
	const done = list.filter((r) => r.state === 'ok' || r.state === 'failed' || r.state === 'interrupted').length;
	return (
		<Box flexDirection="column">
			<Text bold>{title} <Text dimColor>— {done}/{list.length} mailboxes finished</Text></Text>
			{list.map((r) => {
				const s = r.snapshot;
				const fraction = s?.totalMessages ? s.done / s.totalMessages : 0;
				const mark = r.state === 'ok' ? '✓' : r.state === 'failed' ? '✗' : r.state === 'interrupted' ? '!' : r.state === 'running' ? '›' : '·';
				const color = r.state === 'ok' ? 'green' : r.state === 'failed' ? 'red' : r.state === 'interrupted' ? 'yellow' : undefined;
				const progress = s ? `${formatCount(s.done)}${s.totalMessages === undefined ? '' : `/${formatCount(s.totalMessages)}`} ${formatBytes(s.bytes)} ${s.messagesPerSecond.toFixed(1)} msg/s${s.failed ? ` ${formatCount(s.failed)} failed` : ''}` : r.state;
				return (
					<Text key={r.id} {...(color ? {color} : {})}>
						{mark} {fit(r.id, idWidth)} {r.state === 'running' ? bar(fraction, Math.max(8, Math.min(30, width - idWidth - 50))) + ' ' : ''}{progress}{r.state === 'running' && r.connections ? ` · ${r.connections} conn` : ''}
					</Text>
				);
			})}
		</Box>
	);
}
