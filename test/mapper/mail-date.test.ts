import assert from 'node:assert/strict';
import {describe, test} from 'node:test';

import {EARLIEST_DATE, calendarDate, isPlausibleDate, parseMailDate} from '../../src/mapper/mail-date.js';

describe('parseMailDate', () => {
	// [case, input, expected instant (ISO, UTC)]
	const valid: ReadonlyArray<readonly [string, string, string]> = [
		['the RFC 5322 §3.3 form', 'Tue, 1 Jul 2003 10:52:37 +0200', '2003-07-01T08:52:37.000Z'],
		['a two-digit day', 'Tue, 01 Jul 2003 10:52:37 +0200', '2003-07-01T08:52:37.000Z'],
		['a negative offset with minutes', 'Mon, 15 Mar 2010 23:30:00 -0330', '2010-03-16T03:00:00.000Z'],
		['the "-0000" zone (local time unknown, RFC 5322 §3.3)', '1 Jan 2001 00:00:00 -0000', '2001-01-01T00:00:00.000Z'],
		['no day-of-week', '1 Jul 2003 10:52:37 +0200', '2003-07-01T08:52:37.000Z'],
		['a day-of-week without a space after the comma', 'Tue,1 Jul 2003 10:52:37 +0200', '2003-07-01T08:52:37.000Z'],
		['a day-of-week without a comma', 'Tue 1 Jul 2003 10:52:37 +0200', '2003-07-01T08:52:37.000Z'],
		['missing seconds', '1 Jul 2003 10:52 +0200', '2003-07-01T08:52:00.000Z'],
		['no zone at all (taken as UTC)', '1 Jul 2003 10:52:37', '2003-07-01T10:52:37.000Z'],
		['a zone glued to the time', '1 Jul 2003 10:52:37+0200', '2003-07-01T08:52:37.000Z'],
		['a single-digit hour', '1 Jul 2003 9:05:00 +0000', '2003-07-01T09:05:00.000Z'],
		['fractional seconds', '1 Jul 2003 10:52:37.250 +0000', '2003-07-01T10:52:37.000Z'],
		['a leap second (60, clamped to 59)', '31 Dec 2016 23:59:60 +0000', '2016-12-31T23:59:59.000Z'],
		['a two-digit year 03 (→ 2003, RFC 5322 §4.3)', 'Tue, 1 Jul 03 10:52:37 +0200', '2003-07-01T08:52:37.000Z'],
		['a two-digit year 49 (→ 2049)', '1 Jan 49 00:00:00 +0000', '2049-01-01T00:00:00.000Z'],
		['a two-digit year 50 (→ 1950)', '1 Jan 50 00:00:00 +0000', '1950-01-01T00:00:00.000Z'],
		['a two-digit year 99 (→ 1999)', 'Fri, 31 Dec 99 23:59:59 GMT', '1999-12-31T23:59:59.000Z'],
		['a three-digit year 103 (→ 2003, the Y2K bug form)', '1 Jul 103 10:52:37 +0000', '2003-07-01T10:52:37.000Z'],
		['the named zone PDT (-0700)', '1 Jul 2003 10:52:37 PDT', '2003-07-01T17:52:37.000Z'],
		['the named zone PST (-0800)', '1 Jan 2003 10:00:00 PST', '2003-01-01T18:00:00.000Z'],
		['the named zone EDT (-0400)', '1 Jul 2003 10:00:00 EDT', '2003-07-01T14:00:00.000Z'],
		['the named zone EST (-0500)', '1 Jan 2003 10:00:00 EST', '2003-01-01T15:00:00.000Z'],
		['the named zone CDT (-0500)', '1 Jul 2003 10:00:00 CDT', '2003-07-01T15:00:00.000Z'],
		['the named zone CST (-0600)', '1 Jan 2003 10:00:00 CST', '2003-01-01T16:00:00.000Z'],
		['the named zone MDT (-0600)', '1 Jul 2003 10:00:00 MDT', '2003-07-01T16:00:00.000Z'],
		['the named zone MST (-0700)', '1 Jan 2003 10:00:00 MST', '2003-01-01T17:00:00.000Z'],
		['the named zone GMT', '1 Jan 2003 10:00:00 GMT', '2003-01-01T10:00:00.000Z'],
		['the named zone UT', '1 Jan 2003 10:00:00 UT', '2003-01-01T10:00:00.000Z'],
		['the named zone UTC', '1 Jan 2003 10:00:00 UTC', '2003-01-01T10:00:00.000Z'],
		['the military zone Z', '1 Jan 2003 10:00:00 Z', '2003-01-01T10:00:00.000Z'],
		['a lower-case named zone', '1 Jul 2003 10:52:37 pdt', '2003-07-01T17:52:37.000Z'],
		['an unknown named zone CEST (RFC 5322 §4.3: treat as -0000)', '1 Jul 2003 10:52:37 CEST', '2003-07-01T10:52:37.000Z'],
		['a military zone other than Z (treated as -0000)', '1 Jul 2003 10:52:37 A', '2003-07-01T10:52:37.000Z'],
		['a trailing comment naming the zone', 'Tue, 1 Jul 2003 10:52:37 +0200 (CEST)', '2003-07-01T08:52:37.000Z'],
		['a comment between the time and the zone', '1 Jul 2003 10:52:37 (local) -0700', '2003-07-01T17:52:37.000Z'],
		['a comment before the date', '(sent from my pager) 1 Jul 2003 10:52:37 +0000', '2003-07-01T10:52:37.000Z'],
		['a nested comment that contains another date', '(a (b) 2 Feb 2001 10:00) 1 Jul 2003 10:52:37 +0000', '2003-07-01T10:52:37.000Z'],
		['folding whitespace and tabs', 'Tue,\t1  Jul\r\n 2003   10:52:37   +0200', '2003-07-01T08:52:37.000Z'],
		['a full month name', '1 July 2003 10:52:37 +0000', '2003-07-01T10:52:37.000Z'],
		['a month name with a dot', '1 Sept. 2003 10:52:37 +0000', '2003-09-01T10:52:37.000Z'],
		['an upper-case month', '1 JUL 2003 10:52:37 +0000', '2003-07-01T10:52:37.000Z'],
		['dashes between day, month and year', '1-Jul-2003 10:52:37 +0000', '2003-07-01T10:52:37.000Z'],
		['29 February of a leap year', '29 Feb 2004 12:00:00 +0000', '2004-02-29T12:00:00.000Z'],
		['29 February 2000 (divisible by 400: a leap year)', '29 Feb 2000 12:00:00 +0000', '2000-02-29T12:00:00.000Z'],
		['a time that crosses midnight in UTC', '31 Dec 2003 23:30:00 -0100', '2004-01-01T00:30:00.000Z'],
		['a date before 1970 (parsed; plausibility is judged separately)', '20 Jul 1969 20:17:40 +0000', '1969-07-20T20:17:40.000Z'],
		['a four-digit year 0099 (year 99, not 1999)', '1 Jan 0099 00:00:00 +0000', '0099-01-01T00:00:00.000Z'],
	];
	for (const [name, input, iso] of valid) {
		test(`Given ${name}, when "${input}" is parsed, then the instant is ${iso}`, () => {
			assert.equal(parseMailDate(input)?.toISOString(), iso);
		});
	}

	const invalid: ReadonlyArray<readonly [string, string | undefined]> = [
		['31 February (refused rather than rolled into March)', '31 Feb 2003 10:00:00 +0000'],
		['29 February of a common year', '29 Feb 2003 10:00:00 +0000'],
		['29 February 1900 (divisible by 100 but not 400)', '29 Feb 1900 10:00:00 +0000'],
		['31 April', '31 Apr 2003 10:00:00 +0000'],
		['day 0', '0 Jan 2003 10:00:00 +0000'],
		['day 32', '32 Jan 2003 10:00:00 +0000'],
		['an unknown month', '1 Foo 2003 10:00:00 +0000'],
		['hour 24', '1 Jan 2003 24:00:00 +0000'],
		['minute 60', '1 Jan 2003 10:60:00 +0000'],
		['second 61', '1 Jan 2003 10:00:61 +0000'],
		['zone hours beyond 23', '1 Jan 2003 10:00:00 +2400'],
		['zone minutes beyond 59', '1 Jan 2003 10:00:00 +0160'],
		['no time of day', 'Tue, 1 Jul 2003'],
		['an asctime date (not RFC 5322)', 'Tue Jul  1 10:52:37 2003'],
		['an ISO 8601 date (not RFC 5322)', '2003-07-01T10:52:37Z'],
		['a one-digit year', '1 Jul 3 10:52:37 +0000'],
		['a three-digit day', '101 Jul 2003 10:52:37 +0000'],
		['words', 'yesterday afternoon'],
		['an empty string', ''],
		['only a comment', '(no date)'],
		['undefined', undefined],
	];
	for (const [name, input] of invalid) {
		test(`Given ${name}, when parsed, then there is no date`, () => {
			assert.equal(parseMailDate(input), undefined);
		});
	}

	test('a 31 February date is refused rather than rolled into March, unlike Date.parse', () => {
		assert.ok(!Number.isNaN(Date.parse('31 Feb 2003 10:00:00 +0000')), 'precondition: Date.parse rolls the date');
		assert.equal(parseMailDate('31 Feb 2003 10:00:00 +0000'), undefined);
	});
});

