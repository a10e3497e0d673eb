/**
 * FleetQueue: the plan rows of a fleet migration as jobs in PostgreSQL (issue #15), on pg-boss 10.
 *
 * Why pg-boss@10 and not graphile-worker@0.16 (both maintained, both run on Node 20 — pg-boss 11 and
 * graphile-worker 0.17 need Node 22), compared on what a fleet needs:
 * - Stalled-job recovery: graphile-worker frees a dead worker's job only after a fixed 4 hours
 *   (`resetLockedAt`: `where locked_at < now() - interval '4 hours'`, not configurable); a mailbox would sit idle
 *   that long. pg-boss 10 lets every job carry its own expiry (`expire_in`, up to 24 h) and lets ANY client fail
 *   an active job by id (`fail(name, id, data, {db})`), which is what our own lease reaper needs. Neither has a
 *   heartbeat for a long job (pg-boss fixes the deadline at fetch), so leases with a heartbeat and a fencing
 *   generation are ours (row-lease.ts); pg-boss's expiry (23 h) is only the backstop.
 * - Retries with backoff: both (pg-boss `retryLimit`/`retryDelay`/`retryBackoff` per queue or job).
 * - Per-group concurrency: graphile-worker has named queues (one job at a time per queue), pg-boss has
 *   `singletonKey`/policies; neither caps connections per host or per user across workers, so the caps are ours
 *   too (`acquireConnections`, under an advisory lock).
 * - Pickup: graphile-worker uses LISTEN/NOTIFY; pg-boss 10 polls (`pollingIntervalSeconds` ≥ 0.5). A migration row
 *   runs for minutes to hours, so a poll of a few seconds costs nothing that matters.
 * - Schema migration: both migrate their own schema on start (pg-boss under an advisory lock, `migrate: true`).
 * - Transactions: pg-boss 10 accepts `{db}` on send/complete/fail, so submitting a row (our plan_rows + the job)
 *   and completing a row (lease check + job + plan_rows) are each one transaction with our tables.
 *
 * Idempotent submission: a row is identified by its plan id within the queue; submitting the same row again
 * does nothing; a row whose content (source, url, credential reference, prefix, connections, bwlimit) changed is
 * REFUSED (PLAN_CHANGED) and nothing of that submission is enqueued — its journal would not match (another source
 * or destination) and silently versioning it would migrate a mailbox twice under two ids. Give a changed row a
 * new id, or cancel the old one first.
 *
 * Row states in plan_rows: queued → running → done | failed | cancelled (retry: waiting for pg-boss to hand it
 * out again after a lost worker or a transient failure).
 */
import {createHash} from 'node:crypto';
import {hostname} from 'node:os';
import pg from 'pg';
import PgBoss from 'pg-boss';
import {MailshiftError} from '../contracts/errors.js';
import {canonicalHost} from '../journal/journal-location.js';
import {parseImapUrl} from '../uploader/imap-target.js';
import {FLEET_SCHEMA, ensureFleetSchema} from './fleet-schema.js';
import {checkIn, checkOut} from './pg-journal.js';
import type {FleetRowSpec} from './run-row.js';

export type RowState = 'queued' | 'running' | 'retry' | 'done' | 'failed' | 'cancelled';

/** The job payload: which row (the row itself is in plan_rows). */
export type FleetJobData = Readonly<{queue: string; rowId: string}>;

/** IMAP connections per user over the whole fleet when no submission set a cap: providers allow about 10. */
export const DEFAULT_MAX_PER_USER = 10;
/** Seconds a row stays a worker's without a heartbeat when no submission set it. */
const DEFAULT_LEASE_SECONDS = 120;

export type FleetSettings = Readonly<{maxPerHost: number | undefined; maxPerUser: number | undefined; leaseSeconds: number; isPaused: boolean}>;

export type FleetQueueOptions = Readonly<{
	/** postgres://user:password@host:port/db — never printed (see redactQueueUrl). */
	url: string;
	/** The pg-boss queue (and plan) name; several plans can share a database. @default 'mailshift' */
	name?: string;
	/** Run pg-boss maintenance (expiry, archiving) in this process: workers yes, CLI commands no. @default false */
	supervise?: boolean;
	/** Pool size. @default 4 */
	maxConnections?: number;
}>;

