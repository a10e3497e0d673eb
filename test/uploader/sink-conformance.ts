/**
 * The MailSink conformance suite (issue #13; rclone's `fstests` is the model): the same contract tests, run over
 * every sink — MemorySink, and ImapSink against each real server the tests can start (Dovecot, Cyrus) — so a new
 * sink or a new server gets them by adding one fixture to sink-conformance.test.ts. The contract is the doc
 * comment of src/uploader/mail-sink.ts; what the sink says is always checked against what an independent reader
 * of the account (`AccountView`) sees, never against the sink's own word. Each test checks one sentence:
 * - create: ensureMailbox makes a folder, a nested one (with the server's delimiter) and the server's special-use
 *   folder selectable and subscribed, says `created` truthfully, and is idempotent; a folder that exists without
 *   the sink knowing (a parent Cyrus made real with its child, one another client created since) is no error; a
 *   name the server refuses is MAILBOX_CREATE_FAILED with a hint, and the sink goes on;
 * - append: bytes, flags, keywords and the internal date (as an instant: servers keep UTC, servers.md §0.6) read
 *   back as sent; 8-bit header bytes (several sent together) come back as sent, or all RFC 2047-encoded with a
 *   note on each receipt, never changed silently and never stored twice;
 * - receipts: each names the mailbox, and a UID (when the server has UIDPLUS) that holds exactly that message,
 *   also for concurrent appends (MULTIAPPEND batches); mailboxState (when offered) counts them;
 * - TRYCREATE (RFC 3501 §6.3.11): an append to a folder that does not exist — never created, or deleted by
 *   another client after it was — creates it and stores the message;
 * - refusal: a message the server refuses gives a MailshiftError with the expected code and disposition 'skip',
 *   alone and inside a batch (the batch's other messages are stored), and the sink stays usable;
 * - quota: quota() (when offered) reports the limit; filling a quota-limited account, three messages at a time,
 *   ends in OVER_QUOTA (with or without a response code), every receipt is a stored message, and the sink keeps
 *   answering the same way;
 * - cut connection: when the connection drops mid-batch, each message gets a receipt for a stored copy or a
 *   CONNECTION_LOST/TIMEOUT error whose disposition is 'retry' or 'verify' — nothing is claimed that did not land
 *   — and the same sink then stores them (after a look at the server, as the engine's verify does).
 * - lost reply: an APPEND the server had whole, whose reply the cut lost, is an error with disposition 'verify' (it
 *   may be stored: sending it again blindly could store it twice), and the sink goes on.
 * A check that cannot apply to a sink (no quota, no connection) is skipped with its reason printed.
 */
import assert from 'node:assert/strict';
import {randomBytes} from 'node:crypto';
import {after, before, describe, test} from 'node:test';
import type {TestContext} from 'node:test';

import {MailshiftError} from '../../src/contracts/errors.js';
import type {ErrorCode} from '../../src/contracts/errors.js';
import type {AppendReceipt, UploadJob} from '../../src/contracts/types.js';
import {encode8bitHeaders} from '../../src/mapper/encode-8bit-headers.js';
import type {MailSink} from '../../src/contracts/mail-sink.js';

/** A message as the account holds it, read without the sink under test. */
export type StoredMessage = Readonly<{uid: number | undefined; content: Buffer; flags: ReadonlySet<string>; internalDate: Date}>;
export type ListedMailbox = Readonly<{path: string; subscribed: boolean; selectable: boolean}>;

/** An independent view of one account (another client of the same server, or the sink's memory). */
export type AccountView = Readonly<{
	list: () => Promise<ListedMailbox[]>;
	/** Every message of `mailbox`, in UID order; [] when it does not exist. */
	readBack: (mailbox: string) => Promise<StoredMessage[]>;
	/** Deletes a mailbox as another client would, behind the sink's back. */
	deleteMailbox: (path: string) => Promise<void>;
	/** Creates a mailbox as another client would, after the sink listed the account. */
	createMailbox: (path: string) => Promise<void>;
}>;

/** A message the server refuses, and the code the sink must classify the refusal as. */
export type Refusal = Readonly<{what: string; content: Buffer; code: ErrorCode}>;

