/**
 * A loopback TCP proxy (127.0.0.1 only) in front of an IMAP server that injects network faults
 * (ARCHITECTURE.md §7 "Faults"): it cuts connections at chosen byte offsets of the client→server stream
 * (so often in the middle of an APPEND literal) or of the server→client stream (so the server has stored a
 * message whose tagged OK never arrives: the outcome-unknown case), and it stalls a connection for a while, then
 * resumes or cuts it.
 *
 * Contract:
 * - `plan(n)` gives the faults of the n-th accepted connection (0-based); faults stop once `maxFaults` were
 *   injected, so a migration through the proxy always ends. A seeded `plan` makes a failure replayable (the
 *   ordinals of parallel connections may still interleave differently from run to run).
 * - `cutFirstLiteralOver`: one cut, over all connections, exactly in the middle of the first client→server
 *   literal (RFC 3501 §4.3 `{n}` / RFC 7888 `{n+}`) of at least that many bytes, or right after the CRLF that
 *   follows it (`literalCutAt: 'after'`); the Message-ID found at the start of that literal is recorded in
 *   `literalCut`.
 * - A cut delivers the bytes before the offset to the server, then ends the server side (FIN) and destroys the
 *   client side. Stalls hold the client's bytes (the server hears nothing) for `ms`, bounded by the caller.
 * - Bounded: the proxy closes itself after `lifetimeMs`; `close()` (idempotent) ends every connection.
 */
import {connect, createServer} from 'node:net';
import type {Server, Socket} from 'node:net';

/** The faults of one connection. Offsets count bytes from the start of that connection's stream. */
export type FaultPlan = Readonly<{
	/** Cut after this many client→server bytes. */
	cutClientAt?: number;
	/** Cut after this many server→client bytes. */
	cutServerAt?: number;
	/** Hold the client→server stream at this offset for `ms`, then resume, or cut when `thenCut`. */
	stall?: Readonly<{at: number; ms: number; thenCut: boolean}>;
}>;

export type FaultProxyOptions = Readonly<{
	/** The server behind the proxy (loopback). */
	targetPort: number;
	/** Faults of the n-th connection (0-based). @default none */
	plan?: (n: number) => FaultPlan;
	/** Cut once inside (or right after) the first client→server literal of at least this many bytes. @default off */
	cutFirstLiteralOver?: number;
	/**
	 * Where that cut falls: in the middle of the literal, or right after the CRLF that ends the APPEND (the server
	 * has the whole message, the client never hears whether it was stored). @default 'middle'
	 */
	literalCutAt?: 'middle' | 'after';
	/**
	 * With `literalCutAt: 'after'`: the last KiB of that APPEND reaches the server only this long after the client's
	 * connection was cut, as when a busy server or a slow path finishes a command the client already gave up on.
	 * @default 0
	 */
	lateDeliveryMs?: number;
	/** Faults injected at most (cuts and stalls together); later connections pass through untouched. @default Infinity */
	maxFaults?: number;
	/** The proxy closes itself after this long. @default 600_000 */
	lifetimeMs?: number;
}>;

export type FaultStats = {
	connections: number;
	/** Cuts of the client→server stream (including stalls that ended in a cut and the literal cut). */
	clientCuts: number;
	/** Of those, cuts that fell inside a literal. */
	midLiteralCuts: number;
	serverCuts: number;
	stalls: number;
};

export type LiteralCut = Readonly<{connection: number; literalBytes: number; cutAt: number; messageId: string | undefined}>;

export class FaultProxy {
	readonly host = '127.0.0.1';
	readonly stats: FaultStats = {connections: 0, clientCuts: 0, midLiteralCuts: 0, serverCuts: 0, stalls: 0};
	/** One line per injected fault, for failure messages. Bounded to the first 500. */
	readonly log: string[] = [];
	readonly #options: FaultProxyOptions;
	readonly #server: Server;
	readonly #links = new Set<Link>();
	readonly #lifetime: NodeJS.Timeout;
	readonly #late = new Set<Promise<void>>();
	#faults = 0;
	#isLiteralCutArmed: boolean;
	#literalCut: LiteralCut | undefined;
	#port = 0;
	#closed = false;

