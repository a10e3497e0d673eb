/**
 * Builders for Outlook for Mac .olm fixtures: `<email>` XML as Outlook writes it, and a small archive with
 * attachments, a message carrying its original source, an empty folder, contacts and categories. Zip it with
 * test/helpers/zip-builder.ts.
 */
import type {ZipInput} from './zip-builder.js';

export const INBOX = 'Accounts/me@example.org/com.microsoft.__Messages/Inbox';
export const PDF = Buffer.from('%PDF-1.4 pretend\n\u00ff\u0000binary', 'latin1');

/** One `<email>` as Outlook for Mac writes it (attributes, entities, `xml:space`). */
export function emailXml(fields: Readonly<{subject: string; id: string; read?: boolean; flag?: number; received?: string; extra?: string}>): string {
	return `<?xml version="1.0" encoding="UTF-8"?>\n<emails xml:space="preserve" elementCount="1"><email xml:space="preserve">` +
		`<OPFMessageCopyFromAddresses><emailAddress OPFContactEmailAddressAddress="alice@example.org" OPFContactEmailAddressName="Alice &amp; Co" OPFContactEmailAddressType="0"></emailAddress></OPFMessageCopyFromAddresses>` +
		`<OPFMessageCopyToAddresses><emailAddress OPFContactEmailAddressAddress="me@example.org" OPFContactEmailAddressName="Me"/></OPFMessageCopyToAddresses>` +
		`<OPFMessageCopyCCAddresses><emailAddress OPFContactEmailAddressAddress="carol@example.org"/></OPFMessageCopyCCAddresses>` +
		`<OPFMessageCopySubject>${fields.subject}</OPFMessageCopySubject>` +
		`<OPFMessageCopyMessageID>${fields.id}</OPFMessageCopyMessageID>` +
		`<OPFMessageCopySentTime>2011-06-21T23:48:10</OPFMessageCopySentTime>` +
		`<OPFMessageCopyReceivedTime>${fields.received ?? '2011-06-22T07:00:00'}</OPFMessageCopyReceivedTime>` +
		`<OPFMessageCopyBody>Plain &lt;text&gt; body</OPFMessageCopyBody>` +
		`<OPFMessageCopyHTMLBody><![CDATA[<p>HTML <b>body</b></p>]]></OPFMessageCopyHTMLBody>` +
		`<OPFMessageGetIsRead>${fields.read === false ? '0E0' : '1E0'}</OPFMessageGetIsRead>` +
		`<OPFMessageCopyGetFlagStatus>${fields.flag ?? 0}</OPFMessageCopyGetFlagStatus>` +
		`${fields.extra ?? ''}</email></emails>`;
}

/** A small, valid archive: Inbox (2 messages), Inbox/Projects (1), an empty Sent Items, contacts, categories. */
export const GOOD: readonly ZipInput[] = [
	{name: 'Accounts/'},
	{name: `${INBOX}/`},
	{name: `${INBOX}/message_00000.xml`, data: emailXml({
		subject: 'Report attached', id: 'one@example.org', flag: 1,
		extra: `<OPFMessageCopyAttachmentList><messageAttachment OPFAttachmentName="Report Q1.pdf" OPFAttachmentContentType="application/pdf" OPFAttachmentURL="${INBOX}/com.microsoft.__Attachments/one_0000"/>` +
			`<messageAttachment OPFAttachmentName="fwd.eml" OPFAttachmentContentType="message/rfc822" OPFAttachmentURL="${INBOX}/com.microsoft.__Attachments/one_0001"/></OPFMessageCopyAttachmentList>`,
	})},
	{name: `${INBOX}/com.microsoft.__Attachments/one_0000`, data: PDF},
	{name: `${INBOX}/com.microsoft.__Attachments/one_0001`, data: 'From: bob@example.org\nSubject: inner\n\ninner body\n', method: 0},
	{name: `${INBOX}/message_00001.xml`, data: emailXml({subject: 'Grüße, unread', id: 'two@example.org', read: false})},
	{name: `${INBOX}/Projects/message_00000.xml`, data: emailXml({
		subject: 'ignored: source wins', id: 'three@example.org',
		extra: '<OPFMessageCopySource>Received: from mx by mail; Tue, 21 Jun 2011 23:50:00 +0000\nFrom: dave@example.org\nSubject: original source\nMessage-ID: &lt;three@example.org&gt;\n\nkept as it was\n</OPFMessageCopySource>',
	})},
	{name: 'Accounts/me@example.org/com.microsoft.__Messages/Sent Items/'},
	{name: 'Local/Address Book/Contacts.xml', data: '<contacts elementCount="2"><contact><OPFContactCopyDisplayName>Алекс</OPFContactCopyDisplayName></contact><contact><OPFContactCopyDisplayName>Bea</OPFContactCopyDisplayName></contact></contacts>'},
	{name: 'Categories.xml', data: '<categories elementCount="0"></categories>'},
];

