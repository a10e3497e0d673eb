import assert from 'node:assert/strict';
import {describe, test} from 'node:test';

import type {SourceMessage} from '../../src/contracts/types.js';
import {parseHeaders} from '../../src/mapper/headers.js';
import {chooseReceivedDate, receivedHeaderDate} from '../../src/mapper/received-date.js';

const NOW = Date.parse('2024-06-01T12:00:00Z');
const FALLBACK = new Date('2020-01-01T00:00:00Z');
const MTIME = new Date('2010-05-05T05:05:05Z');
const FROM_LINE = new Date('2009-04-04T04:04:04Z');

type StoreDate = SourceMessage['storeDate'];

function choose(headerText: string, storeDate?: StoreDate): {iso: string; source: string} {
	const fields = parseHeaders(Buffer.from(headerText, 'latin1'));
	const chosen = chooseReceivedDate(storeDate === undefined ? {} : {storeDate}, fields, NOW, FALLBACK);
	return {iso: chosen.date.toISOString(), source: chosen.source};
}

describe('receivedHeaderDate', () => {
	const table: ReadonlyArray<readonly [string, string | undefined, string | undefined]> = [
		['a plain Received header', 'from a by b; Tue, 1 Jul 2003 10:52:37 +0200', '2003-07-01T08:52:37.000Z'],
		['several ";" (the date follows the last one)',
			'from a (a [1.2.3.4]; helo=x) by b with ESMTP id 1; for <u@x>; Tue, 1 Jul 2003 10:52:37 +0200', '2003-07-01T08:52:37.000Z'],
		['an earlier ";" followed by something date-like', 'from a; 2 Feb 2001 10:00 +0000 by b; 1 Jul 2003 10:52:37 +0000', '2003-07-01T10:52:37.000Z'],
		['a qmail header (comment then ";")', '(qmail 1234 invoked by uid 0); 1 Jul 2003 10:52:37 -0000', '2003-07-01T10:52:37.000Z'],
		['an unfolded Exchange header (tab after ";")', 'from X by Y with Microsoft SMTPSVC(5.0.2195.6713);\t Tue, 1 Jul 2003 10:52:37 +0200',
			'2003-07-01T08:52:37.000Z'],
		['a trailing zone comment', 'by b; Tue, 1 Jul 2003 10:52:37 -0700 (PDT)', '2003-07-01T17:52:37.000Z'],
		['no ";" at all', 'from a by b Tue, 1 Jul 2003 10:52:37 +0200', undefined],
		['nothing after the last ";"', 'from a by b;', undefined],
		['an invalid date after the last ";"', 'from a by b; 31 Feb 2003 10:00:00 +0000', undefined],
		['an empty value', '', undefined],
		['undefined', undefined, undefined],
	];
	for (const [name, value, expected] of table) {
		test(`Given ${name}, when the date is read, then it is ${expected ?? 'undefined'}`, () => {
			assert.equal(receivedHeaderDate(value)?.toISOString(), expected);
		});
	}
});

