/**
 * A private Dovecot (Debian `dovecot-imapd`) on 127.0.0.1, entirely inside one temp dir: its own config,
 * base_dir, state, log, users (passwd-file) and Maildir storage. The system config (/etc/dovecot) is never
 * read or changed; the server is stopped by its master PID. Used by the test suite and `mailshift demo`.
 *
 * Facts it relies on (../shared/research/servers.md §6): as root, login processes run as dovenull and auth
 * as dovecot, so the dir must be 0755 and the passwd-file readable; mail runs as a numeric uid (5000) that
 * needs no /etc/passwd entry (first_valid_uid defaults to 500, so never uid 0). As non-root, every process
 * runs as the caller and chroots are off. `instance_name` differs per instance. unix socket paths are
 * limited to 108 bytes, so the dir lives directly under the OS temp dir with a short name.
 *
 * With `sieve: true` it also runs ManageSieve (RFC 5804, dovecot-managesieved) and LMTP (RFC 2033,
 * dovecot-lmtpd) with the Pigeonhole Sieve plugin on their own free loopback ports, so tests can install a
 * script and deliver mail through it; scripts live in `~/sieve`, the active one is `~/.dovecot.sieve`.
 *
 * Users: every name in `users` with password `pw-<name>` (no quota), plus `tiny` / `pw-tiny` with a storage
 * quota (`tinyQuota`, default 1M) and a per-message limit (`tinyMaxMail`, default 256k).
 */
import {execFile, spawnSync} from 'node:child_process';
import {closeSync, existsSync, openSync, readFileSync} from 'node:fs';
import {chmod, chown, mkdir, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import {createServer, connect} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {promisify} from 'node:util';

const exec = promisify(execFile);

export type DovecotOptions = Readonly<{
	/** Hierarchy separator. @default '/' */
	separator?: '/' | '.';
	/** Personal namespace prefix, e.g. 'INBOX.' (Courier style; needs separator '.'). @default '' */
	prefix?: string;
	/** Also listen with implicit TLS (self-signed certificate for localhost/127.0.0.1). @default false */
	tls?: boolean;
	/** Users besides `tiny`. @default ['alice', 'bob', 'carol'] */
	users?: readonly string[];
	tinyQuota?: string;
	tinyMaxMail?: string;
	/** Create the special-use mailboxes (Sent, Drafts, Trash, Junk, Archive) at first login. @default true */
	specialUse?: boolean;
	/** Extra lines appended to dovecot.conf. */
	extraConfig?: string;
	/**
	 * Also accept OAuth2 logins (XOAUTH2, OAUTHBEARER), validating tokens by RFC 7662 introspection at this URL
	 * (a loopback HTTP server of the test's own).
	 */
	oauth2IntrospectionUrl?: string;
	/** Also run ManageSieve and LMTP with the Sieve plugin (see the module comment). @default false */
	sieve?: boolean;
	/**
	 * Also serve POP3 (RFC 1939, dovecot-pop3d) on a free loopback port, with STLS when `tls`, and POP3S
	 * (implicit TLS) on another when `tls`. UIDLs are Dovecot's `%08Xu%08Xv`. @default false
	 */
	pop3?: boolean;
	/**
	 * Offer COMPRESS=DEFLATE (RFC 4978; Dovecot's zlib + imap_zlib plugins), as Gmail and many Dovecot installs
	 * do. @default false
	 */
	compress?: boolean;
}>;

export type PrivateDovecot = Readonly<{
	dir: string;
	host: '127.0.0.1';
	port: number;
	/** Implicit-TLS port, when `tls` was requested. */
	tlsPort: number | undefined;
	/** ManageSieve port (STARTTLS when `tls`), when `sieve` was requested. */
	managesievePort: number | undefined;
	/** LMTP port (plain, loopback), when `sieve` was requested. */
	lmtpPort: number | undefined;
	/** POP3 port (STLS when `tls`), when `pop3` was requested. */
	pop3Port: number | undefined;
	/** POP3S (implicit TLS) port, when `pop3` and `tls` were requested. */
	pop3sPort: number | undefined;
	separator: string;
	pid: number;
	passwordOf(user: string): string;
	/** Where user's Maildir lives on disk. */
	mailDir(user: string): string;
	logText(): Promise<string>;
	stop(): Promise<void>;
}>;

/** True when the `dovecot` binary is installed (tests skip with a reason otherwise). */
export function isDovecotInstalled(): boolean {
	return existsSync('/usr/sbin/dovecot') || spawnSync('sh', ['-c', 'command -v dovecot'], {stdio: 'ignore'}).status === 0;
}

/** True when ManageSieve, LMTP and the Sieve plugin are installed (Debian dovecot-managesieved, -lmtpd, -sieve). */
export function isSieveInstalled(): boolean {
	return ['/usr/lib/dovecot/managesieve', '/usr/lib/dovecot/managesieve-login', '/usr/lib/dovecot/lmtp', '/usr/lib/dovecot/modules/lib90_sieve_plugin.so'].every((f) => existsSync(f));
}

/** A free TCP port on 127.0.0.1 (the OS picks it; another process may still take it before use: retry). */
export async function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = createServer();
		server.unref();
		server.on('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const address = server.address();
			const port = typeof address === 'object' && address ? address.port : 0;
			server.close(() => resolve(port));
		});
	});
}

