/**
 * AppleMailStore, the emlx format and partial messages: generated Apple Mail trees plus the real files in
 * ../shared/corpus/emlx (skipped, with the reason printed, when absent). Python's plistlib is the oracle for
 * the plist trailer when python3 exists.
 */
import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {createHash} from 'node:crypto';
import {existsSync} from 'node:fs';
import {mkdir, mkdtemp, readFile, readdir, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {basename, dirname, join, resolve} from 'node:path';
import {after, describe, test} from 'node:test';
import {fileURLToPath} from 'node:url';

import {MailshiftError} from '../../src/contracts/errors.js';
import type {SourceMessage} from '../../src/contracts/types.js';
import {AppleMailStore} from '../../src/readers/apple-mail/apple-mail-store.js';
import {emlxFlags, parseEmlx} from '../../src/readers/apple-mail/emlx-file.js';
import {restoreAttachments} from '../../src/readers/apple-mail/partial-attachments.js';
import {detectSourceKind, openSource} from '../../src/readers/open-source.js';
import type {ReaderProblem, SourceStore} from '../../src/contracts/source-store.js';
import {emlx, mailText} from '../helpers/make-apple-mail.js';

const corpus = resolve(fileURLToPath(new URL('../../', import.meta.url)), '../shared/corpus/emlx');
const roots: string[] = [];
after(async () => {
	for (const root of roots) await rm(root, {recursive: true, force: true});
});

async function makeTree(files: Readonly<Record<string, string | Buffer>>): Promise<string> {
	const root = await mkdtemp(join(tmpdir(), 'mailshift-apple-'));
	roots.push(root);
	for (const [path, content] of Object.entries(files)) {
		await mkdir(dirname(join(root, path)), {recursive: true});
		await writeFile(join(root, path), content);
	}
	return root;
}

async function readAll(store: SourceStore): Promise<Map<string, SourceMessage[]>> {
	const result = new Map<string, SourceMessage[]>();
	for (const folder of await store.listFolders()) {
		const messages: SourceMessage[] = [];
		for await (const message of store.messages(folder)) messages.push(message);
		result.set(folder.path.join('/'), messages);
	}
	return result;
}

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

/**
 * The decoded body of the MIME leaf whose headers hold the `occurrence`-th `needle` (test oracle: base64,
 * quoted-printable, or as is).
 */
function decodedPart(raw: Buffer, needle: string, occurrence = 0): Buffer | undefined {
	const text = raw.toString('latin1');
	let at = text.indexOf(needle);
	for (let n = 0; n < occurrence && at >= 0; n += 1) at = text.indexOf(needle, at + 1);
	if (at < 0) return undefined;
	const headerStart = text.lastIndexOf('\n--', at);
	const blank = /\r?\n\r?\n/g;
	blank.lastIndex = at;
	const match = blank.exec(text);
	if (match === null) return undefined;
	const bodyStart = match.index + match[0].length;
	const next = text.indexOf('\n--', bodyStart);
	const body = text.slice(bodyStart, next < 0 ? undefined : next).replace(/\r$/, '');
	const encoding = /content-transfer-encoding:\s*(\S+)/i.exec(text.slice(headerStart, bodyStart))?.[1]?.toLowerCase();
	if (encoding === 'base64') return Buffer.from(body, 'base64');
	if (encoding === 'quoted-printable') {
		return Buffer.from(body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_m, hex: string) => String.fromCharCode(Number.parseInt(hex, 16))), 'latin1');
	}
	return Buffer.from(body, 'latin1');
}