export type SinkFixture = Readonly<{
	/** A sink on the main account; the tests close each one they open. */
	open: () => Promise<MailSink>;
	account: AccountView;
	/** Whether every receipt must carry a UID and UIDVALIDITY (UIDPLUS, RFC 4315). */
	hasUids: boolean;
	/** Messages this server refuses (may be empty: the test then says so). */
	refusals: readonly Refusal[];
	/** A folder name this server refuses to create, and why (servers.md §3), or the reason there is none. */
	refusedName: Readonly<{name: string; why: string}> | string;
	/** A quota-limited account, or the reason there is none. */
	quota: Readonly<{open: () => Promise<MailSink>; account: AccountView; limitBytes: number}> | string;
	/**
	 * A sink whose connection is cut once, on the first connection that has sent `afterBytes` bytes to the server
	 * (a fault proxy in between; a byte offset, not a parsed literal, so that it also works under COMPRESS, which
	 * Cyrus offers and imapflow takes), or the reason there is no connection to cut.
	 */
	cut: ((afterBytes: number) => Promise<CutSink>) | string;
	/**
	 * A sink whose connection is cut right after the first APPEND whose literal has at least `literalBytes` was
	 * sent whole, so the server has the message and its reply is lost; or the reason this cannot be arranged.
	 */
	lostReply: ((literalBytes: number) => Promise<CutSink>) | string;
}>;

/** A sink behind a fault proxy (test/helpers/fault-proxy.ts). */
export type CutSink = Readonly<{sink: MailSink; hasCut: () => boolean; close: () => Promise<void>; faults: () => string}>;

export type SinkCheck = 'create' | 'refused-name' | 'append' | 'receipts' | 'trycreate' | 'refusal' | 'quota' | 'cut' | 'lost-reply';

export type SinkConformanceOptions = Readonly<{
	/** Skips the whole kind, with this reason printed (a server that is not installed). */
	skip?: string;
	/** Checks this sink fails today, with the reason (shown as node:test todo, not hidden). */
	todo?: Partial<Record<SinkCheck, string>>;
}>;

/** A hang fails the test instead of stalling the run; generous for a loaded 2-core machine. */
const TIMEOUT_MS = 180_000;
/** RFC 3501 §2.3.2: \Recent is the server's, never ours; it may appear in a read-only FETCH. */
const withoutRecent = (flags: ReadonlySet<string>): string[] => [...flags].filter((f) => f.toLowerCase() !== '\\recent').sort();

let serial = 0;

/** A CRLF message with a Message-ID unique in the run. */
function compose(label: string, extraHeaders: string, body: string): Buffer {
	return Buffer.from(`Message-ID: <${label.replaceAll(' ', '-')}.${++serial}@conformance.test>\r\nFrom: Alice <alice@example.org>\r\nTo: Bob <bob@example.org>\r\nSubject: ${label}\r\nDate: Mon, 4 Mar 2019 05:06:07 +0000\r\n${extraHeaders}\r\n${body}`, 'utf8');
}

/** A text message of about `bodyBytes`. */
export function message(label: string, bodyBytes = 200, extraHeaders = ''): Buffer {
	const line = 'The quick brown fox jumps over the lazy dog 0123456789.\r\n';
	return compose(label, extraHeaders, line.repeat(Math.max(1, Math.ceil(bodyBytes / line.length))));
}

/** A message whose body is base64 of random bytes: COMPRESS cannot shrink it much, so byte offsets hold. */
export function noiseMessage(label: string, bodyBytes: number): Buffer {
	const body = randomBytes(Math.ceil((bodyBytes * 3) / 4)).toString('base64').replace(/.{76}/g, '$&\r\n');
	return compose(label, 'Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n', `${body}\r\n`);
}

export function uploadJob(mailbox: string, content: Buffer, flags: readonly string[] = [], internalDate = new Date(Date.UTC(2019, 2, 4, 5, 6, 7))): UploadJob {
	const messageId = /Message-ID: <([^>]+)>/.exec(content.toString('latin1'))?.[1];
	return {
		ref: {store: 'conformance', folder: mailbox, key: messageId ?? String(++serial), location: `conformance #${serial}`},
		mailbox, content, flags, internalDate, dateSource: 'date-header',
		...(messageId === undefined ? {} : {messageId}), fingerprint: `mid:${messageId}:${content.length}`,
	};
}

