import {Box, Text} from 'ink';

/** Key help, toggled with '?'. */
export default function Help() {
	return (
		<Box flexDirection="column" borderStyle="round" paddingX={1}>
			<Text bold>Keys</Text>
			<Text>p        pause / resume new uploads (the ones in flight finish)</Text>
			<Text>+ / -    more / fewer parallel connections</Text>
			<Text>q        stop after the uploads in flight; the journal is saved — run the same command to resume</Text>
			<Text>Ctrl-C   same as q; press it twice to abort at once (still safe to resume)</Text>
			<Text>?        close this help</Text>
		</Box>
	);
}
