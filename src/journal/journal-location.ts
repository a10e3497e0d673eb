/**
 * Where a migration's journal lives by default, and the identity a resume must match.
 *
 * Default: `$XDG_STATE_HOME/mailshift/journals/<source name>-<hash>.sqlite` (XDG Base Directory spec;
 * `~/.local/state` when unset), one file per (source, destination) pair, so re-running the same command finds
 * the same journal and a different destination gets its own. The config hash also covers the folder mapping:
 * resuming into the same account with a different mapping would put messages in other folders, so it is
 * refused unless --new-journal.
 */
import {createHash} from 'node:crypto';
import {homedir} from 'node:os';
import {basename, join} from 'node:path';
import type {MapRule} from '../mapper/folder-map.js';
import type {ImapTarget} from '../uploader/imap-target.js';
import {describeTarget} from '../uploader/imap-target.js';
import type {JournalRun} from './journal.js';

export type MigrationIdentity = Readonly<{
	source: string;
	target: ImapTarget;
	prefix: string | undefined;
	rules: readonly MapRule[];
	excludes: readonly string[];
}>;

export function defaultJournalPath(identity: Pick<MigrationIdentity, 'source' | 'target'>, env: NodeJS.ProcessEnv): string {
	const stateHome = env['XDG_STATE_HOME'] || join(env['HOME'] || homedir(), '.local', 'state');
	const hash = createHash('sha256').update(`${identity.source}\n${describeTarget(identity.target)}`).digest('hex').slice(0, 16);
	const name = basename(identity.source).replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 40) || 'store';
	return join(stateHome, 'mailshift', 'journals', `${name}-${hash}.sqlite`);
}

export function journalRun(identity: MigrationIdentity): JournalRun {
	const description = `${identity.source} → ${describeTarget(identity.target)}${identity.prefix ? `, prefix "${identity.prefix}"` : ''}`
		+ `${identity.rules.length ? `, map ${identity.rules.map((r) => `'${r.from}=${r.to}'`).join(' ')}` : ''}`
		+ `${identity.excludes.length ? `, exclude ${identity.excludes.map((e) => `'${e}'`).join(' ')}` : ''}`;
	const canonical = JSON.stringify({
		source: identity.source, target: describeTarget(identity.target), prefix: identity.prefix ?? null,
		rules: identity.rules.map((r) => [r.from, r.to]), excludes: [...identity.excludes],
	});
	return {configHash: createHash('sha256').update(canonical).digest('hex'), configDescription: description};
}
