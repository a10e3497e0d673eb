/**
 * iCalendar objects (RFC 5545) from plain data: events (VEVENT, with recurrence, attendees and a reminder),
 * tasks (VTODO) and notes/journal entries (VJOURNAL), in one VCALENDAR, optionally with a METHOD for a
 * meeting request, cancellation or reply (RFC 5546 iTIP). Pure and deterministic: no clock is read (DTSTAMP
 * comes from the item), so the same item always gives the same bytes.
 *
 * Times: an event with a time zone rule is written in wall-clock time with TZID and its VTIMEZONE (so a
 * weekly meeting keeps its hour across daylight-saving changes); otherwise in UTC. All-day items use DATE
 * values. RRULE UNTIL is UTC when DTSTART has a time (RFC 5545 §3.3.10).
 */
import {contentLine, escapeText, paramValue, utcDate, utcDateTime, wallClockDateTime} from './content-lines.js';
import type {TimeZoneRule} from './time-zone-rule.js';
import {fromWallClock, vtimezone} from './time-zone-rule.js';

export type CalendarPerson = Readonly<{name?: string; address?: string}>;

export type Attendee = CalendarPerson & Readonly<{
	role: 'required' | 'optional' | 'resource';
	status?: 'accepted' | 'tentative' | 'declined' | 'needs-action';
}>;

/** Start/end of an event: an instant (UTC), or a wall-clock time in `zone`, or a whole day. */
export type EventTime =
	| Readonly<{kind: 'instant'; utc: Date}>
	| Readonly<{kind: 'wall'; wall: Date}>
	| Readonly<{kind: 'date'; date: Date}>;

export type Recurrence = Readonly<{
	freq: 'DAILY' | 'WEEKLY' | 'MONTHLY' | 'YEARLY';
	interval: number;
	/** BYDAY entries such as 'MO' or '-1FR' (with BYSETPOS handled by the caller). */
	byDay?: readonly string[];
	bySetPos?: number;
	byMonthDay?: number;
	byMonth?: number;
	weekStart?: string;
	count?: number;
	/** Last occurrence's start, in the same kind of time as DTSTART (wall-clock or date). */
	until?: Date;
	/** Starts of removed occurrences, in the same kind of time as DTSTART. */
	exceptions?: readonly Date[];
}>;

type Common = Readonly<{
	uid: string;
	/** DTSTAMP: when the item was last changed (never "now": output must be reproducible). */
	stamp: Date;
	summary?: string;
	description?: string;
	created?: Date;
	lastModified?: Date;
	categories?: readonly string[];
	classification?: 'PUBLIC' | 'PRIVATE' | 'CONFIDENTIAL';
	/** 1 (highest) – 9 (lowest); 0/undefined = none. */
	priority?: number;
}>;

export type CalendarEvent = Common & Readonly<{
	type: 'event';
	start: EventTime;
	end?: EventTime;
	/** Needed when start/end are wall-clock times; written as VTIMEZONE. */
	zone?: TimeZoneRule;
	location?: string;
	organizer?: CalendarPerson;
	attendees?: readonly Attendee[];
	transparent?: boolean;
	/** Outlook's busy status, kept as X-MICROSOFT-CDO-BUSYSTATUS (read by Outlook and Thunderbird). */
	busyStatus?: 'FREE' | 'TENTATIVE' | 'BUSY' | 'OOF' | 'WORKINGELSEWHERE';
	status?: 'CONFIRMED' | 'TENTATIVE' | 'CANCELLED';
	sequence?: number;
	recurrence?: Recurrence;
	/** Minutes before the start at which a reminder shows. */
	reminderMinutes?: number;
	/** Changed occurrences of a recurring event: written as VEVENTs with the same UID and a RECURRENCE-ID. */
	overrides?: readonly EventOverride[];
}>;

export type EventOverride = Readonly<{recurrenceId: EventTime; start: EventTime; end?: EventTime; summary?: string; location?: string}>;

export type CalendarTodo = Common & Readonly<{
	type: 'todo';
	start?: Date;
	due?: Date;
	completed?: Date;
	percentComplete?: number;
	status?: 'NEEDS-ACTION' | 'IN-PROCESS' | 'COMPLETED' | 'CANCELLED';
	reminderAt?: Date;
}>;

export type CalendarJournal = Common & Readonly<{type: 'journal'; start?: Date}>;

export type CalendarComponent = CalendarEvent | CalendarTodo | CalendarJournal;

