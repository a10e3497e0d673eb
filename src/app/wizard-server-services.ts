/**
 * The wizard's services about the destination server: settings guessed from an e-mail address (well-known
 * providers, RFC 6186 SRV, then imap.<domain>), and a connection test (round trip, quota, special folders,
 * the certificate to trust when TLS fails). Part of createWizardServices.
 */
import {promises as dns} from 'node:dns';
import {toMailshiftError} from '../contracts/errors.js';
import {ImapSink} from '../uploader/imap-sink.js';
import type {ImapTarget} from '../uploader/imap-target.js';
import {fetchCertificate} from '../uploader/tls-pin.js';
import type {ConnectionReport, ServerGuess, WizardServices} from './wizard-services.js';
import {toTarget} from './wizard-context.js';
import type {WizardContext} from './wizard-context.js';

/** Well-known providers (their published IMAP settings). */
const PROVIDERS: ReadonlyArray<readonly [RegExp, string]> = [
	[/^(gmail|googlemail)\.com$/, 'imap.gmail.com'],
	[/^(outlook|hotmail|live|msn)\.[a-z.]+$/, 'outlook.office365.com'],
	[/^(yahoo|ymail)\.[a-z.]+$/, 'imap.mail.yahoo.com'],
	[/^(icloud|me|mac)\.com$/, 'imap.mail.me.com'],
	[/^aol\.com$/, 'imap.aol.com'],
	[/^gmx\.(net|de|at|ch|com)$/, 'imap.gmx.net'],
	[/^web\.de$/, 'imap.web.de'],
	[/^t-online\.de$/, 'secureimap.t-online.de'],
	[/^posteo\.(de|net)$/, 'posteo.de'],
	[/^mailbox\.org$/, 'imap.mailbox.org'],
	[/^fastmail\.(com|fm)$/, 'imap.fastmail.com'],
	[/^zoho\.(com|eu)$/, 'imap.zoho.com'],
	[/^yandex\.(com|ru)$/, 'imap.yandex.com'],
	[/^orange\.fr$/, 'imap.orange.fr'],
	[/^free\.fr$/, 'imap.free.fr'],
	[/^(libero|virgilio)\.it$/, 'imapmail.libero.it'],
];

/** Hints for the guided mode, where the CLI's hints would name options it does not have. */
const GUIDED_HINTS: Readonly<Partial<Record<string, string>>> = {
	AUTH_FAILED: 'Check the user name and the password. Gmail, iCloud, Yahoo and Outlook.com want an app password (made in the account\'s security settings).',
	THROTTLED: 'The server allows no more connections now: close other mail programs of this account for a minute, then try again.',
};

/** `guessServer`, `testConnection`: the destination's settings from an address, and a first look at the server. */
export function serverServices(ctx: WizardContext): Pick<WizardServices, 'guessServer' | 'testConnection'> {
	const {home} = ctx;
	return {
		async guessServer(email) {
			const domain = (email.split('@')[1] ?? '').toLowerCase().trim();
			if (!domain) return {host: 'localhost', port: 993, security: 'tls', source: 'guess'} satisfies ServerGuess;
			if (/^[\d.]+$/.test(domain) || domain === 'localhost') return {host: domain, port: 143, security: 'starttls', source: 'guess'};
			for (const [pattern, host] of PROVIDERS) if (pattern.test(domain)) return {host, port: 993, security: 'tls', source: 'provider'};
			try {
				// RFC 6186: _imaps._tcp.<domain> SRV; a "." target means "no IMAPS here".
				const records = await Promise.race([dns.resolveSrv(`_imaps._tcp.${domain}`), new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), 2000))]);
				const best = records.filter((r) => r.name !== '.').sort((a, b) => a.priority - b.priority || b.weight - a.weight)[0];
				if (best) return {host: best.name, port: best.port, security: 'tls', source: 'srv'};
			} catch {
				// no SRV record: fall through
			}
			return {host: `imap.${domain}`, port: 993, security: 'tls', source: 'guess'};
		},

		async testConnection(account) {
			let target: ImapTarget;
			try {
				target = toTarget(account, home);
			} catch (error) {
				// The CA file could not be used: show the certificate again, so another file or a pin can be chosen.
				const e = toMailshiftError(error);
				const {caFile: _, ...withoutCa} = account;
				const certificate = account.caFile ? await fetchCertificate(toTarget(withoutCa, home)).catch(() => undefined) : undefined;
				return {ok: false, error: e.message, ...(certificate ? {certificate} : e.hint ? {hint: e.hint} : {})};
			}
			try {
				const sink = await ImapSink.connect({target, password: account.password, size: 1});
				try {
					const started = Date.now();
					for (let i = 0; i < 3; i++) await sink.ping();
					const roundTripMs = Math.round((Date.now() - started) / 3);
					const quota = await sink.quota();
					const specialFolders = Object.fromEntries([...sink.layout().specialUse].map(([role, box]) => [role, box]));
					return {
						ok: true, roundTripMs, specialFolders, capabilities: [...sink.capabilities()].map(([name, value]) => (typeof value === 'number' ? `${name}=${value}` : name)),
						tls: target.implicitTls ? 'TLS' : sink.isSecure() ? 'STARTTLS' : 'no encryption (local connection)',
						...(quota ? {quota} : {}),
					} satisfies ConnectionReport;
				} finally {
					await sink.close();
				}
			} catch (error) {
				const e = toMailshiftError(error);
				// The guided mode has no options: its hints name what a person can do on its screens.
				if (e.code === 'TLS_FAILED') {
					const certificate = await fetchCertificate(target).catch(() => undefined);
					if (certificate && certificate.sha256 !== account.tlsFingerprint) return {ok: false, error: e.message, certificate};
					return {ok: false, error: e.message, hint: 'Check the server: imaps:// is TLS from the start (usually port 993), imap:// starts with STARTTLS (usually 143).'};
				}
				const hint = GUIDED_HINTS[e.code] ?? e.hint;
				return {ok: false, error: e.message, ...(hint ? {hint} : {})};
			}
		},
	};
}
