/**
 * The vCard 4 / iCalendar writers (src/export/*): RFC 5545/6350 content lines (folding at 75 octets without
 * splitting UTF-8, escaping), time zone rules (wall clock ↔ UTC across daylight-saving changes, VTIMEZONE),
 * events with recurrence and overrides, tasks, journals, cards and groups. Pure functions: no PST needed.
 */
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {escapeText, fold} from '../../src/export/content-lines.js';
import {buildCalendar} from '../../src/export/icalendar.js';
import type {TimeZoneRule} from '../../src/export/time-zone-rule.js';
import {fromWallClock, offsetAt, toWallClock, vtimezone} from '../../src/export/time-zone-rule.js';
import {buildCard} from '../../src/export/vcard.js';
import {parseAppointmentRecurrence} from '../../src/readers/pst/recurrence-pattern.js';
import {parseTimeZoneStruct} from '../../src/readers/pst/time-zone-struct.js';

const PACIFIC: TimeZoneRule = {
	name: 'Pacific', standardOffset: -480,
	daylight: {offset: -420, start: {month: 3, weekday: 0, week: 2, hour: 2, minute: 0}, end: {month: 11, weekday: 0, week: 1, hour: 2, minute: 0}},
};
const SYDNEY: TimeZoneRule = {
	name: 'Sydney', standardOffset: 600,
	daylight: {offset: 660, start: {month: 10, weekday: 0, week: 1, hour: 2, minute: 0}, end: {month: 4, weekday: 0, week: 1, hour: 3, minute: 0}},
};

/** Every physical line is at most 75 octets and the text unfolds back to `logical`. */
function assertFolded(text: string): void {
	assert.ok(text.endsWith('\r\n'));
	for (const line of text.slice(0, -2).split('\r\n')) assert.ok(Buffer.byteLength(line) <= 75, `line too long: ${line}`);
	assert.doesNotMatch(text, /[^\r]\n/);
}

describe('content lines', () => {
	it('folds long lines at 75 octets without splitting a UTF-8 character, and unfolds to the same text', () => {
		const value = `DESCRIPTION:${'日本語のテキスト'.repeat(12)}`;
		const folded = fold(value);
		assertFolded(folded);
		assert.equal(folded.slice(0, -2).replace(/\r\n /g, ''), value);
		assert.ok(!folded.includes('\uFFFD'));
	});

	it('escapes backslashes, commas, semicolons and line breaks in text values', () => {
		assert.equal(escapeText('a\\b, c; d\r\ne\nf'), 'a\\\\b\\, c\\; d\\ne\\nf');
	});
});

describe('time zone rules', () => {
	it('converts between UTC and wall-clock time on both sides of a daylight-saving change', () => {
		assert.equal(offsetAt(PACIFIC, new Date('2021-01-15T12:00:00Z')), -480);
		assert.equal(offsetAt(PACIFIC, new Date('2021-07-15T12:00:00Z')), -420);
		// 2021-03-14 02:00 PST is the switch: 09:59Z is still standard, 10:00Z daylight.
		assert.equal(offsetAt(PACIFIC, new Date('2021-03-14T09:59:00Z')), -480);
		assert.equal(offsetAt(PACIFIC, new Date('2021-03-14T10:00:00Z')), -420);
		assert.equal(toWallClock(PACIFIC, new Date('2021-08-09T17:00:00Z')).toISOString(), '2021-08-09T10:00:00.000Z');
		assert.equal(fromWallClock(PACIFIC, new Date('2021-12-06T10:00:00Z')).toISOString(), '2021-12-06T18:00:00.000Z');
	});

	it('handles a southern-hemisphere zone whose daylight time spans the new year', () => {
		assert.equal(offsetAt(SYDNEY, new Date('2021-01-15T00:00:00Z')), 660);
		assert.equal(offsetAt(SYDNEY, new Date('2021-06-15T00:00:00Z')), 600);
	});

	it('writes a VTIMEZONE whose observances say when and by how much the offset changes', () => {
		const text = vtimezone(PACIFIC);
		assert.match(text, /BEGIN:STANDARD\r\nDTSTART:16010101T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU\r\nTZOFFSETFROM:-0700\r\nTZOFFSETTO:-0800\r\nEND:STANDARD/);
		assert.match(text, /BEGIN:DAYLIGHT\r\nDTSTART:16010101T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU\r\nTZOFFSETFROM:-0800\r\nTZOFFSETTO:-0700\r\nEND:DAYLIGHT/);
	});

	it('reads Outlook\'s TimeZoneStruct into the same rule', () => {
		const data = Buffer.alloc(48);
		data.writeInt32LE(480, 0); // bias: UTC = local + 480
		data.writeInt32LE(0, 4);
		data.writeInt32LE(-60, 8);
		// stStandardDate at 14: month 11, Sunday, week 1, 02:00
		data.writeUInt16LE(11, 16); data.writeUInt16LE(0, 18); data.writeUInt16LE(1, 20); data.writeUInt16LE(2, 22);
		// stDaylightDate at 32: month 3, Sunday, week 2, 02:00
		data.writeUInt16LE(3, 34); data.writeUInt16LE(0, 36); data.writeUInt16LE(2, 38); data.writeUInt16LE(2, 40);
		assert.deepEqual(parseTimeZoneStruct(data, 'Pacific'), PACIFIC);
		assert.deepEqual(parseTimeZoneStruct(Buffer.alloc(48), undefined), {name: 'UTC+0000', standardOffset: 0});
		assert.equal(parseTimeZoneStruct(Buffer.alloc(10), 'x'), undefined);
	});
});

