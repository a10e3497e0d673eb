import assert from 'node:assert/strict';
import {createHash} from 'node:crypto';
import {describe, test} from 'node:test';

import type {SourceMessage} from '../../src/contracts/types.js';
import type {MapOptions, Mapped, Skip} from '../../src/mapper/map-message.js';
import {isSkip, mapMessage} from '../../src/mapper/map-message.js';

const NOW = Date.parse('2024-06-01T12:00:00Z');
const FALLBACK = new Date('2020-01-01T00:00:00Z');
const OPTIONS: MapOptions = {includeTrashed: false, now: NOW, fallbackDate: FALLBACK};
const REF = {store: '/home/u/Maildir', folder: 'Inbox', key: '1700000000.M1P1.host', location: '/home/u/Maildir/cur/1700000000.M1P1.host:2,S'};

const LF_MESSAGE = 'Received: from a by b;\n\tTue, 1 Jul 2003 10:52:37 +0200\nDate: Tue, 1 Jul 2003 10:50:00 +0200\n'
	+ 'Message-ID: <m1@example.com>\nSubject: hello\n\nbody line\n>From quoted stays\n';

function message(raw: string | Buffer, extra: Partial<Omit<SourceMessage, 'raw' | 'ref'>> = {}): SourceMessage {
	return {ref: REF, raw: typeof raw === 'string' ? Buffer.from(raw, 'latin1') : raw, flags: new Set(), ...extra};
}

function mapped(result: Mapped | Skip): Mapped {
	assert.ok(!isSkip(result), `expected an upload job, got skip ${isSkip(result) ? result.code : ''}`);
	return result;
}

function skipped(result: Mapped | Skip): Skip {
	assert.ok(isSkip(result), 'expected a skip, got an upload job');
	return result;
}

describe('mapMessage: skips', () => {
	// [case, message, includeTrashed, expected code]
	const table: ReadonlyArray<readonly [string, SourceMessage, boolean, Skip['code']]> = [
		['a Thunderbird-expunged message', message(LF_MESSAGE, {skipHint: 'mozilla-expunged'}), false, 'EXPUNGED'],
		['a Thunderbird-expunged message with --include-trashed (still skipped)', message(LF_MESSAGE, {skipHint: 'mozilla-expunged'}), true, 'EXPUNGED'],
		['an empty Thunderbird-expunged message (expunged wins)', message('', {skipHint: 'mozilla-expunged'}), false, 'EXPUNGED'],
		['a Maildir-trashed (T) message', message(LF_MESSAGE, {skipHint: 'maildir-trashed', flags: new Set(['\\Seen', '\\Deleted'])}), false, 'TRASHED'],
		['an empty Maildir-trashed message (trashed wins)', message('', {skipHint: 'maildir-trashed'}), false, 'TRASHED'],
		['an empty message', message(''), false, 'MESSAGE_EMPTY'],
		['an empty message with --include-trashed', message(''), true, 'MESSAGE_EMPTY'],
		['an empty trashed message with --include-trashed', message('', {skipHint: 'maildir-trashed'}), true, 'MESSAGE_EMPTY'],
	];
	for (const [name, source, includeTrashed, code] of table) {
		test(`Given ${name}, when mapped, then it is skipped as ${code}`, () => {
			const skip = skipped(mapMessage(source, 'INBOX', {...OPTIONS, includeTrashed}));
			assert.equal(skip.code, code);
			assert.ok(skip.reason.length > 0);
		});
	}

	test('Given a trashed message, when skipped, then the reason tells the user about --include-trashed', () => {
		const skip = skipped(mapMessage(message(LF_MESSAGE, {skipHint: 'maildir-trashed'}), 'INBOX', OPTIONS));
		assert.match(skip.reason, /--include-trashed/);
	});

	test('Given a trashed message and --include-trashed, when mapped, then it is uploaded with \\Deleted', () => {
		const source = message(LF_MESSAGE, {skipHint: 'maildir-trashed', flags: new Set(['\\Seen'])});
		assert.deepEqual(mapped(mapMessage(source, 'INBOX', {...OPTIONS, includeTrashed: true})).job.flags, ['\\Deleted', '\\Seen']);
	});

	test('Given a trashed message whose flags already hold \\Deleted and --include-trashed, when mapped, then \\Deleted is sent once', () => {
		const source = message(LF_MESSAGE, {skipHint: 'maildir-trashed', flags: new Set(['\\Deleted', '\\Seen'])});
		assert.deepEqual(mapped(mapMessage(source, 'INBOX', {...OPTIONS, includeTrashed: true})).job.flags, ['\\Deleted', '\\Seen']);
	});

	test('Given a message with \\Deleted but no trash hint (mbox X-Status: D), when mapped by default, then it is uploaded without \\Deleted', () => {
		const source = message(LF_MESSAGE, {flags: new Set(['\\Deleted', '\\Seen'])});
		assert.deepEqual(mapped(mapMessage(source, 'INBOX', OPTIONS)).job.flags, ['\\Seen']);
	});

	test('Given a message with \\Deleted but no trash hint and --include-trashed, when mapped, then \\Deleted is kept', () => {
		const source = message(LF_MESSAGE, {flags: new Set(['\\Deleted', '\\Seen'])});
		assert.deepEqual(mapped(mapMessage(source, 'INBOX', {...OPTIONS, includeTrashed: true})).job.flags, ['\\Deleted', '\\Seen']);
	});
});

