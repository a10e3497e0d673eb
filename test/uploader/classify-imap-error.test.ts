/**
 * classifyImapError (STYLE rule 5): imapflow's and Node's errors → MailshiftError with a stable code, a
 * disposition and, for errors the user can act on, a hint. The error objects below are shaped like the ones
 * imapflow 2 builds (dist/esm/imap-flow.js for tagged NO/BAD, commands/login.js and authenticate.js for
 * LOGIN, commands/append.js for APPENDLIMIT, errors.js for codes) and carry the replies Dovecot 2.3.19 and
 * Cyrus 3.6.1 sent in research/servers.md §0–§4.
 */
import assert from 'node:assert/strict';
import {describe, test} from 'node:test';

import {MailshiftError} from '../../src/contracts/errors.js';
import type {Disposition, ErrorCode} from '../../src/contracts/errors.js';
import type {ImapContext} from '../../src/uploader/classify-imap-error.js';
import {classifyImapError, lacksLoginMechanism, serverText} from '../../src/uploader/classify-imap-error.js';

const TARGET = 'imaps://alice@imap.example.com:993';

/**
 * A tagged NO/BAD as imapflow rejects it: `message` is always 'Command failed', `responseText` holds the
 * TEXT attributes (without the [CODE] section), `response` the compiled reply, `serverResponseCode` the
 * section's first atom (set by enhanceCommandError, login.js, authenticate.js).
 */
function serverError(
	status: 'NO' | 'BAD',
	responseCode: string | undefined,
	text: string,
	extra: Record<string, unknown> = {},
): Error {
	const error = new Error('Command failed');
	Object.assign(error, {
		responseStatus: status,
		responseText: text,
		response: `A7 ${status} ${responseCode === undefined ? '' : `[${responseCode}] `}${text}`,
		executedCommand: 'A7 NOOP',
		...(responseCode === undefined ? {} : {serverResponseCode: responseCode}),
		...extra,
	});
	return error;
}

/** A LOGIN refused by the server: imapflow's login.js sets authenticationFailed on every tagged NO/BAD. */
function loginRefusal(responseCode: string | undefined, text: string): Error {
	return serverError('NO', responseCode, text, {authenticationFailed: true, executedCommand: 'A3 LOGIN "alice" "(* value hidden *)"'});
}

/** An error raised by imapflow itself (createImapError): a message and a `code`. */
function imapflowError(message: string, code: string, extra: Record<string, unknown> = {}): Error {
	return Object.assign(new Error(message), {code, ...extra});
}

/** A socket, DNS or TLS error as Node raises it: `code`, often `errno`/`syscall`/`hostname`. */
function nodeError(message: string, code: string, extra: Record<string, unknown> = {}): Error {
	return Object.assign(new Error(message), {code, ...extra});
}

type Row = Readonly<{
	name: string;
	error: unknown;
	context: ImapContext;
	code: ErrorCode;
	disposition: Disposition;
	/** Whether the user gets a hint (errors they can do something about). */
	hint: boolean;
	/** A fragment the message must contain (the server's words, or what was being done). */
	says?: string;
}>;

