/**
 * WizardServices for the real world: store discovery on this machine, server guesses, a connection test,
 * folder planning and starting a migration — the wizard (src/tui/wizard.tsx) knows only the interface.
 */
import {promises as dns} from 'node:dns';
import {promises as fs} from 'node:fs';
import {homedir} from 'node:os';
import {basename, dirname, join, resolve} from 'node:path';
import {Writable} from 'node:stream';
import {resolveMigrateConfig} from '../config/resolve.js';
import {EngineControls} from '../contracts/controls.js';
import {toMailshiftError} from '../contracts/errors.js';
import {StatsStore} from '../engine/stats.js';
import {parseMapRule, planFolders} from '../mapper/folder-map.js';
import {prepareRules, sieveAccessFor} from '../rules/rules-job.js';
import {filterFileFor} from './migrate-rules.js';
import {isSkip, mapMessage} from '../mapper/map-message.js';
import {discoverStores, NOT_READABLE_YET} from '../discovery/discover-stores.js';
import {openSource} from '../readers/open-source.js';
import {storeSize} from '../readers/store-size.js';
import {ImapSink} from '../uploader/imap-sink.js';
import {describeTarget, parseImapUrl} from '../uploader/imap-target.js';
import type {ImapTarget} from '../uploader/imap-target.js';
import {fetchCertificate, readCaFile} from '../uploader/tls-pin.js';
import type {Account, ConnectionReport, FoundStore, PlannedFolder, RulesPreview, ServerGuess, StoreDetails, StoreKind, WizardServices, MigrationStart, RunningMigration} from './wizard-services.js';
import type {CliIo} from './migrate.js';
import {runMigrate} from './migrate.js';
import {runBackupCommand} from './backup.js';
import {ExitCode} from '../contracts/exit-codes.js';
import type {FinishInfo} from './finish-info.js';
import {shellCommand} from '../util/shell-quote.js';

/** Well-known providers (their published IMAP settings). */
const PROVIDERS: ReadonlyArray<readonly [RegExp, string]> = [
	[/^(gmail|googlemail)\.com$/, 'imap.gmail.com'],
	[/^(outlook|hotmail|live|msn)\.[a-z.]+$/, 'outlook.office365.com'],
	[/^(yahoo|ymail)\.[a-z.]+$/, 'imap.mail.yahoo.com'],
	[/^(icloud|me|mac)\.com$/, 'imap.mail.me.com'],
	[/^aol\.com$/, 'imap.aol.com'],
	[/^gmx\.(net|de|at|ch|com)$/, 'imap.gmx.net'],
	[/^web\.de$/, 'imap.web.de'],
	[/^t-online\.de$/, 'secureimap.t-online.de'],
	[/^posteo\.(de|net)$/, 'posteo.de'],
	[/^mailbox\.org$/, 'imap.mailbox.org'],
	[/^fastmail\.(com|fm)$/, 'imap.fastmail.com'],
	[/^zoho\.(com|eu)$/, 'imap.zoho.com'],
	[/^yandex\.(com|ru)$/, 'imap.yandex.com'],
	[/^orange\.fr$/, 'imap.orange.fr'],
	[/^free\.fr$/, 'imap.free.fr'],
	[/^(libero|virgilio)\.it$/, 'imapmail.libero.it'],
];

/** Hints for the guided mode, where the CLI's hints would name options it does not have. */
const GUIDED_HINTS: Readonly<Partial<Record<string, string>>> = {
	AUTH_FAILED: 'Check the user name and the password. Gmail, iCloud, Yahoo and Outlook.com want an app password (made in the account\'s security settings).',
	THROTTLED: 'The server allows no more connections now: close other mail programs of this account for a minute, then try again.',
};

function kindOf(path: string): StoreKind | undefined {
	return /\.(pst|ost)$/i.test(path) ? 'pst' : undefined;
}

/**
 * `sievePort`: where ManageSieve listens on the IMAP host (`mailshift tui --sieve-port`). @default 4190
 */
