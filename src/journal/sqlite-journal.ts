/**
 * SqliteJournal: the Journal in one SQLite file (better-sqlite3), WAL mode, synchronous=FULL so a COMMIT is
 * on disk when it returns. Writes go into one open transaction that `checkpoint()` commits: once per batch
 * (the engine decides when), so the per-message cost is an in-memory insert. Mode 0600; no secrets.
 *
 * Rows are keyed by (folder, key) — a source message's identity (SourceRef), stable across runs.
 * Memory: lookups go to SQLite (indexed), except the `done` rows of the one folder being migrated: their keys are
 * read in one query the first time the folder is asked about (`isDone`), and their mailbox, UID and UIDVALIDITY
 * (`DoneCopy`) in another when the engine needs them (`doneIn`: when it must look on the server); both are answered
 * from memory after that, so a re-run with nothing to do costs one query per folder instead of one per message,
 * and reads the one column it needs, not whole rows (issue #14). They are bounded by the largest folder and
 * dropped when the next folder is asked about; this run's writes keep them true (a `done` write enters them, any
 * other write of its key leaves them, `resetMailbox` drops them). No other process writes the journal meanwhile:
 * the lock (lockfile.ts) keeps them out.
 */
import {chmodSync, closeSync, existsSync, mkdirSync, openSync, renameSync} from 'node:fs';
import {createRequire} from 'node:module';
import {dirname} from 'node:path';
import type DatabaseClass from 'better-sqlite3';
import type {Database as Db, Statement} from 'better-sqlite3';
import {MailshiftError} from '../contracts/errors.js';
import type {AppendReceipt, SourceRef, UploadJob} from '../contracts/types.js';
import type {DoneCopy, EntryState, Journal, JournalEntry, JournalRun} from '../contracts/journal.js';
import {Lockfile} from './lockfile.js';

/**
 * better-sqlite3 (a CommonJS package) loaded with `require`: through `import`, Node's ES-to-CommonJS bridge lexes
 * each of its files for their exports first, ~20 ms against ~8 ms (issue #14, start-up; as uploader/imapflow-class.ts).
 */
const Database = createRequire(import.meta.url)('better-sqlite3') as typeof DatabaseClass;

const SCHEMA_VERSION = '1';

/** `SELECT key, mailbox, uid, uid_validity` in better-sqlite3's raw (array) form. */
type DoneRow = [key: string, mailbox: string | null, uid: number | null, uidValidity: string | null];

/** One folder's `done` messages in memory: their keys, and where they are once asked for (`doneIn`). */
type DoneSet = {folder: string; keys: Set<string>; copies: Map<string, DoneCopy> | undefined};

type Row = {
	folder: string; key: string; state: EntryState; mailbox: string | null; message_id: string | null; fingerprint: string | null;
	size: number | null; uid: number | null; uid_validity: string | null; error_code: string | null; error: string | null;
};

export type JournalStatus = Readonly<{
	path: string;
	config: string;
	createdAt: string;
	updatedAt: string | undefined;
	counts: Record<EntryState, number>;
	foundOnServer: number;
	folders: ReadonlyArray<{folder: string; mailbox: string | null; done: number; failed: number; skipped: number; pending: number}>;
	failures: ReadonlyArray<{folder: string; location: string; code: string; error: string}>;
	isLocked: boolean;
}>;

export type OpenJournalOptions = Readonly<{
	path: string;
	run: JournalRun;
	/**
	 * Where an earlier version kept this journal (journal-location.ts `legacyJournalPath`). When only that file
	 * exists, it is moved to `path` (under both locks) and resumed. @default none
	 */
	legacyPath?: string;
	/** Start over: an existing journal at `path` is replaced. @default false */
	isNew?: boolean;
	/** Told when a stale lock (a crashed run's) was replaced. */
	onStaleLock?: (message: string) => void;
	/** Told the text of every SQL statement run (better-sqlite3's `verbose`), for tests that count queries. */
	trace?: (sql: string) => void;
}>;