const rows: readonly Row[] = [
	// ── Login ────────────────────────────────────────────────────────────────────────────────────────────
	{
		name: 'Dovecot refuses the password with NO [AUTHENTICATIONFAILED] at connect',
		error: loginRefusal('AUTHENTICATIONFAILED', 'Authentication failed.'),
		context: 'connect', code: 'AUTH_FAILED', disposition: 'fatal', hint: true, says: 'refused the user name or password',
	},
	{
		name: 'Cyrus refuses the password with a plain "NO Login failed: authentication failure" (no code)',
		error: loginRefusal(undefined, 'Login failed: authentication failure'),
		context: 'connect', code: 'AUTH_FAILED', disposition: 'fatal', hint: true,
	},
	{
		name: 'imapflow throws an AuthenticationFailure without any server reply (no password configured)',
		error: Object.assign(new Error('No password configured'), {authenticationFailed: true}),
		context: 'connect', code: 'AUTH_FAILED', disposition: 'fatal', hint: true,
	},
	{
		name: 'a server answers [AUTHORIZATIONFAILED] without imapflow marking it as an authentication failure',
		error: serverError('NO', 'AUTHORIZATIONFAILED', 'Authorization failed'),
		context: 'connect', code: 'AUTH_FAILED', disposition: 'fatal', hint: true,
	},
	{
		name: 'Dovecot caps connections with NO [LIMIT] on LOGIN (imapflow also sets authenticationFailed)',
		error: loginRefusal('LIMIT', 'Maximum number of connections from user+IP exceeded (mail_max_userip_connections=10)'),
		context: 'connect', code: 'THROTTLED', disposition: 'retry', hint: true, says: 'Maximum number of connections',
	},
	{
		name: 'a server answers NO [UNAVAILABLE] on LOGIN (older Dovecot reports, research/protocol.md §1)',
		error: loginRefusal('UNAVAILABLE', 'Temporary authentication failure.'),
		context: 'connect', code: 'THROTTLED', disposition: 'retry', hint: true,
	},
	{
		name: 'Microsoft 365 throttles LOGIN with BAD "Request is throttled" (imapflow code ETHROTTLE)',
		error: serverError('BAD', undefined, 'Request is throttled. Suggested Backoff Time: 92415 milliseconds', {code: 'ETHROTTLE', throttleReset: 92415, throttleWaited: 30000}),
		context: 'connect', code: 'THROTTLED', disposition: 'retry', hint: false, says: 'slow down',
	},
	// ── DNS, TCP, TLS ────────────────────────────────────────────────────────────────────────────────────
	{
		name: 'the host name does not resolve (ENOTFOUND)',
		error: nodeError('getaddrinfo ENOTFOUND imap.exmaple.com', 'ENOTFOUND', {errno: -3008, syscall: 'getaddrinfo', hostname: 'imap.exmaple.com'}),
		context: 'connect', code: 'HOST_NOT_FOUND', disposition: 'fatal', hint: true,
	},
	{
		name: 'DNS fails temporarily (EAI_AGAIN)',
		error: nodeError('getaddrinfo EAI_AGAIN imap.example.com', 'EAI_AGAIN', {errno: -3001, syscall: 'getaddrinfo'}),
		context: 'connect', code: 'HOST_NOT_FOUND', disposition: 'fatal', hint: true,
	},
	{
		name: 'nothing listens on the port (ECONNREFUSED)',
		error: nodeError('connect ECONNREFUSED 127.0.0.1:1993', 'ECONNREFUSED', {errno: -111, syscall: 'connect', address: '127.0.0.1', port: 1993}),
		context: 'connect', code: 'CONNECTION_REFUSED', disposition: 'fatal', hint: true, says: 'Nothing accepted the connection',
	},
	{
		name: 'the server shows a self-signed certificate (DEPTH_ZERO_SELF_SIGNED_CERT)',
		error: nodeError('self-signed certificate', 'DEPTH_ZERO_SELF_SIGNED_CERT'),
		context: 'connect', code: 'TLS_FAILED', disposition: 'fatal', hint: true, says: 'self-signed certificate',
	},
	{
		name: 'imaps:// is pointed at a plain-text port (ERR_SSL_WRONG_VERSION_NUMBER)',
		error: nodeError('C0B7E3E1:error:0A00010B:SSL routines:ssl3_get_record:wrong version number', 'ERR_SSL_WRONG_VERSION_NUMBER', {library: 'SSL routines', reason: 'wrong version number'}),
		context: 'connect', code: 'TLS_FAILED', disposition: 'fatal', hint: true,
	},
	{
		name: 'the certificate names another host (ERR_TLS_CERT_ALTNAME_INVALID)',
		error: nodeError("Hostname/IP does not match certificate's altnames", 'ERR_TLS_CERT_ALTNAME_INVALID'),
		context: 'connect', code: 'TLS_FAILED', disposition: 'fatal', hint: true,
	},
	{
		name: 'the socket resets during the TLS handshake (ECONNRESET with a TLS message)',
		error: nodeError('Client network socket disconnected before secure TLS connection was established', 'ECONNRESET'),
		context: 'connect', code: 'TLS_FAILED', disposition: 'fatal', hint: true,
	},
	{
		name: 'imapflow gives up waiting for the greeting (GREETING_TIMEOUT)',
		error: imapflowError('Failed to receive greeting from server in required time', 'GREETING_TIMEOUT'),
		context: 'connect', code: 'TIMEOUT', disposition: 'retry', hint: true,
	},
	{
		name: 'the TCP connect times out (ETIMEDOUT)',
		error: nodeError('connect ETIMEDOUT 192.0.2.1:993', 'ETIMEDOUT', {syscall: 'connect'}),
		context: 'connect', code: 'TIMEOUT', disposition: 'retry', hint: true,
	},
	{
		name: 'the network is unreachable (EHOSTUNREACH, no specific rule)',
		error: nodeError('connect EHOSTUNREACH 192.0.2.1:993', 'EHOSTUNREACH', {syscall: 'connect'}),
		context: 'connect', code: 'CONNECTION_LOST', disposition: 'fatal', hint: true, says: 'Could not connect',
	},
	// ── Connection lost: ambiguous during APPEND, plainly retryable elsewhere ────────────────────────────
	{
		name: 'the connection closes while an APPEND is in flight (NoConnection)',
		error: imapflowError('Connection not available', 'NoConnection'),
		context: 'append', code: 'CONNECTION_LOST', disposition: 'verify', hint: true, says: 'during an upload',
	},
	{
		name: 'the server closes the socket during an APPEND (EConnectionClosed)',
		error: imapflowError('Connection closed', 'EConnectionClosed'),
		context: 'append', code: 'CONNECTION_LOST', disposition: 'verify', hint: true,
	},
	{
		name: 'the socket is reset during an APPEND (ECONNRESET)',
		error: nodeError('read ECONNRESET', 'ECONNRESET', {syscall: 'read'}),
		context: 'append', code: 'CONNECTION_LOST', disposition: 'verify', hint: true,
	},
	{
		name: 'the server says BYE during an APPEND (imapflow: NoConnection with responseStatus BYE)',
		error: imapflowError('Connection not available', 'NoConnection', {responseStatus: 'BYE', response: '* BYE Server shutting down.'}),
		context: 'append', code: 'CONNECTION_LOST', disposition: 'verify', hint: true,
	},
	{
		name: 'an APPEND times out (ETIMEOUT)',
		error: imapflowError('Socket timeout', 'ETIMEOUT'),
		context: 'append', code: 'TIMEOUT', disposition: 'verify', hint: true,
	},
	{
		name: 'the connection is lost while creating a folder (NoConnection)',
		error: imapflowError('Connection not available', 'NoConnection'),
		context: 'mailbox', code: 'CONNECTION_LOST', disposition: 'retry', hint: true,
	},
	{
		name: 'the connection is lost outside any upload (EConnectionClosed, context other)',
		error: imapflowError('Connection closed', 'EConnectionClosed'),
		context: 'other', code: 'CONNECTION_LOST', disposition: 'retry', hint: true,
	},
	{
		name: 'the connection breaks right after connecting (ECONNRESET without TLS words)',
		error: nodeError('read ECONNRESET', 'ECONNRESET', {syscall: 'read'}),
		context: 'connect', code: 'CONNECTION_LOST', disposition: 'retry', hint: true,
	},
	// ── APPEND refusals (servers.md §4) ──────────────────────────────────────────────────────────────────
	{
		name: 'Dovecot refuses an APPEND with NO [OVERQUOTA]',
		error: serverError('NO', 'OVERQUOTA', 'Quota exceeded (mailbox for user is full)'),
		context: 'append', code: 'OVER_QUOTA', disposition: 'fatal', hint: true, says: 'Quota exceeded',
	},
	{
		name: 'Cyrus refuses an APPEND with "NO Over quota" and no response code',
		error: serverError('NO', undefined, 'Over quota'),
		context: 'append', code: 'OVER_QUOTA', disposition: 'fatal', hint: true, says: 'Over quota',
	},
	{
		name: 'Dovecot refuses a message over quota_max_mail_size with NO [LIMIT] on APPEND',
		error: serverError('NO', 'LIMIT', 'Mail size is larger than the maximum size allowed by server configuration'),
		context: 'append', code: 'TOO_BIG', disposition: 'skip', hint: true, says: 'Mail size is larger',
	},
	{
		name: 'a server answers NO [TOOBIG] on APPEND (RFC 4469)',
		error: serverError('NO', 'TOOBIG', 'Message too large'),
		context: 'append', code: 'TOO_BIG', disposition: 'skip', hint: true,
	},
	{
		name: 'imapflow refuses the message before sending because of APPENDLIMIT (append.js)',
		error: Object.assign(new Error('Message content too big for APPENDLIMIT=1048576'), {serverResponseCode: 'APPENDLIMIT'}),
		context: 'append', code: 'TOO_BIG', disposition: 'skip', hint: true, says: 'APPENDLIMIT=1048576',
	},
	{
		name: 'the APPEND target mailbox is missing (NO [TRYCREATE], after the sink already tried to create it)',
		error: serverError('NO', 'TRYCREATE', "Mailbox doesn't exist: NoSuch/Folder"),
		context: 'append', code: 'MESSAGE_REJECTED', disposition: 'skip', hint: false, says: "Mailbox doesn't exist",
	},
	{
		name: 'Cyrus refuses a message with bare newlines (plain NO)',
		error: serverError('NO', undefined, 'Message contains bare newlines'),
		context: 'append', code: 'MESSAGE_REJECTED', disposition: 'skip', hint: false, says: 'bare newlines',
	},
	{
		name: 'Dovecot refuses a zero-byte message (plain NO)',
		error: serverError('NO', undefined, "Can't save a zero byte message"),
		context: 'append', code: 'MESSAGE_REJECTED', disposition: 'skip', hint: false,
	},
	{
		name: 'Cyrus answers BAD to an invalid flag on APPEND',
		error: serverError('BAD', undefined, 'Invalid flag in Append command'),
		context: 'append', code: 'MESSAGE_REJECTED', disposition: 'skip', hint: false,
	},
	{
		name: 'Dovecot answers NO [CANNOT] to a keyword longer than 50 characters on APPEND',
		error: serverError('NO', 'CANNOT', 'Keyword length too long'),
		context: 'append', code: 'MESSAGE_REJECTED', disposition: 'skip', hint: false,
	},
	{
		name: 'Microsoft 365 throttles an APPEND (ETHROTTLE with throttleReset)',
		error: serverError('BAD', undefined, 'Request is throttled. Suggested Backoff Time: 12000 milliseconds', {code: 'ETHROTTLE', throttleReset: 12000}),
		context: 'append', code: 'THROTTLED', disposition: 'retry', hint: false,
	},
	// ── CREATE refusals (servers.md §3) ──────────────────────────────────────────────────────────────────
	{
		name: "Dovecot's Maildir++ refuses '.' in a folder name with NO [CANNOT] on CREATE",
		error: serverError('NO', 'CANNOT', "Character not allowed in mailbox name: '.'"),
		context: 'mailbox', code: 'MAILBOX_CREATE_FAILED', disposition: 'skip', hint: true, says: 'Character not allowed',
	},
	{
		name: 'Dovecot refuses a 300-character folder name with NO [CANNOT] on CREATE',
		error: serverError('NO', 'CANNOT', 'Mailbox name too long'),
		context: 'mailbox', code: 'MAILBOX_CREATE_FAILED', disposition: 'skip', hint: true,
	},
	{
		name: 'Cyrus refuses a folder name with "NO Invalid mailbox name" (no code)',
		error: serverError('NO', undefined, 'Invalid mailbox name'),
		context: 'mailbox', code: 'MAILBOX_CREATE_FAILED', disposition: 'skip', hint: true,
	},
	{
		name: 'a folder CREATE hits the quota (Dovecot NO [OVERQUOTA])',
		error: serverError('NO', 'OVERQUOTA', 'Quota exceeded (mailbox for user is full)'),
		context: 'mailbox', code: 'OVER_QUOTA', disposition: 'fatal', hint: true,
	},
	// ── Context matters: [LIMIT] means different things (servers.md §4, last note) ─────────────────────
	{
		name: 'NO [LIMIT] arrives on CREATE (neither at connect nor on APPEND)',
		error: serverError('NO', 'LIMIT', 'Too many mailboxes'),
		context: 'mailbox', code: 'MAILBOX_CREATE_FAILED', disposition: 'skip', hint: true,
	},
	// ── Unknown → BUG ────────────────────────────────────────────────────────────────────────────────────
	{
		name: 'imapflow reports a parser failure outside of any known case',
		error: imapflowError('Unexpected char at position 12', 'ParserError11'),
		context: 'other', code: 'BUG', disposition: 'fatal', hint: false, says: 'Unexpected char at position 12',
	},
	{
		name: 'something that is not an Error at all is thrown',
		error: 'a string',
		context: 'other', code: 'BUG', disposition: 'fatal', hint: false, says: 'a string',
	},
	{
		name: 'undefined is thrown',
		error: undefined,
		context: 'append', code: 'BUG', disposition: 'fatal', hint: false,
	},
];