/** Whether something accepts a TCP connection on 127.0.0.1:port. */
export function canConnect(port: number): Promise<boolean> {
	return new Promise((resolve) => {
		const socket = connect({host: '127.0.0.1', port});
		socket.once('connect', () => {
			socket.destroy();
			resolve(true);
		});
		socket.once('error', () => resolve(false));
	});
}

/** Whether `pid` runs (a zombie left by a daemon that double-forked counts as gone). */
export function isAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
	} catch {
		return false;
	}
	// A daemon whose parent is a container's PID 1 may stay a zombie (never reaped): that is dead too.
	try {
		const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
		return !/^\d+ \(.*\) Z/.test(stat);
	} catch {
		return true;
	}
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function startDovecot(options: DovecotOptions = {}): Promise<PrivateDovecot> {
	if (!isDovecotInstalled()) throw new Error('dovecot is not installed: apt-get install -y dovecot-imapd');
	if (options.sieve && !isSieveInstalled()) throw new Error('sieve: true needs apt-get install -y dovecot-managesieved dovecot-lmtpd dovecot-sieve');
	const separator = options.separator ?? '/';
	const prefix = options.prefix ?? '';
	const users = options.users ?? ['alice', 'bob', 'carol'];
	const dir = await mkdtemp(join(tmpdir(), 'msdc.'));
	await chmod(dir, 0o755);
	for (const sub of ['run', 'state', 'log', 'mail']) await mkdir(join(dir, sub), {recursive: true});

	const isRoot = process.getuid?.() === 0;
	const uid = isRoot ? 5000 : (process.getuid?.() ?? 1000);
	const gid = isRoot ? 5000 : (process.getgid?.() ?? 1000);
	if (isRoot) await chown(join(dir, 'mail'), uid, gid);
	let privilege = '';
	if (!isRoot) {
		const {stdout: user} = await exec('id', ['-un']);
		const {stdout: group} = await exec('id', ['-gn']);
		privilege = `default_login_user = ${user.trim()}
default_internal_user = ${user.trim()}
default_internal_group = ${group.trim()}
first_valid_uid = ${uid}
first_valid_gid = ${gid}
service anvil {
  chroot =
}
service imap-login {
  chroot =
}
service managesieve-login {
  chroot =
}`;
	}

	const passwordOf = (user: string): string => `pw-${user}`;
	const lines = users.map((u) => `${u}:{PLAIN}${passwordOf(u)}::::::`);
	lines.push(`tiny:{PLAIN}${passwordOf('tiny')}::::::userdb_quota_rule=*:storage=${options.tinyQuota ?? '1M'} userdb_quota_max_mail_size=${options.tinyMaxMail ?? '256k'}`);
	await writeFile(join(dir, 'users'), lines.join('\n') + '\n', {mode: 0o644});

	let port = 0;
	let tlsPort: number | undefined;
	let tlsConfig = 'ssl = no';
	let tlsListener = '  inet_listener imaps {\n    port = 0\n  }';
	if (options.tls) {
		await mkdir(join(dir, 'tls'));
		await exec('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '30', '-subj', '/CN=localhost',
			'-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', join(dir, 'tls/key.pem'), '-out', join(dir, 'tls/cert.pem')]);
		await chmod(join(dir, 'tls/key.pem'), 0o600);
		tlsConfig = `ssl = yes\nssl_cert = <${dir}/tls/cert.pem\nssl_key = <${dir}/tls/key.pem`;
	}

	const special = options.specialUse ?? true;
	const mailbox = (name: string, use: string): string => `  mailbox ${name} {\n    special_use = ${use}\n${special ? '    auto = subscribe\n' : ''}  }`;

	let lastError = '';
	let managesievePort: number | undefined;
	let lmtpPort: number | undefined;
	let pop3Port: number | undefined;
	let pop3sPort: number | undefined;
	for (let attempt = 0; attempt < 5; attempt++) {
		port = await freePort();
		let sieveConfig = '';
		if (options.sieve) {
			managesievePort = await freePort();
			lmtpPort = await freePort();
			sieveConfig = `
service managesieve-login {
  inet_listener sieve {
    address = 127.0.0.1
    port = ${managesievePort}
  }
}
service lmtp {
  inet_listener lmtp {
    address = 127.0.0.1
    port = ${lmtpPort}
  }
}
protocol lmtp {
  mail_plugins = $mail_plugins sieve
  postmaster_address = postmaster@localhost
}
plugin {
  sieve = file:~/sieve;active=~/.dovecot.sieve
}
`;
		}
		if (options.pop3) {
			pop3Port = await freePort();
			pop3sPort = options.tls ? await freePort() : undefined;
			sieveConfig += `
service pop3-login {
  inet_listener pop3 {
    address = 127.0.0.1
    port = ${pop3Port}
  }
  inet_listener pop3s {
    address = 127.0.0.1
    port = ${pop3sPort ?? 0}
${pop3sPort === undefined ? '' : '    ssl = yes\n'}  }
}
protocol pop3 {
  pop3_uidl_format = %08Xu%08Xv
}
`;
		}
		if (options.tls) {
			tlsPort = await freePort();
			tlsListener = `  inet_listener imaps {\n    address = 127.0.0.1\n    port = ${tlsPort}\n    ssl = yes\n  }`;
		}
		const conf = `# private mailshift test instance (src/testing/private-dovecot.ts)
instance_name = mailshift-${port}
base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${dir}/log/dovecot.log
info_log_path = ${dir}/log/dovecot.log
debug_log_path = ${dir}/log/dovecot.log
protocols = imap${options.sieve ? ' sieve lmtp' : ''}${options.pop3 ? ' pop3' : ''}
listen = 127.0.0.1
${tlsConfig}
disable_plaintext_auth = no
auth_mechanisms = plain login${options.oauth2IntrospectionUrl ? ' xoauth2 oauthbearer' : ''}
${privilege}
${options.oauth2IntrospectionUrl ? `passdb {
  driver = oauth2
  args = ${dir}/oauth2.conf.ext
}
` : ''}
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%n ${dir}/users
}
userdb {
  driver = passwd-file
  args = username_format=%n ${dir}/users
  default_fields = uid=${uid} gid=${gid} home=${dir}/mail/%n
}

mail_location = maildir:~/Maildir
mail_plugins = $mail_plugins quota${options.compress ? ' zlib' : ''}

namespace inbox {
  inbox = yes
  separator = ${separator}
  prefix = ${prefix}
${mailbox('Drafts', '\\Drafts')}
${mailbox('Sent', '\\Sent')}
${mailbox('Trash', '\\Trash')}
${mailbox('Junk', '\\Junk')}
${mailbox('Archive', '\\Archive')}
}

plugin {
  quota = count:User quota
  quota_vsizes = yes
}

protocol imap {
  mail_plugins = $mail_plugins imap_quota${options.compress ? ' imap_zlib' : ''}
}

service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
${tlsListener}
}
${sieveConfig}${options.extraConfig ?? ''}
`;
		if (options.oauth2IntrospectionUrl) {
			await writeFile(join(dir, 'oauth2.conf.ext'), `introspection_mode = post\nintrospection_url = ${options.oauth2IntrospectionUrl}\nusername_attribute = username\nactive_attribute = active\nactive_value = true\n`, {mode: 0o644});
		}
		const confPath = join(dir, 'dovecot.conf');
		await writeFile(confPath, conf);
		// dovecot daemonizes; its children inherit stdio, so never pipe them (the pipe would never close).
		const errFile = join(dir, 'log', 'start.err');
		const errFd = openSync(errFile, 'w');
		let started;
		try {
			started = spawnSync('dovecot', ['-c', confPath], {stdio: ['ignore', 'ignore', errFd], timeout: 30_000});
		} finally {
			closeSync(errFd);
		}
		if (started.status !== 0) {
			lastError = (await readFile(errFile, 'utf8').catch(() => '')) || String(started.error ?? `dovecot exited with ${started.status}`);
			continue;
		}
		const allExtraListening = async (): Promise<boolean> =>
			(managesievePort === undefined || (await canConnect(managesievePort))) && (lmtpPort === undefined || (await canConnect(lmtpPort))) && (pop3Port === undefined || (await canConnect(pop3Port)));
		// Up to 15 s: on a loaded 2-core machine the master can take several seconds to write its pid file.
		for (let i = 0; i < 300; i++) {
			if (existsSync(join(dir, 'run/master.pid')) && (await canConnect(port)) && (await allExtraListening())) break;
			await sleep(50);
		}
		const pidText = await readFile(join(dir, 'run/master.pid'), 'utf8').catch(() => '');
		const pid = Number(pidText.trim());
		if (pid > 0 && isAlive(pid) && (await canConnect(port))) {
			return {
				dir, host: '127.0.0.1', port, tlsPort, managesievePort, lmtpPort, pop3Port, pop3sPort, separator, pid, passwordOf,
				mailDir: (user) => join(dir, 'mail', user, 'Maildir'),
				logText: () => readFile(join(dir, 'log/dovecot.log'), 'utf8').catch(() => ''),
				stop: async () => {
					// The master is a session leader (setsid), so -pid is its whole process group. A graceful
					// Dovecot shutdown waits seconds for its children; a throwaway server gets 1 s, then SIGKILL.
					const signalGroup = (signal: NodeJS.Signals): void => {
						try {
							process.kill(-pid, signal);
						} catch {
							try { process.kill(pid, signal); } catch { /* already gone */ }
						}
					};
					if (isAlive(pid)) {
						signalGroup('SIGTERM');
						for (let i = 0; i < 20 && isAlive(pid); i++) await sleep(50);
						if (isAlive(pid)) signalGroup('SIGKILL');
						for (let i = 0; i < 20 && isAlive(pid); i++) await sleep(50);
					}
					await rm(dir, {recursive: true, force: true});
				},
			};
		}
		lastError = await readFile(join(dir, 'log/dovecot.log'), 'utf8').catch(() => 'no log');
		// Before the next attempt (same base_dir): the master may have come up after all, late; stop it and
		// its children, or the next attempt fails with "Dovecot is already running".
		await sleep(500);
		const latePid = pid > 0 ? pid : Number((await readFile(join(dir, 'run/master.pid'), 'utf8').catch(() => '')).trim());
		if (latePid > 0 && isAlive(latePid)) {
			try {
				process.kill(-latePid, 'SIGKILL');
			} catch {
				try { process.kill(latePid, 'SIGKILL'); } catch { /* already gone */ }
			}
			for (let i = 0; i < 20 && isAlive(latePid); i++) await sleep(50);
		}
		await rm(join(dir, 'run/master.pid'), {force: true});
	}
	await rm(dir, {recursive: true, force: true});
	throw new Error(`private dovecot failed to start: ${lastError}`);
}
