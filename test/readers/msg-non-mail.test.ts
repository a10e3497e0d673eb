/**
 * Outlook .msg contacts, appointments, tasks and notes in backups (issue #16): read with `exportNonMail`, each
 * carries the vCard/iCalendar file the PST code makes for the same item (msg-item-export.ts), and `backup`
 * writes it under `non-mail/`. Generated .msg files (test/helpers/make-msg.ts) always; the real corpus files
 * (../shared/corpus/msg, never copied into the project) when present.
 */
import assert from 'node:assert/strict';
import {existsSync} from 'node:fs';
import {copyFile, mkdir, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, test} from 'node:test';
import {fileURLToPath} from 'node:url';

import {runBackup} from '../../src/backup/backup-engine.js';
import {StoreBackupSource} from '../../src/backup/backup-source.js';
import {readManifest} from '../../src/backup/manifest.js';
import {EngineControls} from '../../src/contracts/controls.js';
import type {SourceMessage} from '../../src/contracts/types.js';
import {EmlFolderStore} from '../../src/readers/eml/eml-folder-store.js';
import type {ReaderProblem} from '../../src/contracts/source-store.js';
import {makeMsg} from '../helpers/make-msg.js';
import type {MsgValue} from '../helpers/make-msg.js';

const CORPUS = fileURLToPath(new URL('../../../shared/corpus/msg', import.meta.url));
const corpusSkip = existsSync(join(CORPUS, 'msgreader__contactAnsi.msg')) ? undefined : `the .msg corpus is not in ${CORPUS}`;
if (corpusSkip !== undefined) console.log(`# skipping the corpus .msg exports: ${corpusSkip}`);

const ADDRESS = '00062004-0000-0000-C000-000000000046';
const APPOINTMENT = '00062002-0000-0000-C000-000000000046';
const TASK = '00062003-0000-0000-C000-000000000046';

const dirs: string[] = [];
after(async () => {
	for (const dir of dirs) await rm(dir, {recursive: true, force: true});
});

async function tempDir(): Promise<string> {
	const dir = await mkdtemp(join(tmpdir(), 'mailshift-msg-nonmail-'));
	dirs.push(dir);
	return dir;
}

const text = (value: string): MsgValue => ({type: 'unicode', value});

function contactMsg(): Buffer {
	return makeMsg(new Map<number, MsgValue>([
		[0x001a, text('IPM.Contact')], [0x3001, text('Ada Lovelace')], [0x3a06, text('Ada')], [0x3a11, text('Lovelace')],
		[0x3a16, text('Analytical Engines Ltd')], [0x3a1c, text('+44 20 7946 0000')],
	]), [
		{set: ADDRESS, lid: 0x8083, type: 'unicode', value: 'ada@example.org'},
		{set: ADDRESS, lid: 0x8082, type: 'unicode', value: 'SMTP'},
		{name: 'Keywords', type: 'multi-unicode', value: ['Family', 'Math']},
	]);
}

function appointmentMsg(): Buffer {
	return makeMsg(new Map<number, MsgValue>([[0x001a, text('IPM.Appointment')], [0x0037, text('Dentist')], [0x1000, text('Bring the card.')]]), [
		{set: APPOINTMENT, lid: 0x820d, type: 'time', value: new Date('2024-03-05T09:30:00Z')},
		{set: APPOINTMENT, lid: 0x820e, type: 'time', value: new Date('2024-03-05T10:00:00Z')},
		{set: APPOINTMENT, lid: 0x8208, type: 'unicode', value: 'High Street 5'},
	]);
}

function taskMsg(): Buffer {
	return makeMsg(new Map<number, MsgValue>([[0x001a, text('IPM.Task')], [0x0037, text('File the taxes')]]), [
		{set: TASK, lid: 0x8105, type: 'time', value: new Date('2024-04-30T00:00:00Z')},
		{set: TASK, lid: 0x8101, type: 'long', value: 1},
	]);
}

async function read(root: string, exportNonMail: boolean): Promise<{messages: SourceMessage[]; problems: ReaderProblem[]}> {
	const problems: ReaderProblem[] = [];
	const store = await EmlFolderStore.open(root, {exportNonMail, onProblem: (p) => problems.push(p)});
	const messages: SourceMessage[] = [];
	for (const folder of await store.listFolders()) for await (const message of store.messages(folder)) messages.push(message);
	await store.close();
	return {messages, problems};
}

test('a .msg contact read for a backup carries a vCard with its name, e-mail address (a named property), phone, company and categories', async () => {
	const root = await tempDir();
	await writeFile(join(root, 'ada.msg'), contactMsg());
	const {messages, problems} = await read(root, true);
	assert.deepEqual(problems, []);
	const [message] = messages;
	assert.equal(message?.skipHint, 'not-mail');
	assert.equal(message?.itemKind, 'contact');
	assert.equal(message?.nonMailExport?.extension, 'vcf');
	assert.equal(message?.nonMailExport?.title, 'Ada Lovelace');
	const card = message!.nonMailExport!.content.toString('utf8');
	assert.match(card, /^BEGIN:VCARD\r\nVERSION:4\.0\r\n/);
	assert.match(card, /\r\nFN:Ada Lovelace\r\n/);
	assert.match(card, /\r\nN:Lovelace;Ada;;;\r\n/);
	assert.match(card, /\r\nEMAIL;PREF=1:ada@example\.org\r\n/);
	assert.match(card, /\r\nTEL;TYPE=cell:\+44 20 7946 0000\r\n/);
	assert.match(card, /\r\nORG:Analytical Engines Ltd\r\n/);
	assert.match(card, /\r\nCATEGORIES:Family,Math\r\n/);
});