describe('classifyImapError: code, disposition and hint', () => {
	for (const row of rows) {
		test(`Given ${row.name} (context ${row.context}), when classified, then it is ${row.code} with disposition ${row.disposition}${row.hint ? ' and a hint' : ''}`, () => {
			const classified = classifyImapError(row.error, row.context, TARGET);

			assert.ok(classified instanceof MailshiftError);
			assert.equal(classified.code, row.code);
			assert.equal(classified.disposition, row.disposition);
			if (row.hint) assert.ok(classified.hint && classified.hint.length > 10, `hint for ${row.code}: ${String(classified.hint)}`);
			if (row.says !== undefined) assert.ok(classified.message.includes(row.says), `"${classified.message}" should include "${row.says}"`);
			assert.equal(classified.cause, row.error, 'the original error is kept as the cause');
		});
	}
});

describe('classifyImapError: context decides what a lost connection means', () => {
	const lost = [
		['NoConnection', imapflowError('Connection not available', 'NoConnection')],
		['EConnectionClosed', imapflowError('Connection closed', 'EConnectionClosed')],
		['ECONNRESET', nodeError('read ECONNRESET', 'ECONNRESET')],
		['EPIPE', nodeError('write EPIPE', 'EPIPE')],
		['ETIMEOUT', imapflowError('Socket timeout', 'ETIMEOUT')],
	] as const;
	const contexts: ReadonlyArray<readonly [ImapContext, Disposition]> = [['append', 'verify'], ['mailbox', 'retry'], ['other', 'retry']];
	for (const [code, error] of lost) {
		for (const [context, disposition] of contexts) {
			test(`Given ${code} during ${context}, when classified, then the disposition is ${disposition}${context === 'append' ? ' (the message may or may not be stored)' : ''}`, () => {
				assert.equal(classifyImapError(error, context, TARGET).disposition, disposition);
			});
		}
	}
});