export function createWizardServices(io: CliIo, options: Readonly<{sievePort?: number}> = {}): WizardServices {
	const sievePort = options.sievePort ?? 4190;
	const env = io.env;
	const home = env['HOME'] || homedir();
	const details = new Map<string, StoreDetails>();
	/** Message counts per folder found by `inspect` (mbox folders have none until read), by store path. */
	const counted = new Map<string, Map<string, number>>();
	return {
		canBackup: true,

		async discover() {
			const stores = await discoverStores({home, env});
			return stores.map((store): FoundStore => ({
				path: store.path, kind: store.kind, label: store.readable ? store.label : `${store.label} — ${NOT_READABLE_YET}`,
				...(store.bytes === undefined ? {} : {bytes: store.bytes}),
			}));
		},

		async inspect(path, signal) {
			const absolute = resolve(path.replace(/^~(?=\/|$)/, home));
			const store = await openSource(absolute, undefined);
			try {
				const folders = await store.listFolders(signal);
				let messages = 0;
				const perFolder = new Map<string, number>();
				// Counted as `discover` counts (discover-stores.ts): mail only — contacts and calendars are not messages.
				const mailFolders = folders.filter((folder) => folder.holdsMail !== false);
				for (const folder of mailFolders) {
					let n = folder.count ?? 0;
					if (folder.count === undefined) for await (const message of store.messages(folder, signal)) if (message.skipHint !== 'not-mail') n++;
					perFolder.set(folder.path.join('/'), n);
					messages += n;
				}
				counted.set(absolute, perFolder);
				const result: StoreDetails = {kind: kindOf(absolute) ?? store.kind, folders: mailFolders.length, messages, bytes: (await storeSize(store, folders, signal)) ?? 0};
				details.set(absolute, result);
				return result;
			} finally {
				await store.close();
			}
		},

		async complete(partial) {
			const expanded = partial.replace(/^~(?=\/|$)/, home);
			const dir = expanded.endsWith('/') ? expanded : dirname(expanded);
			const prefix = expanded.endsWith('/') ? '' : basename(expanded);
			const entries = await fs.readdir(dir || '.', {withFileTypes: true}).catch(() => []);
			return entries.filter((e) => e.name.startsWith(prefix) && !e.name.startsWith('.')).slice(0, 50)
				.map((e) => join(dir, e.name) + (e.isDirectory() ? '/' : ''));
		},

		async guessServer(email) {
			const domain = (email.split('@')[1] ?? '').toLowerCase().trim();
			if (!domain) return {host: 'localhost', port: 993, security: 'tls', source: 'guess'} satisfies ServerGuess;
			if (/^[\d.]+$/.test(domain) || domain === 'localhost') return {host: domain, port: 143, security: 'starttls', source: 'guess'};
			for (const [pattern, host] of PROVIDERS) if (pattern.test(domain)) return {host, port: 993, security: 'tls', source: 'provider'};
			try {
				// RFC 6186: _imaps._tcp.<domain> SRV; a "." target means "no IMAPS here".
				const records = await Promise.race([dns.resolveSrv(`_imaps._tcp.${domain}`), new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), 2000))]);
				const best = records.filter((r) => r.name !== '.').sort((a, b) => a.priority - b.priority || b.weight - a.weight)[0];
				if (best) return {host: best.name, port: best.port, security: 'tls', source: 'srv'};
			} catch {
				// no SRV record: fall through
			}
			return {host: `imap.${domain}`, port: 993, security: 'tls', source: 'guess'};
		},

		async testConnection(account) {
			let target: ImapTarget;
			try {
				target = toTarget(account, home);
			} catch (error) {
				// The CA file could not be used: show the certificate again, so another file or a pin can be chosen.
				const e = toMailshiftError(error);
				const {caFile: _, ...withoutCa} = account;
				const certificate = account.caFile ? await fetchCertificate(toTarget(withoutCa, home)).catch(() => undefined) : undefined;
				return {ok: false, error: e.message, ...(certificate ? {certificate} : e.hint ? {hint: e.hint} : {})};
			}
			try {
				const sink = await ImapSink.connect({target, password: account.password, size: 1});
				try {
					const started = Date.now();
					for (let i = 0; i < 3; i++) await sink.ping();
					const roundTripMs = Math.round((Date.now() - started) / 3);
					const quota = await sink.quota();
					const specialFolders = Object.fromEntries([...sink.layout().specialUse].map(([role, box]) => [role, box]));
					return {
						ok: true, roundTripMs, specialFolders, capabilities: [...sink.capabilities()].map(([name, value]) => (typeof value === 'number' ? `${name}=${value}` : name)),
						tls: target.implicitTls ? 'TLS' : sink.isSecure() ? 'STARTTLS' : 'no encryption (local connection)',
						...(quota ? {quota} : {}),
					} satisfies ConnectionReport;
				} finally {
					await sink.close();
				}
			} catch (error) {
				const e = toMailshiftError(error);
				// The guided mode has no options: its hints name what a person can do on its screens.
				if (e.code === 'TLS_FAILED') {
					const certificate = await fetchCertificate(target).catch(() => undefined);
					if (certificate && certificate.sha256 !== account.tlsFingerprint) return {ok: false, error: e.message, certificate};
					return {ok: false, error: e.message, hint: 'Check the server: imaps:// is TLS from the start (usually port 993), imap:// starts with STARTTLS (usually 143).'};
				}
				const hint = GUIDED_HINTS[e.code] ?? e.hint;
				return {ok: false, error: e.message, ...(hint ? {hint} : {})};
			}
		},

		async planFolders(source, account, prefix, rules = []) {
			const absolute = resolve(source.replace(/^~(?=\/|$)/, home));
			const store = await openSource(absolute, undefined);
			const sink = await ImapSink.connect({target: toTarget(account, home), password: account.password, size: 1});
			try {
				const folders = await store.listFolders();
				const existing = new Map(sink.mailboxPaths().map((m) => [m.toLowerCase(), m] as const));
				const fallbackDate = (await fs.stat(absolute)).mtime;
				const planned: PlannedFolder[] = [];
				for (const p of planFolders(folders, sink.layout(), {...(prefix ? {prefix} : {}), rules})) {
					if (p.mailbox === undefined) continue;
					// What is already there (POP "leave a copy on server"): counted the way the migration will skip
					// it, but only where the target folder exists and holds mail — a new account costs nothing here.
					let alreadyOnServer: number | undefined;
					const serverPath = existing.get(p.mailbox.toLowerCase());
					if (serverPath && p.folder.holdsMail !== false) {
						const state = await sink.mailboxState(serverPath);
						if (state.exists > 0) {
							const index = await sink.loadIndex(serverPath);
							alreadyOnServer = 0;
							for await (const message of store.messages(p.folder)) {
								const mapped = mapMessage(message, serverPath, {includeTrashed: false, now: Date.now(), fallbackDate});
								if (!isSkip(mapped) && (await index.claim(mapped.job))) alreadyOnServer++;
							}
						}
					}
					const count = p.folder.count ?? counted.get(absolute)?.get(p.label);
					planned.push({label: p.label, mailbox: p.mailbox, rule: p.rule, ...(p.folder.holdsMail === false ? {isNotMail: true} : {}),
						...(count === undefined ? {} : {count}), ...(p.folder.bytes === undefined ? {} : {bytes: p.folder.bytes}),
						...(alreadyOnServer ? {alreadyOnServer} : {})});
				}
				return planned;
			} finally {
				await sink.close();
				await store.close();
			}
		},

		async previewRules(source, account, mapping): Promise<RulesPreview | undefined> {
			const absolute = resolve(source.replace(/^~(?=\/|$)/, home));
			let file: string;
			try {
				file = filterFileFor(absolute);
			} catch {
				return undefined;
			}
			const base = {defaultOutFile: join(home, 'mailshift-rules.sieve'), hasManageSieve: false, hasInclude: false};
			try {
				const target = toTarget(account, home);
				const store = await openSource(absolute, undefined);
				const sink = await ImapSink.connect({target, password: account.password, size: 1});
				let folders;
				let layout;
				try {
					folders = await store.listFolders();
					layout = sink.layout();
				} finally {
					await sink.close();
					await store.close();
				}
				const prepared = await prepareRules({
					filterFile: file, folders, layout, sieve: sieveAccessFor(target, {user: target.user, password: account.password}, sievePort),
					mapOptions: {...(mapping.prefix ? {prefix: mapping.prefix} : {}), rules: mapping.rules.map((r) => parseMapRule(`${r.from}=${r.to}`)), excludes: [...mapping.excludes]},
				});
				if (prepared.counts.filters === 0) return undefined;
				const server = prepared.server;
				return {
					...base, filters: prepared.counts.filters, serverRules: prepared.counts.serverRules,
					local: prepared.translation.plan.filter((p) => p.status === 'not-carried').map((p) => ({name: p.name, reason: p.reasons[0] ?? 'it cannot run on a server'})),
					hasManageSieve: server?.available === true, hasInclude: server?.available === true && server.hasInclude,
					...(server?.available && server.otherActive ? {activeScript: server.otherActive} : {}),
				};
			} catch (error) {
				return {...base, filters: 0, serverRules: 0, local: [], problem: toMailshiftError(error).message};
			}
		},

		async startMigration(start: MigrationStart): Promise<RunningMigration> {
			const target = toTarget(start.account, home);
			const caFile = start.account.caFile ? resolve(start.account.caFile.replace(/^~(?=\/|$)/, home)) : undefined;
			const url = describeTarget(target);
			const resolved = resolveMigrateConfig({
				source: resolve(start.source.replace(/^~(?=\/|$)/, home)), to: url, insecure: start.account.insecure, connections: start.connections,
				...(start.account.tlsFingerprint ? {tlsFingerprint: start.account.tlsFingerprint} : {}), ...(caFile ? {caFile} : {}),
				exclude: [...start.excludes], ...(start.prefix ? {prefix: start.prefix} : {}), stats: 0,
				map: (start.rules ?? []).map((r) => `${r.from}=${r.to}`),
			}, env);
			const config = start.sieveRules
				? {...resolved, sieveRules: {install: start.sieveRules.install, onActive: start.sieveRules.onActive, sievePort, allowRedirect: false, allowDiscard: false, ...(start.sieveRules.outFile ? {out: start.sieveRules.outFile} : {})}}
				: resolved;
			const stats = new StatsStore();
			const controls = new EngineControls();
			const quiet = new Writable({write: (_chunk, _enc, done) => done()}) as unknown as NodeJS.WriteStream;
			const silentIo: CliIo = {
				...io, stdout: quiet, stderr: quiet, env: {...env, MAILSHIFT_PASSWORD: start.account.password},
				...wizardCommands(config.source, url, {...start, tlsFingerprint: start.account.tlsFingerprint, caFile}),
			};
			const run = async (): Promise<FinishInfo> => {
				if (start.backupDir) {
					stats.apply({type: 'notice', message: `Backing up ${config.source} into ${start.backupDir} first…`});
					const out = resolve(start.backupDir.replace(/^~(?=\/|$)/, home));
					const backupExit = await runBackupCommand({source: config.source, out, stats: 0, reuseComplete: true}, silentIo);
					if (backupExit !== ExitCode.OK) {
						return {interrupted: true, dryRun: false, error: `The backup into ${out} did not complete (exit ${backupExit}); nothing was uploaded. Run \`${shellCommand(['mailshift', 'backup', config.source, '--out', out])}\` to see why.`};
					}
					stats.apply({type: 'notice', message: `Backup complete and verified: ${out}`});
				}
				const outcome = await runMigrate(config, silentIo, {stats, controls});
				return outcome.finish ?? {interrupted: true, dryRun: false, error: 'the migration could not start'};
			};
			const done = run();
			return {store: stats, controls, title: `${config.source} → ${url}`, done};
		},
	};
}