describe('mapMessage: the upload job', () => {
	test('Given an LF message, when mapped, then the job carries the ref, the mailbox and the CRLF bytes', () => {
		const source = message(LF_MESSAGE);
		const {job} = mapped(mapMessage(source, 'INBOX.Projects', OPTIONS));
		assert.equal(job.ref, REF);
		assert.equal(job.mailbox, 'INBOX.Projects');
		assert.deepEqual(job.content, Buffer.from(LF_MESSAGE.replaceAll('\n', '\r\n'), 'latin1'));
	});

	test('Given a message its reader marked isCrlf, when mapped, then the content is the very same Buffer, not scanned or copied', () => {
		const converted = Buffer.from(LF_MESSAGE.replaceAll('\n', '\r\n'), 'latin1');
		assert.equal(mapped(mapMessage(message(converted, {isCrlf: true}), 'INBOX', OPTIONS)).job.content, converted);
		// The mark is trusted: a reader sets it only on what it converted (test/readers/conformance.ts checks that).
		const unconverted = Buffer.from(LF_MESSAGE, 'latin1');
		assert.equal(mapped(mapMessage(message(unconverted, {isCrlf: true}), 'INBOX', OPTIONS)).job.content, unconverted);
		assert.notEqual(mapped(mapMessage(message(unconverted), 'INBOX', OPTIONS)).job.content, unconverted, 'without the mark, LF lines are converted');
	});

	test('Given a CRLF message, when mapped, then the content is the very same Buffer (not copied, not changed)', () => {
		const source = message(LF_MESSAGE.replaceAll('\n', '\r\n'));
		assert.equal(mapped(mapMessage(source, 'INBOX', OPTIONS)).job.content, source.raw);
	});

	test('Given status headers, 8-bit bytes and a >From body line, when mapped, then only line ends change (fidelity)', () => {
		const raw = Buffer.concat([
			Buffer.from('X-Mozilla-Status: 0001\nStatus: RO\nSubject: Gr', 'latin1'), Buffer.from([0xfc, 0xdf]),
			Buffer.from('\n\n>From the body\nbare\rCR\n', 'latin1'),
		]);
		const expected = Buffer.concat([
			Buffer.from('X-Mozilla-Status: 0001\r\nStatus: RO\r\nSubject: Gr', 'latin1'), Buffer.from([0xfc, 0xdf]),
			Buffer.from('\r\n\r\n>From the body\r\nbare\rCR\r\n', 'latin1'),
		]);
		assert.deepEqual(mapped(mapMessage(message(raw), 'INBOX', OPTIONS)).job.content, expected);
	});

	test('Given a message, when mapped, then the source Buffer is left untouched', () => {
		const source = message(LF_MESSAGE);
		const before = Buffer.from(source.raw);
		mapMessage(source, 'INBOX', OPTIONS);
		assert.deepEqual(source.raw, before);
	});

	test('Given Maildir flags S R F D P, when mapped, then the IMAP flags are sent sorted', () => {
		const source = message(LF_MESSAGE, {flags: new Set(['\\Seen', '\\Answered', '\\Flagged', '\\Draft', '$Forwarded'])});
		const result = mapped(mapMessage(source, 'INBOX', OPTIONS));
		assert.deepEqual(result.job.flags, ['$Forwarded', '\\Answered', '\\Draft', '\\Flagged', '\\Seen']);
		assert.deepEqual(result.droppedFlags, []);
	});

	test('Given \\Recent, an unknown system flag and an invalid keyword, when mapped, then they are dropped and reported', () => {
		const source = message(LF_MESSAGE, {flags: new Set(['\\Recent', '\\Junk', 'not an atom', 'work'])});
		const result = mapped(mapMessage(source, 'INBOX', OPTIONS));
		assert.deepEqual(result.job.flags, ['work']);
		assert.deepEqual(result.droppedFlags, ['\\Recent', '\\Junk', 'not an atom']);
	});

	test('Given a message with a Message-ID, when mapped, then the normalized id and a mid: fingerprint over the CRLF size are set', () => {
		const {job} = mapped(mapMessage(message(LF_MESSAGE), 'INBOX', OPTIONS));
		assert.equal(job.messageId, 'm1@example.com');
		assert.equal(job.fingerprint, `mid:m1@example.com:${job.content.length}`);
		assert.notEqual(job.content.length, Buffer.byteLength(LF_MESSAGE, 'latin1'));
	});

	test('Given a message without a Message-ID, when mapped, then messageId is absent and the fingerprint is the sha256 of the CRLF bytes', () => {
		const {job} = mapped(mapMessage(message('Subject: no id\n\nbody\n'), 'INBOX', OPTIONS));
		assert.ok(!('messageId' in job));
		assert.equal(job.fingerprint, `sha256:${createHash('sha256').update('Subject: no id\r\n\r\nbody\r\n').digest('hex')}`);
	});

	test('Given an empty Message-ID "<>", when mapped, then it counts as no Message-ID', () => {
		const {job} = mapped(mapMessage(message('Message-ID: <>\n\nbody\n'), 'INBOX', OPTIONS));
		assert.ok(!('messageId' in job));
		assert.match(job.fingerprint, /^sha256:/);
	});

	test('Given the same message stored with LF and with CRLF, when mapped, then the fingerprints are equal', () => {
		for (const text of [LF_MESSAGE, 'Subject: no id\n\nbody\n']) {
			const lf = mapped(mapMessage(message(text), 'INBOX', OPTIONS)).job.fingerprint;
			const crlf = mapped(mapMessage(message(text.replaceAll('\n', '\r\n')), 'INBOX', OPTIONS)).job.fingerprint;
			assert.equal(lf, crlf);
		}
	});

	test('Given the same input twice, when mapped, then the results are equal (pure)', () => {
		const source = message(LF_MESSAGE, {flags: new Set(['\\Seen'])});
		assert.deepEqual(mapMessage(source, 'INBOX', OPTIONS), mapMessage(source, 'INBOX', OPTIONS));
	});
});