describe('chooseReceivedDate', () => {
	test('Given several Received headers, when a date is chosen, then the topmost (final delivery) one wins', () => {
		const headers = 'Received: by final; 3 Jul 2003 10:00:00 +0000\nReceived: by relay; 2 Jul 2003 10:00:00 +0000\n'
			+ 'Received: by origin; 1 Jul 2003 10:00:00 +0000\nDate: 30 Jun 2003 10:00:00 +0000\n\nbody';
		assert.deepEqual(choose(headers, {date: MTIME, source: 'file-mtime'}), {iso: '2003-07-03T10:00:00.000Z', source: 'received-header'});
	});

	test('Given an Outlook for Mac received time and a Received header, when a date is chosen, then the time Outlook recorded wins (like a PST delivery time)', () => {
		const headers = 'Received: by final; 3 Jul 2003 10:00:00 +0000\nDate: 30 Jun 2003 10:00:00 +0000\n\nbody';
		assert.deepEqual(choose(headers, {date: MTIME, source: 'olm-received-time'}), {iso: MTIME.toISOString(), source: 'olm-received-time'});
	});

	test('Given a folded Received header in an LF message, when a date is chosen, then the date on the continuation line is used', () => {
		const headers = 'Received: from mail.example.com (mail.example.com [192.0.2.1])\n\tby mx.example.org (Postfix) with ESMTP id 1;\n\tTue, 1 Jul 2003 10:52:37 +0200\n\n';
		assert.deepEqual(choose(headers), {iso: '2003-07-01T08:52:37.000Z', source: 'received-header'});
	});

	test('Given a folded Received header in a CRLF message, when a date is chosen, then the date on the continuation line is used', () => {
		const headers = 'Received: from a\r\n by b;\r\n Tue, 1 Jul 2003 10:52:37 +0200\r\nSubject: x\r\n\r\n';
		assert.deepEqual(choose(headers), {iso: '2003-07-01T08:52:37.000Z', source: 'received-header'});
	});

	test('Given a topmost Received in the future, when a date is chosen, then the store date is used, not a lower Received', () => {
		const headers = 'Received: by a; 1 Jan 2030 00:00:00 +0000\nReceived: by b; 1 Jul 2003 10:00:00 +0000\n\n';
		assert.deepEqual(choose(headers, {date: MTIME, source: 'file-mtime'}), {iso: MTIME.toISOString(), source: 'file-mtime'});
	});

	test('Given a topmost Received with an unparseable date, when a date is chosen, then the store date is used', () => {
		const headers = 'Received: by a; someday\nReceived: by b; 1 Jul 2003 10:00:00 +0000\nDate: 1 Jul 2003 09:00:00 +0000\n\n';
		assert.deepEqual(choose(headers, {date: FROM_LINE, source: 'from-line'}), {iso: FROM_LINE.toISOString(), source: 'from-line'});
	});

	test('Given a topmost Received dated before 1970, when a date is chosen, then it is skipped for the store date', () => {
		const headers = 'Received: by a; 1 Jan 1969 00:00:00 +0000\n\n';
		assert.deepEqual(choose(headers, {date: MTIME, source: 'file-mtime'}), {iso: MTIME.toISOString(), source: 'file-mtime'});
	});

	test('Given no Received header and a Maildir mtime, when a date is chosen, then the mtime is used with source file-mtime', () => {
		assert.deepEqual(choose('Date: 1 Jul 2003 10:00:00 +0000\n\n', {date: MTIME, source: 'file-mtime'}), {iso: MTIME.toISOString(), source: 'file-mtime'});
	});

	test('Given no Received header and an mbox From_ date, when a date is chosen, then it is used with source from-line', () => {
		assert.deepEqual(choose('Date: 1 Jul 2003 10:00:00 +0000\n\n', {date: FROM_LINE, source: 'from-line'}), {iso: FROM_LINE.toISOString(), source: 'from-line'});
	});

	test('Given a store date at the Unix epoch (times lost in a copy), when a date is chosen, then the Date header is used', () => {
		assert.deepEqual(choose('Date: Tue, 1 Jul 2003 10:52:37 +0200\n\n', {date: new Date(0), source: 'file-mtime'}),
			{iso: '2003-07-01T08:52:37.000Z', source: 'date-header'});
	});

	test('Given a store date in the future, when a date is chosen, then the Date header is used', () => {
		assert.deepEqual(choose('Date: 1 Jul 2003 10:00:00 +0000\n\n', {date: new Date(NOW + 60_000), source: 'file-mtime'}),
			{iso: '2003-07-01T10:00:00.000Z', source: 'date-header'});
	});

	test('Given no Received header and no store date, when a date is chosen, then the Date header is used', () => {
		assert.deepEqual(choose('Date: 1 Jul 03 10:00 PDT\n\n'), {iso: '2003-07-01T17:00:00.000Z', source: 'date-header'});
	});

	test('Given only an invalid 31 February Date header, when a date is chosen, then the fallback is used, not a rolled date', () => {
		assert.deepEqual(choose('Date: 31 Feb 2003 10:00:00 +0000\n\n'), {iso: FALLBACK.toISOString(), source: 'fallback'});
	});

	test('Given only a future Date header, when a date is chosen, then the fallback is used', () => {
		assert.deepEqual(choose('Date: 1 Jan 2030 10:00:00 +0000\n\n'), {iso: FALLBACK.toISOString(), source: 'fallback'});
	});

	test('Given no header at all and no store date, when a date is chosen, then the fallback is used, never "now"', () => {
		const chosen = chooseReceivedDate({}, [], NOW, FALLBACK);
		assert.equal(chosen.source, 'fallback');
		assert.equal(chosen.date, FALLBACK);
		assert.notEqual(chosen.date.getTime(), NOW);
	});

	test('Given a Received header only in the body, when a date is chosen, then it is ignored', () => {
		assert.deepEqual(choose('Subject: x\n\nReceived: by a; 1 Jul 2003 10:00:00 +0000\n'), {iso: FALLBACK.toISOString(), source: 'fallback'});
	});

	test('Given a Received header without a date and a valid Date header, when a date is chosen, then the Date header is used', () => {
		assert.deepEqual(choose('Received: by a with local\nDate: 1 Jul 2003 10:00:00 +0000\n\n'), {iso: '2003-07-01T10:00:00.000Z', source: 'date-header'});
	});

	test('Given a Received date exactly equal to now, when a date is chosen, then it is accepted', () => {
		const received = new Date(NOW).toUTCString().replace('GMT', '+0000');
		assert.deepEqual(choose(`Received: by a; ${received}\n\n`), {iso: new Date(NOW).toISOString(), source: 'received-header'});
	});
});

describe('chooseReceivedDate: Apple Mail date-received', () => {
	const received = 'Received: by mx; Tue, 1 Jul 2003 10:52:37 +0000\nDate: Mon, 30 Jun 2003 08:00:00 +0000\n\n';
	test('Given an emlx date-received and a Received header, when the date is chosen, then Mail\'s own delivery time wins', () => {
		assert.deepEqual(choose(received, {date: MTIME, source: 'apple-date-received'}), {iso: MTIME.toISOString(), source: 'apple-date-received'});
	});
	test('Given an implausible (future) date-received, when the date is chosen, then the Received header is used', () => {
		assert.deepEqual(choose(received, {date: new Date('2099-01-01T00:00:00Z'), source: 'apple-date-received'}), {iso: '2003-07-01T10:52:37.000Z', source: 'received-header'});
	});
});

describe('chooseReceivedDate: the Outlook Express receive time (issue #16)', () => {
	const oe = new Date('2004-03-02T09:30:00Z');
	test('Given an OE receive time and a Received header, when chosen, then the receive time OE recorded wins', () => {
		assert.deepEqual(choose('Received: by mx; Tue, 2 Mar 2004 10:00:00 +0000\r\n\r\n', {date: oe, source: 'dbx-received-time'}), {iso: oe.toISOString(), source: 'dbx-received-time'});
	});
	test('Given an implausible OE receive time, when chosen, then the Received header is used', () => {
		assert.deepEqual(choose('Received: by mx; Tue, 2 Mar 2004 10:00:00 +0000\r\n\r\n', {date: new Date('2100-01-01T00:00:00Z'), source: 'dbx-received-time'}), {iso: '2004-03-02T10:00:00.000Z', source: 'received-header'});
	});
});
