/**
 * MailboxIndex: what a target mailbox already holds, as the engine and verify see it (a sink's optional
 * `loadIndex` capability returns one). The matching rules live in the implementation
 * (uploader/server-index.ts `ServerIndex`); this contract is the part callers rely on.
 *
 * Contract: each server copy is claimed at most once; `claim` and `claimUid` are not concurrency-safe
 * for the same copy across two indexes of one mailbox (the engine keeps one index per mailbox).
 */

/** A rewrite some servers apply to every message they store (mapper/fingerprint.ts `possibleRewrites`). */
export type ServerRewrite = 'nul-replaced' | 'nul-stripped' | '8bit-header-munged' | '8bit-header-encoded';

/** One message the server holds (no body). */
export type ServerCopy = Readonly<{
	uid: number; size: number; internalDate: Date; messageId: string | undefined; flags?: ReadonlySet<string>;
	/** sha256 of the stored header block (BODY[HEADER]), when the index was loaded with digests (verify). */
	headerDigest?: string;
	/** Normalized Date/From/Subject of the stored copy (fingerprint.ts `rewriteEvidence`), for rule 4. */
	evidence?: string;
}>;

/** What is looked for: the bytes mailshift would APPEND and the INTERNALDATE it would give them. */
export type Candidate = Readonly<{messageId?: string | undefined; content: Buffer; internalDate: Date}>;

export type MatchKind = 'exact' | 'similar' | 'bytes' | 'rewritten';

export type Claim = Readonly<{uid: number; kind: MatchKind; copy: ServerCopy; rewrite?: ServerRewrite}>;

export interface MailboxIndex {
	readonly mailbox: string;
	readonly uidValidity: bigint | undefined;
	/** Number of server copies not claimed yet. */
	readonly unclaimed: number;
	/** Server copies nobody claimed, with this Message-ID (for duplicate detection in `verify`). */
	unclaimedWith(messageId: string): ServerCopy[];
	/** Fetches a copy's full bytes (for `verify --deep`), when the index can; undefined otherwise. */
	fetchBody(uid: number): Promise<Buffer | undefined>;
	/** Marks a known copy (by UID) as taken, e.g. one the journal says is ours. False if it is not there or taken. */
	claimUid(uid: number): boolean;
	/** Whether a copy with this UID exists (claimed or not). */
	has(uid: number): boolean;
	/** Finds and claims an unclaimed copy of the message, or undefined (then it must be uploaded). */
	claim(message: Candidate): Promise<Claim | undefined>;
}
