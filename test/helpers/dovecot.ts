/**
 * Test-side access to the private Dovecot (src/testing/private-dovecot.ts): start one per test file, and
 * skip with a printed reason when dovecot-imapd is not installed (CI installs it; see .ci/run).
 */
import {isDovecotInstalled, startDovecot} from '../../src/testing/private-dovecot.js';
import type {DovecotOptions, PrivateDovecot} from '../../src/testing/private-dovecot.js';

export {startDovecot, isDovecotInstalled};
export type {DovecotOptions, PrivateDovecot};

/** Reason to skip server tests, or undefined when Dovecot is available. */
export function dovecotSkipReason(): string | undefined {
	if (isDovecotInstalled()) return undefined;
	const reason = 'dovecot-imapd is not installed (apt-get install -y dovecot-imapd); IMAP integration tests skipped';
	console.log(`# SKIP: ${reason}`);
	return reason;
}
