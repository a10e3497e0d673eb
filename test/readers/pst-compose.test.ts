/**
 * Composing PST items into RFC 5322 messages, without a PST: the pure parts (mime-builder.ts,
 * compose-message.ts, code-pages.ts, item-kind.ts, media-types.ts), table-driven where it helps, and every
 * composed message read back with postal-mime.
 */
import assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import iconv from 'iconv-lite';
import PostalMime from 'postal-mime';
import {charsetDeclaredInHtml, codePageOfLcid, charsetOfCodePage, decodeIso2022Jp, decodeText} from '../../src/readers/pst/code-pages.js';
import {composeMessage, keptTransportHeaders} from '../../src/readers/pst/compose-message.js';
import type {MailContent} from '../../src/readers/pst/compose-message.js';
import {itemKindOf} from '../../src/readers/pst/item-kind.js';
import {contentTypeFor} from '../../src/readers/pst/media-types.js';
import {encodeHeaderText, encodePhrase, encodeTextBody, encodeWords, formatAddress, formatDate, headerLine, parameterSegments, quotedPrintable} from '../../src/readers/pst/mime-builder.js';
import {parseOneOffEntryId} from '../../src/readers/pst/recipients.js';

const BASE: MailContent = {to: [], cc: [], bcc: [], replyTo: [], attachments: []};
const SENT = new Date(Date.UTC(2021, 7, 12, 20, 32, 10));

function compose(content: Partial<MailContent>): Buffer {
	return composeMessage({...BASE, ...content}, 'store/42');
}

function headerBlock(raw: Buffer): string {
	const text = raw.toString('utf8');
	return text.slice(0, text.indexOf('\r\n\r\n') + 2);
}

describe('header encoding', () => {
	test('encoded words are UTF-8 "B" words of at most 75 characters that never split a character', () => {
		const text = '日本語のとても長い件名です。'.repeat(6);
		const encoded = encodeWords(text);
		for (const word of encoded.split(' ')) {
			assert.ok(word.length <= 75, word);
			assert.match(word, /^=\?UTF-8\?B\?[A-Za-z0-9+/=]+\?=$/);
			assert.doesNotThrow(() => new TextDecoder('utf-8', {fatal: true}).decode(Buffer.from(word.slice(10, -2), 'base64')));
		}
	});

	test('printable ASCII stays readable; anything else, or a literal "=?", is encoded', () => {
		assert.equal(encodeHeaderText('Re: Power Mart \'01'), 'Re: Power Mart \'01');
		assert.match(encodeHeaderText('Réunion'), /^=\?UTF-8\?B\?/);
		assert.match(encodeHeaderText('looks like =?x?'), /^=\?UTF-8\?B\?/);
		assert.equal(encodePhrase('Lee Dennis'), 'Lee Dennis');
		assert.equal(encodePhrase('Lee, Dennis'), '"Lee, Dennis"');
		assert.equal(encodePhrase('say "hi"'), '"say \\"hi\\""');
	});

	test('addresses: name and address, address only, and a name alone as an empty group (no invented address)', () => {
		assert.equal(formatAddress({name: 'Allison, Timothy B.', address: 'tallison@mitre.org'}), '"Allison, Timothy B." <tallison@mitre.org>');
		assert.equal(formatAddress({address: 'a@b.example'}), 'a@b.example');
		assert.equal(formatAddress({name: 'a@b.example', address: 'a@b.example'}), 'a@b.example');
		assert.equal(formatAddress({name: 'Pst Extractor'}), 'Pst Extractor:;');
		assert.equal(formatAddress({}), undefined);
	});

	test('long header lines fold at white space to 78 characters', () => {
		const line = headerLine('To', Array.from({length: 20}, (_, i) => `user${i}@example.org`).join(', '));
		for (const physical of line.split('\r\n').filter(Boolean)) assert.ok(physical.length <= 78, physical);
		assert.equal(line.replace(/\r\n /g, ' '), `To: ${Array.from({length: 20}, (_, i) => `user${i}@example.org`).join(', ')}\r\n`);
	});

	test('dates are RFC 5322 in UTC', () => {
		assert.equal(formatDate(SENT), 'Thu, 12 Aug 2021 20:32:10 +0000');
	});

	test('file names: quoted when short ASCII, RFC 2231 continuations otherwise', () => {
		assert.deepEqual(parameterSegments('filename', 'report.pdf'), ['filename="report.pdf"']);
		const segments = parameterSegments('filename', 'エラー Error を 意味する記号.png');
		assert.match(segments[0]!, /^filename\*0\*=UTF-8''%E3%82%A8/);
		assert.ok(segments.length > 1 && segments.every((s) => s.length < 78));
		assert.deepEqual(parameterSegments('filename', 'ü.txt'), ["filename*=UTF-8''%C3%BC.txt"]);
	});
});

