/**
 * Pop3Store: what is still on a POP3 account ("leave a copy on the server") as a SourceStore with one
 * folder, ['INBOX'].
 *
 * Contract (see source-store.ts for the interface contract):
 * - Location `pop3s://user@host[:port]` (implicit TLS, default port 995) or `pop3://user@host[:port]` (STLS,
 *   RFC 2595, required unless the host is loopback or `insecure`; default port 110). Never a password in the URL.
 * - Keys: the UIDL (RFC 1939 §7: unique and persistent across sessions), so the journal, dedup and resume
 *   work across runs. `location` is `pop3s://user@host#<number> (UIDL <uid>)`.
 * - Read-only: Pop3Client never sends DELE (see pop3-client.ts); the maildrop is unchanged afterwards.
 * - No flags and no store date: POP3 keeps neither, so the mapper takes the topmost Received:, else Date.
 * - Memory: one message at a time (RETR per message) plus the UIDL list.
 * - Problems: a message the server no longer has (-ERR on RETR) → SOURCE_UNREADABLE 'failed'; an empty one →
 *   MESSAGE_EMPTY; one that is no message (message-shape.ts) → MESSAGE_UNPARSEABLE 'failed'. Login and connection failures throw their MailshiftError ('fatal').
 */
import {MailshiftError} from '../../contracts/errors.js';
import type {SourceMessage} from '../../contracts/types.js';
import type {ReaderOptions, SourceFolder, SourceStore} from '../../contracts/source-store.js';
import {Pop3Client} from './pop3-client.js';
import type {Pop3Endpoint} from './pop3-client.js';
import {notAMessage} from '../message-shape.js';
import {parsePop3Url} from './pop3-url.js';
import type {Pop3Account} from './pop3-url.js';

export type Pop3StoreOptions = ReaderOptions & Readonly<{password: string; insecure?: boolean; forceStls?: boolean}>;

export class Pop3Store implements SourceStore {
	readonly kind = 'pop3';
	readonly location: string;
	readonly #account: Pop3Account;
	readonly #options: Pop3StoreOptions;
	#client: Pop3Client | undefined;
	#isClosed = false;

	private constructor(account: Pop3Account, options: Pop3StoreOptions) {
		this.#account = account;
		this.location = account.location;
		this.#options = options;
	}

	/** Parses the URL and logs in once (so a wrong password fails before any planning). */
	static async open(url: string, options: Pop3StoreOptions): Promise<Pop3Store> {
		const parsed = parsePop3Url(url, options.insecure ?? false);
		const endpoint: Pop3Endpoint = options.forceStls && parsed.endpoint.security === 'plain' ? {...parsed.endpoint, security: 'stls'} : parsed.endpoint;
		const store = new Pop3Store({...parsed, endpoint}, options);
		store.#client = await Pop3Client.login(endpoint, parsed.user, options.password);
		return store;
	}

	async listFolders(): Promise<SourceFolder[]> {
		const sizes = await this.#withSession(async (client) => client.list());
		let bytes = 0;
		for (const size of sizes.values()) bytes += size;
		return [{path: ['INBOX'], count: sizes.size, bytes, specialUse: '\\Inbox'}];
	}

	async *messages(folder: SourceFolder, signal?: AbortSignal): AsyncGenerator<SourceMessage> {
		if (folder.path.length !== 1 || folder.path[0] !== 'INBOX') throw new MailshiftError('BUG', `Folder "${folder.path.join('/')}" is not part of ${this.location}.`, 'fatal');
		const [client, list] = await this.#withSession(async (session) => [session, await session.uidl()] as const);
		for (const {number, uid} of list) {
			if (signal?.aborted) throw new MailshiftError('ABORTED', 'Stopped', 'fatal');
			if (this.#isClosed) return;
			const location = `${this.location}#${number} (UIDL ${uid})`;
			const raw = await client.retrieve(number);
			if (raw === undefined) {
				this.#options.onProblem?.({folder: 'INBOX', location, code: 'SOURCE_UNREADABLE', kind: 'failed', reason: 'The server no longer has this message (RETR failed); it was deleted by another client meanwhile.'});
				continue;
			}
			if (raw.length === 0) {
				this.#options.onProblem?.({folder: 'INBOX', location, code: 'MESSAGE_EMPTY', kind: 'failed', reason: 'The server returned an empty message.'});
				continue;
			}
			const junk = notAMessage(raw);
			if (junk !== undefined) {
				this.#options.onProblem?.({folder: 'INBOX', location, code: 'MESSAGE_UNPARSEABLE', kind: 'failed', reason: `The server holds no message under this number: ${junk}. It was NOT migrated (it stays on the POP server).`});
				continue;
			}
			yield {ref: {store: this.location, folder: 'INBOX', key: uid, location}, raw, flags: new Set()};
		}
	}

	/** QUITs the session (no DELE was ever sent). Idempotent. */
	async close(): Promise<void> {
		this.#isClosed = true;
		const client = this.#client;
		this.#client = undefined;
		await client?.quit();
	}

	/**
	 * Runs `step` (a listing, before any message is read) on the session; when the session turns out to be gone
	 * (the server's idle logout is noticed only at the next command), logs in once more and runs it again.
	 */
	async #withSession<T>(step: (client: Pop3Client) => Promise<T>): Promise<T> {
		try {
			return await step(await this.#session());
		} catch (error) {
			if (!(error instanceof MailshiftError) || error.code !== 'CONNECTION_LOST') throw error;
			await this.#client?.quit();
			this.#client = undefined;
			return step(await this.#session());
		}
	}

	async #session(): Promise<Pop3Client> {
		if (this.#isClosed) throw new MailshiftError('BUG', `Pop3Store ${this.location} used after close().`, 'fatal');
		// A new session when the old one is gone (servers log out idle sessions after 10 minutes, RFC 1939 §3, e.g.
		// while uploads or the verify pass run). UIDLs are the keys, so message numbers of the new session are fine.
		if (this.#client === undefined || !this.#client.isUsable) {
			await this.#client?.quit();
			this.#client = await Pop3Client.login(this.#account.endpoint, this.#account.user, this.#options.password);
		}
		return this.#client;
	}
}
