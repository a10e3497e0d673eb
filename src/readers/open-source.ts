/**
 * openSource: the reader registry. Detects what a path holds (Outlook PST/OST file, Maildir tree, mbox file,
 * directory of mbox files / Thunderbird tree, Apple Mail directory, tree of .eml files) unless `--from` says,
 * and opens the matching SourceStore.
 * Every failure is a MailshiftError naming the path and what to do.
 *
 * A file is a PST/OST when it starts with the PST signature `!BDN` (MS-PST 2.2.2.6), or when it is named
 * `.pst`/`.ost` whatever it holds: the user meant an Outlook file, and a damaged or mislabelled one gets
 * PstStore's clear refusal (e.g. "not an Outlook data file… it starts like an mbox file") rather than being
 * silently read as something else.
 */
import {open, stat} from 'node:fs/promises';
import {dirname, extname, resolve} from 'node:path';
import {MailshiftError} from '../contracts/errors.js';
import {MaildirStore, looksLikeMaildir} from './maildir/maildir-store.js';
import {isPop3Url} from './pop3/pop3-url.js';
import type {ReaderOptions, SourceStore} from '../contracts/source-store.js';

// The other readers are imported when a store of theirs is detected or opened (issue #14, start-up: ~25 modules
// — the PST composer, the OLM zip and XML readers, the POP3 client… — that a Maildir or mbox run never uses; and
// the mbox reader, 46 KB a Maildir run never uses, since a Maildir is detected first).
const mboxReader = () => import('./mbox/mbox-store.js');
const pstReader = () => import('./pst/pst-store.js');
const olmReader = () => import('./olm/olm-store.js');
const appleMailReader = () => import('./apple-mail/apple-mail-store.js');
const emlReader = () => import('./eml/eml-folder-store.js');
const dbxReader = () => import('./dbx/dbx-store.js');
const pop3Reader = () => import('./pop3/pop3-store.js');

/** Every kind `--from` accepts. */
export const SOURCE_KINDS = ['maildir', 'mbox', 'pst', 'eml', 'apple-mail', 'dbx', 'pop3', 'olm'] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];

/** True when `value` names a store kind this build reads (for --from). */
export function isSourceKind(value: string): value is SourceKind {
	return (SOURCE_KINDS as readonly string[]).includes(value);
}

/** The hint for a wrong --from: "Use --from maildir, --from mbox, … or --from olm." */
export function fromKindsHint(): string {
	const options = SOURCE_KINDS.map((kind) => `--from ${kind}`);
	return `Use ${options.slice(0, -1).join(', ')} or ${options.at(-1) ?? ''}.`;
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
		if (ext === '.dbx' || (await (await dbxReader()).looksLikeDbx(absolute))) return 'dbx';
		// Outlook for Mac archive: a ZIP named .olm (OlmStore refuses a damaged or non-ZIP one by name).
		if (ext === '.olm') return 'olm';
		// One message per file: the reader takes the folder that holds it (it may begin with "From ", like an mbox).
		if (ext === '.eml' || ext === '.emlx' || ext === '.msg') {
			throw new MailshiftError('NOT_A_MAIL_STORE', `${absolute} is a single message file (${ext}), not a mail store.`, 'fatal', {
				hint: `Give the folder that holds it: mailshift migrate '${dirname(absolute)}' (a folder of .eml${ext === '.msg' ? ' and .msg' : ''} files${ext === '.emlx' ? ', or the Apple Mail directory ~/Library/Mail/V10' : ''}).`,
			});
		}
		if (await (await mboxReader()).looksLikeMbox(absolute)) return 'mbox';
		throw new MailshiftError('NOT_A_MAIL_STORE', `${absolute} is not an mbox file (it does not start with a "From " line) nor an Outlook .pst/.ost file.`, 'fatal', {
			hint: 'Give an Outlook .pst/.ost file, a Maildir directory, an mbox file, or a folder of mbox files (e.g. a Thunderbird "Local Folders" directory). Use --from mbox to force.',
		});
	}
	if (info.isDirectory()) {
		// Order matters: Maildir first (cur/ and new/ are unmistakable); Apple Mail (.emlx) before mbox, since
		// an exported `Name.mbox/` bundle is mbox but a mail directory full of `Name.mbox/` mailboxes is not;
		// mbox before .eml, so a Thunderbird tree holding a saved .eml stays mbox (the mbox reader names the
		// .eml files it leaves out), while a tree of only .eml files (whatever their first line) is .eml.
		if (await looksLikeMaildir(absolute)) return 'maildir';
		if (await (await appleMailReader()).looksLikeAppleMail(absolute)) return 'apple-mail';
		if (await (await dbxReader()).looksLikeDbx(absolute)) return 'dbx';
		if (await (await mboxReader()).looksLikeMbox(absolute)) return 'mbox';
		if (await (await emlReader()).looksLikeEmlTree(absolute)) return 'eml';
	}
	throw new MailshiftError('NOT_A_MAIL_STORE', `No mail store was found in ${absolute}.`, 'fatal', {
		hint: 'Expected a Maildir (folders with cur/ and new/), an mbox file, a folder of mbox files, a folder of .eml files, an Apple Mail directory (~/Library/Mail/V10) or an Outlook Express folder (Folders.dbx). Use --from maildir|mbox|eml|apple-mail|dbx if detection is wrong.',
	});
}

/** For a POP3 source: how to get its password (asked only when a POP3 URL is opened), and --insecure. */
export type OpenSourceOptions = ReaderOptions & Readonly<{sourcePassword?: () => Promise<string>; insecure?: boolean}>;

export async function openSource(path: string, kind: SourceKind | undefined, options: OpenSourceOptions = {}): Promise<SourceStore> {
	if (isPop3Url(path) || kind === 'pop3') {
		if (options.sourcePassword === undefined) {
			throw new MailshiftError('USAGE', `No password source for the POP3 account ${path}.`, 'fatal', {hint: 'Use --source-password-file FILE or MAILSHIFT_SOURCE_PASSWORD.'});
		}
		return (await pop3Reader()).Pop3Store.open(path, {...options, password: await options.sourcePassword(), ...(options.insecure === undefined ? {} : {insecure: options.insecure})});
	}
	const chosen = kind ?? (await detectSourceKind(path));
	if (chosen === 'pst') return (await pstReader()).PstStore.open(path, options);
	if (chosen === 'eml') return (await emlReader()).EmlFolderStore.open(path, options);
	if (chosen === 'apple-mail') return (await appleMailReader()).AppleMailStore.open(path, options);
	if (chosen === 'dbx') return (await dbxReader()).DbxStore.open(path, options);
	if (chosen === 'olm') return (await olmReader()).OlmStore.open(path, options);
	return chosen === 'maildir' ? MaildirStore.open(path, options) : (await mboxReader()).MboxStore.open(path, options);
}
