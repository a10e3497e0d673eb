/**
 * The guided mode's text field, driven through ink-testing-library's stdin. One `stdin.write` is one read():
 * what a paste from a password manager, or `tmux send-keys 'pw' Enter`, delivers.
 */
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {render} from 'ink-testing-library';
import TextField, {typeInto} from '../../src/tui/components/text-field.js';

const tick = (ms = 60): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('A password and Enter arriving in one read submit the password, without the Enter in it', async () => {
	const submitted: string[] = [];
	const {stdin, lastFrame, unmount} = render(<TextField mask="*" onSubmit={(v) => submitted.push(v)} />);
	try {
		await tick();
		stdin.write('secret7\r');
		await tick();
		assert.deepEqual(submitted, ['secret7']);
		assert.match(lastFrame() ?? '', /^\*{7}\s*$/, 'seven stars for seven characters');
		assert.doesNotMatch(lastFrame() ?? '', /secret/);
	} finally {
		unmount();
	}
});

test('Text with a line feed (LF or CRLF) submits once, and a second pasted line is not typed anywhere', async () => {
	for (const pasted of ['me@example.org\n', 'me@example.org\r\nrm -rf x\r']) {
		const submitted: string[] = [];
		const {stdin, unmount} = render(<TextField onSubmit={(v) => submitted.push(v)} />);
		try {
			await tick();
			stdin.write(pasted);
			await tick();
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
	const {stdin, lastFrame, unmount} = render(<TextField suggestions={['/mail/a.mbox.bak']} onSubmit={(v) => submitted.push(v)} />);
	try {
		await tick();
		stdin.write('/mail/a.mbox');
		await tick();
		assert.match(lastFrame() ?? '', /\/mail\/a\.mbox\.bak/, 'the completion is shown');
		stdin.write('\r');
		await tick();
		stdin.write('\t');
		await tick();
		stdin.write('\r');
		await tick();
		assert.deepEqual(submitted, ['/mail/a.mbox', '/mail/a.mbox.bak']);
	} finally {
		unmount();
	}
});