describe('emlx files', () => {
	test('the message ends where the plist trailer begins even when the byte count is larger, and flags map to IMAP flags', () => {
		const message = mailText('big-count');
		const parsed = parseEmlx(emlx(message, {count: message.length + 500, flags: (1 << 0) | (1 << 2) | (1 << 4) | (1 << 8), dateReceived: 1_300_000_000}));
		assert.ok(parsed);
		assert.equal(parsed.message.toString(), message);
		assert.equal(parsed.warning, undefined);
		assert.equal(parsed.plist?.get('date-received'), 1_300_000_000);
		assert.equal(parsed.plist?.get('remote-id'), 'a & b');
		assert.equal(parsed.plist?.get('flags'), 0x115, 'a nested dict\'s keys do not override the top-level ones');
		assert.deepEqual([...emlxFlags(0x115)].sort(), ['$Forwarded', '\\Answered', '\\Flagged', '\\Seen']);
		assert.deepEqual([...emlxFlags((1 << 1) | (1 << 6) | 2 ** 24 + 2 ** 33)].sort(), ['$Junk', '\\Deleted', '\\Draft'], 'bits above 2^32 do not disturb the low bits');
	});

	test('a file cut before its trailer, a zeroed file and a count that stops short each give a clear answer, never a crash', () => {
		const message = mailText('cut');
		const cut = parseEmlx(emlx(message, {count: message.length + 200, hasTrailer: false}));
		assert.equal(cut?.message.toString(), message);
		assert.match(cut?.warning ?? '', /truncated/);
		assert.equal(parseEmlx(Buffer.alloc(2000)), undefined);
		assert.equal(parseEmlx(Buffer.from(mailText('no count line'))), undefined);
		const short = parseEmlx(emlx(message, {count: 10, flags: 1}));
		assert.equal(short?.message.toString(), message, 'every byte before the trailer is kept');
		assert.match(short?.warning ?? '', /byte count/);
	});

	test('the plist trailers of the real .emlx files give the same flags and date-received as Python\'s plistlib', async (t) => {
		if (!existsSync(corpus)) {
			t.skip(`corpus absent: ${corpus}`);
			return;
		}
		if (spawnSync('python3', ['-c', 'import plistlib'], {stdio: 'ignore'}).status !== 0) {
			t.skip('python3 with plistlib not found');
			return;
		}
		const files: string[] = [];
		const walk = async (dir: string): Promise<void> => {
			for (const entry of await readdir(dir, {withFileTypes: true})) {
				if (entry.isDirectory()) await walk(join(dir, entry.name));
				else if (entry.name.endsWith('.emlx')) files.push(join(dir, entry.name));
			}
		};
		await walk(corpus);
		assert.ok(files.length >= 8);
		const script = 'import plistlib,sys,json\nout=[]\nfor p in sys.argv[1:]:\n d=open(p,"rb").read(); x=d.rfind(b"<?xml"); pl=plistlib.loads(d[x:]); out.append([pl.get("flags"), pl.get("date-received")])\nprint(json.dumps(out))';
		const oracle = JSON.parse(spawnSync('python3', ['-c', script, ...files], {encoding: 'utf8'}).stdout) as Array<[number, number]>;
		const ours = await Promise.all(files.map(async (file) => {
			const parsed = parseEmlx(await readFile(file));
			return [parsed?.plist?.get('flags'), parsed?.plist?.get('date-received')];
		}));
		assert.deepEqual(ours, oracle);
	});
});

