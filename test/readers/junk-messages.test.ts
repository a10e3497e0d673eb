/**
 * Junk is not mail (issue #16): a binary file named .eml, a 2-byte "message", a zero-filled mbox or Maildir
 * file used to reach the server with only a date warning. Every reader now reports such input as a failed
 * MESSAGE_UNPARSEABLE naming the file (so the run exits 5, "not sent") and does not yield it — while real but
 * odd messages (header only, no body, an mbox envelope line in an .eml, a BOM) still go through.
 */
import assert from 'node:assert/strict';
import {promises as fs} from 'node:fs';
import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, describe, test} from 'node:test';

import type {SourceMessage} from '../../src/contracts/types.js';
import {notAMessage} from '../../src/readers/message-shape.js';
import {openSource} from '../../src/readers/open-source.js';
import {Pop3Store} from '../../src/readers/pop3/pop3-store.js';
import type {ReaderProblem, SourceStore} from '../../src/contracts/source-store.js';
import {emlx, mailText} from '../helpers/make-apple-mail.js';
import {foldersDbx, messageDbx} from '../helpers/make-dbx.js';
import {maildirDirs, makeTree, sampleMessage} from '../helpers/make-maildir.js';
import type {TempTree} from '../helpers/make-maildir.js';
import {fromLine} from '../helpers/make-mbox.js';
import {runCli} from '../helpers/run-cli.js';
import {scriptedPop3Server} from '../helpers/scripted-pop3-server.js';

const trees: TempTree[] = [];
const dirs: string[] = [];
after(async () => {
	for (const tree of trees) await tree.cleanup();
	for (const dir of dirs) await rm(dir, {recursive: true, force: true});
});

async function tree(spec: Parameters<typeof makeTree>[0]): Promise<TempTree> {
	const made = await makeTree(spec, 'mailshift-junk-');
	trees.push(made);
	return made;
}

async function readAll(store: SourceStore): Promise<SourceMessage[]> {
	const out: SourceMessage[] = [];
	try {
		for (const folder of await store.listFolders()) for await (const message of store.messages(folder)) out.push(message);
	} finally {
		await store.close();
	}
	return out;
}

async function read(path: string, kind?: Parameters<typeof openSource>[1]): Promise<{messages: SourceMessage[]; junk: ReaderProblem[]; problems: ReaderProblem[]}> {
	const problems: ReaderProblem[] = [];
	const messages = await readAll(await openSource(path, kind, {onProblem: (p) => problems.push(p)}));
	return {messages, problems, junk: problems.filter((p) => p.code === 'MESSAGE_UNPARSEABLE' && p.kind === 'failed')};
}

const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489', 'hex');
const PDF = Buffer.from('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n', 'latin1');