test('.msg appointments and tasks read for a backup carry iCalendar events and to-dos with their named-property times', async () => {
	const root = await tempDir();
	await writeFile(join(root, 'dentist.msg'), appointmentMsg());
	await writeFile(join(root, 'taxes.msg'), taskMsg());
	const {messages, problems} = await read(root, true);
	assert.deepEqual(problems, []);
	const byKey = new Map(messages.map((m) => [m.ref.key, m]));
	const event = byKey.get('dentist.msg')?.nonMailExport;
	assert.equal(event?.extension, 'ics');
	assert.equal(event?.title, 'Dentist');
	const ics = event!.content.toString('utf8');
	assert.match(ics, /\r\nBEGIN:VEVENT\r\n/);
	assert.match(ics, /\r\nDTSTART:20240305T093000Z\r\n/);
	assert.match(ics, /\r\nDTEND:20240305T100000Z\r\n/);
	assert.match(ics, /\r\nLOCATION:High Street 5\r\n/);
	assert.match(ics, /\r\nDESCRIPTION:Bring the card\.\r\n/);
	const todo = byKey.get('taxes.msg')?.nonMailExport?.content.toString('utf8') ?? '';
	assert.match(todo, /\r\nBEGIN:VTODO\r\n/);
	assert.match(todo, /\r\nSUMMARY:File the taxes\r\n/);
	assert.match(todo, /\r\nDUE[;:][^\r]*20240430/);
});

test('a migration reads .msg contacts without building their files', async () => {
	const root = await tempDir();
	await writeFile(join(root, 'ada.msg'), contactMsg());
	const {messages} = await read(root, false);
	assert.equal(messages[0]?.skipHint, 'not-mail');
	assert.equal(messages[0]?.nonMailExport, undefined);
});

test('backup writes a folder\'s .msg contact as a .vcf under non-mail/, listed in the manifest next to the folder\'s mail', async () => {
	const root = await tempDir();
	await mkdir(join(root, 'Contacts'));
	await writeFile(join(root, 'Contacts', 'ada.msg'), contactMsg());
	await writeFile(join(root, 'Contacts', 'note.eml'), 'From: a@example.org\r\nTo: b@example.org\r\nSubject: hi\r\nDate: Tue, 5 Mar 2024 09:00:00 +0000\r\nMessage-ID: <hi@example.org>\r\n\r\nhello\r\n');
	const out = join(await tempDir(), 'backup');
	const source = await StoreBackupSource.open(root, 'eml', {includeTrashed: false});
	let summary;
	try {
		summary = await runBackup(source, {out, format: 'maildir', force: false, includeTrashed: false, toolVersion: 'test'}, new EngineControls());
	} finally {
		await source.close();
	}
	assert.equal(summary.exported, 1);
	const manifest = await readManifest(out);
	const [file] = manifest.files.filter((f) => f.role === 'non-mail-export');
	assert.ok(file !== undefined, 'the contact is listed as an export');
	assert.match(file.path, /^non-mail\/Contacts\/.*\.vcf$/);
	assert.match(await readFile(join(out, file.path), 'utf8'), /\r\nEMAIL;PREF=1:ada@example\.org\r\n/);
	assert.equal(manifest.messages.length, 1, 'the .eml is backed up as mail');
});

test('the corpus contact, appointment and note .msg files give the vCard/iCalendar values Outlook stored', {skip: corpusSkip}, async () => {
	const root = await tempDir();
	for (const name of ['msgreader__contactAnsi.msg', 'msgreader__A_schedule.msg', 'rubymsg__note.msg']) await copyFile(join(CORPUS, name), join(root, name));
	const {messages, problems} = await read(root, true);
	assert.deepEqual(problems.filter((p) => p.kind === 'failed'), []);
	const byKey = new Map(messages.map((m) => [m.ref.key, m.nonMailExport?.content.toString('utf8') ?? '']));
	// Values as msgreader's own test data and Outlook show them (ANSI contact, code page 932).
	const contact = byKey.get('msgreader__contactAnsi.msg') ?? '';
	assert.match(contact, /\r\nEMAIL;PREF=1:test@example\.com\r\n/);
	assert.match(contact, /\r\nN:イグザンプル;コム;ドット;Mr\.;殿\r\n/);
	assert.match(contact, /\r\nTITLE:My position\r\n/);
	const event = byKey.get('msgreader__A_schedule.msg') ?? '';
	assert.match(event, /\r\nSUMMARY:A schedule\r\n/);
	assert.match(event, /\r\nDTSTART:20211013T093000Z\r\n/);
	assert.match(event, /\r\nLOCATION:A place\r\n/);
	assert.match(byKey.get('rubymsg__note.msg') ?? '', /\r\nBEGIN:VJOURNAL\r\n[\s\S]*SUMMARY:note sample\r\n/);
});
