/**
 * Checkpoint: batches the journal's durable commits (one per `batchSize` writes or `batchBytes` uploaded),
 * so a crash loses at most one batch of *records* — never a message: rows written before the last commit
 * are `pending` and the next run looks for them on the server before sending (STYLE rule 6).
 * Not concurrency-safe across runs; one per run.
 */
import type {Journal} from '../contracts/journal.js';

export type CheckpointOptions = Readonly<{
	/** Journal writes per checkpoint (one durable commit). @default 100 */
	batchSize?: number;
	/** Uploaded bytes per checkpoint. @default 50 MiB */
	batchBytes?: number;
}>;

export class Checkpoint {
	readonly #journal: Journal | undefined;
	readonly #batchSize: number;
	readonly #batchBytes: number;
	#writes = 0;
	#bytes = 0;

	constructor(journal: Journal | undefined, options: CheckpointOptions = {}) {
		this.#journal = journal;
		this.#batchSize = options.batchSize ?? 100;
		this.#batchBytes = options.batchBytes ?? 50 * 1024 * 1024;
	}

	/** Counts one journal write of `bytes` uploaded bytes (0 for a message found on the server); commits when a batch is full. */
	noteWrite(bytes: number): void {
		if (!this.#journal) return;
		this.#writes++;
		this.#bytes += bytes;
		if (this.#writes >= this.#batchSize || this.#bytes >= this.#batchBytes) {
			this.#journal.checkpoint();
			this.#writes = 0;
			this.#bytes = 0;
		}
	}

	/** Commits now (end of a folder, end of the run); the batch count goes on. Idempotent. */
	flush(): void {
		this.#journal?.checkpoint();
	}
}