describe('body encoding', () => {
	test('ASCII text is 7bit; mostly-ASCII text quoted-printable; CJK text base64; always CRLF', () => {
		assert.deepEqual(encodeTextBody('hello\nworld\n'), {transferEncoding: '7bit', body: 'hello\r\nworld\r\n'});
		assert.equal(encodeTextBody('café au lait').transferEncoding, 'quoted-printable');
		assert.equal(encodeTextBody('日本語の本文です').transferEncoding, 'base64');
		assert.equal(encodeTextBody('a=_b').transferEncoding, 'quoted-printable', 'the boundary marker "=_" never appears in a 7bit body');
	});

	test('quoted-printable keeps lines under 77 characters, encodes "=" and trailing blanks', () => {
		const encoded = quotedPrintable(`${'x'.repeat(200)} \r\na=b\t`);
		for (const line of encoded.split('\r\n')) assert.ok(line.length <= 76, line);
		assert.match(encoded, /a=3Db=09\r\n$/);
	});
});

describe('composed messages', () => {
	test('an Outlook-composed item gets From, To/Cc/Bcc, Subject, Date, Message-ID, threading and importance headers', async () => {
		const raw = compose({
			from: {name: 'Pst Extractor', address: 'pstextractortest@outlook.com'},
			sender: {name: 'Assistant', address: 'assistant@example.org'},
			to: [{name: 'Ed', address: 'epfromer@gmail.com'}], cc: [{address: 'cc@example.org'}], bcc: [{name: 'Hidden', address: 'bcc@example.org'}],
			replyTo: [{address: 'reply@example.org'}], subject: 'Réunion à 10h', date: SENT, messageId: '<abc@example.org>',
			inReplyTo: '<parent@example.org>', references: '<root@example.org> <parent@example.org>', importance: 'high', priority: 'urgent',
			sensitivity: 'Private', text: 'Bonjour', html: '<p>Bonjour</p>',
		});
		const email = await PostalMime.parse(raw);
		assert.deepEqual(email.from, {name: 'Pst Extractor', address: 'pstextractortest@outlook.com'});
		assert.deepEqual(email.sender, {name: 'Assistant', address: 'assistant@example.org'});
		assert.deepEqual(email.to, [{name: 'Ed', address: 'epfromer@gmail.com'}]);
		assert.deepEqual(email.cc, [{name: '', address: 'cc@example.org'}]);
		assert.deepEqual(email.bcc, [{name: 'Hidden', address: 'bcc@example.org'}]);
		assert.equal(email.subject, 'Réunion à 10h');
		assert.equal(email.date, SENT.toISOString());
		assert.equal(email.messageId, '<abc@example.org>');
		assert.equal(email.inReplyTo, '<parent@example.org>');
		assert.equal(email.references, '<root@example.org> <parent@example.org>');
		assert.equal(email.text?.trim(), 'Bonjour');
		assert.equal(email.html?.trim(), '<p>Bonjour</p>');
		const head = headerBlock(raw);
		assert.match(head, /^Importance: high\r\n/m);
		assert.match(head, /^X-Priority: 1 \(Highest\)\r\n/m);
		assert.match(head, /^Priority: urgent\r\n/m);
		assert.match(head, /^Sensitivity: Private\r\n/m);
		assert.match(head, /^Content-Type: multipart\/alternative; boundary="----=_mailshift_[0-9a-f]{28}"\r\n/m);
	});

	test('an item without sender or any date still gets From and Date (RFC 5322 §3.6): "Unknown sender" at .invalid and the epoch, never "now", and always the same bytes', async () => {
		const raw = compose({subject: 'draft', text: 'x'});
		const head = headerBlock(raw);
		assert.match(head, /^From: "Unknown sender" <unknown@invalid>\r\n/m);
		assert.match(head, /^Date: Thu, 1 Jan 1970 00:00:00 \+0000\r\n/m);
		assert.deepEqual((await PostalMime.parse(raw)).from, {name: 'Unknown sender', address: 'unknown@invalid'});
		assert.ok(raw.equals(compose({subject: 'draft', text: 'x'})));
		// The item's own sender and date win over the fallbacks.
		const dated = headerBlock(compose({subject: 'draft', text: 'x', date: SENT, from: {name: 'Me', address: 'me@example.org'}}));
		assert.match(dated, /^From: Me <me@example.org>\r\n/m);
		assert.match(dated, /^Date: Thu, 12 Aug 2021 20:32:10 \+0000\r\n/m);
		const both = {...BASE, subject: 'draft', text: 'x', html: '<p>x</p>'};
		assert.ok(composeMessage(both, 'store/42').equals(composeMessage(both, 'store/42')));
		assert.ok(!composeMessage(both, 'store/42').equals(composeMessage(both, 'store/43')), 'boundaries differ per item seed');
	});

	test('transport headers without From or Date get them from the item, else the fallbacks', () => {
		const transport = 'Received: from a by b; Thu, 12 Aug 2021 20:31:55 +0000\nSubject: hi\n';
		const withItem = headerBlock(compose({transportHeaders: transport, from: {address: 'a@example.org'}, date: SENT, text: 'x'}));
		assert.match(withItem, /^From: a@example.org\r\n/m);
		assert.match(withItem, /^Date: Thu, 12 Aug 2021 20:32:10 \+0000\r\n/m);
		const bare = headerBlock(compose({transportHeaders: transport, text: 'x'}));
		assert.match(bare, /^From: "Unknown sender" <unknown@invalid>\r\n/m);
		assert.match(bare, /^Date: Thu, 1 Jan 1970 00:00:00 \+0000\r\n/m);
	});

	test('original transport headers are kept line for line except the MIME structure we rebuild', async () => {
		const transport = [
			'Microsoft Mail Internet Headers Version 2.0',
			'Received: from a by b; Thu, 12 Aug 2021 20:31:55 +0000',
			'From: "Lee  Dennis" <Dennis.Lee@ENRON.com>',
			'Subject: New OBA\'s',
			'MIME-Version: 1.0',
			'Content-Type: multipart/mixed;',
			'\tboundary="----=_Part_1"',
			'Content-Transfer-Encoding: 7bit',
			'17: 04:44 -0500',
			'stray text without a colon',
			'',
			'--not part of the header block--',
		].join('\n');
		const raw = compose({transportHeaders: transport, messageId: '<kept@example.org>', date: SENT, text: 'body', subject: 'ignored'});
		const head = headerBlock(raw);
		assert.equal(head, [
			'Received: from a by b; Thu, 12 Aug 2021 20:31:55 +0000',
			'From: "Lee  Dennis" <Dennis.Lee@ENRON.com>',
			'Subject: New OBA\'s',
			'17: 04:44 -0500',
			' stray text without a colon',
			'Message-ID: <kept@example.org>',
			'Date: Thu, 12 Aug 2021 20:32:10 +0000',
			'MIME-Version: 1.0',
			'Content-Type: text/plain; charset=utf-8',
			'Content-Transfer-Encoding: 7bit',
			'',
		].join('\r\n'));
		assert.equal((await PostalMime.parse(raw)).text?.trim(), 'body');
		assert.equal(keptTransportHeaders('no header here'), undefined);
	});

	test('attachments: exact bytes, long and non-ASCII names, inline images in multipart/related, embedded messages as message/rfc822', async () => {
		const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
		const binary = Buffer.from(Array.from({length: 5000}, (_, i) => (i * 7) % 256));
		const raw = compose({
			subject: 'with parts', date: SENT, text: 'see image', html: '<p><img src="cid:image001.png@01D7"></p>',
			attachments: [
				{type: 'file', filename: 'image001.png', contentType: 'image/png', data: png, contentId: 'image001.png@01D7'},
				{type: 'file', filename: `${'very long name '.repeat(8)}— résumé.bin`, contentType: 'application/octet-stream', data: binary},
				{type: 'message', filename: 'Forwarded.eml', message: {...BASE, subject: 'inner', date: SENT, from: {address: 'inner@example.org'}, text: 'inner body',
					attachments: [{type: 'file', filename: 'deep.txt', contentType: 'text/plain', data: Buffer.from('deep\r\n')}]}},
			],
		});
		const email = await PostalMime.parse(raw, {forceRfc822Attachments: true});
		const image = email.attachments.find((a) => a.filename === 'image001.png')!;
		assert.equal(image.related, true);
		assert.equal(image.contentId, '<image001.png@01D7>');
		assert.ok(Buffer.from(image.content as ArrayBuffer).equals(png));
		const file = email.attachments.find((a) => a.filename?.endsWith('résumé.bin'))!;
		assert.equal(file.filename, `${'very long name '.repeat(8)}— résumé.bin`);
		assert.ok(Buffer.from(file.content as ArrayBuffer).equals(binary));
		const embedded = email.attachments.find((a) => a.mimeType === 'message/rfc822')!;
		assert.equal(embedded.filename, 'Forwarded.eml');
		const inner = await PostalMime.parse(new Uint8Array(embedded.content as ArrayBuffer));
		assert.equal(inner.subject, 'inner');
		assert.equal(inner.attachments[0]?.filename, 'deep.txt');
		assert.match(raw.toString('latin1'), /Content-Type: multipart\/mixed[^]*Content-Type: multipart\/alternative[^]*Content-Type: multipart\/related/);
	});

	test('an HTML body declares UTF-8 in its own <meta> once re-encoded', async () => {
		const raw = compose({html: '<html><head><meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1"></head><body>é</body></html>'});
		const email = await PostalMime.parse(raw);
		assert.match(email.html ?? '', /charset=utf-8/);
		assert.match(email.html ?? '', /é/);
	});

	test('an S/MIME item keeps its original signed entity as the body', async () => {
		const entity = Buffer.from('Content-Type: multipart/signed; protocol="application/pkcs7-signature"; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nsigned text\r\n--b\r\nContent-Type: application/pkcs7-signature\r\n\r\nAAAA\r\n--b--\r\n');
		const raw = compose({subject: 'signed', date: SENT, mimeEntity: entity, text: 'ignored'});
		assert.ok(raw.subarray(raw.length - entity.length).equals(entity));
		const email = await PostalMime.parse(raw);
		assert.equal(email.text?.trim(), 'signed text');
	});
});

