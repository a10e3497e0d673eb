/**
 * PgJournal: the Journal contract (journal/journal.ts) kept in PostgreSQL, one journal per plan row (`row_key`),
 * so that a mailbox whose worker died is resumed by another worker with the same exactly-once guarantee as the
 * SQLite journal of single-machine runs (issue #15).
 *
 * Same semantics as SqliteJournal: `begin` records `pending` before the APPEND, `done`/`fail`/`skip` after;
 * writes reach the database in one transaction per `checkpoint()` (the engine calls it per batch, per folder and
 * at the end), so a worker that dies loses at most the uncommitted tail — those messages are absent or `pending`
 * and the next worker looks for them on the server before sending (journal.ts, step 3). UIDVALIDITY is kept per
 * mailbox and `resetMailbox` turns a mailbox's `done` rows back into checks (RFC 3501 §2.3.1.1).
 *
 * How a synchronous contract sits on a network database: the Journal interface is synchronous (SQLite is
 * in-process). PgJournal loads the row's entries once when it opens (memory: about 200 bytes per message of that
 * mailbox), answers reads from memory, and `checkpoint()` hands the writes since the last one to ONE serial
 * chain of commits that runs in the background; a commit that fails for a transient reason (PostgreSQL
 * restarting) is retried, merged with later writes, in order. Durability is therefore "committed shortly after
 * the checkpoint" instead of "when checkpoint returns" — which changes nothing for exactly-once, because the
 * protocol never relies on a `pending` row being durable before the APPEND, only on a `done` row never being
 * written for a message that was not stored. `settle()` (awaited by the worker before it completes the job)
 * waits until every write is committed.
 *
 * Fencing: every commit runs `SELECT … FOR SHARE` on the row's lease and writes only if the lease generation is
 * still this worker's; otherwise it rolls back and the journal is lost (LEASE_LOST), told to the fence. `begin`
 * — called before every APPEND — throws LEASE_LOST as soon as the fence is not certainly held, so a worker that
 * was paused past its lease sends nothing more for the row. `checkpoint` never throws (the engine calls it from
 * upload callbacks); the fence's owner stops the migration.
 *
 * No secrets: the config description is scheme://user@host:port (journal-location.ts), never a password.
 */
import type pg from 'pg';
import {MailshiftError} from '../contracts/errors.js';
import type {AppendReceipt, SourceRef, UploadJob} from '../contracts/types.js';
import type {EntryState, Journal, JournalEntry, JournalRun} from '../contracts/journal.js';
import {FLEET_SCHEMA} from './fleet-schema.js';
import {leaseLost} from './row-lease.js';
import type {Fence} from './row-lease.js';

type Entry = {
	folder: string; key: string; location: string; state: EntryState; mailbox: string | null; messageId: string | null; fingerprint: string | null;
	size: number | null; uid: number | null; uidValidity: string | null; errorCode: string | null; error: string | null; updatedAt: number;
};

export type OpenPgJournalOptions = Readonly<{
	/** The plan row this journal belongs to (queue + row id). */
	rowKey: string;
	run: JournalRun;
	/** The lease that must be held to write. Without one, writes are unfenced (tests, single process). */
	fence?: Fence;
	/** Start over: the row's earlier entries are deleted (under the fence). @default false */
	isNew?: boolean;
	/** Bound on the background commit retries of one write set. @default 10 minutes */
	maxRetryMs?: number;
}>;

/** Commit retry back-off after a transient error: 0.25 s doubling to 8 s. */
const RETRY_BASE_MS = 250;
const RETRY_MAX_MS = 8000;

const entryId = (folder: string, key: string): string => `${folder}\u0000${key}`;

export class PgJournal implements Journal {
	readonly path: string;
	readonly isResumed: boolean;
	readonly #pool: pg.Pool;
	readonly #rowKey: string;
	readonly #fence: Fence | undefined;
	readonly #maxRetryMs: number;
	readonly #entries: Map<string, Entry>;
	readonly #mailboxes: Map<string, string | null>;
	#dirty = new Map<string, Entry>();
	#dirtyMailboxes = new Map<string, string | null>();
	#chain: Promise<void> = Promise.resolve();
	#failure: MailshiftError | undefined;
	#closed = false;
	/** Commits done (for tests and the bench: statements per message). */
	commits = 0;

