/**
 * The option tables of `mailshift backup`, `batch`, `rules` and `migrate --rules` (STYLE rule 7; the others are
 * in options.ts). They live apart from the commands' code so that main.ts can build the --help text and read
 * MAILSHIFT_<OPTION> and the config file without importing what the commands run (imapflow, SQLite, the
 * readers): `mailshift --help` starts in a fraction of the time (issue #14, start-up). Imports nothing but types
 * and options.ts; test/cli/startup.test.ts keeps it that way.
 */
import type {Options} from 'yargs';
import {MIGRATE_OPTIONS} from './options.js';
import {DEFAULT_WORKER_CONCURRENCY} from '../fleet/fleet-defaults.js';

const BACKUP = 'Backup:';
const BATCH = 'Batch:';
const RULES = 'Rules:';
const SOURCE = 'Source:';
const OUTPUT = 'Output:';

/** The options of `mailshift backup`. */
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

/** The options of `mailshift batch`. */
export const BATCH_OPTIONS = {
	parallel: {type: 'number', group: BATCH, default: 2, describe: 'Mailboxes migrated at the same time'},
	'max-connections-per-server': {type: 'number', group: BATCH, default: 8, describe: 'IMAP connections to one host:port over all rows together (a row\'s connections are cut to fit)'},
	'journal-dir': {type: 'string', group: BATCH, describe: 'Keep the rows\' journals in this directory (default: where migrate keeps them, one per source + destination)'},
	'only-failed': {type: 'boolean', group: BATCH, default: false, describe: 'Run only the rows that did not succeed last time (read from batch-state.json in --out)'},
	'dry-run': {type: 'boolean', alias: 'n', group: BATCH, default: false, describe: 'Per row and in total: messages, size, estimated time, quota fit; nothing is written'},
	check: {type: 'boolean', group: BATCH, default: false, describe: 'While validating the plan, also log in to every account (servers reachable, passwords right); never runs oauth-command: cells'},
	'allow-plan-commands': {type: 'boolean', group: BATCH, default: false, describe: 'Let the plan\'s oauth-command:CMD password cells run their programs (OAuth2: CMD prints an access token; for a real run or a dry run; never during --check). Check the plan first'},
	insecure: {type: 'boolean', group: BATCH, default: false, describe: 'Accept any TLS certificate; allow plain IMAP to non-loopback hosts (all rows)'},
	out: {type: 'string', group: OUTPUT, describe: 'Directory for report.csv, report.json and batch-state.json (default: the current directory)'},
	json: {type: 'boolean', group: OUTPUT, default: false, describe: 'NDJSON progress on stdout, every event with a "row" id (for log collectors)'},
	stats: {type: 'number', group: OUTPUT, default: 5, describe: 'Seconds between live summary lines on stderr, one per running row (0 = none)'},
	debug: {type: 'boolean', group: OUTPUT, default: false, describe: 'Show stack traces for errors'},
} as const satisfies Record<string, Options>;

/** The option table of `mailshift rules` (connection and folder options shared with `migrate`). */
export const RULES_OPTIONS = {
	to: MIGRATE_OPTIONS.to,
	'password-file': MIGRATE_OPTIONS['password-file'],
	'oauth-token-command': MIGRATE_OPTIONS['oauth-token-command'],
	'oauth-token-file': MIGRATE_OPTIONS['oauth-token-file'],
	insecure: MIGRATE_OPTIONS.insecure,
	prefix: MIGRATE_OPTIONS.prefix,
	map: MIGRATE_OPTIONS.map,
	exclude: MIGRATE_OPTIONS.exclude,
	install: {type: 'boolean', group: RULES, default: false, describe: 'Upload the script with ManageSieve (needs --to) and make it active; never replaces a script of yours'},
	out: {type: 'string', group: RULES, describe: 'Write the Sieve script to this file (for servers that take Sieve another way)'},
	remove: {type: 'boolean', group: RULES, default: false, describe: "Remove mailshift's script from the server (reactivating the script it replaced, if any)"},
	'sieve-port': {type: 'number', group: RULES, default: 4190, describe: 'ManageSieve port on the --to host'},
	'rules-include-active': {type: 'boolean', group: RULES, default: false, describe: 'When another script is active, run it first from mailshift\'s script (include, RFC 6609)'},
	'rules-replace-active': {type: 'boolean', group: RULES, default: false, describe: 'When another script is active, make mailshift\'s active instead (yours is kept; --remove reactivates it)'},
	'rules-allow-redirect': {type: 'boolean', group: RULES, default: false, describe: 'Carry "Forward" filters as server-side redirects (mail leaves the account)'},
	'rules-allow-discard': {type: 'boolean', group: RULES, default: false, describe: 'Carry "Delete" as discard (thrown away) instead of a move to Trash'},
} as const satisfies Record<string, Options>;

