/**
 * Runs the MailSink conformance suite (./sink-conformance.ts) over MemorySink and over ImapSink against the
 * private Dovecot and the private Cyrus (each skipped with the reason printed when it cannot run here). Each
 * server fixture reads the account back with its own imapflow client (test/helpers/imap-readback.ts), cuts
 * connections with the loopback fault proxy (test/helpers/fault-proxy.ts), and names the messages that server
 * refuses (servers.md §4, and the Cyrus transcripts of this suite): Cyrus 3.6 refuses an empty message, bare LF
 * line ends, a NUL byte in the header (a NUL in the body is stored: imapflow sends it as a literal8, RFC 3516) and a
 * header line that is no header field; Dovecot refuses the empty message only. A new sink or server adds one block.
 */
import {ImapFlow} from 'imapflow';

import {MailshiftError} from '../../src/contracts/errors.js';
import {ImapSink} from '../../src/uploader/imap-sink.js';
import type {MailSink} from '../../src/contracts/mail-sink.js';
import {MemorySink} from '../../src/uploader/memory-sink.js';
import {cyrusSkipReason, startCyrus} from '../helpers/cyrus.js';
import {dovecotSkipReason, startDovecot} from '../helpers/dovecot.js';
import {FaultProxy} from '../helpers/fault-proxy.js';
import type {FaultProxyOptions} from '../helpers/fault-proxy.js';
import {readAccount} from '../helpers/imap-readback.js';
import type {TestServer} from '../helpers/imap-readback.js';
import {mailSinkConformance, message} from './sink-conformance.js';
import type {AccountView, CutSink, Refusal, SinkFixture} from './sink-conformance.js';

const REFUSED_BY_NAME = 'the sink was told to refuse it';

mailSinkConformance('MemorySink', async () => {
	// A message with a NUL byte stands for one the server refuses (as Cyrus does, servers.md §0.2).
	const sink = new MemorySink({failWith: (job) => (job.content.includes(0) ? new MailshiftError('MESSAGE_REJECTED', REFUSED_BY_NAME, 'skip') : undefined)});
	const account: AccountView = {
		list: async () => [...sink.mailboxes.keys()].map((path) => ({path, subscribed: true, selectable: true})),
		readBack: async (mailbox) => (sink.mailboxes.get(mailbox) ?? []).map((job) => ({uid: undefined, content: job.content, flags: new Set(job.flags), internalDate: job.internalDate})),
		deleteMailbox: async (path) => {
			sink.mailboxes.delete(path);
		},
		createMailbox: async (path) => {
			sink.mailboxes.set(path, []);
		},
	};
	const fixture: SinkFixture = {
		open: async () => sink,
		account,
		hasUids: true,
		refusals: [{what: 'a message with a NUL byte', content: Buffer.concat([message('nul'), Buffer.from([0, 0x0d, 0x0a])]), code: 'MESSAGE_REJECTED'}],
		refusedName: 'MemorySink takes every folder name',
		quota: 'MemorySink has no quota',
		cut: 'MemorySink has no connection to cut',
		lostReply: 'MemorySink has no connection to cut',
	};
	return {fixture, cleanup: async () => undefined};
});

type ImapServer = TestServer & Readonly<{logText: () => Promise<string>; stop: () => Promise<void>}>;

/** An account on a private server, seen by its own imapflow client (never through the sink under test). */
function imapAccount(server: TestServer, user: string): AccountView {
	return {
		list: async () => (await readAccount(server, user)).mailboxes.map((m) => ({path: m.path, subscribed: m.subscribed, selectable: !m.flags.has('\\Noselect')})),
		readBack: async (mailbox) => (await readAccount(server, user)).messages.filter((m) => m.mailbox === mailbox).sort((a, b) => a.uid - b.uid)
			.map((m) => ({uid: m.uid, content: m.source, flags: m.flags, internalDate: m.internalDate})),
		deleteMailbox: (path) => asAnotherClient(server, user, (client) => client.mailboxDelete(path)),
		createMailbox: (path) => asAnotherClient(server, user, (client) => client.mailboxCreate(path)),
	};
}

/** Runs `use` on a connection of its own (another client of the account), then logs out. */
async function asAnotherClient(server: TestServer, user: string, use: (client: ImapFlow) => Promise<unknown>): Promise<void> {
	const client = new ImapFlow({host: server.host, port: server.port, secure: false, auth: {user, pass: server.passwordOf(user)}, logger: false});
	await client.connect();
	try {
		await use(client);
	} finally {
		await client.logout();
	}
}