	private constructor(pool: pg.Pool, options: OpenPgJournalOptions, entries: Map<string, Entry>, mailboxes: Map<string, string | null>) {
		this.#pool = pool;
		this.#rowKey = options.rowKey;
		this.#fence = options.fence;
		this.#maxRetryMs = options.maxRetryMs ?? 10 * 60_000;
		this.#entries = entries;
		this.#mailboxes = mailboxes;
		this.path = `postgresql:${FLEET_SCHEMA}.journal[${options.rowKey}]`;
		this.isResumed = entries.size > 0;
	}

	/**
	 * Opens the row's journal: checks that it belongs to the same migration (source, destination, mapping) and
	 * loads its entries. Assumes ensureFleetSchema ran.
	 * @throws MailshiftError JOURNAL_MISMATCH (the row's journal belongs to another migration; the plan row
	 *   changed), LEASE_LOST (the fence's generation is no longer current), or pg errors (connection).
	 */
	static async open(pool: pg.Pool, options: OpenPgJournalOptions): Promise<PgJournal> {
		const client = await checkOut(pool);
		let failure: unknown;
		try {
			await client.query('BEGIN');
			await checkFence(client, options.rowKey, options.fence);
			if (options.isNew) {
				for (const table of ['journal', 'journal_mailboxes', 'journal_runs']) await client.query(`DELETE FROM ${FLEET_SCHEMA}.${table} WHERE row_key = $1`, [options.rowKey]);
			}
			const run = options.run;
			const {rows: meta} = await client.query<{config_hash: string; config: string}>(`SELECT config_hash, config FROM ${FLEET_SCHEMA}.journal_runs WHERE row_key = $1`, [options.rowKey]);
			const existing = meta[0];
			if (!existing) {
				await client.query(`INSERT INTO ${FLEET_SCHEMA}.journal_runs (row_key, config_hash, config) VALUES ($1, $2, $3)`, [options.rowKey, run.configHash, run.configDescription]);
			} else if (run.legacyConfigHash !== undefined && existing.config_hash === run.legacyConfigHash) {
				await client.query(`UPDATE ${FLEET_SCHEMA}.journal_runs SET config_hash = $2 WHERE row_key = $1`, [options.rowKey, run.configHash]);
			} else if (existing.config_hash !== run.configHash) {
				throw new MailshiftError('JOURNAL_MISMATCH', `The journal of row ${options.rowKey} in PostgreSQL belongs to a different migration: ${existing.config}.`, 'fatal', {
					hint: 'Resuming with a different source, destination or folder mapping could upload messages twice. Submit the row under a new id (or with its original values).',
				});
			}
			const {rows} = await client.query<{folder: string; key: string; location: string; state: EntryState; mailbox: string | null; message_id: string | null; fingerprint: string | null; size: string | null; uid: string | null; uid_validity: string | null; error_code: string | null; error: string | null; updated_at: Date}>(
				`SELECT folder, key, location, state, mailbox, message_id, fingerprint, size, uid, uid_validity, error_code, error, updated_at FROM ${FLEET_SCHEMA}.journal WHERE row_key = $1`, [options.rowKey]);
			const entries = new Map<string, Entry>();
			for (const r of rows) {
				entries.set(entryId(r.folder, r.key), {
					folder: r.folder, key: r.key, location: r.location, state: r.state, mailbox: r.mailbox, messageId: r.message_id, fingerprint: r.fingerprint,
					size: r.size === null ? null : Number(r.size), uid: r.uid === null ? null : Number(r.uid), uidValidity: r.uid_validity,
					errorCode: r.error_code, error: r.error, updatedAt: r.updated_at.getTime(),
				});
			}
			const {rows: boxes} = await client.query<{mailbox: string; uid_validity: string | null}>(`SELECT mailbox, uid_validity FROM ${FLEET_SCHEMA}.journal_mailboxes WHERE row_key = $1`, [options.rowKey]);
			await client.query('COMMIT');
			return new PgJournal(pool, options, entries, new Map(boxes.map((b) => [b.mailbox, b.uid_validity])));
		} catch (error) {
			failure = error;
			await client.query('ROLLBACK').catch(() => undefined);
			throw error;
		} finally {
			checkIn(client, failure);
		}
	}

