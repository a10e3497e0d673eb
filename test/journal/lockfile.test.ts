import {test} from 'node:test';
import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {createHash} from 'node:crypto';
import {hostname, tmpdir} from 'node:os';
import {join} from 'node:path';
import {createInterface} from 'node:readline';
import {fileURLToPath} from 'node:url';
import {Lockfile} from '../../src/journal/lockfile.js';

const CONTENDER = fileURLToPath(new URL('../helpers/lock-contender.ts', import.meta.url));

function tempDir(t: {after: (fn: () => void) => void}): string {
	const dir = mkdtempSync(join(tmpdir(), 'ms-lock-'));
	t.after(() => rmSync(dir, {recursive: true, force: true}));
	return dir;
}

/** The pid of a process that has exited (so a lock naming it is stale). */
async function deadPid(): Promise<number> {
	const child = spawn(process.execPath, ['-e', '']);
	await new Promise((resolve) => child.on('close', resolve));
	assert.ok(child.pid);
	return child.pid;
}

function staleLock(pid: number): string {
	return JSON.stringify({pid, host: hostname(), startedAt: '2020-01-01T00:00:00.000Z'});
}

test('a stale lock of a dead process on this host is replaced, and the caller is told', async (t) => {
	const path = join(tempDir(t), 'j.sqlite.lock');
	const pid = await deadPid();
	writeFileSync(path, staleLock(pid));
	const told: number[] = [];
	const lock = Lockfile.acquire(path, (info) => told.push(info.pid));
	assert.deepEqual(told, [pid]);
	assert.equal(JSON.parse(readFileSync(path, 'utf8')).pid, process.pid);
	lock.release();
	assert.equal(existsSync(path), false);
	assert.deepEqual(readdirSync(join(path, '..')), [], 'no temp or claim files are left behind');
});

test('a live lock refuses a second taker with JOURNAL_LOCKED naming the holder', (t) => {
	const path = join(tempDir(t), 'j.sqlite.lock');
	const lock = Lockfile.acquire(path);
	assert.throws(() => Lockfile.acquire(path), (e: {code?: string; message?: string}) => e.code === 'JOURNAL_LOCKED' && (e.message ?? '').includes(`pid ${process.pid}`));
	lock.release();
	Lockfile.acquire(path).release();
});

test('a lock naming this process\'s pid that this process does not hold was left by an earlier process with the same pid, and is taken over', (t) => {
	// A container restarted after a crash runs mailshift as pid 1 again: the old lock looks alive by pid alone.
	const path = join(tempDir(t), 'j.sqlite.lock');
	writeFileSync(path, staleLock(process.pid));
	const told: number[] = [];
	const lock = Lockfile.acquire(path, (info) => told.push(info.pid));
	assert.deepEqual(told, [process.pid]);
	assert.throws(() => Lockfile.acquire(path), (e: {code?: string}) => e.code === 'JOURNAL_LOCKED');
	lock.release();
});

test('a stale lock that a live process has claimed is not taken over by another', async (t) => {
	const path = join(tempDir(t), 'j.sqlite.lock');
	const stale = staleLock(await deadPid());
	writeFileSync(path, stale);
	// The claim of a live run that is replacing this stale lock right now (our parent process stands in for it:
	// alive, and not this process, whose own pid in a lock it does not hold means a predecessor's leftover).
	writeFileSync(`${path}.claim-${createHash('sha256').update(stale).digest('hex').slice(0, 16)}`, JSON.stringify({pid: process.ppid, host: hostname(), startedAt: 'now'}));
	assert.throws(() => Lockfile.acquire(path), {code: 'JOURNAL_LOCKED'});
	assert.equal(readFileSync(path, 'utf8'), stale);
});

test('a stale lock whose claim was left by a taker that died is still taken over', async (t) => {
	const path = join(tempDir(t), 'j.sqlite.lock');
	const stale = staleLock(await deadPid());
	writeFileSync(path, stale);
	const claim = `${path}.claim-${createHash('sha256').update(stale).digest('hex').slice(0, 16)}`;
	writeFileSync(claim, staleLock(await deadPid()));
	const lock = Lockfile.acquire(path);
	assert.equal(JSON.parse(readFileSync(path, 'utf8')).pid, process.pid);
	assert.equal(existsSync(claim), false);
	lock.release();
});

test('twenty processes racing to take over one stale lock: exactly one wins, the others are refused (ten rounds)', async (t) => {
	const path = join(tempDir(t), 'j.sqlite.lock');
	const children = Array.from({length: 20}, () => spawn(process.execPath, ['--import', 'tsx', CONTENDER, path], {stdio: ['pipe', 'pipe', 'inherit']}));
	t.after(() => {
		for (const child of children) if (child.exitCode === null) child.kill();
	});
	const readers = children.map((child) => {
		const lines = createInterface({input: child.stdout!})[Symbol.asyncIterator]();
		return async () => String((await lines.next()).value);
	});
	const all = async (command?: string) => {
		if (command !== undefined) for (const child of children) child.stdin!.write(`${command}\n`);
		return Promise.all(readers.map((read) => read()));
	};
	assert.deepEqual(await all(), children.map(() => 'ready'));
	for (let round = 1; round <= 10; round++) {
		// Given a stale lock and twenty processes waiting, when they are told to go at once,
		writeFileSync(path, staleLock(await deadPid()));
		const results = await all('go');
		// then exactly one holds the lock and the others are refused.
		assert.equal(results.filter((r) => r === 'won').length, 1, `round ${round}: ${results.join(' ')}`);
		assert.deepEqual(results.filter((r) => r !== 'won'), Array.from({length: 19}, () => 'JOURNAL_LOCKED'));
		assert.equal(JSON.parse(readFileSync(path, 'utf8')).pid, children[results.indexOf('won')]!.pid);
		assert.deepEqual(await all('release'), children.map(() => 'released'));
		assert.equal(existsSync(path), false, 'the winner released the lock');
	}
	const closed = children.map((child) => new Promise((resolve) => child.on('close', resolve)));
	for (const child of children) child.stdin!.end();
	await Promise.all(closed);
	assert.deepEqual(readdirSync(join(path, '..')), [], 'no temp or claim files are left behind');
});
