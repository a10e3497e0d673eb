/**
 * runVerify against an in-memory server that can change what it stores (test/helpers/rewriting-server-sink.ts),
 * and the engine's dedup against the same: issue #12 items 4 (a source that could not be read is never OK),
 * 7 (a message the server stores with its NUL bytes changed is "altered by the server", not missing + extra,
 * and is not uploaded again) and 8a (a header rewritten at equal size is caught without --deep).
 */
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {EngineControls} from '../../src/contracts/controls.js';
import {runMigration} from '../../src/engine/run-migration.js';
import type {EngineOptions} from '../../src/engine/run-migration.js';
import {MailshiftError} from '../../src/contracts/errors.js';
import {ProblemRelay} from '../../src/engine/problem-relay.js';
import type {SourceMessage} from '../../src/contracts/types.js';
import {isVerifyClean, runVerify} from '../../src/engine/verify.js';
import type {VerifyOptions} from '../../src/engine/verify.js';
import {applyRewrite} from '../../src/mapper/fingerprint.js';
import type {SourceFolder, SourceStore} from '../../src/contracts/source-store.js';
import {RewritingServerSink} from '../helpers/rewriting-server-sink.js';

const ENGINE: EngineOptions = {dryRun: false, includeTrashed: false, connections: 2, folderMap: {}, fallbackDate: new Date(Date.UTC(2020, 0, 1))};
const VERIFY: VerifyOptions = {includeTrashed: false, folderMap: {}, fallbackDate: new Date(Date.UTC(2020, 0, 1)), deep: false};

function msg(i: number, options: {subject?: string; body?: Buffer; id?: string} = {}): SourceMessage {
	const head = Buffer.from(`From: Ann <ann@example.org>\nDate: Mon, 2 Mar 2009 08:00:0${i % 10} +0000\nSubject: ${options.subject ?? `note ${i}`}\nMessage-ID: <${options.id ?? `m${i}`}@t>\n\n`, 'latin1');
	return {ref: {store: '/s', folder: 'Inbox', key: `k${i}`, location: `/s/Inbox/${i}`}, raw: Buffer.concat([head, options.body ?? Buffer.from(`body ${i}\n`)]), flags: new Set(['\\Seen'])};
}

class Source implements SourceStore {
	readonly kind = 'maildir';
	readonly location = '/s';
	constructor(readonly messagesOf: Record<string, SourceMessage[]>, readonly onRead: (folder: string, relay?: ProblemRelay) => void = () => {}, readonly relay?: ProblemRelay) {}
	async listFolders(): Promise<SourceFolder[]> {
		return Object.keys(this.messagesOf).map((name) => ({path: [name]}));
	}
	async *messages(folder: SourceFolder): AsyncIterable<SourceMessage> {
		const name = folder.path.join('/');
		this.onRead(name, this.relay);
		yield* this.messagesOf[name] ?? [];
	}
	async close(): Promise<void> {}
}

const nul16k = (): Buffer => Buffer.concat([Buffer.from('start\n'), Buffer.alloc(16 * 1024), Buffer.from('\nend\n')]);

test('a source whose folder cannot be read is never verified OK: verify names it as "could not read the source"', async () => {
	// Given a migration that uploaded everything that could be read, then a source folder that fails to read
	const relay = new ProblemRelay();
	const ok = new Source({Inbox: [msg(1)], Archive: []}, (folder, r) => {
		if (folder === 'Archive') r?.onProblem({folder, location: '/s/Archive/cur', code: 'SOURCE_UNREADABLE', kind: 'failed', reason: 'EACCES: permission denied'});
	}, relay);
	const sink = new RewritingServerSink();
	await runMigration(ENGINE, {source: ok, sink, events: {emit: () => {}}}, new EngineControls());
	// When verify runs with the reader's problems
	const result = await runVerify(VERIFY, {source: ok, sink, readerProblems: relay}, new EngineControls());
	// Then the unread folder is counted, named, and the result is not clean
	assert.equal(result.unreadable, 1);
	assert.equal(isVerifyClean(result), false);
	assert.match(result.sourceProblems[0] ?? '', /Archive\/cur: EACCES/);
	assert.ok(result.problems.some((p) => p.kind === 'unreadable' && /could not read the source: EACCES/.test(p.detail)));
});

test('a folder whose reading throws and a problem known from the migration both make verify not OK, each counted once', async () => {
	const source = new Source({Inbox: [msg(1)], Broken: []}, (folder) => {
		if (folder === 'Broken') throw new MailshiftError('SOURCE_UNREADABLE', 'the store was cut short at byte 4096', 'skip');
	});
	const sink = new RewritingServerSink();
	await runMigration(ENGINE, {source, sink, events: {emit: () => {}}}, new EngineControls());
	const result = await runVerify({...VERIFY, knownSourceProblems: ['/s/file.pst: cut short', '/s/file.pst: cut short']}, {source, sink}, new EngineControls());
	assert.equal(result.unreadable, 2, JSON.stringify(result.sourceProblems));
	assert.equal(result.ok, 1);
	assert.equal(isVerifyClean(result), false);
});

test('an empty source that was read completely verifies OK (zero messages is fine when nothing was unreadable)', async () => {
	const result = await runVerify(VERIFY, {source: new Source({Inbox: []}), sink: new RewritingServerSink()}, new EngineControls());
	assert.equal(isVerifyClean(result), true);
});

