/**
 * The guided mode's Y/n question, driven through ink-testing-library's stdin. One `stdin.write` is one read():
 * what a paste, `tmux send-keys y Enter` or fast typing over ssh delivers.
 */
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {render} from 'ink-testing-library';
import ConfirmField, {answerOf} from '../../src/tui/components/confirm-field.js';
import {until} from '../helpers/frames.js';

test('y, n or Enter followed by more keys in one read answer once, by the first of them', async () => {
	for (const [chunk, defaultChoice, expected] of [
		['y\r', 'confirm', 'confirm'], ['n\r', 'confirm', 'cancel'], ['\r', 'cancel', 'cancel'], ['Y\r', 'cancel', 'confirm'], ['N\n', 'confirm', 'cancel'], ['\ry', 'cancel', 'cancel'],
	] as const) {
		const answers: string[] = [];
		const {stdin, lastFrame, unmount} = render(<ConfirmField defaultChoice={defaultChoice} onConfirm={() => answers.push('confirm')} onCancel={() => answers.push('cancel')} />);
		try {
			await until(lastFrame, defaultChoice === 'confirm' ? /Y\/n/ : /y\/N/);
			stdin.write(chunk);
			stdin.write(chunk);
			assert.deepEqual(answers, [expected], `${JSON.stringify(chunk)} (default ${defaultChoice}), written twice, answers once`);
		} finally {
			unmount();
		}
	}
});

test('Keys that are not an answer are ignored', () => {
	assert.equal(answerOf('x', 'confirm'), undefined);
	assert.equal(answerOf('\u001B[A', 'confirm'), undefined);
	assert.equal(answerOf('xy\r', 'cancel'), 'confirm');
});
