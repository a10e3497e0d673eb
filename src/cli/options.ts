/**
 * The option tables of `mailshift migrate`, `verify` and `status` (STYLE rule 7): name, type, default,
 * description, group. yargs is configured from them (each command shows and accepts only its own table), and
 * cli/option-sources.ts reads the same tables for MAILSHIFT_<OPTION> and the config file; the README's usage
 * section describes the same options.
 */
import type {Options} from 'yargs';

const CONNECTION = 'Destination:';
const MAPPING = 'Folders:';
const BEHAVIOUR = 'Behaviour:';
const OUTPUT = 'Output:';

export const MIGRATE_OPTIONS = {
	to: {type: 'string', group: CONNECTION, describe: 'IMAP server and login: imaps://USER@HOST[:PORT] (TLS) or imap://USER@HOST[:PORT] (STARTTLS). No password in the URL.'},
	'password-file': {type: 'string', group: CONNECTION, describe: 'Read the password from this file (else MAILSHIFT_PASSWORD, else a hidden prompt)'},
	'source-password-file': {type: 'string', group: CONNECTION, describe: 'POP3 source (pop3s://USER@HOST): read its password from this file (else MAILSHIFT_SOURCE_PASSWORD, else a hidden prompt)'},
	'oauth-token-command': {type: 'string', group: CONNECTION, describe: 'OAuth2 (Gmail, Microsoft 365): a command that prints a fresh access token; run again when it expires'},
	'oauth-token-file': {type: 'string', group: CONNECTION, describe: 'OAuth2: a file holding the access token (read again when it expires); or set MAILSHIFT_OAUTH_TOKEN'},
	insecure: {type: 'boolean', group: CONNECTION, default: false, describe: 'Accept any TLS certificate and allow plain IMAP to non-loopback hosts (trusted networks only)'},
	'tls-fingerprint': {type: 'string', group: CONNECTION, describe: 'Trust only the server certificate with this SHA-256 fingerprint (self-signed or private-CA servers); the guided mode shows it'},
	'ca-file': {type: 'string', group: CONNECTION, describe: 'Trust server certificates signed by the authority in this PEM file (a private CA) instead of the system\'s'},
	connections: {type: 'number', group: CONNECTION, default: 4, describe: 'Parallel IMAP connections (servers often allow 10 per user in total)'},
	'max-rate': {type: 'number', group: CONNECTION, describe: 'At most this many messages per second'},
	bwlimit: {type: 'string', group: CONNECTION, describe: 'At most this many bytes per second, e.g. 2M'},
	'max-duration': {type: 'string', group: BEHAVIOUR, describe: 'Stop cleanly after this long, e.g. 8h (run again to resume)'},
	'daily-budget': {type: 'string', group: BEHAVIOUR, describe: 'Stop cleanly after uploading this much, e.g. 450M for Gmail (run again tomorrow)'},
	from: {type: 'string', group: MAPPING, choices: ['maildir', 'mbox', 'pst', 'eml', 'apple-mail', 'dbx', 'pop3', 'olm'], describe: 'Source kind, when detection guesses wrong'},
	prefix: {type: 'string', group: MAPPING, describe: 'Put the whole tree under this folder, e.g. "Imported/Old PC" (levels separated by /)'},
	map: {type: 'string', array: true, group: MAPPING, describe: "Map a folder (and its subfolders): 'Local=Remote', repeatable"},
	exclude: {type: 'string', array: true, group: MAPPING, describe: 'Skip folders matching this glob (* ? **), repeatable'},
	backup: {type: 'string', group: BEHAVIOUR, describe: 'Back up the source into this directory first (Maildir with a manifest; an up-to-date backup there is kept); nothing is uploaded unless the backup completes'},
	journal: {type: 'string', group: BEHAVIOUR, describe: 'Journal file that makes re-runs resume (default: one per source and destination under $XDG_STATE_HOME/mailshift)'},
	'new-journal': {type: 'boolean', group: BEHAVIOUR, default: false, describe: 'Start a new journal (e.g. after changing the folder mapping); messages already on the server are still found'},
	'skip-existing': {type: 'boolean', group: BEHAVIOUR, default: true, describe: 'Do not upload messages the target folder already holds (same Message-ID, or identical bytes); --no-skip-existing to turn off'},
	'batch-size': {type: 'number', group: BEHAVIOUR, default: 100, describe: 'Messages per journal checkpoint'},
	'batch-bytes': {type: 'string', group: BEHAVIOUR, default: '50M', describe: 'Uploaded bytes per journal checkpoint (a SIZE like --bwlimit: 50M, 500k)'},
	multiappend: {type: 'boolean', group: BEHAVIOUR, default: true, describe: 'Send messages in MULTIAPPEND batches when the server supports it (about 2x faster on Dovecot); --no-multiappend sends one APPEND per message'},
	compress: {type: 'string', group: CONNECTION, choices: ['auto', 'on', 'off'], default: 'auto', describe: 'COMPRESS=DEFLATE (RFC 4978) when the server offers it: auto = measure the first MiBs of the upload and compress only if that is faster (compressing costs CPU; it pays on slow links)'},
	'dry-run': {type: 'boolean', alias: 'n', group: BEHAVIOUR, default: false, describe: 'Show the plan (folders, counts, sizes); write nothing'},
	'include-trashed': {type: 'boolean', group: BEHAVIOUR, default: false, describe: 'Also upload messages marked trashed (Maildir T), with \\Deleted'},
	report: {type: 'string', group: OUTPUT, describe: 'Write a JSON report (totals, per folder, every failed/skipped message, the verify result) to this file; same schema as the --json summary'},
	stats: {type: 'number', group: OUTPUT, default: 5, describe: 'Seconds between progress lines on stderr (0 = none)'},
	json: {type: 'boolean', group: OUTPUT, default: false, describe: 'NDJSON events on stdout (for scripts and log collectors), then the --report object as {"type":"summary",...}'},
	verify: {type: 'boolean', group: BEHAVIOUR, default: true, describe: 'After a complete run, check every message on the server (--no-verify to skip)'},
	plain: {type: 'boolean', group: OUTPUT, default: false, describe: 'Progress as plain lines even on a terminal (no live dashboard)'},
	debug: {type: 'boolean', group: OUTPUT, default: false, describe: 'Show stack traces for errors'},
} as const satisfies Record<string, Options>;

