import assert from 'node:assert/strict';
import {describe, test} from 'node:test';

import {isWholeMessage, parseOlmTime, readOlmEmail} from '../../../src/readers/olm/olm-email.js';
import {parseXml} from '../../../src/readers/olm/xml-parser.js';

const email = (inner: string): ReturnType<typeof readOlmEmail> => readOlmEmail(parseXml(`<email>${inner}</email>`));

describe('readOlmEmail', () => {
	const flagCases: ReadonlyArray<readonly [string, string, string[]]> = [
		['read written as 1E0', '<OPFMessageGetIsRead>1E0</OPFMessageGetIsRead>', ['\\Seen']],
		['read written as true', '<OPFMessageGetIsRead>true</OPFMessageGetIsRead>', ['\\Seen']],
		['unread written as 0E0', '<OPFMessageGetIsRead>0E0</OPFMessageGetIsRead>', []],
		['flagged for follow-up (status 1)', '<OPFMessageCopyGetFlagStatus>1</OPFMessageCopyGetFlagStatus>', ['\\Flagged']],
		['a completed flag (status 2) is not \\Flagged', '<OPFMessageCopyGetFlagStatus>2</OPFMessageCopyGetFlagStatus>', []],
		['replied', '<OPFMessageGetWasRepliedTo>1</OPFMessageGetWasRepliedTo>', ['\\Answered']],
		['forwarded', '<OPFMessageGetWasForwarded>1E0</OPFMessageGetWasForwarded>', ['$Forwarded']],
	];
	for (const [what, xml, flags] of flagCases) {
		test(`Given ${what}, the flags are ${flags.join(' ') || 'none'}`, () => {
			assert.deepEqual([...email(xml).flags].sort(), flags);
		});
	}

	test('Given the same HTML in the text and HTML bodies (as Aspose writes), one text/html body is kept', () => {
		const html = '&lt;html&gt;&lt;body&gt;hi&lt;/body&gt;&lt;/html&gt;';
		const {content} = email(`<OPFMessageCopyBody>${html}</OPFMessageCopyBody><OPFMessageCopyHTMLBody>${html}</OPFMessageCopyHTMLBody>`);
		assert.equal(content.html, '<html><body>hi</body></html>');
		assert.equal(content.text, undefined);
	});

	test('Given the same plain text in both bodies, one text/plain body is kept', () => {
		const {content} = email('<OPFMessageCopyBody>just text\n</OPFMessageCopyBody><OPFMessageCopyHTMLBody>just text\n</OPFMessageCopyHTMLBody>');
		assert.equal(content.text, 'just text\n');
		assert.equal(content.html, undefined);
	});

	test('Given no sent time, Date comes from the received time; priority 1 is high importance', () => {
		const {content, received} = email('<OPFMessageCopyReceivedTime>2011-06-21T23:48:10</OPFMessageCopyReceivedTime><OPFMessageGetPriority>1</OPFMessageGetPriority>');
		assert.deepEqual(content.date, new Date('2011-06-21T23:48:10Z'));
		assert.deepEqual(received, new Date('2011-06-21T23:48:10Z'));
		assert.equal(content.importance, 'high');
	});
});

describe('parseOlmTime and isWholeMessage', () => {
	test('Given times without a zone, with Z, with an offset, or broken, they parse as UTC, as given, or not at all', () => {
		assert.deepEqual(parseOlmTime('2011-06-21T23:48:10'), new Date('2011-06-21T23:48:10Z'));
		assert.deepEqual(parseOlmTime('2026-07-21T15:30:00Z'), new Date('2026-07-21T15:30:00Z'));
		assert.deepEqual(parseOlmTime('2026-07-21T15:30:00+02:00'), new Date('2026-07-21T13:30:00Z'));
		assert.equal(parseOlmTime('21/06/2011'), undefined);
		assert.equal(parseOlmTime('2011-02-31T99:00:00'), undefined);
		assert.equal(parseOlmTime(undefined), undefined);
	});

	test('Given a source with headers and a body it is a whole message; a bare body is not', () => {
		assert.equal(isWholeMessage('From: a@b\r\nSubject: x\r\n\r\nbody'), true);
		assert.equal(isWholeMessage('just a body\n\nmore'), false);
		assert.equal(isWholeMessage('Subject: no body separator'), false);
	});
});
