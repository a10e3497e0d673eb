/**
 * runMigration: reader → mapper → sink, folder by folder, with bounded concurrency and back-pressure. This file
 * wires the parts (docs/architecture.md): folder-setup.ts (mailbox, flags, UIDVALIDITY, index), scheduler.ts
 * (back-pressure, budgets, controls), upload.ts (retry, verify-on-ambiguity), checkpoint.ts (journal commits),
 * run-tally.ts (counts, problems, events).
 *
 * Contracts:
 * - Streams: the reader is not pulled until the scheduler has room (STYLE rule 9); one message is mapped
 *   (CRLF copy, header parse) only when it will be sent or looked for on the server — never one the journal
 *   has as done, or one the reader marked as not to upload.
 * - A message-level failure (server refused it, too big, unreadable) is recorded and the run continues.
 *   A fatal error (over quota, login lost, connection cannot be re-established) stops feeding, lets
 *   in-flight uploads finish, and is returned in `fatal` with the summary — nothing done is lost.
 * - `controls.stop()` stops feeding (graceful): messages not yet on the wire (queued, waiting for pacing, a
 *   connection, a batch or a retry) are not sent; APPENDs already sent finish. `controls.abort()` also ends
 *   those (the CLI closes the connections). Either way, a message that was not sent is not a failure: it stays
 *   `pending` in the journal (the next run looks for it on the server, then sends it) and is counted in
 *   `summary.notSent` with the rest of the store the run did not get to.
 * - Outcome-unknown uploads ('verify') are never retried blindly (upload.ts).
 * - The engine never imports React, ink, yargs, nor app/, cli/ or tui/ (test/core/boundaries.test.ts).
 */
import type {FolderMapOptions, FolderPlan} from '../mapper/folder-map.js';
import {planFolders} from '../mapper/folder-map.js';
import {REWRITE_WORDING} from '../mapper/fingerprint.js';
import {isSkip, mapMessage, skipOf} from '../mapper/map-message.js';
import type {MessageBuffers, SourceStore, SourceFolder} from '../contracts/source-store.js';
import type {MailSink} from '../contracts/mail-sink.js';
import type {EngineControls} from '../contracts/controls.js';
import {MailshiftError, toMailshiftError} from '../contracts/errors.js';
import type {EventSink} from '../contracts/events.js';
import type {ProblemRelay} from './problem-relay.js';
import type {Journal} from '../contracts/journal.js';
import type {FolderSummary, SourceMessage, SourceRef, Summary} from '../contracts/types.js';
import {Checkpoint} from './checkpoint.js';
import {canDeferSetup, ensureIndex, setUpFolder} from './folder-setup.js';
import type {FolderSetupDeps, FolderTarget} from './folder-setup.js';
import {RunTally} from './run-tally.js';
import {Scheduler} from './scheduler.js';
import {Uploader} from './upload.js';

export type EngineOptions = Readonly<{
	dryRun: boolean;
	/** @default false */
	includeTrashed: boolean;
	/** Parallel uploads (= IMAP connections). @default 4 */
	connections: number;
	folderMap: FolderMapOptions;
	/** INTERNALDATE for messages without any usable date (README "Dates"). */
	fallbackDate: Date;
	/** Maximum problems kept in the summary/report; the rest are counted. @default 10000 */
	maxProblems?: number;
	/** Look for each message on the server before uploading it when the target mailbox is not empty. @default true */
	skipExisting?: boolean;
	/** Journal writes per checkpoint (one durable commit). @default 100 */
	batchSize?: number;
	/** Uploaded bytes per checkpoint. @default 50 MiB */
	batchBytes?: number;
	/** Stop feeding after this long (graceful; resumable). @default unlimited */
	maxDurationMs?: number;
	/** Stop feeding before the uploaded bytes would pass this (graceful; resumable). @default unlimited */
	byteBudget?: number;
}>;