export type CalendarObject = Readonly<{
	/** RFC 5546 method for iTIP messages (meeting requests and replies); absent for a plain export. */
	method?: 'REQUEST' | 'CANCEL' | 'REPLY' | 'PUBLISH' | 'COUNTER';
	component: CalendarComponent;
}>;

/** The whole VCALENDAR text (CRLF line ends). */
export function buildCalendar(object: CalendarObject): string {
	const {component} = object;
	let text = 'BEGIN:VCALENDAR\r\n';
	text += contentLine('VERSION', '2.0');
	// No version number: the same item must give the same bytes with every mailshift version (fingerprints).
	text += contentLine('PRODID', '-//mailshift//mailshift//EN');
	text += contentLine('CALSCALE', 'GREGORIAN');
	if (object.method !== undefined) text += contentLine('METHOD', object.method);
	if (component.type === 'event' && component.zone !== undefined && usesWallClock(component)) text += vtimezone(component.zone);
	switch (component.type) {
		case 'event':
			text += event(component);
			for (const o of component.overrides ?? []) text += override(component, o);
			break;
		case 'todo': text += todo(component); break;
		case 'journal': text += journal(component); break;
	}
	return `${text}END:VCALENDAR\r\n`;
}

function usesWallClock(event: CalendarEvent): boolean {
	return event.start.kind === 'wall' || event.end?.kind === 'wall' || event.recurrence !== undefined;
}

function common(item: Common): string {
	let text = contentLine('UID', escapeText(item.uid));
	text += contentLine('DTSTAMP', utcDateTime(item.stamp));
	if (item.created !== undefined) text += contentLine('CREATED', utcDateTime(item.created));
	if (item.lastModified !== undefined) text += contentLine('LAST-MODIFIED', utcDateTime(item.lastModified));
	if (item.summary !== undefined) text += contentLine('SUMMARY', escapeText(item.summary));
	if (item.description !== undefined) text += contentLine('DESCRIPTION', escapeText(item.description));
	if (item.categories !== undefined && item.categories.length > 0) text += contentLine('CATEGORIES', item.categories.map(escapeText).join(','));
	if (item.classification !== undefined) text += contentLine('CLASS', item.classification);
	if (item.priority !== undefined && item.priority > 0) text += contentLine('PRIORITY', String(item.priority));
	return text;
}

function timeLine(name: string, time: EventTime, zone: TimeZoneRule | undefined): string {
	switch (time.kind) {
		case 'instant': return contentLine(name, utcDateTime(time.utc));
		case 'date': return contentLine(name, utcDate(time.date), ['VALUE=DATE']);
		case 'wall': return zone === undefined ? contentLine(name, wallClockDateTime(time.wall)) : contentLine(name, wallClockDateTime(time.wall), [`TZID=${paramValue(zone.name)}`]);
	}
}

/** ORGANIZER/ATTENDEE need a cal-address URI (RFC 5545 §3.3.3): a person without an e-mail address is left out. */
function person(name: string, who: CalendarPerson, params: readonly string[]): string {
	if (who.address === undefined) return '';
	const all = [...(who.name === undefined ? [] : [`CN=${paramValue(who.name)}`]), ...params];
	return contentLine(name, `mailto:${who.address}`, all);
}

const ROLES = {required: 'REQ-PARTICIPANT', optional: 'OPT-PARTICIPANT', resource: 'NON-PARTICIPANT'} as const;

function event(e: CalendarEvent): string {
	let text = 'BEGIN:VEVENT\r\n';
	text += common(e);
	text += timeLine('DTSTART', e.start, e.zone);
	if (e.end !== undefined) text += timeLine('DTEND', e.end, e.zone);
	if (e.location !== undefined) text += contentLine('LOCATION', escapeText(e.location));
	if (e.status !== undefined) text += contentLine('STATUS', e.status);
	if (e.transparent !== undefined) text += contentLine('TRANSP', e.transparent ? 'TRANSPARENT' : 'OPAQUE');
	if (e.sequence !== undefined && e.sequence > 0) text += contentLine('SEQUENCE', String(e.sequence));
	if (e.organizer !== undefined) text += person('ORGANIZER', e.organizer, []);
	for (const a of e.attendees ?? []) {
		const params = [`ROLE=${ROLES[a.role]}`, ...(a.role === 'resource' ? ['CUTYPE=RESOURCE'] : []), ...(a.status === undefined ? [] : [`PARTSTAT=${a.status.toUpperCase()}`])];
		text += person('ATTENDEE', a, params);
	}
	if (e.recurrence !== undefined) text += recurrence(e.recurrence, e.start, e.zone);
	if (e.busyStatus !== undefined) text += contentLine('X-MICROSOFT-CDO-BUSYSTATUS', e.busyStatus);
	if (e.reminderMinutes !== undefined && e.reminderMinutes >= 0) {
		text += `BEGIN:VALARM\r\n${contentLine('ACTION', 'DISPLAY')}${contentLine('DESCRIPTION', 'Reminder')}${contentLine('TRIGGER', `-PT${Math.round(e.reminderMinutes)}M`)}END:VALARM\r\n`;
	}
	return `${text}END:VEVENT\r\n`;
}