/** pg-boss retries of one row after a lost worker or a transient failure (exit 6). */
export const ROW_RETRY_LIMIT = 5;
/** pg-boss's own expiry of an active job: a backstop only (leases do the real work); pg-boss caps it < 24 h. */
const JOB_EXPIRE_SECONDS = 23 * 3600;
/** Advisory lock key serialising connection-cap grants across workers. */
const CAPS_LOCK = 7_150_015_002;

/** The URL with its password replaced by ***: what may be shown. Pure. */
export function redactQueueUrl(url: string): string {
	try {
		const u = new URL(url);
		if (u.password) u.password = '***';
		return u.toString();
	} catch {
		return url.replace(/:\/\/([^:/@]*):[^@]*@/, '://$1:***@');
	}
}

/** A stable digest of what a row migrates (not its id): equal digests = the same row resubmitted. */
export function rowDigest(spec: FleetRowSpec): string {
	const {id: _id, ...content} = spec;
	return createHash('sha256').update(canonicalJson(content)).digest('hex').slice(0, 32);
}

/** JSON with object keys sorted at every level (a replacer array would also drop nested keys). Pure. */
function canonicalJson(value: unknown): string {
	if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
	if (value !== null && typeof value === 'object') {
		return `{${Object.keys(value).sort().filter((k) => (value as Record<string, unknown>)[k] !== undefined).map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
	}
	return JSON.stringify(value) ?? 'null';
}

/**
 * A session idle inside a transaction longer than this is ended by PostgreSQL, which releases its row locks. A
 * worker stopped mid-transaction (SIGSTOP, a laptop lid, a frozen VM) otherwise held its journal transaction's
 * `FOR SHARE` lock on its lease row for as long as it was stopped, and the reaper (`FOR UPDATE SKIP LOCKED`)
 * skipped that row: no other worker could take the mailbox over (seen as a hang of the fleet's fence test,
 * 2026-12-06). Our transactions are a few queries long; one that was ended this way fails and is retried.
 */
export const IDLE_IN_TRANSACTION_MS = 10_000;

/** The pool configuration of a fleet process's PostgreSQL connections. */
export function fleetPoolConfig(url: string, max: number): pg.PoolConfig {
	return {connectionString: url, max, application_name: 'mailshift', idle_in_transaction_session_timeout: IDLE_IN_TRANSACTION_MS};
}

export class FleetQueue {
	readonly name: string;
	readonly pool: pg.Pool;
	readonly boss: PgBoss;
	readonly #url: string;

	private constructor(options: FleetQueueOptions, pool: pg.Pool, boss: PgBoss) {
		this.name = options.name ?? 'mailshift';
		this.pool = pool;
		this.boss = boss;
		this.#url = options.url;
	}

	/**
	 * Connects, creates pg-boss's schema and ours when missing, and the queue.
	 * @throws MailshiftError QUEUE_UNREACHABLE (PostgreSQL cannot be reached or refused the login; the URL shown
	 *   without its password), USAGE (a malformed URL or queue name).
	 */
	static async open(options: FleetQueueOptions, onError?: (message: string) => void): Promise<FleetQueue> {
		const name = options.name ?? 'mailshift';
		if (!/^[A-Za-z0-9_.-]{1,64}$/.test(name)) throw new MailshiftError('USAGE', `--queue-name "${name}" is not usable.`, 'fatal', {hint: 'Use up to 64 letters, digits and . _ -'});
		if (!/^postgres(ql)?:\/\//.test(options.url)) {
			throw new MailshiftError('USAGE', `The queue ${redactQueueUrl(options.url)} is not a PostgreSQL URL.`, 'fatal', {hint: 'Write postgres://user@host:5432/database (the password in MAILSHIFT_QUEUE_URL or --queue-file, not on the command line).'});
		}
		const pool = new pg.Pool(fleetPoolConfig(options.url, options.maxConnections ?? 4));
		// Idle clients cut by a PostgreSQL restart report here; the next query reconnects.
		pool.on('error', (error) => onError?.(`PostgreSQL connection lost (${error.message}); reconnecting`));
		const boss = new PgBoss({
			connectionString: options.url, max: 2, application_name: 'mailshift-queue',
			supervise: options.supervise ?? false, schedule: false, migrate: true,
			...(options.supervise ? {maintenanceIntervalSeconds: 60} : {}),
		});
		boss.on('error', (error: Error) => onError?.(`queue: ${error.message}`));
		try {
			const client = await checkOut(pool);
			try {
				await ensureFleetSchema(client);
			} finally {
				checkIn(client, undefined);
			}
			await boss.start();
			if (!(await boss.getQueue(name))) {
				await boss.createQueue(name, {name, policy: 'standard', retryLimit: ROW_RETRY_LIMIT, retryDelay: 5, retryBackoff: true, expireInSeconds: JOB_EXPIRE_SECONDS}).catch(async (error: unknown) => {
					if (!(await boss.getQueue(name))) throw error; // created by another process meanwhile: fine
				});
			}
		} catch (error) {
			await boss.stop({graceful: false, wait: false}).catch(() => undefined);
			await pool.end().catch(() => undefined);
			throw unreachable(options.url, error);
		}
		return new FleetQueue(options, pool, boss);
	}

	/** The URL to show. */
	get displayUrl(): string {
		return redactQueueUrl(this.#url);
	}

	async close(): Promise<void> {
		await this.boss.stop({graceful: false, wait: true, close: true}).catch(() => undefined);
		await this.pool.end().catch(() => undefined);
	}

	/** Runs `fn` in one transaction; pg-boss calls inside it get `{db}`. */
	async transaction<T>(fn: (client: pg.PoolClient, db: PgBoss.Db) => Promise<T>): Promise<T> {
		const client = await checkOut(this.pool);
		let failure: unknown;
		try {
			await client.query('BEGIN');
			const db: PgBoss.Db = {executeSql: async (text, values) => client.query(text, values)};
			const out = await fn(client, db);
			await client.query('COMMIT');
			return out;
		} catch (error) {
			failure = error instanceof MailshiftError ? undefined : error;
			await client.query('ROLLBACK').catch(() => undefined);
			throw error;
		} finally {
			checkIn(client, failure);
		}
	}

	async settings(): Promise<FleetSettings> {
		const {rows} = await this.pool.query<{max_per_host: number | null; max_per_user: number | null; lease_seconds: number; paused: boolean}>(
			`SELECT max_per_host, max_per_user, lease_seconds, paused FROM ${FLEET_SCHEMA}.settings WHERE queue = $1`, [this.name]);
		const r = rows[0];
		return {maxPerHost: r?.max_per_host ?? undefined, maxPerUser: r?.max_per_user ?? undefined, leaseSeconds: r?.lease_seconds ?? DEFAULT_LEASE_SECONDS, isPaused: r?.paused ?? false};
	}

	/**
	 * Enqueues the rows that are new; rows already submitted unchanged are left as they are. All or nothing.
	 * @throws MailshiftError PLAN_CHANGED naming every row whose content differs from the submitted one.
	 */
	async submit(rows: readonly FleetRowSpec[], settings: Readonly<{maxPerHost?: number | undefined; maxPerUser?: number | undefined; leaseSeconds?: number | undefined}>): Promise<{added: string[]; unchanged: string[]}> {
		return this.transaction(async (client, db) => {
			// A setting given sets it; one left out keeps what an earlier submission set (a second plan submitted
			// without --max-per-user must not lift the cap the first one set), else the default.
			await client.query(`INSERT INTO ${FLEET_SCHEMA}.settings (queue, max_per_host, max_per_user, lease_seconds) VALUES ($1, $2, coalesce($3, ${DEFAULT_MAX_PER_USER}), coalesce($4, ${DEFAULT_LEASE_SECONDS}))
				ON CONFLICT (queue) DO UPDATE SET max_per_host = coalesce($2, settings.max_per_host),
					max_per_user = coalesce($3, settings.max_per_user), lease_seconds = coalesce($4, settings.lease_seconds)`,
			[this.name, settings.maxPerHost ?? null, settings.maxPerUser ?? null, settings.leaseSeconds ?? null]);
			const {rows: existing} = await client.query<{row_id: string; digest: string}>(`SELECT row_id, digest FROM ${FLEET_SCHEMA}.plan_rows WHERE queue = $1 AND row_id = ANY($2::text[]) FOR UPDATE`, [this.name, rows.map((r) => r.id)]);
			const known = new Map(existing.map((r) => [r.row_id, r.digest]));
			const changed = rows.filter((r) => known.has(r.id) && known.get(r.id) !== rowDigest(r)).map((r) => r.id);
			if (changed.length > 0) {
				throw new MailshiftError('PLAN_CHANGED', `The queue already holds ${changed.length === 1 ? 'row' : 'rows'} ${changed.join(', ')} with other values (source, url, password reference, prefix, connections or bwlimit); nothing was submitted.`, 'fatal', {
					hint: 'A changed row is refused, not versioned: give it a new id (it is a new migration), or put the old values back. `mailshift fleet cancel ID` stops the old row.',
				});
			}
			const added: string[] = [];
			for (const row of rows) {
				if (known.has(row.id)) continue;
				const jobId = await this.boss.send(this.name, {queue: this.name, rowId: row.id} satisfies FleetJobData, {db});
				if (!jobId) throw new MailshiftError('BUG', `pg-boss did not enqueue row ${row.id}.`, 'fatal');
				await client.query(`INSERT INTO ${FLEET_SCHEMA}.plan_rows (queue, row_id, version, digest, spec, job_id) VALUES ($1, $2, 1, $3, $4, $5)`, [this.name, row.id, rowDigest(row), JSON.stringify(row), jobId]);
				added.push(row.id);
			}
			return {added, unchanged: rows.filter((r) => known.has(r.id)).map((r) => r.id)};
		});
	}

	/** A submitted row's spec, or undefined (deleted meanwhile). */
	async rowSpec(rowId: string): Promise<{spec: FleetRowSpec; state: RowState} | undefined> {
		const {rows} = await this.pool.query<{spec: FleetRowSpec; state: RowState}>(`SELECT spec, state FROM ${FLEET_SCHEMA}.plan_rows WHERE queue = $1 AND row_id = $2`, [this.name, rowId]);
		return rows[0];
	}

	/** The key of a row's journal and lease. */
	rowKey(rowId: string): string {
		return `${this.name}/${rowId}`;
	}

	/** Records progress of a running row (status shows it). Best effort. */
	async noteProgress(rowId: string, worker: string, progress: Readonly<Record<string, unknown>>): Promise<void> {
		await this.pool.query(`UPDATE ${FLEET_SCHEMA}.plan_rows SET state = 'running', worker = $3, progress = $4, updated_at = now() WHERE queue = $1 AND row_id = $2 AND state IN ('queued', 'retry', 'running')`,
			[this.name, rowId, worker, JSON.stringify(progress)]).catch(() => undefined);
	}

	/**
	 * Grants up to `want` connections to the row under the fleet-wide caps (per destination host, per IMAP user
	 * on that host), counted over every live lease; the grant is stored on the row's lease (so it frees itself
	 * when the lease ends or expires). Returns 0 when nothing fits now (the caller waits and asks again).
	 */
	async acquireConnections(rowKey: string, generation: string, url: string, want: number, insecure: boolean): Promise<number> {
		const settings = await this.settings();
		const target = parseImapUrl(url, insecure);
		const host = `${canonicalHost(target.host)}:${target.port}`;
		const user = target.user.toLowerCase();
		return this.transaction(async (client) => {
			await client.query('SELECT pg_advisory_xact_lock($1)', [CAPS_LOCK]);
			const {rows} = await client.query<{host_used: string; user_used: string}>(`SELECT coalesce(sum(connections) FILTER (WHERE host = $2), 0)::text AS host_used,
					coalesce(sum(connections) FILTER (WHERE host = $2 AND imap_user = $3), 0)::text AS user_used
				FROM ${FLEET_SCHEMA}.leases WHERE worker IS NOT NULL AND expires_at > now() AND row_key <> $1`, [rowKey, host, user]);
			const hostFree = settings.maxPerHost === undefined ? want : settings.maxPerHost - Number(rows[0]?.host_used ?? 0);
			const userFree = settings.maxPerUser === undefined ? want : settings.maxPerUser - Number(rows[0]?.user_used ?? 0);
			const grant = Math.max(0, Math.min(want, hostFree, userFree));
			if (grant === 0) return 0;
			const {rowCount} = await client.query(`UPDATE ${FLEET_SCHEMA}.leases SET connections = $3, host = $4, imap_user = $5 WHERE row_key = $1 AND generation = $2`, [rowKey, generation, grant, host, user]);
			return rowCount === 1 ? grant : 0;
		});
	}

	/**
	 * Ends a row's job, fenced: only if `generation` still holds the row's lease (checked under the lease row's
	 * lock in the same transaction as the job's completion), so a worker that lost the row cannot complete or
	 * fail the job another worker now runs. `retry` hands it back to pg-boss (retry with backoff, up to
	 * ROW_RETRY_LIMIT); otherwise the job completes and the row is done or failed for good (`fleet retry`).
	 * Returns false when fenced out.
	 */
	async finishRow(input: Readonly<{rowId: string; jobId: string; generation: string; state: 'done' | 'failed' | 'retry'; result: Readonly<Record<string, unknown>>; error: string}>): Promise<boolean> {
		const rowKey = this.rowKey(input.rowId);
		return this.transaction(async (client, db) => {
			const {rows} = await client.query<{generation: string}>(`SELECT generation::text FROM ${FLEET_SCHEMA}.leases WHERE row_key = $1 FOR UPDATE`, [rowKey]);
			if (rows[0]?.generation !== input.generation) return false;
			let state: RowState = input.state;
			if (input.state === 'retry') {
				await this.boss.fail(this.name, input.jobId, {error: input.error}, {db});
				const job = await this.boss.getJobById(this.name, input.jobId, {db, includeArchive: false});
				state = job?.state === 'failed' ? 'failed' : 'retry';
			} else {
				await this.boss.complete(this.name, input.jobId, {state: input.state}, {db});
			}
			await client.query(`UPDATE ${FLEET_SCHEMA}.plan_rows SET state = CASE WHEN state = 'cancelled' THEN state ELSE $3 END, result = $4, last_error = $5, updated_at = now()
				WHERE queue = $1 AND row_id = $2`, [this.name, input.rowId, state, JSON.stringify(input.result), input.error || null]);
			await client.query(`UPDATE ${FLEET_SCHEMA}.leases SET worker = NULL, expires_at = NULL, connections = 0 WHERE row_key = $1 AND generation = $2`, [rowKey, input.generation]);
			return true;
		});
	}

	/**
	 * The reaper (run by every worker, every third of a lease): leases that expired unrenewed get a new generation
	 * (fencing their old holder out) and their jobs are failed into pg-boss's retry, so another worker resumes the
	 * row from its journal. Returns the rows given back. Idempotent; concurrency-safe (row locks).
	 */
	async reapExpired(): Promise<string[]> {
		return this.transaction(async (client, db) => {
			const prefix = `${this.name}/`;
			const {rows} = await client.query<{row_key: string; job_id: string | null; worker: string | null}>(`UPDATE ${FLEET_SCHEMA}.leases l SET generation = l.generation + 1, worker = NULL, expires_at = NULL, connections = 0
				FROM (SELECT row_key, worker AS old_worker FROM ${FLEET_SCHEMA}.leases WHERE worker IS NOT NULL AND expires_at < now() AND starts_with(row_key, $1) FOR UPDATE SKIP LOCKED) o
				WHERE l.row_key = o.row_key RETURNING l.row_key, l.job_id, o.old_worker AS worker`, [prefix]);
			const given: string[] = [];
			for (const row of rows) {
				const rowId = row.row_key.slice(prefix.length);
				if (row.job_id) {
					await this.boss.fail(this.name, row.job_id, {error: `worker ${row.worker ?? '?'} stopped renewing its lease`}, {db});
					const job = await this.boss.getJobById(this.name, row.job_id, {db, includeArchive: false});
					await client.query(`UPDATE ${FLEET_SCHEMA}.plan_rows SET state = CASE WHEN state = 'cancelled' THEN state ELSE $3 END, last_error = $4, updated_at = now() WHERE queue = $1 AND row_id = $2`,
						[this.name, rowId, job?.state === 'failed' ? 'failed' : 'retry', `worker ${row.worker ?? '?'} stopped renewing its lease (died, paused or cut off); ${job?.state === 'failed' ? 'no retries left' : 'handed to another worker'}`]);
				}
				given.push(rowId);
			}
			return given;
		});
	}

	/** Sets `paused` (workers start no new row while paused; running rows go on). */
	async setPaused(isPaused: boolean): Promise<void> {
		await this.pool.query(`INSERT INTO ${FLEET_SCHEMA}.settings (queue, lease_seconds, paused) VALUES ($1, ${DEFAULT_LEASE_SECONDS}, $2) ON CONFLICT (queue) DO UPDATE SET paused = excluded.paused`, [this.name, isPaused]);
	}

	/**
	 * Cancels rows (all when `ids` is empty): their jobs are cancelled in pg-boss and the rows marked cancelled;
	 * a worker running one stops it gracefully at its next check (journal committed). Returns the ids cancelled.
	 */
	async cancel(ids: readonly string[]): Promise<string[]> {
		return this.transaction(async (client, db) => {
			const {rows} = await client.query<{row_id: string; job_id: string | null}>(`UPDATE ${FLEET_SCHEMA}.plan_rows SET state = 'cancelled', updated_at = now()
				WHERE queue = $1 AND (cardinality($2::text[]) = 0 OR row_id = ANY($2::text[])) AND state IN ('queued', 'running', 'retry') RETURNING row_id, job_id`, [this.name, ids]);
			const jobIds = rows.map((r) => r.job_id).filter((id): id is string => id !== null);
			if (jobIds.length > 0) await this.boss.cancel(this.name, jobIds, {db});
			return rows.map((r) => r.row_id);
		});
	}

	/**
	 * Sends failed (and with `includeCancelled`, cancelled) rows again as new jobs: the journal in PostgreSQL
	 * makes the new run skip what is done. Returns the ids sent.
	 */
	async retry(ids: readonly string[], includeCancelled: boolean): Promise<string[]> {
		return this.transaction(async (client, db) => {
			const states = includeCancelled ? ['failed', 'cancelled'] : ['failed'];
			const {rows} = await client.query<{row_id: string}>(`SELECT row_id FROM ${FLEET_SCHEMA}.plan_rows WHERE queue = $1 AND state = ANY($2::text[]) AND (cardinality($3::text[]) = 0 OR row_id = ANY($3::text[])) ORDER BY row_id FOR UPDATE`, [this.name, states, ids]);
			for (const row of rows) {
				const jobId = await this.boss.send(this.name, {queue: this.name, rowId: row.row_id} satisfies FleetJobData, {db});
				await client.query(`UPDATE ${FLEET_SCHEMA}.plan_rows SET state = 'queued', job_id = $3, last_error = NULL, updated_at = now() WHERE queue = $1 AND row_id = $2`, [this.name, row.row_id, jobId]);
			}
			return rows.map((r) => r.row_id);
		});
	}
}

function unreachable(url: string, error: unknown): MailshiftError {
	if (error instanceof MailshiftError) return error;
	const message = ((error as Error).message ?? String(error)).split(url).join(redactQueueUrl(url));
	return new MailshiftError('QUEUE_UNREACHABLE', `The queue ${redactQueueUrl(url)} cannot be used: ${message}.`, 'fatal', {
		cause: error, hint: 'Check that PostgreSQL runs and accepts this user from this machine (pg_hba.conf), and the password (MAILSHIFT_QUEUE_URL or --queue-file).',
	});
}

/** A name for this worker process in leases and status: host:pid. */
export function workerName(): string {
	return `${hostname()}:${process.pid}`;
}
