/**
 * The one place that reads imapflow's and Node's error codes and server response text, and turns them
 * into MailshiftErrors with a disposition and a user hint (STYLE rule 5). Nothing else matches on text.
 *
 * Shapes observed (packages.md §4, servers.md §0/§4): imapflow sets `authenticationFailed`,
 * `serverResponseCode` (OVERQUOTA, TOOBIG, LIMIT, TRYCREATE, CANNOT, ALREADYEXISTS …), `responseStatus`
 * ('NO'/'BAD'), `responseText`, and `code` (ETHROTTLE with `throttleReset`, NoConnection, EConnectionClosed,
 * ETIMEOUT …); socket/DNS/TLS errors pass through with Node's codes.
 */
import {MailshiftError} from '../contracts/errors.js';

/** What we were doing when the error happened: the same code means different things (servers.md §4). */
export type ImapContext = 'connect' | 'append' | 'mailbox' | 'other';

type ImapErrorShape = {
	code?: unknown;
	message?: unknown;
	authenticationFailed?: unknown;
	serverResponseCode?: unknown;
	responseStatus?: unknown;
	responseText?: unknown;
	throttleReset?: unknown;
	throttleWaited?: unknown;
	response?: unknown;
};

function str(value: unknown): string {
	return typeof value === 'string' ? value : '';
}

/** Node's codes for a certificate this computer does not trust (chain, dates, name). */
const CERT_CODES = new Set([
	'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
	'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'ERR_TLS_CERT_ALTNAME_INVALID',
]);

const TLS_CODES = new Set([
	...CERT_CODES,
	'ERR_SSL_WRONG_VERSION_NUMBER', 'EPROTO', 'ERR_SSL_PACKET_LENGTH_TOO_LONG', 'ClosedAfterConnectTLS', 'UPGRADE_TIMEOUT',
]);

const CONNECTION_CODES = new Set(['NoConnection', 'EConnectionClosed', 'ECONNRESET', 'EPIPE', 'StateLogout', 'ClosedAfterConnectText']);
const TIMEOUT_CODES = new Set(['ETIMEOUT', 'ETIMEDOUT', 'CONNECT_TIMEOUT', 'GREETING_TIMEOUT']);

/**
 * RFC 3501 §6.3.11 [TRYCREATE]: the APPEND was refused because the mailbox does not exist (another client
 * deleted it); nothing was stored, and creating it and sending once more is what the RFC suggests.
 */
export function isTryCreate(error: unknown): boolean {
	return str(((error ?? {}) as ImapErrorShape).serverResponseCode).toUpperCase() === 'TRYCREATE';
}

/** A tagged NO or BAD: the server answered and refused the command (nothing stored, RFC 3502 for MULTIAPPEND). */
export function isRefusal(error: unknown): boolean {
	const status = str(((error ?? {}) as ImapErrorShape).responseStatus);
	return status === 'NO' || status === 'BAD';
}

/** A tagged NO: the server understood the command and declined it. */
export function isDeclined(error: unknown): boolean {
	return str(((error ?? {}) as ImapErrorShape).responseStatus) === 'NO';
}

/** A tagged BAD: the server could not parse what we sent; the connection's state is in doubt (discard it). */
export function isBadCommand(error: unknown): boolean {
	return str(((error ?? {}) as ImapErrorShape).responseStatus) === 'BAD';
}

/** [CANNOT] (RFC 5530): the server cannot store a mailbox of that name (Dovecot's Maildir++ refuses '.'). */
export function isNameRefused(error: unknown): boolean {
	return str(((error ?? {}) as ImapErrorShape).serverResponseCode).toUpperCase() === 'CANNOT';
}

/** Server text of an IMAP error, for reports (never contains secrets: it is the server's reply). */
export function serverText(error: unknown): string {
	const e = (error ?? {}) as ImapErrorShape;
	return str(e.responseText) || str(e.response) || str(e.message) || String(error);
}

/**
 * Whether `error` (or the error it wraps) is imapflow's refusal to log in because the server offers no SASL
 * mechanism for the credentials given (commands/authenticate.js: an access token needs AUTH=OAUTHBEARER or
 * AUTH=XOAUTH2/XOAUTH, RFC 7628; a password AUTH=PLAIN/LOGIN or the LOGIN command). Nothing was sent to
 * the server, so a new token would not help.
 */
