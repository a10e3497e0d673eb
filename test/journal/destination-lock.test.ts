/**
 * The run-time destination lock (src/journal/destination-lock.ts): two names of one server, resolved to a shared
 * address, cannot upload one source into one mailbox at once — the case the journal's name key cannot see.
 * Host names are resolved by an injected resolver (no DNS in tests).
 */
import assert from 'node:assert/strict';
import {mkdtemp, readdir, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {test} from 'node:test';
import {ExitCode} from '../../src/contracts/exit-codes.js';
import {runMigrate} from '../../src/app/migrate.js';
import {resolveMigrateConfig} from '../../src/config/resolve.js';
import {DestinationLock, type ResolveAddresses} from '../../src/journal/destination-lock.js';
import {canonicalSource, destinationLocksDir} from '../../src/journal/journal-location.js';
import {captureIo} from '../helpers/run-main.js';

/** A fake DNS: each name to its addresses; an unknown name fails as dns.lookup does. */
function resolverOf(table: Record<string, readonly string[]>): ResolveAddresses {
	return async (host) => {
		const found = table[host];
		if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), {code: 'ENOTFOUND'});
		return found;
	};
}

const dns = resolverOf({
	'mail.example.test': ['192.0.2.10', '192.0.2.11'],
	'imap.example.test': ['192.0.2.11'],
	'other.example.test': ['198.51.100.7'],
});

async function withDir(body: (dir: string) => Promise<void>): Promise<void> {
	const dir = await mkdtemp(join(tmpdir(), 'ms-dest-lock-'));
	try {
		await body(dir);
	} finally {
		await rm(dir, {recursive: true, force: true});
	}
}

test('Given a run holding mail.example.test, a run into imap.example.test (a shared address) is refused, naming the other run', async () => {
	await withDir(async (dir) => {
		const held = await DestinationLock.acquire({dir, source: '/mail/store', user: 'alice', host: 'mail.example.test', port: 993}, dns);
		assert.equal(held.size, 2);
		await assert.rejects(DestinationLock.acquire({dir, source: '/mail/store', user: 'ALICE', host: 'imap.example.test', port: 993}, dns),
			(error: Error & {code?: string}) => error.code === 'JOURNAL_LOCKED' && /another name/.test(error.message) && new RegExp(`pid ${process.pid}`).test(error.message));
		held.release();
		const after = await DestinationLock.acquire({dir, source: '/mail/store', user: 'alice', host: 'imap.example.test', port: 993}, dns);
		after.release();
	});
});

test('Given a refused run, the address locks it took before the refusal are released', async () => {
	await withDir(async (dir) => {
		// imap.example.test holds .11 only; mail.example.test takes .10 first (sorted), then is refused on .11.
		const held = await DestinationLock.acquire({dir, source: '/s', user: 'alice', host: 'imap.example.test', port: 993}, dns);
		await assert.rejects(DestinationLock.acquire({dir, source: '/s', user: 'alice', host: 'mail.example.test', port: 993}, dns), {code: 'JOURNAL_LOCKED'});
		held.release();
		assert.deepEqual((await readdir(dir)).filter((name) => name.endsWith('.lock')), []);
	});
});

test('Given another source, another port, another user or another server, runs go on side by side', async () => {
	await withDir(async (dir) => {
		const base = {dir, source: '/s', user: 'alice', host: 'mail.example.test', port: 993} as const;
		const held = await DestinationLock.acquire(base, dns);
		const others = await Promise.all([
			DestinationLock.acquire({...base, source: '/t'}, dns),
			DestinationLock.acquire({...base, port: 143}, dns),
			DestinationLock.acquire({...base, user: 'bob'}, dns),
			DestinationLock.acquire({...base, host: 'other.example.test'}, dns),
		]);
		for (const lock of [held, ...others]) lock.release();
	});
});

test('Given a name that does not resolve, no address lock is taken and the run is not refused for it', async () => {
	await withDir(async (dir) => {
		const lock = await DestinationLock.acquire({dir, source: '/s', user: 'alice', host: 'nowhere.example.test', port: 993}, dns);
		assert.equal(lock.size, 0);
		lock.release();
	});
});

test('Given an address written as the host, it is locked as that address without a lookup', async () => {
	await withDir(async (dir) => {
		const held = await DestinationLock.acquire({dir, source: '/s', user: 'alice', host: '192.0.2.11', port: 993}, async () => assert.fail('no lookup for an address'));
		await assert.rejects(DestinationLock.acquire({dir, source: '/s', user: 'alice', host: 'imap.example.test', port: 993}, dns), {code: 'JOURNAL_LOCKED'});
		held.release();
	});
});

test('Given a migration running into one server name, `migrate` to another name of that server stops with exit 7 before it logs in', async () => {
	await withDir(async (work) => {
		const store = join(work, 'one.mbox');
		await writeFile(store, 'From alice@example.org Mon Jan  1 10:00:00 2001\nFrom: alice@example.org\nSubject: one\n\nOne.\n');
		const env = {HOME: work};
		const held = await DestinationLock.acquire({dir: destinationLocksDir(env), source: canonicalSource(store), user: 'alice', host: 'mail.example.test', port: 993}, dns);
		try {
			const {io, output} = captureIo(env);
			const outcome = await runMigrate(resolveMigrateConfig({source: store, to: 'imaps://alice@imap.example.test', stats: 0, journalDir: work}, env), {...io, resolveHost: dns});
			assert.equal(outcome.exitCode, ExitCode.FATAL);
			assert.match(output().stderr, /the same server under another name/);
			assert.doesNotMatch(output().stderr, /password/i, 'refused before asking for a password');
		} finally {
			held.release();
		}
	});
});
