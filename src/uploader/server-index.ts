/**
 * ServerIndex: what a target mailbox already holds, to find a message before uploading it (resume after a
 * crash or cut connection, and `--skip-existing` dedup against copies left by POP or other tools).
 *
 * Matching, strictest first (each server copy is claimed at most once, so N identical source messages need N
 * copies — duplicates in the source are kept, duplicates on the server are never created):
 *   1. Message-ID and exact size: our own uploads are byte-identical (RFC822.SIZE = our CRLF length; servers.md
 *      §4 saw Dovecot's vsize equal it exactly). Ties are broken by INTERNALDATE.
 *   2. Message-ID, size within 2 KiB and INTERNALDATE within 36 h: the same mail with headers a local client
 *      added (X-Mozilla-Status, Status:) or a server rewrote — the POP "leave a copy on server" case.
 *   3. No Message-ID: same size and INTERNALDATE, confirmed by comparing the full bytes (fetched on demand);
 *      or the size and bytes a known server rewrite of ours gives (NULs replaced or removed), same INTERNALDATE
 *      second: 'rewritten' — byte for byte ours but for what the server does to every NUL.
 *   4. 'rewritten' (issue #12 items 7, 8a): Message-ID, the exact size a known rewrite of our bytes has (NUL
 *      bytes removed by the server, 8-bit headers encoded by mailshift: fingerprint.ts `possibleRewrites`), and
 *      the same Date, From and Subject as stored (normalized so the rewrite leaves them equal). Why this evidence and not the Message-ID alone:
 *      Message-IDs are not unique across all mail (broken generators, list re-sends, forged or copied ids), so
 *      a copy with our Message-ID may be a different message; a different message would also need the same
 *      three header values AND exactly the size the rewrite predicts, which ordinary mail does not do by
 *      chance. Without Date/From/Subject on both sides there is no evidence, and the message is uploaded.
 *      (Our own uploads are also claimed by the UID their APPENDUID named, recorded in the journal, before any
 *      rule runs: engine.ts `claimUid`.)
 *      The Message-ID search of IMAP (SEARCH HEADER) matches substrings (RFC 3501 §6.4.4), so the index holds
 *      exact, parsed Message-IDs instead of searching.
 * Memory: one small record per server message of this mailbox (no bodies).
 */
import {createHash} from 'node:crypto';
import {applyRewrite, possibleRewrites, rewriteEvidence} from '../mapper/fingerprint.js';
import type {Candidate, Claim, MailboxIndex, MatchKind, ServerCopy, ServerRewrite} from '../contracts/mailbox-index.js';

const SIMILAR_SIZE = 2048;
const SIMILAR_TIME_MS = 36 * 3600_000;

export class ServerIndex implements MailboxIndex {
	readonly mailbox: string;
	readonly uidValidity: bigint | undefined;
	readonly #byMid = new Map<string, ServerCopy[]>();
	readonly #noMid = new Map<number, ServerCopy[]>();
	readonly #claimed = new Set<number>();
	/** Every copy's UID: claimUid/has in O(1) (a re-run claims every journaled copy by UID; a scan each was O(n²)). */
	readonly #uids = new Set<number>();
	readonly #fetchBody: ((uid: number) => Promise<Buffer | undefined>) | undefined;