/** `mailshift verify`: what it reads (destination, login, folder mapping) and prints; nothing about uploading. */
export const VERIFY_OPTIONS = {
	to: MIGRATE_OPTIONS.to,
	'password-file': MIGRATE_OPTIONS['password-file'],
	'oauth-token-command': MIGRATE_OPTIONS['oauth-token-command'],
	'oauth-token-file': MIGRATE_OPTIONS['oauth-token-file'],
	insecure: MIGRATE_OPTIONS.insecure,
	'tls-fingerprint': MIGRATE_OPTIONS['tls-fingerprint'],
	'ca-file': MIGRATE_OPTIONS['ca-file'],
	'source-password-file': MIGRATE_OPTIONS['source-password-file'],
	from: MIGRATE_OPTIONS.from,
	prefix: MIGRATE_OPTIONS.prefix,
	map: MIGRATE_OPTIONS.map,
	exclude: MIGRATE_OPTIONS.exclude,
	'include-trashed': {type: 'boolean', group: BEHAVIOUR, default: false, describe: 'Also expect messages marked trashed (as migrate --include-trashed uploaded them)'},
	deep: {type: 'boolean', group: BEHAVIOUR, default: false, describe: 'Compare every message byte by byte (downloads them)'},
	report: {type: 'string', group: OUTPUT, describe: 'Write the result (per folder, every missing/altered/extra message) as JSON to this file'},
	json: {type: 'boolean', group: OUTPUT, default: false, describe: 'Print the result as one JSON object on stdout (the --report schema) instead of a table'},
	debug: MIGRATE_OPTIONS.debug,
} as const satisfies Record<string, Options>;

/** `mailshift status`: which journal to read. */
export const STATUS_OPTIONS = {
	to: MIGRATE_OPTIONS.to,
	journal: MIGRATE_OPTIONS.journal,
	insecure: MIGRATE_OPTIONS.insecure,
} as const satisfies Record<string, Options>;

/** `mailshift demo`. */
export const DEMO_OPTIONS = {
	keep: {type: 'boolean', default: false, describe: 'Leave the server running and print how to connect and stop it'},
} as const satisfies Record<string, Options>;
