/**
 * Test-side access to the private PostgreSQL cluster (src/testing/private-postgres.ts): start one per test
 * file, and skip with a printed reason when PostgreSQL is not installed (CI installs it; see .ci/run).
 */
import {postgresUnavailableReason, startPostgres} from '../../src/testing/private-postgres.js';
import type {PrivatePostgres} from '../../src/testing/private-postgres.js';

export {startPostgres};
export type {PrivatePostgres};

/** Reason to skip PostgreSQL tests, or undefined when a private cluster can be started. */
export function postgresSkipReason(): string | undefined {
	const reason = postgresUnavailableReason();
	if (reason) console.log(`# SKIP: ${reason}; PostgreSQL (fleet) tests skipped`);
	return reason;
}