	constructor(mailbox: string, uidValidity: bigint | undefined, copies: Iterable<ServerCopy>, fetchBody?: (uid: number) => Promise<Buffer | undefined>) {
		this.mailbox = mailbox;
		this.uidValidity = uidValidity;
		this.#fetchBody = fetchBody;
		for (const copy of copies) {
			this.#uids.add(copy.uid);
			if (copy.messageId) push(this.#byMid, copy.messageId, copy);
			else push(this.#noMid, copy.size, copy);
		}
	}

	/** Number of server copies not claimed yet. */
	get unclaimed(): number {
		let n = 0;
		for (const list of [...this.#byMid.values(), ...this.#noMid.values()]) n += list.filter((c) => !this.#claimed.has(c.uid)).length;
		return n;
	}

	/** Server copies nobody claimed, with this Message-ID (for duplicate detection in `verify`). */
	unclaimedWith(messageId: string): ServerCopy[] {
		return (this.#byMid.get(messageId) ?? []).filter((c) => !this.#claimed.has(c.uid));
	}

	/** Fetches a copy's full bytes (for `verify --deep`), when the index can. */
	fetchBody(uid: number): Promise<Buffer | undefined> {
		return this.#fetchBody ? this.#fetchBody(uid) : Promise.resolve(undefined);
	}

	/** Marks a known copy (by UID) as taken, e.g. one the journal says is ours. Returns false if it is not there. */
	claimUid(uid: number): boolean {
		if (this.#claimed.has(uid) || !this.#uids.has(uid)) return false;
		this.#claimed.add(uid);
		return true;
	}

	/** Whether a copy with this UID exists (claimed or not). */
	has(uid: number): boolean {
		return this.#uids.has(uid);
	}

	/** Finds and claims an unclaimed copy of the message, or returns undefined (then it must be uploaded). */
	async claim(message: Candidate): Promise<Claim | undefined> {
		const size = message.content.length;
		const time = message.internalDate.getTime();
		if (message.messageId) {
			const copies = (this.#byMid.get(message.messageId) ?? []).filter((c) => !this.#claimed.has(c.uid));
			const exact = copies.filter((c) => c.size === size).sort((a, b) => Math.abs(a.internalDate.getTime() - time) - Math.abs(b.internalDate.getTime() - time));
			if (exact[0]) return this.#take(exact[0], 'exact');
			const similar = copies
				.filter((c) => Math.abs(c.size - size) <= SIMILAR_SIZE && Math.abs(c.internalDate.getTime() - time) <= SIMILAR_TIME_MS)
				.sort((a, b) => Math.abs(a.size - size) - Math.abs(b.size - size));
			if (similar[0]) return this.#take(similar[0], 'similar');
			for (const rewrite of possibleRewrites(message.content)) {
				const variant = applyRewrite(message.content, rewrite);
				if (variant.length === size) continue; // equal sizes were rule 1
				const evidence = rewriteEvidence(variant);
				const found = evidence === undefined ? undefined : copies.find((c) => c.size === variant.length && c.evidence === evidence);
				if (found) return this.#take(found, 'rewritten', rewrite);
			}
			return undefined;
		}
		if (!this.#fetchBody) return undefined;
		// Without a Message-ID: the same received second and identical bytes — or the bytes a known server rewrite
		// of ours gives (NULs replaced or removed: the copy is byte for byte ours but for what every server does
		// to NULs, so it is ours; without this a message with NULs and no Message-ID was "missing" on every verify).
		const sameSecond = (length: number): ServerCopy[] => (this.#noMid.get(length) ?? []).filter((c) => !this.#claimed.has(c.uid) && Math.floor(c.internalDate.getTime() / 1000) === Math.floor(time / 1000));
		const bodies = new Map<number, string | undefined>();
		const digestOf = async (uid: number): Promise<string | undefined> => {
			if (!bodies.has(uid)) {
				const body = await this.#fetchBody!(uid);
				bodies.set(uid, body ? sha256(body) : undefined);
			}
			return bodies.get(uid);
		};
		const want = sha256(message.content);
		for (const copy of sameSecond(size)) if ((await digestOf(copy.uid)) === want) return this.#take(copy, 'bytes');
		for (const rewrite of possibleRewrites(message.content)) {
			const variant = applyRewrite(message.content, rewrite);
			const wantVariant = sha256(variant);
			for (const copy of sameSecond(variant.length)) if ((await digestOf(copy.uid)) === wantVariant) return this.#take(copy, 'rewritten', rewrite);
		}
		return undefined;
	}

	#take(copy: ServerCopy, kind: MatchKind, rewrite?: ServerRewrite): Claim {
		this.#claimed.add(copy.uid);
		return {uid: copy.uid, kind, copy, ...(rewrite === undefined ? {} : {rewrite})};
	}
}

function push<K>(map: Map<K, ServerCopy[]>, key: K, copy: ServerCopy): void {
	const list = map.get(key);
	if (list) list.push(copy);
	else map.set(key, [copy]);
}

function sha256(b: Buffer): string {
	return createHash('sha256').update(b).digest('hex');
}
