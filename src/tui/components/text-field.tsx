/**
 * The one line-editing field of the guided mode (paths, address, server, password, folder names).
 *
 * Why not @inkjs/ui's TextInput/PasswordInput: ink hands a whole read() chunk to useInput as one key press, so
 * text and Enter that arrive together — a password manager's paste, `tmux send-keys 'pw' Enter`, fast typing
 * over ssh — came in as "pw\r": not a Return, so the CR became part of the value (a 7-character password
 * showed 8 stars and failed to log in) and nothing was submitted. Here every chunk is read character by
 * character: CR or LF submits what is before it and is never part of the value; whatever follows the line
 * break in the same chunk is dropped (a second pasted line is not meant for this field, and must not answer
 * the next question). DEL/BS inside a chunk erase, other control characters are dropped.
 *
 * Enter submits exactly what is shown as typed; a completion suggestion (dim) is taken only with Tab or →
 * at the end of the line. A default value can start selected (`selectDefault`, a suggested server): typing
 * replaces it and Backspace clears it, as in a form field whose text is selected; ← or → edit it; Enter takes
 * it. The current value lives in a ref as well as in state, so key presses that arrive in one read (before
 * React re-renders) all see the latest value. The field (its text, or its placeholder) is
 * drawn only once its keys are listened to, so whoever waits for it to show never types into the void.
 */
import {Text, useInput} from 'ink';
import {useRef, useState} from 'react';
import {useIsListening} from '../use-is-listening.js';

type Props = Readonly<{
	/** Text already in the field (editable). @default '' */
	defaultValue?: string;
	/** The default value starts selected: the first key typed replaces it (a suggestion, not the user's text). */
	selectDefault?: boolean;
	/** Shown dim while the field is empty. */
	placeholder?: string;
	/** Completions; the first one that extends the value is shown dim after it. */
	suggestions?: readonly string[];
	/** Shows this character for each one typed (passwords); the value itself is never rendered. */
	mask?: string;
	onChange?: (value: string) => void;
	/** Called with the value (no CR/LF in it) on Enter, or on a line break inside pasted text. */
	onSubmit: (value: string) => void;
}>;

type Line = Readonly<{value: string; cursor: number; selected?: boolean}>;

/** Applies one chunk of typed/pasted text to a line; `submitted` is set when a CR/LF was in it. */
export function typeInto(line: Line, text: string): {line: Line; submitted: boolean} {
	let {value, cursor} = line;
	for (const ch of text) {
		if (ch === '\r' || ch === '\n') return {line: {value, cursor}, submitted: true};
		if (ch === '\x7f' || ch === '\b') {
			// One character, not one UTF-16 unit: never leave half of a surrogate pair behind.
			const width = cursor > 1 && /[\uDC00-\uDFFF]/.test(value[cursor - 1] ?? '') ? 2 : 1;
			if (cursor > 0) {
				value = value.slice(0, cursor - width) + value.slice(cursor);
				cursor -= width;
			}
		} else if (ch >= ' ' && ch !== '\x7f' && !(ch >= '\x80' && ch <= '\x9f')) {
			value = value.slice(0, cursor) + ch + value.slice(cursor);
			cursor += ch.length;
		}
	}
	return {line: {value, cursor}, submitted: false};
}

export default function TextField({defaultValue = '', selectDefault = false, placeholder = '', suggestions, mask, onChange, onSubmit}: Props) {
	const live = useRef<Line>({value: defaultValue, cursor: defaultValue.length, selected: selectDefault && defaultValue !== ''});
	const [line, setLine] = useState<Line>(live.current);
	const suggestionFor = (value: string): string | undefined => (value ? suggestions?.find((s) => s.startsWith(value) && s !== value)?.slice(value.length) : undefined);

	const update = (next: Line): void => {
		const changed = next.value !== live.current.value;
		live.current = next;
		setLine(next);
		if (changed) onChange?.(next.value);
	};

	useInput((input, key) => {
		const {value, cursor, selected} = live.current;
		if (selected && !key.return) {
			if (key.ctrl || key.meta || key.upArrow || key.downArrow) return;
			if (key.leftArrow || key.rightArrow || key.tab) {
				// To edit the suggestion: the cursor where the arrow points, the text kept.
				update({value, cursor: key.leftArrow ? Math.max(0, value.length - 1) : value.length});
				return;
			}
			if (key.backspace || key.delete) {
				update({value: '', cursor: 0});
				return;
			}
			// Text or an erase replaces the selection (backspaces sent in one burst arrive as one chunk); a stray
			// control character leaves it, and a line break alone takes it.
			const typed = typeInto({value: '', cursor: 0}, input);
			const isErased = /[\x7f\b]/.test(input);
			if (typed.line.value === '' && !isErased) {
				if (typed.submitted) onSubmit(value);
				return;
			}
			update(typed.line);
			if (typed.submitted) onSubmit(typed.line.value);
			return;
		}
		if (key.return) {
			onSubmit(value);
		} else if (key.tab || (key.rightArrow && cursor === value.length)) {
			const rest = suggestionFor(value);
			if (rest) update({value: value + rest, cursor: value.length + rest.length});
		} else if (key.leftArrow) {
			update({value, cursor: Math.max(0, cursor - 1)});
		} else if (key.rightArrow) {
			update({value, cursor: Math.min(value.length, cursor + 1)});
		} else if (key.backspace || key.delete) {
			update(typeInto(live.current, '\x7f').line);
		} else if (!key.ctrl && !key.meta && !key.upArrow && !key.downArrow) {
			const typed = typeInto(live.current, input);
			update(typed.line);
			if (typed.submitted) onSubmit(typed.line.value);
		}
	});
	const isListening = useIsListening();

	// Nothing is shown until keys are listened to (see useIsListening): the placeholder or text appearing is the sign.
	if (!isListening) return <Text> </Text>;
	if (!line.value) {
		return placeholder ? <Text><Text inverse>{placeholder[0]}</Text><Text dimColor>{placeholder.slice(1)}</Text></Text> : <Text inverse> </Text>;
	}
	if (line.selected) return <Text inverse>{mask ? mask.repeat([...line.value].length) : line.value}</Text>;
	const shown = mask ? mask.repeat([...line.value].length) : line.value;
	const at = mask ? [...line.value.slice(0, line.cursor)].length * mask.length : line.cursor;
	const rest = mask ? undefined : suggestionFor(line.value);
	return (
		<Text>
			{shown.slice(0, at)}
			<Text inverse>{shown.slice(at, at + (mask?.length ?? 1)) || (rest?.[0] ?? ' ')}</Text>
			{shown.slice(at + (mask?.length ?? 1))}
			{rest ? <Text dimColor>{at < shown.length ? rest : rest.slice(1)}</Text> : null}
		</Text>
	);
}