export type EngineDeps = Readonly<{
	source: SourceStore;
	sink: MailSink;
	events: EventSink;
	/** Records every message's fate; absent in dry runs. */
	journal?: Journal;
	/** Where the reader reports per-message problems (the relay given to the reader when it was opened). */
	readerProblems?: ProblemRelay;
	/**
	 * What the reader was opened with as ReaderOptions.messageBuffers: every message's `raw` is given back here
	 * once it is settled (skipped, found, failed, uploaded, or dropped by a stop), on every path.
	 */
	messageBuffers?: MessageBuffers;
	/**
	 * The source's folders, when the caller started listing them already (`source.listFolders`, e.g. while it
	 * logged in to the server); else the engine lists them.
	 */
	listedFolders?: Promise<SourceFolder[]>;
	now?: () => number;
}>;

/** `folders`: the store's folders as listed at the start (their counts and bytes give the store's size without listing again). */
export type EngineResult = Readonly<{summary: Summary; fatal?: MailshiftError; folders?: readonly SourceFolder[]}>;

/** What the parts of one run share. */
type Run = Readonly<{
	options: EngineOptions;
	deps: EngineDeps;
	controls: EngineControls;
	now: () => number;
	tally: RunTally;
	scheduler: Scheduler;
	checkpoint: Checkpoint;
	uploader: Uploader;
	setup: FolderSetupDeps;
	setFatal: (error: MailshiftError) => void;
}>;

/**
 * The folder being fed: its target once set up (lazily for a folder the store says holds no mail, and for one
 * whose setup may wait: canDeferSetup), and while the setup waits, the journal-done keys fed meanwhile.
 */
type FolderState = {target: FolderTarget | undefined; passed?: Set<string> | undefined; setupError?: MailshiftError};

export async function runMigration(options: EngineOptions, deps: EngineDeps, controls: EngineControls): Promise<EngineResult> {
	const {source, sink, events, journal} = deps;
	const now = deps.now ?? Date.now;
	const started = now();
	const tally = new RunTally(events, {dryRun: options.dryRun, maxProblems: options.maxProblems ?? 10_000});
	let fatal: MailshiftError | undefined;
	const setFatal = (error: MailshiftError): void => {
		fatal ??= error;
		controls.stop();
	};

	const folders = await (deps.listedFolders ?? source.listFolders(controls.abortSignal));
	// INBOX first (what users check first), then the store's own order.
	const plans = planFolders(folders, sink.layout(), options.folderMap).sort((a, b) => Number(b.mailbox === 'INBOX') - Number(a.mailbox === 'INBOX'));
	const knownCount = folders.every((f) => f.count !== undefined) ? folders.reduce((n, f) => n + (f.count ?? 0), 0) : undefined;
	const knownBytes = folders.every((f) => f.bytes !== undefined) ? folders.reduce((n, f) => n + (f.bytes ?? 0), 0) : undefined;
	events.emit({
		type: 'run:start', folders: plans.filter((p) => p.mailbox !== undefined).length, dryRun: options.dryRun,
		...(knownCount === undefined ? {} : {messages: knownCount}), ...(knownBytes === undefined ? {} : {bytes: knownBytes}),
	});

	// Queued messages a stop drops were read but not processed: they leave the counts (found = uploaded + skipped + failed).
	const scheduler = new Scheduler(sink, events, controls, {
		connections: options.connections, startedAt: started, now, onDropped: (n) => tally.leaveUnsent(tally.current, n),
		...(options.maxDurationMs === undefined ? {} : {maxDurationMs: options.maxDurationMs}),
		...(options.byteBudget === undefined ? {} : {byteBudget: options.byteBudget}),
	});
	const checkpoint = new Checkpoint(journal, {
		...(options.batchSize === undefined ? {} : {batchSize: options.batchSize}),
		...(options.batchBytes === undefined ? {} : {batchBytes: options.batchBytes}),
	});
	const uploader = new Uploader({sink, journal, tally, checkpoint, controls, now, onFatal: setFatal});
	const setup: FolderSetupDeps = {sink, journal, events, tally, controls, now, skipExisting: options.skipExisting ?? true};
	const run: Run = {options, deps, controls, now, tally, scheduler, checkpoint, uploader, setup, setFatal};
	const detachProblems = deps.readerProblems?.attach((p) => tally.readerProblem(p, source.location)) ?? ((): void => {});

	try {
		for (const plan of plans) {
			if (controls.isStopping) break;
			if (plan.mailbox === undefined) events.emit({type: 'folder:excluded', folder: plan.label});
			else await migrateFolder(run, plan, plan.mailbox);
		}
	} catch (error) {
		const e = toMailshiftError(error);
		if (!(e.code === 'ABORTED' && controls.isStopping)) setFatal(e);
	} finally {
		await scheduler.idle();
		checkpoint.flush();
		detachProblems();
		scheduler.dispose();
	}

	const summary = tally.finish(plans, controls.isStopping, now() - started);
	events.emit({type: 'run:done', summary});
	return fatal ? {summary, fatal, folders} : {summary, folders};
}