describe('classifyImapError: the same response code in another context', () => {
	test('Given NO [LIMIT] at connect, when classified, then it is THROTTLED (fewer connections), not TOO_BIG', () => {
		const error = loginRefusal('LIMIT', 'Maximum number of connections from user+IP exceeded (mail_max_userip_connections=10)');
		const classified = classifyImapError(error, 'connect', TARGET);
		assert.equal(classified.code, 'THROTTLED');
		assert.ok((classified.retryAfterMs ?? 0) > 0, 'a back-off is suggested');
		assert.match(classified.hint ?? '', /--connections/);
	});

	test('Given NO [LIMIT] on APPEND, when classified, then it is TOO_BIG (skip this message), not THROTTLED', () => {
		const error = serverError('NO', 'LIMIT', 'Mail size is larger than the maximum size allowed by server configuration');
		assert.equal(classifyImapError(error, 'append', TARGET).code, 'TOO_BIG');
	});

	test('Given a lower-case response code, when classified, then it is matched like the upper-case one', () => {
		assert.equal(classifyImapError(serverError('NO', 'overquota', 'Quota exceeded'), 'append', TARGET).code, 'OVER_QUOTA');
	});
});

describe('classifyImapError: throttling', () => {
	test('Given ETHROTTLE with throttleReset 92415, when classified, then retryAfterMs is the server\'s back-off', () => {
		const error = serverError('BAD', undefined, 'Request is throttled. Suggested Backoff Time: 92415 milliseconds', {code: 'ETHROTTLE', throttleReset: 92415});
		assert.equal(classifyImapError(error, 'append', TARGET).retryAfterMs, 92415);
	});

	test('Given ETHROTTLE without throttleReset, when classified, then a default back-off of one second is used', () => {
		const error = imapflowError('Command failed', 'ETHROTTLE');
		assert.equal(classifyImapError(error, 'other', TARGET).retryAfterMs, 1000);
	});
});

