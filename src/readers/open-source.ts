/**
 * openSource: the reader registry. Detects what a path holds (Outlook PST/OST file, Maildir tree, mbox file,
 * directory of mbox files / Thunderbird tree) unless `--from` says, and opens the matching SourceStore.
 * Every failure is a MailshiftError naming the path and what to do.
 *
 * A file is a PST/OST when it starts with the PST signature `!BDN` (MS-PST 2.2.2.6), or when it is named
 * `.pst`/`.ost` whatever it holds: the user meant an Outlook file, and a damaged or mislabelled one gets
 * PstStore's clear refusal (e.g. "not an Outlook data file… it starts like an mbox file") rather than being
 * silently read as something else.
 */
import {open, stat} from 'node:fs/promises';
import {extname, resolve} from 'node:path';
import {MailshiftError} from '../core/errors.js';
import {MaildirStore, looksLikeMaildir} from './maildir-store.js';
import {MboxStore, looksLikeMbox} from './mbox-store.js';
import {OlmStore} from './olm/olm-store.js';
import {PstStore} from './pst-store.js';
import type {ReaderOptions, SourceStore} from './source-store.js';

export const SOURCE_KINDS = ['maildir', 'mbox', 'pst', 'olm'] as const;

export type SourceKind = typeof SOURCE_KINDS[number];

/** The hint for a wrong --from: "Use --from maildir, --from mbox, … or --from olm." */
export function fromKindsHint(): string {
	const options = SOURCE_KINDS.map((k) => `--from ${k}`);
	return `Use ${options.slice(0, -1).join(', ')} or ${options[options.length - 1] ?? ''}.`;
}

/** True when `value` names a store kind this build reads (for --from). */
export function isSourceKind(value: string): value is SourceKind {
	return (SOURCE_KINDS as readonly string[]).includes(value);
}

/** True when the file at `path` starts with the PST/OST signature `!BDN`. Never throws. */
export async function looksLikePst(path: string): Promise<boolean> {
	let handle;
	try {
		handle = await open(path, 'r');
		const magic = Buffer.alloc(4);
		const {bytesRead} = await handle.read(magic, 0, 4, 0);
		return bytesRead === 4 && magic.toString('latin1') === '!BDN';
	} catch {
		return false;
	} finally {
		await handle?.close();
	}
}

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
		const ext = extname(absolute).toLowerCase();
		if ((await looksLikePst(absolute)) || ext === '.pst' || ext === '.ost') return 'pst';
		// Outlook for Mac archive: a ZIP named .olm (OlmStore refuses a damaged or non-ZIP one by name).
		if (ext === '.olm') return 'olm';
		if (await looksLikeMbox(absolute)) return 'mbox';
		throw new MailshiftError('NOT_A_MAIL_STORE', `${absolute} is not an mbox file (it does not start with a "From " line) nor an Outlook .pst/.ost file.`, 'fatal', {
			hint: 'Give an Outlook .pst/.ost file, a Maildir directory, an mbox file, or a folder of mbox files (e.g. a Thunderbird "Local Folders" directory). Use --from mbox to force.',
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
	if (chosen === 'pst') return PstStore.open(path, options);
	if (chosen === 'olm') return OlmStore.open(path, options);
	return chosen === 'maildir' ? MaildirStore.open(path, options) : MboxStore.open(path, options);
}
