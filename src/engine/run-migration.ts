/**
 * runMigration: reader → mapper → sink, folder by folder, with bounded concurrency and back-pressure.
 *
 * Contracts:
 * - Streams: at most `2 × connections` mapped messages wait in the queue plus `connections × window` in
 *   flight (window = the sink's appendWindow, e.g. a MULTIAPPEND batch; 1 otherwise), and never more than
 *   MAX_IN_FLIGHT_BYTES of message bytes (beyond one message); the reader is not pulled until there is room
 *   (p-queue onSizeLessThan, STYLE rule 9).
 * - A message-level failure (server refused it, too big, unreadable) is recorded and the run continues.
 *   A fatal error (over quota, login lost, connection cannot be re-established) stops feeding, lets
 *   in-flight uploads finish, and is returned in `fatal` with the summary — nothing done is lost.
 * - `controls.stop()` stops feeding (graceful): messages not yet on the wire (queued, waiting for pacing, a
 *   connection, a batch or a retry) are not sent; APPENDs already sent finish. `controls.abort()` also ends
 *   those (the CLI closes the connections). Either way, a message that was not sent is not a failure: it stays
 *   `pending` in the journal (the next run looks for it on the server, then sends it) and is counted in
 *   `summary.notSent` with the rest of the store the run did not get to.
 * - Retries here are deliberately small (transient 'retry' dispositions, 3 attempts without progress of the run,
 *   at most MAX_ATTEMPTS, bounded backoff);
 *   outcome-unknown uploads ('verify') are NOT retried blindly: without the journal (issue #4) a retry
 *   could duplicate, so they are reported as failed, naming the message, and the exit code says "run again".
 * - The engine never imports React, ink or yargs (test/core/boundaries.test.ts).
 */
import {setMaxListeners} from 'node:events';
import PQueue from 'p-queue';
import type {FolderMapOptions} from '../mapper/folder-map.js';
import {planFolders} from '../mapper/folder-map.js';
import {REWRITE_WORDING} from '../mapper/fingerprint.js';
import {allowedFlags} from '../mapper/flags.js';
import {isSkip, mapMessage} from '../mapper/map-message.js';
import type {SourceStore, ReaderProblem} from '../contracts/source-store.js';
import type {MailSink} from '../contracts/mail-sink.js';
import type {EngineControls} from '../contracts/controls.js';
import type {MailshiftError} from '../contracts/errors.js';
import {toMailshiftError} from '../contracts/errors.js';
import type {EventSink} from '../contracts/events.js';
import type {ProblemRelay} from './problem-relay.js';
import type {Journal} from '../contracts/journal.js';
import type {MailboxIndex} from '../contracts/mailbox-index.js';
import type {FolderSummary, Problem, SourceRef, Summary, UploadJob} from '../contracts/types.js';

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
	now?: () => number;
}>;

export type EngineResult = Readonly<{summary: Summary; fatal?: MailshiftError}>;

/**
 * A message's attempts in a row with no message of the run landing on the server in between; while others land,
 * a cut link is still moving mail and the message keeps its turn (issue #12 item 11). Bounded by MAX_ATTEMPTS.
 */
const RETRIES = 3;
/** Attempts of one message at most, progress or not. */
const MAX_ATTEMPTS = 30;
/** Attempts to prepare a folder (CREATE/SELECT/index) across dropped connections. */
const SETUP_ATTEMPTS = 4;
/** Wait before (and between) looks for an upload whose outcome is unknown. */
const VERIFY_GRACE_MS = 2500;
/** A previous run's `pending` rows younger than this may still be being saved by the server: wait before looking. */
const PENDING_SETTLE_MS = 5000;
/** Message bytes handed to the sink and not yet answered (a batching sink holds whole batches). */
const MAX_IN_FLIGHT_BYTES = 40 * 1024 * 1024;