/** MS-OXOCAL AppointmentRecurrencePattern: weekly on Monday and Wednesday, 10 times, 10:00–11:00, one deleted and one moved occurrence. */
function weeklyBlob(): Buffer {
	const minutes = (iso: string): number => Date.parse(iso) / 60_000 + 11_644_473_600 / 60;
	const parts: Buffer[] = [];
	const u16 = (v: number): void => { const b = Buffer.alloc(2); b.writeUInt16LE(v); parts.push(b); };
	const u32 = (v: number): void => { const b = Buffer.alloc(4); b.writeUInt32LE(v >>> 0); parts.push(b); };
	u16(0x3004); u16(0x3004); u16(0x200b); u16(0x0001); u16(0); u32(0); u32(1); u32(0);
	u32(0b0001010); // Monday + Wednesday
	u32(0x2022); u32(10); u32(1); // ends after 10, week starts Monday
	u32(2); u32(minutes('2021-08-11T00:00:00Z')); u32(minutes('2021-08-16T00:00:00Z')); // deleted: Wed 11th, Mon 16th (moved)
	u32(1); u32(minutes('2021-08-17T00:00:00Z')); // modified: now on Tue 17th
	u32(minutes('2021-08-09T00:00:00Z')); u32(0x5ae980df);
	u32(0x3006); u32(0x3008); u32(600); u32(660); // start 10:00, end 11:00
	u16(1); // one exception
	u32(minutes('2021-08-17T14:00:00Z')); u32(minutes('2021-08-17T15:00:00Z')); u32(minutes('2021-08-16T10:00:00Z'));
	u16(0x0010); // location overridden
	const location = Buffer.from('Room 2', 'latin1');
	u16(location.length + 1); u16(location.length); parts.push(location);
	u32(0); // ReservedBlock1
	u32(0); // ReservedBlockEE1
	u32(minutes('2021-08-17T14:00:00Z')); u32(minutes('2021-08-17T15:00:00Z')); u32(minutes('2021-08-16T10:00:00Z'));
	const wide = Buffer.from('Raum 2 – Süd', 'utf16le');
	u16(wide.length / 2); parts.push(wide);
	u32(0); // ReservedBlockEE2
	u32(0); u32(0); // ReservedBlock2
	return Buffer.concat(parts);
}

