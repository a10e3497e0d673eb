/**
 * A PST contact (IPM.Contact) or distribution list (IPM.DistList) → a vCard 4 card (export/vcard.ts), for the
 * backup's .vcf export. Runs inside the PST worker only.
 *
 * Properties (MS-OXOCNTC): names PR_DISPLAY_NAME 0x3001, PR_SURNAME 0x3A11, PR_GIVEN_NAME 0x3A06,
 * PR_MIDDLE_NAME 0x3A44, PR_DISPLAY_NAME_PREFIX 0x3A45, PR_GENERATION 0x3A05, PR_NICKNAME 0x3A4F; work
 * PR_COMPANY_NAME 0x3A16, PR_DEPARTMENT_NAME 0x3A18, PR_TITLE 0x3A17, PR_PROFESSION 0x3A46; phones 0x3A08 …
 * 0x3A57 (table below); e-mail PidLidEmail1–3EmailAddress/AddressType (an `EX` address is used only when it
 * holds an '@'); home address 0x3A59–0x3A5E, other address 0x3A5F–0x3A64, work address PidLidWorkAddress*;
 * PidLidPostalAddressId marks the preferred one (1 home, 2 work, 3 other); PR_BIRTHDAY 0x3A42, PR_WEDDING_
 * ANNIVERSARY 0x3A41 (local midnight stored as UTC: rounded to the nearest day), PR_GENDER 0x3A4D, home pages
 * 0x3A50/0x3A51, PidLidInstantMessagingAddress, categories ("Keywords"), the body as NOTE, the contact photo (an
 * attachment with PR_ATTACHMENT_CONTACTPHOTO 0x7FFF) as PHOTO.
 * Distribution lists: PidLidDistributionListName, members from PidLidDistributionListOneOffMembers (one-off entry
 * IDs with the members' SMTP addresses); members without one are named in a warning.
 */
import type {PSTMessage} from 'pst-extractor';
import type {Card, Email, Phone, PostalAddress} from '../../export/vcard.js';
import {stableUid} from '../../export/vcard.js';
import {categoriesOf} from './item-basics.js';
import {contentTypeFor} from './media-types.js';
import type {NamedProperties} from './named-properties.js';
import {LID, PSET} from './named-properties.js';
import {PropertyBag} from './property-bag.js';
import {parseOneOffEntryId} from './recipients.js';

const P = {
	SUBJECT: 0x0037, BODY: 0x1000, DISPLAY_NAME: 0x3001, CREATION_TIME: 0x3007, MODIFICATION_TIME: 0x3008,
	GENERATION: 0x3a05, GIVEN_NAME: 0x3a06, SURNAME: 0x3a11, COMPANY: 0x3a16, TITLE: 0x3a17, DEPARTMENT: 0x3a18,
	WEDDING_ANNIVERSARY: 0x3a41, BIRTHDAY: 0x3a42, MIDDLE_NAME: 0x3a44, PREFIX: 0x3a45, PROFESSION: 0x3a46,
	GENDER: 0x3a4d, NICKNAME: 0x3a4f, PERSONAL_HOME_PAGE: 0x3a50, BUSINESS_HOME_PAGE: 0x3a51,
	HOME_CITY: 0x3a59, HOME_COUNTRY: 0x3a5a, HOME_POSTAL_CODE: 0x3a5b, HOME_STATE: 0x3a5c, HOME_STREET: 0x3a5d, HOME_PO_BOX: 0x3a5e,
	OTHER_CITY: 0x3a5f, OTHER_COUNTRY: 0x3a60, OTHER_POSTAL_CODE: 0x3a61, OTHER_STATE: 0x3a62, OTHER_STREET: 0x3a63, OTHER_PO_BOX: 0x3a64,
	ATTACH_DATA: 0x3701, ATTACH_LONG_FILENAME: 0x3707, ATTACH_MIME_TAG: 0x370e, ATTACHMENT_CONTACT_PHOTO: 0x7fff,
} as const;

/** Phone properties and their vCard TYPE values (RFC 6350 §6.4.1). */
const PHONES: ReadonlyArray<readonly [id: number, types: readonly string[]]> = [
	[0x3a1a, ['voice']], // primary
	[0x3a1c, ['cell']], [0x3a08, ['work', 'voice']], [0x3a1b, ['work', 'voice']], [0x3a09, ['home', 'voice']],
	[0x3a2f, ['home', 'voice']], [0x3a24, ['work', 'fax']], [0x3a25, ['home', 'fax']], [0x3a23, ['fax']],
	[0x3a21, ['pager']], [0x3a1e, ['voice']], [0x3a2e, ['voice']], [0x3a1f, ['voice']], [0x3a57, ['work', 'voice']],
	[0x3a1d, ['voice']], [0x3a2d, ['text']], [0x3a4b, ['voice']],
];

