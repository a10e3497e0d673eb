/**
 * Exit statuses of the mailshift CLI — the one place they are defined (README "Exit codes" mirrors this).
 * Modelled on rclone's lib/exitcode: distinct codes for what a script would handle differently.
 */
import type {ErrorCode} from './errors.js';

export const ExitCode = {
	/** Every message was uploaded, was skipped by policy (trashed/expunged), or the dry run found no blocker. */
	OK: 0,
	/** Unexpected error: a bug in mailshift. */
	BUG: 1,
	/** Usage error: bad option or argument. */
	USAGE: 2,
	/** The source does not exist, cannot be read, or is not a mail store. */
	SOURCE: 3,
	/** The server refused the login. */
	AUTH: 4,
	/** The run finished, but some messages failed (listed in the summary and report); a dry run found messages over APPENDLIMIT. */
	SOME_FAILED: 5,
	/** Interrupted (Ctrl-C, connection lost): run the same command again. */
	INTERRUPTED: 6,
	/** Fatal condition: mailbox over quota (a dry run: the mail does not fit), journal locked by another run or corrupt. */
	FATAL: 7,
	/** The server could not be reached: DNS, connection refused, TLS failure. */
	UNREACHABLE: 8,
	/** The source ends early (a truncated file): what could be read was migrated, the rest is missing. */
	SOURCE_INCOMPLETE: 9,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export function exitCodeFor(code: ErrorCode): ExitCodeValue {
	switch (code) {
		case 'USAGE': case 'JOURNAL_MISMATCH': case 'PLAN_CHANGED': return ExitCode.USAGE;
		case 'SOURCE_NOT_FOUND': case 'SOURCE_UNREADABLE': case 'NOT_A_MAIL_STORE': case 'RULES_UNPARSEABLE': return ExitCode.SOURCE;
		case 'AUTH_FAILED': return ExitCode.AUTH;
		case 'HOST_NOT_FOUND': case 'CONNECTION_REFUSED': case 'TLS_FAILED': case 'MANAGESIEVE_UNAVAILABLE': case 'QUEUE_UNREACHABLE': return ExitCode.UNREACHABLE;
		case 'CONNECTION_LOST': case 'TIMEOUT': case 'THROTTLED': case 'ABORTED': case 'BUDGET_REACHED': case 'LEASE_LOST': return ExitCode.INTERRUPTED;
		case 'SOURCE_INCOMPLETE': return ExitCode.SOURCE_INCOMPLETE;
		case 'OVER_QUOTA': case 'JOURNAL_LOCKED': case 'JOURNAL_CORRUPT': return ExitCode.FATAL;
		case 'BUG': return ExitCode.BUG;
		default: return ExitCode.SOME_FAILED;
	}
}

/** The README table, generated from the same source so they cannot drift (checked by a test). */
export const EXIT_CODE_DESCRIPTIONS: Readonly<Record<ExitCodeValue, string>> = {
	0: 'success: every message uploaded (or skipped by policy), or the dry run found nothing in the way',
	1: 'unexpected error (a bug; run with --debug and report it)',
	2: 'usage error (bad option or argument, or a resume with a different destination or mapping, or a resubmitted fleet row that changed)',
	3: 'source not found, unreadable, or not a mail store',
	4: 'login refused by the server',
	5: 'finished, but some messages failed, or a warning needs a look (an mbox that may have run messages together) (see the summary and --report); a dry run: messages over the server size limit (APPENDLIMIT)',
	6: 'interrupted (Ctrl-C, connection lost, time or byte budget reached, a fleet worker lost a row\'s lease): run the same command again to resume',
	7: 'fatal: mailbox over quota (a dry run: the mail does not fit the quota), or the journal is locked by another run or corrupt',
	8: 'server unreachable (DNS, connection refused, TLS failure), or the fleet\'s PostgreSQL queue unreachable',
	9: 'the source ends early (a truncated .pst/.ost or .olm): what could be read was migrated, the shortfall is in the summary; copy the file again and re-run',
};
