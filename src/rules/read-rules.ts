/**
 * Picks the rule reader for a source (issue #17): a `.pst`/`.ost` (or any file with the PST signature) →
 * outlook-pst-rules.ts, a `.rwz` export → outlook-rules.ts, Apple Mail's `SyncedRules.plist` (any `.plist`) →
 * apple-mail-rules.ts, anything else → a Thunderbird filter file
 * (thunderbird-filters.ts). Also lists the folders a rule's folder targets are matched against when the
 * caller did not read the store itself (as `migrate` would list them).
 */
import {basename, dirname, extname} from 'node:path';

import {looksLikePst, openSource} from '../readers/open-source.js';
import type {SourceFolder} from '../contracts/source-store.js';
import type {RuleSet} from './filter-rule.js';
import {readAppleMailRules} from './apple-mail-rules.js';
import {readPstRules} from './outlook-pst-rules.js';
import {readRwzFile} from './outlook-rules.js';
import {readThunderbirdFilters} from './thunderbird-filters.js';

/** The reader a rule source needs. */
export type RuleSourceKind = 'outlook-store' | 'outlook-export' | 'apple-mail' | 'thunderbird';

/** Which reader a rule source needs (by extension, then by the PST signature). */
export async function ruleSourceKind(path: string): Promise<RuleSourceKind> {
	const ext = extname(path).toLowerCase();
	if (ext === '.pst' || ext === '.ost') return 'outlook-store';
	if (ext === '.rwz') return 'outlook-export';
	if (ext === '.plist' || /rules\.plist$/i.test(basename(path))) return 'apple-mail';
	return (await looksLikePst(path).catch(() => false)) ? 'outlook-store' : 'thunderbird';
}

/**
 * Reads the rules of `path`.
 * @throws MailshiftError SOURCE_NOT_FOUND / SOURCE_UNREADABLE / NOT_A_MAIL_STORE / RULES_UNPARSEABLE.
 */
export async function readRules(path: string): Promise<RuleSet> {
	switch (await ruleSourceKind(path)) {
		case 'outlook-store': return readPstRules(path);
		case 'outlook-export': return readRwzFile(path);
		case 'apple-mail': return readAppleMailRules(path);
		default: return readThunderbirdFilters(path);
	}
}

/** The mail folders the rules' targets belong to ([] when they cannot be listed; a .rwz has none). */
export async function foldersForRules(path: string): Promise<SourceFolder[]> {
	const kind = await ruleSourceKind(path);
	if (kind === 'outlook-export' || kind === 'apple-mail') return [];
	try {
		const store = kind === 'outlook-store' ? await openSource(path, 'pst') : await openSource(dirname(path), 'mbox');
		try {
			return await store.listFolders();
		} finally {
			await store.close();
		}
	} catch {
		return [];
	}
}