	get(ref: SourceRef): JournalEntry | undefined {
		const entry = this.#entries.get(entryId(ref.folder, ref.key));
		return entry ? toEntry(entry) : undefined;
	}

	isDone(ref: SourceRef): boolean {
		return this.#entries.get(entryId(ref.folder, ref.key))?.state === 'done';
	}

	doneIn(folder: string): JournalEntry[] {
		const out: JournalEntry[] = [];
		for (const entry of this.#entries.values()) if (entry.folder === folder && entry.state === 'done') out.push(toEntry(entry));
		return out;
	}

	doneAllNamedBy(folder: string, mailbox: string, uidValidity: bigint): boolean {
		const validity = String(uidValidity);
		let done = 0;
		for (const entry of this.#entries.values()) {
			if (entry.folder !== folder || entry.state !== 'done') continue;
			if (entry.uid === null || entry.mailbox !== mailbox || entry.uidValidity !== validity) return false;
			done += 1;
		}
		return done > 0;
	}

	lastPendingAt(folder: string): number | undefined {
		let newest: number | undefined;
		for (const entry of this.#entries.values()) {
			if (entry.folder === folder && entry.state === 'pending' && (newest === undefined || entry.updatedAt > newest)) newest = entry.updatedAt;
		}
		return newest;
	}

	uidValidity(mailbox: string): bigint | undefined {
		const v = this.#mailboxes.get(mailbox);
		return v ? BigInt(v) : undefined;
	}

	resetMailbox(mailbox: string, uidValidity: bigint | undefined): void {
		this.#assertOpen();
		const now = Date.now();
		for (const [id, entry] of this.#entries) {
			if (entry.mailbox === mailbox && entry.state === 'done') {
				const reset: Entry = {...entry, state: 'pending', uid: null, uidValidity: null, errorCode: null, error: null, updatedAt: now};
				this.#entries.set(id, reset);
				this.#dirty.set(id, reset);
			}
		}
		this.#setMailbox(mailbox, uidValidity === undefined ? null : String(uidValidity));
	}

	/** @throws MailshiftError LEASE_LOST when the row's lease is not certainly held: no APPEND may follow. */
	begin(job: UploadJob): void {
		const lost = this.#failure ?? (this.#fence && !this.#fence.isHeld() ? leaseError(this.#fence) : undefined);
		if (lost) throw lost;
		this.#write(job.ref, 'pending', {mailbox: job.mailbox, messageId: job.messageId ?? null, fingerprint: job.fingerprint, size: job.content.length});
	}

	done(job: UploadJob, receipt: AppendReceipt, how: 'uploaded' | 'found-on-server'): void {
		this.#write(job.ref, 'done', {
			mailbox: job.mailbox, messageId: job.messageId ?? null, fingerprint: job.fingerprint, size: job.content.length,
			uid: receipt.uid ?? null, uidValidity: receipt.uidValidity === undefined ? null : String(receipt.uidValidity),
			errorCode: how === 'found-on-server' ? 'FOUND_ON_SERVER' : null,
		});
		if (receipt.uidValidity !== undefined && this.uidValidity(job.mailbox) === undefined) this.#setMailbox(job.mailbox, String(receipt.uidValidity));
	}

	fail(ref: SourceRef, code: string, message: string): void {
		this.#write(ref, 'failed', {errorCode: code, error: message});
	}

	skip(ref: SourceRef, code: string, reason: string): void {
		this.#write(ref, 'skipped', {errorCode: code, error: reason});
	}

	/** Queues the writes since the last checkpoint for one commit (in order, in the background). Never throws. */
	checkpoint(): void {
		if (this.#dirty.size === 0 && this.#dirtyMailboxes.size === 0) return;
		const rows = this.#dirty;
		const boxes = this.#dirtyMailboxes;
		this.#dirty = new Map();
		this.#dirtyMailboxes = new Map();
		this.#chain = this.#chain.then(() => this.#commit(rows, boxes));
	}

	counts(): Record<EntryState, number> {
		const out: Record<EntryState, number> = {pending: 0, done: 0, failed: 0, skipped: 0};
		for (const entry of this.#entries.values()) out[entry.state]++;
		return out;
	}

	/** Queues the last commit; refuses writes from now on. Idempotent. `settle()` waits for the commits. */
	close(): void {
		if (this.#closed) return;
		this.checkpoint();
		this.#closed = true;
	}

	/**
	 * Resolves when every checkpointed write is committed.
	 * @throws MailshiftError LEASE_LOST (fenced out: nothing more was written), or QUEUE_UNREACHABLE when a
	 *   commit could not be made within `maxRetryMs`.
	 */
	async settle(): Promise<void> {
		await this.#chain;
		if (this.#failure) throw this.#failure;
	}

	async #commit(rows: Map<string, Entry>, boxes: Map<string, string | null>): Promise<void> {
		const started = Date.now();
		for (let attempt = 0; ; attempt++) {
			if (this.#failure) return;
			let client: pg.PoolClient | undefined;
			let failure: unknown;
			try {
				client = await checkOut(this.#pool);
				await client.query('BEGIN');
				await checkFence(client, this.#rowKey, this.#fence);
				if (rows.size > 0) await upsertEntries(client, this.#rowKey, [...rows.values()]);
				for (const [mailbox, uidValidity] of boxes) {
					await client.query(`INSERT INTO ${FLEET_SCHEMA}.journal_mailboxes (row_key, mailbox, uid_validity) VALUES ($1, $2, $3)
						ON CONFLICT (row_key, mailbox) DO UPDATE SET uid_validity = excluded.uid_validity`, [this.#rowKey, mailbox, uidValidity]);
				}
				await client.query('COMMIT');
				this.commits++;
				return;
			} catch (error) {
				failure = error instanceof MailshiftError ? undefined : error;
				await client?.query('ROLLBACK').catch(() => undefined);
				if (error instanceof MailshiftError) {
					this.#failure = error;
					if (error.code === 'LEASE_LOST') this.#fence?.markLost(error);
					return;
				}
				// Transient (a cut connection, PostgreSQL restarting): try again while the lease may still be ours.
				if (Date.now() - started > this.#maxRetryMs || (this.#fence && !this.#fence.isHeld() && attempt > 0)) {
					this.#failure = this.#fence && !this.#fence.isHeld() ? leaseError(this.#fence) : new MailshiftError('QUEUE_UNREACHABLE', `The journal of row ${this.#rowKey} could not be committed to PostgreSQL: ${(error as Error).message}.`, 'fatal', {
						cause: error, hint: 'The messages whose outcome was not recorded are checked on the server when the row runs again; check PostgreSQL.',
					});
					if (this.#failure.code === 'LEASE_LOST') this.#fence?.markLost(this.#failure);
					return;
				}
				await new Promise((resolve) => setTimeout(resolve, Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** attempt)));
			} finally {
				if (client) checkIn(client, failure);
			}
		}
	}

	#assertOpen(): void {
		if (this.#closed) throw new MailshiftError('BUG', 'The journal is closed.', 'fatal');
	}

	#setMailbox(mailbox: string, uidValidity: string | null): void {
		this.#mailboxes.set(mailbox, uidValidity);
		this.#dirtyMailboxes.set(mailbox, uidValidity);
	}

	#write(ref: SourceRef, state: EntryState, fields: Partial<Omit<Entry, 'folder' | 'key' | 'state' | 'location' | 'updatedAt'>>): void {
		this.#assertOpen();
		const id = entryId(ref.folder, ref.key);
		const before = this.#entries.get(id);
		// As SqliteJournal's upsert: identity fields (mailbox, Message-ID, fingerprint, size) keep what begin
		// recorded when a later write does not know them; outcome fields are replaced.
		const entry: Entry = {
			folder: ref.folder, key: ref.key, location: ref.location, state,
			mailbox: fields.mailbox ?? before?.mailbox ?? null, messageId: fields.messageId ?? before?.messageId ?? null,
			fingerprint: fields.fingerprint ?? before?.fingerprint ?? null, size: fields.size ?? before?.size ?? null,
			uid: fields.uid ?? null, uidValidity: fields.uidValidity ?? null, errorCode: fields.errorCode ?? null, error: fields.error ?? null,
			updatedAt: Date.now(),
		};
		this.#entries.set(id, entry);
		this.#dirty.set(id, entry);
	}
}

function leaseError(fence: Fence): MailshiftError {
	return leaseLost(fence.rowKey, 'its generation changed: it expired and was taken over');
}

/**
 * A pooled client for one transaction. While checked out, a client whose connection drops (PostgreSQL
 * restarting) emits 'error' on itself, not on the pool: without a listener that would end the process
 * (node-postgres docs, "Pool: error event"). The failing query rejects as well, which is what is handled.
 */
export async function checkOut(pool: pg.Pool): Promise<pg.PoolClient> {
	const client = await pool.connect();
	client.on('error', ignore);
	return client;
}

/** Returns a client; after a failure other than a fencing refusal it is destroyed, never reused half-broken. */
export function checkIn(client: pg.PoolClient, failure: unknown): void {
	client.off('error', ignore);
	client.release(failure instanceof Error ? failure : undefined);
}

function ignore(): void {
	// See checkOut.
}

/** Inside a transaction: the fence's generation must still be the row's (FOR SHARE holds it until COMMIT). */
async function checkFence(client: pg.PoolClient, rowKey: string, fence: Fence | undefined): Promise<void> {
	if (!fence) return;
	const {rows} = await client.query<{generation: string}>(`SELECT generation::text FROM ${FLEET_SCHEMA}.leases WHERE row_key = $1 FOR SHARE`, [rowKey]);
	if (rows[0]?.generation !== fence.generation) throw leaseError(fence);
}

/** One statement for a whole write set (arrays unnested), so a batch of N messages costs one round trip. */
async function upsertEntries(client: pg.PoolClient, rowKey: string, entries: readonly Entry[]): Promise<void> {
	const col = <T>(pick: (e: Entry) => T): T[] => entries.map(pick);
	await client.query(`INSERT INTO ${FLEET_SCHEMA}.journal (row_key, folder, key, location, state, mailbox, message_id, fingerprint, size, uid, uid_validity, error_code, error, updated_at)
		SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::bigint[], $10::bigint[], $11::text[], $12::text[], $13::text[], $14::timestamptz[])
		ON CONFLICT (row_key, folder, key) DO UPDATE SET location = excluded.location, state = excluded.state, mailbox = excluded.mailbox,
			message_id = excluded.message_id, fingerprint = excluded.fingerprint, size = excluded.size, uid = excluded.uid,
			uid_validity = excluded.uid_validity, error_code = excluded.error_code, error = excluded.error, updated_at = excluded.updated_at`,
	[rowKey, col((e) => e.folder), col((e) => e.key), col((e) => e.location), col((e) => e.state), col((e) => e.mailbox), col((e) => e.messageId),
		col((e) => e.fingerprint), col((e) => e.size), col((e) => e.uid), col((e) => e.uidValidity), col((e) => e.errorCode), col((e) => e.error),
		col((e) => new Date(e.updatedAt))]);
}

function toEntry(e: Entry): JournalEntry {
	return {
		folder: e.folder, key: e.key, state: e.state, mailbox: e.mailbox ?? undefined, messageId: e.messageId ?? undefined,
		fingerprint: e.fingerprint ?? undefined, size: e.size ?? undefined, uid: e.uid ?? undefined,
		uidValidity: e.uidValidity ? BigInt(e.uidValidity) : undefined, errorCode: e.errorCode ?? undefined, error: e.error ?? undefined,
	};
}
