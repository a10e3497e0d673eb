/**
 * Non-mail PST items as files (issue #6: contacts → vCard 4, calendar items → iCalendar, notes → VJOURNAL)
 * and meeting messages with a text/calendar part (issue #3), read from real stores: the Outlook.com OST that
 * ships with pst-extractor (always; its calendar items are named after their recurrence, e.g. "repeats every
 * monday for 10 weeks", which makes them their own oracle) and the shared corpus when present (each corpus
 * test skips with a printed reason otherwise). readpst's .vcf/.ics output is not used as an oracle: it writes
 * vCard 3 with "(null)" names and drops recurrence, so it would only confirm its own gaps.
 */
import assert from 'node:assert/strict';
import {join} from 'node:path';
import {describe, test} from 'node:test';
import PostalMime from 'postal-mime';
import {corpusFile, PST_TESTDATA} from '../helpers/pst-corpus.js';
import type {SourceMessage} from '../../src/contracts/types.js';
import {PstStore} from '../../src/readers/pst/pst-store.js';

const OST = join(PST_TESTDATA, 'pstextractortest@outlook.com.ost');


async function readAll(file: string, exportNonMail: boolean): Promise<SourceMessage[]> {
	const store = await PstStore.open(file, {exportNonMail});
	try {
		const out: SourceMessage[] = [];
		for (const folder of await store.listFolders()) for await (const message of store.messages(folder)) out.push(message);
		return out;
	} finally {
		await store.close();
	}
}

/** Unfolded content lines of an export, after checking its framing: CRLF, ≤ 75 octets, balanced BEGIN/END. */
function linesOf(content: Buffer): string[] {
	const text = content.toString('utf8');
	assert.ok(text.endsWith('\r\n'));
	assert.doesNotMatch(text, /[^\r]\n/, 'bare LF');
	for (const line of text.slice(0, -2).split('\r\n')) assert.ok(Buffer.byteLength(line) <= 75, `line over 75 octets: ${line}`);
	const lines = text.slice(0, -2).replace(/\r\n /g, '').split('\r\n');
	const stack: string[] = [];
	for (const line of lines) {
		if (line.startsWith('BEGIN:')) stack.push(line.slice(6));
		else if (line.startsWith('END:')) assert.equal(stack.pop(), line.slice(4), `END without BEGIN: ${line}`);
	}
	assert.deepEqual(stack, []);
	return lines;
}

/** The exports of one kind of item, by title (first of each title) and in total. */
function exportsOf(messages: readonly SourceMessage[], itemKind: string): Map<string, string[]> & {all: string[][]} {
	const out = Object.assign(new Map<string, string[]>(), {all: [] as string[][]});
	for (const m of messages) {
		if (m.itemKind !== itemKind || m.nonMailExport === undefined) continue;
		const lines = linesOf(m.nonMailExport.content);
		out.all.push(lines);
		if (!out.has(m.nonMailExport.title)) out.set(m.nonMailExport.title, lines);
	}
	return out;
}

describe('calendar items of the Outlook.com OST', async () => {
	const withExport = await readAll(OST, true);
	const calendar = exportsOf(withExport, 'calendar item');

	test('every calendar item is exported as one well-formed iCalendar file, and nothing is exported unless asked', async () => {
		const items = withExport.filter((m) => m.itemKind === 'calendar item');
		assert.ok(items.length >= 160, `${items.length} calendar items`);
		assert.ok(items.every((m) => m.nonMailExport?.extension === 'ics' && m.nonMailExport.mediaType === 'text/calendar'));
		const without = await readAll(OST, false);
		assert.equal(without.filter((m) => m.itemKind === 'calendar item').length, items.length);
		assert.ok(without.every((m) => m.nonMailExport === undefined));
		// The mail is the same either way.
		const mail = (list: SourceMessage[]): string[] => list.filter((m) => m.itemKind === undefined).map((m) => m.raw.toString('base64'));
		assert.deepEqual(mail(without), mail(withExport));
	});

	test('recurring items carry the rule their subject describes, in their own time zone', () => {
		const weekly = calendar.get('repeats every monday for 10 weeks');
		assert.ok(weekly);
		assert.ok(weekly.includes('RRULE:FREQ=WEEKLY;COUNT=10;BYDAY=MO;WKST=SU'), weekly.join('\n'));
		assert.ok(weekly.includes('DTSTART;TZID="(UTC-08:00) Pacific Time (US & Canada)":20210809T100000'), weekly.join('\n'));
		assert.ok(weekly.includes('BEGIN:VTIMEZONE'));
		assert.ok(calendar.get('repeats for 3 days')?.includes('RRULE:FREQ=DAILY;COUNT=3'));
		assert.ok(calendar.get('Occurs every August 13 effective 8/13/2021 from 10:00 AM to 10:30 AM')?.includes('RRULE:FREQ=YEARLY;BYMONTH=8;BYMONTHDAY=13'));
	});

	test('a single meeting is written in UTC and all-day holidays on their calendar dates', () => {
		assert.ok(calendar.get('just a regular meeting')?.some((l) => /^DTSTART:\d{8}T\d{6}Z$/.test(l)));
		const holidays = withExport.filter((m) => m.ref.folder.endsWith('United States holidays') && m.nonMailExport !== undefined);
		const thanksgiving2026 = holidays.map((m) => linesOf(m.nonMailExport!.content)).find((l) => l.includes('SUMMARY:Thanksgiving Day') && l.some((x) => x.startsWith('DTSTART;VALUE=DATE:2026')));
		assert.ok(thanksgiving2026?.includes('DTSTART;VALUE=DATE:20261126'), 'Thanksgiving 2026 is Thursday 26 November');
		assert.ok(thanksgiving2026?.includes('DTEND;VALUE=DATE:20261127'));
	});

	test('meeting requests and responses in mail get a text/calendar part with their method, UID and people', async () => {
		const invitation = withExport.find((m) => m.raw.includes('Subject: Invitation: unanswered meeting'));
		assert.ok(invitation);
		const parsed = await PostalMime.parse(invitation.raw);
		const raw = invitation.raw.toString('utf8');
		assert.match(raw, /Content-Type: text\/calendar; charset=utf-8; method=REQUEST/);
		const ics = raw.slice(raw.indexOf('BEGIN:VCALENDAR'), raw.indexOf('END:VCALENDAR') + 13).replace(/\r\n /g, '');
		assert.match(ics, /METHOD:REQUEST/);
		assert.match(ics, /UID:392dkifg6272gco6qi3f9up3pq@google.com/, 'the original iCalendar UID from the GlobalObjectId');
		assert.match(ics, /ORGANIZER;CN=epfromer@gmail.com:mailto:epfromer@gmail.com/);
		assert.match(ics, /ATTENDEE;CN=pstextractortest@outlook.com;ROLE=REQ-PARTICIPANT:mailto:pstextractortest@outlook.com/);
		assert.ok(parsed.html !== undefined || parsed.text !== undefined, 'the invitation text is still there');
		const accepted = withExport.find((m) => m.raw.includes('Subject: Accepted: meeting from Ed'));
		assert.ok(accepted);
		assert.match(accepted.raw.toString('utf8').replace(/\r\n /g, ''), /METHOD:REPLY[\s\S]*ATTENDEE;CN=Pst Extractor;ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED:mailto:/);
	});
});