	private constructor(options: FaultProxyOptions) {
		this.#options = options;
		this.#isLiteralCutArmed = options.cutFirstLiteralOver !== undefined;
		this.#server = createServer((socket) => this.#accept(socket));
		this.#lifetime = setTimeout(() => void this.close(), options.lifetimeMs ?? 600_000);
		this.#lifetime.unref();
	}

	static async start(options: FaultProxyOptions): Promise<FaultProxy> {
		const proxy = new FaultProxy(options);
		await new Promise<void>((resolve, reject) => {
			proxy.#server.once('error', reject);
			proxy.#server.listen(0, '127.0.0.1', () => resolve());
		});
		const address = proxy.#server.address();
		proxy.#port = typeof address === 'object' && address ? address.port : 0;
		return proxy;
	}

	get port(): number {
		return this.#port;
	}

	/** The cut made by `cutFirstLiteralOver`, once it happened. */
	get literalCut(): LiteralCut | undefined {
		return this.#literalCut;
	}

	/** Stops accepting and ends every connection, after late deliveries (`lateDeliveryMs`) reached the server. Idempotent. */
	async close(): Promise<void> {
		if (this.#closed) return;
		this.#closed = true;
		clearTimeout(this.#lifetime);
		await Promise.all(this.#late);
		for (const link of this.#links) link.destroy();
		await new Promise<void>((resolve) => this.#server.close(() => resolve()));
	}

	#accept(client: Socket): void {
		if (this.#closed) {
			client.destroy();
			return;
		}
		const n = this.stats.connections++;
		const plan = this.#faults < (this.#options.maxFaults ?? Infinity) ? (this.#options.plan?.(n) ?? {}) : {};
		const link = new Link(this, n, client, this.#options.targetPort, plan);
		this.#links.add(link);
		link.onClose = () => this.#links.delete(link);
	}

	/** @internal Whether one more fault may be injected; counts it when so. */
	takeFault(): boolean {
		if (this.#faults >= (this.#options.maxFaults ?? Infinity)) return false;
		this.#faults++;
		return true;
	}

	/** @internal Tracks a late delivery until its server connection has closed. */
	trackLate(done: Promise<void>): void {
		this.#late.add(done);
	}

	/** @internal */
	get lateDeliveryMs(): number {
		return this.#options.literalCutAt === 'after' ? (this.#options.lateDeliveryMs ?? 0) : 0;
	}

	/** @internal Claims the one literal cut, for a literal of this size: returns its offset from the literal's start. */
	claimLiteralCut(size: number): number | undefined {
		if (!this.#isLiteralCutArmed || size < (this.#options.cutFirstLiteralOver ?? Infinity)) return undefined;
		this.#isLiteralCutArmed = false;
		return this.#options.literalCutAt === 'after' ? size + 2 : Math.floor(size / 2);
	}

	/** @internal */
	noteLiteralCut(cut: LiteralCut): void {
		this.#literalCut = cut;
	}

	/** @internal */
	note(line: string): void {
		if (this.log.length < 500) this.log.push(line);
	}
}

/** One proxied connection: client ⇄ upstream, with a literal-aware scanner of the client→server bytes. */
class Link {
	onClose: () => void = () => {};
	readonly #proxy: FaultProxy;
	readonly #n: number;
	readonly #client: Socket;
	readonly #upstream: Socket;
	#plan: FaultPlan;
	/** Client→server bytes forwarded to the server so far (held bytes are not counted until forwarded). */
	#up = 0;
	#down = 0;
	/** Scanner: bytes of the current literal still to come (-1: reading a line), its size and start offset. */
	#literalLeft = -1;
	#literalSize = 0;
	#literalStart = 0;
	#literalHead = '';
	#lineTail = '';
	/** Offset of the pending literal cut on this connection. */
	#literalCutAt = Infinity;
	#isStallDone = false;
	#isStalled = false;
	#held: Buffer[] = [];
	/** Late delivery: from this offset the client's bytes are held, the client is cut, and they reach the server later. */
	#lateFrom = Infinity;
	#isHoldingLate = false;
	#isDone = false;

	constructor(proxy: FaultProxy, n: number, client: Socket, targetPort: number, plan: FaultPlan) {
		this.#proxy = proxy;
		this.#n = n;
		this.#client = client;
		this.#plan = plan;
		this.#upstream = connect({host: '127.0.0.1', port: targetPort});
		client.on('data', (chunk: Buffer) => this.#fromClient(chunk));
		this.#upstream.on('data', (chunk: Buffer) => this.#fromServer(chunk));
		for (const socket of [client, this.#upstream]) {
			socket.on('error', () => this.destroy());
			socket.on('close', () => this.destroy());
		}
	}

	destroy(): void {
		if (this.#isDone) return;
		this.#isDone = true;
		this.#client.destroy();
		this.#upstream.destroy();
		this.onClose();
	}

	#fromServer(chunk: Buffer): void {
		if (this.#isDone) return;
		const at = this.#plan.cutServerAt;
		if (at !== undefined && this.#down + chunk.length >= at && this.#proxy.takeFault()) {
			const keep = Math.max(0, at - this.#down);
			this.#proxy.stats.serverCuts++;
			this.#proxy.note(`connection ${this.#n}: cut server→client at byte ${at}`);
			this.#isDone = true;
			this.#upstream.destroy();
			this.#client.end(chunk.subarray(0, keep));
			setTimeout(() => this.#client.destroy(), 1000).unref();
			this.onClose();
			return;
		}
		this.#down += chunk.length;
		this.#client.write(chunk);
	}

	#fromClient(chunk: Buffer): void {
		if (this.#isDone) return;
		if (this.#isStalled || this.#isHoldingLate) {
			this.#held.push(chunk);
			if (this.#isHoldingLate) this.#deliverLate();
			return;
		}
		let offset = 0;
		while (offset < chunk.length) {
			const pos = this.#up + offset;
			const stop = this.#nextStop();
			if (stop <= pos) {
				this.#forward(chunk.subarray(0, offset));
				this.#fault(chunk.subarray(offset));
				return;
			}
			offset = this.#scan(chunk, offset, Math.min(chunk.length, offset + (stop - pos)));
		}
		this.#forward(chunk);
		// A fault due exactly at the end of this chunk happens now, not when the client sends again.
		if (this.#nextStop() <= this.#up) this.#fault(Buffer.alloc(0));
	}

	#forward(bytes: Buffer): void {
		this.#up += bytes.length;
		if (bytes.length > 0) this.#upstream.write(bytes);
	}

	/** The next client→server offset where a fault is due. */
	#nextStop(): number {
		const stall = this.#plan.stall && !this.#isStallDone ? this.#plan.stall.at : Infinity;
		return Math.min(this.#plan.cutClientAt ?? Infinity, stall, this.#literalCutAt, this.#lateFrom);
	}

	/**
	 * Advances the literal scanner over chunk[from, to) and returns where it stopped: at `to`, or just after a line
	 * that announced a literal (so that a cut inside that literal can be scheduled before reading on).
	 */
	#scan(chunk: Buffer, from: number, to: number): number {
		if (this.#literalLeft >= 0) {
			const take = Math.min(this.#literalLeft, to - from);
			if (this.#literalHead.length < 4096) this.#literalHead += chunk.subarray(from, from + Math.min(take, 4096)).toString('latin1');
			this.#literalLeft -= take;
			if (this.#literalLeft === 0) this.#literalLeft = -1;
			return from + take;
		}
		for (let i = from; i < to; i++) {
			const byte = chunk[i] ?? 0;
			this.#lineTail = (this.#lineTail + String.fromCharCode(byte)).slice(-40);
			if (byte !== 0x0a) continue;
			const literal = /\{(\d+)\+?\}\r\n$/.exec(this.#lineTail);
			this.#lineTail = '';
			if (!literal) continue;
			const size = Number(literal[1]);
			const start = this.#up + i + 1;
			if (size === 0) return i + 1;
			this.#literalLeft = size;
			this.#literalSize = size;
			this.#literalStart = start;
			this.#literalHead = '';
			const cutAt = this.#proxy.claimLiteralCut(size);
			if (cutAt !== undefined) this.#literalCutAt = start + cutAt;
			if (cutAt !== undefined && this.#proxy.lateDeliveryMs > 0) this.#lateFrom = start + Math.max(0, size - 1024);
			return i + 1;
		}
		return to;
	}

	/** Applies the fault due at the current offset; `rest` are the client bytes not forwarded yet. */
	#fault(rest: Buffer): void {
		const at = this.#up;
		const inLiteral = this.#literalLeft > 0 ? ` (inside a ${this.#literalSize}-byte literal, at byte ${at - this.#literalStart} of it)` : '';
		if (at >= this.#lateFrom) {
			this.#lateFrom = Infinity;
			this.#isHoldingLate = true;
			this.#held = [rest];
			this.#deliverLate();
			return;
		}
		if (at >= this.#literalCutAt) {
			this.#literalCutAt = Infinity;
			const messageId = /^Message-ID:\s*<([^>]+)>/im.exec(this.#literalHead)?.[1];
			this.#proxy.noteLiteralCut({connection: this.#n, literalBytes: this.#literalSize, cutAt: at - this.#literalStart, messageId});
			const where = at - this.#literalStart >= this.#literalSize ? `right after the first large literal (${this.#literalSize} bytes) and its CRLF` : 'in the middle of the first large literal';
			this.#cut(`connection ${this.#n}: cut client→server ${where}${inLiteral}, Message-ID ${messageId}`);
			return;
		}
		const stall = this.#plan.stall;
		if (stall && !this.#isStallDone && at >= stall.at) {
			this.#isStallDone = true;
			if (!this.#proxy.takeFault()) return this.#fromClient(rest);
			this.#proxy.stats.stalls++;
			this.#proxy.note(`connection ${this.#n}: stall client→server at byte ${at} for ${stall.ms} ms, then ${stall.thenCut ? 'cut' : 'resume'}${inLiteral}`);
			this.#isStalled = true;
			this.#held = [rest];
			setTimeout(() => {
				if (this.#isDone) return;
				if (stall.thenCut) {
					this.#count(inLiteral);
					this.#end();
					return;
				}
				this.#isStalled = false;
				const held = Buffer.concat(this.#held);
				this.#held = [];
				this.#fromClient(held);
			}, stall.ms).unref();
			return;
		}
		const {cutClientAt, ...others} = this.#plan;
		if (cutClientAt !== undefined && at >= cutClientAt) {
			this.#plan = others;
			if (this.#proxy.takeFault()) return this.#cut(`connection ${this.#n}: cut client→server at byte ${at}${inLiteral}`);
		}
		this.#fromClient(rest);
	}

	/** Once the held bytes reach the cut point: cut the client now, deliver them to the server later, then end. */
	#deliverLate(): void {
		const held = Buffer.concat(this.#held);
		const need = this.#literalCutAt - this.#up;
		if (held.length < need) return;
		this.#literalCutAt = Infinity;
		const delay = this.#proxy.lateDeliveryMs;
		const messageId = /^Message-ID:\s*<([^>]+)>/im.exec(this.#literalHead)?.[1];
		this.#proxy.noteLiteralCut({connection: this.#n, literalBytes: this.#literalSize, cutAt: need + this.#up - this.#literalStart, messageId});
		this.#proxy.stats.clientCuts++;
		this.#proxy.note(`connection ${this.#n}: cut client→server right after the first large literal (${this.#literalSize} bytes) and its CRLF, Message-ID ${messageId}; its last ${need} bytes reach the server ${delay} ms later`);
		this.#isDone = true;
		this.#client.destroy();
		this.onClose();
		// The server's answer is read and dropped; its connection ends after the answer (or 2 s at most).
		this.#proxy.trackLate(new Promise<void>((resolve) => {
			this.#upstream.once('close', () => resolve());
			setTimeout(() => {
				this.#upstream.write(held.subarray(0, need));
				this.#upstream.once('data', () => this.#upstream.end());
				setTimeout(() => this.#upstream.destroy(), 2000).unref();
			}, delay).unref();
		}));
	}

	#count(inLiteral: string): void {
		this.#proxy.stats.clientCuts++;
		if (inLiteral) this.#proxy.stats.midLiteralCuts++;
	}

	#cut(line: string): void {
		this.#count(this.#literalLeft > 0 ? 'yes' : '');
		this.#proxy.note(line);
		this.#end();
	}

	/** The server gets the bytes forwarded so far and then EOF; the client's socket is destroyed. */
	#end(): void {
		if (this.#isDone) return;
		this.#isDone = true;
		this.#client.destroy();
		this.#upstream.end(() => this.#upstream.destroy());
		setTimeout(() => this.#upstream.destroy(), 1000).unref();
		this.onClose();
	}
}
