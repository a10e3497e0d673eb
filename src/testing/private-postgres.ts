/**
 * A private PostgreSQL cluster (Debian `postgresql`) for the fleet tests (issue #15), entirely inside one temp
 * dir: its own data directory, unix socket, log and password file. The system cluster (if any) is never read
 * or changed; the server is stopped by its postmaster PID (never by name).
 *
 * Facts it relies on: `initdb` and `postgres` refuse to run as root ("cannot be run as root"), so as root every
 * server command runs as the `postgres` system user through `runuser -u postgres --` (util-linux) and the temp
 * dir is chowned to it; as non-root they run as the caller. The cluster listens on 127.0.0.1 on a free port
 * (password auth, SCRAM-SHA-256, so tests see a real password in the URL) and on a unix socket in the temp dir
 * (trust, for the helper's own psql/pg_dump). unix socket paths are limited to 108 bytes, so the dir lives
 * directly under the OS temp dir with a short name. `pg_ctl -w` waits for the server to accept connections
 * (it polls postmaster.pid for "ready"), so starting needs no sleeps here.
 */
import {execFile, spawnSync} from 'node:child_process';
import {existsSync, readFileSync, readdirSync, realpathSync} from 'node:fs';
import {chmod, chown, mkdtemp, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {randomBytes} from 'node:crypto';
import {promisify} from 'node:util';
import {freePort, isAlive} from './private-dovecot.js';

const exec = promisify(execFile);

export type PrivatePostgres = Readonly<{
	dir: string;
	host: '127.0.0.1';
	port: number;
	/** Directory of the unix socket (trust auth; for psql/pg_dump run by the tests). */
	socketDir: string;
	/** The superuser's name (`postgres`) and its generated password. */
	user: string;
	password: string;
	/** postgres://user:password@127.0.0.1:port/database (the database is created on first use). */
	url(database?: string): string;
	/** PID of the running postmaster (changes on restart). */
	pid(): number;
	/** Creates a database (idempotent). */
	createDatabase(name: string): Promise<void>;
	/** Runs SQL through psql on the unix socket; returns stdout (unaligned, tuples only). */
	psql(database: string, sql: string): Promise<string>;
	/** `pg_dump` of a database as plain SQL text (every table's rows). */
	dump(database: string): Promise<string>;
	/** Fast shutdown (SIGINT: active sessions are cut), then start again on the same port. */
	restart(): Promise<void>;
	/** The server log so far. */
	logText(): Promise<string>;
	/** Stops the server (by PID) and removes the temp dir. Idempotent. */
	stop(): Promise<void>;
}>;

/** The directory holding initdb/pg_ctl/postgres, or undefined when PostgreSQL is not installed. */
export function postgresBinDir(): string | undefined {
	const onPath = spawnSync('sh', ['-c', 'command -v initdb'], {encoding: 'utf8'});
	// initdb on PATH may be a lone symlink (psql, pg_dump not beside it): the directory it points into.
	if (onPath.status === 0 && onPath.stdout.trim()) return join(realpathSync(onPath.stdout.trim()), '..');
	const root = '/usr/lib/postgresql';
	if (!existsSync(root)) return undefined;
	// Debian installs each major version under /usr/lib/postgresql/N/bin; take the newest.
	const versions = readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
	for (const v of versions) if (existsSync(join(root, v, 'bin', 'initdb'))) return join(root, v, 'bin');
	return undefined;
}

/** Why PostgreSQL tests cannot run here, or undefined when they can (tests skip with this reason). */
export function postgresUnavailableReason(): string | undefined {
	if (!postgresBinDir()) return 'PostgreSQL (initdb) is not installed: apt-get install -y postgresql';
	if (process.getuid?.() === 0 && spawnSync('id', ['postgres'], {stdio: 'ignore'}).status !== 0) return 'running as root and there is no `postgres` user to run initdb as';
	return undefined;
}

export type PostgresOptions = Readonly<{
	/** Extra server settings, name → value (e.g. shared_preload_libraries: 'pg_stat_statements' for the bench). */
	settings?: Readonly<Record<string, string>>;
}>;

/** Starts a new private cluster. @throws when PostgreSQL is not installed or initdb/start fails (with its log). */
export async function startPostgres(options: PostgresOptions = {}): Promise<PrivatePostgres> {
	const bin = postgresBinDir();
	if (!bin) throw new Error('PostgreSQL is not installed: apt-get install -y postgresql');
	const isRoot = process.getuid?.() === 0;
	const dir = await mkdtemp(join(tmpdir(), 'mspg.'));
	const data = join(dir, 'data');
	const log = join(dir, 'server.log');
	const password = `pg-${randomBytes(9).toString('base64url')}`;
	const user = 'postgres';
	await writeFile(join(dir, 'pwfile'), `${password}\n`, {mode: 0o600});
	if (isRoot) {
		const {stdout} = await exec('id', ['-u', 'postgres']);
		const {stdout: g} = await exec('id', ['-g', 'postgres']);
		await chown(dir, Number(stdout.trim()), Number(g.trim()));
		await chown(join(dir, 'pwfile'), Number(stdout.trim()), Number(g.trim()));
	}
	await chmod(dir, 0o700);
	const run = (command: string, args: readonly string[]): Promise<{stdout: string; stderr: string}> => isRoot
		? exec('runuser', ['-u', 'postgres', '--', join(bin, command), ...args], {cwd: dir, maxBuffer: 256 * 1024 * 1024})
		: exec(join(bin, command), [...args], {cwd: dir, maxBuffer: 256 * 1024 * 1024});
	await run('initdb', ['-D', data, '-U', user, `--pwfile=${join(dir, 'pwfile')}`, '--auth-local=trust', '--auth-host=scram-sha-256', '-E', 'UTF8', '--no-locale', '--no-sync']);
	let port = 0;
	const start = async (): Promise<void> => {
		// Small and quiet: fsync stays on (the journal's durability is what the tests are about).
		const flags = `-c listen_addresses=127.0.0.1 -c port=${port} -c unix_socket_directories=${dir} -c max_connections=200 -c shared_buffers=16MB -c log_connections=on${Object.entries(options.settings ?? {}).map(([k, v]) => ` -c ${k}=${v}`).join('')}`;
		await run('pg_ctl', ['-D', data, '-l', log, '-w', '-t', '120', '-o', flags, 'start']);
	};
	let lastError: unknown;
	for (let attempt = 0; attempt < 5; attempt++) {
		port = await freePort();
		try {
			await start();
			lastError = undefined;
			break;
		} catch (error) {
			lastError = error; // most likely the port was taken between freePort() and the bind: try another
		}
	}
	if (lastError) {
		const text = existsSync(log) ? readFileSync(log, 'utf8').slice(-2000) : '';
		await rm(dir, {recursive: true, force: true});
		throw new Error(`PostgreSQL did not start: ${(lastError as Error).message}\n${text}`);
	}
	const pid = (): number => Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
	let currentPid = pid();
	const psqlArgs = (database: string): string[] => ['-h', dir, '-p', String(port), '-U', user, '-d', database];
	const psql = async (database: string, sql: string): Promise<string> => {
		const {stdout} = await exec(join(bin, 'psql'), [...psqlArgs(database), '-v', 'ON_ERROR_STOP=1', '-qAt', '-c', sql], {maxBuffer: 64 * 1024 * 1024});
		return stdout;
	};
	const stopServer = async (): Promise<void> => {
		if (!isAlive(currentPid)) return;
		try {
			await run('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '120', 'stop']);
		} catch {
			// pg_ctl could not stop it: the postmaster by its PID (SIGQUIT = immediate shutdown).
			try {
				process.kill(currentPid, 'SIGQUIT');
			} catch {
				// already gone
			}
		}
	};
	let isStopped = false;
	return {
		dir, host: '127.0.0.1', port, socketDir: dir, user, password,
		url: (database = 'postgres') => `postgres://${user}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`,
		pid: () => currentPid,
		createDatabase: async (name) => {
			const exists = await psql('postgres', `SELECT 1 FROM pg_database WHERE datname = '${name.replace(/'/g, "''")}'`);
			if (exists.trim() !== '1') await psql('postgres', `CREATE DATABASE "${name.replace(/"/g, '""')}"`);
		},
		psql,
		dump: async (database) => (await exec(join(bin, 'pg_dump'), [...psqlArgs(database), '--no-owner'], {maxBuffer: 512 * 1024 * 1024})).stdout,
		restart: async () => {
			await stopServer();
			await start();
			currentPid = pid();
		},
		logText: async () => (existsSync(log) ? readFileSync(log, 'utf8') : ''),
		stop: async () => {
			if (isStopped) return;
			isStopped = true;
			await stopServer();
			await rm(dir, {recursive: true, force: true});
		},
	};
}
