/**
 * PidLidAppointmentRecur (MS-OXOCAL 2.2.1.44.5 AppointmentRecurrencePattern, which starts with a
 * RecurrencePattern, 2.2.1.44.1) → an iCalendar recurrence (RFC 5545 RRULE/EXDATE) plus the series' first
 * start and end as wall-clock times.
 *
 * Why our own parser: pst-extractor's RecurrencePattern reads StartDate/EndDate from the end of the buffer,
 * which is right only for a bare RecurrencePattern; an appointment's blob continues after them (versions,
 * start/end time offsets, exceptions).
 *
 * Layout: ReaderVersion(2) WriterVersion(2) RecurFrequency(2) PatternType(2) CalendarType(2) FirstDateTime(4)
 * Period(4) SlidingFlag(4) PatternTypeSpecific(0/4/8) EndType(4) OccurrenceCount(4) FirstDOW(4)
 * DeletedInstanceCount(4) DeletedInstanceDates(4×n) ModifiedInstanceCount(4) ModifiedInstanceDates(4×n)
 * StartDate(4) EndDate(4) — then ReaderVersion2(4) WriterVersion2(4) StartTimeOffset(4) EndTimeOffset(4) ….
 * Dates are minutes since 1601-01-01 in the series' local time; the offsets are minutes after local midnight.
 *
 * Then ExceptionCount(2) and one ExceptionInfo per changed occurrence (2.2.1.44.2: new start/end, original
 * start, OverrideFlags and the overridden fields, ANSI), ReservedBlock1, and one ExtendedException each
 * (2.2.1.44.3: the Unicode subject/location when WriterVersion2 ≥ 0x3009 adds ChangeHighlight first).
 *
 * Deleted occurrences become EXDATEs; changed ones become overrides (RECURRENCE-ID) with their new time and,
 * when changed, subject and location. Other overridden fields (reminder, busy status, attachments) are not
 * carried. Non-Gregorian calendar types (Hijri, Hebrew …: CalendarType ≠ 0/1) are written as Gregorian rules
 * and flagged (`nonGregorian`) so the caller can warn.
 */
import type {Recurrence} from '../../export/icalendar.js';
import {decodeText} from './code-pages.js';

/** One changed occurrence (wall-clock times). */
export type OccurrenceOverride = Readonly<{originalStart: Date; start: Date; end: Date; subject?: string; location?: string}>;

export type ParsedRecurrence = Readonly<{
	rule: Recurrence;
	/** First occurrence's start and end, wall-clock (UTC fields hold local time). */
	start: Date;
	end: Date;
	overrides: readonly OccurrenceOverride[];
	nonGregorian: boolean;
}>;

const FREQ = {0x200a: 'DAILY', 0x200b: 'WEEKLY', 0x200c: 'MONTHLY', 0x200d: 'YEARLY'} as const;
const DAYS = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'] as const;
const MINUTES_1601_TO_1970 = 11_644_473_600 / 60;
/** EndDate of a series without an end (MS-OXOCAL: 0x5AE980DF = 31 Dec 4500). */
const NO_END_DATE = 0x5ae980df;

function wall(minutes: number): Date {
	return new Date((minutes - MINUTES_1601_TO_1970) * 60_000);
}

