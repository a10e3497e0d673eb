/**
 * What the wizard needs from the rest of mailshift, as an interface: the TUI never imports readers,
 * uploaders or the engine (STYLE rule 4). The CLI implements it (src/cli/wizard-services.ts); tests fake it.
 */
import type {EngineControls} from '../core/controls.js';
import type {StatsStore} from '../core/stats.js';
import type {FinishInfo} from './components/finish.js';

export type StoreKind = 'maildir' | 'mbox' | 'pst' | 'olm';

/** `kind` is what discovery found (src/discovery/discover-stores.ts), possibly one this build cannot read yet (its label says so). */
export type FoundStore = Readonly<{path: string; kind: string; label: string; bytes?: number}>;

export type StoreDetails = Readonly<{kind: StoreKind; folders: number; messages?: number; bytes: number}>;

export type Security = 'tls' | 'starttls';

export type ServerGuess = Readonly<{host: string; port: number; security: Security; source: 'provider' | 'srv' | 'guess'}>;

/**
 * `tlsFingerprint`: the person trusted the server's certificate with this SHA-256 (shown to them first);
 * `caFile`: or the PEM file of the private authority that signed it.
 */
export type Account = Readonly<{user: string; host: string; port: number; security: Security; password: string; insecure: boolean; tlsFingerprint?: string; caFile?: string}>;

/** A server certificate this computer does not trust, as shown to the person who may trust it. */
export type Certificate = Readonly<{subject: string; issuer: string; validFrom: string; validTo: string; sha256: string; reason: string}>;

export type ConnectionReport =
	| Readonly<{ok: true; tls: string; capabilities: readonly string[]; quota?: Readonly<{usedBytes: number; limitBytes: number}>; specialFolders: Readonly<Record<string, string>>; roundTripMs: number}>
	| Readonly<{ok: false; error: string; hint?: string; certificate?: Certificate}>;

export type PlannedFolder = Readonly<{label: string; mailbox: string; count?: number; bytes?: number; rule: string; isNotMail?: boolean; alreadyOnServer?: number}>;

/** A user's own mapping: this folder (and its subfolders) goes to that mailbox path ('/' between levels). */
export type FolderRule = Readonly<{from: string; to: string}>;

export type MigrationStart = Readonly<{source: string; account: Account; excludes: readonly string[]; prefix?: string; rules?: readonly FolderRule[]; backupDir?: string; connections: number}>;

export type RunningMigration = Readonly<{store: StatsStore; controls: EngineControls; title: string; done: Promise<FinishInfo>}>;

export interface WizardServices {
	/** Likely mail stores on this machine (Thunderbird profiles, Maildirs, PST/OST files). */
	discover(): Promise<FoundStore[]>;
	/** Kind, folder and message counts of a store (may take a while: it is cancellable). */
	inspect(path: string, signal: AbortSignal): Promise<StoreDetails>;
	/** Path completions for what the user typed. */
	complete(partial: string): Promise<string[]>;
	/** Server settings from an e-mail address: well-known providers, RFC 6186 SRV, then imap.<domain>. */
	guessServer(email: string): Promise<ServerGuess>;
	testConnection(account: Account): Promise<ConnectionReport>;
	planFolders(source: string, account: Account, prefix: string | undefined, rules?: readonly FolderRule[]): Promise<PlannedFolder[]>;
	/** Whether a backup step is available in this build. */
	readonly canBackup: boolean;
	startMigration(start: MigrationStart): Promise<RunningMigration>;
}