describe('recurring events', () => {
	it('turns an Outlook recurrence blob into RRULE, EXDATE and a RECURRENCE-ID override in the series\' time zone', () => {
		const parsed = parseAppointmentRecurrence(weeklyBlob());
		assert.ok(parsed);
		assert.deepEqual(parsed.rule, {
			freq: 'WEEKLY', interval: 1, byDay: ['MO', 'WE'], weekStart: 'MO', count: 10,
			exceptions: [new Date('2021-08-11T10:00:00Z')],
		});
		assert.equal(parsed.start.toISOString(), '2021-08-09T10:00:00.000Z');
		assert.equal(parsed.end.toISOString(), '2021-08-09T11:00:00.000Z');
		assert.deepEqual(parsed.overrides, [{
			originalStart: new Date('2021-08-16T10:00:00Z'), start: new Date('2021-08-17T14:00:00Z'), end: new Date('2021-08-17T15:00:00Z'), location: 'Raum 2 – Süd',
		}]);
		const text = buildCalendar({component: {
			type: 'event', uid: 'series-1', stamp: new Date('2021-08-01T00:00:00Z'), summary: 'Stand-up', zone: PACIFIC,
			start: {kind: 'wall', wall: parsed.start}, end: {kind: 'wall', wall: parsed.end}, recurrence: parsed.rule,
			overrides: parsed.overrides.map((o) => ({recurrenceId: {kind: 'wall', wall: o.originalStart}, start: {kind: 'wall', wall: o.start}, end: {kind: 'wall', wall: o.end}, ...(o.location ? {location: o.location} : {})})),
		}});
		assertFolded(text);
		assert.match(text, /BEGIN:VTIMEZONE\r\nTZID:Pacific\r\n/);
		assert.match(text, /DTSTART;TZID=Pacific:20210809T100000\r\n/);
		assert.match(text, /RRULE:FREQ=WEEKLY;COUNT=10;BYDAY=MO,WE;WKST=MO\r\n/);
		assert.match(text, /EXDATE;TZID=Pacific:20210811T100000\r\n/);
		assert.match(text, /RECURRENCE-ID;TZID=Pacific:20210816T100000\r\nDTSTART;TZID=Pacific:20210817T140000\r\n/);
		assert.match(text, /LOCATION:Raum 2 – Süd\r\n/);
		assert.equal(text.match(/BEGIN:VEVENT/g)?.length, 2);
	});

	it('writes UNTIL in UTC for a series with a wall-clock start (RFC 5545 3.3.10)', () => {
		const text = buildCalendar({component: {
			type: 'event', uid: 'u', stamp: new Date(0), zone: PACIFIC, start: {kind: 'wall', wall: new Date('2021-12-06T10:00:00Z')},
			recurrence: {freq: 'DAILY', interval: 2, until: new Date('2021-12-20T10:00:00Z')},
		}});
		assert.match(text, /RRULE:FREQ=DAILY;INTERVAL=2;UNTIL=20211220T180000Z\r\n/);
	});

	it('refuses blobs it does not understand instead of guessing', () => {
		assert.equal(parseAppointmentRecurrence(Buffer.alloc(20)), undefined);
		const bad = weeklyBlob();
		bad.writeUInt16LE(0x1234, 4); // unknown frequency
		assert.equal(parseAppointmentRecurrence(bad), undefined);
	});
});

