/**
 * PidLidTimeZoneStruct (MS-OXOCAL 2.2.1.39) → a TimeZoneRule: lBias, lStandardBias, lDaylightBias (int32
 * minutes, UTC = local + bias), wStandardYear, stStandardDate (SYSTEMTIME), wDaylightYear, stDaylightDate
 * (SYSTEMTIME); 48 bytes. SYSTEMTIME (MS-DTYP 2.3.13): wYear, wMonth, wDayOfWeek, wDay (the n-th week, 5 =
 * last), wHour, wMinute, wSecond, wMilliseconds. A zero wMonth in the daylight date means "no DST".
 */
import type {TimeZoneRule, Transition} from '../../export/time-zone-rule.js';

/** Parses the struct; undefined when it is not one. `description` (PidLidTimeZoneDescription) names the zone. */
export function parseTimeZoneStruct(data: Buffer | undefined, description: string | undefined): TimeZoneRule | undefined {
	if (data === undefined || data.length < 48) return undefined;
	const bias = data.readInt32LE(0);
	const standardBias = data.readInt32LE(4);
	const daylightBias = data.readInt32LE(8);
	if (Math.abs(bias) > 24 * 60 || Math.abs(standardBias) > 24 * 60 || Math.abs(daylightBias) > 24 * 60) return undefined;
	const standard = transition(data, 14);
	const daylight = transition(data, 32);
	const standardOffset = -(bias + standardBias) || 0; // never -0
	const name = zoneName(description, standardOffset);
	if (standard === undefined || daylight === undefined) return {name, standardOffset};
	return {name, standardOffset, daylight: {offset: -(bias + daylightBias), start: daylight, end: standard}};
}

function transition(data: Buffer, offset: number): Transition | undefined {
	const month = data.readUInt16LE(offset + 2);
	const weekday = data.readUInt16LE(offset + 4);
	const week = data.readUInt16LE(offset + 6);
	const hour = data.readUInt16LE(offset + 8);
	const minute = data.readUInt16LE(offset + 10);
	if (month < 1 || month > 12 || weekday > 6 || week < 1 || week > 5 || hour > 23 || minute > 59) return undefined;
	return {month, weekday, week, hour, minute};
}

/** A TZID: Outlook's description without DQUOTE, backslash, ';' and ',' (a ':' is quoted where it is a parameter), else "UTC+hhmm". */
function zoneName(description: string | undefined, standardOffset: number): string {
	const clean = description?.replace(/["\\;,\r\n]/g, ' ').replace(/\s+/g, ' ').trim();
	if (clean !== undefined && clean !== '') return clean;
	const abs = Math.abs(standardOffset);
	return `UTC${standardOffset < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}${String(abs % 60).padStart(2, '0')}`;
}
