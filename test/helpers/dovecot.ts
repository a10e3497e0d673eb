/**
 * Test-side access to the private Dovecot (src/testing/private-dovecot.ts): start one per test file, and
 * skip with a printed reason when dovecot-imapd is not installed (CI installs it; see .ci/run).
 */
import {isDovecotInstalled, isSieveInstalled, startDovecot} from '../../src/testing/private-dovecot.js';
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

/** Reason to skip Sieve server tests (ManageSieve, LMTP delivery), or undefined when all is installed. */
export function sieveServerSkipReason(): string | undefined {
	const dovecot = dovecotSkipReason();
	if (dovecot) return dovecot;
	if (isSieveInstalled()) return undefined;
	const reason = 'dovecot-managesieved, dovecot-lmtpd or dovecot-sieve is not installed (apt-get install -y dovecot-managesieved dovecot-lmtpd dovecot-sieve); Sieve server tests skipped';
	console.log(`# SKIP: ${reason}`);
	return reason;
}