/**
 * The commands the finish screen prints (resume, verify): shell-quoted, with the same mapping as the run (a
 * resume with another mapping would upload into other folders), and no password (the CLI asks for it).
 */
export function wizardCommands(source: string, url: string, start: Pick<MigrationStart, 'prefix' | 'rules' | 'excludes'> & {tlsFingerprint?: string | undefined; caFile?: string | undefined}): {commandLine: string; verifyCommand: string} {
	const options = [
		'--to', url,
		...(start.tlsFingerprint ? ['--tls-fingerprint', start.tlsFingerprint] : []),
		...(start.caFile ? ['--ca-file', start.caFile] : []),
		...(start.prefix ? ['--prefix', start.prefix] : []),
		...(start.rules ?? []).flatMap((r) => ['--map', `${r.from}=${r.to}`]),
		...start.excludes.flatMap((e) => ['--exclude', e]),
	];
	return {commandLine: shellCommand(['mailshift', 'migrate', source, ...options]), verifyCommand: shellCommand(['mailshift', 'verify', source, ...options])};
}

function toTarget(account: Account, home: string): ImapTarget {
	const scheme = account.security === 'tls' ? 'imaps' : 'imap';
	const user = account.user.includes(':') ? encodeURIComponent(account.user) : account.user;
	const target = parseImapUrl(`${scheme}://${user}@${account.host.includes(':') ? `[${account.host}]` : account.host}:${account.port}`, account.insecure);
	return {...target, ...(account.tlsFingerprint ? {tlsFingerprint: account.tlsFingerprint} : {}), ...(account.caFile ? {ca: readCaFile(resolve(account.caFile.replace(/^~(?=\/|$)/, home)))} : {})};
}
