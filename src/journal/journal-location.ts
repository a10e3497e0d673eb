/**
 * Where a migration's journal lives by default, and the identity a resume must match.
 *
 * Default: `$XDG_STATE_HOME/mailshift/journals/<source name>-<hash>.sqlite` (XDG Base Directory spec;
 * `~/.local/state` when unset), one file per (source, destination) pair, so re-running the same command finds
 * the same journal and a different destination gets its own. The config hash also covers the folder mapping:
 * resuming into the same account with a different mapping would put messages in other folders, so it is
 * refused unless --new-journal.
 *
 * The pair is keyed on canonical names (`migrationKey`), so that one mailbox written two ways gets one journal
 * and one lock: two runs under two spellings would otherwise upload everything twice, at the same time.
 * - Source: the real path (symbolic links resolved, `.`/`..`/trailing slashes gone), each component spelled as
 *   it is stored (on a file system that ignores case, `~/mail` and `~/Mail` are one directory: the stored name
 *   is the one whose device and inode are those of the given one).
 * - Destination: user, port and host; the user case-insensitive (Dovecot's default `auth_username_format = %Lu`,
 *   Gmail and Microsoft 365 fold it: `FRANK` and `frank` are one account, and two keys would upload twice at
 *   once; on a server where case matters, two such accounts share a lock and the second run is refused — never
 *   a duplicate); the host case-insensitive (RFC 4343), parsed as a URL host (IPv4 forms
 *   such as `127.1`, IPv6 forms, IDNA, a trailing dot), and every loopback name or address (`localhost`,
 *   `*.localhost` per RFC 6761, 127.0.0.0/8, ::1, ::ffff:127.0.0.0/104) is one host. Names are not resolved
 *   through DNS: the addresses of a provider's name change between lookups (round-robin DNS), and a key that
 *   changed would lose the journal of a migration resumed the next day; two names of one server meet instead
 *   on the run-time address lock (destination-lock.ts), which need only be right while a run lives. The scheme is not part of the key
 *   (a port speaks either implicit TLS or STARTTLS).
 *
 * Earlier versions hashed the spelling given (`legacyJournalPath`, `legacyConfigHash`): such a journal is still
 * found and resumed (SqliteJournal.open moves it to the canonical place).
 */
import {createHash} from 'node:crypto';
import {lstatSync, readdirSync, realpathSync} from 'node:fs';
import {BlockList} from 'node:net';
import {homedir} from 'node:os';
import {basename, join, parse, sep} from 'node:path';
import type {JournalRun} from '../contracts/journal.js';

/**
 * The destination account as plain values (an uploader `ImapTarget` fits): the journal layer knows no
 * uploader or mapper types, only the strings and numbers that name a migration.
 */
export type Destination = Readonly<{host: string; port: number; user: string; implicitTls: boolean}>;

export type MigrationIdentity = Readonly<{
	source: string;
	target: Destination;
	prefix: string | undefined;
	/** `--map` rules as given (Local → Remote). */
	rules: readonly Readonly<{from: string; to: string}>[];
	excludes: readonly string[];
}>;

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');
LOOPBACK.addSubnet('::ffff:127.0.0.0', 104, 'ipv6');

/**
 * The source path as the file system knows it (see the file comment). A path that does not exist (yet) is
 * returned as given: opening it fails later with its own error. Pure apart from reading the file system.
 */
export function canonicalSource(path: string): string {
	let real: string;
	try {
		real = realpathSync.native(path);
	} catch {
		return path;
	}
	const {root} = parse(real);
	let current = root;
	for (const part of real.slice(root.length).split(sep)) {
		if (!part) continue;
		current = join(current, storedName(current, part));
	}
	return current;
}

/** How `name` is stored in `dir`: itself, or (on a file system that ignores case) the entry that is the same file. */
function storedName(dir: string, name: string): string {
	let names: string[];
	try {
		names = readdirSync(dir);
	} catch {
		return name; // a directory we may pass through but not list: keep the spelling given
	}
	if (names.includes(name)) return name;
	try {
		const target = lstatSync(join(dir, name), {bigint: true});
		const folded = name.normalize('NFC').toLowerCase();
		for (const candidate of names) {
			if (candidate.normalize('NFC').toLowerCase() !== folded) continue;
			const info = lstatSync(join(dir, candidate), {bigint: true});
			if (info.dev === target.dev && info.ino === target.ino) return candidate;
		}
	} catch {
		// vanished meanwhile: keep the spelling given
	}
	return name;
}