function connectSink(server: TestServer, user: string, port = server.port): Promise<MailSink> {
	return ImapSink.connect({
		target: {host: '127.0.0.1', port, implicitTls: false, requireStartTls: false, insecure: false, user},
		password: server.passwordOf(user), size: 2,
	});
}

/** The fixture of ImapSink on one private server: user `conformance`, and `tiny` with a quota of `quotaBytes`. */
/** A sink of `user` through a loopback fault proxy with these faults. */
async function behindProxy(server: TestServer, user: string, faults: Omit<FaultProxyOptions, 'targetPort' | 'lifetimeMs'>): Promise<CutSink> {
	const proxy = await FaultProxy.start({targetPort: server.port, ...faults, lifetimeMs: 5 * 60_000});
	const sink = await connectSink(server, user, proxy.port).catch(async (error: unknown) => {
		await proxy.close();
		throw error;
	});
	return {
		sink, hasCut: () => proxy.stats.clientCuts > 0,
		faults: () => `faults: ${JSON.stringify(proxy.stats)} ${proxy.log.join('; ')}`,
		close: async () => {
			await sink.close();
			await proxy.close();
		},
	};
}

/**
 * The fixture of ImapSink on one private server: user `conformance`, and `tiny` with a quota of `quotaBytes`.
 * `refusedName` is a folder name the server refuses; `lostReply` the reason the lost-reply check cannot run on
 * this server, if it cannot.
 */
function imapFixture(server: ImapServer, quotaBytes: number, refusals: readonly Refusal[], options: Readonly<{lostReply?: string; refusedName: SinkFixture['refusedName']}>): {fixture: SinkFixture; cleanup: () => Promise<void>} {
	const user = 'conformance';
	const fixture: SinkFixture = {
		open: () => connectSink(server, user),
		account: imapAccount(server, user),
		hasUids: true,
		refusals,
		refusedName: options.refusedName,
		quota: {open: () => connectSink(server, 'tiny'), account: imapAccount(server, 'tiny'), limitBytes: quotaBytes},
		cut: (afterBytes) => behindProxy(server, user, {plan: () => ({cutClientAt: afterBytes}), maxFaults: 1}),
		lostReply: typeof options.lostReply === 'string' ? options.lostReply
			: (literalBytes) => behindProxy(server, user, {cutFirstLiteralOver: literalBytes, literalCutAt: 'after'}),
	};
	return {fixture, cleanup: () => server.stop()};
}

const skipWhen = (reason: string | undefined): {skip?: string} => (reason === undefined ? {} : {skip: reason});

const empty: Refusal = {what: 'an empty message', content: Buffer.alloc(0), code: 'MESSAGE_REJECTED'};

const dovecotSkip = dovecotSkipReason();
for (const separator of ['/', '.'] as const) {
	mailSinkConformance(`ImapSink on Dovecot (separator "${separator}")`, async () => {
		const server = await startDovecot({users: ['conformance'], separator, tinyQuota: '1M', tinyMaxMail: '256k'});
		return imapFixture(server, 1024 * 1024, [empty], {refusedName: {name: '~home', why: 'Dovecot: "Begins with \'~\'"'}});
	}, skipWhen(dovecotSkip));
}

const cyrusSkip = cyrusSkipReason();
for (const separator of ['/', '.'] as const) {
	mailSinkConformance(`ImapSink on Cyrus (separator "${separator}")`, async () => {
		const server = await startCyrus({users: ['conformance'], separator, tinyQuotaKb: 1024});
		return imapFixture(server, 1024 * 1024, [
			empty,
			// servers.md §0.2 / §4: refused by Cyrus 3.6, stored by Dovecot. The engine sends CRLF (mapper/normalize.ts),
			// so bare LF reaches a server only through a mapper bug; the others come from the user's store as they are.
			{what: 'a message with bare LF line ends', content: Buffer.from('Subject: bare LF\nFrom: a@example.org\n\nbody\n'), code: 'MESSAGE_REJECTED'},
			{what: 'a message with a NUL byte in its header', content: Buffer.from('Subject: nul\0\r\nFrom: a@example.org\r\n\r\nbody\r\n'), code: 'MESSAGE_REJECTED'},
			{what: 'a message with a header line that is no header field', content: Buffer.from('Subject: x\r\nnot a header\r\n\r\nbody\r\n'), code: 'MESSAGE_REJECTED'},
		], {refusedName: {name: '100% done', why: 'Cyrus: "Invalid mailbox name" for the LIST wildcard %, which Dovecot takes'}, lostReply: 'Cyrus offers COMPRESS=DEFLATE and imapflow takes it, so the fault proxy cannot see where a literal ends (test/e2e/cut-connections.test.ts covers a lost reply on Dovecot through the CLI)'});
	}, skipWhen(cyrusSkip));
}