async function withSink<T>(open: () => Promise<MailSink>, use: (sink: MailSink) => Promise<T>): Promise<T> {
	const sink = await open();
	try {
		return await use(sink);
	} finally {
		await sink.close();
	}
}

/** Runs `use` on a sink behind a fault proxy, closing both after; skips with the reason when there is none. */
async function withCutSink(t: TestContext, make: ((n: number) => Promise<CutSink>) | string, n: number, use: (cutting: CutSink) => Promise<void>): Promise<void> {
	if (typeof make === 'string') {
		t.skip(make);
		return;
	}
	const cutting = await make(n);
	try {
		await use(cutting);
	} finally {
		await cutting.close();
	}
}

/** Outcome of one append: its receipt, or the error it was rejected with. */
async function settle(promise: Promise<AppendReceipt>): Promise<AppendReceipt | MailshiftError> {
	try {
		return await promise;
	} catch (error) {
		assert.ok(error instanceof MailshiftError, `a refused append rejects with a MailshiftError, not ${String(error)}`);
		return error;
	}
}

/** Every receipt names a message the account holds under that UID with those bytes (when UIDs are known). */
function assertReceiptsLanded(receipts: ReadonlyArray<Readonly<{receipt: AppendReceipt; content: Buffer}>>, stored: readonly StoredMessage[], mailbox: string, hasUids: boolean): void {
	for (const {receipt, content} of receipts) {
		assert.equal(receipt.mailbox, mailbox, 'the receipt names the mailbox the message went to');
		if (hasUids) assert.ok(receipt.uid !== undefined && receipt.uidValidity !== undefined, 'the receipt carries UID and UIDVALIDITY (UIDPLUS)');
		const copies = stored.filter((m) => m.content.equals(content));
		assert.equal(copies.length, 1, `the message of receipt UID ${receipt.uid} is stored exactly once`);
		if (receipt.uid !== undefined && copies[0]!.uid !== undefined) assert.equal(copies[0]!.uid, receipt.uid, 'the receipt\'s UID holds that message');
	}
}

/**
 * Registers the conformance tests for one sink under `describe(kind)`. `setup` builds the fixture once, before
 * the tests; its `cleanup` runs after them (and may print the server's transcripts when a test failed).
 */