/** Parses the blob; undefined when it is not a recurrence this understands (the event is then exported once). */
export function parseAppointmentRecurrence(data: Buffer | undefined, ansiCharset = 'windows-1252'): ParsedRecurrence | undefined {
	if (data === undefined || data.length < 50) return undefined;
	try {
		let at = 4;
		const frequency = data.readUInt16LE(at); at += 2;
		const patternType = data.readUInt16LE(at); at += 2;
		const calendarType = data.readUInt16LE(at); at += 2;
		at += 4; // FirstDateTime
		const period = data.readUInt32LE(at); at += 4;
		at += 4; // SlidingFlag (tasks only)
		let weekdays = 0;
		let dayOfMonth = 0;
		let nth = 0;
		switch (patternType) {
			case 0x0000: break; // Day
			case 0x0001: weekdays = data.readUInt32LE(at); at += 4; break; // Week
			case 0x0002: case 0x0004: case 0x000a: case 0x000c: dayOfMonth = data.readUInt32LE(at); at += 4; break; // Month, MonthEnd, Hj*
			case 0x0003: case 0x000b: weekdays = data.readUInt32LE(at); nth = data.readUInt32LE(at + 4); at += 8; break; // MonthNth
			default: return undefined;
		}
		const endType = data.readUInt32LE(at); at += 4;
		const occurrences = data.readUInt32LE(at); at += 4;
		const firstDayOfWeek = data.readUInt32LE(at); at += 4;
		const deletedCount = data.readUInt32LE(at); at += 4;
		if (deletedCount > 100_000 || at + deletedCount * 4 + 4 > data.length) return undefined;
		const deleted: number[] = [];
		for (let i = 0; i < deletedCount; i++, at += 4) deleted.push(data.readUInt32LE(at));
		const modifiedCount = data.readUInt32LE(at); at += 4;
		if (modifiedCount > 100_000 || at + modifiedCount * 4 + 8 > data.length) return undefined;
		at += modifiedCount * 4; // the new dates of changed occurrences: their ExceptionInfo says more
		const startDate = data.readUInt32LE(at); at += 4;
		const endDate = data.readUInt32LE(at); at += 4;
		if (at + 16 > data.length) return undefined;
		at += 4; // ReaderVersion2
		const writerVersion2 = data.readUInt32LE(at); at += 4;
		const startOffset = data.readUInt32LE(at); at += 4;
		const endOffset = data.readUInt32LE(at); at += 4;
		const overrides = readExceptions(data, at, writerVersion2, ansiCharset);

		const freq = FREQ[frequency as keyof typeof FREQ];
		if (freq === undefined) return undefined;
		const byDay = DAYS.filter((_, i) => (weekdays & (1 << i)) !== 0);
		let rule: Recurrence;
		switch (patternType) {
			case 0x0000:
				// Daily: Period is in minutes.
				rule = {freq: 'DAILY', interval: Math.max(1, Math.round(period / 1440))};
				break;
			case 0x0001:
				// "Every weekday" is a weekly pattern too (RecurFrequency Daily or Weekly, PatternType Week).
				rule = {freq: 'WEEKLY', interval: Math.max(1, period), byDay, weekStart: DAYS[firstDayOfWeek] ?? 'SU'};
				break;
			case 0x0003: case 0x000b: {
				const pos = nth >= 5 ? -1 : nth;
				rule = freq === 'YEARLY'
					? {freq: 'YEARLY', interval: Math.max(1, Math.round(period / 12)), byMonth: wall(startDate).getUTCMonth() + 1, byDay, bySetPos: pos}
					: {freq: 'MONTHLY', interval: Math.max(1, period), byDay, bySetPos: pos};
				break;
			}
			default: {
				// Month / MonthEnd: a day of the month (31 = the last day, as Outlook shows it).
				const day = patternType === 0x0004 || dayOfMonth >= 31 ? -1 : dayOfMonth;
				rule = freq === 'YEARLY'
					? {freq: 'YEARLY', interval: Math.max(1, Math.round(period / 12)), byMonth: wall(startDate).getUTCMonth() + 1, byMonthDay: day}
					: {freq: 'MONTHLY', interval: Math.max(1, period), byMonthDay: day};
			}
		}
		// EndType: 0x2021 after a date, 0x2022 after N occurrences, 0x2023 / 0xFFFFFFFF never.
		if (endType === 0x2022 && occurrences > 0) rule = {...rule, count: occurrences};
		else if (endType === 0x2021 && endDate !== NO_END_DATE) rule = {...rule, until: wall(endDate + startOffset)};
		// A changed occurrence's original day is among the deleted dates too: it becomes an override, not an EXDATE.
		const overridden = new Set(overrides.map((o) => Math.floor(o.originalStartMinutes / 1440) * 1440));
		const exceptions = deleted.filter((d) => !overridden.has(d)).map((d) => wall(d + startOffset));
		if (exceptions.length > 0) rule = {...rule, exceptions};
		return {
			rule, start: wall(startDate + startOffset), end: wall(startDate + endOffset),
			overrides: overrides.map(({originalStartMinutes, ...o}) => ({...o, originalStart: wall(originalStartMinutes)})),
			nonGregorian: calendarType !== 0 && calendarType !== 1,
		};
	} catch {
		return undefined;
	}
}