describe('code pages and classification', () => {
	test('code pages and LCIDs map to decoders (Shift_JIS, GBK, Big5, Cyrillic, Central European)', () => {
		assert.equal(charsetOfCodePage(932), 'cp932');
		assert.equal(charsetOfCodePage(50220), 'iso-2022-jp');
		assert.deepEqual([0x0411, 0x0804, 0x0404, 0x0419, 0x0415, 0x0409, 0x040c].map(codePageOfLcid), [932, 936, 950, 1251, 1250, 1252, 1252]);
		assert.equal(decodeText(iconv.encode('日本語', 'cp932'), 'cp932'), '日本語');
		assert.equal(decodeText(Buffer.from('caf\xe9', 'latin1'), 'no-such-charset'), 'café', 'unknown charset: windows-1252 unless the bytes are UTF-8');
		assert.equal(decodeText(Buffer.from('café'), undefined), 'café');
	});

	test('ISO-2022-JP (which iconv-lite lacks) decodes, half-width katakana included', () => {
		const bytes = Buffer.from('\x1b$B$3$s$K$A$O\x1b(B World \x1b(I1\x1b(B', 'latin1');
		assert.equal(decodeIso2022Jp(bytes), 'こんにちは World ｱ');
		assert.equal(decodeText(bytes, 'ISO-2022-JP'), 'こんにちは World ｱ');
	});

	test('an HTML body\'s declared charset is found', () => {
		assert.equal(charsetDeclaredInHtml(Buffer.from('<html><head><meta charset="shift_jis">')), 'shift_jis');
		assert.equal(charsetDeclaredInHtml(Buffer.from('<meta http-equiv=Content-Type content="text/html; charset=iso-2022-jp">')), 'iso-2022-jp');
		assert.equal(charsetDeclaredInHtml(Buffer.from('<p>none</p>')), undefined);
	});

	for (const [cls, isMail, label] of [
		['IPM.Note', true, ''], ['IPM.Note.SMIME.MultipartSigned', true, ''], ['REPORT.IPM.Note.NDR', true, ''], ['IPM.Post', true, ''],
		['IPM.Schedule.Meeting.Request', true, ''], ['IPM.TaskRequest.Accept', true, ''], ['IPM', true, ''], ['IPM.Whatever.Custom', true, ''],
		['IPM.Contact', false, 'contact'], ['IPM.DistList', false, 'distribution list'], ['IPM.Appointment', false, 'calendar item'],
		['IPM.Task', false, 'task'], ['IPM.StickyNote', false, 'note'], ['IPM.Activity', false, 'journal entry'],
		['IPM.Configuration.WorkHours', false, 'Outlook configuration item'], ['ipm.contact.custom', false, 'contact'],
	] as const) {
		test(`message class ${cls} is ${isMail ? 'mail' : `not mail (${label})`}`, () => {
			assert.deepEqual(itemKindOf(cls), isMail ? {isMail: true} : {isMail: false, label});
		});
	}

	test('attachment types: the MIME tag when specific, else the extension, else octet-stream', () => {
		assert.equal(contentTypeFor('image/png', 'x.bin'), 'image/png');
		assert.equal(contentTypeFor('application/octet-stream', 'photo.JPG'), 'image/jpeg');
		assert.equal(contentTypeFor(undefined, 'report.pdf'), 'application/pdf');
		assert.equal(contentTypeFor('not a type', 'data'), 'application/octet-stream');
	});

	test('a one-off entry ID yields the display name, address type and SMTP address', () => {
		const uid = Buffer.from('812b1fa4bea310199d6e00dd010f5402', 'hex');
		const strings = Buffer.from('Ed\0SMTP\0ed@example.org\0', 'utf16le');
		const entry = Buffer.concat([Buffer.alloc(4), uid, Buffer.from([0, 0, 0x00, 0x80]), strings]);
		assert.deepEqual(parseOneOffEntryId(entry), {name: 'Ed', addrType: 'SMTP', address: 'ed@example.org'});
		assert.equal(parseOneOffEntryId(Buffer.alloc(30)), undefined);
	});
});
