/**
 * pop3:// and pop3s:// URLs (the POP3 source's location): recognised and parsed without loading the POP3 reader,
 * so the options check and the reader registry (readers/open-source.ts) do not import its client for a Maildir.
 */
import {MailshiftError} from '../../contracts/errors.js';
import type {Pop3Endpoint} from './pop3-client.js';

const POP3_URL = /^pop3s?:\/\//i;

/** True when `text` is a pop3:// or pop3s:// URL. */
export function isPop3Url(text: string): boolean {
	return POP3_URL.test(text);
}

export type Pop3Account = Readonly<{endpoint: Pop3Endpoint; user: string; location: string}>;

/** Parses a pop3(s) URL. @throws MailshiftError USAGE when it is malformed or carries a password. */
export function parsePop3Url(text: string, insecure = false): Pop3Account {
	let url: URL;
	try {
		url = new URL(text);
	} catch (error) {
		throw new MailshiftError('USAGE', `"${text.replace(/:[^@/]*@/, ':***@')}" is not a valid POP3 URL.`, 'fatal', {cause: error, hint: 'Write pop3s://user@host (or pop3://user@host for STLS on port 110).'});
	}
	if (url.password) throw new MailshiftError('USAGE', 'Put no password in the POP3 URL (it would be seen in shell history and ps).', 'fatal', {hint: 'Use --source-password-file FILE or MAILSHIFT_SOURCE_PASSWORD.'});
	const user = decodeURIComponent(url.username);
	if (!user || !url.hostname) throw new MailshiftError('USAGE', `The POP3 URL ${text} needs a user and a host.`, 'fatal', {hint: 'Write pop3s://user@host.'});
	const isTls = url.protocol.toLowerCase() === 'pop3s:';
	const host = url.hostname.replace(/^\[|\]$/g, '');
	const port = url.port ? Number(url.port) : isTls ? 995 : 110;
	const isLoopback = host === 'localhost' || host === '::1' || host.startsWith('127.');
	const security = isTls ? 'tls' : insecure || isLoopback ? 'plain' : 'stls';
	return {endpoint: {host, port, security, insecure}, user, location: `${isTls ? 'pop3s' : 'pop3'}://${url.username}@${url.host}`};
}
