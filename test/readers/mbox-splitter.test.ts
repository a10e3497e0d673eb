import assert from 'node:assert/strict';
import {createReadStream, existsSync, promises as fs, readdirSync, readFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {dirname, join, resolve} from 'node:path';
import {Readable} from 'node:stream';
import {describe, test} from 'node:test';
import {fileURLToPath} from 'node:url';

import {parseFromLine, sniffMbox, splitMbox, suspectedMerges} from '../../src/readers/mbox/mbox-splitter.js';
import type {MboxEntry} from '../../src/readers/mbox/mbox-splitter.js';
import {bytes, chunked, collect, fromLine, makeMessage, quoteMboxrd, seededRandom, writeMboxrd} from '../helpers/make-mbox.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const corpusDir = resolve(repoRoot, '../shared/corpus/mbox');
const hasCorpus = existsSync(corpusDir);

const FROM_1 = fromLine('alice@example.org', new Date(Date.UTC(2001, 0, 1, 10, 0, 0)));
const FROM_2 = fromLine('bob@example.org', new Date(Date.UTC(2002, 1, 2, 11, 30, 5)));
const FROM_3 = fromLine('carol@example.org', new Date(Date.UTC(2003, 2, 3, 12, 0, 0)));

/** A header block with a correct Content-Length for `body`, the empty line, and the body. */
function withContentLength(header: string, body: string): string {
	return `${header}\nContent-Length: ${Buffer.byteLength(body, 'latin1')}\n\n${body}`;
}

/** Generated fixtures, one per rule; all of them also run through the chunking and accounting properties. */
const FIXTURES: Readonly<Record<string, Buffer>> = {
	lf: bytes(FROM_1, '\n', 'Subject: one\n\nBody one.\n', '\n', FROM_2, '\n', 'Subject: two\n\nBody two.\n', '\n'),
	crlf: bytes(FROM_1, '\r\n', 'Subject: one\r\n\r\nBody one.\r\n', '\r\n', FROM_2, '\r\n', 'Subject: two\r\n\r\nBody two.\r\n', '\r\n'),
	mixedEol: bytes(FROM_1, '\n', 'Subject: one\r\n\r\nBody one.\r\n', '\n', FROM_2, '\n', 'Subject: two\r\n\r\nBody two.\r\n'),
	mboxrd: bytes(FROM_1, '\n', 'Subject: q\n\n>From the start\n>>From two deep\nx>From not at line start\n> From with a space\n>From\n', '\n'),
	unquotedWriter: bytes(FROM_1, '\n', 'Subject: raw\n\nIntro\n\nFrom here on, all is text.\n>From the docs: keep me\n', '\n'),
	fromHereInBody: bytes(FROM_1, '\n', 'Subject: a\n\nLine\nFrom here on, nothing splits.\n\nFrom here either.\n', '\n', FROM_2, '\n', 'Subject: b\n\nB\n'),
	contentLengthTrusted: bytes(
		FROM_1, '\n', withContentLength('Subject: cl', 'Quoted mail follows\n\nFrom x Mon Jan  1 10:00:00 2001\nnot a split\n'),
		'\n', FROM_2, '\n', 'Subject: after\n\nAfter.\n',
	),
	contentLengthAbsent: bytes(FROM_1, '\n', 'Subject: no cl\n\nQuoted mail follows\n\nFrom x Mon Jan  1 10:00:00 2001\nnot a split?\n', '\n'),
	contentLengthWrong: bytes(FROM_1, '\n', 'Subject: bad cl\nContent-Length: 5\n\nBody that is longer than five.\n', '\n', FROM_2, '\n', 'Subject: b\n\nB\n'),
	contentLengthNetscape: bytes(FROM_1, '\n', 'Subject: ns\nContent-Length: 8\n\nline one\n', FROM_2, '\n', 'Subject: b\nContent-Length: 1\n\nB\n'),
	contentLengthNoBlankLine: bytes(FROM_1, '\n', 'Subject: cl\nContent-Length: 5\n\nBody\n', FROM_2, '\n', 'Subject: b\n\nB\n'),
	contentLengthAtEofWithBlank: bytes(FROM_1, '\n', 'Subject: cl\nContent-Length: 5\n\nBody\n', '\n'),
	preamble: bytes('Subject: renamed eml\n\n>From stays quoted here\n', '\n', FROM_1, '\n', 'Subject: real\n\nReal.\n'),
	preambleOnly: bytes('Subject: just an eml\n\nNo From_ line at all.\n'),
	whitespacePreamble: bytes('\n\r\n\n', FROM_1, '\n', 'Subject: x\n\nX\n'),
	bom: bytes('\xEF\xBB\xBF', FROM_1, '\n', 'Subject: bom\n\nB\n'),
	empty: Buffer.alloc(0),
	blankOnly: bytes('\n\n\r\n'),
	adjacentFromLines: bytes(FROM_1, '\n', FROM_2, '\n', 'Subject: two\n\nTwo.\n'),
	emptyBetweenBlank: bytes(FROM_1, '\n\n', FROM_2, '\n', 'Subject: two\n\nTwo.\n'),
	strayFromLine: bytes(FROM_1, '\n', 'Subject: s\n\ntext\n', FROM_2, '\n', 'more text, not a header\n', '\n'),
	noBlankLineHeaderFollows: bytes('From - \nSubject: one\n\nOne.\nFrom - \nSubject: two\n\nTwo.\n'),
	headerOnlyThenClMessage: bytes(FROM_1, '\nSubject: no body\n', FROM_2, '\nSubject: b\nContent-Length: 2\n\nB\n', '\n', FROM_3, '\nSubject: c\n\nC\n'),
	noFinalNewline: bytes(FROM_1, '\n', 'Subject: n\n\nno newline at the end'),
	fromLineAtEof: bytes(FROM_1, '\n', 'Subject: a\n\nA\n', '\n', FROM_2),
	thunderbird: bytes('From - Mon Jan 01 10:00:00 2001\n', 'X-Mozilla-Status: 0001\nSubject: tb\r\n\r\nTB\r\n', '\n', 'From - \n', 'Subject: bare\n\nBare.\n'),
	mmdf: bytes('\x01\x01\x01\x01\n', 'Subject: m1\n\nFrom here is fine in MMDF\n', '\x01\x01\x01\x01\n', '\x01\x01\x01\x01\n', FROM_3, '\n', 'Subject: m2\n\nM2\n', '\x01\x01\x01\x01\n'),
	mmdfEmpty: bytes('\x01\x01\x01\x01\n'),
	looseAddressOnly: bytes(
		FROM_1, '\n', 'Subject: one\n\nOne.\n', '\n',
		'From 1844674407370955161@xxx\n', 'Return-Path: <b@example.org>\nSubject: two\n\nTwo.\n', '\n',
		'From 1844674407370955162@xxx\n', 'From: c@example.org\nSubject: three\n\nThree.\n',
	),
	looseBareThunderbird: bytes(
		'From \r\n', 'X-Mozilla-Status: 0001\r\nX-Mozilla-Status2: 00000000\r\nSubject: one\r\n\r\nOne.\r\n', '\r\n',
		'From \r\n', 'X-Mozilla-Status: 0000\r\nSubject: two\r\n\r\nTwo.\r\n',
	),
	looseNotAHeader: bytes(FROM_1, '\n', 'Subject: a\n\nIntro\n\nFrom Russia with love\nYear: 1963\n\nFrom me\nTo: you, a single field\n\nEnd.\n'),
};

async function split(data: Buffer, chunkSize = Math.max(1, data.length)): Promise<MboxEntry[]> {
	return collect(splitMbox(chunked(data, chunkSize)));
}

const text = (buffer: Buffer): string => buffer.toString('latin1');

/** Independent mboxrd unquote (string regex, not the splitter's byte scan). Lines end at LF only, as in the splitter. */
function unquoteByRegex(body: Buffer): {raw: Buffer; removed: number} {
	let removed = 0;
	const raw = text(body).replace(/(?<![^\n])>(>*From )/g, (_match, rest: string) => {
		removed += 1;
		return rest;
	});
	return {raw: Buffer.from(raw, 'latin1'), removed};
}

/**
 * Exact byte accounting for an mbox (not MMDF) split: entries are contiguous from the first separator to
 * EOF; each covers its From_ line + line end, its quoted bytes and at most one empty line; everything before
 * the first entry is a BOM or whitespace; and the totals add up to the file size.
 */
function assertAccounting(file: Buffer, entries: readonly MboxEntry[], label: string): void {
	let cursor = entries[0]?.offset ?? file.length;
	const prefix = text(file.subarray(0, cursor)).replace(/^\xEF\xBB\xBF/, '');
	assert.match(prefix, /^\s*$/, `${label}: only BOM/whitespace may precede the first entry`);
	const total = file.length - cursor;
	let sum = 0;
	for (const entry of entries) {
		assert.equal(entry.offset, cursor, `${label}#${entry.ordinal}: entries are contiguous`);
		let rest = file.subarray(entry.offset, entry.offset + entry.span);
		let fromBytes = 0;
		if (entry.fromLine !== undefined) {
			const line = Buffer.from(entry.fromLine, 'latin1');
			assert.ok(rest.subarray(0, line.length).equals(line), `${label}#${entry.ordinal}: region starts with the From_ line`);
			fromBytes = line.length + (rest[line.length] === 0x0d ? 2 : rest[line.length] === 0x0a ? 1 : 0);
			rest = rest.subarray(fromBytes);
		}
		const quotedLength = entry.raw.length + entry.unquoted;
		const terminator = text(rest.subarray(quotedLength));
		assert.ok(['', '\n', '\r\n'].includes(terminator), `${label}#${entry.ordinal}: only one empty line is dropped, got ${JSON.stringify(terminator)}`);
		const quoted = rest.subarray(0, quotedLength);
		if (entry.unquoted === 0) {
			assert.ok(quoted.equals(entry.raw), `${label}#${entry.ordinal}: raw is the file bytes`);
		} else {
			const expected = unquoteByRegex(quoted);
			assert.equal(expected.removed, entry.unquoted, `${label}#${entry.ordinal}: unquoted count`);
			assert.ok(expected.raw.equals(entry.raw), `${label}#${entry.ordinal}: raw is the unquoted file bytes`);
		}
		sum += fromBytes + entry.raw.length + entry.unquoted + terminator.length;
		cursor += entry.span;
	}
	assert.equal(cursor, file.length, `${label}: the last entry ends at EOF`);
	assert.equal(sum, total, `${label}: From_ lines + raw + removed '>' + empty lines == file size - prefix`);
}

describe('splitMbox: separators and bytes', () => {
	test('Given an LF mbox, when it is split, then each message is its exact bytes without the From_ line and the terminating empty line', async () => {
		const entries = await split(FIXTURES.lf!);
		assert.deepEqual(entries.map((e) => text(e.raw)), ['Subject: one\n\nBody one.\n', 'Subject: two\n\nBody two.\n']);
		assert.deepEqual(entries.map((e) => e.fromLine), [FROM_1, FROM_2]);
		assert.deepEqual(entries.map((e) => e.ordinal), [1, 2]);
		assert.deepEqual(entries.map((e) => e.offset), [0, FIXTURES.lf!.indexOf('From bob')]);
		assert.deepEqual(entries.map((e) => e.fromDate?.toISOString()), ['2001-01-01T10:00:00.000Z', '2002-02-02T11:30:05.000Z']);
	});

	test('Given a CRLF mbox, when it is split, then CRLF is kept inside messages and one CRLF empty line is dropped', async () => {
		const entries = await split(FIXTURES.crlf!);
		assert.deepEqual(entries.map((e) => text(e.raw)), ['Subject: one\r\n\r\nBody one.\r\n', 'Subject: two\r\n\r\nBody two.\r\n']);
		assert.equal(entries[0]?.fromLine, FROM_1, 'the CR is not part of fromLine');
	});

	test('Given LF From_ lines around CRLF messages (Thunderbird export), when split, then each message keeps its CRLF bytes', async () => {
		const entries = await split(FIXTURES.mixedEol!);
		assert.deepEqual(entries.map((e) => text(e.raw)), ['Subject: one\r\n\r\nBody one.\r\n', 'Subject: two\r\n\r\nBody two.\r\n']);
	});

	test('Given a body with "From here on" lines (with and without an empty line before), when split, then they stay body text', async () => {
		const entries = await split(FIXTURES.fromHereInBody!);
		assert.equal(entries.length, 2);
		assert.equal(text(entries[0]!.raw), 'Subject: a\n\nLine\nFrom here on, nothing splits.\n\nFrom here either.\n');
		assert.equal(entries[0]!.strayFromLines, 0, 'invalid From_ lines are not even suspicious');
	});

	test('Given content before the first From_ line, when split, then it is yielded as ordinal 0 without fromLine and is not unquoted', async () => {
		const entries = await split(FIXTURES.preamble!);
		assert.deepEqual(entries.map((e) => [e.ordinal, e.fromLine, text(e.raw)]), [
			[0, undefined, 'Subject: renamed eml\n\n>From stays quoted here\n'],
			[1, FROM_1, 'Subject: real\n\nReal.\n'],
		]);
	});

	test('Given a file without any From_ line, when split, then the whole file is one ordinal-0 entry', async () => {
		const entries = await split(FIXTURES.preambleOnly!);
		assert.equal(entries.length, 1);
		assert.ok(entries[0]!.raw.equals(FIXTURES.preambleOnly!));
	});

	test('Given only whitespace or a BOM before the first From_ line, when split, then nothing is yielded for it', async () => {
		assert.deepEqual((await split(FIXTURES.whitespacePreamble!)).map((e) => e.ordinal), [1]);
		const bom = await split(FIXTURES.bom!);
		assert.deepEqual(bom.map((e) => [e.ordinal, e.offset, e.fromLine]), [[1, 3, FROM_1]]);
	});

	test('Given an empty or blank-only file, when split, then nothing is yielded', async () => {
		assert.deepEqual(await split(FIXTURES.empty!), []);
		assert.deepEqual(await split(FIXTURES.blankOnly!), []);
	});

	test('Given two adjacent From_ lines, when split, then an empty message is yielded between them and ordinals stay in file order', async () => {
		const adjacent = await split(FIXTURES.adjacentFromLines!);
		assert.deepEqual(adjacent.map((e) => [e.ordinal, text(e.raw)]), [[1, ''], [2, 'Subject: two\n\nTwo.\n']]);
		const blank = await split(FIXTURES.emptyBetweenBlank!);
		assert.deepEqual(blank.map((e) => [e.ordinal, text(e.raw)]), [[1, ''], [2, 'Subject: two\n\nTwo.\n']]);
	});

	test('Given a valid From_ line with no empty line before it and body text after it, when split, then it stays text and is counted as stray', async () => {
		const entries = await split(FIXTURES.strayFromLine!);
		assert.equal(entries.length, 1);
		assert.equal(entries[0]!.strayFromLines, 1);
		assert.ok(text(entries[0]!.raw).includes(`${FROM_2}\nmore text`));
	});

	test('Given From_ lines without empty lines before them but followed by a header (mimekit simple.mbox), when split, then each starts a message', async () => {
		const entries = await split(FIXTURES.noBlankLineHeaderFollows!);
		assert.deepEqual(entries.map((e) => text(e.raw)), ['Subject: one\n\nOne.\n', 'Subject: two\n\nTwo.\n']);
		assert.deepEqual(entries.map((e) => e.fromDate), [undefined, undefined]);
	});

	test('Given a header-only message followed directly by a message with Content-Length, when split, then that Content-Length is not applied to the first', async () => {
		const entries = await split(FIXTURES.headerOnlyThenClMessage!);
		assert.deepEqual(entries.map((e) => [e.contentLength, text(e.raw)]), [
			['absent', 'Subject: no body\n'],
			['trusted', 'Subject: b\nContent-Length: 2\n\nB\n'],
			['absent', 'Subject: c\n\nC\n'],
		]);
	});

	test('Given a last message without a final newline, when split, then its bytes are kept exactly', async () => {
		const entries = await split(FIXTURES.noFinalNewline!);
		assert.equal(text(entries[0]!.raw), 'Subject: n\n\nno newline at the end');
	});

	test('Given a From_ line as the last bytes of the file, when split, then it yields an empty last message', async () => {
		const entries = await split(FIXTURES.fromLineAtEof!);
		assert.deepEqual(entries.map((e) => [e.fromLine, text(e.raw)]), [[FROM_1, 'Subject: a\n\nA\n'], [FROM_2, '']]);
	});

	test('Given Thunderbird "From - <date>" and bare "From - " separators, when split, then both separate messages', async () => {
		const entries = await split(FIXTURES.thunderbird!);
		assert.deepEqual(entries.map((e) => [e.fromLine, e.fromDate?.toISOString()]), [
			['From - Mon Jan 01 10:00:00 2001', '2001-01-01T10:00:00.000Z'],
			['From - ', undefined],
		]);
	});
});

describe('splitMbox: quoting (mboxrd)', () => {
	test('Given From_ lines with only an address after empty lines (no date), when split, then each starts a message without a date', async () => {
		const entries = await split(FIXTURES.looseAddressOnly!);
		assert.deepEqual(entries.map((e) => /^Subject: (.*)$/m.exec(text(e.raw))?.[1]), ['one', 'two', 'three']);
		assert.deepEqual(entries.map((e) => e.fromLine), [FROM_1, 'From 1844674407370955161@xxx', 'From 1844674407370955162@xxx']);
		assert.deepEqual(entries.map((e) => e.fromDate === undefined), [false, true, true]);
		assert.ok(entries.every((e) => !text(e.raw).includes('From 1844')), 'no From_ line is left inside a message');
	});

	test('Given a Thunderbird file whose separators are bare "From " lines, when sniffed and split, then it is an mbox and each message is its own entry', async () => {
		assert.equal(sniffMbox(FIXTURES.looseBareThunderbird!), 'mbox');
		const entries = await split(FIXTURES.looseBareThunderbird!);
		assert.deepEqual(entries.map((e) => [e.ordinal, e.fromLine, text(e.raw)]), [
			[1, 'From ', 'X-Mozilla-Status: 0001\r\nX-Mozilla-Status2: 00000000\r\nSubject: one\r\n\r\nOne.\r\n'],
			[2, 'From ', 'X-Mozilla-Status: 0000\r\nSubject: two\r\n\r\nTwo.\r\n'],
		]);
	});

	test('Given "From …" body lines after empty lines followed by at most one header-like line, when split, then they stay body text', async () => {
		const entries = await split(FIXTURES.looseNotAHeader!);
		assert.equal(entries.length, 1);
		assert.match(text(entries[0]!.raw), /From Russia with love\nYear: 1963\n\nFrom me\nTo: you/);
	});

	test('Given messages with "From " lines that did not split, when checked for merges, then only lines followed by a message header are counted', () => {
		const merged = Buffer.from('Subject: a\n\nText\nFrom 1844674407370955161@xxx\nReceived: by mx; Mon, 1 Jan 2001 10:00:00 +0000\nSubject: b\n\nB\n');
		assert.equal(suspectedMerges(merged), 1);
		const bare = Buffer.from('Subject: a\n\nText\nFrom \r\nX-Mozilla-Status: 0001\r\nX-Mozilla-Status2: 0\r\n\r\nB\r\n');
		assert.equal(suspectedMerges(bare), 1);
		assert.equal(suspectedMerges(Buffer.from('Subject: a\n\nFrom Russia with love\nYear: 1963\n\nFrom here on\ntext\n')), 0);
		assert.equal(suspectedMerges(Buffer.from('Subject: a\n\nFrom the desk of\nPhone: 555\nFax: 556\n')), 0, 'two fields, but none a message field');
	});

	test('Given >From and >>From lines, when split, then each such line loses exactly one > and nothing else changes', async () => {
		const [entry] = await split(FIXTURES.mboxrd!);
		assert.equal(text(entry!.raw), 'Subject: q\n\nFrom the start\n>From two deep\nx>From not at line start\n> From with a space\n>From\n');
		assert.equal(entry!.unquoted, 2);
	});

	test('Given a body with an unquoted "From " line after an empty line, when split, then its >From lines are original text and are kept', async () => {
		const [entry] = await split(FIXTURES.unquotedWriter!);
		assert.equal(text(entry!.raw), 'Subject: raw\n\nIntro\n\nFrom here on, all is text.\n>From the docs: keep me\n');
		assert.equal(entry!.unquoted, 0);
	});

	test('Given MMDF messages, when split, then nothing is unquoted and a leading From_ line becomes fromLine', async () => {
		const entries = await split(FIXTURES.mmdf!);
		assert.deepEqual(entries.map((e) => [e.ordinal, e.fromLine, text(e.raw)]), [
			[1, undefined, 'Subject: m1\n\nFrom here is fine in MMDF\n'],
			[2, FROM_3, 'Subject: m2\n\nM2\n'],
		]);
	});

	test('Given an MMDF file with a lone delimiter (neomutt fig.mbox), when split, then nothing is yielded', async () => {
		assert.deepEqual(await split(FIXTURES.mmdfEmpty!), []);
	});
});

describe('splitMbox: Content-Length', () => {
	test('Given a valid From_ line after an empty line inside a body whose Content-Length lands on the next separator, when split, then the body is not split', async () => {
		const entries = await split(FIXTURES.contentLengthTrusted!);
		assert.equal(entries.length, 2);
		assert.equal(entries[0]!.contentLength, 'trusted');
		assert.ok(text(entries[0]!.raw).endsWith('\n\nFrom x Mon Jan  1 10:00:00 2001\nnot a split\n'));
		assert.equal(text(entries[1]!.raw), 'Subject: after\n\nAfter.\n');
	});

	test('Given the same body without Content-Length, when split, then the valid From_ line after the empty line does split (the control case)', async () => {
		const entries = await split(FIXTURES.contentLengthAbsent!);
		assert.equal(entries.length, 2);
		assert.equal(entries[0]!.contentLength, 'absent');
	});

	test('Given a Content-Length that does not land on a boundary, when split, then it is ignored and the empty-line rule decides', async () => {
		const entries = await split(FIXTURES.contentLengthWrong!);
		assert.deepEqual(entries.map((e) => e.contentLength), ['ignored', 'absent']);
		assert.equal(text(entries[0]!.raw), 'Subject: bad cl\nContent-Length: 5\n\nBody that is longer than five.\n');
	});

	test('Given a Netscape Content-Length that leaves out the last line end, when split, then it is trusted and the line end stays in the message', async () => {
		const entries = await split(FIXTURES.contentLengthNetscape!);
		assert.deepEqual(entries.map((e) => [e.contentLength, text(e.raw)]), [
			['trusted', 'Subject: ns\nContent-Length: 8\n\nline one\n'],
			['trusted', 'Subject: b\nContent-Length: 1\n\nB\n'],
		]);
	});

	test('Given a Content-Length that lands on a From_ line with no empty line before it, when split, then it is trusted', async () => {
		const entries = await split(FIXTURES.contentLengthNoBlankLine!);
		assert.deepEqual(entries.map((e) => [e.contentLength, text(e.raw)]), [
			['trusted', 'Subject: cl\nContent-Length: 5\n\nBody\n'],
			['absent', 'Subject: b\n\nB\n'],
		]);
	});

	test('Given a Content-Length followed by one empty line at end of file, when split, then it is trusted and the empty line is dropped', async () => {
		const [entry] = await split(FIXTURES.contentLengthAtEofWithBlank!);
		assert.equal(entry!.contentLength, 'trusted');
		assert.equal(text(entry!.raw), 'Subject: cl\nContent-Length: 5\n\nBody\n');
	});

	test('Given a trusted Content-Length body with >From lines and no unquoted From line, when split, then >From is unquoted (mboxcl)', async () => {
		const body = '>From quoted\nplain\n';
		const data = bytes(FROM_1, '\n', `Subject: cl\nContent-Length: ${body.length}\n\n`, body, '\n', FROM_2, '\n', 'Subject: b\n\nB\n');
		const entries = await split(data);
		assert.equal(entries[0]!.contentLength, 'trusted');
		assert.equal(text(entries[0]!.raw), `Subject: cl\nContent-Length: ${body.length}\n\nFrom quoted\nplain\n`);
	});

	test('Given a trusted Content-Length body that also has an unquoted From_ line after an empty line (mboxcl2), when split, then >From is kept', async () => {
		const body = '>From original\n\nFrom x Mon Jan  1 10:00:00 2001\n';
		const data = bytes(FROM_1, '\n', `Subject: cl2\nContent-Length: ${body.length}\n\n`, body, '\n', FROM_2, '\n', 'Subject: b\n\nB\n');
		const entries = await split(data);
		assert.equal(entries.length, 2);
		assert.equal(text(entries[0]!.raw), `Subject: cl2\nContent-Length: ${body.length}\n\n${body}`);
		assert.equal(entries[0]!.unquoted, 0);
	});

	test('Given a Content-Length larger than maxContentLength, when split, then it is ignored', async () => {
		const entries = await collect(splitMbox(chunked(FIXTURES.contentLengthTrusted!, 16), {maxContentLength: 10}));
		assert.equal(entries.length, 3);
		assert.equal(entries[0]!.contentLength, 'ignored');
	});
});

describe('parseFromLine and sniffMbox', () => {
	const valid: ReadonlyArray<readonly [string, string | undefined]> = [
		['From alice@example.org Mon Jan  1 10:00:00 2001', '2001-01-01T10:00:00.000Z'],
		['From alice@example.org Mon Jan 1 10:00:00 2001', '2001-01-01T10:00:00.000Z'],
		['From - Mon Jan 01 10:00:00 2001', '2001-01-01T10:00:00.000Z'],
		['From alice Mon Jan  1 10:00:00 2001 +0100', '2001-01-01T09:00:00.000Z'],
		['From alice Mon Jan  1 10:00:00 -0500 2001', '2001-01-01T15:00:00.000Z'],
		['From alice Mon Jan  1 10:00:00 UTC 2001', '2001-01-01T10:00:00.000Z'],
		['From magick-owner@unca-don.wizards.dupont.com Wed Feb  9 22:02 MET 2000', '2000-02-09T21:02:00.000Z'],
		['From "naveen.andrews@enron.com" Wed Jan 30 18:07:01 2002', '2002-01-30T18:07:01.000Z'],
		['From "John Doe"@example.org Wed Jan 30 18:07:01 2002', '2002-01-30T18:07:01.000Z'],
		['From ???@??? Mon Jan 01 10:00:00 2001', '2001-01-01T10:00:00.000Z'],
		['From alice Mon Jan  1 10:00:00 2001\r', '2001-01-01T10:00:00.000Z'],
		['From alice Mon Jan  1 10:00:00 XYZT 2001', undefined],
		['From alice Mon Feb 30 10:00:00 2001', undefined],
		['From -', undefined],
		['From - ', undefined],
	];
	for (const [line, iso] of valid) {
		test(`Given ${JSON.stringify(line)}, when parsed, then it is a From_ line dated ${iso ?? '(no date)'}`, () => {
			const parsed = parseFromLine(line);
			assert.ok(parsed !== undefined);
			assert.equal(parsed.date?.toISOString(), iso);
		});
	}
	const invalid = ['From here on, all is text.', 'From: alice@example.org', 'From Russia with love', 'From alice', 'From - tomorrow', 'from alice Mon Jan  1 10:00:00 2001', '>From alice Mon Jan  1 10:00:00 2001'];
	for (const line of invalid) {
		test(`Given ${JSON.stringify(line)}, when parsed, then it is body text`, () => {
			assert.equal(parseFromLine(line), undefined);
		});
	}

	test('Given the first bytes of various files, when sniffed, then mbox, MMDF, empty and other are told apart', () => {
		assert.equal(sniffMbox(bytes('\n\n', FROM_1, '\nSubject: x\n')), 'mbox');
		assert.equal(sniffMbox(bytes('\xEF\xBB\xBFFrom -\nSubject: x\n')), 'mbox');
		assert.equal(sniffMbox(bytes('\x01\x01\x01\x01\r\n')), 'mmdf');
		assert.equal(sniffMbox(bytes('\r\n\n')), 'empty');
		assert.equal(sniffMbox(Buffer.alloc(0)), 'empty');
		assert.equal(sniffMbox(bytes('Subject: eml\n\n')), 'other');
		assert.equal(sniffMbox(bytes('// <!-- <mdb:mork:z v="1.4"/> -->\n')), 'other');
	});
});

describe('splitMbox: properties', () => {
	const chunkSizes = [1, 7, 64];

	test('Given every generated fixture, when split with 1-, 7- and 64-byte chunks, then the output equals the one-chunk output', async () => {
		for (const [name, data] of Object.entries(FIXTURES)) {
			const whole = await split(data);
			for (const size of chunkSizes) assert.deepEqual(await split(data, size), whole, `${name} with ${size}-byte chunks`);
		}
	});

	test('Given every generated mbox fixture, when split, then every byte is accounted for', async () => {
		for (const [name, data] of Object.entries(FIXTURES)) {
			if (name.startsWith('mmdf')) continue;
			assertAccounting(data, await split(data), name);
		}
	});

	test('Given random soups of mbox tokens (separators, blank lines, quoting, Content-Length, BOM, CR), when split, then chunking never changes the output and every byte is accounted for', async () => {
		const seed = 4155;
		const random = seededRandom(seed);
		const tokens = [
			`${FROM_1}\n`, `${FROM_2}\r\n`, 'From -\n', 'From here\n', '\n', '\n', '\r\n', '\r', '>From x\n', '>>From y\n',
			'Subject: s\n', 'Content-Length: 3\n', 'Content-Length: 0\n', 'abc', 'ab\n', '\xEF\xBB\xBF', '\x01\x01\x01\x01\n', 'From ',
		];
		for (let run = 0; run < 400; run += 1) {
			let soup = '';
			for (let n = Math.floor(random() * 30); n > 0; n -= 1) soup += tokens[Math.floor(random() * tokens.length)];
			const data = Buffer.from(soup, 'latin1');
			const whole = await split(data);
			const label = `seed ${seed}, run ${run}: ${JSON.stringify(soup)}`;
			for (const size of [1, 2, 3, 5, 8]) assert.deepEqual(await split(data, size), whole, `${label} (${size}-byte chunks)`);
			if (sniffMbox(data) !== 'mmdf') assertAccounting(data, whole, label);
		}
	});

	test('Given random messages with From lines, >From lines and mixed line ends written as mboxrd, when split, then the original messages come back exactly', async () => {
		const seed = 20_261_122;
		const random = seededRandom(seed);
		const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
		const lineKinds = [
			'From here on',
			fromLine('x@example.org'),
			'From - Mon Jan 01 10:00:00 2001',
			'From -',
			'>From quoted once',
			'>>From quoted twice',
			'> From spaced',
			'',
			'',
			'Header: value',
			'plain text',
			'\x01\x01\x01\x01',
			'Content-Length: 3',
		];
		const seen = {trusted: 0, ignored: 0, unquoted: 0, crlf: 0};
		for (let run = 0; run < 300; run += 1) {
			const messages: Buffer[] = [];
			const count = 1 + Math.floor(random() * 4);
			for (let m = 0; m < count; m += 1) {
				const eol = (): string => (random() < 0.5 ? '\n' : '\r\n');
				const headerLines = ['Subject: random'];
				const bodyLines: string[] = [];
				for (let l = Math.floor(random() * 8); l > 0; l -= 1) bodyLines.push(pick(lineKinds));
				if (random() < 0.2) bodyLines.unshift(pick(lineKinds)); // may make the first line a From line
				const bodyText = bodyLines.map((line) => line + eol()).join('');
				const quotedBodyLength = quoteMboxrd(Buffer.from(bodyText, 'latin1')).length;
				const clChoice = random();
				if (clChoice < 0.25) headerLines.push(`Content-Length: ${quotedBodyLength}`);
				else if (clChoice < 0.35) headerLines.push(`Content-Length: ${Math.floor(quotedBodyLength / 2)}`);
				else if (clChoice < 0.4) headerLines.push(`Content-Length: ${quotedBodyLength + 5000}`);
				const headerEol = eol();
				const message = random() < 0.05 ? '' : headerLines.map((line) => line + headerEol).join('') + headerEol + bodyText;
				messages.push(Buffer.from(message, 'latin1'));
			}
			const file = writeMboxrd(messages);
			const entries = await split(file, 1 + Math.floor(random() * 40));
			assert.deepEqual(
				entries.map((e) => text(e.raw)),
				messages.map(text),
				`seed ${seed}, run ${run}: ${JSON.stringify(text(file))}`,
			);
			assert.ok(entries.every((e) => e.ordinal > 0));
			for (const entry of entries) {
				if (entry.contentLength === 'trusted') seen.trusted += 1;
				if (entry.contentLength === 'ignored') seen.ignored += 1;
				if (entry.unquoted > 0) seen.unquoted += 1;
				if (entry.raw.includes('\r\n')) seen.crlf += 1;
			}
		}
		// The generator must really exercise each rule, or the property proves little.
		assert.ok(Object.values(seen).every((n) => n > 20), JSON.stringify(seen));
	});

	test('Given a ~50 MB mbox read in 1 MiB chunks, when split, then the splitter buffer stays near one message plus one chunk', async () => {
		const dir = await fs.mkdtemp(join(tmpdir(), 'mailshift-mbox-big-'));
		const file = join(dir, 'big.mbox');
		try {
			const handle = await fs.open(file, 'w');
			const filler = `${'x'.repeat(76)}\n`.repeat(320); // ~25 KB body
			let written = 0;
			let messages = 0;
			const bigBody = `${'y'.repeat(76)}\n`.repeat(52_000); // ~4 MB message
			while (written < 50 * 1024 * 1024) {
				const body = messages === 1000 ? bigBody : filler;
				const chunk = Buffer.from(`${fromLine()}\nSubject: m${messages}\n\n${body}\n`, 'latin1');
				await handle.write(chunk);
				written += chunk.length;
				messages += 1;
			}
			await handle.close();
			let maxCapacity = 0;
			let largestSpan = 0;
			let yielded = 0;
			const stream = createReadStream(file, {highWaterMark: 1024 * 1024});
			for await (const entry of splitMbox(stream, {onBufferAllocated: (capacity) => (maxCapacity = Math.max(maxCapacity, capacity))})) {
				largestSpan = Math.max(largestSpan, entry.span);
				yielded += 1;
			}
			assert.equal(yielded, messages);
			assert.ok(largestSpan > 4_000_000, 'the big message is there');
			const bound = 2 * (largestSpan + 1024 * 1024);
			assert.ok(maxCapacity <= bound, `buffer capacity ${maxCapacity} <= 2 × (largest message + chunk) = ${bound}`);
			assert.ok(maxCapacity < written / 4, `buffer capacity ${maxCapacity} is far below the file size ${written}`);
		} finally {
			await fs.rm(dir, {recursive: true, force: true});
		}
	});
});

describe('splitMbox compared with mbox-reader (the package it replaces)', () => {
	async function mboxReaderContents(data: Buffer): Promise<string[]> {
		const name = 'mbox-reader'; // untyped CommonJS package; a dev-only comparison
		const module = (await import(name)) as {mboxReader: (input: Readable) => AsyncIterable<{content: Buffer}>};
		const contents: string[] = [];
		for await (const message of module.mboxReader(Readable.from([data]))) contents.push(text(message.content));
		return contents;
	}

	test('Given a plain LF mbox, when both split it, then mbox-reader gives the same messages minus the final newline', async () => {
		const data = writeMboxrd([makeMessage({subject: 'a'}), makeMessage({subject: 'b', body: ['>From quoted', 'end']})]);
		const ours = (await split(data)).map((e) => text(e.raw));
		const theirs = await mboxReaderContents(data);
		assert.deepEqual(theirs, ours.map((raw) => raw.replace(/\n$/, '')));
	});

	test('Given content before the first From_ line and an unquoted "From here" line, when both split, then only splitMbox keeps every byte', async () => {
		const data = bytes('junk\n\n', FROM_1, '\nSubject: x\n\nbody\nFrom here on\n\n', FROM_2, '\nSubject: y\n\nlast\n');
		const ours = await split(data);
		const theirs = await mboxReaderContents(data);
		assert.deepEqual(ours.map((e) => text(e.raw)), ['junk\n', 'Subject: x\n\nbody\nFrom here on\n', 'Subject: y\n\nlast\n']);
		// mbox-reader drops the preamble, cuts the body at "From here on" (leaving a bogus empty message) and
		// strips the final newline (packages.md §3).
		assert.deepEqual(theirs, ['Subject: x\n\nbody', '', 'Subject: y\n\nlast']);
	});
});

describe('splitMbox on the shared corpus', () => {
	/**
	 * Expected message counts, from SOURCES.md (a = Python mailbox, b = From lines at BOF/after an empty line)
	 * and mimekit's summary oracle. The test also recomputes each count independently (below).
	 */
	const EXPECTED: Readonly<Record<string, number>> = {
		'aspose__Thunderbird_ExampleMbox.mbox': 1,
		'gyb__google-takeout.mbox': 39,
		'gyb__odd-mails.mbox': 6,
		'gyb__rfc2047-samples.mbox': 11,
		'mailbox__mbox.src.mbox': 45,
		'mime4j__mbox.rlug': 5,
		'mimekit__content-length.mbox': 29, // content-length.summary.txt lists 29; 10 separators lack the empty line
		'mimekit__simple.mbox': 3, // no empty lines before "From - ", but headers follow (rule 1b)
		'mimekit__unmunged.mbox': 2, // BOM + "From -"; "From Russia with love" is body text
		'neomutt__apple_empty.mbox': 0,
		'neomutt__banana.mbox': 1,
		'neomutt__endive_mmdf.mbox': 1, // despite its name it holds no ^A^A^A^A and no From_ line: one ordinal-0 entry
		'neomutt__fig_empty_mmdf.mbox': 0, // a lone MMDF delimiter
		'thunderbird__bugmail-1': 1,
		'thunderbird__mbox_mboxrd.mbox': 2,
		'thunderbird__mbox_modern.mbox': 2,
		'tika__complex.mbox': 3,
		'tika__multiline.mbox': 1,
		'tika__quoted.mbox': 1,
		'tika__simple.mbox': 2,
		'tika__testMBOX_complex.mbox': 1,
		'tika__testMBOX_lengthy_x-headers.mbox': 1,
	};

	const ASCTIME = /(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)\w*,?\s+(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\w*\s+\d\d?,?\s+\d\d?:\d\d(?::\d\d)?(?:\s+\S+)?\s+\d{4}(?:\s+\S+)?/;
	const FROM_LINE = new RegExp(`^From (?:-\\s*|\\S.*?\\s+${ASCTIME.source}\\s*)$`);

	/**
	 * Independent message count over the whole file as text lines (not the streaming byte splitter): a
	 * separator is a From_ line at the start, after an empty line, right after another From_ line, or followed
	 * by a header line; a Content-Length that lands (give or take the last line end) on [empty line +] a
	 * separator or EOF jumps straight there. Plus one for non-blank content before the first separator.
	 */
	function independentCount(file: Buffer): number {
		const all = text(file).replace(/^\xEF\xBB\xBF/, '');
		if (all.startsWith('\x01\x01\x01\x01')) return all.split(/^\x01\x01\x01\x01\r?$/m).filter((s) => s.trim() !== '').length;
		const lines = all.split('\n').map((line) => line.replace(/\r$/, ''));
		const starts: number[] = [];
		let offset = 0;
		for (const raw of all.split('\n')) {
			starts.push(offset);
			offset += raw.length + 1;
		}
		const isFrom = (i: number): boolean => FROM_LINE.test(lines[i] ?? '');
		const isSeparator = (i: number, messageStart: number): boolean =>
			isFrom(i) && (i === 0 || i === messageStart || lines[i - 1] === '' || /^[!-9;-~]+:/.test(lines[i + 1] ?? ''));
		let count = 0;
		let i = 0;
		if (!isFrom(0)) {
			let j = 1;
			while (j < lines.length && !isSeparator(j, 0)) j += 1;
			if (lines.slice(0, j).join('').trim() !== '') count += 1;
			i = j;
		}
		while (i < lines.length) {
			count += 1;
			const messageStart = i + 1;
			let next: number | undefined;
			const blank = lines.indexOf('', messageStart);
			const header = lines.slice(messageStart, blank === -1 ? lines.length : blank);
			const cl = header.map((h) => /^content-length:\s*(\d+)\s*$/i.exec(h)).find((m) => m !== null);
			if (cl?.[1] !== undefined && blank !== -1) {
				const target = starts[blank + 1]! + Number(cl[1]);
				for (const [j, start] of starts.entries()) {
					if (j <= blank || !isFrom(j)) continue;
					const gap = all.slice(target, start);
					if (start >= target && start - target <= 4 && /^(?:\r?\n)?(?:\r?\n)?$/.test(gap)) next = j;
				}
				if (target === all.length || /^(?:\r?\n){0,2}$/.test(all.slice(target))) next = lines.length;
			}
			if (next === undefined) {
				next = messageStart;
				while (next < lines.length && !isSeparator(next, messageStart)) next += 1;
			}
			i = next;
		}
		return count;
	}

	for (const [name, expected] of Object.entries(EXPECTED)) {
		test(`Given corpus file ${name}, when split, then it yields ${expected} entries, the independent count agrees, and every byte is accounted for`, async (t) => {
			if (!hasCorpus) {
				t.skip(`corpus not found at ${corpusDir}`);
				return;
			}
			const file = join(corpusDir, name);
			const data = readFileSync(file);
			const entries = await collect(splitMbox(createReadStream(file, {highWaterMark: 4096})));
			assert.equal(entries.length, expected);
			assert.equal(independentCount(data), expected, 'independent count');
			if (sniffMbox(data) !== 'mmdf') assertAccounting(data, entries, name);
			for (const size of data.length > 200_000 ? [7, 64] : [1, 7, 64]) {
				assert.deepEqual(await split(data, size), await split(data), `${name} with ${size}-byte chunks`);
			}
		});
	}

	test('Given mimekit content-length.mbox and its summary oracle, when split, then the subjects match the summary in order', async (t) => {
		if (!hasCorpus) {
			t.skip(`corpus not found at ${corpusDir}`);
			return;
		}
		const summary = readFileSync(join(corpusDir, 'mimekit__content-length.summary.txt'), 'latin1');
		const expected = [...summary.matchAll(/^Subject: (.*)$/gm)].map((m) => m[1]);
		const entries = await split(readFileSync(join(corpusDir, 'mimekit__content-length.mbox')));
		const subjects = entries.map((e) => /^Subject: (.*?)\r?$/m.exec(text(e.raw).split(/\r?\n\r?\n/)[0] ?? '')?.[1]);
		assert.deepEqual(subjects, expected);
	});

	test('Given the corpus directory, when listed, then every mailbox file has an expected count (no file is silently untested)', (t) => {
		if (!hasCorpus) {
			t.skip(`corpus not found at ${corpusDir}`);
			return;
		}
		const untested = readdirSync(corpusDir).filter((name) => !(name in EXPECTED) && !name.endsWith('.msf') && !name.endsWith('.summary.txt'));
		assert.deepEqual(untested, []);
	});
});
