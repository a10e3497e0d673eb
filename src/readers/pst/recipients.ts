/**
 * Addresses of a PST item: its recipient table (To/Cc/Bcc, or a meeting's required/optional/resource
 * attendees), Exchange (`EX`) legacy-DN → SMTP resolution, and one-off entry IDs. Used by read-item.ts (mail)
 * and calendar-item.ts (attendees). Runs inside the PST worker only.
 *
 * Properties (MS-OXPROPS, MS-OXOCAL 2.2.4.10): PR_RECIPIENT_TYPE 0x0C15, PR_DISPLAY_NAME 0x3001, PR_ADDRTYPE
 * 0x3002, PR_EMAIL_ADDRESS 0x3003, PR_SMTP_ADDRESS 0x39FE, PR_ENTRYID 0x0FFF, PR_RECIPIENT_FLAGS 0x5FFD
 * (0x02 = the meeting organizer's row), PR_RECIPIENT_TRACKSTATUS 0x5FFF (an attendee's response).
 */
import type {PSTMessage} from 'pst-extractor';
import type {MailAddress} from './mime-builder.js';
import {PropertyBag} from './property-bag.js';

const P = {
	SENT_REPRESENTING_EMAIL: 0x0065, SENT_REPRESENTING_SMTP: 0x5d02, SENDER_EMAIL: 0x0c1f, SENDER_SMTP: 0x5d01,
	RECIPIENT_TYPE: 0x0c15, DISPLAY_NAME: 0x3001, ADDRTYPE: 0x3002, EMAIL_ADDRESS: 0x3003, SMTP_ADDRESS: 0x39fe,
	ENTRYID: 0x0fff, RECIPIENT_FLAGS: 0x5ffd, RECIPIENT_TRACKSTATUS: 0x5fff,
} as const;

/** MS-OXCDATA 2.2.5.1: the provider UID of one-off entry IDs. */
const ONE_OFF_UID = Buffer.from('812b1fa4bea310199d6e00dd010f5402', 'hex');

/** One row of the recipient table. `type`: 1 To / required, 2 Cc / optional, 3 Bcc / resource. */
export type RecipientRow = Readonly<{mailbox: MailAddress; type: number; flags: number; trackStatus: number | undefined}>;

/**
 * Exchange address (legacy DN) → SMTP address, from the pairs an item itself carries: sender, representing,
 * received-by, received-representing, creator and last modifier (PidTag*EmailAddress / PidTag*SmtpAddress,
 * MS-OXPROPS). An Outlook.com Sent item has no PR_SENDER_SMTP_ADDRESS but names its sender as creator. Only
 * this item's properties are used, so the result never depends on what was read before (re-runs compose
 * the same bytes).
 */
export function exchangeDirectory(bag: PropertyBag): Map<string, string> {
	const pairs: ReadonlyArray<readonly [number, number]> = [
		[P.SENT_REPRESENTING_EMAIL, P.SENT_REPRESENTING_SMTP], [P.SENDER_EMAIL, P.SENDER_SMTP], [0x0076, 0x5d07],
		[0x0078, 0x5d08], [0x4023, 0x5d0a], [0x4025, 0x5d0b],
	];
	const directory = new Map<string, string>();
	for (const [dnId, smtpId] of pairs) {
		const dn = bag.text(dnId);
		const smtp = bag.text(smtpId);
		if (dn !== undefined && smtp?.includes('@') === true && !dn.includes('@')) directory.set(dn.toUpperCase(), smtp);
	}
	return directory;
}

/** A sender/representing mailbox from its name, address type, address, SMTP address and entry ID properties. */
export function resolveMailbox(bag: PropertyBag, directory: ReadonlyMap<string, string>, nameId: number, typeId: number, addressId: number, smtpId: number, entryId: number): MailAddress | undefined {
	const name = bag.text(nameId);
	const address = smtpAddress(bag.text(typeId), bag.text(addressId), bag.text(smtpId), bag.bytes(entryId), directory);
	if (name === undefined && address === undefined) return undefined;
	return {...(name === undefined ? {} : {name}), ...(address === undefined ? {} : {address})};
}

/** The SMTP address of an address entry: SMTP type, the SMTP property, a one-off entry ID, the directory, or any address with '@'. */
export function smtpAddress(addrType: string | undefined, address: string | undefined, smtp: string | undefined, entryId: Buffer | undefined, directory: ReadonlyMap<string, string>): string | undefined {
	if (addrType?.toUpperCase() === 'SMTP' && address?.includes('@')) return address;
	if (smtp?.includes('@')) return smtp;
	const oneOff = entryId === undefined ? undefined : parseOneOffEntryId(entryId);
	if (oneOff?.addrType.toUpperCase() === 'SMTP' && oneOff.address.includes('@')) return oneOff.address;
	const known = address === undefined ? undefined : directory.get(address.toUpperCase());
	if (known !== undefined) return known;
	return address?.includes('@') && !address.startsWith('/') ? address : undefined;
}

/** The recipient table's rows that name someone; a table that cannot be read adds a warning and gives none. */
export function readRecipientRows(message: PSTMessage, charset: string, directory: ReadonlyMap<string, string>, warnings: string[]): RecipientRow[] {
	let rows: Array<Map<number, unknown>> = [];
	try {
		if (message.numberOfRecipients > 0) {
			rows = (message as unknown as {recipientTable: {getItems(): Array<Map<number, unknown>>} | null}).recipientTable?.getItems() ?? [];
		}
	} catch (error) {
		warnings.push(`the recipient table cannot be read (${error instanceof Error ? error.message : String(error)}); To/Cc/Bcc come from the display lists`);
	}
	const out: RecipientRow[] = [];
	for (const row of rows) {
		const bag = new PropertyBag(row, charset, warnings);
		const name = bag.text(P.DISPLAY_NAME);
		const address = smtpAddress(bag.text(P.ADDRTYPE), bag.text(P.EMAIL_ADDRESS), bag.text(P.SMTP_ADDRESS), bag.bytes(P.ENTRYID), directory);
		if (name === undefined && address === undefined) continue;
		out.push({
			mailbox: {...(name === undefined ? {} : {name}), ...(address === undefined ? {} : {address})},
			type: (bag.uint(P.RECIPIENT_TYPE) ?? 1) & 0x0f,
			flags: bag.uint(P.RECIPIENT_FLAGS) ?? 0,
			trackStatus: bag.uint(P.RECIPIENT_TRACKSTATUS),
		});
	}
	return out;
}

/** MS-OXCDATA 2.2.5.1 One-Off EntryID: flags(4) uid(16) version(2) flags(2) name, type, address (NUL-ended). */
export function parseOneOffEntryId(entry: Buffer): {name: string; addrType: string; address: string} | undefined {
	if (entry.length < 24 || !entry.subarray(4, 20).equals(ONE_OFF_UID)) return undefined;
	const isUnicode = (entry.readUInt16LE(22) & 0x8000) !== 0;
	const strings: string[] = [];
	let offset = 24;
	for (let i = 0; i < 3; i++) {
		let end = offset;
		if (isUnicode) {
			while (end + 1 < entry.length && (entry[end] !== 0 || entry[end + 1] !== 0)) end += 2;
			strings.push(entry.toString('utf16le', offset, end));
			offset = end + 2;
		} else {
			while (end < entry.length && entry[end] !== 0) end++;
			strings.push(entry.toString('latin1', offset, end));
			offset = end + 1;
		}
	}
	const [name = '', addrType = '', address = ''] = strings;
	return {name, addrType, address};
}
