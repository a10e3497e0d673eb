/**
 * Trusting one server certificate by its SHA-256 fingerprint (a "pin"), for servers with a self-signed or
 * private-CA certificate: the guided mode shows the certificate and asks; the CLI takes --tls-fingerprint.
 *
 * Contract: with a pin, the connection goes on only if the certificate the server presents has exactly that
 * SHA-256 fingerprint (of its DER encoding, as `openssl x509 -fingerprint -sha256` prints it); chain, name and
 * dates are not checked then — the person decided to trust this certificate. The check runs in the TLS
 * handshake callback, before imapflow sees the connection, so no byte (no password) is sent to another
 * server. A fingerprint is public (it identifies a certificate anyone can fetch): it may appear in commands.
 */
import {readFileSync} from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import type {ImapFlowOptions} from 'imapflow';
import {MailshiftError} from '../contracts/errors.js';
import type {ImapTarget} from './imap-target.js';

type Transport = NonNullable<ImapFlowOptions['transport']>;

/** "SHA256:ab:cd…", "AB:CD…" or 64 hex digits → Node's `fingerprint256` form ("AB:CD:…"); undefined if not one. */
export function normalizeFingerprint(text: string): string | undefined {
	const hex = text.trim().replace(/^sha-?256[:=]?/i, '').replace(/[:\s]/g, '').toUpperCase();
	return /^[0-9A-F]{64}$/.test(hex) ? hex.match(/../g)!.join(':') : undefined;
}

function checked(socket: tls.TLSSocket, fingerprint: string, onOk: () => void): void {
	const presented = socket.getPeerCertificate()?.fingerprint256;
	if (presented === fingerprint) {
		onOk();
		return;
	}
	const error = Object.assign(new Error(`the server's certificate (SHA-256 ${presented ?? 'none'}) is not the trusted one (SHA-256 ${fingerprint}): it was replaced, or another machine answers in between`), {code: 'CERT_PIN_MISMATCH'});
	// Not from inside the handshake callback itself: tearing a TLS socket down on that stack crashed Node 20
	// (SIGSEGV) in the tests. Nothing is written meanwhile: imapflow only gets the socket through onOk.
	setImmediate(() => socket.destroy(error));
}

/**
 * An imapflow transport (its public `transport` option) that checks the pin on implicit TLS and on STARTTLS.
 * Cleartext connections are plain `net` sockets (imap:// to loopback without STARTTLS stays as it was).
 */
export function pinnedTransport(fingerprint: string): Transport {
	return {
		connect(options, onConnect) {
			if (!options.secure) return net.connect({host: options.host, port: options.port}, onConnect);
			const socket: tls.TLSSocket = tls.connect({...options.tls, host: options.host, port: options.port, ...(options.servername ? {servername: options.servername} : {}), rejectUnauthorized: false},
				() => checked(socket, fingerprint, onConnect));
			return socket;
		},
		upgrade(plain, options, onSecure) {
			const socket: tls.TLSSocket = tls.connect({...options.tls, socket: plain as net.Socket, host: options.host, port: options.port, ...(options.servername ? {servername: options.servername} : {}), rejectUnauthorized: false},
				() => checked(socket, fingerprint, onSecure));
			return socket;
		},
	};
}

/** What a person needs to decide whether to trust a certificate. */
export type CertificateInfo = Readonly<{
	subject: string;
	issuer: string;
	validFrom: string;
	validTo: string;
	/** Node's fingerprint256 form, "AB:CD:…". */
	sha256: string;
	/** Why this computer does not trust it, in words. */
	reason: string;
}>;

const REASONS: Readonly<Record<string, string>> = {
	DEPTH_ZERO_SELF_SIGNED_CERT: 'it is self-signed',
	SELF_SIGNED_CERT_IN_CHAIN: 'it comes from an authority this computer does not know (a private CA)',
	UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'it comes from an authority this computer does not know (a private CA)',
	UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'it comes from an authority this computer does not know (a private CA)',
	CERT_HAS_EXPIRED: 'it has expired',
	CERT_NOT_YET_VALID: 'it is not valid yet',
	ERR_TLS_CERT_ALTNAME_INVALID: 'it was issued for another name',
};