describe('classifyImapError: messages', () => {
	test('Given a target, when a connect error is classified, then the message names the target', () => {
		const classified = classifyImapError(nodeError('connect ECONNREFUSED 127.0.0.1:993', 'ECONNREFUSED'), 'connect', TARGET);
		assert.ok(classified.message.includes(TARGET));
	});

	test('Given an error that already is a MailshiftError, when classified, then the same object comes back', () => {
		const original = new MailshiftError('ABORTED', 'Stopped.', 'fatal');
		assert.equal(classifyImapError(original, 'append', TARGET), original);
	});

	test('Given a server error, when serverText is asked, then responseText wins over response and message', () => {
		assert.equal(serverText(serverError('NO', 'OVERQUOTA', 'Quota exceeded')), 'Quota exceeded');
		assert.equal(serverText(Object.assign(new Error('Command failed'), {response: 'A1 NO Over quota'})), 'A1 NO Over quota');
		assert.equal(serverText(new Error('boom')), 'boom');
		assert.equal(serverText(null), 'null');
	});
});

describe('classifyImapError: the password never reaches a message or hint', () => {
	const PASSWORD = 'Tr0ub4dor&3-secret';
	// Fields where a careless layer could leave the password: the command as sent, the client options, a
	// wrapped original. The classifier must only ever quote the server's reply or Node's own message.
	const leaky = {
		executedCommand: `A3 LOGIN "alice" "${PASSWORD}"`,
		options: {auth: {user: 'alice', pass: PASSWORD}},
		auth: {user: 'alice', pass: PASSWORD},
		command: {attributes: [{type: 'STRING', value: 'alice'}, {type: 'STRING', value: PASSWORD, sensitive: true}]},
	};
	const cases: ReadonlyArray<readonly [string, unknown, ImapContext]> = [
		['a refused LOGIN', loginRefusal('AUTHENTICATIONFAILED', 'Authentication failed.'), 'connect'],
		['a [LIMIT] on LOGIN', loginRefusal('LIMIT', 'Maximum number of connections from user+IP exceeded'), 'connect'],
		['a TLS failure', nodeError('self-signed certificate', 'DEPTH_ZERO_SELF_SIGNED_CERT'), 'connect'],
		['a refused connection', nodeError('connect ECONNREFUSED 127.0.0.1:993', 'ECONNREFUSED'), 'connect'],
		['an unknown connect error', nodeError('connect EHOSTUNREACH 192.0.2.1:993', 'EHOSTUNREACH'), 'connect'],
		['a lost connection during APPEND', imapflowError('Connection not available', 'NoConnection'), 'append'],
		['a rejected message', serverError('NO', undefined, 'Message contains NUL characters'), 'append'],
		['a refused CREATE', serverError('NO', 'CANNOT', 'Invalid mailbox name'), 'mailbox'],
		['an unknown error', imapflowError('Something odd', 'InvalidResponse'), 'other'],
		['an error without any text fields', {code: 'Weird'}, 'other'],
	];
	for (const [name, base, context] of cases) {
		test(`Given ${name} whose fields carry the password, when classified, then neither message nor hint contains it`, () => {
			const error = typeof base === 'object' && base !== null ? Object.assign(base, leaky) : base;
			const classified = classifyImapError(error, context, TARGET);
			assert.ok(!classified.message.includes(PASSWORD), classified.message);
			assert.ok(!(classified.hint ?? '').includes(PASSWORD), classified.hint);
			assert.ok(!String(classified).includes(PASSWORD));
		});
	}
});

