/**
 * runVerify: proves a migration — for every source message (mapped exactly as `migrate` maps it), the target
 * mailbox must hold it exactly once, with the expected size, header, flags and INTERNALDATE; with `deep`,
 * identical bytes. Reads the server only (EXAMINE + FETCH), never writes. Uses the same ServerIndex matching as
 * the uploader, so a message counts as present under the same rules that kept it from being uploaded twice.
 *
 * Outcomes per message: ok | missing | altered (present, but size/header/flags/date/bytes differ) | duplicated
 * (more copies with its Message-ID than the source has) | altered-by-server (present, and differing from what
 * was sent only by a known server rewrite of NUL bytes, which IMAP servers apply to every copy: reported once
 * per message, not a failure; issue #12 item 7). Copies with Message-IDs the source does not have are other
 * mail (not ours) and are ignored.
 *
 * What the default (not deep) check compares beyond the size: the sha256 of the stored header block, fetched in
 * the same FETCH pass as the sizes (ImapSink.loadIndex `headerDigests`), so a server that rewrites headers at
 * equal size (Cyrus: 8-bit bytes → X) is caught; and, for the rare messages holding NUL bytes, the full stored
 * bytes (servers change them).
 *
 * The source side (issue #12 item 4): verify compares against what the source holds, so a source it could not
 * read completely (a reader problem that lost messages, or a folder that failed) is never "OK": such problems
 * are counted as `unreadable` and listed, and `isVerifyClean` is false.
 */
import {planFolders} from '../mapper/folder-map.js';
import type {FolderMapOptions} from '../mapper/folder-map.js';
import {applyRewrite, headerBlock, headerDigest, possibleRewrites, REWRITE_WORDING} from '../mapper/fingerprint.js';
import type {Claim, MailboxIndex, ServerRewrite} from '../contracts/mailbox-index.js';
import type {UploadJob} from '../contracts/types.js';
import {allowedFlags} from '../mapper/flags.js';
import {isSkip, mapMessage} from '../mapper/map-message.js';
import type {MessageBuffers, ReaderProblem, SourceStore} from '../contracts/source-store.js';
import type {MailSink} from '../contracts/mail-sink.js';
import type {EngineControls} from '../contracts/controls.js';
import {toMailshiftError} from '../contracts/errors.js';
import type {ProblemRelay} from './problem-relay.js';

export type VerifyOptions = Readonly<{
	includeTrashed: boolean;
	folderMap: FolderMapOptions;
	fallbackDate: Date;
	/** Compare full bytes, not only size and header digest. @default false */
	deep: boolean;
	/** Messages found only by similarity (another tool's copy) count as ok. @default true */
	acceptSimilar?: boolean;
	/** The mailbox each folder really went to in the migration (the server may have refused a name). */
	mailboxOf?: ReadonlyMap<string, string>;
	/**
	 * Source problems already known (e.g. reported by the reader during the migration, when it opened the
	 * store, and not again): each `location: reason`. Counted as unreadable like the ones seen now.
	 */
	knownSourceProblems?: readonly string[];
}>;

export type VerifyProblemKind = 'missing' | 'altered' | 'duplicated' | 'altered-by-server' | 'unreadable';
export type VerifyProblem = Readonly<{folder: string; mailbox: string; location: string; kind: VerifyProblemKind; detail: string}>;
export type VerifyFolder = {folder: string; mailbox: string; checked: number; ok: number; missing: number; altered: number; duplicated: number; alteredByServer: number; unreadable: number};
export type VerifyResult = Readonly<{
	folders: VerifyFolder[]; problems: VerifyProblem[];
	checked: number; ok: number; missing: number; altered: number; duplicated: number;
	/** Present, but stored changed by a known, unavoidable server rewrite (counted in `ok` too: not a failure). */
	alteredByServer: number;
	/** Source messages or folders that could not be read: the comparison is incomplete. */
	unreadable: number;
	/** What could not be read, `location: reason` (bounded). */
	sourceProblems: string[];
}>;

const MAX_PROBLEMS = 10_000;
/** Rewrites that every copy on such a server gets and that cannot be avoided by sending differently. */
const UNAVOIDABLE: ReadonlySet<ServerRewrite> = new Set(['nul-replaced', 'nul-stripped']);

/** True when verify found every message exactly once, unchanged (or changed only unavoidably), and read the whole source. */
export function isVerifyClean(result: VerifyResult): boolean {
	return result.missing === 0 && result.altered === 0 && result.duplicated === 0 && result.unreadable === 0;
}

/**
 * A problem that means source mail could not be read: a reader's failed message, or anything unreadable (a
 * store cut short, a folder or file that failed). Not: an ignored file or an empty message (warnings), nor
 * upload failures in a run's summary (their codes are the server's).
 */
export function isSourceReadFailure(problem: Readonly<{kind: string; code: string}>): boolean {
	const reader: ReadonlySet<string> = new Set<ReaderProblem['code']>(['MESSAGE_UNPARSEABLE', 'MESSAGE_EMPTY', 'FILE_IGNORED']);
	return problem.code === 'SOURCE_UNREADABLE' || (problem.kind === 'failed' && reader.has(problem.code));
}

