/**
 * One process per journal (restic-style lock): `<journal>.lock` holding {pid, host, startedAt, nonce}. A lock is
 * stale when it names this host and its process is gone; a stale lock is replaced (and said so). A live lock, or
 * one from another host, refuses the run with JOURNAL_LOCKED.
 *
 * Every step that decides who holds the lock is one atomic file-system operation, so that any number of
 * processes starting together end with exactly one holder:
 * - Creating: the content is written to a private temp file first, then link(2)ed to the lock name; link fails
 *   with EEXIST when the name exists, and a lock is never seen half-written.
 * - Taking over a stale lock: "read it, delete it, create ours" lets two processes that both read the stale lock
 *   both win (the second deletes the first's fresh lock). Instead, the right to replace one particular stale
 *   lock is itself a lock, `<lock>.claim-<digest of the stale content>`, taken by the same create-or-take-over
 *   procedure. Only its holder may replace that content; it re-reads the lock under the claim (it is still the
 *   stale one: nobody else may replace it, and its dead owner will not delete it), renames its temp file over it
 *   (rename(2) is atomic), then drops the claim. A process that read the stale lock late and takes the claim
 *   after that finds other content and starts over. A claim whose holder died is taken over the same way, to a
 *   bounded depth.
 * Not for network file systems whose link/rename are not atomic.
 */
import {createHash, randomBytes} from 'node:crypto';
import {closeSync, fsyncSync, linkSync, openSync, readFileSync, renameSync, rmSync, writeSync} from 'node:fs';
import {hostname} from 'node:os';
import {resolve} from 'node:path';
import {MailshiftError} from '../contracts/errors.js';

export type LockInfo = Readonly<{pid: number; host: string; startedAt: string}>;

/** Attempts per lock file before giving up (each one ends in a decision unless the file changed meanwhile). */
const MAX_ATTEMPTS = 10;
/** Claims on claims: a takeover whose taker died is taken over, at most this deep. */
const MAX_CLAIM_DEPTH = 3;

/**
 * Lock files this process holds. A lock naming this process's pid on this host that is not in here was left by an
 * earlier process that had the same pid (a restarted container is pid 1 every time): it is stale, or every later
 * run would be refused.
 */
const heldHere = new Set<string>();

function isRunning(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		return (error as NodeJS.ErrnoException).code === 'EPERM';
	}
}

function errno(error: unknown): string | undefined {
	return (error as NodeJS.ErrnoException).code;
}

/** The raw content of `path`, or undefined when it does not exist. */
function readRaw(path: string): Buffer | undefined {
	try {
		return readFileSync(path);
	} catch (error) {
		if (errno(error) === 'ENOENT') return undefined;
		throw error;
	}
}

function parseInfo(raw: Buffer): LockInfo | undefined {
	try {
		const info = JSON.parse(raw.toString('utf8')) as LockInfo;
		return typeof info.pid === 'number' && typeof info.host === 'string' ? info : undefined;
	} catch {
		return undefined; // unreadable or half-written (by a version that wrote in place): its writer died while writing it
	}
}

/** A private temp file next to `path` holding this process's lock content, fsynced. */
function writeTemp(path: string): string {
	const info = {pid: process.pid, host: hostname(), startedAt: new Date().toISOString(), nonce: randomBytes(8).toString('hex')};
	const temp = `${path}.${process.pid}.${info.nonce}.tmp`;
	const fd = openSync(temp, 'wx', 0o600);
	try {
		writeSync(fd, JSON.stringify(info));
		fsyncSync(fd);
	} finally {
		closeSync(fd);
	}
	return temp;
}

type Outcome = {held: true} | {held: false; holder: LockInfo | undefined};

/**
 * Makes `path` hold the content of `temp` (which stays in place) if it is free or stale.
 * `onStale` is told of each stale lock replaced.
 */
function take(path: string, temp: string, onStale: ((info: LockInfo) => void) | undefined, depth: number): Outcome {
	for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
		try {
			linkSync(temp, path);
			return {held: true};
		} catch (error) {
			if (errno(error) !== 'EEXIST') throw error;
		}
		const raw = readRaw(path);
		if (raw === undefined) continue; // released meanwhile: try again
		const info = parseInfo(raw);
		const isStale = info === undefined || (info.host === hostname() && (info.pid === process.pid ? !heldHere.has(resolve(path)) : !isRunning(info.pid)));
		if (!isStale) return {held: false, holder: info};
		if (depth >= MAX_CLAIM_DEPTH) return {held: false, holder: undefined};
		const claim = `${path}.claim-${createHash('sha256').update(raw).digest('hex').slice(0, 16)}`;
		const claimed = take(claim, temp, undefined, depth + 1);
		if (!claimed.held) return claimed; // another process is replacing this stale lock: it wins, we are refused
		try {
			const now = readRaw(path);
			if (now === undefined || !now.equals(raw)) continue; // replaced before we claimed it: look again
			const replacement = `${temp}.${depth}`;
			linkSync(temp, replacement);
			renameSync(replacement, path);
			if (info) onStale?.(info);
			return {held: true};
		} finally {
			rmSync(claim, {force: true});
		}
	}
	return {held: false, holder: undefined};
}

/** An exclusive lock on a file name held by this process (see the file comment). Not reentrant. */
export class Lockfile {
	readonly path: string;
	#held = false;

	private constructor(path: string) {
		this.path = path;
	}

	/**
	 * Takes the lock, replacing a stale one atomically. `onStale` is told when a stale lock was replaced.
	 * `guards` names what is locked in the refusal ("is using this migration's journal"). Safe against any number
	 * of processes calling it at once for the same path: exactly one gets the lock.
	 * @throws MailshiftError JOURNAL_LOCKED when another live run holds it (or is taking over a stale one).
	 */
	static acquire(path: string, onStale?: (info: LockInfo) => void, guards = "is using this migration's journal"): Lockfile {
		const lock = new Lockfile(path);
		const temp = writeTemp(path);
		let outcome: Outcome;
		try {
			outcome = take(path, temp, onStale, 0);
		} finally {
			rmSync(temp, {force: true});
		}
		if (outcome.held) {
			lock.#held = true;
			heldHere.add(resolve(path));
			return lock;
		}
		const info = outcome.holder;
		if (info) {
			throw new MailshiftError('JOURNAL_LOCKED', `Another mailshift run (pid ${info.pid} on ${info.host}, started ${info.startedAt}) ${guards}.`, 'fatal', {
				hint: `Wait for it to finish. If it is not running any more (e.g. on another machine), delete ${path}.`,
			});
		}
		throw new MailshiftError('JOURNAL_LOCKED', `Could not lock ${path}: another mailshift run is starting at the same time.`, 'fatal', {
			hint: `Try again. If no other mailshift run is active, delete ${path} and any ${path}.claim-* next to it.`,
		});
	}

	release(): void {
		if (!this.#held) return;
		this.#held = false;
		heldHere.delete(resolve(this.path));
		rmSync(this.path, {force: true});
	}
}
