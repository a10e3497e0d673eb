/**
 * A PST calendar item (IPM.Appointment) or meeting message (IPM.Schedule.Meeting.*) → an iCalendar event
 * (export/icalendar.ts). Used for the backup's .ics export of calendar folders and for the text/calendar part
 * of meeting requests, cancellations and responses in mail (issue #3: Outlook keeps the meeting in MAPI
 * properties, not in a MIME part, so the part is rebuilt here).
 *
 * Properties (MS-OXOCAL; named ones via named-properties.ts): start/end PidLidAppointmentStartWhole/EndWhole
 * (UTC), all-day PidLidAppointmentSubType, PidLidLocation, PidLidBusyStatus (0 free, 1 tentative, 2 busy, 3 out
 * of office, 4 working elsewhere), PidLidAppointmentStateFlags (1 meeting, 4 cancelled), PidLidAppointmentRecur
 * (recurrence-pattern.ts) with PidLidTimeZoneStruct/Description (time-zone-struct.ts), PidLidAppointmentSequence,
 * the UID from PidLidGlobalObjectId (MS-OXOCAL 2.2.1.27: an Outlook-made id with a "vCal-Uid" marker carries the
 * original iCalendar UID; otherwise its hex, as Exchange writes it), reminders PidLidReminderSet/Delta,
 * categories ("Keywords"), organizer = the sent-representing mailbox (or the organizer's recipient row),
 * attendees = recipient rows (1 required, 2 optional, 3 resource) with PR_RECIPIENT_TRACKSTATUS as PARTSTAT.
 *
 * All-day items start at local midnight stored as UTC: the local date comes from the item's time zone rule,
 * else from rounding to the nearest midnight (right for zones within ±12 h).
 */
import type {Attendee, CalendarEvent, CalendarPerson, EventOverride, EventTime} from '../../export/icalendar.js';
import type {TimeZoneRule} from '../../export/time-zone-rule.js';
import {toWallClock} from '../../export/time-zone-rule.js';
import type {MailAddress} from './mime-builder.js';
import {categoriesOf, itemUid} from './item-basics.js';
import type {NamedProperties} from './named-properties.js';
import {LID, PSET} from './named-properties.js';
import type {PropertyBag} from './property-bag.js';
import type {RecipientRow} from './recipients.js';
import {parseAppointmentRecurrence} from './recurrence-pattern.js';
import {parseTimeZoneStruct} from './time-zone-struct.js';

const P = {SUBJECT: 0x0037, SENSITIVITY: 0x0036, IMPORTANCE: 0x0017, BODY: 0x1000, CREATION_TIME: 0x3007, MODIFICATION_TIME: 0x3008} as const;
const BUSY = ['FREE', 'TENTATIVE', 'BUSY', 'OOF', 'WORKINGELSEWHERE'] as const;
/** PR_RECIPIENT_TRACKSTATUS (MS-OXOCAL 2.2.4.10.2): 2 tentative, 3 accepted, 4 declined, else no answer yet. */
const TRACK: Readonly<Record<number, Attendee['status']>> = {2: 'tentative', 3: 'accepted', 4: 'declined', 5: 'needs-action'};
const DAY_MS = 86_400_000;

export type CalendarSource = Readonly<{
	bag: PropertyBag;
	named: NamedProperties;
	recipients: readonly RecipientRow[];
	organizer?: MailAddress;
	/** A stable identity for items without a GlobalObjectId: `<storeKey>/<nid>`. */
	identity: string;
	/** The item's body text, when it has one (already chosen from text/HTML/RTF by the caller). */
	description?: string;
}>;

