/**
 * argv (as parsed by yargs) → a validated, frozen MigrationConfig. The only place besides secrets.ts that
 * interprets user input; every problem is a USAGE MailshiftError that says what to write instead.
 */
import {basename, join, resolve as resolvePath} from 'node:path';
import {MailshiftError} from '../contracts/errors.js';
import {parseMapRule} from '../mapper/folder-map.js';
import {fromKindsHint, isSourceKind} from '../readers/open-source.js';
import type {SourceKind} from '../readers/open-source.js';
import {isPop3Url, parsePop3Url} from '../readers/pop3/pop3-url.js';
import {parseImapUrl} from '../uploader/imap-target.js';
import {parseFingerprintOption, readCaFile} from '../uploader/tls-pin.js';
import type {MigrationConfig} from './config.js';
import {defaultJournalPath, legacyJournalPath} from '../journal/journal-location.js';
import {parseBytes, parseDuration} from '../util/units.js';
import {COMPRESS_MODES} from '../uploader/compression.js';
import type {CompressMode} from '../uploader/compression.js';

export type MigrateArgs = Readonly<{
	source?: string | undefined;
	to?: string | undefined;
	from?: string | undefined;
	passwordFile?: string | undefined;
	sourcePasswordFile?: string | undefined;
	oauthTokenCommand?: string | undefined;
	oauthTokenFile?: string | undefined;
	insecure?: boolean | undefined;
	tlsFingerprint?: string | undefined;
	caFile?: string | undefined;
	dryRun?: boolean | undefined;
	includeTrashed?: boolean | undefined;
	connections?: number | undefined;
	prefix?: string | undefined;
	map?: readonly string[] | undefined;
	exclude?: readonly string[] | undefined;
	report?: string | undefined;
	stats?: number | undefined;
	debug?: boolean | undefined;
	plain?: boolean | undefined;
	json?: boolean | undefined;
	verify?: boolean | undefined;
	journal?: string | undefined;
	/** Directory for the default journal instead of $XDG_STATE_HOME/mailshift/journals (batch --journal-dir). */
	journalDir?: string | undefined;
	newJournal?: boolean | undefined;
	skipExisting?: boolean | undefined;
	multiappend?: boolean | undefined;
	compress?: string | undefined;
	batchSize?: number | undefined;
	batchBytes?: string | number | undefined;
	maxRate?: number | undefined;
	bwlimit?: string | number | undefined;
	maxDuration?: string | number | undefined;
	dailyBudget?: string | number | undefined;
}>;

