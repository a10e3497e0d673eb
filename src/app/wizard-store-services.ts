/**
 * The wizard's services about local stores: discovery on this machine, a store's counts (kept in the context
 * for the folder plan), and path completion. Part of createWizardServices.
 */
import {promises as fs} from 'node:fs';
import {basename, dirname, join, resolve} from 'node:path';
import {discoverStores, NOT_READABLE_YET} from '../discovery/discover-stores.js';
import {openSource} from '../readers/open-source.js';
import {storeSize} from '../readers/store-size.js';
import type {FoundStore, StoreDetails, StoreKind, WizardServices} from './wizard-services.js';
import {expandHome} from './wizard-context.js';
import type {WizardContext} from './wizard-context.js';

function kindOf(path: string): StoreKind | undefined {
	return /\.(pst|ost)$/i.test(path) ? 'pst' : undefined;
}

/** `discover`, `inspect`, `complete`: the stores on this machine, and paths as the person types them. */
export function storeServices(ctx: WizardContext): Pick<WizardServices, 'discover' | 'inspect' | 'complete'> {
	const {home, env, details, counted} = ctx;
	return {
		async discover() {
			const stores = await discoverStores({home, env});
			return stores.map((store): FoundStore => ({
				path: store.path, kind: store.kind, label: store.readable ? store.label : `${store.label} — ${NOT_READABLE_YET}`,
				...(store.bytes === undefined ? {} : {bytes: store.bytes}),
			}));
		},
		async inspect(path, signal) {
			const absolute = resolve(expandHome(path, home));
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
			const expanded = expandHome(partial, home);
			const dir = expanded.endsWith('/') ? expanded : dirname(expanded);
			const prefix = expanded.endsWith('/') ? '' : basename(expanded);
			const entries = await fs.readdir(dir || '.', {withFileTypes: true}).catch(() => []);
			return entries.filter((e) => e.name.startsWith(prefix) && !e.name.startsWith('.')).slice(0, 50)
				.map((e) => join(dir, e.name) + (e.isDirectory() ? '/' : ''));
		},
	};
}
