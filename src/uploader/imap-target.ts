/**
 * Where and how to connect: parsed from `imaps://user@host[:port]` / `imap://user@host[:port]`.
 * Passwords are never part of the URL (they would land in shell history and process lists).
 */
import {MailshiftError} from '../contracts/errors.js';

export type ImapTarget = Readonly<{
	host: string;
	port: number;
	/** Implicit TLS from the first byte (imaps://). */
	implicitTls: boolean;
	/** Require STARTTLS on imap:// (true unless the host is loopback or --insecure). */
	requireStartTls: boolean;
	/** Skip certificate verification (--insecure). */
	insecure: boolean;
	user: string;
	/** Trust exactly the certificate with this SHA-256 fingerprint ("AB:CD:…"; --tls-fingerprint, tls-pin.ts). */
	tlsFingerprint?: string;
	/** PEM certificate(s) of the authority that signed the server's certificate (--ca-file), instead of the system's. */
	ca?: string;
}>;

export function isLoopbackHost(host: string): boolean {
	return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** Parses the --to URL. Throws USAGE errors that say what is wrong and what a right one looks like. */
export function parseImapUrl(text: string, insecure: boolean): ImapTarget {
	const example = 'imaps://you@example.com@imap.example.com or imap://alice@127.0.0.1:143';
	// Every message below quotes the URL; a password typed into it must not be echoed back (logs, CI output).
	text = withoutPassword(text);
	const m = /^(imaps?):\/\/(.+)$/i.exec(text.trim());
	if (!m) {
		throw new MailshiftError('USAGE', `--to "${text}" is not an IMAP URL.`, 'fatal', {hint: `Use imaps://USER@HOST[:PORT] or imap://USER@HOST[:PORT], e.g. ${example}`});
	}
	const scheme = (m[1] ?? '').toLowerCase();
	let rest = (m[2] ?? '').replace(/\/+$/, '');
	if (rest.includes('/')) {
		throw new MailshiftError('USAGE', `--to "${text}" has a path; mailshift chooses folders itself.`, 'fatal', {hint: 'Use --prefix to put everything under one folder.'});
	}
	const at = rest.lastIndexOf('@');
	if (at <= 0) {
		throw new MailshiftError('USAGE', `--to "${text}" has no user name.`, 'fatal', {hint: `Put the login name before the host: ${example}`});
	}
	let userPart = rest.slice(0, at);
	rest = rest.slice(at + 1);
	if (userPart.includes(':')) {
		throw new MailshiftError('USAGE', 'The --to URL contains a password. Passwords are never accepted on the command line.', 'fatal', {
			hint: 'Remove it from the URL and set MAILSHIFT_PASSWORD, use --password-file FILE, or type it when asked.',
		});
	}
	try {
		userPart = decodeURIComponent(userPart);
	} catch {
		throw new MailshiftError('USAGE', `--to "${text}": the user name is not valid URL encoding.`, 'fatal');
	}
	let host = rest;
	let port = scheme === 'imaps' ? 993 : 143;
	const portMatch = /^(\[[^\]]+\]|[^:]*):(\d+)$/.exec(rest);
	if (portMatch) {
		host = portMatch[1] ?? '';
		port = Number(portMatch[2]);
		if (!(port > 0 && port < 65536)) throw new MailshiftError('USAGE', `--to "${text}": port ${portMatch[2]} is out of range.`, 'fatal');
	} else if (rest.includes(':') && !/^\[[^\]]+\]$/.test(rest)) {
		throw new MailshiftError('USAGE', `--to "${text}": the port is not a number.`, 'fatal');
	}
	host = host.replace(/^\[(.*)\]$/, '$1');
	if (!host) throw new MailshiftError('USAGE', `--to "${text}" has no host.`, 'fatal', {hint: example});
	return {
		host, port, user: userPart, insecure,
		implicitTls: scheme === 'imaps',
		requireStartTls: scheme === 'imap' && !insecure && !isLoopbackHost(host),
	};
}

/** The URL with the password part of `user:password@` replaced by `***`, for quoting in messages. */
function withoutPassword(text: string): string {
	const scheme = text.indexOf('://');
	const at = text.lastIndexOf('@');
	if (scheme < 0 || at < scheme) return text;
	const colon = text.indexOf(':', scheme + 3);
	return colon >= 0 && colon < at ? `${text.slice(0, colon)}:***${text.slice(at)}` : text;
}

/** host:port for messages. */
export function describeTarget(target: ImapTarget): string {
	const host = target.host.includes(':') ? `[${target.host}]` : target.host;
	return `${target.implicitTls ? 'imaps' : 'imap'}://${target.user}@${host}:${target.port}`;
}