describe('mapMessage: received date', () => {
	const MTIME = new Date('2010-05-05T05:05:05Z');
	const FROM_LINE = new Date('2009-04-04T04:04:04Z');
	// [case, raw, storeDate, expected ISO, expected source]
	const table: ReadonlyArray<readonly [string, string, SourceMessage['storeDate'] | undefined, string, string]> = [
		['a folded Received header and a store date', LF_MESSAGE, {date: MTIME, source: 'file-mtime'}, '2003-07-01T08:52:37.000Z', 'received-header'],
		['no Received header and a Maildir mtime', 'Date: 1 Jul 2003 10:00 +0000\n\n', {date: MTIME, source: 'file-mtime'}, MTIME.toISOString(), 'file-mtime'],
		['no Received header and an mbox From_ date', 'Date: 1 Jul 2003 10:00 +0000\n\n', {date: FROM_LINE, source: 'from-line'}, FROM_LINE.toISOString(), 'from-line'],
		['a future Received header and no store date', 'Received: by a; 1 Jan 2030 00:00 +0000\nDate: 1 Jul 2003 10:00 +0000\n\n', undefined,
			'2003-07-01T10:00:00.000Z', 'date-header'],
		['a pre-1970 store date and a Date header', 'Date: 1 Jul 2003 10:00 +0000\n\n', {date: new Date(0), source: 'file-mtime'}, '2003-07-01T10:00:00.000Z', 'date-header'],
		['only an invalid Date header', 'Date: 31 Feb 2003 10:00 +0000\n\n', undefined, FALLBACK.toISOString(), 'fallback'],
		['no date anywhere', 'Subject: x\n\nbody\n', undefined, FALLBACK.toISOString(), 'fallback'],
	];
	for (const [name, raw, storeDate, iso, source] of table) {
		test(`Given ${name}, when mapped, then the INTERNALDATE is ${iso} from ${source}`, () => {
			const {job} = mapped(mapMessage(message(raw, storeDate === undefined ? {} : {storeDate}), 'INBOX', OPTIONS));
			assert.equal(job.internalDate.toISOString(), iso);
			assert.equal(job.dateSource, source);
		});
	}

	test('Given a Received date after options.now, when mapped, then it is refused relative to that clock, not the real one', () => {
		const raw = 'Received: by a; 1 Jul 2003 10:00 +0000\n\n';
		const early = {...OPTIONS, now: Date.parse('2003-06-30T00:00:00Z')};
		assert.equal(mapped(mapMessage(message(raw), 'INBOX', early)).job.dateSource, 'fallback');
		assert.equal(mapped(mapMessage(message(raw), 'INBOX', OPTIONS)).job.dateSource, 'received-header');
	});

	test('Given headers only, without a body or a final line end, when mapped, then the Received date is still found', () => {
		const {job} = mapped(mapMessage(message('Received: by a; 1 Jul 2003 10:00 +0000'), 'INBOX', OPTIONS));
		assert.equal(job.dateSource, 'received-header');
	});
});