describe('classifyImapError: a server without a login mechanism for the credentials', () => {
	// imapflow's commands/authenticate.js throws this plain Error (no code, nothing sent to the server) when an
	// access token is given and the server lists neither AUTH=OAUTHBEARER nor AUTH=XOAUTH2.
	const unsupported = () => new Error('Unsupported authentication mechanism');

	test('Given an OAuth login to a server without XOAUTH2/OAUTHBEARER, when classified, then it is AUTH_FAILED saying so, with a password as the way out', () => {
		const classified = classifyImapError(unsupported(), 'connect', TARGET, {isOAuth: true});
		assert.equal(classified.code, 'AUTH_FAILED');
		assert.equal(classified.disposition, 'fatal');
		assert.match(classified.message, /does not offer OAuth2 login \(XOAUTH2\/OAUTHBEARER\)/);
		assert.match(classified.hint ?? '', /password/);
		assert.doesNotMatch(classified.hint ?? '', /network/);
	});

	test('Given a password login to a server without any password mechanism, when classified, then it is AUTH_FAILED, not a connection problem', () => {
		const classified = classifyImapError(unsupported(), 'connect', TARGET);
		assert.equal(classified.code, 'AUTH_FAILED');
		assert.match(classified.message, /offers no password login/);
	});

	test('Given the classified error, when asked whether a login mechanism was missing, then it still says so (a new token would not help)', () => {
		assert.equal(lacksLoginMechanism(classifyImapError(unsupported(), 'connect', TARGET, {isOAuth: true})), true);
		assert.equal(lacksLoginMechanism(loginRefusal('AUTHENTICATIONFAILED', 'Authentication failed.')), false);
	});
});

