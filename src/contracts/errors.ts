/**
 * The one error type of mailshift. Every error that reaches the user has a stable `code`, a `disposition`
 * (what the engine does with it) and, for user errors, a `hint` (what the user should do next).
 * Unknown errors become `BUG` at the boundary (cli/main.ts), and only those print a stack trace (with --debug).
 */

/** retry: transient, try again; verify: outcome unknown, check the server before retrying;
 *  skip: this message cannot be uploaded, record and continue; fatal: stop the run. */
export type Disposition = 'retry' | 'verify' | 'skip' | 'fatal';

export type ErrorCode =
	| 'USAGE'
	| 'SOURCE_NOT_FOUND'
	| 'SOURCE_UNREADABLE'
	| 'NOT_A_MAIL_STORE'
	/** The store ends early (a cut copy): what could be read was migrated, the rest is missing. */
	| 'SOURCE_INCOMPLETE'
	| 'MESSAGE_UNPARSEABLE'
	| 'MESSAGE_EMPTY'
	| 'MESSAGE_REJECTED'
	| 'HOST_NOT_FOUND'
	| 'CONNECTION_REFUSED'
	| 'TLS_FAILED'
	| 'AUTH_FAILED'
	| 'OVER_QUOTA'
	| 'TOO_BIG'
	| 'MAILBOX_CREATE_FAILED'
	| 'THROTTLED'
	| 'CONNECTION_LOST'
	| 'TIMEOUT'
	| 'ABORTED'
	| 'JOURNAL_LOCKED'
	| 'JOURNAL_CORRUPT'
	| 'JOURNAL_MISMATCH'
	| 'BUDGET_REACHED'
	// Rules (issue #17, src/rules/): a filter file that cannot be parsed; a Sieve script the server refused;
	// the server offers no ManageSieve; another script of the user's is active (never replaced untold).
	| 'RULES_UNPARSEABLE'
	| 'SIEVE_REJECTED'
	| 'MANAGESIEVE_UNAVAILABLE'
	| 'SIEVE_SCRIPT_CONFLICT'
	// Fleets (issue #15, src/fleet/): this worker's lease on a plan row expired and another worker took the row
	// (fencing); PostgreSQL (the queue and journal) cannot be reached; a resubmitted plan row differs from the
	// row already in the queue under the same id.
	| 'LEASE_LOST'
	| 'QUEUE_UNREACHABLE'
	| 'PLAN_CHANGED'
	| 'BUG';

export type ErrorDetails = Readonly<{cause?: unknown; hint?: string; retryAfterMs?: number}>;

export class MailshiftError extends Error {
	override readonly name = 'MailshiftError';
	readonly code: ErrorCode;
	readonly disposition: Disposition;
	readonly hint: string | undefined;
	readonly retryAfterMs: number | undefined;

	constructor(code: ErrorCode, message: string, disposition: Disposition, details: ErrorDetails = {}) {
		super(message, details.cause === undefined ? undefined : {cause: details.cause});
		this.code = code;
		this.disposition = disposition;
		this.hint = details.hint;
		this.retryAfterMs = details.retryAfterMs;
	}
}

export function isMailshiftError(error: unknown): error is MailshiftError {
	return error instanceof MailshiftError;
}

/** Wraps anything thrown into a MailshiftError; unknown errors become `BUG` (fatal). */
export function toMailshiftError(error: unknown): MailshiftError {
	if (error instanceof MailshiftError) return error;
	const message = error instanceof Error ? error.message : String(error);
	return new MailshiftError('BUG', `Unexpected error: ${message}`, 'fatal', {
		cause: error,
		hint: 'This is a bug in mailshift. Run again with --debug and report the output.',
	});
}