export class SqliteJournal implements Journal {
	readonly path: string;
	readonly isResumed: boolean;
	readonly #db: Db;
	readonly #lock: Lockfile;
	readonly #get: Statement<[string, string], Row>;
	readonly #doneIn: Statement<[string], DoneRow>;
	readonly #doneKeys: Statement<[string], string>;
	readonly #doneNamed: Statement<[mailbox: string, uidValidity: string, folder: string], {n: number; named: number | null}>;
	readonly #upsert: Statement<unknown[]>;
	readonly #mailboxGet: Statement<[string], {uid_validity: string | null}>;
	/** Mailboxes' UIDVALIDITY as last read or written by this process. */
	readonly #uidValidities = new Map<string, bigint | undefined>();
	readonly #mailboxSet: Statement<[string, string | null]>;
	#inTransaction = false;
	#closed = false;
	#nowMs = Number.NaN;
	#nowText = '';
	/** The `done` messages of one folder: their keys, and where they are once asked for (see the module comment). */
	#done: DoneSet | undefined;

	private constructor(path: string, db: Db, lock: Lockfile, isResumed: boolean) {
		this.path = path;
		this.#db = db;
		this.#lock = lock;
		this.isResumed = isResumed;
		this.#get = db.prepare('SELECT * FROM messages WHERE folder = ? AND key = ?');
		this.#doneIn = db.prepare<[string], DoneRow>("SELECT key, mailbox, uid, uid_validity FROM messages WHERE folder = ? AND state = 'done'").raw(true);
		// One string per row (pluck): no row array, no object.
		this.#doneKeys = db.prepare<[string], string>("SELECT key FROM messages WHERE folder = ? AND state = 'done'").pluck(true);
		this.#doneNamed = db.prepare<[mailbox: string, uidValidity: string, folder: string], {n: number; named: number | null}>(
			"SELECT count(*) AS n, sum(uid IS NOT NULL AND mailbox = ? AND uid_validity = ?) AS named FROM messages WHERE folder = ? AND state = 'done'");
		this.#upsert = db.prepare(`INSERT INTO messages (folder, key, location, state, mailbox, message_id, fingerprint, size, uid, uid_validity, error_code, error, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (folder, key) DO UPDATE SET location = excluded.location, state = excluded.state,
				mailbox = coalesce(excluded.mailbox, mailbox), message_id = coalesce(excluded.message_id, message_id),
				fingerprint = coalesce(excluded.fingerprint, fingerprint), size = coalesce(excluded.size, size),
				uid = excluded.uid, uid_validity = excluded.uid_validity, error_code = excluded.error_code, error = excluded.error,
				updated_at = excluded.updated_at`);
		this.#mailboxGet = db.prepare('SELECT uid_validity FROM mailboxes WHERE mailbox = ?');
		this.#mailboxSet = db.prepare('INSERT INTO mailboxes (mailbox, uid_validity) VALUES (?, ?) ON CONFLICT (mailbox) DO UPDATE SET uid_validity = excluded.uid_validity');
	}

	/**
	 * Opens (or creates) the journal and takes its lock.
	 * @throws MailshiftError JOURNAL_LOCKED (another run), JOURNAL_CORRUPT (unreadable / integrity check
	 *   failed), JOURNAL_MISMATCH (the journal belongs to a different source, destination or mapping).
	 */
	static open(options: OpenJournalOptions): SqliteJournal {
		const {path, run} = options;
		mkdirSync(dirname(path), {recursive: true, mode: 0o700});
		const lock = Lockfile.acquire(`${path}.lock`, (info) => options.onStaleLock?.(`a previous run (pid ${info.pid}, started ${info.startedAt}) ended without releasing the journal; continuing where it stopped`));
		let db: Db | undefined;
		try {
			if (options.legacyPath !== undefined && !options.isNew) adoptLegacyJournal(options.legacyPath, path);
			if (options.isNew) {
				for (const suffix of ['', '-wal', '-shm']) if (existsSync(path + suffix)) closeSync(openSync(path + suffix, 'w'));
			}
			if (!existsSync(path)) closeSync(openSync(path, 'w', 0o600));
			chmodSync(path, 0o600);
			try {
				db = new Database(path, options.trace ? {verbose: (sql) => options.trace?.(String(sql))} : {});
				db.pragma('journal_mode = WAL');
				db.pragma('synchronous = FULL');
				const check = db.pragma('quick_check', {simple: true});
				if (check !== 'ok') throw new Error(String(check));
			} catch (error) {
				throw new MailshiftError('JOURNAL_CORRUPT', `The journal ${path} is damaged (${(error as Error).message}).`, 'fatal', {
					cause: error, hint: 'Run again with --new-journal: messages already on the server are then found there and not uploaded twice.',
				});
			}
			for (const suffix of ['-wal', '-shm']) if (existsSync(path + suffix)) chmodSync(path + suffix, 0o600);
			db.exec(`CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
				CREATE TABLE IF NOT EXISTS messages (
					folder TEXT NOT NULL, key TEXT NOT NULL, location TEXT NOT NULL, state TEXT NOT NULL,
					mailbox TEXT, message_id TEXT, fingerprint TEXT, size INTEGER, uid INTEGER, uid_validity TEXT,
					error_code TEXT, error TEXT, updated_at TEXT NOT NULL, PRIMARY KEY (folder, key)) WITHOUT ROWID;
				CREATE INDEX IF NOT EXISTS messages_state ON messages (folder, state);
				CREATE TABLE IF NOT EXISTS mailboxes (mailbox TEXT PRIMARY KEY, uid_validity TEXT);`);
			const meta = new Map(db.prepare('SELECT name, value FROM meta').all().map((r) => {
				const row = r as {name: string; value: string};
				return [row.name, row.value] as const;
			}));
			const count = (db.prepare('SELECT count(*) AS n FROM messages').get() as {n: number}).n;
			if (meta.size === 0) {
				const insert = db.prepare('INSERT INTO meta (name, value) VALUES (?, ?)');
				insert.run('schema', SCHEMA_VERSION);
				insert.run('config_hash', run.configHash);
				insert.run('config', run.configDescription);
				insert.run('created_at', new Date().toISOString());
			} else if (run.legacyConfigHash !== undefined && meta.get('config_hash') === run.legacyConfigHash) {
				// Written by an earlier version under this spelling: from now on found under every spelling.
				db.prepare('UPDATE meta SET value = ? WHERE name = ?').run(run.configHash, 'config_hash');
			} else if (meta.get('config_hash') !== run.configHash) {
				throw new MailshiftError('JOURNAL_MISMATCH', `The journal ${path} belongs to a different migration: ${meta.get('config') ?? 'unknown'}.`, 'fatal', {
					hint: 'Resuming with a different source, destination or folder mapping could upload messages twice. Use the original options, or add --new-journal to start a new migration (messages already on the server are still found and skipped).',
				});
			}
			return new SqliteJournal(path, db, lock, count > 0);
		} catch (error) {
			db?.close();
			lock.release();
			throw error;
		}
	}

	/**
	 * Reads a journal without locking or changing it (for `mailshift status`, safe while a run is active).
	 * @throws MailshiftError SOURCE_NOT_FOUND-like USAGE error when there is no journal; JOURNAL_CORRUPT.
	 */
	static inspect(path: string, maxListed = 50): JournalStatus {
		if (!existsSync(path)) {
			throw new MailshiftError('USAGE', `There is no journal at ${path}: this migration has not run yet.`, 'fatal', {hint: 'Check the source and --to (or --journal) — they pick the journal.'});
		}
		let db: Db | undefined;
		try {
			db = new Database(path, {readonly: true, fileMustExist: true});
			const meta = new Map((db.prepare('SELECT name, value FROM meta').all() as Array<{name: string; value: string}>).map((r) => [r.name, r.value] as const));
			const counts: Record<EntryState, number> = {pending: 0, done: 0, failed: 0, skipped: 0};
			for (const row of db.prepare('SELECT state, count(*) AS n FROM messages GROUP BY state').all() as Array<{state: EntryState; n: number}>) counts[row.state] = row.n;
			const found = (db.prepare("SELECT count(*) AS n FROM messages WHERE state = 'done' AND error_code = 'FOUND_ON_SERVER'").get() as {n: number}).n;
			const failures = (db.prepare("SELECT folder, location, error_code AS code, error FROM messages WHERE state IN ('failed', 'pending') ORDER BY folder, location LIMIT ?").all(maxListed) as Array<{folder: string; location: string; code: string | null; error: string | null}>)
				.map((r) => ({folder: r.folder, location: r.location, code: r.code ?? 'PENDING', error: r.error ?? 'outcome not recorded (run stopped); checked on the server by the next run'}));
			const folders = db.prepare("SELECT folder, mailbox, sum(state = 'done') AS done, sum(state = 'failed') AS failed, sum(state = 'skipped') AS skipped, sum(state = 'pending') AS pending FROM messages GROUP BY folder ORDER BY folder").all() as JournalStatus['folders'];
			const updated = (db.prepare('SELECT max(updated_at) AS t FROM messages').get() as {t: string | null}).t;
			return {path, config: meta.get('config') ?? '', createdAt: meta.get('created_at') ?? '', updatedAt: updated ?? undefined, counts, foundOnServer: found, folders, failures, isLocked: existsSync(`${path}.lock`)};
		} catch (error) {
			if (error instanceof MailshiftError) throw error;
			throw new MailshiftError('JOURNAL_CORRUPT', `The journal ${path} cannot be read (${(error as Error).message}).`, 'fatal', {cause: error});
		} finally {
			db?.close();
		}
	}

	get(ref: SourceRef): JournalEntry | undefined {
		const row = this.#get.get(ref.folder, ref.key);
		return row ? toEntry(row) : undefined;
	}

	isDone(ref: SourceRef): boolean {
		return this.#doneOf(ref.folder).keys.has(ref.key);
	}

	doneIn(folder: string): DoneCopy[] {
		if (this.#done?.folder !== folder) {
			// Asked first (a folder set up before its messages come): one query gives both the copies and the keys.
			const copies = this.#copiesOf(folder);
			this.#done = {folder, keys: new Set(copies.keys()), copies};
		}
		this.#done.copies ??= this.#copiesOf(folder);
		return [...this.#done.copies.values()];
	}

	doneAllNamedBy(folder: string, mailbox: string, uidValidity: bigint): boolean {
		const {n, named} = this.#doneNamed.get(mailbox, String(uidValidity), folder)!;
		return n > 0 && named === n;
	}

	/** The folder's `done` keys, read in one query when the run first asks about that folder (module comment). */
	#doneOf(folder: string): DoneSet {
		if (this.#done?.folder !== folder) this.#done = {folder, keys: new Set(this.#doneKeys.all(folder)), copies: undefined};
		return this.#done;
	}

	/** Where the folder's `done` messages are, in one query. */
	#copiesOf(folder: string): Map<string, DoneCopy> {
		const byKey = new Map<string, DoneCopy>();
		// A mailbox has one UIDVALIDITY: its BigInt is made once per read, not once per row.
		const uidValidities = new Map<string, bigint>();
		for (const [key, mailbox, uid, uidValidity] of this.#doneIn.all(folder)) {
			let validity: bigint | undefined;
			if (uidValidity) {
				validity = uidValidities.get(uidValidity);
				if (validity === undefined) uidValidities.set(uidValidity, (validity = BigInt(uidValidity)));
			}
			byKey.set(key, {key, mailbox: mailbox ?? undefined, uid: uid ?? undefined, uidValidity: validity});
		}
		return byKey;
	}

	lastPendingAt(folder: string): number | undefined {
		const row = this.#db.prepare("SELECT max(updated_at) AS t FROM messages WHERE folder = ? AND state = 'pending'").get(folder) as {t: string | null};
		return row.t ? Date.parse(row.t) : undefined;
	}

	uidValidity(mailbox: string): bigint | undefined {
		// Asked after every upload (done()); this process is the journal's only writer (its lock), so the answer
		// is kept until this process writes another.
		if (this.#uidValidities.has(mailbox)) return this.#uidValidities.get(mailbox);
		const v = this.#mailboxGet.get(mailbox)?.uid_validity;
		const value = v ? BigInt(v) : undefined;
		this.#uidValidities.set(mailbox, value);
		return value;
	}

	/** Records a mailbox's UIDVALIDITY (RFC 3501 §2.3.1.1), in the database and in what uidValidity() answers. */
	#setUidValidity(mailbox: string, uidValidity: bigint | undefined): void {
		this.#mailboxSet.run(mailbox, uidValidity === undefined ? null : String(uidValidity));
		this.#uidValidities.set(mailbox, uidValidity);
	}

	resetMailbox(mailbox: string, uidValidity: bigint | undefined): void {
		this.#tx();
		this.#db.prepare("UPDATE messages SET state = 'pending', uid = NULL, uid_validity = NULL, error_code = NULL, error = NULL WHERE mailbox = ? AND state = 'done'").run(mailbox);
		this.#done = undefined;
		this.#setUidValidity(mailbox, uidValidity);
	}

	begin(job: UploadJob): void {
		this.#write(job.ref, 'pending', {mailbox: job.mailbox, message_id: job.messageId ?? null, fingerprint: job.fingerprint, size: job.content.length});
	}

	done(job: UploadJob, receipt: AppendReceipt, how: 'uploaded' | 'found-on-server'): void {
		this.#write(job.ref, 'done', {
			mailbox: job.mailbox, message_id: job.messageId ?? null, fingerprint: job.fingerprint, size: job.content.length,
			uid: receipt.uid ?? null, uid_validity: receipt.uidValidity === undefined ? null : String(receipt.uidValidity),
			error_code: how === 'found-on-server' ? 'FOUND_ON_SERVER' : null,
		});
		if (receipt.uidValidity !== undefined && this.uidValidity(job.mailbox) === undefined) this.#setUidValidity(job.mailbox, receipt.uidValidity);
	}

	fail(ref: SourceRef, code: string, message: string): void {
		this.#write(ref, 'failed', {error_code: code, error: message});
	}

	skip(ref: SourceRef, code: string, reason: string): void {
		this.#write(ref, 'skipped', {error_code: code, error: reason});
	}

	checkpoint(): void {
		if (this.#inTransaction) {
			this.#db.exec('COMMIT');
			this.#inTransaction = false;
		}
	}

	counts(): Record<EntryState, number> {
		const out: Record<EntryState, number> = {pending: 0, done: 0, failed: 0, skipped: 0};
		for (const row of this.#db.prepare('SELECT state, count(*) AS n FROM messages GROUP BY state').all() as Array<{state: EntryState; n: number}>) out[row.state] = row.n;
		return out;
	}

	close(): void {
		if (this.#closed) return;
		this.#closed = true;
		try {
			this.checkpoint();
			this.#db.close();
		} finally {
			this.#lock.release();
		}
	}

	#tx(): void {
		if (this.#closed) throw new MailshiftError('BUG', 'The journal is closed.', 'fatal');
		if (!this.#inTransaction) {
			this.#db.exec('BEGIN');
			this.#inTransaction = true;
		}
	}

	#write(ref: SourceRef, state: EntryState, fields: Partial<Omit<Row, 'folder' | 'key' | 'state'>>): void {
		this.#tx();
		if (this.#done?.folder === ref.folder) {
			// The same columns the upsert writes for a `done` row (mailbox is always given for one).
			if (state === 'done') {
				this.#done.keys.add(ref.key);
				this.#done.copies?.set(ref.key, {
					key: ref.key, mailbox: fields.mailbox ?? undefined, uid: fields.uid ?? undefined,
					uidValidity: fields.uid_validity ? BigInt(fields.uid_validity) : undefined,
				});
			} else {
				this.#done.keys.delete(ref.key);
				this.#done.copies?.delete(ref.key);
			}
		}
		// Positional parameters, in the INSERT's column order: binding by name looks each one up (issue #14: the
		// journal's two writes per message were 5% of an upload's CPU).
		this.#upsert.run(ref.folder, ref.key, ref.location, state, fields.mailbox ?? null, fields.message_id ?? null, fields.fingerprint ?? null,
			fields.size ?? null, fields.uid ?? null, fields.uid_validity ?? null, fields.error_code ?? null, fields.error ?? null, this.#now());
	}

	/** The time as ISO 8601, made once per millisecond: a batch's rows are written within a few of them. */
	#now(): string {
		const ms = Date.now();
		if (ms !== this.#nowMs) {
			this.#nowMs = ms;
			this.#nowText = new Date(ms).toISOString();
		}
		return this.#nowText;
	}
}

function toEntry(row: Row): JournalEntry {
	return {
		folder: row.folder, key: row.key, state: row.state, mailbox: row.mailbox ?? undefined, messageId: row.message_id ?? undefined,
		fingerprint: row.fingerprint ?? undefined, size: row.size ?? undefined, uid: row.uid ?? undefined,
		uidValidity: row.uid_validity ? BigInt(row.uid_validity) : undefined, errorCode: row.error_code ?? undefined, error: row.error ?? undefined,
	};
}

/**
 * Moves the journal an earlier version kept at `legacy` to `path`, when only the former exists. The caller
 * holds `path`'s lock; `legacy`'s lock is taken too (an earlier version may be running on it: then this run is
 * refused, JOURNAL_LOCKED). The WAL and shared-memory files move first and the database last, so a crash in
 * between leaves the database where the next run looks for it again, its WAL already beside `path`, where
 * SQLite finds it once the database follows (https://www.sqlite.org/wal.html, "the WAL file is named …-wal").
 */
function adoptLegacyJournal(legacy: string, path: string): void {
	if (existsSync(path) || !existsSync(legacy)) return;
	const legacyLock = Lockfile.acquire(`${legacy}.lock`);
	try {
		for (const suffix of ['-wal', '-shm', '']) if (existsSync(legacy + suffix)) renameSync(legacy + suffix, path + suffix);
	} finally {
		legacyLock.release();
	}
}
