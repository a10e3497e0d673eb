/**
 * What the wizard's services share (createWizardServices builds it once per wizard): where `~` points, the
 * environment, the ManageSieve port, and what `inspect` found per store. Also the account → IMAP target
 * conversion every service that connects uses.
 */
import {resolve} from 'node:path';
import {parseImapUrl} from '../uploader/imap-target.js';
import type {ImapTarget} from '../uploader/imap-target.js';
import {readCaFile} from '../uploader/tls-pin.js';
import type {CliIo} from './migrate.js';
import type {Account, StoreDetails} from './wizard-services.js';

export type WizardContext = Readonly<{
	io: CliIo;
	env: NodeJS.ProcessEnv;
	/** $HOME, else the OS's home directory: what a leading `~` means. */
	home: string;
	/** Where ManageSieve listens on the IMAP host. */
	sievePort: number;
	/** Details found by `inspect`, by absolute store path. */
	details: Map<string, StoreDetails>;
	/** Message counts per folder found by `inspect` (mbox folders have none until read), by store path. */
	counted: Map<string, Map<string, number>>;
}>;

/** `path` with a leading `~` (alone or before '/') replaced by `home`. Pure. */
export function expandHome(path: string, home: string): string {
	return path.replace(/^~(?=\/|$)/, home);
}

/** The IMAP target of the account the person entered (its CA file read now). @throws MailshiftError when the url or the CA file is not usable. */
export function toTarget(account: Account, home: string): ImapTarget {
	const scheme = account.security === 'tls' ? 'imaps' : 'imap';
	const user = account.user.includes(':') ? encodeURIComponent(account.user) : account.user;
	const target = parseImapUrl(`${scheme}://${user}@${account.host.includes(':') ? `[${account.host}]` : account.host}:${account.port}`, account.insecure);
	return {...target, ...(account.tlsFingerprint ? {tlsFingerprint: account.tlsFingerprint} : {}), ...(account.caFile ? {ca: readCaFile(resolve(expandHome(account.caFile, home)))} : {})};
}
