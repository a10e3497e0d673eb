/**
 * Upload: one message onto the server, exactly once (STYLE rule 6). The journal row was written (`begin`)
 * before this is called; here it becomes `done` (uploaded, or found on the server) or `failed`, or stays
 * `pending` when the outcome is unknown or the run stopped — the next run then looks on the server first.
 *
 * - Outcome unknown ('verify': the connection was cut mid-APPEND) is never retried blindly: the mailbox is
 *   looked at (twice, VERIFY_GRACE_MS apart: Dovecot finishes an APPEND whose client vanished right after the
 *   literal, and showed it to another session only ~1 s later, measured), and the message is sent again only
 *   when it is not there.
 * - Refusals that stored nothing ('retry': throttles, no connection) were already retried by the sink
 *   stack's one retry policy (uploader/retrying-sink.ts); what reaches here has used that budget and fails.
 * - The re-sends after a look are bounded like RetryingSink's: RETRIES in a row with no message of the run
 *   landing in between, MAX_ATTEMPTS in all.
 * - A stop withdraws messages not yet on the wire (ABORTED): not a failure, left for the next run.
 * Concurrency-safe for the uploads of one run (one event loop); one Uploader per run.
 */
import type {EngineControls} from '../contracts/controls.js';
import type {MailshiftError} from '../contracts/errors.js';
import {toMailshiftError} from '../contracts/errors.js';
import type {Journal} from '../contracts/journal.js';
import type {MailSink} from '../contracts/mail-sink.js';
import type {MailboxIndex} from '../contracts/mailbox-index.js';
import type {FolderSummary, UploadJob} from '../contracts/types.js';
import type {Checkpoint} from './checkpoint.js';
import type {RunTally} from './run-tally.js';
import {sleep} from '../util/sleep.js';

/** Looks-then-sends of one message in a row with no message of the run landing on the server in between. */
const RETRIES = 3;
/** Attempts of one message at most, progress or not. */
const MAX_ATTEMPTS = 30;
/** Wait before (and between) looks for an upload whose outcome is unknown. */
const VERIFY_GRACE_MS = 2500;

export type UploaderDeps = Readonly<{
	sink: MailSink;
	journal: Journal | undefined;
	tally: RunTally;
	checkpoint: Checkpoint;
	controls: EngineControls;
	now: () => number;
	/** A fatal error (over quota, login lost): the run stops feeding and returns it. */
	onFatal: (error: MailshiftError) => void;
}>;

export class Uploader {
	readonly #deps: UploaderDeps;
	/** Messages that reached the server in this run (uploaded, or found there after a cut): the retry budget's progress. */
	#landed = 0;
	/** Indexes loaded to look for messages whose upload outcome is unknown, shared by the messages of one cut batch. */
	readonly #lookups = new Map<string, {startedAt: number; index: Promise<MailboxIndex>}>();

	constructor(deps: UploaderDeps) {
		this.#deps = deps;
	}

	/** Uploads `job` (its journal row is `pending`) and accounts for it in `folder`. Never throws. */
	async upload(job: UploadJob, folder: FolderSummary): Promise<void> {
		const {sink, controls} = this.#deps;
		let stalled = 0;
		let landedBefore = this.#landed;
		const mayRetry = (attempt: number): boolean => {
			if (this.#landed !== landedBefore) {
				stalled = 0;
				landedBefore = this.#landed;
			}
			stalled++;
			return stalled < RETRIES && attempt < MAX_ATTEMPTS;
		};
		for (let attempt = 1; ; attempt++) {
			try {
				// The stop signal withdraws the message while it is not on the wire yet (MailSink.append contract).
				const receipt = await sink.append(job, controls.stopSignal);
				if (receipt.note !== undefined) {
					this.#deps.tally.record({folder: folder.folder, location: job.ref.location, key: job.ref.key, kind: 'warning', code: 'HEADERS_ENCODED', reason: receipt.note});
				}
				this.#land(job, folder, receipt, 'uploaded');
				return;
			} catch (error) {
				const e = toMailshiftError(error);
				if (this.#isCutByStop(e)) {
					this.#deps.tally.leaveUnsent(folder);
					return;
				}
				if (e.disposition === 'verify' && mayRetry(attempt) && !controls.abortSignal.aborted && sink.loadIndex) {
					const found = await this.#lookFor(job, e).catch(() => 'unknown' as const);
					if (found === 'absent') continue; // not stored: safe to send again
					if (found !== 'unknown') {
						this.#land(job, folder, found, 'found-on-server');
						return;
					}
					// Could not check now: leave it pending; the next run checks before sending.
				}
				this.#giveUp(job, folder, e);
				return;
			}
		}
	}

