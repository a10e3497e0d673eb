/**
 * `mailshift backup` arguments (as yargs parsed them) → a validated, frozen BackupConfig (STYLE rule 7: resolve
 * at the edge, pass values in). Every problem is a USAGE MailshiftError saying what to write instead. Reads no
 * environment; the password is resolved later by config/secrets.ts.
 */
import {isAbsolute, relative, resolve as resolvePath} from 'node:path';
import {MailshiftError} from '../contracts/errors.js';
import {fromKindsHint, isSourceKind} from '../readers/open-source.js';
import type {SourceKind} from '../readers/open-source.js';
import type {ImapTarget} from '../uploader/imap-target.js';
import {parseImapUrl} from '../uploader/imap-target.js';
import type {BackupFormat} from './backup-layout.js';
import {BACKUP_FORMATS} from './backup-layout.js';

/** Arguments of `mailshift backup` as parsed by yargs (kebab-case options already camel-cased by main.ts). */
export type BackupArgs = Readonly<{
	source?: string | undefined;
	out?: string | undefined;
	format?: string | undefined;
	/** `--verify DIR`: check a backup instead of making one. */
	verify?: string | undefined;
	force?: boolean | undefined;
	from?: string | undefined;
	includeTrashed?: boolean | undefined;
	passwordFile?: string | undefined;
	oauthTokenCommand?: string | undefined;
	oauthTokenFile?: string | undefined;
	insecure?: boolean | undefined;
	stats?: number | undefined;
	debug?: boolean | undefined;
	/** Keep a complete backup of the same unchanged source (used by `migrate --backup`). @default false */
	reuseComplete?: boolean | undefined;
}>;

/** What to back up: a local store path (kind detected unless --from), or an IMAP account. */
export type BackupSourceSpec =
	| Readonly<{type: 'local'; path: string; kind: SourceKind | undefined}>
	| Readonly<{type: 'imap'; target: ImapTarget; url: string}>;

/** The validated, frozen configuration of one `backup` or `backup --verify` run. */
export type BackupConfig =
	| Readonly<{mode: 'verify'; dir: string; debug: boolean}>
	| Readonly<{
		mode: 'backup';
		source: BackupSourceSpec;
		out: string;
		format: BackupFormat;
		force: boolean;
		reuseComplete: boolean;
		includeTrashed: boolean;
		passwordFile: string | undefined;
		oauthTokenCommand: string | undefined;
		oauthTokenFile: string | undefined;
		statsIntervalMs: number;
		debug: boolean;
		/** ':' on POSIX, ';' on Windows (NTFS cannot store ':' in a file name). */
		maildirInfoSeparator: ':' | ';';
	}>;

const IMAP_URL = /^imaps?:\/\//i;

/** @param platform process.platform, for the Maildir info separator. */
export function resolveBackupConfig(args: BackupArgs, platform: NodeJS.Platform = process.platform): BackupConfig {
	const debug = args.debug ?? false;
	if (args.verify !== undefined) {
		if (!args.verify) throw new MailshiftError('USAGE', '--verify needs the backup directory.', 'fatal', {hint: 'mailshift backup --verify DIR'});
		if (args.source || args.out) {
			throw new MailshiftError('USAGE', '--verify checks an existing backup; it takes no source and no --out.', 'fatal', {hint: 'mailshift backup --verify DIR'});
		}
		return Object.freeze({mode: 'verify', dir: resolvePath(args.verify), debug});
	}
	if (!args.source) throw new MailshiftError('USAGE', 'No source was given.', 'fatal', {hint: 'mailshift backup <source> --out DIR (a store path, or imaps://user@host), or mailshift backup --verify DIR'});
	if (!args.out) throw new MailshiftError('USAGE', 'No --out directory was given.', 'fatal', {hint: 'mailshift backup <source> --out DIR'});
	const format = (args.format ?? 'maildir').toLowerCase();
	if (!(BACKUP_FORMATS as readonly string[]).includes(format)) {
		throw new MailshiftError('USAGE', `--format ${args.format} is not a backup format.`, 'fatal', {hint: `Use ${BACKUP_FORMATS.join(', ')} (default maildir).`});
	}
	let source: BackupSourceSpec;
	if (IMAP_URL.test(args.source)) {
		if (args.from !== undefined) throw new MailshiftError('USAGE', '--from applies to local stores, not to an IMAP account.', 'fatal');
		source = {type: 'imap', target: parseImapUrl(args.source, args.insecure ?? false), url: args.source};
	} else {
		let kind: SourceKind | undefined;
		if (args.from !== undefined) {
			if (!isSourceKind(args.from)) {
				throw new MailshiftError('USAGE', `--from ${args.from} is not a known store kind.`, 'fatal', {hint: fromKindsHint()});
			}
			kind = args.from;
		}
		source = {type: 'local', path: resolvePath(args.source), kind};
	}
	const out = resolvePath(args.out);
	if (source.type === 'local' && (isInside(source.path, out) || isInside(out, source.path))) {
		throw new MailshiftError('USAGE', `--out ${out} overlaps the source ${source.path}.`, 'fatal', {hint: 'Write the backup somewhere outside the store (and the store outside the backup).'});
	}
	const stats = args.stats ?? 5;
	if (!(stats >= 0 && stats <= 3600)) throw new MailshiftError('USAGE', '--stats must be a number of seconds from 0 (no progress lines) to 3600.', 'fatal');
	return Object.freeze({
		mode: 'backup', source, out, format: format as BackupFormat, force: args.force ?? false, reuseComplete: args.reuseComplete ?? false,
		includeTrashed: args.includeTrashed ?? false, passwordFile: args.passwordFile, statsIntervalMs: stats * 1000, debug,
		oauthTokenCommand: args.oauthTokenCommand, oauthTokenFile: args.oauthTokenFile,
		maildirInfoSeparator: platform === 'win32' ? ';' : ':',
	});
}

/** True when `child` is `parent` or below it. */
function isInside(parent: string, child: string): boolean {
	const rel = relative(parent, child);
	return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}