/** One folder: set up its mailbox, feed its messages to the scheduler, wait for them. Throws only fatal errors. */
async function migrateFolder(run: Run, plan: FolderPlan, mailbox: string): Promise<void> {
	const {tally, controls, deps} = run;
	const folder: FolderSummary = {folder: plan.label, mailbox, found: 0, uploaded: 0, skipped: 0, failed: 0, bytes: 0};
	tally.summary.folders.push(folder);
	tally.current = folder;
	for (const note of plan.notes) tally.warn({folder: plan.label, location: plan.label, code: 'FOLDER_RENAMED', reason: note}, 'folder');
	const state: FolderState = {target: undefined};
	// A folder that holds no mail (an Outlook Calendar or Contacts folder) gets a mailbox only if a mail item
	// turns up in it; its items are still counted as "not mail, not migrated". One whose messages the journal
	// has as done, in a mailbox the server listed with the same UIDVALIDITY, is set up only if a message that is
	// not done turns up (a re-run with nothing to do sends no SELECT).
	if (plan.folder.holdsMail === false) {
		// Set up with its first mail item, if any.
	} else if (canDeferSetup(run.setup, plan, mailbox)) {
		state.passed = new Set();
	} else {
		const ready = await setUpFolder(run.setup, plan, folder);
		if (ready instanceof MailshiftError) {
			if (ready.disposition === 'fatal') run.setFatal(ready);
			// Stopped while retrying: the folder is left for the next run. Else it cannot be created: every message
			// in it is reported, the rest of the run continues.
			else if (!controls.isStopping) await failFolder(run, plan.folder, folder, `${ready.message}${ready.hint ? ` ${ready.hint}` : ''}`, ready.code);
			return;
		}
		state.target = ready;
	}
	deps.events.emit({type: 'folder:start', folder: plan.label, mailbox: folder.mailbox, created: state.target?.created ?? false, ...(plan.folder.count === undefined ? {} : {total: plan.folder.count}), ...(plan.folder.holdsMail === false ? {holdsNoMail: true} : {})});

	try {
		// Done messages whose ref the reader knows without their bytes are counted here and never read.
		const isKnown = (ref: SourceRef): boolean => isKnownDone(run, folder, state, ref);
		for await (const message of deps.source.messages(plan.folder, controls.stopSignal, {isKnown})) {
			let fed: Fed | undefined;
			try {
				if (!controls.isStopping) fed = await feedMessage(run, plan, folder, state, message);
			} finally {
				// Settled here unless its upload was queued (the upload gives its buffer back: queueMessage).
				if (fed !== 'queued') deps.messageBuffers?.give(message.raw);
			}
			if (fed === undefined || fed === 'stop') break;
		}
	} catch (error) {
		const e = toMailshiftError(error);
		// A stop makes the reader throw ABORTED: that is the stop, not an error.
		if (!(e.code === 'ABORTED' && controls.isStopping)) {
			if (e.disposition !== 'skip') throw e;
			// The folder could not be read (further): the rest of the store still migrates. It counts as one
			// failure so that the exit code says "some messages failed" (its messages are unknown).
			tally.folderFailed(folder, e.code, `${e.message}${e.hint ? ` ${e.hint}` : ''}`, e.message);
		}
	}
	await run.scheduler.idle();
	run.checkpoint.flush();
	tally.current = undefined;
	if (!controls.isStopping) deps.events.emit({type: 'folder:done', folder: plan.label});
}