export function mailSinkConformance(kind: string, setup: () => Promise<{fixture: SinkFixture; cleanup: () => Promise<void>}>, options: SinkConformanceOptions = {}): void {
	describe(`${kind} sink conformance`, options.skip === undefined ? {} : {skip: options.skip}, () => {
		let fixture: SinkFixture;
		let cleanup: () => Promise<void> = async () => undefined;
		before(async () => {
			({fixture, cleanup} = await setup());
		});
		after(async () => {
			await cleanup();
		});
		const todo = (check: SinkCheck): {todo?: string; timeout: number} => {
			const reason = options.todo?.[check];
			return reason === undefined ? {timeout: TIMEOUT_MS} : {todo: reason, timeout: TIMEOUT_MS};
		};

		test(`${kind}: ensureMailbox creates a folder, a nested folder and the special-use folder, each selectable and subscribed, and says truthfully whether it created them`, todo('create'), async () => {
			await withSink(fixture.open, async (sink) => {
				const {delimiter, prefix, specialUse} = sink.layout();
				assert.ok(delimiter.length === 1, `the layout has a one-character delimiter, not ${JSON.stringify(delimiter)}`);
				const plain = `${prefix}Conformance Create`;
				const nested = `${prefix}Conformance Parent${delimiter}Child`;
				const sent = specialUse.get('sent');
				assert.ok(sent !== undefined, 'the layout names a special-use Sent folder');
				const before = new Set((await fixture.account.list()).map((m) => m.path));
				assert.ok(!before.has(plain) && !before.has(nested), 'the account starts without the test folders');
				for (const path of [plain, nested, sent]) {
					const first = await sink.ensureMailbox(path);
					assert.equal(first.path, path, `${path} is created under the name asked for`);
					assert.equal(first.created, !before.has(path), `${path}: created is true exactly when it did not exist`);
					const again = await sink.ensureMailbox(path);
					assert.deepEqual({path: again.path, created: again.created}, {path, created: false}, `${path}: a second ensureMailbox is a no-op`);
				}
				const listed = new Map((await fixture.account.list()).map((m) => [m.path, m]));
				for (const path of [plain, nested, sent]) {
					assert.ok(listed.get(path)?.selectable, `${path} is listed and selectable`);
					assert.ok(listed.get(path)?.subscribed, `${path} is subscribed (clients that show subscribed folders only must see it)`);
				}
			});
		});

		test(`${kind}: ensureMailbox of a folder that exists without the sink knowing it — a parent made by creating its child, or one another client created — is no error`, todo('create'), async () => {
			await withSink(fixture.open, async (sink) => {
				const {delimiter, prefix} = sink.layout();
				const parent = `${prefix}Conformance Late Parent`;
				const child = `${parent}${delimiter}Child`;
				const byOther = `${prefix}Conformance By Another Client`;
				await sink.ensureMailbox(child);
				await fixture.account.createMailbox(byOther);
				for (const path of [parent, byOther]) {
					const ensured = await sink.ensureMailbox(path);
					assert.equal(ensured.path, path, `${path} is used under its own name`);
					const content = message(`into ${path}`);
					const receipt = await sink.append(uploadJob(path, content));
					assertReceiptsLanded([{receipt, content}], await fixture.account.readBack(path), path, fixture.hasUids);
				}
				assert.equal((await sink.ensureMailbox(byOther)).created, false, 'a folder another client created was not created by the sink');
				const listed = new Map((await fixture.account.list()).map((m) => [m.path, m]));
				for (const path of [parent, byOther]) assert.ok(listed.get(path)?.subscribed, `${path} is subscribed`);
			});
		});

		test(`${kind}: a folder name the server refuses gives MAILBOX_CREATE_FAILED with a hint, and the sink goes on`, todo('refused-name'), async (t) => {
			const refused = fixture.refusedName;
			if (typeof refused === 'string') {
				t.skip(refused);
				return;
			}
			await withSink(fixture.open, async (sink) => {
				const name = `${sink.layout().prefix}${refused.name}`;
				const error = await sink.ensureMailbox(name).then(() => undefined, (e: unknown) => e);
				assert.ok(error instanceof MailshiftError, `${JSON.stringify(name)} (${refused.why}) is refused with a MailshiftError, not ${String(error)}`);
				assert.equal(error.code, 'MAILBOX_CREATE_FAILED', error.message);
				assert.equal(error.disposition, 'skip', 'the folder is skipped, the run goes on');
				assert.ok(error.message.includes(name) && error.hint !== undefined, 'the error names the folder and says what to do');
				assert.ok(!(await fixture.account.list()).some((m) => m.path === name), 'nothing was created under that name');
				const next = (await sink.ensureMailbox(`${sink.layout().prefix}Conformance After Refused Name`)).path;
				const content = message('after a refused folder name');
				assertReceiptsLanded([{receipt: await sink.append(uploadJob(next, content)), content}], await fixture.account.readBack(next), next, fixture.hasUids);
			});
		});

		test(`${kind}: an appended message reads back with its bytes, flags, keywords and internal date, and 8-bit header bytes are kept or encoded with a note`, todo('append'), async (t) => {
			await withSink(fixture.open, async (sink) => {
				const box = (await sink.ensureMailbox(`${sink.layout().prefix}Conformance Append`)).path;
				const date = new Date(Date.UTC(2011, 10, 12, 13, 14, 15));
				const flagged = message('flags and keywords');
				await sink.append(uploadJob(box, flagged, ['\\Seen', '\\Flagged', '\\Answered', '$Forwarded', 'Project_X'], date));
				const plain = message('no flags', 50_000);
				await sink.append(uploadJob(box, plain, [], new Date(Date.UTC(1999, 0, 2, 3, 4, 5))));
				const eightBit = [0, 1, 2, 3].map((i) => message(`8-bit header ${i}`, 200, `X-Note: Grüße aus Köln ${i}\r\n`));
				// Together: a sink that finds out first whether the server keeps 8-bit header bytes must hold the others.
				const eightBitReceipts = await Promise.all(eightBit.map((content) => sink.append(uploadJob(box, content, ['\\Seen']))));
				const stored = await fixture.account.readBack(box);
				assert.equal(stored.length, 2 + eightBit.length, 'every message is stored once');
				const [first, second] = stored;
				assert.ok(first!.content.equals(flagged), 'the bytes read back as sent');
				assert.deepEqual(withoutRecent(first!.flags), ['$Forwarded', 'Project_X', '\\Answered', '\\Flagged', '\\Seen'].sort(), 'flags and keywords read back as sent');
				assert.equal(first!.internalDate.getTime(), date.getTime(), 'the internal date is the same instant');
				assert.ok(second!.content.equals(plain), 'a 50 KB message reads back byte for byte');
				assert.deepEqual(withoutRecent(second!.flags), [], 'a message sent without flags has none');
				assert.equal(second!.internalDate.getTime(), Date.UTC(1999, 0, 2, 3, 4, 5), 'a 1999 internal date is kept');
				for (const [i, receipt] of eightBitReceipts.entries()) {
					const expected = receipt.note === undefined ? eightBit[i]! : encode8bitHeaders(eightBit[i]!);
					assertReceiptsLanded([{receipt, content: expected}], stored, box, fixture.hasUids);
				}
				const encoded = eightBitReceipts.filter((r) => r.note !== undefined).length;
				assert.ok(encoded === 0 || encoded === eightBit.length, `8-bit headers are kept for all messages or encoded for all, with a note (${encoded} of ${eightBit.length} encoded)`);
				t.diagnostic(encoded === 0 ? '8-bit header bytes stored as sent' : `8-bit header bytes RFC 2047-encoded: ${eightBitReceipts[0]!.note}`);
			});
		});

		test(`${kind}: every receipt names its mailbox and the UID that holds exactly that message, also for concurrent appends`, todo('receipts'), async () => {
			await withSink(fixture.open, async (sink) => {
				const box = (await sink.ensureMailbox(`${sink.layout().prefix}Conformance Receipts`)).path;
				const contents = Array.from({length: 24}, (_, i) => message(`receipt ${i}`, i % 5 === 0 ? 20_000 : 300));
				const receipts = await Promise.all(contents.map((content, i) => sink.append(uploadJob(box, content, i % 2 === 0 ? ['\\Seen'] : []))));
				const stored = await fixture.account.readBack(box);
				assert.equal(stored.length, contents.length, 'every message is stored once');
				assertReceiptsLanded(receipts.map((receipt, i) => ({receipt, content: contents[i]!})), stored, box, fixture.hasUids);
				if (fixture.hasUids) assert.equal(new Set(receipts.map((r) => r.uid)).size, receipts.length, 'no two receipts share a UID');
				if (sink.mailboxState) {
					const state = await sink.mailboxState(box);
					assert.equal(state.exists, contents.length, 'mailboxState counts the stored messages');
					if (fixture.hasUids) assert.equal(state.uidValidity, receipts[0]!.uidValidity, 'mailboxState has the receipts\' UIDVALIDITY');
				}
			});
		});

		test(`${kind}: an append to a folder that does not exist, or was deleted by another client, creates it and stores the message (TRYCREATE)`, todo('trycreate'), async () => {
			await withSink(fixture.open, async (sink) => {
				const {prefix, delimiter} = sink.layout();
				const never = `${prefix}Conformance Never Created`;
				const neverContent = message('to a folder never created');
				const first = await sink.append(uploadJob(never, neverContent));
				assertReceiptsLanded([{receipt: first, content: neverContent}], await fixture.account.readBack(never), never, fixture.hasUids);

				const vanishing = (await sink.ensureMailbox(`${prefix}Conformance Vanishing${delimiter}Leaf`)).path;
				await sink.append(uploadJob(vanishing, message('before the delete')));
				await fixture.account.deleteMailbox(vanishing);
				assert.deepEqual(await fixture.account.readBack(vanishing), [], 'the other client deleted the folder');
				const afterContent = message('after the delete');
				const second = await sink.append(uploadJob(vanishing, afterContent));
				const stored = await fixture.account.readBack(vanishing);
				assert.equal(stored.length, 1, 'the re-created folder holds the one message sent after the delete');
				assertReceiptsLanded([{receipt: second, content: afterContent}], stored, vanishing, fixture.hasUids);
				assert.ok((await fixture.account.list()).find((m) => m.path === vanishing)?.subscribed, 'the re-created folder is subscribed');
			});
		});

		test(`${kind}: a message the server refuses gives a classified error with disposition skip, also inside a batch, and the other messages are stored`, todo('refusal'), async (t) => {
			if (fixture.refusals.length === 0) {
				t.skip('this server refuses none of the test\'s messages');
				return;
			}
			await withSink(fixture.open, async (sink) => {
				const box = (await sink.ensureMailbox(`${sink.layout().prefix}Conformance Refusal`)).path;
				// Sent together, so that a sink that batches (MULTIAPPEND, RFC 3502: all or nothing) meets the refusal
				// inside a batch; then one at a time.
				const goodBefore = fixture.refusals.map((r) => message(`before ${r.what}`));
				const goodAfter = fixture.refusals.map((r) => message(`after ${r.what}`));
				const together = await Promise.all(fixture.refusals.flatMap((r, i) => [goodBefore[i]!, r.content, goodAfter[i]!]).map((content) => settle(sink.append(uploadJob(box, content, ['\\Seen'])))));
				const alone = [];
				for (const refusal of fixture.refusals) alone.push(await settle(sink.append(uploadJob(box, refusal.content))));
				const good: Array<{receipt: AppendReceipt; content: Buffer}> = [];
				for (const [i, refusal] of fixture.refusals.entries()) {
					for (const [how, outcome] of [['in a batch', together[3 * i + 1]], ['alone', alone[i]]] as const) {
						assert.ok(outcome instanceof MailshiftError, `${refusal.what} (${how}): refused, not stored`);
						assert.equal(outcome.code, refusal.code, `${refusal.what} (${how}): classified as ${refusal.code} (${outcome.message})`);
						assert.equal(outcome.disposition, 'skip', `${refusal.what} (${how}): this message is skipped, the run goes on`);
						assert.ok(outcome.message.length > 0, `${refusal.what} (${how}): the error says what happened`);
					}
					for (const [offset, content] of [[0, goodBefore[i]!], [2, goodAfter[i]!]] as const) {
						const outcome = together[3 * i + offset];
						assert.ok(!(outcome instanceof MailshiftError), `the message sent with ${refusal.what} is stored${outcome instanceof MailshiftError ? `, not refused: ${outcome.message}` : ''}`);
						good.push({receipt: outcome!, content});
					}
				}
				const last = message('after every refusal');
				good.push({receipt: await sink.append(uploadJob(box, last)), content: last});
				const stored = await fixture.account.readBack(box);
				assert.equal(stored.length, good.length, 'exactly the accepted messages are stored');
				assertReceiptsLanded(good, stored, box, fixture.hasUids);
			});
		});

		test(`${kind}: filling a quota-limited account ends in OVER_QUOTA, every receipt is a stored message, and the sink keeps answering`, todo('quota'), async (t) => {
			const quota = fixture.quota;
			if (typeof quota === 'string') {
				t.skip(quota);
				return;
			}
			await withSink(quota.open, async (sink) => {
				const box = (await sink.ensureMailbox('INBOX')).path;
				if (sink.quota) {
					const reported = await sink.quota();
					if (reported !== undefined) assert.equal(reported.limitBytes, quota.limitBytes, 'quota() reports the account\'s limit');
				}
				// Three at a time, so that a sink that batches (MULTIAPPEND: all or nothing) meets the quota inside a batch.
				const size = 150_000;
				const bound = Math.ceil(quota.limitBytes / size / 3) + 2;
				const landed: Array<{receipt: AppendReceipt; content: Buffer}> = [];
				const refusals: MailshiftError[] = [];
				for (let round = 0; round < bound && refusals.length === 0; round++) {
					const contents = [0, 1, 2].map((i) => message(`quota ${round}.${i}`, size));
					const outcomes = await Promise.all(contents.map((content) => settle(sink.append(uploadJob(box, content)))));
					for (const [i, outcome] of outcomes.entries()) {
						if (outcome instanceof MailshiftError) refusals.push(outcome);
						else landed.push({receipt: outcome, content: contents[i]!});
					}
				}
				const refusal = refusals[0];
				assert.ok(refusal !== undefined, `the account refused a message within ${3 * bound} × ${size} bytes`);
				for (const error of refusals) assert.equal(error.code, 'OVER_QUOTA', `the refusal is classified as OVER_QUOTA: ${error.message}`);
				assert.ok(refusal.hint !== undefined, 'OVER_QUOTA tells the user what to do');
				assert.ok(landed.length > 0, 'messages below the quota were stored');
				const stored = await quota.account.readBack(box);
				assert.equal(stored.length, landed.length, 'exactly the messages with a receipt are stored');
				assertReceiptsLanded(landed, stored, box, fixture.hasUids);
				const again = await settle(sink.append(uploadJob(box, message('still over quota', size))));
				assert.ok(again instanceof MailshiftError && again.code === 'OVER_QUOTA', 'the sink answers the next message the same way, without a crash');
				const small = await settle(sink.append(uploadJob(box, Buffer.from('Subject: x\r\n\r\nx\r\n'))));
				assert.ok(!(small instanceof MailshiftError) || small.code === 'OVER_QUOTA', `a small message is stored or refused as OVER_QUOTA, never another error${small instanceof MailshiftError ? `: ${small.message}` : ''}`);
			});
		});

		test(`${kind}: when the connection drops mid-batch, every message has a receipt for a stored copy or a retryable error, and the sink then stores them`, todo('cut'), async (t) => {
			await withCutSink(t, fixture.cut, 40_000, async (cutting) => {
				const {sink} = cutting;
				const box = (await sink.ensureMailbox(`${sink.layout().prefix}Conformance Cut`)).path;
				const contents = Array.from({length: 8}, (_, i) => noiseMessage(`cut ${i}`, i === 2 ? 60_000 : 4_000));
				const outcomes = await Promise.all(contents.map((content) => settle(sink.append(uploadJob(box, content)))));
				assert.ok(cutting.hasCut(), `the proxy cut the connection during the batch (${cutting.faults()})`);
				const failed = outcomes.flatMap((outcome, i) => (outcome instanceof MailshiftError ? [{error: outcome, content: contents[i]!}] : []));
				assert.ok(failed.length > 0, 'at least the message that was cut is not reported as stored');
				for (const {error} of failed) {
					assert.ok(error.code === 'CONNECTION_LOST' || error.code === 'TIMEOUT', `a cut is classified as a lost connection, not ${error.code}: ${error.message}`);
					assert.ok(error.disposition === 'retry' || error.disposition === 'verify', `a cut is retryable (retry or verify), not ${error.disposition}`);
				}
				const landed = outcomes.flatMap((outcome, i) => (outcome instanceof MailshiftError ? [] : [{receipt: outcome, content: contents[i]!}]));
				t.diagnostic(`${landed.length} receipts, ${failed.length} errors (${[...new Set(failed.map((f) => `${f.error.code}/${f.error.disposition}`))].join(', ')}); ${cutting.faults()}`);
				let stored = await fixture.account.readBack(box);
				assertReceiptsLanded(landed, stored, box, fixture.hasUids);
				// As the engine does for 'verify': look first, send again only what is not there.
				for (const {content} of failed) {
					if (stored.some((m) => m.content.equals(content))) continue;
					landed.push({receipt: await sink.append(uploadJob(box, content)), content});
				}
				stored = await fixture.account.readBack(box);
				assert.equal(stored.length, contents.length, 'in the end every message is stored exactly once');
				assertReceiptsLanded(landed, stored, box, fixture.hasUids);
			});
		});

		test(`${kind}: an APPEND whose reply is lost after the server had the whole message is reported as unknown (verify), never as safe to send again`, todo('lost-reply'), async (t) => {
			await withCutSink(t, fixture.lostReply, 30_000, async (cutting) => {
				const {sink} = cutting;
				const box = (await sink.ensureMailbox(`${sink.layout().prefix}Conformance Lost Reply`)).path;
				const outcome = await settle(sink.append(uploadJob(box, noiseMessage('lost reply', 60_000))));
				assert.ok(cutting.hasCut(), `the proxy cut the connection after the message (${cutting.faults()})`);
				assert.ok(outcome instanceof MailshiftError, 'no receipt is claimed for a message whose reply never came');
				assert.equal(outcome.disposition, 'verify', `the outcome is unknown, so the engine must look before sending again (${outcome.code}: ${outcome.message})`);
				const next = message('after the lost reply');
				const receipt = await sink.append(uploadJob(box, next));
				assert.ok((await fixture.account.readBack(box)).some((m) => m.content.equals(next) && (receipt.uid === undefined || m.uid === receipt.uid)), 'the sink stores the next message on a new connection');
			});
		});
	});
}