describe('notAMessage', () => {
	const accepted: ReadonlyArray<readonly [string, string | Buffer]> = [
		['a header-only message without a line end', 'Subject: only a header'],
		['a header-only message', 'From: a@example.org\r\nSubject: x\r\n'],
		['a message without a body', 'From: a@example.org\r\nSubject: x\r\n\r\n'],
		['an mbox envelope line before the header', 'From a@example.org Mon Jan  1 00:00:00 2001\nSubject: x\n\nbody\n'],
		['a UTF-8 byte order mark before the header', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('Subject: x\r\n\r\nbody')])],
		['white space before the colon (obsolete syntax, RFC 5322 §4.5)', 'Subject  : x\r\n\r\n'],
		['NULs and 8-bit bytes after the first field', Buffer.from('Subject: x\r\nX-Bin: \u0000\u00ff\r\n\r\n\u0000', 'latin1')],
		['a short but real header field', 'a:'],
		['a body without header fields (an mbox message written by a script: odd, kept)', '\nTest content 1\n'],
	];
	for (const [what, input] of accepted) {
		test(`accepts ${what}`, () => assert.equal(notAMessage(Buffer.from(input)), undefined));
	}
	const refused: ReadonlyArray<readonly [string, string | Buffer, RegExp]> = [
		['zero bytes only', Buffer.alloc(4096), /only zero bytes \(4096\)/],
		['a PNG image', PNG, /not an e-mail message: .* but with "\\x89PNG\\x0d\\x0a/],
		['a PDF document', PDF, /but with "%PDF-1\.4\\x0a%/],
		['a 2-byte "message" of text', 'ab', /but with "ab"/],
		['a 2-byte "message" of a line end', '\r\n', /no header fields and no text \(all of it is "\\x0d\\x0a"\)/],
		['binary bytes after an empty line', Buffer.concat([Buffer.from('\r\n'), PNG]), /no header fields and its body is binary \(it starts with an empty line, then "\\x89PNG/],
		['a folded line with no field before it', ' Subject: x\r\n', /does not start with a header field/],
		['a field name with a space inside', 'Not A Field: x\r\n', /does not start with a header field/],
		['an envelope line and nothing else', 'From a@example.org Mon Jan  1 00:00:00 2001', /single line/],
	];
	for (const [what, input, reason] of refused) {
		test(`refuses ${what}`, () => assert.match(notAMessage(Buffer.from(input)) ?? '', reason));
	}
	test('leaves an empty input to the readers\' MESSAGE_EMPTY', () => assert.equal(notAMessage(Buffer.alloc(0)), undefined));
});

describe('readers report junk by name and do not yield it', () => {
	test('an .eml folder: a PNG, a PDF, "ab", a line end and a zeroed file named .eml are failed and named; header-only and body-less messages are read', async () => {
		const t = await tree({
			'Inbox/1-png.eml': PNG, 'Inbox/2-pdf.eml': PDF, 'Inbox/3-ab.eml': 'ab', 'Inbox/4-crlf.eml': '\r\n', 'Inbox/5-zero.eml': Buffer.alloc(700),
			'Inbox/6-header-only.eml': 'From: a@example.org\r\nSubject: header only\r\n', 'Inbox/7-no-body.eml': `${sampleMessage('no body').split('\n\n')[0]}\n\n`,
		});
		const {messages, junk} = await read(t.root, 'eml');
		assert.deepEqual(messages.map((m) => m.ref.key), ['Inbox/6-header-only.eml', 'Inbox/7-no-body.eml']);
		assert.deepEqual(junk.map((p) => p.location).sort(), ['1-png', '2-pdf', '3-ab', '4-crlf', '5-zero'].map((n) => t.at(`Inbox/${n}.eml`)));
		for (const problem of junk) assert.match(problem.reason, /^The file is not a message: .*It was NOT migrated/);
	});

	test('a Thunderbird mbox zeroed by a crash (a .msf beside it) is a failed message naming the file, not an upload', async () => {
		const t = await tree({'Inbox': Buffer.alloc(5000), 'Inbox.msf': 'summary', 'Sent': `${fromLine()}\n${sampleMessage('sent')}\n`});
		const {messages, junk} = await read(t.root, 'mbox');
		assert.deepEqual(messages.map((m) => m.ref.folder), ['Sent']);
		assert.equal(junk.length, 1);
		assert.equal(junk[0]?.location, `${t.at('Inbox')}#0 (byte 0)`);
		assert.match(junk[0]?.reason ?? '', /only zero bytes \(5000\)/);
	});

	test('an mbox file with binary bytes before its first From_ line: they are failed and named, the real message is read', async () => {
		const t = await tree({'junk.mbox': Buffer.concat([PNG, Buffer.from(`\n${fromLine()}\n${sampleMessage('real')}\n`)])});
		const {messages, junk} = await read(t.at('junk.mbox'), 'mbox');
		assert.equal(messages.length, 1);
		assert.match(messages[0]!.raw.toString(), /Subject: real/);
		assert.deepEqual(junk.map((p) => p.location), [`${t.at('junk.mbox')}#0 (byte 0)`]);
		assert.match(junk[0]!.reason, /^The content before the first From_ line is not a message: .*\\x89PNG/);
	});

	test('a Maildir file that is binary junk is failed and named', async () => {
		const t = await tree({...maildirDirs(''), 'cur/1.host:2,S': sampleMessage('ok'), 'cur/2.host:2,S': PNG, 'new/3.host': Buffer.alloc(100)});
		const {messages, junk} = await read(t.root, 'maildir');
		assert.equal(messages.length, 1);
		assert.deepEqual(junk.map((p) => p.location).sort(), [t.at('cur/2.host:2,S'), t.at('new/3.host')]);
	});

	test('an Apple Mail .emlx whose message part is junk is failed and named', async () => {
		const t = await tree({
			'V10/ACCT/INBOX.mbox/Messages/1.emlx': emlx(mailText('ok')),
			'V10/ACCT/INBOX.mbox/Messages/2.emlx': emlx(PDF),
		});
		const {messages, junk} = await read(t.at('V10'), 'apple-mail');
		assert.equal(messages.length, 1);
		assert.deepEqual(junk.map((p) => p.location), [t.at('V10/ACCT/INBOX.mbox/Messages/2.emlx')]);
		assert.match(junk[0]!.reason, /^The \.emlx file holds no message: .*%PDF/);
	});

	test('an Outlook Express .dbx message whose data is zeroed is failed and named', async () => {
		const dir = await mkdtemp(join(tmpdir(), 'mailshift-junk-dbx-'));
		dirs.push(dir);
		await fs.writeFile(join(dir, 'Folders.dbx'), foldersDbx([{id: 1, parent: 0, name: 'Local Folders', localStore: true}, {id: 4, parent: 1, name: 'Inbox', fileName: 'Inbox.dbx', special: 1}]));
		await fs.writeFile(join(dir, 'Inbox.dbx'), messageDbx([
			{raw: Buffer.from(sampleMessage('ok')), index: 1, flags: 0, subject: 'ok'},
			{raw: Buffer.alloc(600), index: 2, flags: 0, subject: 'zeroed'},
		]));
		const {messages, junk} = await read(dir, 'dbx');
		assert.equal(messages.length, 1);
		assert.equal(junk.length, 1);
		assert.match(junk[0]!.location, /Inbox\.dbx#2/);
		assert.match(junk[0]!.reason, /^Message "zeroed" holds no message: it holds only zero bytes/);
	});

	test('a POP3 maildrop message that is junk is failed, named by its UIDL, and stays on the server', async () => {
		const server = await scriptedPop3Server(['Subject: ok\r\n\r\nx\r\n', 'ab\r\n']);
		try {
			const problems: ReaderProblem[] = [];
			const store = await Pop3Store.open(`pop3://me@127.0.0.1:${server.port}`, {password: 'pw', onProblem: (p) => problems.push(p)});
			const read = await readAll(store);
			assert.deepEqual(read.map((m) => m.ref.key), ['uid-1']);
			assert.equal(problems.length, 1);
			assert.equal(problems[0]?.code, 'MESSAGE_UNPARSEABLE');
			assert.equal(problems[0]?.kind, 'failed');
			assert.match(problems[0]?.location ?? '', /#2 \(UIDL uid-2\)$/);
			assert.match(problems[0]?.reason ?? '', /stays on the POP server/);
		} finally {
			await server.close();
		}
	});
});

test('mailshift backup of an .eml folder holding junk saves the real message and exits 5, naming the junk file', async () => {
	const t = await tree({'Inbox/good.eml': sampleMessage('good'), 'Inbox/picture.eml': PNG});
	const out = join(t.root, '..', `${t.root.split('/').pop()}-backup`);
	dirs.push(out);
	const result = await runCli(['backup', t.root, '--out', out]);
	assert.equal(result.code, 5, `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`);
	assert.match(result.stdout + result.stderr, /picture\.eml/);
	const manifest = JSON.parse(await fs.readFile(join(out, 'manifest.json'), 'utf8')) as {messages: unknown[]};
	assert.equal(manifest.messages.length, 1);
});
