/**
 * A yes/no question ("Y/n"): y answers yes, n answers no, Enter takes the default.
 *
 * Why not @inkjs/ui's ConfirmInput: ink hands a whole read() chunk to useInput as one key press, so a `y` and
 * its Enter that arrive together (a paste, `tmux send-keys y Enter`, fast typing over ssh) came in as "y\r",
 * which is neither "y" nor a Return, and the question ignored it. Here the first y, n, CR or LF in a chunk
 * answers, the rest of the chunk is dropped (it must not answer the next question), and the question is answered
 * once only (two quick presses do not start two migrations). "Y/n" is shown only once keys are listened to.
 */
import {Text, useInput} from 'ink';
import {useRef} from 'react';
import {useIsListening} from '../use-is-listening.js';

type Props = Readonly<{
	/** What Enter answers. @default 'confirm' */
	defaultChoice?: 'confirm' | 'cancel';
	onConfirm: () => void;
	onCancel: () => void;
}>;

/** The answer a chunk of typed/pasted text gives: the first y/n/line break in it decides. Pure. */
export function answerOf(text: string, defaultChoice: 'confirm' | 'cancel'): 'confirm' | 'cancel' | undefined {
	for (const ch of text) {
		if (ch === 'y' || ch === 'Y') return 'confirm';
		if (ch === 'n' || ch === 'N') return 'cancel';
		if (ch === '\r' || ch === '\n') return defaultChoice;
	}
	return undefined;
}

export default function ConfirmField({defaultChoice = 'confirm', onConfirm, onCancel}: Props) {
	const isAnswered = useRef(false);
	useInput((input, key) => {
		if (isAnswered.current) return;
		const answer = key.return ? defaultChoice : answerOf(input, defaultChoice);
		if (answer === undefined) return;
		isAnswered.current = true;
		if (answer === 'confirm') onConfirm();
		else onCancel();
	});
	const isListening = useIsListening();
	return <Text dimColor>{isListening ? (defaultChoice === 'confirm' ? 'Y/n' : 'y/N') : ' '}</Text>;
}
