/**
 * What the wizard needs from the rest of mailshift, as an interface: the TUI never imports readers,
 * uploaders or the engine (STYLE rule 4). The CLI implements it (src/app/create-wizard-services.ts); tests fake it.
 */
import type {EngineControls} from '../contracts/controls.js';
import type {StatsStore} from '../engine/stats.js';
import type {FinishInfo} from './finish-info.js';

export type StoreKind = 'maildir' | 'mbox' | 'pst' | 'eml' | 'apple-mail' | 'dbx' | 'pop3' | 'olm';

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

/**
 * The store's mail-program filters as the guided mode shows them (issue #17): how many become server (Sieve)
 * rules, which stay on this computer and why, and what the server offers.
 */
export type RulesPreview = Readonly<{
	filters: number;
	serverRules: number;
	/** Filters that stay on this computer, with the first reason each. */
	local: readonly Readonly<{name: string; reason: string}>[];
	/** The server offers ManageSieve (RFC 5804): the rules can be installed from here. */
	hasManageSieve: boolean;
	/** The user's own active Sieve script, if any (include / replace / skip: the user decides). */
	activeScript?: string;
	/** The server can include the user's script (RFC 6609). */
	hasInclude: boolean;
	/** Where the script is saved when the server has no ManageSieve. */
	defaultOutFile: string;
	/** The filters could not be read (the mail migration is not affected). */
	problem?: string;
}>;

/** What the user chose for the rules: install after the mail (how to treat their active script), or save a file. */
export type RulesChoice = Readonly<{install: boolean; onActive: 'refuse' | 'include' | 'replace'; outFile?: string}>;

export type MigrationStart = Readonly<{source: string; account: Account; excludes: readonly string[]; prefix?: string; rules?: readonly FolderRule[]; backupDir?: string; connections: number; sieveRules?: RulesChoice}>;

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
	/**
	 * The store's filters translated through this mapping; undefined when the store has none. Optional: a
	 * build (or a fake) without it skips the rules step.
	 */
	previewRules?(source: string, account: Account, mapping: Readonly<{prefix: string | undefined; rules: readonly FolderRule[]; excludes: readonly string[]}>): Promise<RulesPreview | undefined>;
	startMigration(start: MigrationStart): Promise<RunningMigration>;
}