/** What became of a message fed to the run: settled ('next'), queued for upload, or settled and the folder ends. */
type Fed = 'next' | 'queued' | 'stop';

/**
 * One message read from the store: skipped (done in the journal, or not to be uploaded), found on the server,
 * or mapped and queued for upload ('queued'). 'stop' ends the folder (a stop, a budget, a fatal setup error).
 */
async function feedMessage(run: Run, plan: FolderPlan, folder: FolderSummary, state: FolderState, message: SourceMessage): Promise<Fed> {
	const {tally, controls, options} = run;
	const journal = run.deps.journal;
	const {ref} = message;
	tally.found(folder);
	if (journal?.isDone(ref)) {
		// Uploaded by an earlier run. If its copy could not be matched by UID, claim it by content now: the only
		// time a message that is not sent is mapped.
		const target = state.target;
		(target ? target.deferred?.passed : state.passed)?.add(ref.key);
		if (target?.index && target.pendingClaims.delete(ref.key) && !skipOf(message, options)) {
			const mapped = mapMessage(message, target.mailbox, {includeTrashed: options.includeTrashed, now: run.now(), fallbackDate: options.fallbackDate});
			if (!isSkip(mapped)) await target.index.claim(mapped.job);
		}
		tally.skip(ref, folder, 'ALREADY_UPLOADED', ALREADY_UPLOADED, false);
		return 'next';
	}
	const skip = skipOf(message, options);
	if (skip) {
		journal?.skip(ref, skip.code, skip.reason);
		tally.skip(ref, folder, skip.code, skip.reason, true);
		return 'next';
	}
	if (!state.target) {
		// A setup that failed (after its own retries) is not tried again for every message: the rest of the
		// folder fails with its reason, as a folder whose setup failed at its start does (failFolder).
		if (state.setupError) return setupFailed(run, folder, ref, state.setupError);
		const ready = await setUpFolder(run.setup, plan, folder, state.passed);
		if (ready instanceof MailshiftError) {
			state.setupError = ready;
			return setupFailed(run, folder, ref, ready);
		}
		state.target = ready;
		state.passed = undefined;
	}
	return queueMessage(run, plan, folder, state.target, message);
}

const ALREADY_UPLOADED = 'uploaded by an earlier run (journal)';

/**
 * The reader's question before it reads a message (`MessagesOptions.isKnown`): true when the journal has it as
 * done and nothing about it needs its bytes — it is counted as already uploaded here. A done message whose copy
 * is to be claimed by content, or any message while stopping, is read and goes through feedMessage.
 */
function isKnownDone(run: Run, folder: FolderSummary, state: FolderState, ref: SourceRef): boolean {
	if (run.controls.isStopping || run.deps.journal?.isDone(ref) !== true) return false;
	const target = state.target;
	if (target?.index && target.pendingClaims.has(ref.key)) return false;
	(target ? target.deferred?.passed : state.passed)?.add(ref.key);
	run.tally.found(folder);
	run.tally.skip(ref, folder, 'ALREADY_UPLOADED', ALREADY_UPLOADED, false);
	return true;
}

/** A folder's setup (or its deferred index) failed for one message: stop, or fail the message and go on. */
function setupFailed(run: Run, folder: FolderSummary, ref: SourceRef, error: MailshiftError): 'next' | 'stop' {
	if (error.disposition === 'fatal') {
		run.setFatal(error);
		return 'stop';
	}
	if (run.controls.isStopping) {
		run.tally.leaveUnsent(folder);
		return 'stop';
	}
	run.tally.fail(ref, folder, error.code, `${error.message}${error.hint ? ` ${error.hint}` : ''}`);
	return 'next';
}

