/**
 * A private Cyrus IMAP 3.6 (Debian 12) on 127.0.0.1, entirely inside one temp dir: its own imapd.conf and
 * cyrus.conf, config directory, spool, sasldb users and protocol logs. Nothing under /etc is read or changed;
 * the server is stopped by its master PID. The test suite's second real server: it has other habits than
 * Dovecot (../shared/research/servers.md §0: bare LF and NUL refused, quota refused without a response code,
 * 8-bit header bytes rewritten, special-use folders created unsubscribed, `/` separator with altnamespace).
 *
 * Installation (servers.md §6; `.ci/run` does this): Debian's `cyrus-imapd` package Conflicts with
 * `dovecot-imapd`, so it is not installed. `cyrus-common` (master, ctl_cyrusdb, libraries) is, with
 * `--no-install-recommends` (it Recommends cyrus-imapd, which would remove Dovecot), and `imapd` is unpacked
 * from `apt-get download cyrus-imapd` with `dpkg-deb -x` into a root of its own (`CYRUS_ROOT`).
 *
 * Facts it relies on: `master`, started as root, drops to user `cyrus` (so the dir belongs to cyrus:mail and
 * the caller must be root); auth is SASL auxprop over a private sasldb with realm = `servername`; quota is set
 * by an admin over IMAP (SETQUOTA, RFC 9208) after the user's first login created the INBOX
 * (`autocreate_inbox_folders`). Cyrus logs only to syslog (there is none here), so its protocol telemetry is
 * turned on instead: for every user with a directory `<configdirectory>/log/<user>`, imapd writes each session's
 * transcript there (one file per process); `logText()` returns them all.
 *
 * Users: every name in `users` with password `pw-<name>` (no quota), plus `tiny` / `pw-tiny` with a storage
 * quota of `tinyQuotaKb` KiB. INBOX and Sent/Drafts/Trash/Junk/Archive (special-use, unsubscribed) are created
 * at each user's first login.
 */
import {execFile, spawnSync} from 'node:child_process';
import {randomBytes} from 'node:crypto';
import {existsSync} from 'node:fs';
import {chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile} from 'node:fs/promises';
import {connect} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {promisify} from 'node:util';

import {canConnect, freePort, isAlive} from './private-dovecot.js';

const exec = promisify(execFile);

/**
 * Where `.ci/run` unpacks imapd. Not /tmp (where ../shared/tools/cyrus-up.sh puts it): the tests run this binary
 * as root, so it must come from a directory only root can write.
 */
export const CYRUS_ROOT = '/opt/mailshift/cyrus-root';
const BIN = '/usr/lib/cyrus/bin';
const IMAPD = 'usr/lib/cyrus/bin/imapd';

export type CyrusOptions = Readonly<{
	/** Hierarchy separator: '/' (Cyrus 3.x `unixhierarchysep: 1`) or '.' (classic Cyrus). @default '/' */
	separator?: '/' | '.';
	/** Users besides `tiny`. @default ['alice', 'bob', 'carol'] */
	users?: readonly string[];
	/** `tiny`'s storage quota in KiB (RFC 9208 STORAGE). @default 1024 */
	tinyQuotaKb?: number;
	/** The unpacked cyrus-imapd package. @default CYRUS_ROOT */
	root?: string;
}>;

export type PrivateCyrus = Readonly<{
	dir: string;
	host: '127.0.0.1';
	port: number;
	separator: string;
	/** The master process (a session leader: its group holds every imapd). */
	pid: number;
	passwordOf(user: string): string;
	/** Every session transcript written so far (protocol telemetry), each headed by its file name. */
	logText(): Promise<string>;
	/** Idempotent. Stops the master and its children by PID, then removes the dir. */
	stop(): Promise<void>;
}>;

function imapdRoot(root: string | undefined): string | undefined {
	const dir = root ?? CYRUS_ROOT;
	return existsSync(join(dir, IMAPD)) ? dir : undefined;
}

/**
 * Why a private Cyrus cannot run here, or undefined when it can: the caller is not root (master must drop to
 * user cyrus), cyrus-common or sasl2-bin is missing, or imapd has not been unpacked. The reason says how to fix it.
 */
