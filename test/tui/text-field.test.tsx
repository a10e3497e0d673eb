/**
 * The guided mode's text field, driven through ink-testing-library's stdin. One `stdin.write` is one read():
 * what a paste from a password manager, or `tmux send-keys 'pw' Enter`, delivers.
 */
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {render} from 'ink-testing-library';
import TextField, {typeInto} from '../../src/tui/components/text-field.js';
import {until} from '../helpers/frames.js';


test('A password and Enter arriving in one read submit the password, without the Enter in it', async () => {
	const submitted: string[] = [];
	const {stdin, lastFrame, unmount} = render(<TextField mask="*" placeholder="hidden" onSubmit={(v) => submitted.push(v)} />);
	try {
		await until(lastFrame, /hidden/);
		stdin.write('secret7\r');
		assert.deepEqual(submitted, ['secret7']);
		await until(lastFrame, /^\*{7}\s*$/);
		assert.doesNotMatch(lastFrame() ?? '', /secret/);
	} finally {
		unmount();
	}
});

test('Text with a line feed (LF or CRLF) submits once, and a second pasted line is not typed anywhere', async () => {
	for (const pasted of ['me@example.org\n', 'me@example.org\r\nrm -rf x\r']) {
		const submitted: string[] = [];
		const {stdin, lastFrame, unmount} = render(<TextField placeholder="address" onSubmit={(v) => submitted.push(v)} />);
		try {
			await until(lastFrame, /address/);
			stdin.write(pasted);
			assert.deepEqual(submitted, ['me@example.org'], JSON.stringify(pasted));
		} finally {
			unmount();
		}
	}
});

test('Backspaces inside a pasted chunk erase, and other control characters are dropped', () => {
	assert.deepEqual(typeInto({value: 'ab', cursor: 2}, 'c\x7f\x7fx\x01y'), {line: {value: 'axy', cursor: 3}, submitted: false});
	assert.deepEqual(typeInto({value: 'a😀', cursor: 3}, '\x7f'), {line: {value: 'a', cursor: 1}, submitted: false});
	assert.deepEqual(typeInto({value: '', cursor: 0}, 'pw\r'), {line: {value: 'pw', cursor: 2}, submitted: true});
});

test('Enter submits what was typed; a completion is taken only with Tab', async () => {
	const submitted: string[] = [];
	const {stdin, lastFrame, unmount} = render(<TextField placeholder="path" suggestions={['/mail/a.mbox.bak']} onSubmit={(v) => submitted.push(v)} />);
	try {
		await until(lastFrame, /path/);
		stdin.write('/mail/a.mbox');
		await until(lastFrame, /\/mail\/a\.mbox\.bak/);
		stdin.write('\r');
		stdin.write('\t');
		// Tab takes the completion in the handler; the next key is handled by the handler of the next render.
		await until(lastFrame, /^\/mail\/a\.mbox\.bak\s*$/);
		stdin.write('\r');
		assert.deepEqual(submitted, ['/mail/a.mbox', '/mail/a.mbox.bak']);
	} finally {
		unmount();
	}
});

test('A suggested default (selectDefault) is replaced by what is typed, or taken as it is with Enter', async () => {
	// [keys, each in its own read, with the screen to wait for after it; what is submitted]
	const cases: ReadonlyArray<readonly [ReadonlyArray<readonly [string, RegExp | undefined]>, string]> = [
		[[['mail.example.org\r', undefined]], 'mail.example.org'],
		[[['\r', undefined]], 'imaps://imap.example.com:993'],
		[[['x', /^x\s*$/], ['y', /^xy\s*$/], ['\r', undefined]], 'xy'],
	];
	for (const [keys, expected] of cases) {
		const submitted: string[] = [];
		const {stdin, lastFrame, unmount} = render(<TextField defaultValue="imaps://imap.example.com:993" selectDefault onSubmit={(v) => submitted.push(v)} />);
		try {
			await until(lastFrame, /imaps:\/\/imap\.example\.com:993/);
			for (const [key, shown] of keys) {
				stdin.write(key);
				if (shown) await until(lastFrame, shown);
			}
			assert.deepEqual(submitted, [expected], JSON.stringify(keys));
		} finally {
			unmount();
		}
	}
});

test('Backspace clears a suggested default; an arrow keeps it to be edited', async () => {
	const submitted: string[] = [];
	const cleared = render(<TextField defaultValue="imaps://imap.example.com:993" selectDefault onSubmit={(v) => submitted.push(v)} />);
	try {
		await until(cleared.lastFrame, /imap\.example\.com/);
		// Backspaces sent in a burst (tmux send-keys BSpace BSpace …) arrive as one chunk.
		cleared.stdin.write('\x7f\x7f\x7f');
		await until(cleared.lastFrame, /^\s*$/);
		cleared.stdin.write('mail.example.org\r');
		assert.deepEqual(submitted, ['mail.example.org']);
	} finally {
		cleared.unmount();
	}
	const edited = render(<TextField defaultValue="imaps://imap.example.com:993" selectDefault onSubmit={(v) => submitted.push(v)} />);
	try {
		await until(edited.lastFrame, /imap\.example\.com/);
		// ← puts the cursor on the last character; Backspace then erases the one before it ("9" of 993).
		edited.stdin.write('\u001b[D');
		await until(edited.lastFrame, /993/);
		edited.stdin.write('\x7f');
		await until(edited.lastFrame, /:93\s*$/);
		edited.stdin.write('\r');
		assert.deepEqual(submitted, ['mail.example.org', 'imaps://imap.example.com:93']);
	} finally {
		edited.unmount();
	}
});

test('Without selectDefault, a default value is edited at its end, as before', async () => {
	const submitted: string[] = [];
	const {stdin, lastFrame, unmount} = render(<TextField defaultValue="me@example" onSubmit={(v) => submitted.push(v)} />);
	try {
		await until(lastFrame, /me@example/);
		stdin.write('.org\r');
		assert.deepEqual(submitted, ['me@example.org']);
	} finally {
		unmount();
	}
});
