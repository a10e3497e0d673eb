/**
 * A Windows-style time zone rule (a standard offset and, optionally, a yearly daylight-saving switch on the
 * n-th weekday of a month), as Outlook stores it (MS-OXOCAL 2.2.1.39 PidLidTimeZoneStruct, the Win32
 * TIME_ZONE_INFORMATION shape): wall-clock ↔ UTC conversion and its iCalendar VTIMEZONE (RFC 5545 §3.6.5).
 *
 * Dates that hold a wall-clock time use the Date's UTC fields (`new Date(Date.UTC(y, m, d, h, mi))`), so no
 * host time zone ever leaks in. Pure functions, no I/O.
 */
import {contentLine, escapeText} from './content-lines.js';

/** A yearly transition: month 1–12, weekday 0 (Sunday)–6, week 1–4 or 5 (= last), at hour:minute wall-clock time. */
export type Transition = Readonly<{month: number; weekday: number; week: number; hour: number; minute: number}>;

export type TimeZoneRule = Readonly<{
	/** Shown as TZID; Outlook's description when it has one. */
	name: string;
	/** Minutes to add to UTC for standard time (e.g. +60 for CET). */
	standardOffset: number;
	/** Minutes to add to UTC for daylight time, and when it starts and ends; absent when the zone has no DST. */
	daylight?: Readonly<{offset: number; start: Transition; end: Transition}>;
}>;

/** The wall-clock moment of a transition in `year` (as a Date holding wall-clock time in its UTC fields). */
function transitionIn(year: number, t: Transition): number {
	if (t.week >= 5) {
		const last = new Date(Date.UTC(year, t.month, 0)); // last day of the month
		const back = (last.getUTCDay() - t.weekday + 7) % 7;
		return Date.UTC(year, t.month - 1, last.getUTCDate() - back, t.hour, t.minute);
	}
	const first = new Date(Date.UTC(year, t.month - 1, 1)).getUTCDay();
	const day = 1 + ((t.weekday - first + 7) % 7) + (t.week - 1) * 7;
	return Date.UTC(year, t.month - 1, day, t.hour, t.minute);
}

/** Whether the wall-clock time `wall` (standard-time reading) falls in daylight time. */
function isDaylightWall(rule: TimeZoneRule, wall: number): boolean {
	const dst = rule.daylight;
	if (dst === undefined) return false;
	const year = new Date(wall).getUTCFullYear();
	const start = transitionIn(year, dst.start);
	const end = transitionIn(year, dst.end);
	// Northern hemisphere: start < end within a year; southern: the daylight period wraps the new year.
	return start < end ? wall >= start && wall < end : wall >= start || wall < end;
}

/** Minutes to add to UTC at the UTC instant `utc`. */
export function offsetAt(rule: TimeZoneRule, utc: Date): number {
	const dst = rule.daylight;
	if (dst === undefined) return rule.standardOffset;
	// Transitions are given in the wall-clock time in force just before them; comparing in standard time is
	// exact for the start of DST and off by the DST delta only within the repeated hour at its end.
	return isDaylightWall(rule, utc.getTime() + rule.standardOffset * 60_000) ? dst.offset : rule.standardOffset;
}

/** The wall-clock time (in a Date's UTC fields) at the UTC instant `utc`. */
export function toWallClock(rule: TimeZoneRule, utc: Date): Date {
	return new Date(utc.getTime() + offsetAt(rule, utc) * 60_000);
}

/** The UTC instant of the wall-clock time `wall` (a Date holding wall-clock time in its UTC fields). */
export function fromWallClock(rule: TimeZoneRule, wall: Date): Date {
	const offset = rule.daylight !== undefined && isDaylightWall(rule, wall.getTime()) ? rule.daylight.offset : rule.standardOffset;
	return new Date(wall.getTime() - offset * 60_000);
}

/** `+hhmm` / `-hhmm`. */
function utcOffset(minutes: number): string {
	const sign = minutes < 0 ? '-' : '+';
	const abs = Math.abs(minutes);
	return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}${String(abs % 60).padStart(2, '0')}`;
}

const WEEKDAYS = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'] as const;

function observance(kind: 'STANDARD' | 'DAYLIGHT', t: Transition | undefined, from: number, to: number): string {
	const hh = String(t?.hour ?? 0).padStart(2, '0');
	const mm = String(t?.minute ?? 0).padStart(2, '0');
	let text = `BEGIN:${kind}\r\n${contentLine('DTSTART', `16010101T${hh}${mm}00`)}`;
	if (t !== undefined) text += contentLine('RRULE', `FREQ=YEARLY;BYMONTH=${t.month};BYDAY=${t.week >= 5 ? -1 : t.week}${WEEKDAYS[t.weekday] ?? 'SU'}`);
	return `${text}${contentLine('TZOFFSETFROM', utcOffset(from))}${contentLine('TZOFFSETTO', utcOffset(to))}END:${kind}\r\n`;
}

/** The VTIMEZONE component for `rule` (TZID = rule.name). */
export function vtimezone(rule: TimeZoneRule): string {
	const dst = rule.daylight;
	let text = `BEGIN:VTIMEZONE\r\n${contentLine('TZID', escapeText(rule.name))}`;
	if (dst === undefined) {
		text += observance('STANDARD', undefined, rule.standardOffset, rule.standardOffset);
	} else {
		text += observance('STANDARD', dst.end, dst.offset, rule.standardOffset);
		text += observance('DAYLIGHT', dst.start, rule.standardOffset, dst.offset);
	}
	return `${text}END:VTIMEZONE\r\n`;
}