export function cyrusUnavailableReason(root?: string): string | undefined {
	const install = 'apt-get install --no-install-recommends cyrus-common sasl2-bin libsasl2-modules; apt-get download cyrus-imapd; dpkg-deb -x cyrus-imapd_*.deb /opt/mailshift/cyrus-root (see .ci/run)';
	if (!existsSync(join(BIN, 'master')) || !existsSync(join(BIN, 'ctl_cyrusdb'))) return `cyrus-common is not installed (${install})`;
	if (spawnSync('sh', ['-c', 'command -v saslpasswd2'], {stdio: 'ignore'}).status !== 0) return `saslpasswd2 is not installed (${install})`;
	if (imapdRoot(root) === undefined) return `no unpacked Cyrus imapd in ${root ?? CYRUS_ROOT} (${install})`;
	if (process.getuid?.() !== 0) return 'a private Cyrus needs root (its master drops to user cyrus)';
	return undefined;
}

/**
 * A minimal IMAP session on loopback for setup only (first login, SETQUOTA): sends each command, waits for
 * its tagged reply, and throws with the transcript when one is not OK. Bounded: 30 s for the whole session.
 */
async function imapSession(port: number, commands: readonly string[]): Promise<string> {
	const socket = connect({host: '127.0.0.1', port});
	let text = '';
	let waiting: {done: (error?: Error) => void; tag: string | undefined} | undefined;
	const check = (): void => {
		if (!waiting) return;
		const tag = waiting.tag;
		const line = text.split('\r\n').find((l) => (tag === undefined ? l.startsWith('* OK') : l.startsWith(`${tag} `)));
		if (line === undefined) return;
		const w = waiting;
		waiting = undefined;
		w.done(tag === undefined || line.startsWith(`${tag} OK`) ? undefined : new Error(`cyrus setup: ${line}\n${text}`));
	};
	socket.on('data', (chunk: Buffer) => {
		text += chunk.toString('latin1');
		check();
	});
	const closed = new Error('cyrus setup: the connection closed');
	socket.on('error', (error) => waiting?.done(error));
	socket.on('close', () => waiting?.done(closed));
	const reply = (tag: string | undefined): Promise<void> => new Promise<void>((resolve, reject) => {
		waiting = {tag, done: (error) => (error ? reject(error) : resolve())};
		check();
	});
	const timer = setTimeout(() => socket.destroy(new Error(`cyrus setup timed out:\n${text}`)), 30_000);
	try {
		await reply(undefined);
		for (const [i, command] of [...commands, 'LOGOUT'].entries()) {
			socket.write(`s${i} ${command}\r\n`);
			await reply(`s${i}`);
		}
		return text;
	} finally {
		clearTimeout(timer);
		socket.destroy();
	}
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Starts a private Cyrus (see the module comment). Throws with the reason when it cannot run or start. */
export async function startCyrus(options: CyrusOptions = {}): Promise<PrivateCyrus> {
	const unavailable = cyrusUnavailableReason(options.root);
	if (unavailable !== undefined) throw new Error(unavailable);
	const imapd = join(imapdRoot(options.root)!, IMAPD);
	const separator = options.separator ?? '/';
	const users = [...(options.users ?? ['alice', 'bob', 'carol']), 'tiny'];
	const passwordOf = (user: string): string => `pw-${user}`;
	const admin = 'cyrusadmin';
	const adminPassword = randomBytes(12).toString('hex');
	const dir = await mkdtemp(join(tmpdir(), 'mscy.'));
	await chmod(dir, 0o755);
	for (const sub of ['spool', 'sieve', 'tmp', 'lib/socket', 'lib/proc', 'lib/lock', 'lib/db', ...users.map((u) => `lib/log/${u}`)]) {
		await mkdir(join(dir, sub), {recursive: true});
	}
	const sasldb = join(dir, 'sasldb2');
	for (const [user, password] of [[admin, adminPassword], ...users.map((u) => [u, passwordOf(u)])] as const) {
		// The password goes through stdin (-p), never argv.
		const made = spawnSync('saslpasswd2', ['-p', '-c', '-f', sasldb, '-u', 'localhost', user], {input: password, stdio: ['pipe', 'ignore', 'pipe']});
		if (made.status !== 0) throw new Error(`saslpasswd2 failed for ${user}: ${made.stderr?.toString() ?? made.error}`);
	}

	const stopMaster = async (pid: number): Promise<void> => {
		const signalGroup = (signal: NodeJS.Signals): void => {
			try {
				process.kill(-pid, signal);
			} catch {
				try { process.kill(pid, signal); } catch { /* already gone */ }
			}
		};
		if (!isAlive(pid)) return;
		signalGroup('SIGTERM');
		for (let i = 0; i < 40 && isAlive(pid); i++) await sleep(50);
		if (isAlive(pid)) signalGroup('SIGKILL');
		for (let i = 0; i < 20 && isAlive(pid); i++) await sleep(50);
	};

	let lastError = '';
	for (let attempt = 0; attempt < 5; attempt++) {
		const port = await freePort();
		const conf = join(dir, 'imapd.conf');
		await writeFile(conf, `# private mailshift test instance (src/testing/private-cyrus.ts)
configdirectory: ${dir}/lib
partition-default: ${dir}/spool
defaultpartition: default
sievedir: ${dir}/sieve
temp_path: ${dir}/tmp
idlesocket: ${dir}/lib/socket/idle
notifysocket: ${dir}/lib/socket/notify
lmtpsocket: ${dir}/lib/socket/lmtp
servername: localhost
syslog_prefix: mailshift-cyrus-${port}
admins: ${admin}
allowplaintext: 1
sasl_pwcheck_method: auxprop
sasl_auxprop_plugin: sasldb
sasl_sasldb_path: ${sasldb}
sasl_mech_list: PLAIN LOGIN
unixhierarchysep: ${separator === '/' ? 1 : 0}
altnamespace: 1
autocreate_quota: 0
autocreate_inbox_folders: Sent | Drafts | Trash | Junk | Archive
xlist-sent: Sent
xlist-drafts: Drafts
xlist-trash: Trash
xlist-junk: Junk
xlist-archive: Archive
`);
		await writeFile(join(dir, 'cyrus.conf'), `START {
  recover cmd="${BIN}/ctl_cyrusdb -C ${conf} -r"
}
SERVICES {
  imap cmd="${imapd} -C ${conf}" listen="127.0.0.1:${port}" prefork=0 maxchild=100
}
EVENTS {
}
DAEMON {
}
`);
		await exec('chown', ['-R', 'cyrus:mail', dir]);
		await chmod(sasldb, 0o640);
		const pidFile = join(dir, 'master.pid');
		// -d: master daemonizes (setsid) and writes its pid file; its stdio is not kept, so nothing is piped.
		const started = spawnSync(join(BIN, 'master'), ['-C', conf, '-M', join(dir, 'cyrus.conf'), '-p', pidFile, '-d'], {stdio: ['ignore', 'ignore', 'pipe'], timeout: 30_000});
		if (started.status !== 0) {
			lastError = started.stderr?.toString() || String(started.error ?? `master exited with ${started.status}`);
			continue;
		}
		// Up to 15 s: on a loaded 2-core machine the master can take seconds to run `recover` and listen.
		const pidOf = async (): Promise<number> => Number((await readFile(pidFile, 'utf8').catch(() => '')).trim());
		for (let i = 0; i < 300; i++) {
			if ((await pidOf()) > 0 && (await canConnect(port))) break;
			await sleep(50);
		}
		const pid = await pidOf();
		if (pid > 0 && isAlive(pid) && (await canConnect(port))) {
			const server: PrivateCyrus = {
				dir, host: '127.0.0.1', port, separator, pid, passwordOf,
				logText: async () => {
					const parts: string[] = [];
					for (const user of users) {
						for (const file of (await readdir(join(dir, 'lib/log', user)).catch(() => [])).sort()) {
							parts.push(`== ${user}/${file}\n${await readFile(join(dir, 'lib/log', user, file), 'latin1').catch(() => '')}`);
						}
					}
					return parts.join('\n');
				},
				stop: async () => {
					await stopMaster(pid);
					await rm(dir, {recursive: true, force: true});
				},
			};
			try {
				// The first login creates tiny's INBOX; then the admin sets its quota on `user<sep>tiny`.
				await imapSession(port, [`LOGIN tiny ${passwordOf('tiny')}`]);
				await imapSession(port, [`LOGIN ${admin} ${adminPassword}`, `SETQUOTA "user${separator}tiny" (STORAGE ${options.tinyQuotaKb ?? 1024})`]);
			} catch (error) {
				await server.stop();
				throw error;
			}
			return server;
		}
		lastError = `master did not come up on port ${port} (pid ${pid || 'none'})`;
		if (pid > 0) await stopMaster(pid);
		await rm(pidFile, {force: true});
	}
	await rm(dir, {recursive: true, force: true});
	throw new Error(`private cyrus failed to start: ${lastError}`);
}
