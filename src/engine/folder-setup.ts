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
import {MailshiftError, toMailshiftError} from '../contracts/errors.js';
import type {EventSink} from '../contracts/events.js';
import type {DoneCopy, Journal} from '../contracts/journal.js';
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
export type FolderTarget = {
	/** The server path actually used (the sink may have renamed it). */
	readonly mailbox: string;
	readonly created: boolean;
	/** The mailbox's PERMANENTFLAGS, or undefined when the server sent none. */
	readonly permanent: ReadonlySet<string> | undefined;
	/** What the mailbox already holds, when it holds anything and looking is on (loaded by `ensureIndex` when deferred). */
	index: MailboxIndex | undefined;
	/** Journal `done` keys of this folder whose server copy could not be claimed by UID (claimed by content later). */
	readonly pendingClaims: Set<string>;
	/**
	 * Set while the index is deferred: it is loaded (`ensureIndex`) only when a message is to be looked for on the
	 * server, so a folder the journal already has as done costs no FETCH of the whole mailbox (issue #14).
	 */
	deferred: DeferredIndex | undefined;
};

/** What a deferred index load needs; `passed` collects the journal-done keys fed before it is loaded. */
type DeferredIndex = {readonly passed: Set<string>};

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
 * folder from being ready after the retries (a stop during the retries ends them). Never throws. `passed`: the
 * journal-done keys already fed, when the setup was deferred (canDeferSetup).
 */
export async function setUpFolder(deps: FolderSetupDeps, plan: FolderPlan, folder: FolderSummary, passed?: ReadonlySet<string>): Promise<FolderTarget | MailshiftError> {
	return withRetries(deps.controls, () => setUpOnce(deps, plan, folder, passed));
}

/**
 * Whether the folder's setup may wait for its first message that the journal does not have as done (issue #14:
 * a re-run with nothing to do then sends no SELECT at all). True when the server listed the mailbox's UIDVALIDITY
 * as the run connected (MailSink.listedUidValidity: LIST-STATUS), the journal recorded that same one, and every
 * message the journal has as done in this folder is named by a UID of it in this mailbox. The done rows then
 * still name the server's copies (RFC 3501 §2.3.1.1), so those messages are skipped exactly as after a full setup
 * (whose index would be deferred: setUpOnce); a mailbox deleted or recreated since the last run is listed with
 * another UIDVALIDITY, or not at all, and is set up at once (its journal rows reset).
 */
export function canDeferSetup(deps: FolderSetupDeps, plan: FolderPlan, mailbox: string): boolean {
	const {sink, journal} = deps;
	const listed = sink.listedUidValidity?.(mailbox);
	if (journal === undefined || listed === undefined || journal.uidValidity(mailbox) !== listed) return false;
	return journal.doneAllNamedBy(plan.label, mailbox, listed);
}

/** Runs an idempotent setup step up to SETUP_ATTEMPTS times across transient errors; the last error, or the result. */
async function withRetries<T>(controls: EngineControls, step: () => Promise<T>): Promise<T | MailshiftError> {
	for (let attempt = 1; ; attempt++) {
		try {
			return await step();
		} catch (error) {
			const e = toMailshiftError(error);
			const isTransient = e.disposition === 'retry' || e.disposition === 'verify';
			if (!isTransient || attempt >= SETUP_ATTEMPTS || controls.isStopping) return e;
			await sleep(Math.min(e.retryAfterMs ?? 1000 * 2 ** attempt, 30_000), controls.stopSignal);
			if (controls.isStopping) return e;
		}
	}
}

async function setUpOnce(deps: FolderSetupDeps, plan: FolderPlan, folder: FolderSummary, passed: ReadonlySet<string> | undefined): Promise<FolderTarget> {
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
	let deferred: DeferredIndex | undefined;
	// Look on the server first when the mailbox holds anything and either dedup is on or a previous run may have
	// uploaded messages whose outcome it never recorded (the crash window).
	if (state && state.exists > 0 && sink.loadIndex && (deps.skipExisting || journal?.isResumed)) {
		const done = journal?.doneIn(plan.label) ?? [];
		// Deferred when every copy the journal holds is named by a UID of this UIDVALIDITY: then a copy that is not
		// claimed by its UID at load time was expunged (UIDs are never reused, RFC 3501 §2.3.1.1), and there is
		// nothing to claim by content for a done message fed before the load. A `pending` row is not done: its
		// message reaches ensureIndex before it is sent, so it is still looked for on the server.
		const uidValidity = state.uidValidity;
		if (uidValidity !== undefined && done.every((entry) => entry.uid !== undefined && entry.uidValidity === uidValidity && entry.mailbox === mailbox)) {
			deferred = {passed: new Set(passed)};
		} else {
			index = await loadIndexOf(deps, plan, mailbox, done, pendingClaims, passed);
		}
	}
	return {mailbox, created: ensured.created, permanent, index, pendingClaims, deferred};
}

/**
 * Loads a deferred index before the first message of the folder is looked for on the server. Retried like the
 * setup (the FETCH is idempotent). Returns the error that kept it from loading, else undefined. Never throws.
 */
export async function ensureIndex(deps: FolderSetupDeps, plan: FolderPlan, target: FolderTarget): Promise<MailshiftError | undefined> {
	const deferred = target.deferred;
	if (deferred === undefined) return undefined;
	const index = await withRetries(deps.controls, () => loadIndexOf(deps, plan, target.mailbox, deps.journal?.doneIn(plan.label) ?? [], target.pendingClaims, deferred.passed));
	if (index instanceof MailshiftError) return index;
	target.index = index;
	target.deferred = undefined;
	return undefined;
}

/** The mailbox's index with the journal's copies claimed by UID; the others (not yet `passed`) left to claim by content. */
async function loadIndexOf(deps: FolderSetupDeps, plan: FolderPlan, mailbox: string, done: readonly DoneCopy[], pendingClaims: Set<string>, passed: ReadonlySet<string> | undefined): Promise<MailboxIndex> {
	const {journal, controls} = deps;
	// A run killed moments ago may have an APPEND the server is still finishing: let it settle first.
	const lastPending = journal?.lastPendingAt(plan.label);
	if (lastPending !== undefined && deps.now() - lastPending < PENDING_SETTLE_MS) {
		deps.events.emit({type: 'notice', message: `Waiting a few seconds for the server to finish what the previous run sent to ${mailbox}…`});
		await sleep(PENDING_SETTLE_MS - (deps.now() - lastPending), controls.stopSignal);
	}
	const index = await deps.sink.loadIndex!(mailbox, controls.abortSignal);
	for (const entry of done) {
		// Copies the journal knows are ours are taken first, so that they are not matched to other messages.
		const isOurs = entry.uid !== undefined && entry.uidValidity === index.uidValidity && entry.mailbox === mailbox && index.claimUid(entry.uid);
		if (!isOurs && !passed?.has(entry.key)) pendingClaims.add(entry.key);
	}
	return index;
}