describe('classifyImapError: a certificate that is not the trusted one', () => {
	test('Given a pinned fingerprint the server does not match, when classified, then the hint says to check with the server\'s administrator and never to accept any certificate', () => {
		const error = nodeError('the server\'s certificate (SHA-256 AB:…) is not the trusted one (SHA-256 0F:…): it was replaced, or another machine answers in between', 'CERT_PIN_MISMATCH');
		const classified = classifyImapError(error, 'connect', TARGET);
		assert.equal(classified.code, 'TLS_FAILED');
		assert.equal(classified.disposition, 'fatal');
		assert.match(classified.hint ?? '', /administrator/);
		assert.doesNotMatch(classified.hint ?? '', /--insecure/);
	});

	for (const code of ['DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'ERR_TLS_CERT_ALTNAME_INVALID']) {
		test(`Given a certificate this computer does not trust (${code}, as with a --ca-file of another authority), when classified, then the hint names the administrator and does not suggest --insecure`, () => {
			const classified = classifyImapError(nodeError('unable to verify the first certificate', code), 'connect', TARGET);
			assert.equal(classified.code, 'TLS_FAILED');
			assert.match(classified.hint ?? '', /administrator/);
			assert.match(classified.hint ?? '', /--tls-fingerprint/);
			assert.doesNotMatch(classified.hint ?? '', /--insecure/);
		});
	}
});
