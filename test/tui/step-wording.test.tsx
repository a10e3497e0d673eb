/**
 * The guided mode counts in words a person reads: "1 folder, 1 message", "1 message is already on the server" —
 * seen wrong ("1 folders, 1 messages") when trying the guided mode at 80×24 on a one-message mbox.
 */
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {render} from 'ink-testing-library';
import {ConfirmStep} from '../../src/tui/steps/confirm-step.js';
import {alreadyOnServerText} from '../../src/tui/steps/folders-step.js';

const confirm = (folders: number, messages: number): string => {
	const {lastFrame, unmount} = render(<ConfirmStep source="/m.mbox" destination="imap://a@h" folders={folders} messages={messages} bytes={2048} backupDir={undefined} estimateSeconds={undefined} onConfirm={() => undefined} onCancel={() => undefined} />);
	const frame = lastFrame() ?? '';
	unmount();
	return frame;
};

test('the Ready screen says "1 folder, 1 message" for one, and plurals for more', () => {
	assert.match(confirm(1, 1), /What {3}1 folder, 1 message, 2\.0 KiB/);
	assert.match(confirm(3, 1200), /What {3}3 folders, 1,200 messages, 2\.0 KiB/);
});

test('messages already on the server are counted in words: "1 message is", "2 messages are"', () => {
	assert.equal(alreadyOnServerText(1), '1 message is already on the server (e.g. left there by POP) and will not be uploaded again.');
	assert.match(alreadyOnServerText(2), /^2 messages are already on the server/);
});
