/**
 * Folder setup: what has to be true before the first message of a folder is sent — the mailbox exists and is
 * subscribed (CREATE/SUBSCRIBE), its PERMANENTFLAGS and UIDVALIDITY are known (SELECT), the journal's UIDs
 * still name its messages (RFC 3501 §2.3.1.1), and, when the mailbox holds anything, an index of it is loaded
 * so messages already there are found instead of sent again.
 *
 * These commands are idempotent, so a dropped connection is retried (SETUP_ATTEMPTS, bounded backoff): giving
 * up would fail every message of the folder. Called by run-migration.ts once per folder, at most.
 */
import type {EngineControls} from '../contracts/controls.js';
import type {MailshiftError} from '../contracts/errors.js';
import {toMailshiftError} from '../contracts/errors.js';
import type {EventSink} from '../contracts/events.js';
import type {Journal} from '../contracts/journal.js';
import type {MailSink} from '../contracts/mail-sink.js';
import type {MailboxIndex} from '../contracts/mailbox-index.js';
import type {FolderSummary} from '../contracts/types.js';
import type {FolderPlan} from '../mapper/folder-map.js';
import type {RunTally} from './run-tally.js';
import {sleep} from '../util/sleep.js';

/** Attempts to prepare a folder (CREATE/SELECT/index) across dropped connections. */
const SETUP_ATTEMPTS = 4;
/** A previous run's `pending` rows younger than this may still be being saved by the server: wait before looking. */
const PENDING_SETTLE_MS = 5000;

/** A folder ready for uploads. */
export type FolderTarget = Readonly<{
	/** The server path actually used (the sink may have renamed it). */
	mailbox: string;
	created: boolean;
	/** The mailbox's PERMANENTFLAGS, or undefined when the server sent none. */
	permanent: ReadonlySet<string> | undefined;
	/** What the mailbox already holds, when it holds anything and looking is on. */
	index: MailboxIndex | undefined;
	/** Journal `done` keys of this folder whose server copy could not be claimed by UID (claimed by content later). */
	pendingClaims: Set<string>;
}>;

export type FolderSetupDeps = Readonly<{
	sink: MailSink;
	journal: Journal | undefined;
	events: EventSink;
	tally: RunTally;
	controls: EngineControls;
	now: () => number;
	/** Look for each message on the server before uploading it when the mailbox is not empty. */
	skipExisting: boolean;
}>;

/**
 * Prepares `folder` (its `mailbox` is updated to the path used). Returns the target, or the error that kept the
 * folder from being ready after the retries (a stop during the retries ends them). Never throws.
 */
export async function setUpFolder(deps: FolderSetupDeps, plan: FolderPlan, folder: FolderSummary): Promise<FolderTarget | MailshiftError> {
	const {controls} = deps;
	for (let attempt = 1; ; attempt++) {
		try {
			return await setUpOnce(deps, plan, folder);
		} catch (error) {
			const e = toMailshiftError(error);
			const isTransient = e.disposition === 'retry' || e.disposition === 'verify';
			if (!isTransient || attempt >= SETUP_ATTEMPTS || controls.isStopping) return e;
			await sleep(Math.min(e.retryAfterMs ?? 1000 * 2 ** attempt, 30_000), controls.stopSignal);
			if (controls.isStopping) return e;
		}
	}
}

async function setUpOnce(deps: FolderSetupDeps, plan: FolderPlan, folder: FolderSummary): Promise<FolderTarget> {
	const {sink, journal, controls, tally} = deps;
	const ensured = await sink.ensureMailbox(folder.mailbox, controls.abortSignal);
	const mailbox = ensured.path;
	folder.mailbox = mailbox;
	if (ensured.note) tally.warn({folder: plan.label, location: plan.label, code: 'FOLDER_RENAMED', reason: ensured.note}, 'folder');
	const state = sink.mailboxState ? await sink.mailboxState(mailbox, controls.abortSignal) : undefined;
	const permanent = state ? state.permanentFlags : await sink.permanentFlags(mailbox, controls.abortSignal);
	if (journal && state?.uidValidity !== undefined) {
		const recorded = journal.uidValidity(mailbox);
		if (recorded !== undefined && recorded !== state.uidValidity) {
			// RFC 3501 §2.3.1.1: the recorded UIDs no longer name these messages (mailbox recreated?).
			journal.resetMailbox(mailbox, state.uidValidity);
			const reason = `the server's UIDVALIDITY of ${mailbox} changed (${recorded} → ${state.uidValidity}); every message is checked on the server again`;
			tally.warn({folder: plan.label, location: mailbox, code: 'UIDVALIDITY_CHANGED', reason}, 'folder');
		}
	}
	const pendingClaims = new Set<string>();
	let index: MailboxIndex | undefined;
	// Look on the server first when the mailbox holds anything and either dedup is on or a previous run may have
	// uploaded messages whose outcome it never recorded (the crash window).
	if (state && state.exists > 0 && sink.loadIndex && (deps.skipExisting || journal?.isResumed)) {
		// A run killed moments ago may have an APPEND the server is still finishing: let it settle first.
		const lastPending = journal?.lastPendingAt(plan.label);
		if (lastPending !== undefined && deps.now() - lastPending < PENDING_SETTLE_MS) {
			deps.events.emit({type: 'notice', message: `Waiting a few seconds for the server to finish what the previous run sent to ${mailbox}…`});
			await sleep(PENDING_SETTLE_MS - (deps.now() - lastPending), controls.stopSignal);
		}
		index = await sink.loadIndex(mailbox, controls.abortSignal);
		for (const entry of journal?.doneIn(plan.label) ?? []) {
			// Copies the journal knows are ours are taken first, so that they are not matched to other messages.
			const isOurs = entry.uid !== undefined && entry.uidValidity === index.uidValidity && entry.mailbox === mailbox && index.claimUid(entry.uid);
			if (!isOurs) pendingClaims.add(entry.key);
		}
	}
	return {mailbox, created: ensured.created, permanent, index, pendingClaims};
}