/** The event, or undefined when the item has no start time (nothing a calendar could show). */
export function calendarEventOf(source: CalendarSource, warnings: string[]): CalendarEvent | undefined {
	const {bag, named} = source;
	const prop = (lid: number, set: (typeof PSET)[keyof typeof PSET] = PSET.Appointment): number => named.id(set, lid) ?? -1;
	const startUtc = bag.date(prop(LID.AppointmentStartWhole));
	if (startUtc === undefined) return undefined;
	const endUtc = bag.date(prop(LID.AppointmentEndWhole));
	const allDay = bag.bool(prop(LID.AppointmentSubType)) === true;
	const zone = parseTimeZoneStruct(bag.bytes(prop(LID.TimeZoneStruct)), bag.text(prop(LID.TimeZoneDescription)));
	const stateFlags = bag.uint(prop(LID.AppointmentStateFlags)) ?? 0;
	const isMeeting = (stateFlags & 0x01) !== 0 || source.recipients.length > 0;
	const busy = bag.uint(prop(LID.BusyStatus));
	const stamp = bag.date(P.MODIFICATION_TIME) ?? bag.date(P.CREATION_TIME) ?? startUtc;
	const created = bag.date(P.CREATION_TIME);
	const modified = bag.date(P.MODIFICATION_TIME);
	const summary = stripSubjectPrefix(bag.text(P.SUBJECT));
	const location = bag.text(prop(LID.Location));
	const sequence = bag.uint(prop(LID.AppointmentSequence));
	const categories = categoriesOf(bag, named);
	const reminderSet = bag.bool(prop(LID.ReminderSet, PSET.Common)) === true;
	const reminderDelta = bag.int(prop(LID.ReminderDelta, PSET.Common));
	const sensitivity = bag.int(P.SENSITIVITY);
	const importance = bag.int(P.IMPORTANCE);

	let start: EventTime = {kind: 'instant', utc: startUtc};
	let end: EventTime | undefined = endUtc === undefined ? undefined : {kind: 'instant', utc: endUtc};
	if (allDay) {
		start = {kind: 'date', date: localDate(startUtc, zone)};
		end = endUtc === undefined ? undefined : {kind: 'date', date: localDate(endUtc, zone)};
	}
	const recurring = bag.bool(prop(LID.Recurring)) === true;
	const parsed = recurring ? parseAppointmentRecurrence(bag.bytes(prop(LID.AppointmentRecur)), bag.ansiCharset) : undefined;
	if (recurring && parsed === undefined) warnings.push('its recurrence pattern cannot be read; it was exported as a single event');
	if (parsed?.nonGregorian) warnings.push('it recurs in a non-Gregorian calendar; the rule was exported as Gregorian');
	let overrides: EventOverride[] = [];
	if (parsed !== undefined) {
		// A series is written in its own wall-clock time so it keeps its hour across daylight-saving changes.
		if (allDay) {
			start = {kind: 'date', date: parsed.start};
			end = {kind: 'date', date: new Date(parsed.start.getTime() + Math.max(1, Math.round((parsed.end.getTime() - parsed.start.getTime()) / DAY_MS)) * DAY_MS)};
		} else {
			start = {kind: 'wall', wall: parsed.start};
			end = {kind: 'wall', wall: parsed.end};
		}
		const kindOf = (d: Date): EventTime => (allDay ? {kind: 'date', date: d} : {kind: 'wall', wall: d});
		overrides = parsed.overrides.map((o) => ({
			recurrenceId: kindOf(o.originalStart), start: kindOf(o.start), end: kindOf(o.end),
			...(o.subject === undefined ? {} : {summary: o.subject}), ...(o.location === undefined ? {} : {location: o.location}),
		}));
		if (!allDay && zone === undefined) warnings.push('its recurring times have no time zone; they were exported as floating local times');
	}

	const attendees: Attendee[] = [];
	let organizer: CalendarPerson | undefined = source.organizer;
	for (const row of source.recipients) {
		if ((row.flags & 0x02) !== 0) {
			organizer ??= row.mailbox;
			continue;
		}
		const status = row.trackStatus === undefined ? undefined : TRACK[row.trackStatus];
		attendees.push({...row.mailbox, role: row.type === 2 ? 'optional' : row.type === 3 ? 'resource' : 'required', ...(status === undefined ? {} : {status})});
	}

	return {
		type: 'event',
		uid: uidOf(bag, named, source.identity),
		stamp, start,
		...(end === undefined ? {} : {end}),
		...(zone === undefined ? {} : {zone}),
		...(created === undefined ? {} : {created}),
		...(modified === undefined ? {} : {lastModified: modified}),
		...(summary === undefined ? {} : {summary}),
		...(source.description === undefined ? {} : {description: source.description}),
		...(location === undefined ? {} : {location}),
		...(categories.length === 0 ? {} : {categories}),
		...(sensitivity === 2 ? {classification: 'PRIVATE' as const} : sensitivity === 3 ? {classification: 'CONFIDENTIAL' as const} : {}),
		...(importance === 2 ? {priority: 1} : importance === 0 ? {priority: 9} : {}),
		...(busy === undefined || BUSY[busy] === undefined ? {} : {busyStatus: BUSY[busy]!, transparent: busy === 0}),
		...((stateFlags & 0x04) !== 0 ? {status: 'CANCELLED' as const} : {}),
		...(sequence === undefined ? {} : {sequence}),
		...(isMeeting && organizer !== undefined ? {organizer} : {}),
		...(isMeeting && attendees.length > 0 ? {attendees} : {}),
		...(parsed === undefined ? {} : {recurrence: parsed.rule}),
		...(overrides.length === 0 ? {} : {overrides}),
		...(reminderSet && reminderDelta !== undefined && reminderDelta >= 0 ? {reminderMinutes: reminderDelta} : {}),
	};
}

/** MS-OXCMSG 2.2.1.46: a subject may start with 0x01 and a prefix-length character. */
function stripSubjectPrefix(subject: string | undefined): string | undefined {
	return subject !== undefined && subject.charCodeAt(0) === 1 ? subject.slice(2) : subject;
}

/** The local calendar date of an all-day boundary stored as UTC (see the file header). */
function localDate(utc: Date, zone: TimeZoneRule | undefined): Date {
	const wall = zone === undefined ? new Date(Math.round(utc.getTime() / DAY_MS) * DAY_MS) : toWallClock(zone, utc);
	return new Date(Date.UTC(wall.getUTCFullYear(), wall.getUTCMonth(), wall.getUTCDate()));
}

/** "vCal-Uid" + version 1 marker inside an Outlook GlobalObjectId (MS-OXOCAL 2.2.1.27). */
const VCAL_UID = Buffer.from('vCal-Uid\x01\x00\x00\x00', 'latin1');

/** The iCalendar UID of a meeting series (see the file header); derived from the item identity otherwise. */
function uidOf(bag: PropertyBag, named: NamedProperties, identity: string): string {
	const goid = bag.bytes(named.id(PSET.Meeting, LID.CleanGlobalObjectId) ?? -1) ?? bag.bytes(named.id(PSET.Meeting, LID.GlobalObjectId) ?? -1);
	if (goid !== undefined && goid.length >= 16) {
		const marker = goid.indexOf(VCAL_UID);
		if (marker >= 0) {
			const text = goid.subarray(marker + VCAL_UID.length).toString('latin1').replace(/\0.*$/s, '').trim();
			if (text !== '') return text;
		}
		return goid.toString('hex').toUpperCase();
	}
	return itemUid(identity);
}
