/**
 * buildSink: the one place where a migration's sink stack is composed (STYLE rule 3, restic `wrapBackend`).
 * From the inside out: the server's sink (ImapSink, or none for a plan without a server) → PacedSink
 * (rate limits, the gap after a throttle) → RetryingSink (the one retry policy: throttles and other refusals
 * that stored nothing), or DryRunSink for a dry run, which never writes and so needs neither.
 * Callers own `inner` and close the returned sink (closing a decorator closes what it wraps).
 */
import type {MailSink} from '../contracts/mail-sink.js';
import {DryRunSink} from './dry-run-sink.js';
import {PacedSink} from './paced-sink.js';
import type {PacingOptions} from './paced-sink.js';
import {RetryingSink} from './retrying-sink.js';
import type {RetryOptions} from './retrying-sink.js';

export type SinkStackOptions = Readonly<{
	/** The server's sink; undefined: plan only (a dry run without a destination). */
	inner: MailSink | undefined;
	/** Nothing is written; mailboxes and indexes are read from `inner` when there is one. */
	dryRun: boolean;
	/** Rate limits (ignored for a dry run). */
	pacing?: PacingOptions;
	/** Throttle reporting (ignored for a dry run). */
	retry?: RetryOptions;
}>;

/** The decorated sink for one run. Pure composition: opens no connection. */
export function buildSink(options: SinkStackOptions): MailSink {
	const {inner} = options;
	if (!inner) return new DryRunSink();
	if (options.dryRun) return new DryRunSink(inner);
	return new RetryingSink(new PacedSink(inner, options.pacing ?? {}), options.retry ?? {});
}
