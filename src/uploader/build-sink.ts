/**
 * buildSink: the one place where a migration's sink stack is composed (STYLE rule 3, restic `wrapBackend`).
 * From the inside out: the server's sink (ImapSink, or none for a plan without a server) → PacedSink
 * (rate limits, server throttling) → DryRunSink for a dry run, which never writes and so needs no pacing.
 * Callers own `inner` and close the returned sink (closing a decorator closes what it wraps).
 */
import type {MailSink} from '../contracts/mail-sink.js';
import {DryRunSink} from './dry-run-sink.js';
import {PacedSink} from './paced-sink.js';
import type {PacingOptions} from './paced-sink.js';

export type SinkStackOptions = Readonly<{
	/** The server's sink; undefined: plan only (a dry run without a destination). */
	inner: MailSink | undefined;
	/** Nothing is written; mailboxes and indexes are read from `inner` when there is one. */
	dryRun: boolean;
	/** Rate limits and throttle reporting (ignored for a dry run). */
	pacing?: PacingOptions;
}>;

/** The decorated sink for one run. Pure composition: opens no connection. */
export function buildSink(options: SinkStackOptions): MailSink {
	const {inner} = options;
	if (!inner) return new DryRunSink();
	if (options.dryRun) return new DryRunSink(inner);
	return new PacedSink(inner, options.pacing ?? {});
}
