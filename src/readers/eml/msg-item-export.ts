/**
 * exportMsgItem: the vCard/iCalendar file of an Outlook `.msg` that holds a contact, distribution list,
 * appointment, task or note, for backups — made by the SAME code as a PST's non-mail items (read-item.ts
 * `exportItem`: contact-item.ts, calendar-item.ts, task-item.ts, note-item.ts), so a contact dragged out of
 * Outlook as a .msg and the same contact inside a PST give the same card.
 *
 * How: a .msg holds the same MAPI properties as a PST item (MS-OXMSG 2.1), so its values (msg-file.ts,
 * rebuilt as PST table items) are read through the PST code's PropertyBag, and a small stand-in for
 * pst-extractor's PSTMessage hands it the recipient rows (attendees) and attachments (the contact photo).
 * Named properties (ids ≥ 0x8000: e-mail addresses, start/end times, task status…) are resolved through the
 * .msg's own name-to-id map (`__nameid_version1.0`, MS-OXMSG 2.2.3), which msgreader parses; GUIDs are mapped
 * to the property-set numbers named-properties.ts uses (pst-extractor's table, MS-OXPROPS 1.3.2).
 *
 * Pure and synchronous; never throws for missing fields (warnings say what was left out); an item with no
 * standard file format (or an appointment without a start time) gives undefined, as for PST.
 */
import type {PSTMessage} from 'pst-extractor';

import {NamedProperties, PSET} from '../pst/named-properties.js';
import type {RawProperty} from '../pst/property-bag.js';
import {PropertyBag} from '../pst/property-bag.js';
import type {ItemExport} from '../pst/read-item.js';
import {exportItem} from '../pst/read-item.js';

/** One entry of msgreader's named-property map: a (property set, LID) pair or a string name. */
export type MsgNamedProperty = Readonly<{useName: true; name: string} | {useName: false; propertySet: string; propertyLid: number}>;

export type MsgItemParts = Readonly<{
	/** itemKindOf(...).label: 'contact', 'distribution list', 'calendar item', 'task', 'note', … */
	itemKind: string;
	/** Stable identity (from the file's key): seeds the UID of items that carry none. */
	identity: string;
	/** Charset of the item's PT_STRING8 values. */
	charset: string;
	properties: Map<number, RawProperty>;
	recipients: ReadonlyArray<Map<number, RawProperty>>;
	attachments: ReadonlyArray<Map<number, RawProperty>>;
	/** Named property id (0x8000 | index) → its name, from msgreader. */
	names: Readonly<Record<number, MsgNamedProperty>>;
}>;

/** Property set GUIDs → named-properties.ts set numbers (the ones the exporters ask for). */
const SET_OF_GUID: ReadonlyMap<string, number> = new Map([
	['00062008-0000-0000-c000-000000000046', PSET.Common],
	['00062004-0000-0000-c000-000000000046', PSET.Address],
	['00062002-0000-0000-c000-000000000046', PSET.Appointment],
	['6ed8da90-450b-101b-98da-00aa003f1305', PSET.Meeting],
	['0006200a-0000-0000-c000-000000000046', PSET.Log],
	['0006200e-0000-0000-c000-000000000046', PSET.Note],
	['00062003-0000-0000-c000-000000000046', PSET.Task],
]);

/** The item's vcf/ics file, or undefined (see module comment). Appends what was left out to `warnings`. */
export function exportMsgItem(parts: MsgItemParts, warnings: string[]): ItemExport | undefined {
	const ids = new Map<string, number>();
	for (const [key, entry] of Object.entries(parts.names)) {
		const id = Number(key);
		if (entry.useName) ids.set(`s:${entry.name}`, id);
		else {
			const set = SET_OF_GUID.get(entry.propertySet.toLowerCase());
			if (set !== undefined) ids.set(`${set}:${entry.propertyLid}`, id);
		}
	}
	// The parts of PSTMessage that exportItem's readers use (readRecipientRows, contactPhoto); each row or
	// attachment is a property map, which PropertyBag reads like a pst-extractor table row.
	const message = {
		numberOfRecipients: parts.recipients.length,
		recipientTable: {getItems: () => [...parts.recipients]},
		numberOfAttachments: parts.attachments.length,
		getAttachment: (index: number) => parts.attachments[index] ?? new Map(),
	} as unknown as PSTMessage;
	const bag = new PropertyBag(parts.properties, parts.charset, warnings);
	return exportItem(message, bag, parts.itemKind, 0, {storeCharset: parts.charset, storeKey: parts.identity, named: new NamedProperties(ids), exportNonMail: true}, warnings);
}
