import {Box, Text} from 'ink';
import type {FolderStats} from '../../engine/stats.js';
import {fit, formatCount, plural} from '../format.js';

type Props = Readonly<{folders: readonly FolderStats[]; width: number; maxRows: number}>;

/** Per-folder rows: source → mailbox, done/total, state. The running folder and the latest ones are kept visible. */
export default function FolderTable({folders, width, maxRows}: Props) {
	const nameWidth = Math.max(8, Math.floor((width - 24) / 2));
	const shown = folders.length > maxRows ? folders.slice(folders.length - maxRows) : folders;
	return (
		<Box flexDirection="column">
			{folders.length > shown.length ? <Text dimColor>… {plural(folders.length - shown.length, 'earlier folder')}</Text> : null}
			{shown.map((f) => {
				const count = `${formatCount(f.done)}${f.total === undefined ? '' : `/${formatCount(f.total)}`}`;
				const mark = f.state === 'done' ? (f.failed ? '!' : '✓') : '›';
				return (
					<Text key={f.folder} {...(f.state === 'running' ? {bold: true} : {})} {...(f.failed ? {color: 'red'} : {})}>
						{mark} {fit(f.folder, nameWidth)} → {fit(f.mailbox, nameWidth)} {count.padStart(12)}
					</Text>
				);
			})}
		</Box>
	);
}
