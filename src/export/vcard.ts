/**
 * vCard 4.0 (RFC 6350) from plain data: a person (KIND:individual) or a distribution list (KIND:group with
 * MEMBER URIs). Pure and deterministic (REV comes from the item, never the clock).
 *
 * Compatibility choices: TEL values are free text (RFC 6350 §6.4.1 allows it "for backward compatibility"), as
 * Outlook stores numbers in any format; TYPE parameters use the RFC's values (home, work, cell, fax, pager,
 * voice, text) so importers map them; the photo is a data: URI (§6.2.4).
 */
import {createHash} from 'node:crypto';
import {contentLine, escapeText, paramValue, utcDate, utcDateTime} from './content-lines.js';

export type Phone = Readonly<{number: string; types: readonly string[]; preferred?: boolean}>;
export type Email = Readonly<{address: string; preferred?: boolean; types?: readonly string[]}>;
export type PostalAddress = Readonly<{
	types: readonly string[];
	poBox?: string;
	street?: string;
	city?: string;
	region?: string;
	postalCode?: string;
	country?: string;
	/** The whole address as one text, when the parts are unknown (LABEL parameter). */
	label?: string;
	preferred?: boolean;
}>;

export type Card = Readonly<{
	kind: 'individual' | 'group';
	uid: string;
	/** FN (required by RFC 6350 §6.2.1); the caller supplies a fallback. */
	formattedName: string;
	name?: Readonly<{family?: string; given?: string; additional?: string; prefix?: string; suffix?: string}>;
	nickname?: string;
	organization?: Readonly<{name?: string; unit?: string}>;
	title?: string;
	role?: string;
	phones?: readonly Phone[];
	emails?: readonly Email[];
	addresses?: readonly PostalAddress[];
	urls?: readonly Readonly<{url: string; types: readonly string[]}>[];
	/** Instant messaging address (IMPP needs a URI; a bare address is written as `sip:`-less text in X-IM). */
	im?: string;
	birthday?: Date;
	anniversary?: Date;
	gender?: 'F' | 'M';
	note?: string;
	categories?: readonly string[];
	photo?: Readonly<{mediaType: string; data: Buffer}>;
	/** Group members as URIs (`mailto:…`). */
	members?: readonly string[];
	revision?: Date;
}>;

/** A stable `urn:uuid:` from `seed` (a name-based UUID shape over its SHA-256): the same item, the same UID. */
export function stableUid(seed: string): string {
	const hex = createHash('sha256').update(seed).digest('hex');
	return `urn:uuid:${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${((parseInt(hex.slice(16, 17), 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** The vCard text (CRLF line ends). */
export function buildCard(card: Card): string {
	let text = 'BEGIN:VCARD\r\n';
	text += contentLine('VERSION', '4.0');
	text += contentLine('KIND', card.kind);
	text += contentLine('UID', card.uid);
	text += contentLine('FN', escapeText(card.formattedName));
	if (card.name !== undefined) {
		const n = card.name;
		text += contentLine('N', [n.family, n.given, n.additional, n.prefix, n.suffix].map((v) => escapeText(v ?? '')).join(';'));
	}
	if (card.nickname !== undefined) text += contentLine('NICKNAME', escapeText(card.nickname));
	if (card.gender !== undefined) text += contentLine('GENDER', card.gender);
	if (card.birthday !== undefined) text += contentLine('BDAY', utcDate(card.birthday));
	if (card.anniversary !== undefined) text += contentLine('ANNIVERSARY', utcDate(card.anniversary));
	if (card.organization !== undefined) text += contentLine('ORG', [card.organization.name ?? '', ...(card.organization.unit === undefined ? [] : [card.organization.unit])].map(escapeText).join(';'));
	if (card.title !== undefined) text += contentLine('TITLE', escapeText(card.title));
	if (card.role !== undefined) text += contentLine('ROLE', escapeText(card.role));
	for (const email of card.emails ?? []) text += contentLine('EMAIL', escapeText(email.address), [...typeParam(email.types ?? []), ...(email.preferred ? ['PREF=1'] : [])]);
	for (const phone of card.phones ?? []) text += contentLine('TEL', escapeText(phone.number), [...typeParam(phone.types), ...(phone.preferred ? ['PREF=1'] : [])]);
	for (const a of card.addresses ?? []) {
		const value = [a.poBox, '', a.street, a.city, a.region, a.postalCode, a.country].map((v) => escapeText(v ?? '')).join(';');
		text += contentLine('ADR', value, [...typeParam(a.types), ...(a.label === undefined ? [] : [`LABEL=${paramValue(a.label.replace(/\r\n|\r|\n/g, ' '))}`]), ...(a.preferred ? ['PREF=1'] : [])]);
	}
	for (const u of card.urls ?? []) text += contentLine('URL', u.url, typeParam(u.types));
	if (card.im !== undefined) text += /^[a-z][a-z0-9+.-]*:/i.test(card.im) ? contentLine('IMPP', card.im) : contentLine('X-IM', escapeText(card.im));
	if (card.categories !== undefined && card.categories.length > 0) text += contentLine('CATEGORIES', card.categories.map(escapeText).join(','));
	if (card.note !== undefined) text += contentLine('NOTE', escapeText(card.note));
	if (card.photo !== undefined) text += contentLine('PHOTO', `data:${card.photo.mediaType};base64,${card.photo.data.toString('base64')}`);
	for (const member of card.members ?? []) text += contentLine('MEMBER', member);
	if (card.revision !== undefined) text += contentLine('REV', utcDateTime(card.revision));
	return `${text}END:VCARD\r\n`;
}

function typeParam(types: readonly string[]): string[] {
	return types.length === 0 ? [] : [`TYPE=${types.length === 1 ? types[0]! : `"${types.join(',')}"`}`];
}