/** `messageBuffers`: what the reader was opened with as ReaderOptions.messageBuffers; each message is given back once compared. */
export type VerifyDeps = Readonly<{source: SourceStore; sink: MailSink; readerProblems?: ProblemRelay; messageBuffers?: MessageBuffers; now?: () => number}>;

export async function runVerify(options: VerifyOptions, deps: VerifyDeps, controls: EngineControls): Promise<VerifyResult> {
	const {source, sink} = deps;
	const now = deps.now ?? Date.now;
	const folders: VerifyFolder[] = [];
	const problems: VerifyProblem[] = [];
	const sourceProblems = new Set<string>();
	let unreadableElsewhere = 0;
	const add = (p: VerifyProblem): void => {
		if (problems.length < MAX_PROBLEMS) problems.push(p);
	};
	let current: VerifyFolder | undefined;
	const unreadable = (folder: string, location: string, reason: string): void => {
		const text = `${location}: ${reason}`;
		if (sourceProblems.has(text)) return; // the same problem seen during the migration and again now
		sourceProblems.add(text);
		const row = folders.find((f) => f.folder === folder) ?? current;
		if (row) row.unreadable++;
		else unreadableElsewhere++;
		add({folder, mailbox: row?.mailbox ?? '', location, kind: 'unreadable', detail: `could not read the source: ${reason}`});
	};
	for (const text of options.knownSourceProblems ?? []) {
		if (sourceProblems.has(text)) continue;
		sourceProblems.add(text);
		unreadableElsewhere++;
		add({folder: '', mailbox: '', location: source.location, kind: 'unreadable', detail: `could not read the source: ${text}`});
	}
	const detach = deps.readerProblems?.attach((p) => {
		if (isSourceReadFailure(p)) unreadable(p.folder, p.location, p.reason);
	}) ?? ((): void => {});
	try {
		const plans = planFolders(await source.listFolders(controls.abortSignal), sink.layout(), options.folderMap);
		const existing = new Set(sink.mailboxPaths?.() ?? []);
		for (const plan of plans) {
			if (controls.isStopping || plan.mailbox === undefined) continue;
			// Same name as the migration used: the one it reports, else the planned one, else the variant the sink
			// falls back to when the server refuses '.' in names (imap-sink.ts).
			const planned = options.mailboxOf?.get(plan.label) ?? plan.mailbox;
			const prefix = sink.layout().prefix;
			const dotless = planned.startsWith(prefix) ? prefix + planned.slice(prefix.length).replaceAll('.', '_') : planned;
			const mailbox = existing.size > 0 && !existing.has(planned) && existing.has(dotless) ? dotless : planned;
			const row: VerifyFolder = {folder: plan.label, mailbox, checked: 0, ok: 0, missing: 0, altered: 0, duplicated: 0, alteredByServer: 0, unreadable: 0};
			folders.push(row);
			current = row;
			const state = sink.mailboxState ? await sink.mailboxState(mailbox, controls.abortSignal).catch(() => undefined) : undefined;
			const index = state && state.exists > 0 && sink.loadIndex ? await sink.loadIndex(mailbox, controls.abortSignal, {headerDigests: true}) : undefined;
			const permanent = state?.permanentFlags;
			const sourceMids = new Map<string, number>();
			try {
				for await (const message of source.messages(plan.folder, controls.stopSignal)) {
					try {
						const mapped = mapMessage(message, mailbox, {includeTrashed: options.includeTrashed, now: now(), fallbackDate: options.fallbackDate});
						if (isSkip(mapped)) continue;
						const job = mapped.job;
						row.checked++;
						if (job.messageId) sourceMids.set(job.messageId, (sourceMids.get(job.messageId) ?? 0) + 1);
						const claim = index ? await index.claim(job) : undefined;
						const where = {folder: plan.label, mailbox, location: message.ref.location};
						if (!claim) {
							row.missing++;
							add({...where, kind: 'missing', detail: `not in ${mailbox}${job.messageId ? ` (Message-ID <${job.messageId}>)` : ''}`});
							continue;
						}
						if (claim.kind === 'similar' && !(options.acceptSimilar ?? true)) {
							row.altered++;
							add({...where, kind: 'altered', detail: `UID ${claim.uid} has the same Message-ID but ${claim.copy.size} bytes instead of ${job.content.length}`});
							continue;
						}
						if (claim.kind === 'rewritten') {
							row.ok++;
							// mailshift's own RFC 2047 encoding is what was meant to be stored: ok, nothing to report again.
							if (claim.rewrite === '8bit-header-encoded') continue;
							row.alteredByServer++;
							add({...where, kind: 'altered-by-server', detail: `UID ${claim.uid}: stored altered by the server: ${REWRITE_WORDING[claim.rewrite ?? 'nul-stripped']} (${claim.copy.size} bytes instead of ${job.content.length})`});
							continue;
						}
						const {differences, rewrite} = await compareCopy(job, claim, {index, permanent, deep: options.deep});
						if (differences.length) {
							row.altered++;
							add({...where, kind: 'altered', detail: `UID ${claim.uid}: ${differences.join('; ')}`});
						} else if (rewrite !== undefined) {
							row.ok++;
							row.alteredByServer++;
							add({...where, kind: 'altered-by-server', detail: `UID ${claim.uid}: stored altered by the server: ${REWRITE_WORDING[rewrite]}`});
						} else {
							row.ok++;
						}
					} finally {
						// Compared: nothing reads its bytes any more (VerifyDeps.messageBuffers).
						deps.messageBuffers?.give(message.raw);
					}
				}
			} catch (error) {
				const e = toMailshiftError(error);
				if (e.code === 'ABORTED' && controls.isStopping) break;
				if (e.disposition === 'fatal' && e.code !== 'SOURCE_UNREADABLE') throw e;
				// The folder could not be read (further): what it still holds is unknown, so verify cannot say OK.
				unreadable(plan.label, plan.label, `${e.message}${e.hint ? ` ${e.hint}` : ''}`);
			}
			if (index) {
				for (const [mid] of sourceMids) {
					const extra = index.unclaimedWith(mid);
					if (extra.length > 0) {
						row.duplicated += extra.length;
						add({folder: plan.label, mailbox, location: mailbox, kind: 'duplicated', detail: `Message-ID <${mid}> is in ${mailbox} ${extra.length} more time(s) than in the source (UID ${extra.map((c) => c.uid).join(', ')})`});
					}
				}
			}
		}
	} finally {
		detach();
	}
	const sum = (k: keyof Omit<VerifyFolder, 'folder' | 'mailbox'>): number => folders.reduce((n, f) => n + f[k], 0);
	return {
		folders, problems, checked: sum('checked'), ok: sum('ok'), missing: sum('missing'), altered: sum('altered'), duplicated: sum('duplicated'),
		alteredByServer: sum('alteredByServer'), unreadable: sum('unreadable') + unreadableElsewhere, sourceProblems: [...sourceProblems].slice(0, MAX_PROBLEMS),
	};
}

