/**
 * runVerify: proves a migration — for every source message (mapped exactly as `migrate` maps it), the target
 * mailbox must hold it exactly once, with the expected size, flags and INTERNALDATE; with `deep`, identical
 * bytes. Reads the server only (EXAMINE + FETCH), never writes. Uses the same ServerIndex matching as the
 * uploader, so a message counts as present under the same rules that kept it from being uploaded twice.
 *
 * Outcomes per message: ok | missing | altered (present, but size/flags/date/bytes differ) | duplicated
 * (more copies with its Message-ID than the source has). Copies with Message-IDs the source does not have
 * are other mail (not ours) and are ignored.
 */
import {planFolders} from '../mapper/folder-map.js';
import type {FolderMapOptions} from '../mapper/folder-map.js';
import {allowedFlags} from '../mapper/flags.js';
import {isSkip, mapMessage} from '../mapper/map-message.js';
import type {SourceStore} from '../readers/source-store.js';
import type {MailSink} from '../uploader/mail-sink.js';
import type {EngineControls} from './controls.js';

export type VerifyOptions = Readonly<{
	includeTrashed: boolean;
	folderMap: FolderMapOptions;
	fallbackDate: Date;
	/** Compare full bytes, not only size. @default false */
	deep: boolean;
	/** Messages found only by similarity (another tool's copy) count as ok. @default true */
	acceptSimilar?: boolean;
	/** The mailbox each folder really went to in the migration (the server may have refused a name). */
	mailboxOf?: ReadonlyMap<string, string>;
}>;

export type VerifyProblem = Readonly<{folder: string; mailbox: string; location: string; kind: 'missing' | 'altered' | 'duplicated'; detail: string}>;
export type VerifyFolder = {folder: string; mailbox: string; checked: number; ok: number; missing: number; altered: number; duplicated: number};
export type VerifyResult = Readonly<{folders: VerifyFolder[]; problems: VerifyProblem[]; checked: number; ok: number; missing: number; altered: number; duplicated: number}>;

const MAX_PROBLEMS = 10_000;

export async function runVerify(options: VerifyOptions, deps: Readonly<{source: SourceStore; sink: MailSink; now?: () => number}>, controls: EngineControls): Promise<VerifyResult> {
	const {source, sink} = deps;
	const now = deps.now ?? Date.now;
	const folders: VerifyFolder[] = [];
	const problems: VerifyProblem[] = [];
	const add = (p: VerifyProblem): void => {
		if (problems.length < MAX_PROBLEMS) problems.push(p);
	};
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
		const row: VerifyFolder = {folder: plan.label, mailbox, checked: 0, ok: 0, missing: 0, altered: 0, duplicated: 0};
		folders.push(row);
		const state = sink.mailboxState ? await sink.mailboxState(mailbox, controls.abortSignal).catch(() => undefined) : undefined;
		const index = state && state.exists > 0 && sink.loadIndex ? await sink.loadIndex(mailbox, controls.abortSignal) : undefined;
		const permanent = state?.permanentFlags;
		const sourceMids = new Map<string, number>();
		for await (const message of source.messages(plan.folder, controls.stopSignal)) {
			const mapped = mapMessage(message, mailbox, {includeTrashed: options.includeTrashed, now: now(), fallbackDate: options.fallbackDate});
			if (isSkip(mapped)) continue;
			const job = mapped.job;
			row.checked++;
			if (job.messageId) sourceMids.set(job.messageId, (sourceMids.get(job.messageId) ?? 0) + 1);
			const claim = index ? await index.claim(job) : undefined;
			if (!claim) {
				row.missing++;
				add({folder: plan.label, mailbox, location: message.ref.location, kind: 'missing', detail: `not in ${mailbox}${job.messageId ? ` (Message-ID <${job.messageId}>)` : ''}`});
				continue;
			}
			if (claim.kind === 'similar' && !(options.acceptSimilar ?? true)) {
				row.altered++;
				add({folder: plan.label, mailbox, location: message.ref.location, kind: 'altered', detail: `UID ${claim.uid} has the same Message-ID but ${claim.copy.size} bytes instead of ${job.content.length}`});
				continue;
			}
			const differences: string[] = [];
			if (claim.kind === 'exact' || claim.kind === 'bytes') {
				const expected = new Set(allowedFlags(job.flags, permanent).flags.map((f) => f.toLowerCase()));
				const actual = new Set([...(claim.copy.flags ?? [])].map((f) => f.toLowerCase()).filter((f) => f !== '\\recent'));
				const missingFlags = [...expected].filter((f) => !actual.has(f));
				const extraFlags = [...actual].filter((f) => !expected.has(f));
				if (missingFlags.length || extraFlags.length) differences.push(`flags ${[...actual].join(' ') || '(none)'} instead of ${[...expected].join(' ') || '(none)'}`);
				if (Math.floor(claim.copy.internalDate.getTime() / 1000) !== Math.floor(job.internalDate.getTime() / 1000)) {
					differences.push(`received date ${claim.copy.internalDate.toISOString()} instead of ${job.internalDate.toISOString()}`);
				}
				if (options.deep) {
					const body = await index?.fetchBody(claim.uid);
					if (!body || !body.equals(job.content)) differences.push('the bytes differ');
				}
			}
			if (differences.length) {
				row.altered++;
				add({folder: plan.label, mailbox, location: message.ref.location, kind: 'altered', detail: `UID ${claim.uid}: ${differences.join('; ')}`});
			} else {
				row.ok++;
			}
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
	const sum = (k: keyof Omit<VerifyFolder, 'folder' | 'mailbox'>): number => folders.reduce((n, f) => n + f[k], 0);
	return {folders, problems, checked: sum('checked'), ok: sum('ok'), missing: sum('missing'), altered: sum('altered'), duplicated: sum('duplicated')};
}
