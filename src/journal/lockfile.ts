/**
 * One process per journal (restic-style lock): `<journal>.lock` created with O_EXCL holding
 * {pid, host, startedAt}. A lock is stale when it names this host and its process is gone; a stale lock is
 * replaced (and said so). A live lock, or one from another host, refuses the run with JOURNAL_LOCKED.
 */
import {openSync, readFileSync, rmSync, writeSync, closeSync} from 'node:fs';
import {hostname} from 'node:os';
import {MailshiftError} from '../core/errors.js';

export type LockInfo = Readonly<{pid: number; host: string; startedAt: string}>;

function isRunning(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		return (error as NodeJS.ErrnoException).code === 'EPERM';
	}
}

export class Lockfile {
	readonly path: string;
	#held = false;

	private constructor(path: string) {
		this.path = path;
	}

	/**
	 * Takes the lock. `onStale` is told when a stale lock was replaced. `guards` names what is locked in the
	 * refusal ("is using this migration's journal").
	 * @throws MailshiftError JOURNAL_LOCKED when another live run holds it.
	 */
	static acquire(path: string, onStale?: (info: LockInfo) => void, guards = "is using this migration's journal"): Lockfile {
		const lock = new Lockfile(path);
		for (let attempt = 0; attempt < 2; attempt++) {
			try {
				const fd = openSync(path, 'wx', 0o600);
				const info: LockInfo = {pid: process.pid, host: hostname(), startedAt: new Date().toISOString()};
				writeSync(fd, JSON.stringify(info));
				closeSync(fd);
				lock.#held = true;
				return lock;
			} catch (error) {
				if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
			}
			let info: LockInfo | undefined;
			try {
				info = JSON.parse(readFileSync(path, 'utf8')) as LockInfo;
			} catch {
				info = undefined; // unreadable or half-written: written by a process that died while writing it
			}
			const isStale = info === undefined || (info.host === hostname() && !isRunning(info.pid));
			if (!isStale) {
				throw new MailshiftError('JOURNAL_LOCKED', `Another mailshift run (pid ${info?.pid} on ${info?.host}, started ${info?.startedAt}) ${guards}.`, 'fatal', {
					hint: `Wait for it to finish. If it is not running any more (e.g. on another machine), delete ${path}.`,
				});
			}
			if (info) onStale?.(info);
			rmSync(path, {force: true});
		}
		throw new MailshiftError('JOURNAL_LOCKED', `Could not lock ${path}.`, 'fatal', {hint: `Delete ${path} if no other mailshift run is active.`});
	}

	release(): void {
		if (!this.#held) return;
		this.#held = false;
		rmSync(this.path, {force: true});
	}
}