export type ContactSource = Readonly<{message: PSTMessage; bag: PropertyBag; named: NamedProperties; identity: string}>;

/** The contact's card. Never fails for missing fields: FN falls back to the e-mail address or subject. */
export function contactCardOf(source: ContactSource, warnings: string[]): Card {
	const {bag, named} = source;
	const prop = (lid: number): number => named.id(PSET.Address, lid) ?? -1;
	const emails: Email[] = [];
	for (const [addressLid, typeLid] of [[LID.Email1EmailAddress, LID.Email1AddressType], [LID.Email2EmailAddress, LID.Email2AddressType], [LID.Email3EmailAddress, LID.Email3AddressType]] as const) {
		const address = bag.text(prop(addressLid));
		const type = bag.text(prop(typeLid))?.toUpperCase();
		if (address === undefined) continue;
		if (address.includes('@') && !address.startsWith('/')) emails.push({address, ...(emails.length === 0 ? {preferred: true} : {})});
		else warnings.push(`its ${type ?? 'non-SMTP'} address "${address}" is not an e-mail address and was left out`);
	}
	const phones: Phone[] = [];
	const seenPhones = new Set<string>();
	for (const [id, types] of PHONES) {
		const number = bag.text(id);
		if (number === undefined || seenPhones.has(`${number}|${types.join()}`)) continue;
		seenPhones.add(`${number}|${types.join()}`);
		phones.push({number, types, ...(id === 0x3a1a ? {preferred: true} : {})});
	}
	const preferredAddress = bag.uint(prop(LID.PostalAddressId));
	const addresses: PostalAddress[] = [];
	// The whole address as Outlook shows it (PidLidHomeAddress/WorkAddress/OtherAddress) becomes the LABEL.
	const address = (types: string[], preferred: boolean, label: string | undefined, poBox?: string, street?: string, city?: string, region?: string, postalCode?: string, country?: string): void => {
		if ([label, poBox, street, city, region, postalCode, country].every((v) => v === undefined)) return;
		addresses.push({
			types, ...(preferred ? {preferred} : {}), ...opt('label', label), ...opt('poBox', poBox), ...opt('street', street), ...opt('city', city),
			...opt('region', region), ...opt('postalCode', postalCode), ...opt('country', country),
		});
	};
	address(['home'], preferredAddress === 1, bag.text(prop(LID.HomeAddress)), bag.text(P.HOME_PO_BOX), bag.text(P.HOME_STREET), bag.text(P.HOME_CITY), bag.text(P.HOME_STATE), bag.text(P.HOME_POSTAL_CODE), bag.text(P.HOME_COUNTRY));
	address(['work'], preferredAddress === 2, bag.text(prop(LID.WorkAddress)), bag.text(prop(LID.WorkAddressPostOfficeBox)), bag.text(prop(LID.WorkAddressStreet)), bag.text(prop(LID.WorkAddressCity)), bag.text(prop(LID.WorkAddressState)), bag.text(prop(LID.WorkAddressPostalCode)), bag.text(prop(LID.WorkAddressCountry)));
	address([], preferredAddress === 3, bag.text(prop(LID.OtherAddress)), bag.text(P.OTHER_PO_BOX), bag.text(P.OTHER_STREET), bag.text(P.OTHER_CITY), bag.text(P.OTHER_STATE), bag.text(P.OTHER_POSTAL_CODE), bag.text(P.OTHER_COUNTRY));

	const family = bag.text(P.SURNAME);
	const given = bag.text(P.GIVEN_NAME);
	const middle = bag.text(P.MIDDLE_NAME);
	const prefix = bag.text(P.PREFIX);
	const suffix = bag.text(P.GENERATION);
	const company = bag.text(P.COMPANY);
	const department = bag.text(P.DEPARTMENT);
	const urls = [[P.BUSINESS_HOME_PAGE, ['work']], [P.PERSONAL_HOME_PAGE, ['home']]] as const;
	const categories = categoriesOf(bag, named);
	const gender = bag.int(P.GENDER);
	const birthday = bag.date(P.BIRTHDAY);
	const anniversary = bag.date(P.WEDDING_ANNIVERSARY);
	const formattedName = bag.text(P.DISPLAY_NAME) ?? ([prefix, given, middle, family, suffix].filter((v) => v !== undefined).join(' ') || undefined)
		?? company ?? emails[0]?.address ?? bag.text(P.SUBJECT) ?? 'Unnamed contact';
	const note = bag.text(P.BODY);
	const im = bag.text(prop(LID.InstantMessagingAddress));
	const revision = bag.date(P.MODIFICATION_TIME) ?? bag.date(P.CREATION_TIME);
	const photo = contactPhoto(source.message, bag.ansiCharset, warnings);
	return {
		kind: 'individual',
		uid: uidOf(source.identity),
		formattedName,
		...([family, given, middle, prefix, suffix].some((v) => v !== undefined)
			? {name: {...opt('family', family), ...opt('given', given), ...opt('additional', middle), ...opt('prefix', prefix), ...opt('suffix', suffix)}} : {}),
		...opt('nickname', bag.text(P.NICKNAME)),
		...(company !== undefined || department !== undefined ? {organization: {...opt('name', company), ...opt('unit', department)}} : {}),
		...opt('title', bag.text(P.TITLE)),
		...opt('role', bag.text(P.PROFESSION)),
		...(phones.length === 0 ? {} : {phones}),
		...(emails.length === 0 ? {} : {emails}),
		...(addresses.length === 0 ? {} : {addresses}),
		urls: urls.flatMap(([id, types]) => {
			const url = bag.text(id);
			return url === undefined ? [] : [{url, types}];
		}),
		...opt('im', im),
		...(birthday === undefined ? {} : {birthday: nearestDay(birthday)}),
		...(anniversary === undefined ? {} : {anniversary: nearestDay(anniversary)}),
		...(gender === 1 ? {gender: 'F' as const} : gender === 2 ? {gender: 'M' as const} : {}),
		...opt('note', note),
		...(categories.length === 0 ? {} : {categories}),
		...(photo === undefined ? {} : {photo}),
		...(revision === undefined ? {} : {revision}),
	};
}