describe('events, tasks and notes', () => {
	it('writes an all-day event with DATE values, attendees with addresses only, a reminder and a meeting method', () => {
		const text = buildCalendar({method: 'REQUEST', component: {
			type: 'event', uid: 'abc@example', stamp: new Date('2021-08-01T00:00:00Z'), summary: 'Offsite, day 1; bring laptops',
			start: {kind: 'date', date: new Date('2021-08-14T00:00:00Z')}, end: {kind: 'date', date: new Date('2021-08-15T00:00:00Z')},
			organizer: {name: 'Ed', address: 'ed@example.org'},
			attendees: [{name: 'Ann', address: 'ann@example.org', role: 'required', status: 'accepted'}, {name: 'No Address', role: 'optional'}],
			reminderMinutes: 15, busyStatus: 'OOF', transparent: false,
		}});
		assertFolded(text);
		assert.match(text, /METHOD:REQUEST\r\n/);
		assert.match(text, /DTSTART;VALUE=DATE:20210814\r\nDTEND;VALUE=DATE:20210815\r\n/);
		assert.match(text, /SUMMARY:Offsite\\, day 1\\; bring laptops\r\n/);
		assert.match(text, /ORGANIZER;CN=Ed:mailto:ed@example.org\r\n/);
		assert.match(text.replace(/\r\n /g, ''), /ATTENDEE;CN=Ann;ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED:mailto:ann@example.org\r\n/);
		assert.doesNotMatch(text, /No Address/);
		assert.match(text, /TRIGGER:-PT15M\r\n/);
		assert.match(text, /DTSTAMP:20210801T000000Z\r\n/);
		assert.doesNotMatch(text, /VTIMEZONE/);
	});

	it('is deterministic: the same item gives the same bytes', () => {
		const item = {type: 'todo' as const, uid: 't', stamp: new Date('2020-01-01T00:00:00Z'), summary: 'Do it', due: new Date('2020-02-01T00:00:00Z'), percentComplete: 50, status: 'IN-PROCESS' as const};
		assert.equal(buildCalendar({component: item}), buildCalendar({component: item}));
		assert.match(buildCalendar({component: item}), /BEGIN:VTODO\r\n[\s\S]*DUE;VALUE=DATE:20200201\r\nPERCENT-COMPLETE:50\r\nSTATUS:IN-PROCESS\r\nEND:VTODO/);
	});

	it('writes notes as VJOURNAL with their text', () => {
		const text = buildCalendar({component: {type: 'journal', uid: 'n', stamp: new Date(0), summary: 'Note', description: 'line 1\nline 2', start: new Date('2020-01-02T03:04:05Z')}});
		assert.match(text, /BEGIN:VJOURNAL\r\n[\s\S]*DESCRIPTION:line 1\\nline 2\r\nDTSTART:20200102T030405Z\r\nEND:VJOURNAL/);
	});
});

describe('vCard 4', () => {
	it('writes a person with structured name, escaped address parts, typed phones and a photo', () => {
		const text = buildCard({
			kind: 'individual', uid: 'urn:uuid:1', formattedName: 'Tolle, Margaret J.',
			name: {family: 'Tolle', given: 'Margaret', additional: 'J.'},
			organization: {name: 'Adaptaz', unit: 'Sound; Music'},
			emails: [{address: 'mt@example.org', preferred: true}],
			phones: [{number: '(08) 9080-1183', types: ['work', 'voice']}, {number: '555', types: ['cell']}],
			addresses: [{types: ['work'], street: '4 Darwinia Loop', city: 'Eighty Mile Beach', region: 'WA', postalCode: '6725', country: 'Australia', label: '4 Darwinia Loop\nEIGHTY MILE BEACH'}],
			birthday: new Date('1980-05-17T00:00:00Z'), photo: {mediaType: 'image/jpeg', data: Buffer.alloc(200, 7)},
		});
		assertFolded(text);
		assert.match(text, /^BEGIN:VCARD\r\nVERSION:4.0\r\nKIND:individual\r\n/);
		assert.match(text, /FN:Tolle\\, Margaret J.\r\n/);
		assert.match(text, /N:Tolle;Margaret;J.;;\r\n/);
		assert.match(text, /ORG:Adaptaz;Sound\\; Music\r\n/);
		assert.match(text, /TEL;TYPE="work,voice":\(08\) 9080-1183\r\nTEL;TYPE=cell:555\r\n/);
		assert.match(text.replace(/\r\n /g, ''), /ADR;TYPE=work;LABEL=4 Darwinia Loop EIGHTY MILE BEACH:;;4 Darwinia Loop;Eighty Mile Beach;WA;6725;Australia\r\n/);
		assert.match(text, /BDAY:19800517\r\n/);
		assert.match(text.replace(/\r\n /g, ''), /PHOTO:data:image\/jpeg;base64,BwcH/);
	});

	it('writes a distribution list as KIND:group with MEMBER URIs', () => {
		const text = buildCard({kind: 'group', uid: 'urn:uuid:2', formattedName: 'Team', members: ['mailto:a@example.org', 'mailto:b@example.org']});
		assert.match(text, /KIND:group\r\nUID:urn:uuid:2\r\nFN:Team\r\nMEMBER:mailto:a@example.org\r\nMEMBER:mailto:b@example.org\r\nEND:VCARD\r\n$/);
	});
});