export async function runMigration(options: EngineOptions, deps: EngineDeps, controls: EngineControls): Promise<EngineResult> {
	const {source, sink, events} = deps;
	const now = deps.now ?? Date.now;
	const started = now();
	const maxProblems = options.maxProblems ?? 10_000;
	const summary: Summary = {
		dryRun: options.dryRun, folders: [], found: 0, uploaded: 0, skipped: 0, failed: 0, bytes: 0,
		elapsedMs: 0, interrupted: false, problems: [], problemsDropped: 0, skippedUnlisted: {},
	};
	let fatal: MailshiftError | undefined;
	let current: FolderSummary | undefined;
	const journal = deps.journal;
	let index: MailboxIndex | undefined;
	/** Journal `done` keys of the current folder whose server copy could not be claimed by UID. */
	const pendingClaims = new Set<string>();
	const skippedByCode = new Map<string, number>();
	let writesSinceCheckpoint = 0;
	let queuedBytes = 0;
	let bytesSinceCheckpoint = 0;
	/** Messages read but not sent because the run stopped (dropped from the queue, withdrawn, or cut off by an abort). */
	let unsent = 0;

	const record = (problem: Problem): void => {
		if (summary.problems.length < maxProblems) summary.problems.push(problem);
		else summary.problemsDropped++;
	};
	const onReaderProblem = (p: ReaderProblem): void => {
		record({folder: p.folder, location: p.location, key: '', kind: p.kind, code: p.code, reason: p.reason});
		if (p.kind === 'failed') {
			summary.failed++;
			summary.found++;
			if (current) {
				current.failed++;
				current.found++;
			}
			events.emit({type: 'message:failed', ref: {store: source.location, folder: p.folder, key: '', location: p.location}, code: p.code, message: p.reason});
		} else {
			events.emit({type: 'warning', folder: p.folder, location: p.location, message: p.reason});
		}
	};
	const setFatal = (error: MailshiftError): void => {
		fatal ??= error;
		controls.stop();
	};
	// A stop (graceful or fatal) lets uploads in flight finish but never starts the queued ones: after
	// OVER_QUOTA they would only fail too, and after Ctrl-C the user asked us to stop. They were read but
	// not processed, so they leave the counts (found = uploaded + skipped + failed).
	const dropQueued = (): void => {
		const dropped = queue.size;
		queue.clear();
		unsent += dropped;
		summary.found -= dropped;
		if (current) current.found -= dropped;
	};

	const folders = await source.listFolders(controls.abortSignal);
	// INBOX first (what users check first), then the store's own order.
	const plans = planFolders(folders, sink.layout(), options.folderMap).sort((a, b) => Number(b.mailbox === 'INBOX') - Number(a.mailbox === 'INBOX'));
	const knownCount = folders.every((f) => f.count !== undefined) ? folders.reduce((n, f) => n + (f.count ?? 0), 0) : undefined;
	const knownBytes = folders.every((f) => f.bytes !== undefined) ? folders.reduce((n, f) => n + (f.bytes ?? 0), 0) : undefined;
	events.emit({
		type: 'run:start', folders: plans.filter((p) => p.mailbox !== undefined).length, dryRun: options.dryRun,
		...(knownCount === undefined ? {} : {messages: knownCount}), ...(knownBytes === undefined ? {} : {bytes: knownBytes}),
	});

	const window = Math.max(1, sink.appendWindow?.() ?? 1);
	const queue = new PQueue({concurrency: Math.max(1, options.connections) * window});
	let connections = Math.max(1, options.connections);
	// Every upload in flight may wait on the run's signals (pacing, backoff, a look on the server): that many
	// listeners are expected, not a leak, so Node's warning (at 11) is raised to the bound the queue enforces.
	const expectListeners = (): void => setMaxListeners(Math.max(10, 2 * connections * window + 10), controls.abortSignal, controls.stopSignal);
	expectListeners();
	let inFlightBytes = 0;
	/** Messages that reached the server in this run (uploaded, or found there after a cut): the retry loop's progress. */
	let landed = 0;
	const bytesFreed: Array<() => void> = [];
	/** Indexes loaded to look for messages whose upload outcome is unknown, shared by the messages of one cut batch. */
	const lookups = new Map<string, {startedAt: number; index: Promise<MailboxIndex>}>();
	const unsubscribeControls = controls.subscribe((change) => {
		if (change.type === 'pause') queue.pause();
		else if (change.type === 'resume') queue.start();
		else {
			connections = change.connections;
			sink.setConnections?.(connections);
			queue.concurrency = connections * window;
			expectListeners();
			events.emit({type: 'connections:target', connections});
		}
	});
	// A pause asked for before the run started (the dashboard is up while the store is being opened) holds.
	if (controls.isPaused) queue.pause();
	controls.stopSignal.addEventListener('abort', dropQueued, {once: true});
	const detachProblems = deps.readerProblems?.attach(onReaderProblem) ?? ((): void => {});

	try {
		for (const plan of plans) {
			if (controls.isStopping) break;
			if (plan.mailbox === undefined) {
				events.emit({type: 'folder:excluded', folder: plan.label});
				continue;
			}
			let mailbox = plan.mailbox;
			const folderSummary: FolderSummary = {folder: plan.label, mailbox, found: 0, uploaded: 0, skipped: 0, failed: 0, bytes: 0};
			summary.folders.push(folderSummary);
			current = folderSummary;
			for (const note of plan.notes) {
				record({folder: plan.label, location: plan.label, key: '', kind: 'warning', code: 'FOLDER_RENAMED', reason: note});
				events.emit({type: 'warning', folder: plan.label, message: note});
			}

			let permanent: ReadonlySet<string> | undefined;
			let created = false;
			let setupError: MailshiftError | undefined;
			let isPrepared = false;
			/** CREATE/SUBSCRIBE, SELECT, the index: true when the folder is ready for uploads. */
			const prepare = async (): Promise<boolean> => {
				// Preparing a folder (CREATE, SELECT, the index FETCH) is retried a few times when the connection
				// drops: these commands are idempotent, and giving up would fail every message of the folder.
				for (let attempt = 1; attempt <= SETUP_ATTEMPTS; attempt++) {
					setupError = undefined;
					try {
						const ensured = await sink.ensureMailbox(mailbox, controls.abortSignal);
						mailbox = ensured.path;
						folderSummary.mailbox = mailbox;
						created = ensured.created;
						if (ensured.note) {
							record({folder: plan.label, location: plan.label, key: '', kind: 'warning', code: 'FOLDER_RENAMED', reason: ensured.note});
							events.emit({type: 'warning', folder: plan.label, message: ensured.note});
						}
						const state = sink.mailboxState ? await sink.mailboxState(mailbox, controls.abortSignal) : undefined;
						permanent = state ? state.permanentFlags : await sink.permanentFlags(mailbox, controls.abortSignal);
						index = undefined;
						pendingClaims.clear();
						if (journal && state?.uidValidity !== undefined) {
							const recorded = journal.uidValidity(mailbox);
							if (recorded !== undefined && recorded !== state.uidValidity) {
								// RFC 3501 §2.3.1.1: the recorded UIDs no longer name these messages (mailbox recreated?).
								journal.resetMailbox(mailbox, state.uidValidity);
								const note = `the server's UIDVALIDITY of ${mailbox} changed (${recorded} → ${state.uidValidity}); every message is checked on the server again`;
								record({folder: plan.label, location: mailbox, key: '', kind: 'warning', code: 'UIDVALIDITY_CHANGED', reason: note});
								events.emit({type: 'warning', folder: plan.label, message: note});
							}
						}
						// Look on the server first when the mailbox holds anything and either dedup is on or a previous
						// run may have uploaded messages whose outcome it never recorded (the crash window).
						if (state && state.exists > 0 && sink.loadIndex && ((options.skipExisting ?? true) || journal?.isResumed)) {
							// A run killed moments ago may have an APPEND the server is still finishing: let it settle first.
							const lastPending = journal?.lastPendingAt(plan.label);
							if (lastPending !== undefined && now() - lastPending < PENDING_SETTLE_MS) {
								events.emit({type: 'notice', message: `Waiting a few seconds for the server to finish what the previous run sent to ${mailbox}…`});
								await sleep(PENDING_SETTLE_MS - (now() - lastPending), controls.stopSignal);
							}
							index = await sink.loadIndex(mailbox, controls.abortSignal);
							if (journal) {
								for (const entry of journal.doneIn(plan.label)) {
									// Copies the journal knows are ours are taken first, so that they are not matched to other messages.
									const isOurs = entry.uid !== undefined && entry.uidValidity === index.uidValidity && entry.mailbox === mailbox && index.claimUid(entry.uid);
									if (!isOurs) pendingClaims.add(entry.key);
								}
							}
						}
					} catch (error) {
						setupError = toMailshiftError(error);
						const isTransient = setupError.disposition === 'retry' || setupError.disposition === 'verify';
						if (isTransient && attempt < SETUP_ATTEMPTS && !controls.isStopping) {
							await sleep(Math.min(setupError.retryAfterMs ?? 1000 * 2 ** attempt, 30_000), controls.stopSignal);
							if (!controls.isStopping) continue;
						}
					}
					break;
				}
				if (setupError) return false;
				isPrepared = true;
				return true;
			};
			// A folder that holds no mail (an Outlook Calendar or Contacts folder) gets a mailbox only if a mail
			// item turns up in it; its items are still counted as "not mail, not migrated".
			if (plan.folder.holdsMail !== false && !(await prepare())) {
				const e = setupError ?? toMailshiftError(new Error('folder setup failed'));
				if (e.disposition === 'fatal') {
					setFatal(e);
					break;
				}
				if (controls.isStopping) break; // stopped while retrying: the folder is left for the next run
				// The folder cannot be created: every message in it is reported, the rest of the run continues.
				await drainFolder(plan.folder, `${e.message}${e.hint ? ` ${e.hint}` : ''}`, e.code);
				continue;
			}
			events.emit({type: 'folder:start', folder: plan.label, mailbox, created, ...(plan.folder.count === undefined ? {} : {total: plan.folder.count}), ...(plan.folder.holdsMail === false ? {holdsNoMail: true} : {})});

			try {
				for await (const message of source.messages(plan.folder, controls.stopSignal)) {
					if (controls.isStopping) break;
					summary.found++;
					folderSummary.found++;
					const entry = journal?.get(message.ref);
					const mapped = mapMessage(message, mailbox, {includeTrashed: options.includeTrashed, now: now(), fallbackDate: options.fallbackDate});
					if (entry?.state === 'done') {
						// Uploaded by an earlier run. If its copy could not be matched by UID, claim it by content now.
						if (index && pendingClaims.delete(message.ref.key) && !isSkip(mapped)) await index.claim(mapped.job);
						skipMessage(message.ref, folderSummary, 'ALREADY_UPLOADED', 'uploaded by an earlier run (journal)', false);
						continue;
					}
					if (isSkip(mapped)) {
						journal?.skip(message.ref, mapped.code, mapped.reason);
						skipMessage(message.ref, folderSummary, mapped.code, mapped.reason, true);
						continue;
					}
					if (!isPrepared && !(await prepare())) {
						const e = setupError ?? toMailshiftError(new Error('folder setup failed'));
						if (e.disposition === 'fatal') {
							setFatal(e);
							break;
						}
						if (controls.isStopping) {
							leaveUnsent(folderSummary);
							break;
						}
						failMessage(message.ref, folderSummary, e.code, `${e.message}${e.hint ? ` ${e.hint}` : ''}`);
						continue;
					}
					const {flags, dropped} = allowedFlags(mapped.job.flags, permanent);
					const job: UploadJob = {...mapped.job, mailbox, flags};
					if (index) {
						const claim = await index.claim(job);
						if (claim) {
							journal?.done(job, {mailbox, uid: claim.uid, ...(index.uidValidity === undefined ? {} : {uidValidity: index.uidValidity})}, 'found-on-server');
							const how = claim.kind === 'exact' ? 'same Message-ID and size' : claim.kind === 'similar' ? 'same Message-ID, nearly the same size and date'
								: claim.kind === 'rewritten' ? `same Message-ID, Date, From and Subject; ${REWRITE_WORDING[claim.rewrite ?? 'nul-stripped']}` : 'identical bytes';
							skipMessage(message.ref, folderSummary, 'ALREADY_ON_SERVER', `already in ${mailbox} on the server (UID ${claim.uid}: ${how})`, false);
							noteWrite(0);
							continue;
						}
					}
					const droppedAll = [...mapped.droppedFlags, ...dropped];
					if (droppedAll.length > 0) {
						record({folder: plan.label, location: message.ref.location, key: message.ref.key, kind: 'warning', code: 'FLAGS_DROPPED',
							reason: `flags not kept by the server or not valid IMAP flags: ${droppedAll.join(' ')}`});
					}
					if (job.dateSource === 'fallback') {
						const reason = `no usable date (Received, ${message.storeDate ? message.storeDate.source + ', ' : ''}Date); received date set to the fallback ${options.fallbackDate.toISOString()}`;
						record({folder: plan.label, location: message.ref.location, key: message.ref.key, kind: 'warning', code: 'DATE_FALLBACK', reason});
						events.emit({type: 'warning', folder: plan.label, location: message.ref.location, message: reason});
					}
					await queue.onSizeLessThan(2 * connections);
					if (controls.isStopping) {
						summary.found--;
						folderSummary.found--;
						break;
					}
					const overBudget = options.byteBudget !== undefined && queuedBytes + job.content.length > options.byteBudget;
					const overTime = options.maxDurationMs !== undefined && now() - started >= options.maxDurationMs;
					if (overBudget || overTime) {
						summary.stopReason = overBudget
							? `the byte budget (${options.byteBudget} bytes) for this run is used up; run the same command again (e.g. tomorrow) to continue.`
							: `the time limit (--max-duration) is reached; run the same command again to continue.`;
						summary.found--;
						folderSummary.found--;
						controls.stop();
						break;
					}
					while (inFlightBytes > 0 && inFlightBytes + job.content.length > MAX_IN_FLIGHT_BYTES) {
						await new Promise<void>((resolve) => bytesFreed.push(resolve));
					}
					if (controls.isStopping) {
						summary.found--;
						folderSummary.found--;
						unsent++;
						break;
					}
					queuedBytes += job.content.length;
					inFlightBytes += job.content.length;
					journal?.begin(job);
					void queue.add(() => upload(job, folderSummary)).finally(() => {
						inFlightBytes -= job.content.length;
						for (const wake of bytesFreed.splice(0)) wake();
					});
				}
			} catch (error) {
				const e = toMailshiftError(error);
				// A stop makes the reader throw ABORTED: that is the stop, not an error.
				if (!(e.code === 'ABORTED' && controls.isStopping)) {
					if (e.disposition !== 'skip') throw e;
					// The folder could not be read (further): the rest of the store still migrates. It counts as
					// one failure so that the exit code says "some messages failed" (its messages are unknown).
					summary.failed++;
					folderSummary.failed++;
					record({folder: plan.label, location: plan.label, key: '', kind: 'failed', code: e.code, reason: `${e.message}${e.hint ? ` ${e.hint}` : ''}`});
					events.emit({type: 'warning', folder: plan.label, message: e.message});
				}
			}
			await queue.onIdle();
			journal?.checkpoint();
			current = undefined;
			if (!controls.isStopping) events.emit({type: 'folder:done', folder: plan.label});
		}
	} catch (error) {
		const e = toMailshiftError(error);
		if (!(e.code === 'ABORTED' && controls.isStopping)) setFatal(e);
	} finally {
		await queue.onIdle();
		journal?.checkpoint();
		detachProblems();
		unsubscribeControls();
	}

	summary.skippedUnlisted = Object.fromEntries(skippedByCode);
	summary.interrupted = controls.isStopping;
	if (summary.interrupted) summary.notSent = notSent();
	summary.elapsedMs = now() - started;
	events.emit({type: 'run:done', summary});
	return fatal ? {summary, fatal} : {summary};

	/**
	 * The mailbox's index as loaded no earlier than `notBefore`: the messages of one batch that was cut off all
	 * look at the same time, and one FETCH of the mailbox serves them all (claims keep them from matching the
	 * same copy).
	 */
	function lookup(mailbox: string, notBefore: number): Promise<MailboxIndex> {
		const cached = lookups.get(mailbox);
		if (cached !== undefined && cached.startedAt >= notBefore) return cached.index;
		const index = sink.loadIndex!(mailbox, controls.abortSignal);
		lookups.set(mailbox, {startedAt: now(), index});
		index.catch(() => lookups.delete(mailbox));
		return index;
	}

	async function upload(job: UploadJob, folder: FolderSummary): Promise<void> {
		// Retry budget: RETRIES attempts without progress of the whole run, MAX_ATTEMPTS in all (see RETRIES).
		let stalled = 0;
		let landedBefore = landed;
		const mayRetry = (attempt: number): boolean => {
			if (landed !== landedBefore) {
				stalled = 0;
				landedBefore = landed;
			}
			stalled++;
			return stalled < RETRIES && attempt < MAX_ATTEMPTS;
		};
		for (let attempt = 1; ; attempt++) {
			try {
				// The stop signal withdraws the message while it is not on the wire yet (MailSink.append contract).
				const receipt = await sink.append(job, controls.stopSignal);
				landed++;
				if (receipt.note !== undefined) {
					record({folder: folder.folder, location: job.ref.location, key: job.ref.key, kind: 'warning', code: 'HEADERS_ENCODED', reason: receipt.note});
				}
				journal?.done(job, receipt, 'uploaded');
				noteWrite(job.content.length);
				summary.uploaded++;
				folder.uploaded++;
				summary.bytes += job.content.length;
				folder.bytes += job.content.length;
				events.emit({type: 'message:uploaded', ref: job.ref, mailbox: receipt.mailbox, bytes: job.content.length, ...(receipt.uid === undefined ? {} : {uid: receipt.uid})});
				return;
			} catch (error) {
				const e = toMailshiftError(error);
				if (isCutByStop(e)) {
					leaveUnsent(folder);
					return;
				}
				const isRetryAllowed = (e.disposition === 'verify' || e.disposition === 'retry') && mayRetry(attempt);
				if (e.disposition === 'verify' && isRetryAllowed && !controls.abortSignal.aborted && sink.loadIndex) {
					// Outcome unknown (connection cut mid-APPEND): look before sending it again (never blindly retry).
					// The server may still be saving it: Dovecot finishes an APPEND whose client vanished right after
					// the literal, and showed it to another session only ~1 s later (measured). So "not there" counts
					// only after two looks, VERIFY_GRACE_MS apart, the first VERIFY_GRACE_MS after the failure.
					try {
						let claim: Awaited<ReturnType<MailboxIndex['claim']>> | undefined;
						let fresh: MailboxIndex | undefined;
						const failedAt = now();
						for (let look = 0; look < 2 && !claim; look++) {
							await sleep(VERIFY_GRACE_MS * (look + 1), controls.abortSignal);
							if (controls.abortSignal.aborted) throw e;
							// Loaded after this message's grace (less a little, so the batch's messages share it).
							fresh = await lookup(job.mailbox, failedAt + VERIFY_GRACE_MS * (look + 1) - 200);
							claim = await fresh.claim(job);
						}
						if (claim && fresh) {
							landed++;
							journal?.done(job, {mailbox: job.mailbox, uid: claim.uid, ...(fresh.uidValidity === undefined ? {} : {uidValidity: fresh.uidValidity})}, 'found-on-server');
							noteWrite(job.content.length);
							summary.uploaded++;
							folder.uploaded++;
							summary.bytes += job.content.length;
							folder.bytes += job.content.length;
							events.emit({type: 'message:uploaded', ref: job.ref, mailbox: job.mailbox, bytes: job.content.length, uid: claim.uid});
							return;
						}
						continue; // not stored: safe to send again
					} catch {
						// Could not check now: leave it pending; the next run checks before sending.
					}
				}
				if (e.disposition === 'retry' && isRetryAllowed && !controls.abortSignal.aborted) {
					await sleep(Math.min(e.retryAfterMs ?? 1000 * 2 ** attempt, 60_000), controls.stopSignal);
					continue;
				}
				if (e.disposition === 'fatal' || e.code === 'ABORTED') {
					if (e.code !== 'ABORTED') setFatal(e);
					failMessage(job.ref, folder, e.code === 'ABORTED' ? 'ABORTED' : e.code, `not uploaded: ${e.message}`);
					return;
				}
				// 'verify' stays `pending` in the journal: the next run looks for it on the server before sending it.
				const outcome = e.disposition === 'verify' ? ' It may or may not have been stored; running the same command again checks the server before sending it.' : '';
				if (e.disposition !== 'verify') journal?.fail(job.ref, e.code, e.message);
				failMessage(job.ref, folder, e.code, e.message + outcome);
				return;
			}
		}
	}

	/**
	 * True when the error says the message was not sent because of a stop (ABORTED: the sink withdrew it before
	 * it went on the wire), or the run was aborted and the APPEND cut off (outcome unknown, `pending` in the
	 * journal). A definite answer of the server ('skip') is still a failure.
	 */
	function isCutByStop(e: MailshiftError): boolean {
		return (e.code === 'ABORTED' && controls.isStopping) || (controls.abortSignal.aborted && e.disposition !== 'skip');
	}

	/** Leaves a message for the next run: not a failure; its journal row stays `pending` (written by `begin`). */
	function leaveUnsent(folder: FolderSummary): void {
		unsent++;
		summary.found--;
		folder.found--;
	}

	/**
	 * What the next run still has to do: the rest of the store when every planned folder's size is known (what
	 * was found is done, skipped or failed), else at least the messages read and not sent.
	 */
	function notSent(): NonNullable<Summary['notSent']> {
		const counts = plans.filter((p) => p.mailbox !== undefined).map((p) => p.folder.count);
		if (counts.some((n) => n === undefined)) return {messages: unsent, isExact: false};
		const total = counts.reduce<number>((n, c) => n + (c ?? 0), 0);
		return {messages: Math.max(unsent, total - summary.found), isExact: true};
	}

	function skipMessage(ref: SourceRef, folder: FolderSummary, code: string, reason: string, isListed: boolean): void {
		summary.skipped++;
		folder.skipped++;
		// Messages found done or on the server are counted, not listed one by one (there can be millions).
		if (isListed) record({folder: folder.folder, location: ref.location, key: ref.key, kind: 'skipped', code, reason});
		else skippedByCode.set(code, (skippedByCode.get(code) ?? 0) + 1);
		events.emit({type: 'message:skipped', ref, code, reason});
	}

	/** Batches journal commits: one durable checkpoint per `batchSize` writes or `batchBytes` uploaded. */
	function noteWrite(bytes: number): void {
		if (!journal) return;
		writesSinceCheckpoint++;
		bytesSinceCheckpoint += bytes;
		if (writesSinceCheckpoint >= (options.batchSize ?? 100) || bytesSinceCheckpoint >= (options.batchBytes ?? 50 * 1024 * 1024)) {
			journal.checkpoint();
			writesSinceCheckpoint = 0;
			bytesSinceCheckpoint = 0;
		}
	}

	function failMessage(ref: SourceRef, folder: FolderSummary, code: string, message: string): void {
		summary.failed++;
		folder.failed++;
		record({folder: folder.folder, location: ref.location, key: ref.key, kind: 'failed', code, reason: message});
		events.emit({type: 'message:failed', ref, code, message});
	}

	async function drainFolder(folder: (typeof plans)[number]['folder'], reason: string, code: string): Promise<void> {
		const label = plans.find((p) => p.folder === folder)?.label ?? '';
		const folderSummary = summary.folders.find((f) => f.folder === label);
		for await (const message of source.messages(folder, controls.stopSignal)) {
			summary.found++;
			if (folderSummary) folderSummary.found++;
			failMessage(message.ref, folderSummary ?? {folder: label, mailbox: '', found: 0, uploaded: 0, skipped: 0, failed: 0, bytes: 0}, code, reason);
		}
	}
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
	return new Promise((resolve) => {
		if (signal.aborted) return resolve();
		const timer = setTimeout(done, ms);
		signal.addEventListener('abort', done, {once: true});
		function done(): void {
			clearTimeout(timer);
			signal.removeEventListener('abort', done);
			resolve();
		}
	});
}