/** One changed occurrence: the master's fields, with its own time, subject and location (RFC 5545 §3.8.4.4). */
function override(master: CalendarEvent, o: EventOverride): string {
	let text = 'BEGIN:VEVENT\r\n';
	text += common({...master, ...(o.summary === undefined ? {} : {summary: o.summary})});
	text += timeLine('RECURRENCE-ID', o.recurrenceId, master.zone);
	text += timeLine('DTSTART', o.start, master.zone);
	if (o.end !== undefined) text += timeLine('DTEND', o.end, master.zone);
	const location = o.location ?? master.location;
	if (location !== undefined) text += contentLine('LOCATION', escapeText(location));
	if (master.organizer !== undefined) text += person('ORGANIZER', master.organizer, []);
	return `${text}END:VEVENT\r\n`;
}

function recurrence(r: Recurrence, start: EventTime, zone: TimeZoneRule | undefined): string {
	const parts = [`FREQ=${r.freq}`];
	if (r.interval > 1) parts.push(`INTERVAL=${r.interval}`);
	if (r.count !== undefined) parts.push(`COUNT=${r.count}`);
	if (r.until !== undefined) {
		// UNTIL is a DATE for all-day series, else UTC (RFC 5545 §3.3.10).
		if (start.kind === 'date') parts.push(`UNTIL=${utcDate(r.until)}`);
		else parts.push(`UNTIL=${utcDateTime(start.kind === 'wall' && zone !== undefined ? fromWallClock(zone, r.until) : r.until)}`);
	}
	if (r.byMonth !== undefined) parts.push(`BYMONTH=${r.byMonth}`);
	if (r.byMonthDay !== undefined) parts.push(`BYMONTHDAY=${r.byMonthDay}`);
	if (r.byDay !== undefined && r.byDay.length > 0) parts.push(`BYDAY=${r.byDay.join(',')}`);
	if (r.bySetPos !== undefined) parts.push(`BYSETPOS=${r.bySetPos}`);
	if (r.weekStart !== undefined) parts.push(`WKST=${r.weekStart}`);
	let text = contentLine('RRULE', parts.join(';'));
	for (const exception of r.exceptions ?? []) {
		const time: EventTime = start.kind === 'date' ? {kind: 'date', date: exception} : start.kind === 'wall' ? {kind: 'wall', wall: exception} : {kind: 'instant', utc: exception};
		text += timeLine('EXDATE', time, zone);
	}
	return text;
}

function todo(t: CalendarTodo): string {
	let text = 'BEGIN:VTODO\r\n';
	text += common(t);
	if (t.start !== undefined) text += contentLine('DTSTART', utcDate(t.start), ['VALUE=DATE']);
	if (t.due !== undefined) text += contentLine('DUE', utcDate(t.due), ['VALUE=DATE']);
	if (t.completed !== undefined) text += contentLine('COMPLETED', utcDateTime(t.completed));
	if (t.percentComplete !== undefined) text += contentLine('PERCENT-COMPLETE', String(Math.max(0, Math.min(100, Math.round(t.percentComplete)))));
	if (t.status !== undefined) text += contentLine('STATUS', t.status);
	if (t.reminderAt !== undefined) {
		text += `BEGIN:VALARM\r\n${contentLine('ACTION', 'DISPLAY')}${contentLine('DESCRIPTION', 'Reminder')}${contentLine('TRIGGER', utcDateTime(t.reminderAt), ['VALUE=DATE-TIME'])}END:VALARM\r\n`;
	}
	return `${text}END:VTODO\r\n`;
}

function journal(j: CalendarJournal): string {
	let text = 'BEGIN:VJOURNAL\r\n';
	text += common(j);
	if (j.start !== undefined) text += contentLine('DTSTART', utcDateTime(j.start));
	return `${text}END:VJOURNAL\r\n`;
}
