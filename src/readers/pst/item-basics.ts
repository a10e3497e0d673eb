/**
 * The fields every exported Outlook item shares in iCalendar (RFC 5545 §3.8: UID, DTSTAMP, CREATED,
 * LAST-MODIFIED, SUMMARY, DESCRIPTION, CATEGORIES): from PR_CREATION_TIME 0x3007, PR_LAST_MODIFICATION_TIME
 * 0x3008, PR_SUBJECT 0x0037, the body text and the "Keywords" categories. DTSTAMP is the last change (never
 * the clock), so an item always exports to the same bytes.
 */
import type {NamedProperties} from './named-properties.js';
import type {PropertyBag} from './property-bag.js';

const P = {SUBJECT: 0x0037, CREATION_TIME: 0x3007, MODIFICATION_TIME: 0x3008} as const;

export type ItemBasics = {
	uid: string;
	stamp: Date;
	created?: Date;
	lastModified?: Date;
	summary?: string;
	description?: string;
	categories?: string[];
};

/** A UID for an item that has none of its own: its identity `<storeKey>/<nid>`, stable across runs. */
export function itemUid(identity: string): string {
	return `${identity.replace(/[^A-Za-z0-9/._-]/g, '')}@mailshift.pst`;
}

/** The item's categories (Outlook's "Keywords", a string-named property of PS_PUBLIC_STRINGS). */
export function categoriesOf(bag: PropertyBag, named: NamedProperties): string[] {
	const id = named.publicString('Keywords');
	return id === undefined ? [] : bag.multiString(id);
}

/** `identity` is `<storeKey>/<nid>`; the UID is derived from it (tasks and notes have no UID of their own). */
export function itemBasics(bag: PropertyBag, named: NamedProperties, identity: string, description: string | undefined): ItemBasics {
	const created = bag.date(P.CREATION_TIME);
	const modified = bag.date(P.MODIFICATION_TIME);
	const summary = bag.text(P.SUBJECT);
	const categories = categoriesOf(bag, named);
	return {
		uid: itemUid(identity),
		stamp: modified ?? created ?? new Date(0),
		...(created === undefined ? {} : {created}),
		...(modified === undefined ? {} : {lastModified: modified}),
		...(summary === undefined ? {} : {summary}),
		...(description === undefined ? {} : {description}),
		...(categories.length === 0 ? {} : {categories}),
	};
}