/** The options `migrate` adds for its rules step (`migrate --rules`); same meaning as in `mailshift rules`. */
export const MIGRATE_RULES_OPTIONS = {
	rules: {type: 'boolean', group: RULES, default: false, describe: 'After the mail, install the Thunderbird filters found with it as Sieve rules on the server (ManageSieve); see `mailshift rules`'},
	'rules-out': {type: 'string', group: RULES, describe: 'With --rules: also write the Sieve script to this file'},
	'sieve-port': RULES_OPTIONS['sieve-port'],
	'rules-include-active': RULES_OPTIONS['rules-include-active'],
	'rules-replace-active': RULES_OPTIONS['rules-replace-active'],
	'rules-allow-redirect': RULES_OPTIONS['rules-allow-redirect'],
	'rules-allow-discard': RULES_OPTIONS['rules-allow-discard'],
} as const satisfies Record<string, Options>;

const QUEUE = 'Queue:';

const QUEUE_OPTIONS = {
	queue: {type: 'string', group: QUEUE, describe: 'PostgreSQL connection string of the queue: postgres://USER@HOST[:PORT]/DB (password: MAILSHIFT_QUEUE_URL, --queue-file, PGPASSWORD or ~/.pgpass; never on the command line)'},
	'queue-file': {type: 'string', group: QUEUE, describe: 'Read the connection string from this file (yours, chmod 600)'},
	'queue-name': {type: 'string', group: QUEUE, default: 'mailshift', describe: 'Name of the plan in the queue (several plans can share a database)'},
	debug: {type: 'boolean', default: false, describe: 'Show stack traces for errors'},
} as const satisfies Record<string, Options>;

/** The options of `mailshift worker`. */
export const WORKER_OPTIONS = {
	...QUEUE_OPTIONS,
	concurrency: {type: 'number', default: DEFAULT_WORKER_CONCURRENCY, describe: 'Rows (mailboxes) this worker migrates at the same time'},
	lease: {type: 'number', describe: 'Seconds a row stays this worker\'s without a heartbeat (default: the one submitted with the plan, 120); a dead worker\'s rows go to another after this'},
	'allow-plan-commands': {type: 'boolean', default: false, describe: 'Let oauth-command:CMD rows run their programs on this machine (check the plan first)'},
	'exit-when-done': {type: 'boolean', default: false, describe: 'Exit once no row is left to run (instead of waiting for new plans)'},
	poll: {type: 'number', default: 2, describe: 'Seconds between looks for new rows when idle'},
} as const satisfies Record<string, Options>;

/** The options of `mailshift fleet …` (all subcommands: option-sources reads one table per command word). */
export const FLEET_OPTIONS = {
	...QUEUE_OPTIONS,
	json: {type: 'boolean', default: false, describe: 'status: print JSON on stdout'},
	out: {type: 'string', describe: 'status: also write report.csv and report.json (as mailshift batch does) into this directory'},
	watch: {type: 'boolean', default: false, describe: 'status: keep showing it (on a terminal the live fleet view, else a status every 5 s) until no row is left to run or Ctrl-C'},
	'only-failed': {type: 'boolean', default: false, describe: 'retry: send the failed rows again (the default and only choice; cancelled rows need --include-cancelled)'},
	'include-cancelled': {type: 'boolean', default: false, describe: 'retry: also send cancelled rows again'},
	'max-per-host': {type: 'number', describe: 'submit: IMAP connections to one server (host:port) over the whole fleet (default: no cap)'},
	'max-per-user': {type: 'number', describe: 'submit: IMAP connections per user on one server over the whole fleet (default: 10, providers allow about that)'},
	lease: {type: 'number', describe: 'submit: seconds a row stays a worker\'s without a heartbeat (default 120)'},
	insecure: {type: 'boolean', default: false, describe: 'submit: accept any TLS certificate; allow plain IMAP to non-loopback hosts (all rows)'},
	'allow-plan-commands': {type: 'boolean', default: false, describe: 'submit: accept oauth-command:CMD rows (workers also need --allow-plan-commands)'},
} as const satisfies Record<string, Options>;