/** The host as one name for all its spellings (see the file comment). */
export function canonicalHost(host: string): string {
	let name = host.trim().replace(/^\[(.*)\]$/, '$1');
	try {
		// WHATWG URL host parsing: lower case, IDNA to punycode, IPv4 shorthand and hex, IPv6 compression.
		name = new URL(`http://${name.includes(':') ? `[${name}]` : name}/`).hostname;
	} catch {
		name = name.toLowerCase();
	}
	name = name.replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');
	const family = name.includes(':') ? 'ipv6' : /^\d+\.\d+\.\d+\.\d+$/.test(name) ? 'ipv4' : undefined;
	if (name === 'localhost' || name.endsWith('.localhost') || (family !== undefined && LOOPBACK.check(name, family))) return 'localhost';
	return name;
}

/**
 * The destination as the user spelled it, `imap[s]://user@host:port`: the same text as uploader/imap-target.ts
 * `describeTarget`, which journals written before canonical keys hashed (legacyJournalPath, journalRun's
 * legacyConfigHash); test/journal/journal-location.test.ts resumes such a journal.
 */
function destinationUrl(target: Destination): string {
	const host = target.host.includes(':') ? `[${target.host}]` : target.host;
	return `${target.implicitTls ? 'imaps' : 'imap'}://${target.user}@${host}:${target.port}`;
}

/** The destination account as one string for all its spellings: `user@host:port`. */
export function canonicalDestination(target: Destination): string {
	const host = canonicalHost(target.host);
	return `${target.user.toLowerCase()}@${host.includes(':') ? `[${host}]` : host}:${target.port}`;
}

/**
 * The identity of a (source, destination) pair: equal for every spelling of the same mailbox and account.
 * Keys the default journal (and so its lock) and batch's duplicate-row check.
 */
export function migrationKey(source: string, target: Destination): string {
	return `${canonicalSource(source)}\n${canonicalDestination(target)}`;
}

function journalsDir(env: NodeJS.ProcessEnv): string {
	const stateHome = env['XDG_STATE_HOME'] || join(env['HOME'] || homedir(), '.local', 'state');
	return join(stateHome, 'mailshift', 'journals');
}

/** Where run-time destination locks live (destination-lock.ts): beside the journals, whatever --journal says. */
export function destinationLocksDir(env: NodeJS.ProcessEnv): string {
	return join(journalsDir(env), '..', 'locks');
}

function journalFileName(source: string, hashed: string): string {
	const hash = createHash('sha256').update(hashed).digest('hex').slice(0, 16);
	const name = basename(source).replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 40) || 'store';
	return `${name}-${hash}.sqlite`;
}

/** The default journal of a (source, destination) pair, keyed on `migrationKey`. */
export function defaultJournalPath(identity: Pick<MigrationIdentity, 'source' | 'target'>, env: NodeJS.ProcessEnv): string {
	return join(journalsDir(env), journalFileName(canonicalSource(identity.source), migrationKey(identity.source, identity.target)));
}

/**
 * Where versions before canonical keys put the default journal of this spelling (the absolute source path
 * and the destination URL as given). Undefined when it is the same file as the canonical one.
 */
export function legacyJournalPath(identity: Pick<MigrationIdentity, 'source' | 'target'>, env: NodeJS.ProcessEnv): string | undefined {
	const legacy = join(journalsDir(env), journalFileName(identity.source, `${identity.source}\n${destinationUrl(identity.target)}`));
	return legacy === defaultJournalPath(identity, env) ? undefined : legacy;
}

function configHash(source: string, target: string, identity: MigrationIdentity): string {
	const canonical = JSON.stringify({
		source, target, prefix: identity.prefix ?? null,
		rules: identity.rules.map((r) => [r.from, r.to]), excludes: [...identity.excludes],
	});
	return createHash('sha256').update(canonical).digest('hex');
}

/**
 * What a resume must match (source, destination, mapping), for SqliteJournal.open: hashed over canonical
 * names, so that any spelling of the same migration matches, plus the hash versions before canonical keys
 * stored for this spelling. Reads the file system (canonicalSource); no other effects.
 */
export function journalRun(identity: MigrationIdentity): JournalRun {
	const description = `${identity.source} → ${destinationUrl(identity.target)}${identity.prefix ? `, prefix "${identity.prefix}"` : ''}`
		+ `${identity.rules.length ? `, map ${identity.rules.map((r) => `'${r.from}=${r.to}'`).join(' ')}` : ''}`
		+ `${identity.excludes.length ? `, exclude ${identity.excludes.map((e) => `'${e}'`).join(' ')}` : ''}`;
	return {
		configHash: configHash(canonicalSource(identity.source), canonicalDestination(identity.target), identity),
		// What versions before canonical keys stored for this spelling: the same migration.
		legacyConfigHash: configHash(identity.source, destinationUrl(identity.target), identity),
		configDescription: description,
	};
}