describe('AppleMailStore', () => {
	test('a V10 tree gives one folder per Name.mbox and nested mailboxes as children; account directories and "Mailboxes" (On My Mac) are not folder names', async () => {
		const root = await makeTree({
			'V10/ACCT-1/INBOX.mbox/0A1B-UUID/Data/1/Messages/11.emlx': emlx(mailText('inbox-1'), {flags: 1, dateReceived: 1_234_567_890}),
			'V10/ACCT-1/INBOX.mbox/0A1B-UUID/Data/Messages/10.emlx': emlx(mailText('inbox-0'), {flags: 0, dateReceived: 1_234_567_000}),
			'V10/ACCT-1/INBOX.mbox/Work.mbox/Messages/12.emlx': emlx(mailText('work'), {flags: 1 << 4}),
			'V10/ACCT-1/Archive.mbox/Info.plist': '<plist/>',
			'V10/ACCT-2/INBOX.mbox/Messages/11.emlx': emlx(mailText('second-account'), {flags: 1}),
			'V10/Mailboxes/Local.mbox/Messages/13.emlx': emlx(mailText('local'), {flags: 1 << 6}),
			'V10/MailData/Envelope Index': 'sqlite',
		});
		const location = join(root, 'V10');
		assert.equal(await detectSourceKind(location), 'apple-mail');
		const store = await openSource(location, undefined);
		assert.equal(store.kind, 'apple-mail');
		const folders = await store.listFolders();
		assert.deepEqual(folders.map((f) => [f.path.join('/'), f.count]), [['Archive', 0], ['INBOX', 3], ['INBOX/Work', 1], ['Local', 1]]);
		const all = await readAll(store);
		const inbox = all.get('INBOX') ?? [];
		assert.deepEqual(inbox.map((m) => m.ref.key), ['ACCT-1/INBOX.mbox/0A1B-UUID/Data/1/Messages/11.emlx', 'ACCT-1/INBOX.mbox/0A1B-UUID/Data/Messages/10.emlx', 'ACCT-2/INBOX.mbox/Messages/11.emlx'], 'two accounts\' INBOXes are one folder, every message kept under its own key');
		assert.equal(inbox[0]?.raw.toString(), mailText('inbox-1'));
		assert.deepEqual([...(inbox[0]?.flags ?? [])], ['\\Seen']);
		assert.deepEqual(inbox[0]?.storeDate, {date: new Date(1_234_567_890_000), source: 'apple-date-received'});
		assert.deepEqual([...(all.get('INBOX/Work')?.[0]?.flags ?? [])], ['\\Flagged']);
		assert.deepEqual([...(all.get('Local')?.[0]?.flags ?? [])], ['\\Draft']);
	});

	test('two opens of an unchanged tree yield the same keys, and an aborted signal stops reading with ABORTED', async () => {
		const root = await makeTree({'Box.mbox/Messages/1.emlx': emlx(mailText('k1'), {flags: 1}), 'Box.mbox/Messages/2.emlx': emlx(mailText('k2'), {flags: 1})});
		const keys = async (): Promise<string[]> => [...(await readAll(await AppleMailStore.open(root))).values()].flat().map((m) => m.ref.key);
		assert.deepEqual(await keys(), await keys());
		const store = await AppleMailStore.open(root);
		const [folder] = await store.listFolders();
		assert.ok(folder);
		const controller = new AbortController();
		let seen = 0;
		await assert.rejects(async () => {
			for await (const _message of store.messages(folder, controller.signal)) {
				seen += 1;
				controller.abort();
			}
		}, (error: unknown) => error instanceof MailshiftError && error.code === 'ABORTED');
		assert.equal(seen, 1);
	});

	test('damaged .emlx files fail alone with a named problem (zeroed) or migrate with a warning (cut, wrong count); the rest of the mailbox is read', async () => {
		const message = mailText('cut');
		const root = await makeTree({
			'Box.mbox/Messages/1.emlx': emlx(mailText('good-1'), {flags: 1}),
			'Box.mbox/Messages/2.emlx': Buffer.alloc(4096),
			'Box.mbox/Messages/3.emlx': emlx(message, {count: message.length + 999, hasTrailer: false}),
			'Box.mbox/Messages/4.emlx': Buffer.alloc(0),
			'Box.mbox/Messages/5.emlx': emlx(mailText('good-5'), {count: 3, flags: 1}),
			'Box.mbox/Messages/6.emlx': emlx(mailText('good-6'), {flags: 1}),
		});
		const problems: ReaderProblem[] = [];
		const all = await readAll(await AppleMailStore.open(join(root, 'Box.mbox'), {onProblem: (p) => problems.push(p)}));
		assert.deepEqual([...all.keys()], ['Box']);
		assert.deepEqual(all.get('Box')?.map((m) => basename(m.ref.key)), ['1.emlx', '3.emlx', '5.emlx', '6.emlx']);
		assert.deepEqual(problems.map((p) => [basename(p.location), p.code, p.kind]), [
			['2.emlx', 'MESSAGE_UNPARSEABLE', 'failed'], ['3.emlx', 'MESSAGE_TRUNCATED', 'warning'], ['4.emlx', 'MESSAGE_EMPTY', 'failed'], ['5.emlx', 'MESSAGE_UNPARSEABLE', 'warning'],
		]);
	});

	test('a .partial.emlx gets its attachments back from Attachments/<id>/<part>/ encoded as each part says; a missing one is reported and the rest uploaded', async () => {
		const binary = Buffer.from(Array.from({length: 300}, (_, i) => (i * 37) % 256));
		const text = Buffer.from('Grüße, line one\nline two with a very long tail that goes on and on and on past seventy-six characters for sure\n');
		const boundary = 'Apple-Mail=_B1';
		const partial = [
			'Message-ID: <partial@apple.test>', 'Subject: partial', 'MIME-Version: 1.0', `Content-Type: multipart/mixed; boundary="${boundary}"`, '',
			`--${boundary}`, 'Content-Type: text/plain', '', 'See attached.', '',
			`--${boundary}`, 'Content-Type: application/octet-stream; name=data.bin', 'Content-Disposition: attachment; filename=data.bin', 'Content-Transfer-Encoding: base64', 'X-Apple-Content-Length: 404', '', '',
			`--${boundary}`, 'Content-Type: text/plain; charset=utf-8', 'Content-Disposition: attachment; filename=notes.txt', 'Content-Transfer-Encoding: quoted-printable', 'X-Apple-Content-Length: 120', '', '',
			`--${boundary}`, 'Content-Type: image/png', 'Content-Disposition: attachment; filename=gone.png', 'Content-Transfer-Encoding: base64', 'X-Apple-Content-Length: 50', '', '',
			`--${boundary}--`, '',
		].join('\n');
		const root = await makeTree({
			'Box.mbox/Messages/77.partial.emlx': emlx(partial, {flags: 1}),
			'Box.mbox/Attachments/77/2/data.bin': binary,
			'Box.mbox/Attachments/77/3/notes.txt': text,
		});
		const problems: ReaderProblem[] = [];
		const all = await readAll(await AppleMailStore.open(root, {onProblem: (p) => problems.push(p)}));
		const [message] = all.get('Box') ?? [];
		assert.ok(message);
		assert.equal(message.ref.key, 'Box.mbox/Messages/77.emlx', 'the key does not change when Mail later downloads the message in full');
		assert.deepEqual(decodedPart(message.raw, 'filename=data.bin'), binary);
		assert.deepEqual(decodedPart(message.raw, 'filename=notes.txt'), text);
		assert.ok(message.raw.toString('latin1').split('\n').every((line) => line.length <= 76), 'encoded lines stay within RFC 2045 limits');
		assert.deepEqual(problems.map((p) => [p.code, p.kind]), [['ATTACHMENT_MISSING', 'warning']]);
		assert.match(problems[0]?.reason ?? '', /4 \(gone\.png\)/);
	});

	test('the real partial messages are made whole: every stored attachment decodes to the bytes of its file', async (t) => {
		const messages = join(corpus, 'qqilihq__input/Messages');
		if (!existsSync(messages)) {
			t.skip(`corpus absent: ${messages}`);
			return;
		}
		for (const id of ['114892', '136153', '229417']) {
			const parsed = parseEmlx(await readFile(join(messages, `${id}.partial.emlx`)));
			assert.ok(parsed);
			const attachments = join(corpus, 'qqilihq__input/Attachments', id);
			const result = await restoreAttachments(parsed.message, attachments);
			assert.deepEqual(result.missing, [], id);
			const parts = (await readdir(attachments)).sort();
			assert.deepEqual(result.restored, parts);
			for (const [index, part] of parts.entries()) {
				const [name] = await readdir(join(attachments, part));
				assert.ok(name);
				const decoded = decodedPart(result.raw, 'X-Apple-Content-Length', index);
				assert.equal(decoded && sha256(decoded), sha256(await readFile(join(attachments, part, name))), `${id} part ${part} (${name})`);
			}
		}
	});
});

describe('Apple Mail exported mailboxes', () => {
	test('an exported Name.mbox bundle is an mbox folder named Name, not Name.mbox/mbox, and its table_of_contents is not mail', async () => {
		const mbox = `From a@b Tue Mar  3 10:00:00 2009\n${mailText('exported')}`;
		const root = await makeTree({'Export/Work.mbox/mbox': mbox, 'Export/Work.mbox/table_of_contents': Buffer.from([0, 1, 2, 3]), 'Export/Home.mbox/mbox': mbox});
		for (const [path, expected] of [[join(root, 'Export'), ['Home', 'Work']], [join(root, 'Export/Work.mbox'), ['Work']]] as const) {
			assert.equal(await detectSourceKind(path), 'mbox');
			const problems: ReaderProblem[] = [];
			const store = await openSource(path, undefined, {onProblem: (p) => problems.push(p)});
			assert.deepEqual((await store.listFolders()).map((f) => f.path.join('/')), expected);
			assert.deepEqual(problems, []);
		}
	});
});
