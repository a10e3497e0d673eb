/**
 * A PST sticky note (IPM.StickyNote) or journal entry (IPM.Activity) → an iCalendar VJOURNAL, RFC 5545's
 * component for "descriptive text notes" (§3.6.3), for the backup's .ics export. A note's text is its body
 * (Outlook shows the first line as its title, which is also the subject); DTSTART is the note's creation time,
 * or a journal entry's PidLidLogStart (PSETID_Log).
 */
import type {CalendarJournal} from '../../export/icalendar.js';
import {itemBasics} from './item-basics.js';
import type {NamedProperties} from './named-properties.js';
import {LID, PSET} from './named-properties.js';
import type {PropertyBag} from './property-bag.js';

export function journalOf(bag: PropertyBag, named: NamedProperties, identity: string, description: string | undefined): CalendarJournal {
	const basics = itemBasics(bag, named, identity, description);
	const start = bag.date(named.id(PSET.Log, LID.LogStart) ?? -1) ?? basics.created;
	return {
		type: 'journal',
		...basics,
		...(start === undefined ? {} : {start}),
	};
}
