/**
 * An Outlook for Mac `<contact>` element → a vCard 4 card (export/vcard.ts), for the backup's .vcf export of
 * contacts (the same export PST contacts get). Pure and deterministic.
 *
 * Elements read (names without their namespace prefix): `OPFContactCopyDisplayName`, `…FirstName`,
 * `…LastName`, `…MiddleName`, `…NickName`, `…BusinessCompany`, `…BusinessTitle`/`…JobTitle`, `…Notes`,
 * `…ModDate` (REV); e-mail addresses from any `emailAddress`/`contactEmailAddress` child carrying
 * `OPFContactEmailAddressAddress`; phone numbers from `OPFContactCopy…Phone…` elements (their name gives
 * the type). What is not known is left out, never invented; FN falls back to the names, then the first
 * address, then "Contact".
 */
import type {Card, Email, Phone} from '../../export/vcard.js';
import {stableUid} from '../../export/vcard.js';
import {parseOlmTime} from './olm-email.js';
import type {XmlElement} from './xml-parser.js';
import {child} from './xml-parser.js';

/** The card of `contact`; `identity` (archive path + entry key) makes its UID stable. */
export function olmContactCard(contact: XmlElement, identity: string): Card {
	const text = (name: string): string | undefined => {
		const value = child(contact, name)?.text.trim();
		return value === undefined || value === '' ? undefined : value;
	};
	const emails: Email[] = [];
	const phones: Phone[] = [];
	const walk = (element: XmlElement): void => {
		const address = element.attributes['OPFContactEmailAddressAddress']?.trim();
		if (address) emails.push({address});
		if (/^OPFContactCopy\w*Phone/i.test(element.name) && element.text.trim() !== '') {
			const name = element.name.toLowerCase();
			const types = name.includes('fax') ? ['fax'] : name.includes('mobile') || name.includes('cell') ? ['cell'] : name.includes('pager') ? ['pager'] : ['voice'];
			phones.push({number: element.text.trim(), types: name.includes('business') || name.includes('work') ? ['work', ...types] : name.includes('home') ? ['home', ...types] : types});
		}
		for (const c of element.children) walk(c);
	};
	walk(contact);
	const given = text('OPFContactCopyFirstName');
	const family = text('OPFContactCopyLastName');
	const additional = text('OPFContactCopyMiddleName');
	const nickname = text('OPFContactCopyNickName');
	const company = text('OPFContactCopyBusinessCompany');
	const title = text('OPFContactCopyBusinessTitle') ?? text('OPFContactCopyJobTitle');
	const note = text('OPFContactCopyNotes');
	const revision = parseOlmTime(text('OPFContactCopyModDate'));
	const formattedName = text('OPFContactCopyDisplayName') ?? ([given, additional, family].filter(Boolean).join(' ') || emails[0]?.address || 'Contact');
	return {
		kind: 'individual',
		uid: stableUid(`mailshift-olm-item:${identity}`),
		formattedName,
		...(given ?? family ?? additional ? {name: {...(family ? {family} : {}), ...(given ? {given} : {}), ...(additional ? {additional} : {})}} : {}),
		...(nickname ? {nickname} : {}),
		...(company ? {organization: {name: company}} : {}),
		...(title ? {title} : {}),
		...(emails.length > 0 ? {emails} : {}),
		...(phones.length > 0 ? {phones} : {}),
		...(note ? {note} : {}),
		...(revision ? {revision} : {}),
	};
}