test('a message whose NUL bytes the server strips is "stored altered by the server" once, not missing plus extra', async () => {
	const sink = new RewritingServerSink((c) => applyRewrite(c, 'nul-stripped'));
	const source = new Source({Inbox: [msg(1), msg(2, {body: nul16k()})]});
	await runMigration(ENGINE, {source, sink, events: {emit: () => {}}}, new EngineControls());
	const result = await runVerify(VERIFY, {source, sink}, new EngineControls());
	assert.deepEqual([result.missing, result.duplicated, result.altered, result.alteredByServer, result.ok], [0, 0, 0, 1, 2]);
	assert.equal(isVerifyClean(result), true);
	const noted = result.problems.filter((p) => p.kind === 'altered-by-server');
	assert.equal(noted.length, 1);
	assert.match(noted[0]!.detail, /stored altered by the server: the server removed its NUL bytes/);
});

test('a message whose NUL bytes the server replaces (same size, Dovecot) is found by its bytes and reported as altered by the server', async () => {
	const sink = new RewritingServerSink((c) => applyRewrite(c, 'nul-replaced'));
	const source = new Source({Inbox: [msg(2, {body: nul16k()})]});
	await runMigration(ENGINE, {source, sink, events: {emit: () => {}}}, new EngineControls());
	const result = await runVerify(VERIFY, {source, sink}, new EngineControls());
	assert.deepEqual([result.altered, result.alteredByServer, result.ok], [0, 1, 1]);
	assert.match(result.problems[0]?.detail ?? '', /replaced its NUL bytes/);
});

test('without a journal (--new-journal), a message stored with its NULs stripped is not uploaded again', async () => {
	const sink = new RewritingServerSink((c) => applyRewrite(c, 'nul-stripped'));
	const source = new Source({Inbox: [msg(1), msg(2, {body: nul16k()})]});
	await runMigration(ENGINE, {source, sink, events: {emit: () => {}}}, new EngineControls());
	assert.equal(sink.appends, 2);
	const again = await runMigration(ENGINE, {source, sink, events: {emit: () => {}}}, new EngineControls());
	assert.equal(again.summary.uploaded, 0);
	assert.equal(again.summary.skipped, 2);
	assert.equal(sink.mailboxes.get('INBOX')?.length, 2, 'no second copy');
});

test('dedup needs more than the Message-ID: a different message reusing it (other Subject) is still uploaded', async () => {
	const sink = new RewritingServerSink((c) => applyRewrite(c, 'nul-stripped'));
	await runMigration(ENGINE, {source: new Source({Inbox: [msg(2, {body: nul16k()})]}), sink, events: {emit: () => {}}}, new EngineControls());
	// Same Message-ID and the same size the NUL-stripping predicts, but another Subject: not the same message.
	const other = msg(3, {id: 'm2', subject: 'note 2', body: nul16k()});
	const otherDate = Buffer.from(other.raw.toString('latin1').replace(/08:00:03/, '09:30:00'), 'latin1');
	const result = await runMigration(ENGINE, {source: new Source({Inbox: [{...other, raw: otherDate}]}), sink, events: {emit: () => {}}}, new EngineControls());
	assert.equal(result.summary.uploaded, 1);
	assert.equal(sink.mailboxes.get('INBOX')?.length, 2);
});

test('a server that replaces raw 8-bit header bytes with X at equal size fails the default verify (no --deep needed)', async () => {
	const sink = new RewritingServerSink((c) => applyRewrite(c, '8bit-header-munged'));
	const source = new Source({Inbox: [msg(1), msg(2, {subject: 'Queensr\xff\xffche'})]});
	await runMigration(ENGINE, {source, sink, events: {emit: () => {}}}, new EngineControls());
	const result = await runVerify(VERIFY, {source, sink}, new EngineControls());
	assert.deepEqual([result.missing, result.altered, result.ok], [0, 1, 1]);
	assert.equal(isVerifyClean(result), false);
	assert.match(result.problems[0]?.detail ?? '', /stored header differs .*8-bit header bytes with "X"/);
});

/** A message without Message-ID (as the UTF-16 test .eml of Dovecot's own corpus): only its bytes identify it. */
function noIdMsg(i: number, body: Buffer): SourceMessage {
	const head = Buffer.from(`From: Ann <ann@example.org>\nDate: Mon, 2 Mar 2009 08:00:0${i % 10} +0000\nSubject: no id ${i}\n\n`, 'latin1');
	return {ref: {store: '/s', folder: 'Inbox', key: `n${i}`, location: `/s/Inbox/n${i}`}, raw: Buffer.concat([head, body]), flags: new Set(['\\Seen'])};
}

for (const rewrite of ['nul-replaced', 'nul-stripped'] as const) {
	test(`a message without a Message-ID whose NUL bytes the server changed (${rewrite}) is found by the bytes the rewrite gives: verify OK with it "altered by the server", and a re-run without a journal uploads nothing`, async () => {
		const sink = new RewritingServerSink((c) => applyRewrite(c, rewrite));
		const source = new Source({Inbox: [noIdMsg(3, nul16k()), noIdMsg(4, Buffer.from('plain\n'))]});
		await runMigration(ENGINE, {source, sink, events: {emit: () => {}}}, new EngineControls());
		const result = await runVerify(VERIFY, {source, sink}, new EngineControls());
		assert.deepEqual([result.missing, result.duplicated, result.altered, result.alteredByServer, result.ok], [0, 0, 0, 1, 2]);
		assert.equal(isVerifyClean(result), true);
		const again = await runMigration(ENGINE, {source, sink, events: {emit: () => {}}}, new EngineControls());
		assert.equal(again.summary.uploaded, 0);
		assert.equal(sink.mailboxes.get('INBOX')?.length, 2, 'no second copy');
	});
}