/**
 * How a stored copy matched exactly or by bytes differs from what was sent: flags (those the mailbox keeps),
 * INTERNALDATE (to the second), and the bytes — all of them with `deep` and for messages with NUL bytes
 * (servers change those), else the header block's digest. `rewrite`: a known server rewrite that explains a
 * byte difference. Reads the server only (FETCH of the body when needed).
 */
async function compareCopy(job: UploadJob, claim: Claim, at: Readonly<{index: MailboxIndex | undefined; permanent: ReadonlySet<string> | undefined; deep: boolean}>): Promise<{differences: string[]; rewrite: ServerRewrite | undefined}> {
	const {index, permanent} = at;
	const differences: string[] = [];
	let rewrite: ServerRewrite | undefined;
	if (claim.kind === 'exact' || claim.kind === 'bytes') {
		const expected = new Set(allowedFlags(job.flags, permanent).flags.map((f) => f.toLowerCase()));
		const actual = new Set([...(claim.copy.flags ?? [])].map((f) => f.toLowerCase()).filter((f) => f !== '\\recent'));
		const missingFlags = [...expected].filter((f) => !actual.has(f));
		const extraFlags = [...actual].filter((f) => !expected.has(f));
		if (missingFlags.length || extraFlags.length) differences.push(`flags ${[...actual].join(' ') || '(none)'} instead of ${[...expected].join(' ') || '(none)'}`);
		if (Math.floor(claim.copy.internalDate.getTime() / 1000) !== Math.floor(job.internalDate.getTime() / 1000)) {
			differences.push(`received date ${claim.copy.internalDate.toISOString()} instead of ${job.internalDate.toISOString()}`);
		}
		// Bytes: all of them with --deep, and for messages with NUL bytes (servers change those; rare, so
		// cheap); otherwise the header block's digest from the index.
		if (at.deep || job.content.indexOf(0) >= 0) {
			const body = await index?.fetchBody(claim.uid);
			if (!body || !body.equals(job.content)) {
				rewrite = body ? possibleRewrites(job.content).find((r) => applyRewrite(job.content, r).equals(body)) : undefined;
				if (rewrite === undefined || !UNAVOIDABLE.has(rewrite)) differences.push(rewrite ? `the bytes differ: ${REWRITE_WORDING[rewrite]}` : 'the bytes differ');
			}
		} else if (claim.copy.headerDigest !== undefined) {
			const sent = headerDigest(headerBlock(job.content));
			if (sent !== undefined && sent !== claim.copy.headerDigest) {
				const known = possibleRewrites(job.content).find((r) => headerDigest(headerBlock(applyRewrite(job.content, r))) === claim.copy.headerDigest);
				differences.push(`the stored header differs from the one sent (same size)${known ? `: ${REWRITE_WORDING[known]}` : ''}`);
			}
		}
	}
	return {differences, rewrite};
}
