/**
 * `mailshift discover [--json] [--no-count]`: the mail stores found on this computer (src/discovery), with
 * kind, path, folders, messages and size. Results go to stdout (a table, or JSON with `--json`); a store of a
 * kind this version cannot read is listed with that said. Exit 0 whatever was found (none is an answer too).
 *
 * JSON: `{"stores": [{kind, path, label, readable, bytes?, folders?, messages?, problem?}]}`.
 */
import {homedir} from 'node:os';
import {toMailshiftError} from '../contracts/errors.js';
import {discoverStores, NOT_READABLE_YET} from '../discovery/discover-stores.js';
import type {DiscoveredStore} from '../discovery/discover-stores.js';
import {ExitCode, exitCodeFor} from '../contracts/exit-codes.js';
import type {ExitCodeValue} from '../contracts/exit-codes.js';
import {formatBytes, formatCount} from '../util/format.js';
import type {CliIo} from '../app/migrate.js';
import {printError} from '../app/migrate.js';

export type DiscoverArgs = Readonly<{json?: boolean | undefined; count?: boolean | undefined; debug?: boolean | undefined}>;

export async function runDiscoverCommand(args: DiscoverArgs, io: CliIo): Promise<ExitCodeValue> {
	try {
		const home = io.env['HOME'] || io.env['USERPROFILE'] || homedir();
		const stores = await discoverStores({home, env: io.env}, {count: args.count ?? true});
		io.stdout.write(args.json === true ? `${JSON.stringify({stores}, null, 2)}\n` : describeStores(stores));
		return ExitCode.OK;
	} catch (error) {
		const e = toMailshiftError(error);
		printError(e, io, args.debug ?? false);
		return exitCodeFor(e.code);
	}
}

/** The table for people: one block per store. */
export function describeStores(stores: readonly DiscoveredStore[]): string {
	if (stores.length === 0) return 'No mail stores were found in the usual places. Give the path of yours to mailshift migrate.\n';
	const lines = [`Found ${stores.length} mail store${stores.length === 1 ? '' : 's'}:`];
	for (const store of stores) {
		const facts = [
			store.kind,
			...(store.folders === undefined ? [] : [`${formatCount(store.folders)} folder${store.folders === 1 ? '' : 's'}`]),
			...(store.messages === undefined ? [] : [`${formatCount(store.messages)} message${store.messages === 1 ? '' : 's'}`]),
			...(store.bytes === undefined ? [] : [formatBytes(store.bytes)]),
		];
		lines.push(`  ${store.label}  (${facts.join(', ')})`, `    ${store.path}`);
		if (!store.readable) lines.push(`    ${NOT_READABLE_YET}`);
		if (store.problem !== undefined) lines.push(`    cannot be read: ${store.problem}`);
	}
	return `${lines.join('\n')}\n`;
}
