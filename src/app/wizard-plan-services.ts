/**
 * The wizard's planning services: the folder plan against the destination (with what is already on the
 * server, counted the way the migration skips it) and the preview of the store's mail-program filters as
 * Sieve rules (issue #17). Read-only: they change nothing on the server. Part of createWizardServices.
 */
import {promises as fs} from 'node:fs';
import {join, resolve} from 'node:path';
import {toMailshiftError} from '../contracts/errors.js';
import {parseMapRule, planFolders} from '../mapper/folder-map.js';
import {isSkip, mapMessage} from '../mapper/map-message.js';
import {prepareRules, sieveAccessFor} from '../rules/rules-job.js';
import {openSource} from '../readers/open-source.js';
import {ImapSink} from '../uploader/imap-sink.js';
import {filterFileFor} from './migrate-rules.js';
import type {PlannedFolder, RulesPreview, WizardServices} from './wizard-services.js';
import {expandHome, toTarget} from './wizard-context.js';
import type {WizardContext} from './wizard-context.js';

/** `planFolders`, `previewRules`: where each folder goes (and what is already there), and the store's filters as server rules. */
export function planServices(ctx: WizardContext): Pick<WizardServices, 'planFolders' | 'previewRules'> {
	const {home, counted, sievePort} = ctx;
	return {
		async planFolders(source, account, prefix, rules = []) {
			const absolute = resolve(expandHome(source, home));
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
			const absolute = resolve(expandHome(source, home));
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
	};
}
