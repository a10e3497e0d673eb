/**
 * A run-time lock on the destination account as the network sees it: one lock per address the destination's
 * host name resolves to, so that two names of one server (`mail.example.com` and `imap.example.com`, a CNAME, a
 * name and its address) cannot upload the same source into the same mailbox at the same time.
 *
 * Why a second lock beside the journal's: the journal (and its lock) is keyed on the canonical *name*
 * (journal-location.ts), never on addresses, because a provider's addresses change between lookups
 * (round-robin DNS) and a key that changed would lose the journal of a migration resumed the next day. This
 * lock lives only while a run does, so an address that changes tomorrow loses nothing: it only has to be right
 * now. Every resolved address gets its own lock file, taken in sorted order: two runs whose lookups returned
 * different subsets of a round-robin set still meet on any address they share.
 *
 * The key is (canonical source, user case-folded, address, port): two different sources into one mailbox (a
 * batch plan's rows) still run in parallel, as their journals are separate and their messages are too.
 * A name that does not resolve takes no address lock: the login fails on its own (unreachable), and the
 * journal's name lock still holds.
 */
import {createHash} from 'node:crypto';
import {mkdirSync} from 'node:fs';
import {lookup} from 'node:dns/promises';
import {isIP} from 'node:net';
import {join} from 'node:path';
import {MailshiftError} from '../contracts/errors.js';
import {Lockfile, type LockInfo} from './lockfile.js';

/** The addresses a host name stands for now (`dns.lookup`, which also reads /etc/hosts, like the connect does). */
export type ResolveAddresses = (host: string) => Promise<readonly string[]>;

/** At most this many address locks per run: a name with more addresses locks the first ones in sorted order. */
const MAX_ADDRESSES = 16;

export const systemResolver: ResolveAddresses = async (host) => (await lookup(host, {all: true, verbatim: true})).map((a) => a.address);

export type DestinationLockSpec = Readonly<{
	/** Directory holding the lock files (created 0700 when missing). */
	dir: string;
	/** The canonical source (journal-location's canonicalSource). */
	source: string;
	user: string;
	host: string;
	port: number;
}>;

function lockName(spec: DestinationLockSpec, address: string): string {
	const key = `${spec.source}\n${spec.user.toLowerCase()}@${address}:${spec.port}`;
	return `${createHash('sha256').update(key).digest('hex').slice(0, 32)}.lock`;
}

/** The addresses to lock for `host`, sorted, unique, bounded; [] when the name does not resolve. */
async function addressesOf(host: string, resolve: ResolveAddresses): Promise<string[]> {
	const bare = host.replace(/^\[(.*)\]$/, '$1');
	if (isIP(bare)) return [bare.toLowerCase()];
	let found: readonly string[];
	try {
		found = await resolve(bare);
	} catch {
		return [];
	}
	return [...new Set(found.map((a) => a.toLowerCase()))].sort().slice(0, MAX_ADDRESSES);
}

/** The address locks one run holds; `release` drops them all (idempotent). */
export class DestinationLock {
	readonly #locks: Lockfile[];

	private constructor(locks: Lockfile[]) {
		this.#locks = locks;
	}

	/**
	 * Takes a lock per resolved address of `spec.host`, or none of them.
	 * @throws MailshiftError JOURNAL_LOCKED when another live run holds any of them (it names that run).
	 */
	static async acquire(spec: DestinationLockSpec, resolve: ResolveAddresses = systemResolver, onStale?: (info: LockInfo) => void): Promise<DestinationLock> {
		const addresses = await addressesOf(spec.host, resolve);
		if (addresses.length === 0) return new DestinationLock([]);
		mkdirSync(spec.dir, {recursive: true, mode: 0o700});
		const held: Lockfile[] = [];
		try {
			for (const address of addresses) {
				held.push(Lockfile.acquire(join(spec.dir, lockName(spec, address)), onStale,
					`is uploading this source into ${spec.user} on ${address} port ${spec.port} (the same server under another name)`));
			}
		} catch (error) {
			for (const lock of held) lock.release();
			if (error instanceof MailshiftError) throw error;
			throw new MailshiftError('JOURNAL_LOCKED', `Could not lock the destination in ${spec.dir}: ${(error as Error).message}`, 'fatal', {
				hint: `Check that ${spec.dir} is writable.`, cause: error,
			});
		}
		return new DestinationLock(held);
	}

	/** How many address locks are held (for tests and --debug). */
	get size(): number {
		return this.#locks.length;
	}

	release(): void {
		for (const lock of this.#locks.splice(0)) lock.release();
	}
}