type RawOverride = Omit<OccurrenceOverride, 'originalStart'> & {originalStartMinutes: number};

const ARO = {SUBJECT: 0x0001, MEETINGTYPE: 0x0002, REMINDERDELTA: 0x0004, REMINDER: 0x0008, LOCATION: 0x0010, BUSYSTATUS: 0x0020, ATTACHMENT: 0x0040, SUBTYPE: 0x0080, APPTCOLOR: 0x0100} as const;

/** ExceptionInfo + ExtendedException blocks (see the file header); what cannot be read is left out. */
function readExceptions(data: Buffer, start: number, writerVersion2: number, ansiCharset: string): RawOverride[] {
	const out: RawOverride[] = [];
	const flagsOf: number[] = [];
	let at = start;
	try {
		const count = data.readUInt16LE(at); at += 2;
		for (let i = 0; i < count; i++) {
			const newStart = data.readUInt32LE(at);
			const newEnd = data.readUInt32LE(at + 4);
			const originalStartMinutes = data.readUInt32LE(at + 8);
			const flags = data.readUInt16LE(at + 12);
			at += 14;
			let subject: string | undefined;
			let location: string | undefined;
			if (flags & ARO.SUBJECT) {
				const length = data.readUInt16LE(at + 2);
				subject = decodeAnsi(data.subarray(at + 4, at + 4 + length), ansiCharset);
				at += 4 + length;
			}
			if (flags & ARO.MEETINGTYPE) at += 4;
			if (flags & ARO.REMINDERDELTA) at += 4;
			if (flags & ARO.REMINDER) at += 4;
			if (flags & ARO.LOCATION) {
				const length = data.readUInt16LE(at + 2);
				location = decodeAnsi(data.subarray(at + 4, at + 4 + length), ansiCharset);
				at += 4 + length;
			}
			for (const flag of [ARO.BUSYSTATUS, ARO.ATTACHMENT, ARO.SUBTYPE, ARO.APPTCOLOR]) if (flags & flag) at += 4;
			if (at > data.length) return out;
			out.push({start: wall(newStart), end: wall(newEnd), originalStartMinutes, ...(subject === undefined ? {} : {subject}), ...(location === undefined ? {} : {location})});
			flagsOf.push(flags);
		}
		at += 4 + data.readUInt32LE(at); // ReservedBlock1
		// ExtendedException: the Unicode subject and location.
		for (let i = 0; i < out.length; i++) {
			if (writerVersion2 >= 0x3009) at += 4 + data.readUInt32LE(at); // ChangeHighlightSize + ChangeHighlight
			at += 4 + data.readUInt32LE(at); // ReservedBlockEE1
			const flags = flagsOf[i]!;
			if (flags & (ARO.SUBJECT | ARO.LOCATION)) {
				at += 12; // StartDateTime, EndDateTime, OriginalStartDate
				if (flags & ARO.SUBJECT) {
					const chars = data.readUInt16LE(at);
					out[i] = {...out[i]!, subject: data.toString('utf16le', at + 2, at + 2 + chars * 2)};
					at += 2 + chars * 2;
				}
				if (flags & ARO.LOCATION) {
					const chars = data.readUInt16LE(at);
					out[i] = {...out[i]!, location: data.toString('utf16le', at + 2, at + 2 + chars * 2)};
					at += 2 + chars * 2;
				}
				at += 4 + data.readUInt32LE(at); // ReservedBlockEE2
			}
		}
	} catch {
		// A short or damaged tail: keep the overrides read so far (their ANSI texts).
	}
	return out;
}

function decodeAnsi(bytes: Buffer, charset: string): string {
	return decodeText(bytes, charset).replace(/\0+$/, '');
}
