/** The yargs option table of `mailshift backup`. */
import type {Options} from 'yargs';

const BACKUP = 'Backup:';
const SOURCE = 'Source:';
const OUTPUT = 'Output:';

/** The options of `mailshift backup` (main.ts registers them; app/backup.ts runs the command). */
export const BACKUP_OPTIONS = {
	out: {type: 'string', group: BACKUP, describe: 'Directory to write the backup to (created if missing; must be empty or hold an earlier backup)'},
	format: {type: 'string', group: BACKUP, choices: ['maildir', 'mbox', 'eml'], default: 'maildir', describe: 'maildir: flags in file names, dates as mtimes (restores with mailshift migrate); mbox: one file per folder; eml: one file per message'},
	verify: {type: 'string', group: BACKUP, describe: 'Check the backup in this directory against its manifest instead (exit 0 when it matches, 5 otherwise)'},
	force: {type: 'boolean', group: BACKUP, default: false, describe: 'Refresh a complete backup in --out (unchanged messages kept, files of messages no longer in the source deleted), or start over an unfinished one made with other options'},
	'include-trashed': {type: 'boolean', group: BACKUP, default: false, describe: 'Also back up messages marked trashed (Maildir T), as migrate --include-trashed uploads them'},
	from: {type: 'string', group: SOURCE, choices: ['maildir', 'mbox', 'pst', 'eml', 'apple-mail', 'dbx', 'olm'], describe: 'Source kind, when detection guesses wrong'},
	'oauth-token-command': {type: 'string', group: SOURCE, describe: 'For an imap(s):// source with OAuth2: a command that prints an access token'},
	'oauth-token-file': {type: 'string', group: SOURCE, describe: 'For an imap(s):// source with OAuth2: a file holding the access token (or set MAILSHIFT_OAUTH_TOKEN)'},
	'password-file': {type: 'string', group: SOURCE, describe: 'For an imap(s):// source: read the password from this file (else MAILSHIFT_PASSWORD, else a hidden prompt)'},
	insecure: {type: 'boolean', group: SOURCE, default: false, describe: 'For an imap(s):// source: accept any TLS certificate, allow plain IMAP to non-loopback hosts'},
	stats: {type: 'number', group: OUTPUT, default: 5, describe: 'Seconds between progress lines on stderr (0 = none)'},
	debug: {type: 'boolean', group: OUTPUT, default: false, describe: 'Show stack traces for errors'},
} as const satisfies Record<string, Options>;
