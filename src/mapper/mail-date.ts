/**
 * RFC 5322 §3.3 date-time parsing, including the obsolete forms found in 20-year-old mail (§4.3: two- and
 * three-digit years, named zones, missing seconds, comments), and the validity rules mailshift applies
 * before a date becomes an APPEND date-time.
 *
 * Why our own parser: Date.parse() accepts nonsense and rolls invalid dates forward (31 Feb → 3 Mar);
 * mailparser substitutes "now" (../shared/research/packages.md §7.1). Servers silently replace bad
 * APPEND dates with the current time (Dovecot) or roll them (Cyrus) — servers.md §0.6 — so a date is
 * either a real calendar date we can defend, or it is not used.
 */

import {stripComments} from './headers.js';

const MONTHS: Readonly<Record<string, number>> = {
	jan: 0, feb: 1, mar: 2, apr: 3, may: 4, jun: 5, jul: 6, aug: 7, sep: 8, oct: 9, nov: 10, dec: 11,
};

// RFC 5322 §4.3 obs-zone; military zones other than Z are treated as -0000 (unknown) per the RFC.
const NAMED_ZONES: Readonly<Record<string, number>> = {
	ut: 0, utc: 0, gmt: 0, z: 0,
	edt: -4 * 60, est: -5 * 60, cdt: -5 * 60, cst: -6 * 60, mdt: -6 * 60, mst: -7 * 60, pdt: -7 * 60, pst: -8 * 60,
};

// Date.UTC maps years 0-99 to 1900-1999; setUTCFullYear does not, so a 4-digit "0099" stays year 99.
function utcTime(year: number, month: number, day: number, hour: number, minute: number, second: number): number {
	const date = new Date(0);
	date.setUTCFullYear(year, month, day);
	date.setUTCHours(hour, minute, second, 0);
	return date.getTime();
}

function daysInMonth(year: number, month: number): number {
	return new Date(utcTime(year, month + 1, 0, 0, 0, 0)).getUTCDate();
}

/** Builds a Date from fields only if they form a real calendar date and time; else undefined. */
export function calendarDate(
	year: number, month: number, day: number, hour: number, minute: number, second: number, offsetMinutes: number,
): Date | undefined {
	if (!Number.isInteger(year) || month < 0 || month > 11) return undefined;
	if (day < 1 || day > daysInMonth(year, month)) return undefined;
	if (hour > 23 || minute > 59 || second > 60) return undefined; // 60: leap second, RFC 5322 §3.3
	const ms = utcTime(year, month, day, hour, minute, Math.min(second, 59)) - offsetMinutes * 60_000;
	return new Date(ms);
}

/**
 * Parses an RFC 5322 date-time (or its obsolete forms). Returns undefined when the text is not a real
 * date. Does not judge plausibility (see `isPlausibleDate`).
 */
export function parseMailDate(text: string | undefined): Date | undefined {
	if (!text) return undefined;
	const cleaned = stripComments(text).replace(/\s+/g, ' ').trim();
	const m = /(?:^|[\s,])(\d{1,2})[ -]([A-Za-z]{3})[a-z]*\.?[ -](\d{2,4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?\s*([+-]\d{4}|[A-Za-z]{1,5})?/.exec(cleaned);
	if (!m) return undefined;
	const [, d, mon, y, hh, mm, ss, zone] = m;
	const month = MONTHS[(mon ?? '').toLowerCase()];
	if (month === undefined) return undefined;
	let year = Number(y);
	// RFC 5322 §4.3: 2-digit years 00-49 → 20xx, 50-99 → 19xx; 3-digit years → +1900.
	if ((y ?? '').length === 2) year += year < 50 ? 2000 : 1900;
	else if ((y ?? '').length === 3) year += 1900;
	let offset = 0;
	if (zone) {
		if (/^[+-]\d{4}$/.test(zone)) {
			const sign = zone[0] === '-' ? -1 : 1;
			const hours = Number(zone.slice(1, 3));
			const minutes = Number(zone.slice(3, 5));
			if (hours > 23 || minutes > 59) return undefined;
			offset = sign * (hours * 60 + minutes);
		} else {
			offset = NAMED_ZONES[zone.toLowerCase()] ?? 0;
		}
	}
	return calendarDate(year, month, Number(d), Number(hh), Number(mm), Number(ss ?? '0'), offset);
}

/** Dates before this are refused (IMAP servers mishandle them: Cyrus answers BAD, servers.md §0.6). */
export const EARLIEST_DATE = new Date(Date.UTC(1970, 0, 2));

/**
 * A date we are willing to send as INTERNALDATE: a real instant after 1970-01-02 and not in the future.
 * A slightly-future date (a sender's fast clock) is not "fixed" here: the caller falls back to the next
 * source of a delivery time, which is what the user would want anyway.
 */
export function isPlausibleDate(date: Date | undefined, now: number): date is Date {
	if (!date || Number.isNaN(date.getTime())) return false;
	return date.getTime() >= EARLIEST_DATE.getTime() && date.getTime() <= now;
}