export function resolveMigrateConfig(args: MigrateArgs, env: NodeJS.ProcessEnv = process.env): MigrationConfig {
	if (!args.source) throw new MailshiftError('USAGE', 'No source was given.', 'fatal', {hint: 'mailshift migrate <source> --to imaps://user@host'});
	let sourceKind: SourceKind | undefined;
	if (args.from !== undefined) {
		if (!isSourceKind(args.from)) {
			throw new MailshiftError('USAGE', `--from ${args.from} is not a known store kind.`, 'fatal', {hint: fromKindsHint()});
		}
		sourceKind = args.from;
	}
	// A POP3 account is a URL, not a path (readers/pop3/pop3-store.ts).
	const isPop3 = isPop3Url(args.source);
	if (isPop3) {
		sourceKind = 'pop3';
		// Checked first, so that no later message echoes the URL with its password in it.
		parsePop3Url(args.source, args.insecure ?? false);
	}
	const dryRun = args.dryRun ?? false;
	if (!args.to && !dryRun) {
		throw new MailshiftError('USAGE', 'No destination was given.', 'fatal', {hint: 'Add --to imaps://user@host (or --dry-run to only see the plan).'});
	}
	const parsed = args.to ? parseImapUrl(args.to, args.insecure ?? false) : undefined;
	const target = parsed && (args.tlsFingerprint || args.caFile) ? {
		...parsed,
		...(args.tlsFingerprint ? {tlsFingerprint: parseFingerprintOption(args.tlsFingerprint)} : {}),
		...(args.caFile ? {ca: readCaFile(args.caFile)} : {}),
	} : parsed;
	const connections = args.connections ?? 4;
	if (!Number.isInteger(connections) || connections < 1 || connections > 32) {
		throw new MailshiftError('USAGE', `--connections ${String(args.connections)} is out of range.`, 'fatal', {hint: 'Use 1 to 32 (default 4; many servers allow 10 per user in total).'});
	}
	const rules = (args.map ?? []).map((text) => {
		try {
			return parseMapRule(text);
		} catch (error) {
			throw new MailshiftError('USAGE', (error as Error).message, 'fatal', {hint: "Example: --map 'Sent Items=Sent'"});
		}
	});
	const prefix = args.prefix?.trim().replace(/^\/+|\/+$/g, '') || undefined;
	const stats = args.stats ?? 5;
	if (!(stats >= 0 && stats <= 3600)) throw new MailshiftError('USAGE', '--stats must be a number of seconds from 0 (no progress lines) to 3600.', 'fatal');
	const batchSize = args.batchSize ?? 100;
	if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 100_000) throw new MailshiftError('USAGE', '--batch-size must be a whole number from 1 to 100000.', 'fatal');
	// A SIZE like --bwlimit (README): "50M", "500k", or a plain number of bytes.
	const batchBytes = args.batchBytes === undefined ? 50 * 1024 * 1024 : parseBytes(args.batchBytes);
	if (batchBytes === undefined) throw new MailshiftError('USAGE', `--batch-bytes ${String(args.batchBytes)} is not a size.`, 'fatal', {hint: 'Examples: --batch-bytes 50M, --batch-bytes 500k, --batch-bytes 1000000.'});
	if (args.maxRate !== undefined && !(args.maxRate > 0)) throw new MailshiftError('USAGE', '--max-rate must be a positive number of messages per second.', 'fatal');
	const bytesPerSecond = args.bwlimit === undefined ? undefined : parseBytes(args.bwlimit);
	if (args.bwlimit !== undefined && bytesPerSecond === undefined) throw new MailshiftError('USAGE', `--bwlimit ${String(args.bwlimit)} is not a size per second.`, 'fatal', {hint: 'Examples: --bwlimit 2M (2 MiB/s), --bwlimit 500k.'});
	const maxDurationMs = args.maxDuration === undefined ? undefined : parseDuration(args.maxDuration);
	if (args.maxDuration !== undefined && maxDurationMs === undefined) throw new MailshiftError('USAGE', `--max-duration ${String(args.maxDuration)} is not a duration.`, 'fatal', {hint: 'Examples: --max-duration 8h, 90m, 1h30m.'});
	const byteBudget = args.dailyBudget === undefined ? undefined : parseBytes(args.dailyBudget);
	if (args.dailyBudget !== undefined && byteBudget === undefined) throw new MailshiftError('USAGE', `--daily-budget ${String(args.dailyBudget)} is not a size.`, 'fatal', {hint: 'Example: --daily-budget 450M (Gmail allows about 500 MB of IMAP uploads a day).'});
	const source = isPop3 ? args.source : resolvePath(args.source);
	const journalPath = dryRun || !target ? undefined : args.journal ? resolvePath(args.journal) : inJournalDir(defaultJournalPath({source, target}, env), args.journalDir);
	const legacy = journalPath === undefined || args.journal || !target ? undefined : legacyJournalPath({source, target}, env);
	return Object.freeze({
		journalPath,
		legacyJournalPath: legacy === undefined ? undefined : inJournalDir(legacy, args.journalDir),
		newJournal: args.newJournal ?? false,
		skipExisting: args.skipExisting ?? true,
		multiappend: args.multiappend ?? true,
		compress: compressModeOf(args.compress),
		batchSize,
		batchBytes,
		maxRate: args.maxRate,
		bytesPerSecond,
		maxDurationMs,
		byteBudget,
		source,
		sourceKind,
		target,
		passwordFile: args.passwordFile,
		sourcePasswordFile: args.sourcePasswordFile,
		oauthTokenCommand: args.oauthTokenCommand,
		oauthTokenFile: args.oauthTokenFile ? resolvePath(args.oauthTokenFile) : undefined,
		dryRun,
		includeTrashed: args.includeTrashed ?? false,
		connections,
		prefix,
		rules: Object.freeze(rules),
		excludes: Object.freeze([...(args.exclude ?? [])]),
		reportPath: args.report ? resolvePath(args.report) : undefined,
		statsIntervalMs: stats * 1000,
		debug: args.debug ?? false,
		plain: args.plain ?? false,
		json: args.json ?? false,
		verifyAfter: args.verify ?? true,
	});
}

/** A default journal path moved into `dir` (batch --journal-dir), or unchanged. */
function inJournalDir(path: string, dir: string | undefined): string {
	return dir === undefined ? path : join(resolvePath(dir), basename(path));
}

/** --compress: auto (default), on or off. @throws USAGE for anything else. */
function compressModeOf(value: string | undefined): CompressMode {
	const mode = (value ?? 'auto').toLowerCase();
	if ((COMPRESS_MODES as readonly string[]).includes(mode)) return mode as CompressMode;
	throw new MailshiftError('USAGE', `--compress ${value ?? ''} is not one of ${COMPRESS_MODES.join(', ')}.`, 'fatal', {hint: 'auto (the default) compresses only when it measures that compressing makes the upload faster.'});
}