	/** The message is on the server: journal `done`, a checkpoint count, the summary and the event. */
	#land(job: UploadJob, folder: FolderSummary, receipt: Readonly<{mailbox: string; uid?: number; uidValidity?: bigint}>, how: 'uploaded' | 'found-on-server'): void {
		this.#landed++;
		this.#deps.journal?.done(job, receipt, how);
		this.#deps.checkpoint.noteWrite(job.content.length);
		this.#deps.tally.landed(job, folder, how === 'uploaded' ? receipt.mailbox : job.mailbox, receipt.uid);
	}

	/**
	 * Outcome unknown (connection cut mid-APPEND): looks before sending it again (never blindly retry). "Not there"
	 * counts only after two looks, VERIFY_GRACE_MS apart, the first VERIFY_GRACE_MS after the failure. Throws
	 * when the mailbox cannot be read now, and `e` when the run is aborted meanwhile.
	 */
	async #lookFor(job: UploadJob, e: MailshiftError): Promise<Readonly<{mailbox: string; uid: number; uidValidity?: bigint}> | 'absent'> {
		const {controls, now} = this.#deps;
		const failedAt = now();
		for (let look = 0; look < 2; look++) {
			await sleep(VERIFY_GRACE_MS * (look + 1), controls.abortSignal);
			if (controls.abortSignal.aborted) throw e;
			// Loaded after this message's grace (less a little, so the batch's messages share it).
			const fresh = await this.#lookup(job.mailbox, failedAt + VERIFY_GRACE_MS * (look + 1) - 200);
			const claim = await fresh.claim(job);
			if (claim) return {mailbox: job.mailbox, uid: claim.uid, ...(fresh.uidValidity === undefined ? {} : {uidValidity: fresh.uidValidity})};
		}
		return 'absent';
	}

	/**
	 * The mailbox's index as loaded no earlier than `notBefore`: the messages of one batch that was cut off all
	 * look at the same time, and one FETCH of the mailbox serves them all (claims keep them from matching the
	 * same copy).
	 */
	#lookup(mailbox: string, notBefore: number): Promise<MailboxIndex> {
		const cached = this.#lookups.get(mailbox);
		if (cached !== undefined && cached.startedAt >= notBefore) return cached.index;
		const index = this.#deps.sink.loadIndex!(mailbox, this.#deps.controls.abortSignal);
		this.#lookups.set(mailbox, {startedAt: this.#deps.now(), index});
		index.catch(() => this.#lookups.delete(mailbox));
		return index;
	}

	/** No (more) tries: a failure of this message, or the run's fatal error. 'verify' stays `pending` in the journal. */
	#giveUp(job: UploadJob, folder: FolderSummary, e: MailshiftError): void {
		const {tally, journal} = this.#deps;
		if (e.disposition === 'fatal' || e.code === 'ABORTED') {
			if (e.code !== 'ABORTED') this.#deps.onFatal(e);
			tally.fail(job.ref, folder, e.code === 'ABORTED' ? 'ABORTED' : e.code, `not uploaded: ${e.message}`);
			return;
		}
		// 'verify' stays `pending` in the journal: the next run looks for it on the server before sending it.
		const outcome = e.disposition === 'verify' ? ' It may or may not have been stored; running the same command again checks the server before sending it.' : '';
		if (e.disposition !== 'verify') journal?.fail(job.ref, e.code, e.message);
		tally.fail(job.ref, folder, e.code, e.message + outcome);
	}

	/**
	 * True when the error says the message was not sent because of a stop (ABORTED: the sink withdrew it before
	 * it went on the wire), or the run was aborted and the APPEND cut off (outcome unknown, `pending` in the
	 * journal). A definite answer of the server ('skip') is still a failure.
	 */
	#isCutByStop(e: MailshiftError): boolean {
		const {controls} = this.#deps;
		return (e.code === 'ABORTED' && controls.isStopping) || (controls.abortSignal.aborted && e.disposition !== 'skip');
	}
}
