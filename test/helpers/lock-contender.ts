/**
 * A child process that races for a lock (test/journal/lockfile.test.ts). Prints `ready`, then obeys one
 * command per stdin line: `go` calls Lockfile.acquire(argv[2]) and prints `won` or the error's code (a winner
 * holds the lock, so the losers race against a live holder as well as the stale lock); `release` releases a
 * held lock and prints `released`. Ends when stdin ends.
 */
import {createInterface} from 'node:readline';
import {Lockfile} from '../../src/journal/lockfile.js';

const path = process.argv[2];
if (!path) throw new Error('usage: lock-contender.ts LOCKPATH');
let lock: Lockfile | undefined;
const lines = createInterface({input: process.stdin});
lines.on('line', (command) => {
	if (command === 'go') {
		try {
			lock = Lockfile.acquire(path);
			process.stdout.write('won\n');
		} catch (error) {
			process.stdout.write(`${(error as {code?: string}).code ?? String(error)}\n`);
		}
	} else if (command === 'release') {
		lock?.release();
		lock = undefined;
		process.stdout.write('released\n');
	}
});
lines.on('close', () => lock?.release());
process.stdout.write('ready\n');