export function lacksLoginMechanism(error: unknown): boolean {
	const e = (error ?? {}) as ImapErrorShape & {cause?: unknown};
	if (str(e.message) === 'Unsupported authentication mechanism') return true;
	return error instanceof MailshiftError && e.cause !== undefined && lacksLoginMechanism(e.cause);
}

/** How the connection logged in: an OAuth2 access token, or a password (the default). */
export type LoginKind = Readonly<{isOAuth?: boolean}>;

/**
 * Classifies an error. `target` names what we talked to or about (host:port, mailbox) for the message;
 * `login` says how a 'connect' logged in (for the hint of a refusal).
 */
export function classifyImapError(error: unknown, context: ImapContext, target: string, login: LoginKind = {}): MailshiftError {
	if (error instanceof MailshiftError) return error;
	const e = (error ?? {}) as ImapErrorShape;
	const code = str(e.code);
	const responseCode = str(e.serverResponseCode).toUpperCase();
	const text = serverText(error);

	if (context === 'connect' && lacksLoginMechanism(error)) {
		// A login problem, not a network one: the server answered, but not with a way to log in that we have.
		return login.isOAuth === true
			? new MailshiftError('AUTH_FAILED', `Login to ${target} failed: this server does not offer OAuth2 login (XOAUTH2/OAUTHBEARER).`, 'fatal', {
				cause: error, hint: 'Use a password (MAILSHIFT_PASSWORD or --password-file; some providers need an app password) instead of an OAuth token, or check that the URL names the right server.',
			})
			: new MailshiftError('AUTH_FAILED', `Login to ${target} failed: the server offers no password login (AUTH=PLAIN, AUTH=LOGIN or LOGIN).`, 'fatal', {
				cause: error, hint: 'Check that the URL names the right server and port; if the provider only allows OAuth2, use --oauth-token-command.',
			});
	}

	if (context === 'connect' && (responseCode === 'LIMIT' || responseCode === 'UNAVAILABLE')) {
		// servers.md §0.5: the connection cap answers [LIMIT] at LOGIN; back off, use fewer connections.
		// Checked before `authenticationFailed`: imapflow's login.js/authenticate.js set that flag on every
		// tagged NO to LOGIN/AUTHENTICATE, including this one, which is not a bad password.
		return new MailshiftError('THROTTLED', `${target} refused another connection: ${text}`, 'retry', {
			cause: error, hint: 'Use fewer --connections, or close other mail clients of this account.', retryAfterMs: 5000,
		});
	}
	if (e.authenticationFailed === true || responseCode === 'AUTHENTICATIONFAILED' || responseCode === 'AUTHORIZATIONFAILED') {
		return new MailshiftError('AUTH_FAILED', `Login to ${target} failed: the server refused the user name or password.`, 'fatal', {
			cause: error,
			hint: 'Check the user name in the URL and the password (MAILSHIFT_PASSWORD or --password-file). Some providers need an app password.',
		});
	}
	if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME') {
		return new MailshiftError('HOST_NOT_FOUND', `The server name in ${target} could not be found (DNS lookup failed).`, 'fatal', {
			cause: error, hint: 'Check the spelling of the host name and your network connection.',
		});
	}
	if (code === 'ECONNREFUSED') {
		return new MailshiftError('CONNECTION_REFUSED', `Nothing accepted the connection at ${target}.`, 'fatal', {
			cause: error, hint: 'Check the host and port (IMAPS is usually 993, IMAP with STARTTLS 143) and that the server is running.',
		});
	}
	if (code === 'CERT_PIN_MISMATCH') {
		// tls-pin.ts: the certificate is not the one the person trusted. Possibly a man in the middle, so the
		// only advice is to ask whoever runs the server — never to accept any certificate.
		return new MailshiftError('TLS_FAILED', `The secure (TLS) connection to ${target} was refused: ${str(e.message) || code}.`, 'fatal', {
			cause: error,
			hint: 'Do not connect until this is cleared up: ask the server\'s administrator whether its certificate was replaced and for its SHA-256 fingerprint. Only if it is the certificate they name, run again with that --tls-fingerprint.',
		});
	}
	if (TLS_CODES.has(code) || /certificate|ssl|tls/i.test(str(e.message)) && context === 'connect') {
		// A certificate that is not trusted may be a new self-signed one — or not the server's (with --ca-file
		// given, or a server that was trusted before, this error looks the same): no advice to accept any.
		const isCertificate = CERT_CODES.has(code) || /certificate/i.test(str(e.message));
		return new MailshiftError('TLS_FAILED', `The secure (TLS) connection to ${target} failed: ${str(e.message) || code}.`, 'fatal', {
			cause: error,
			hint: isCertificate
				? 'If you gave --ca-file, or this server was trusted before, check its certificate with the server\'s administrator before going on: it may have been replaced, or another machine answers in between. A new self-signed or private-CA certificate can be trusted by its fingerprint (--tls-fingerprint SHA256, as the administrator gives it; `mailshift` without arguments shows it) or with --ca-file FILE.'
				: 'Check that the port matches the URL scheme (imaps:// = TLS from the start, imap:// = STARTTLS).',
		});
	}
	if (code === 'ETHROTTLE') {
		// imapflow has already waited `throttleWaited` of the server's suggested `throttleReset` (capped).
		const reset = typeof e.throttleReset === 'number' ? e.throttleReset : 1000;
		const waited = typeof e.throttleWaited === 'number' ? e.throttleWaited : 0;
		return new MailshiftError('THROTTLED', `${target} asked us to slow down: ${text}`, 'retry', {cause: error, retryAfterMs: Math.max(0, reset - waited)});
	}
	if (/exceeded command or bandwidth limits|too many (simultaneous|concurrent) (connections|requests)|rate limit/i.test(text)) {
		// Gmail answers its bandwidth limit with [OVERQUOTA] (protocol.md §2.1): a pause, not a full mailbox.
		return new MailshiftError('THROTTLED', `${target} says the account exceeded its command or bandwidth limit: ${text}`, 'retry', {
			cause: error, retryAfterMs: 60_000, hint: 'Use --max-rate / --bwlimit, or --daily-budget to stop cleanly and resume the next day.',
		});
	}
	if (CONNECTION_CODES.has(code) || TIMEOUT_CODES.has(code)) {
		const lost = TIMEOUT_CODES.has(code) ? 'TIMEOUT' : 'CONNECTION_LOST';
		// An APPEND cut off mid-flight may or may not have been stored (imapflow append.js; OfflineIMAP #262).
		return new MailshiftError(lost, `The connection to ${target} was lost${context === 'append' ? ' during an upload' : ''}: ${str(e.message) || code}.`,
			context === 'append' ? 'verify' : 'retry', {cause: error, hint: 'Check the network and run the same command again.'});
	}
	if (responseCode === 'OVERQUOTA' || /over quota|quota exceeded/i.test(text)) {
		return new MailshiftError('OVER_QUOTA', `The mailbox at ${target} is full: ${text}`, 'fatal', {
			cause: error, hint: 'Free space on the server or raise the quota, then run the same command again.',
		});
	}
	if (context === 'append' && (responseCode === 'TOOBIG' || responseCode === 'APPENDLIMIT' || responseCode === 'LIMIT')) {
		return new MailshiftError('TOO_BIG', `The server refused the message as too big: ${text}`, 'skip', {
			cause: error, hint: 'The server has a per-message size limit; this message stays in the local store.',
		});
	}
	if (context === 'mailbox' && str(e.responseStatus) !== '') {
		return new MailshiftError('MAILBOX_CREATE_FAILED', `The server refused to create folder ${target}: ${text}`, 'skip', {
			cause: error, hint: 'Map this folder to another name with --map \'Local=Remote\', or exclude it with --exclude.',
		});
	}
	if (context === 'append' && (str(e.responseStatus) === 'NO' || str(e.responseStatus) === 'BAD')) {
		return new MailshiftError('MESSAGE_REJECTED', `The server refused the message: ${text}`, 'skip', {cause: error});
	}
	if (context === 'connect') {
		return new MailshiftError('CONNECTION_LOST', `Could not connect to ${target}: ${str(e.message) || code || text}.`, 'fatal', {
			cause: error, hint: 'Check the URL, the network, and that the server speaks IMAP on that port.',
		});
	}
	return new MailshiftError('BUG', `Unexpected IMAP error from ${target}: ${text}`, 'fatal', {cause: error});
}
