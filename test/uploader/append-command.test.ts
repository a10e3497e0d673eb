/**
 * The APPEND command mailshift writes itself (src/uploader/append-command.ts, multi-append.ts): the exact bytes
 * for each literal mode, message bodies passed through uncopied, and — against the private Dovecot, through a
 * proxy that records what the client sent — the whole command leaving at once with LITERAL+, whatever the
 * message sizes (imapflow alone waited for a `+` before every message over 4 KiB).
 */
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {appendSegments, astring, literalMode} from '../../src/uploader/append-command.js';
import {ImapSink} from '../../src/uploader/imap-sink.js';
import {recordingProxy} from '../helpers/recording-proxy.js';
import {dovecotSkipReason, startDovecot} from '../helpers/dovecot.js';
import {readAccount} from '../helpers/imap-readback.js';
import type {UploadJob} from '../../src/contracts/types.js';

const date = new Date('2020-03-02T08:00:00Z');
const item = (text: string, extra: Partial<{flags: string[]; literal8: boolean}> = {}) => ({content: Buffer.from(text), flags: extra.flags ?? [], internalDate: date, literal8: extra.literal8 ?? false});
const joined = (segments: Buffer[][]): string[] => segments.map((s) => Buffer.concat(s).toString('latin1'));

test('with LITERAL+ every literal is non-synchronizing, whatever its size, and the command is one segment', () => {
	const big = 'x'.repeat(10_000);
	const segments = appendSegments('A1', 'INBOX', [item('Subject: a\r\n\r\nhi\r\n', {flags: ['\\seen', '$Forwarded']}), item(big)], 'plus');
	assert.deepEqual(joined(segments), [
		`A1 APPEND INBOX (\\Seen $Forwarded) " 2-Mar-2020 08:00:00 +0000" {18+}\r\nSubject: a\r\n\r\nhi\r\n (" 2-Mar-2020 08:00:00 +0000" {10000+}\r\n${big}\r\n`.replace('(" 2', '() " 2'),
	]);
});

test('with LITERAL- only literals of at most 4,096 octets are non-synchronizing; a larger one waits for the continuation', () => {
	const small = 'y'.repeat(4096);
	const large = 'z'.repeat(4097);
	const segments = appendSegments('A2', 'Box', [item(small), item(large), item('tail')], 'minus');
	const d = '" 2-Mar-2020 08:00:00 +0000"';
	assert.deepEqual(joined(segments), [
		`A2 APPEND Box () ${d} {4096+}\r\n${small} () ${d} {4097}\r\n`,
		`${large} () ${d} {4+}\r\ntail\r\n`,
	]);
});

test('without LITERAL+ or LITERAL- every literal is synchronizing', () => {
	const segments = appendSegments('A3', 'Box', [item('one'), item('two')], 'sync');
	assert.equal(segments.length, 3);
	assert.match(joined(segments)[0]!, /\{3\}\r\n$/);
	assert.equal(joined(segments)[2], 'two\r\n');
});

test('message bodies go into the segments as they are, never copied', () => {
	const body = Buffer.from('Subject: same buffer\r\n\r\nbody\r\n');
	const segments = appendSegments('A4', 'INBOX', [{content: body, flags: [], internalDate: date, literal8: false}], 'plus');
	assert.ok(segments[0]!.includes(body), 'the body Buffer itself is one of the chunks');
});

test('literal8 is written as ~{n+}; flags that could draw a BAD and invalid dates are left out', () => {
	const segments = appendSegments('A5', 'INBOX', [{content: Buffer.from('a\0b'), flags: ['\\Recent', '\\Custom', 'two words', '\\Flagged'], internalDate: new Date(Number.NaN), literal8: true}], 'plus');
	assert.equal(joined(segments)[0], 'A5 APPEND INBOX (\\Flagged) ~{3+}\r\na\0b\r\n');
});

test('mailbox names are atoms when they can be, quoted strings otherwise, and refused with a line break', () => {
	assert.equal(astring('Archive.2019'), 'Archive.2019');
	assert.equal(astring('Sent Items'), '"Sent Items"');
	assert.equal(astring('a"b\\c'), '"a\\"b\\\\c"');
	assert.equal(astring('50%'), '"50%"');
	assert.equal(astring(''), '""');
	assert.equal(astring('x\ny'), undefined);
	assert.throws(() => appendSegments('A6', 'x\ry', [item('m')], 'plus'), /line break/);
});

test('the literal mode comes from the capabilities: LITERAL+, then LITERAL- or IMAP4rev2, else synchronizing', () => {
	assert.equal(literalMode(new Set(['IMAP4rev1', 'LITERAL+'])), 'plus');
	assert.equal(literalMode(new Map([['LITERAL-', true]])), 'minus');
	assert.equal(literalMode(new Set(['IMAP4rev2'])), 'minus');
	assert.equal(literalMode(new Set(['IMAP4rev1'])), 'sync');
});


test('uploading to Dovecot (LITERAL+) sends every message without waiting for a continuation, and the messages arrive intact', {skip: dovecotSkipReason()}, async (t) => {
	const dovecot = await startDovecot({users: ['lit']});
	t.after(() => dovecot.stop());
	const proxy = await recordingProxy(dovecot.port);
	t.after(() => proxy.close());
	const sink = await ImapSink.connect({
		target: {host: '127.0.0.1', port: proxy.port, implicitTls: false, requireStartTls: false, insecure: false, user: 'lit'},
		password: dovecot.passwordOf('lit'), size: 1, compress: 'off',
	});
	try {
		await sink.ensureMailbox('Big');
		const bodies = [5_000, 70_000, 300, 1_200_000].map((size, i) => Buffer.from(`Message-ID: <m${i}@t>\r\nSubject: m${i}\r\n\r\n${'b'.repeat(size)}\r\n`));
		const jobs: UploadJob[] = bodies.map((content, i) => ({
			ref: {store: 's', folder: 'f', key: String(i), location: `#${i}`}, mailbox: 'Big', content, flags: i === 0 ? ['\\Seen'] : [],
			internalDate: date, dateSource: 'date-header', messageId: `m${i}@t`, fingerprint: `mid:m${i}@t:${content.length}`,
		}));
		// Log-in (AUTHENTICATE PLAIN) has a continuation of its own: only what the server says from here on counts.
		const serverBefore = proxy.server.length;
		// One at a time: a single APPEND; then the other three at once: one MULTIAPPEND.
		await sink.append(jobs[0]!);
		await Promise.all(jobs.slice(1).map((job) => sink.append(job)));
		const sent = Buffer.concat(proxy.client).toString('latin1');
		assert.equal(/^\+/m.test(Buffer.concat(proxy.server.slice(serverBefore)).toString('latin1')), false, 'the server never had to send a continuation');
		for (const body of bodies) assert.ok(sent.includes(`{${body.length}+}\r\n`), `a non-synchronizing literal of ${body.length} octets`);
		const account = await readAccount(dovecot, 'lit');
		const stored = account.messages.filter((m) => m.mailbox === 'Big');
		assert.deepEqual(stored.map((m) => m.source.toString('latin1')).sort(), bodies.map((b) => b.toString('latin1')).sort());
		assert.ok(stored.find((m) => m.messageId === 'm0@t')?.flags.has('\\Seen'));
	} finally {
		await sink.close();
	}
});