const describeName = (name: Readonly<Record<string, string | string[] | undefined>> | undefined): string =>
	Object.entries(name ?? {}).map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('+') : v}`).join(', ') || '(empty)';

/**
 * Fetches the certificate the server presents (implicit TLS, or STARTTLS on imap://) without trusting it and
 * without logging in: for showing it to a person. Bounded: 15 s, 16 KiB of pre-TLS IMAP lines.
 * Returns undefined when the server does not get as far as presenting one (wrong port, no STARTTLS).
 */
export async function fetchCertificate(target: ImapTarget, timeoutMs = 15_000): Promise<CertificateInfo | undefined> {
	const servername = net.isIP(target.host) ? {} : {servername: target.host};
	return await new Promise<CertificateInfo | undefined>((resolve) => {
		let done = false;
		const sockets: net.Socket[] = [];
		const finish = (info: CertificateInfo | undefined): void => {
			if (done) return;
			done = true;
			clearTimeout(timer);
			// The TLS socket first (it ends the plain one under it), and off the handshake callback's stack.
			setImmediate(() => {
				for (const s of sockets.reverse()) s.destroy();
			});
			resolve(info);
		};
		const timer = setTimeout(() => finish(undefined), timeoutMs);
		const onSecure = (socket: tls.TLSSocket): void => {
			const cert = socket.getPeerCertificate();
			if (!cert?.fingerprint256) return finish(undefined);
			const code = String(socket.authorizationError ?? '');
			finish({
				subject: describeName(cert.subject as unknown as Record<string, string>), issuer: describeName(cert.issuer as unknown as Record<string, string>),
				validFrom: cert.valid_from, validTo: cert.valid_to, sha256: cert.fingerprint256,
				reason: REASONS[code] ?? (code ? `the check failed (${code})` : 'this computer trusts it'),
			});
		};
		if (target.implicitTls) {
			const socket = tls.connect({host: target.host, port: target.port, ...servername, rejectUnauthorized: false}, () => onSecure(socket));
			sockets.push(socket);
			socket.on('error', () => finish(undefined));
			return;
		}
		// RFC 9051 §6.2.1: greeting, then "STARTTLS", then the handshake once the server answered OK.
		const plain = net.connect({host: target.host, port: target.port});
		sockets.push(plain);
		plain.on('error', () => finish(undefined));
		let buffer = '';
		let sent = false;
		const onData = (chunk: Buffer): void => {
			buffer += chunk.toString('latin1');
			if (buffer.length > 16_384) return finish(undefined);
			if (!sent && /^\* (OK|PREAUTH)[^\n]*\n/im.test(buffer)) {
				sent = true;
				buffer = '';
				plain.write('M1 STARTTLS\r\n');
			} else if (sent && /^M1 /m.test(buffer)) {
				plain.off('data', onData);
				if (!/^M1 OK/im.test(buffer)) return finish(undefined);
				const socket = tls.connect({socket: plain, host: target.host, ...servername, rejectUnauthorized: false}, () => onSecure(socket));
				sockets.push(socket);
				socket.on('error', () => finish(undefined));
			}
		};
		plain.on('data', onData);
	});
}

/**
 * Reads --ca-file (or the guided mode's CA file): PEM certificates of a private certificate authority. Throws a
 * USAGE error naming the file when it cannot be read or holds no PEM certificate.
 */
export function readCaFile(path: string): string {
	let text: string;
	try {
		text = readFileSync(path, 'utf8');
	} catch (error) {
		throw new MailshiftError('USAGE', `The CA file ${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}).`, 'fatal', {hint: 'Give the path of the authority\'s certificate in PEM form (a .pem or .crt file starting with -----BEGIN CERTIFICATE-----).'});
	}
	if (!text.includes('-----BEGIN CERTIFICATE-----')) {
		throw new MailshiftError('USAGE', `The CA file ${path} holds no PEM certificate.`, 'fatal', {hint: 'It must contain -----BEGIN CERTIFICATE-----; convert a DER file with `openssl x509 -inform der -in FILE -out ca.pem`.'});
	}
	return text;
}

/** Raised by resolve when --tls-fingerprint is not a SHA-256 fingerprint. */
export function parseFingerprintOption(text: string): string {
	const fingerprint = normalizeFingerprint(text);
	if (!fingerprint) {
		throw new MailshiftError('USAGE', `--tls-fingerprint ${text} is not a SHA-256 fingerprint.`, 'fatal', {
			hint: 'Give the 64 hex digits (colons allowed) that `openssl x509 -noout -fingerprint -sha256` prints for the server\'s certificate, e.g. SHA256:AB:CD:…',
		});
	}
	return fingerprint;
}
