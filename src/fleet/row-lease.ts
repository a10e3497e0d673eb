/**
 * RowLease: one worker's right to migrate one plan row, held in PostgreSQL (`mailshift_fleet.leases`) and kept
 * alive by a heartbeat (issue #15). Why not pg-boss's own job expiry: pg-boss 10 fixes a job's deadline when it
 * is fetched (`started_on + expire_in`, at most 24 h) and has no heartbeat, so a short expiry would take long
 * mailboxes away from live workers and a long one would leave a dead worker's mailbox idle for hours.
 *
 * The lease is a fencing token (Kleppmann, "How to do distributed locking", 2016): every take increments
 * `generation`; PgJournal checks it in the same transaction as every commit, so a worker that lost the lease
 * (paused past its expiry, cut off from PostgreSQL) can never write the row's journal or complete its job again.
 * It also must not APPEND: `isHeld()` is a local check made before every APPEND (PgJournal.begin), true only
 * while the last renewal the server confirmed is younger than the lease, measured from when that renewal was
 * SENT on this machine's monotonic clock — never later than the server's own deadline, whatever the clocks say.
 * The residual window: IMAP itself takes no fencing token, so an APPEND whose literal was half sent when the
 * process was paused can still complete after it resumes, before the worker's watchdog (fleet-worker.ts) closes
 * the connections; the worker that took the row over may then have stored the same message. That needs a pause
 * longer than the lease in the middle of one message's transfer; `verify` reports such an extra copy.
 *
 * Concurrency: one RowLease per row per worker; methods are safe to call from any async context.
 */
import type pg from 'pg';
import {MailshiftError} from '../contracts/errors.js';
import {FLEET_SCHEMA} from './fleet-schema.js';

/** What PgJournal needs of a lease. */
export interface Fence {
	readonly rowKey: string;
	readonly generation: string;
	/** True while the lease is certainly still ours (local check, no round trip). */
	isHeld(): boolean;
	/** Told by the journal when a commit found the generation changed. */
	markLost(error: MailshiftError): void;
}

export type RowLeaseOptions = Readonly<{
	rowKey: string;
	/** A name for this worker process, shown in status (host:pid:random). */
	worker: string;
	/** The pg-boss job this lease covers (the reaper fails it when the lease expires). */
	jobId: string;
	/** Lease length. Renewed every third of it. @default 120_000 (2 min) */
	leaseMs?: number;
	/** Called once when the lease is lost (renewal refused, or not confirmed in time). */
	onLost?: (error: MailshiftError) => void;
}>;

export const DEFAULT_LEASE_MS = 120_000;

export function leaseLost(rowKey: string, why: string): MailshiftError {
	return new MailshiftError('LEASE_LOST', `This worker no longer holds the lease of row ${rowKey} (${why}); another worker continues it, so this one stops writing for it.`, 'fatal', {
		hint: 'Nothing is lost: the journal in PostgreSQL holds what was done, and the worker that took the row checks unconfirmed messages on the server before sending. Check this machine\'s connection to PostgreSQL, or raise --lease if workers are often paused longer than the lease.',
	});
}

export class RowLease implements Fence {
	readonly rowKey: string;
	readonly generation: string;
	readonly #pool: pg.Pool;
	readonly #worker: string;
	readonly #leaseMs: number;
	readonly #onLost: ((error: MailshiftError) => void) | undefined;
	#validUntil: number;
	#lost: MailshiftError | undefined;
	#timer: NodeJS.Timeout | undefined;
	#isRenewing = false;

	private constructor(pool: pg.Pool, options: RowLeaseOptions, generation: string, sentAt: number) {
		this.#pool = pool;
		this.rowKey = options.rowKey;
		this.#worker = options.worker;
		this.#leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
		this.#onLost = options.onLost;
		this.generation = generation;
		this.#validUntil = sentAt + this.#leaseMs;
	}

	/**
	 * Takes the row's lease: free, released, or expired (its holder stopped renewing). Starts the heartbeat.
	 * @throws MailshiftError LEASE_LOST when another worker holds a live lease on the row.
	 */
	static async acquire(pool: pg.Pool, options: RowLeaseOptions): Promise<RowLease> {
		const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
		const sentAt = performance.now();
		const {rows} = await pool.query<{generation: string}>(`INSERT INTO ${FLEET_SCHEMA}.leases AS l (row_key, generation, worker, job_id, expires_at)
			VALUES ($1, 1, $2, $3, now() + $4 * interval '1 millisecond')
			ON CONFLICT (row_key) DO UPDATE SET generation = l.generation + 1, worker = excluded.worker, job_id = excluded.job_id,
				expires_at = excluded.expires_at, connections = 0, host = NULL, imap_user = NULL, connection_cap_note = NULL
			WHERE l.worker IS NULL OR l.expires_at < now()
			RETURNING generation::text`, [options.rowKey, options.worker, options.jobId, leaseMs]);
		const generation = rows[0]?.generation;
		if (generation === undefined) throw leaseLost(options.rowKey, 'another worker holds a live lease on it');
		const lease = new RowLease(pool, options, generation, sentAt);
		lease.#timer = setInterval(() => void lease.renew(), Math.max(250, Math.floor(leaseMs / 3)));
		lease.#timer.unref();
		return lease;
	}

	isHeld(): boolean {
		return this.#lost === undefined && performance.now() < this.#validUntil;
	}

	/** Why the lease was lost, if it was. */
	get lostError(): MailshiftError | undefined {
		return this.#lost ?? (performance.now() < this.#validUntil ? undefined : leaseLost(this.rowKey, 'its renewal was not confirmed in time'));
	}

	markLost(error: MailshiftError): void {
		if (this.#lost) return;
		this.#lost = error;
		if (this.#timer) clearInterval(this.#timer);
		this.#onLost?.(error);
	}

	/**
	 * One heartbeat: extends the lease if this generation still holds it. A transient error is retried by the
	 * next beat; once the lease could have expired unconfirmed, it counts as lost. Never throws.
	 */
	async renew(): Promise<void> {
		if (this.#lost || this.#isRenewing) return;
		this.#isRenewing = true;
		const sentAt = performance.now();
		try {
			const {rowCount} = await this.#pool.query(`UPDATE ${FLEET_SCHEMA}.leases SET expires_at = now() + $4 * interval '1 millisecond'
				WHERE row_key = $1 AND generation = $2 AND worker = $3`, [this.rowKey, this.generation, this.#worker, this.#leaseMs]);
			if (rowCount === 1) {
				this.#validUntil = sentAt + this.#leaseMs;
			} else {
				this.markLost(leaseLost(this.rowKey, 'it expired and was taken over'));
			}
		} catch {
			if (!this.isHeld()) this.markLost(leaseLost(this.rowKey, 'PostgreSQL could not be reached to renew it in time'));
		} finally {
			this.#isRenewing = false;
		}
	}

	/**
	 * Ends the heartbeat and gives the row back (its connections too). Only this generation's lease is
	 * touched. Idempotent; errors are swallowed (an unreleased lease simply expires).
	 */
	async release(): Promise<void> {
		if (this.#timer) clearInterval(this.#timer);
		this.#timer = undefined;
		if (this.#lost) return;
		this.#lost = leaseLost(this.rowKey, 'released');
		await this.#pool.query(`UPDATE ${FLEET_SCHEMA}.leases SET worker = NULL, expires_at = NULL, connections = 0 WHERE row_key = $1 AND generation = $2`, [this.rowKey, this.generation]).catch(() => undefined);
	}
}
