/** MigrationConfig: everything a `migrate` run needs, validated and frozen by config/resolve.ts. */
import type {CompressMode} from '../uploader/compression.js';
import type {MapRule} from '../mapper/folder-map.js';
import type {SourceKind} from '../readers/open-source.js';
import type {ImapTarget} from '../uploader/imap-target.js';

/** `migrate --rules` (issue #17): after the mail, the store's filters become the account's Sieve script. */
export type SieveRulesConfig = Readonly<{
	/** False: plan (and --rules-out) only, nothing installed (the guided mode's "no"). @default true */
	install: boolean;
	/** @default 4190 */
	sievePort: number;
	/** Another active script: refuse (say so), include it, or replace it (kept, reactivated by --remove). */
	onActive: 'refuse' | 'include' | 'replace';
	allowRedirect: boolean;
	allowDiscard: boolean;
	/** Also write the script to this file. */
	out?: string;
}>;

export type MigrationConfig = Readonly<{
	source: string;
	sourceKind: SourceKind | undefined;
	/** Undefined only for a dry run without --to. */
	target: ImapTarget | undefined;
	passwordFile: string | undefined;
	/** Password file of a POP3 source (else MAILSHIFT_SOURCE_PASSWORD, else a prompt). */
	sourcePasswordFile?: string | undefined;
	/** OAuth2 token sources (XOAUTH2); when one is set, no password is asked for. */
	oauthTokenCommand: string | undefined;
	oauthTokenFile: string | undefined;
	dryRun: boolean;
	includeTrashed: boolean;
	connections: number;
	prefix: string | undefined;
	rules: readonly MapRule[];
	excludes: readonly string[];
	/** Set by `--rules` / the guided mode: install the store's filters as Sieve after the mail. */
	sieveRules?: SieveRulesConfig;
	reportPath: string | undefined;
	statsIntervalMs: number;
	debug: boolean;
	/** Plain progress lines even on a terminal (no dashboard). */
	plain: boolean;
	/** NDJSON events on stdout instead of human output. */
	json: boolean;
	/** Run `verify` after a complete migration. */
	verifyAfter: boolean;
	/** Journal file; undefined only for dry runs. */
	journalPath: string | undefined;
	/**
	 * Where a version before canonical journal keys kept this migration's default journal, when that is another
	 * file (journal-location.ts); it is resumed from there. Undefined with --journal.
	 */
	legacyJournalPath: string | undefined;
	newJournal: boolean;
	skipExisting: boolean;
	/** Batch uploads into MULTIAPPEND commands when the server has MULTIAPPEND (RFC 3502). */
	multiappend: boolean;
	/** COMPRESS=DEFLATE (RFC 4978) on the IMAP destination: auto decides from what it measures during the upload (uploader/compression.ts). */
	compress: CompressMode;
	batchSize: number;
	batchBytes: number;
	/** Messages per second, bytes per second (undefined = unlimited). */
	maxRate: number | undefined;
	bytesPerSecond: number | undefined;
	/** Stop cleanly after this long / after uploading this many bytes (resume later). */
	maxDurationMs: number | undefined;
	byteBudget: number | undefined;
}>;