/** A distribution list's card (KIND:group). */
export function distributionListCardOf(source: ContactSource, warnings: string[]): Card {
	const {bag, named} = source;
	const members: string[] = [];
	for (const entry of bag.multiBinary(named.id(PSET.Address, LID.DistributionListOneOffMembers) ?? -1)) {
		const oneOff = parseOneOffEntryId(entry);
		if (oneOff !== undefined && oneOff.address.includes('@') && !oneOff.address.startsWith('/')) members.push(`mailto:${oneOff.address}`);
		else warnings.push(`a member${oneOff?.name ? ` ("${oneOff.name}")` : ''} has no e-mail address and was left out of the list`);
	}
	const revision = bag.date(P.MODIFICATION_TIME) ?? bag.date(P.CREATION_TIME);
	return {
		kind: 'group', uid: uidOf(source.identity),
		formattedName: bag.text(named.id(PSET.Address, LID.DistributionListName) ?? -1) ?? bag.text(P.DISPLAY_NAME) ?? bag.text(P.SUBJECT) ?? 'Unnamed list',
		...opt('note', bag.text(P.BODY)),
		...(members.length === 0 ? {} : {members}),
		...(revision === undefined ? {} : {revision}),
	};
}

/** The attachment marked as the contact's photo, as a data URI's parts. */
function contactPhoto(message: PSTMessage, charset: string, warnings: string[]): Card['photo'] {
	let count = 0;
	try {
		count = message.numberOfAttachments;
	} catch {
		return undefined;
	}
	for (let index = 0; index < count; index++) {
		try {
			const bag = new PropertyBag(message.getAttachment(index), charset, warnings);
			if (bag.bool(P.ATTACHMENT_CONTACT_PHOTO) !== true) continue;
			const data = bag.bytes(P.ATTACH_DATA);
			if (data === undefined || data.length === 0) continue;
			const mediaType = contentTypeFor(bag.text(P.ATTACH_MIME_TAG), bag.text(P.ATTACH_LONG_FILENAME) ?? 'photo.jpg');
			return {mediaType: mediaType.startsWith('image/') ? mediaType : 'image/jpeg', data};
		} catch (error) {
			warnings.push(`its photo cannot be read (${error instanceof Error ? error.message : String(error)})`);
		}
	}
	return undefined;
}

/** A stable `urn:uuid:` from the item identity. */
function uidOf(identity: string): string {
	return stableUid(`mailshift-pst-item:${identity}`);
}

/** Outlook stores dates such as birthdays as local midnight in UTC: the nearest UTC midnight is the day meant. */
function nearestDay(date: Date): Date {
	return new Date(Math.round(date.getTime() / 86_400_000) * 86_400_000);
}

function opt<K extends string>(key: K, value: string | undefined): {[P in K]?: string} {
	return (value === undefined ? {} : {[key]: value}) as {[P in K]?: string};
}