describe('contacts, lists and notes of the corpus', () => {
	test('the 72 contacts of an Aspose store become vCards with their names, companies, phones and addresses', async (t) => {
		const file = corpusFile(t, 'aspose__PersonalStorageFile1_contacts.pst');
		if (!file) return;
		const cards = exportsOf(await readAll(file, true), 'contact');
		assert.equal(cards.all.length, 72);
		const tolle = cards.get('Margaret J. Tolle');
		assert.ok(tolle, [...cards.keys()].join(', '));
		for (const line of ['N:Tolle;Margaret;J.;;', 'ORG:Adaptaz', 'TITLE:Recording engineer', 'EMAIL;PREF=1:MargaretJTolle@dayrep.com', 'TEL;TYPE="work,voice":(08)9080-1183']) assert.ok(tolle.includes(line), `${line}\n${tolle.join('\n')}`);
		assert.ok(tolle.some((l) => l.startsWith('ADR;TYPE=work;LABEL=4 Darwinia Loop EIGHTY MILE BEACH WA 6725')));
		for (const card of cards.all) assert.equal(card.filter((l) => l.startsWith('FN:')).length, 1);
		assert.equal(new Set(cards.all.map((c) => c.find((l) => l.startsWith('UID:')))).size, 72, 'each contact has its own UID');
	});

	test('a Japanese contact keeps its CP932/Unicode fields', async (t) => {
		const file = corpusFile(t, 'hiraoka__contacts.pst');
		if (!file) return;
		const [card] = exportsOf(await readAll(file, true), 'contact').values();
		assert.ok(card);
		assert.ok(card.includes('N:イグザンプル;コム;ドット;Mr.;殿'), card.join('\n'));
		assert.ok(card.some((l) => l.startsWith('ADR;TYPE=work;LABEL=') && l.endsWith(';PREF=1:;;Somewhere;Osaka;Osaka;544-0001;日本')), card.join('\n'));
		assert.ok(card.includes('BDAY:20000101'));
	});

	test('a distribution list becomes a group card of its members, and a recurring appointment keeps its changed and deleted occurrences', async (t) => {
		const file = corpusFile(t, 'javalibpst__dist-list.pst');
		if (!file) return;
		const messages = await readAll(file, true);
		const list = exportsOf(messages, 'distribution list').get('test dist list');
		assert.ok(list?.includes('KIND:group'));
		assert.deepEqual(list?.filter((l) => l.startsWith('MEMBER:')), ['MEMBER:mailto:contact1@rjohnson.id.au', 'MEMBER:mailto:dist1@rjohnson.id.au', 'MEMBER:mailto:dist2@rjohnson.id.au']);
		const event = exportsOf(messages, 'calendar item').get('Test appointment');
		assert.ok(event);
		assert.ok(event.includes('RRULE:FREQ=WEEKLY;BYDAY=TU;WKST=SU'), event.join('\n'));
		assert.ok(event.some((l) => /^EXDATE;TZID=.*:20160809T080000$/.test(l)));
		assert.deepEqual(event.filter((l) => l.startsWith('RECURRENCE-ID')).map((l) => l.slice(-15)), ['20160823T080000', '20160830T080000']);
	});

	test('sticky notes become iCalendar journal entries with their text', async (t) => {
		const file = corpusFile(t, 'aspose__MapiNoteToPST_out.pst');
		if (!file) return;
		const notes = exportsOf(await readAll(file, true), 'note');
		assert.equal(notes.all.length, 3);
		for (const lines of notes.all) {
			assert.ok(lines.includes('BEGIN:VJOURNAL'));
			assert.ok(lines.some((l) => l.startsWith('DESCRIPTION:') || l.startsWith('SUMMARY:')));
		}
	});
});
