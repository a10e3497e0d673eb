/**
 * Test-side access to the private Cyrus IMAP (src/testing/private-cyrus.ts): start one per test file, and skip
 * with a printed reason when it cannot run here (CI installs and unpacks it; see .ci/run).
 */
import {cyrusUnavailableReason, startCyrus} from '../../src/testing/private-cyrus.js';
import type {CyrusOptions, PrivateCyrus} from '../../src/testing/private-cyrus.js';

export {startCyrus};
export type {CyrusOptions, PrivateCyrus};

/** Reason to skip Cyrus server tests, or undefined when a private Cyrus can run. */
export function cyrusSkipReason(): string | undefined {
	const unavailable = cyrusUnavailableReason();
	if (unavailable === undefined) return undefined;
	const reason = `${unavailable}; Cyrus IMAP tests skipped`;
	console.log(`# SKIP: ${reason}`);
	return reason;
}
