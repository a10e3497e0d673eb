/**
 * openSource: the reader registry. Detects what a path holds (Maildir tree, mbox file, directory of mbox
 * files / Thunderbird tree) unless `--from` says, and opens the matching SourceStore.
 * Every failure is a MailshiftError naming the path and what to do.
 */
import {stat} from 'node:fs/promises';
import {extname, resolve} from 'node:path';
import {MailshiftError} from '../core/errors.js';
import {MaildirStore, looksLikeMaildir} from './maildir-store.js';
import {MboxStore, looksLikeMbox} from './mbox-store.js';
import type {ReaderOptions, SourceStore} from './source-store.js';

export type SourceKind = 'maildir' | 'mbox';

export async function detectSourceKind(path: string): Promise<SourceKind> {
	const absolute = resolve(path);
	let info;
	try {
		info = await stat(absolute);
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code;
		if (code === 'ENOENT' || code === 'ENOTDIR') {
			throw new MailshiftError('SOURCE_NOT_FOUND', `The source ${absolute} does not exist.`, 'fatal', {
				cause: error, hint: 'Check the path: give a Maildir directory, an mbox file, or a folder of mbox files.',
			});
		}
		throw new MailshiftError('SOURCE_UNREADABLE', `The source ${absolute} cannot be read (${code ?? 'error'}).`, 'fatal', {
			cause: error, hint: 'Check that you have permission to read it (run as its owner, or copy it somewhere readable).',
		});
	}
	if (info.isFile()) {
		if (await looksLikeMbox(absolute)) return 'mbox';
		const ext = extname(absolute).toLowerCase();
		const pst = ext === '.pst' || ext === '.ost';
		throw new MailshiftError('NOT_A_MAIL_STORE', `${absolute} is not an mbox file (it does not start with a "From " line).`, 'fatal', {
			hint: pst
				? 'Outlook PST/OST files are not supported by this version yet; export the folders to mbox, or wait for PST support.'
				: 'Give a Maildir directory, an mbox file, or a folder of mbox files (e.g. a Thunderbird "Local Folders" directory). Use --from mbox to force.',
		});
	}
	if (info.isDirectory()) {
		if (await looksLikeMaildir(absolute)) return 'maildir';
		if (await looksLikeMbox(absolute)) return 'mbox';
	}
	throw new MailshiftError('NOT_A_MAIL_STORE', `No mail store was found in ${absolute}.`, 'fatal', {
		hint: 'Expected a Maildir (folders with cur/ and new/), an mbox file, or a folder of mbox files. Use --from maildir|mbox if detection is wrong.',
	});
}

export async function openSource(path: string, kind: SourceKind | undefined, options: ReaderOptions = {}): Promise<SourceStore> {
	const chosen = kind ?? (await detectSourceKind(path));
	return chosen === 'maildir' ? MaildirStore.open(path, options) : MboxStore.open(path, options);
}