/**
 * Maps a message that will be sent (flags filtered once, for this mailbox), looks for it on the server, queues it.
 * A queued message's buffer is given back (EngineDeps.messageBuffers) when its upload is settled or a stop drops it.
 */
async function queueMessage(run: Run, plan: FolderPlan, folder: FolderSummary, target: FolderTarget, message: SourceMessage): Promise<Fed> {
	const {tally, controls, options} = run;
	const journal = run.deps.journal;
	const {ref} = message;
	const mapped = mapMessage(message, target.mailbox, {includeTrashed: options.includeTrashed, now: run.now(), fallbackDate: options.fallbackDate, mailbox: {permanent: target.permanent}});
	if (isSkip(mapped)) throw new MailshiftError('BUG', `${ref.location}: mapped as skipped (${mapped.code}) after skipOf let it through.`, 'fatal');
	const {job} = mapped;
	if (target.deferred) {
		const failed = await ensureIndex(run.setup, plan, target);
		if (failed) return setupFailed(run, folder, ref, failed);
	}
	if (target.index) {
		const claim = await target.index.claim(job);
		if (claim) {
			journal?.done(job, {mailbox: target.mailbox, uid: claim.uid, ...(target.index.uidValidity === undefined ? {} : {uidValidity: target.index.uidValidity})}, 'found-on-server');
			const how = claim.kind === 'exact' ? 'same Message-ID and size' : claim.kind === 'similar' ? 'same Message-ID, nearly the same size and date'
				: claim.kind === 'rewritten' ? `same Message-ID, Date, From and Subject; ${REWRITE_WORDING[claim.rewrite ?? 'nul-stripped']}` : 'identical bytes';
			tally.skip(ref, folder, 'ALREADY_ON_SERVER', `already in ${target.mailbox} on the server (UID ${claim.uid}: ${how})`, false);
			run.checkpoint.noteWrite(0);
			return 'next';
		}
	}
	if (mapped.droppedFlags.length > 0) {
		tally.warn({folder: plan.label, location: ref.location, key: ref.key, code: 'FLAGS_DROPPED', reason: `flags not kept by the server or not valid IMAP flags: ${mapped.droppedFlags.join(' ')}`}, 'none');
	}
	if (job.dateSource === 'fallback') {
		const reason = `no usable date (Received, ${message.storeDate ? message.storeDate.source + ', ' : ''}Date); received date set to the fallback ${options.fallbackDate.toISOString()}`;
		tally.warn({folder: plan.label, location: ref.location, key: ref.key, code: 'DATE_FALLBACK', reason}, 'message');
	}
	const admission = await run.scheduler.admit(job.content.length);
	if (admission.verdict !== 'go') {
		if (admission.verdict === 'stopped-waiting') tally.leaveUnsent(folder);
		else tally.unread(folder);
		if (admission.verdict === 'budget') {
			tally.summary.stopReason = admission.reason;
			controls.stop();
		}
		return 'stop';
	}
	journal?.begin(job);
	// Once the upload is settled nothing reads the message's bytes again (MailSink.append keeps no reference).
	const giveBack = (): void => run.deps.messageBuffers?.give(message.raw);
	run.scheduler.submit(job.content.length, async () => {
		try {
			await run.uploader.upload(job, folder);
		} finally {
			giveBack();
		}
	}, giveBack);
	return 'queued';
}

/** A folder whose mailbox cannot be made: every message in it is a failure with the setup's reason. */
async function failFolder(run: Run, source: SourceFolder, folder: FolderSummary, reason: string, code: string): Promise<void> {
	for await (const message of run.deps.source.messages(source, run.controls.stopSignal)) {
		run.tally.found(folder);
		run.tally.fail(message.ref, folder, code, reason);
		run.deps.messageBuffers?.give(message.raw);
	}
}
