/**
 * Message buffers carved one after another out of one block of memory that is used again and again (issue #14:
 * client CPU and memory).
 *
 * An upload read every message into a buffer of its own, outside V8's heap, and dropped it once the server had
 * answered. V8 frees such memory only at a full collection, which it starts on its own after ~64 MiB of it have
 * piled up, and glibc keeps much of what is freed; so mailshift forced a collection every 32 MiB uploaded to
 * stay under its memory goal, and those collections (and the ones V8 started for the new memory) were a quarter
 * of the client's CPU (docs/benchmarks.md "#14: one ring for message buffers"). Messages are given back about in
 * the order they were taken (the server answers batches in order, a few connections at once), which is what a
 * ring serves best: no size classes, no search, nothing to free.
 *
 * Contract:
 * - `take(size)` returns a buffer of exactly `size` bytes, uninitialized (like `Buffer.allocUnsafe`): a view on
 *   the ring when there is room after the newest buffer still out (wrapping to the ring's start when the end is
 *   too short), else a buffer of its own (above `maxTake`, or while the ring is full: a buffer not given back,
 *   or more taken than the ring holds, never fails a take).
 * - `give(buffer)` ends the use of a buffer `take` returned. Only the one who took it may give it back, and only
 *   when nothing will read or write it any more (for an upload: the APPEND was answered or given up, and
 *   MailSink.append keeps no reference once it settles). Its room is used again once every buffer taken before
 *   it was given back too. A buffer that is not from this ring (any `buffer.byteOffset` but a taken one's
 *   start), or the same view given back a second time, is ignored (even after its room was used again). Give back
 *   once, with the buffer `take` returned or a view on it from its start (what a reader yields).
 * - A taken buffer that is never given back keeps the ring's room after it from being used again: whoever takes
 *   from a ring gives every buffer back (engine/run-migration.ts does, on every path a message can take).
 */

export type BufferRingOptions = Readonly<{
	/** Bytes of the ring, allocated at the first `take` that fits. */
	capacity: number;
	/** Larger requests get a buffer of their own. */
	maxTake: number;
}>;

type Taken = {start: number; end: number; isGiven: boolean};

export class BufferRing {
	readonly #options: BufferRingOptions;
	#ring: Buffer | undefined;
	/** Buffers out, oldest first, from index `#first` on (the array is compacted now and then). */
	#taken: Taken[] = [];
	#first = 0;
	readonly #byStart = new Map<number, Taken>();
	/**
	 * Every view given back: a second give of the same view is ignored even after its room was handed out again
	 * (found by offset alone it would end the use of the newer buffer there).
	 */
	readonly #given = new WeakSet<Uint8Array>();
	/** Where the next buffer goes if it fits before the ring's end (or before the oldest one out, wrapped). */
	#next = 0;
	#fromRing = 0;
	#ownBuffers = 0;
	#out = 0;

	constructor(options: BufferRingOptions) {
		this.#options = options;
	}

	/** The largest buffer `take` serves from the ring. */
	get maxSize(): number {
		return this.#options.maxTake;
	}

	/** Buffers taken from the ring and buffers of their own so far, and the ring's buffers out now (for tests and measurements). */
	get counts(): Readonly<{fromRing: number; ownBuffers: number; out: number}> {
		return {fromRing: this.#fromRing, ownBuffers: this.#ownBuffers, out: this.#out};
	}

	/** A buffer of `size` bytes, uninitialized; see the module's contract. */
	take(size: number): Buffer {
		const start = size > this.#options.maxTake ? undefined : this.#place(size);
		if (start === undefined) {
			this.#ownBuffers++;
			return Buffer.allocUnsafe(size);
		}
		const taken = {start, end: start + size, isGiven: false};
		this.#taken.push(taken);
		this.#byStart.set(start, taken);
		this.#next = taken.end;
		this.#fromRing++;
		this.#out++;
		this.#ring ??= Buffer.allocUnsafeSlow(this.#options.capacity);
		return this.#ring.subarray(start, start + size);
	}

	/** Ends the use of a buffer from `take`; ignored for any other buffer, and for one given back already. */
	give(buffer: Uint8Array): void {
		if (this.#ring === undefined || buffer.buffer !== this.#ring.buffer || this.#given.has(buffer)) return;
		this.#given.add(buffer);
		const taken = this.#byStart.get(buffer.byteOffset - this.#ring.byteOffset);
		if (taken === undefined || taken.isGiven) return;
		taken.isGiven = true;
		this.#out--;
		this.#byStart.delete(taken.start);
		while (this.#first < this.#taken.length && this.#taken[this.#first]!.isGiven) this.#first++;
		if (this.#first === this.#taken.length) {
			// Nothing out: start again at the ring's start.
			this.#taken = [];
			this.#first = 0;
			this.#next = 0;
		} else if (this.#first > 1024 && this.#first * 2 > this.#taken.length) {
			this.#taken = this.#taken.slice(this.#first);
			this.#first = 0;
		}
	}

	/** Where `size` bytes fit now, or undefined. */
	#place(size: number): number | undefined {
		const capacity = this.#options.capacity;
		if (size === 0) return undefined;
		const oldest = this.#taken[this.#first];
		if (oldest === undefined) return size <= capacity ? 0 : undefined;
		if (this.#next > oldest.start) {
			// Not wrapped: room up to the ring's end, else from its start up to the oldest buffer out.
			if (capacity - this.#next >= size) return this.#next;
			return oldest.start >= size ? 0 : undefined;
		}
		// Wrapped: room between the newest buffer and the oldest one.
		return oldest.start - this.#next >= size ? this.#next : undefined;
	}
}

/**
 * The process's ring of message buffers: the Maildir reader takes from it when its consumer says it gives every
 * message back (ReaderOptions.messageBuffers), and the engine gives each back once the message is settled.
 * 24 MiB: the engine's 16 MiB in flight (engine/scheduler.ts) plus room for batches answered out of order and for
 * the end of the ring a wrap leaves unused; messages above 8 MiB get buffers of their own.
 */
export const messageRing = new BufferRing({capacity: 24 * 1024 * 1024, maxTake: 8 * 1024 * 1024});
