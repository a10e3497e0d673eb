/**
 * The fleet's own tables in PostgreSQL (issue #15), beside pg-boss's `pgboss` schema: the journal of every plan
 * row (PgJournal), the row leases with their fencing generation (RowLease), the submitted plan rows (for status
 * and idempotent resubmission) and the fleet-wide connection caps. No table holds a password or token: rows name
 * where a secret is (env:, file:, oauth-command:), resolved on the worker.
 *
 * `ensureFleetSchema` is idempotent and safe to run from many workers at once: DDL runs under a transaction-level
 * advisory lock, because concurrent `CREATE TABLE IF NOT EXISTS` can still fail on the catalog's unique index
 * (PostgreSQL docs, "CREATE TABLE … IF NOT EXISTS" is not concurrency-safe).
 */
import type pg from 'pg';

/** The schema name; every statement of src/fleet qualifies its tables with it. */
export const FLEET_SCHEMA = 'mailshift_fleet';

/** Advisory lock key (any constant bigint) serialising schema creation across processes. */
const SCHEMA_LOCK = 7_150_015_001;

const DDL = `
CREATE SCHEMA IF NOT EXISTS ${FLEET_SCHEMA};
CREATE TABLE IF NOT EXISTS ${FLEET_SCHEMA}.journal_runs (
	row_key text PRIMARY KEY, config_hash text NOT NULL, config text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE IF NOT EXISTS ${FLEET_SCHEMA}.journal (
	row_key text NOT NULL, folder text NOT NULL, key text NOT NULL, location text NOT NULL, state text NOT NULL,
	mailbox text, message_id text, fingerprint text, size bigint, uid bigint, uid_validity text,
	error_code text, error text, updated_at timestamptz NOT NULL, PRIMARY KEY (row_key, folder, key));
CREATE TABLE IF NOT EXISTS ${FLEET_SCHEMA}.journal_mailboxes (
	row_key text NOT NULL, mailbox text NOT NULL, uid_validity text, PRIMARY KEY (row_key, mailbox));
CREATE TABLE IF NOT EXISTS ${FLEET_SCHEMA}.leases (
	row_key text PRIMARY KEY, generation bigint NOT NULL DEFAULT 0, worker text, job_id text, expires_at timestamptz,
	host text, imap_user text, connections int NOT NULL DEFAULT 0, connection_cap_note text);
CREATE TABLE IF NOT EXISTS ${FLEET_SCHEMA}.plan_rows (
	queue text NOT NULL, row_id text NOT NULL, version int NOT NULL, digest text NOT NULL, spec jsonb NOT NULL,
	job_id text, submitted_at timestamptz NOT NULL DEFAULT now(), state text NOT NULL DEFAULT 'queued',
	worker text, progress jsonb, result jsonb, last_error text, updated_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (queue, row_id));
CREATE TABLE IF NOT EXISTS ${FLEET_SCHEMA}.settings (
	queue text PRIMARY KEY, max_per_host int, max_per_user int, lease_seconds int NOT NULL, paused boolean NOT NULL DEFAULT false);
`;

/** Creates the fleet tables when missing. Idempotent; concurrency-safe (see the module comment). */
export async function ensureFleetSchema(client: pg.PoolClient | pg.Client): Promise<void> {
	await client.query('BEGIN');
	try {
		await client.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK]);
		await client.query(DDL);
		await client.query('COMMIT');
	} catch (error) {
		await client.query('ROLLBACK').catch(() => undefined);
		throw error;
	}
}