describe('calendarDate', () => {
	test('Given valid fields and an offset, when built, then the instant is the local time minus the offset', () => {
		assert.equal(calendarDate(2003, 6, 1, 10, 52, 37, 120)?.toISOString(), '2003-07-01T08:52:37.000Z');
	});

	const table: ReadonlyArray<readonly [string, readonly [number, number, number, number, number, number], string | undefined]> = [
		['month 12 (months are 0-based)', [2003, 12, 1, 0, 0, 0], undefined],
		['month -1', [2003, -1, 1, 0, 0, 0], undefined],
		['a fractional year', [2003.5, 0, 1, 0, 0, 0], undefined],
		['30 February', [2004, 1, 30, 0, 0, 0], undefined],
		['31 December', [2003, 11, 31, 23, 59, 59], '2003-12-31T23:59:59.000Z'],
		['year 99 (not mapped to 1999)', [99, 0, 1, 0, 0, 0], '0099-01-01T00:00:00.000Z'],
		['29 February of year 0 (a leap year; not 1900)', [0, 1, 29, 0, 0, 0], '0000-02-29T00:00:00.000Z'],
	];
	for (const [name, [y, mo, d, h, mi, s], expected] of table) {
		test(`Given ${name}, when built, then the result is ${expected ?? 'undefined'}`, () => {
			assert.equal(calendarDate(y, mo, d, h, mi, s, 0)?.toISOString(), expected);
		});
	}
});

describe('isPlausibleDate', () => {
	const now = Date.parse('2024-06-01T12:00:00Z');
	const table: ReadonlyArray<readonly [string, Date | undefined, boolean]> = [
		['an ordinary past date', new Date('2003-07-01T08:52:37Z'), true],
		['exactly now', new Date(now), true],
		['one second in the future', new Date(now + 1000), false],
		['a year in the future', new Date('2025-06-01T12:00:00Z'), false],
		['the earliest accepted instant (1970-01-02)', EARLIEST_DATE, true],
		['the Unix epoch (a copied Maildir without times)', new Date(0), false],
		['1 January 1970 at noon', new Date('1970-01-01T12:00:00Z'), false],
		['a date before 1970', new Date('1969-07-20T20:17:40Z'), false],
		['an invalid Date object', new Date(Number.NaN), false],
		['undefined', undefined, false],
	];
	for (const [name, date, expected] of table) {
		test(`Given ${name}, when judged against now, then it is ${expected ? 'plausible' : 'not plausible'}`, () => {
			assert.equal(isPlausibleDate(date, now), expected);
		});
	}
});
