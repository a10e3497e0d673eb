/**
 * COMPRESS=DEFLATE (RFC 4978) as a decision, not a default (issue #14). Text mail shrinks 3×, which saves
 * minutes on a home uplink; on a fast link the deflate work is pure cost: measured into Dovecot on loopback on a
 * 2-core machine, the same 648 MiB upload took ~2× as long with COMPRESS (zlib level 6) as without.
 *
 * `on` compresses every session the server lets us compress; `off` never asks. `auto` decides from what it
 * measures, not from where the server is (a slow link can sit behind a loopback or LAN address: an SSH tunnel,
 * a VPN, a proxy — and the bench's rate-limited proxy is on 127.0.0.1). Every session starts uncompressed.
 * 1. `CompressionMeter` watches the first 4 MiB (bounded to 20 s) of the upload: the bytes of APPENDs whose
 *    tagged OK arrived, per wall second, over all connections; how busy the client's event loop was; and a
 *    bounded sample (2 MiB) of the very messages sent, deflated at the level a compressed session uses.
 *    `decideCompression` predicts the time per MiB with compression — link-bound: the measured time × the
 *    deflated fraction; client-bound: the client's busy time plus deflate's CPU — and goes on only when that
 *    beats the measured time by `MARGIN`. This rules out a busy client (CPU-bound, as into a server on loopback)
 *    and mail that hardly deflates.
 * 2. The prediction assumes the link is what limits the rate. With LITERAL+ (append-command.ts sends every literal
 *    without waiting) it is, and every connection is compressed at once (connection-pool.ts). Without it, round
 *    trips (a synchronizing literal waits for `+`) can limit the rate just as well, and there compressing only costs
 *    CPU — measured through the 20 Mbit/s proxy with text mail when every literal over 4 KiB waited: `on` 23–29 s,
 *    `off` 21–24 s. So for such a server a trial follows
 *    (`CompressionTrial`, `judgeTrial`): one connection is compressed and, over the next 8 MiB, the time it takes
 *    for its mail is compared with what the uncompressed connections' pace (per message and per MiB, fitted to
 *    their leases) predicts; only when it is `TRIAL_MARGIN` faster are the others compressed too. With one
 *    connection the prediction alone decides.
 * The pool compresses a connection as it is next leased (idle, between commands): RFC 4978 §3 allows COMPRESS at
 * any time in the authenticated state, once; it cannot be turned off again, hence the margins. What was used and
 * why, with the numbers, is reported (the summary and the --json/--report `compression` field).
 *
 * Sessions compress at `DEFLATE_LEVEL` 1, not imapflow's 6 (deflate-session.ts): measured on gen-corpus seed 1
 * (1,000 messages, 67 MiB, CRLF, one stream with a sync flush per message): level 1 71.5% at 31 ms/MiB of CPU,
 * level 6 71.1% at 32–37 ms/MiB (base64 of random data: both are Huffman-bound); text only (seed 2, 3,000
 * messages, 23 MiB): level 1 29.9% at 19–20 ms/MiB, level 6 26.1% at 42–47 ms/MiB — 13% fewer bytes for 2.3×
 * the CPU.
 */
import type {EventLoopUtilization} from 'node:perf_hooks';
import {performance} from 'node:perf_hooks';
import {deflateRawSync} from 'node:zlib';

export type CompressMode = 'auto' | 'on' | 'off';

export const COMPRESS_MODES: readonly CompressMode[] = ['auto', 'on', 'off'];

/** The zlib level of a compressed session (see the file header for the measurement). */
export const DEFLATE_LEVEL = 1;

/** What `auto` measured before deciding; every rate over the window from the first tagged OK of an APPEND. */
export type CompressionMeasurement = Readonly<{
	/** Message bytes (uncompressed, as sent) of APPENDs acknowledged in the window, after the first one. */
	ackedBytes: number;
	/** Wall seconds from the first acknowledged APPEND to the last one of the window. */
	seconds: number;
	/** Deflated size / size of the sampled messages (byte-weighted), at DEFLATE_LEVEL. */
	ratio: number;
	/** CPU seconds deflate took per MiB of the sample. */
	deflateSecondsPerMiB: number;
	/**
	 * Wall seconds per acknowledged MiB the client's event loop was busy (Node's event-loop utilization; the
	 * sample's deflate excluded): its own work, including the time the machine's load kept it from running.
	 */
	busySecondsPerMiB: number;
	/** The process's CPU seconds (user + system, all threads) per acknowledged MiB, the sample's deflate excluded. */
	cpuSecondsPerMiB: number;
}>;

export type CompressionVerdict = Readonly<{compress: boolean; reason: string; predictedSpeedup: number}>;

/** A verdict with the measurement it came from. */
export type MeasuredVerdict = CompressionVerdict & Readonly<{measurement: CompressionMeasurement}>;

/** The numbers of a measured decision, as reported in --json (`compression.measured`). */
export type MeasuredNumbers = Readonly<{
	afterMiB: number;
	ackedMiBPerSecond: number;
	clientBusyPercent: number;
	deflatedPercent: number;
	deflateMiBPerCpuSecond: number;
	predictedSpeedup: number;
	/** The others' pace's time for the trial connection's mail / its actual time (judgeTrial); null without a trial. */
	trialSpeedup: number | null;
}>;

/** Whether the sessions are compressed and why; `measured` when `auto` decided from measurements. */
export type CompressionReport = Readonly<{mode: CompressMode; used: boolean; reason: string; measured: MeasuredNumbers | null}>;

/** Compression is turned on only when predicted at least this much faster: it cannot be turned off again. */
export const MARGIN = 1.2;
/**
 * The CPU-bound prediction assumes the client's work and deflate take this much more than measured: the client's
 * CPU is shared (with the server itself on a small machine, with the person's other work on a desktop), and a
 * client already busy part of the time may be waiting on the server rather than the link. Measured (bench:compress,
 * docs/benchmarks.md): text mail into Dovecot on loopback, the client 43–44% busy at 4.8–6.2 MiB/s, predicted
 * 1.3–1.5× with 1.2 here but 1.1–1.2× slower compressed; through the 20 Mbit/s proxy, 19–22% busy at 2.4 MiB/s,
 * compressed was 1.7× faster. 2 keeps the first off and the second on.
 */
const CPU_HEADROOM = 2;

const MiB = 2 ** 20;

/**
 * Pure: whether compressing the rest of the upload is predicted to be faster by `MARGIN`, and why, in words
 * with the numbers. Seconds per MiB off = 1 / measured rate; on = the larger of the link-bound time (off × ratio:
 * the link carries ratio × the bytes) and the client-bound time: the event loop's busy time per MiB plus
 * deflate's CPU per MiB — stretched as much as the machine's load stretched the client's own work (busy wall
 * time / CPU time) — × CPU_HEADROOM. Deflate runs on libuv's threads, but on a 2-core machine that also runs the
 * server it is counted as if it ran on the client's own core. A client that was busy most of the window (CPU-
 * bound, as into a server on loopback) therefore never compresses; one that mostly waited for the link does
 * when the mail shrinks enough.
 */
export function decideCompression(m: CompressionMeasurement): CompressionVerdict {
	const rate = m.ackedBytes / MiB / Math.max(m.seconds, 1e-6);
	const offSeconds = 1 / rate;
	const linkSeconds = offSeconds * m.ratio;
	const stretch = Math.max(1, m.busySecondsPerMiB / Math.max(m.cpuSecondsPerMiB, 1e-9));
	const cpuSeconds = (m.busySecondsPerMiB + m.deflateSecondsPerMiB * stretch) * CPU_HEADROOM;
	const predictedSpeedup = offSeconds / Math.max(linkSeconds, cpuSeconds);
	const numbers = `${mib(m.ackedBytes)} MiB measured: ${rate.toFixed(1)} MiB/s acknowledged, the client busy ${Math.round(Math.min(1, m.busySecondsPerMiB * rate) * 100)}% of the time, the mail deflates to ${Math.round(m.ratio * 100)}% at ${(1 / Math.max(m.deflateSecondsPerMiB, 1e-6)).toFixed(0)} MiB per CPU second`;
	if (predictedSpeedup >= MARGIN) {
		return {compress: true, predictedSpeedup, reason: `${numbers}; compressed is predicted ${predictedSpeedup.toFixed(1)}× as fast`};
	}
	const why = linkSeconds >= cpuSeconds ? 'the link would save too little' : 'deflating would cost more CPU time than it saves on the link';
	return {compress: false, predictedSpeedup, reason: `${numbers}; ${why} (predicted ${predictedSpeedup.toFixed(2)}× as fast)`};
}

function mib(bytes: number): string {
	return (bytes / MiB).toFixed(1);
}

export type MeterOptions = Readonly<{
	/**
	 * The window ends once this many bytes were acknowledged (and `minSeconds` passed). @default 4 MiB: every byte of
	 * the window goes uncompressed; measured through the 20 Mbit/s proxy, an 8 MiB window cost a 23 MiB text store
	 * 1.3–1.5× the time of `on` (docs/benchmarks.md).
	 */
	windowBytes?: number;
	/** @default 1 */
	minSeconds?: number;
	/** …or after this long, whatever was acknowledged (at least two APPENDs). @default 20 */
	maxSeconds?: number;
	/** At most this many bytes of each message go into the deflate sample. @default 64 KiB */
	samplePerMessage?: number;
	/** At most this many bytes are deflated for the sample in all. @default 2 MiB */
	sampleBytes?: number;
	/** Clock in seconds (tests). @default performance.now() / 1000 */
	now?: () => number;
}>;

type Clocks = {cpu: number; loop: EventLoopUtilization};

function clocks(): Clocks {
	const usage = process.cpuUsage();
	return {cpu: (usage.user + usage.system) / 1e6, loop: performance.eventLoopUtilization()};
}

/**
 * Measures the first part of an upload for `auto` (see the file header). `acknowledged` is called with the
 * contents of APPENDs whose tagged OK arrived (not concurrency-safe across threads; the event loop serializes
 * it). Bounded: it deflates at most `sampleBytes` and keeps no message bytes; after the window it does nothing.
 */
export class CompressionMeter {
	readonly #windowBytes: number;
	readonly #minSeconds: number;
	readonly #maxSeconds: number;
	readonly #samplePerMessage: number;
	readonly #sampleBytes: number;
	readonly #now: () => number;
	#start: {at: number; clocks: Clocks} | undefined;
	#acks = 0;
	#ackedBytes = 0;
	#lastAt = 0;
	#sampled = 0;
	#weightedIn = 0;
	#weightedOut = 0;
	#deflateCpu = 0;
	#verdict: MeasuredVerdict | undefined;

	constructor(options: MeterOptions = {}) {
		this.#windowBytes = options.windowBytes ?? 4 * MiB;
		this.#minSeconds = options.minSeconds ?? 1;
		this.#maxSeconds = options.maxSeconds ?? 20;
		this.#samplePerMessage = options.samplePerMessage ?? 64 * 1024;
		this.#sampleBytes = options.sampleBytes ?? 2 * MiB;
		this.#now = options.now ?? (() => performance.now() / 1000);
	}

	/** The decision once the window is complete; undefined before. */
	get verdict(): MeasuredVerdict | undefined {
		return this.#verdict;
	}

	/** Bytes acknowledged so far in the window (for the report of an upload too short to decide). */
	get ackedBytes(): number {
		return this.#ackedBytes;
	}

	get windowBytes(): number {
		return this.#windowBytes;
	}

	/** Records acknowledged APPENDs; returns the verdict once the window is complete (from then on it only returns it). */
	acknowledged(contents: readonly Uint8Array[]): MeasuredVerdict | undefined {
		if (this.#verdict) return this.#verdict;
		const at = this.#now();
		for (const content of contents) this.#sample(content);
		if (!this.#start) {
			// The window starts at the first tagged OK: connecting, logging in and creating folders are not the link.
			this.#start = {at, clocks: clocks()};
			return undefined;
		}
		this.#acks++;
		this.#ackedBytes += contents.reduce((sum, c) => sum + c.length, 0);
		this.#lastAt = at;
		const seconds = at - this.#start.at;
		if ((this.#ackedBytes >= this.#windowBytes && seconds >= this.#minSeconds) || (seconds >= this.#maxSeconds && this.#acks >= 2)) this.#decide(seconds);
		return this.#verdict;
	}

	#sample(content: Uint8Array): void {
		if (this.#sampled >= this.#sampleBytes || content.length === 0) return;
		const slice = content.subarray(0, Math.min(content.length, this.#samplePerMessage, this.#sampleBytes - this.#sampled));
		const before = process.cpuUsage();
		const out = deflateRawSync(slice, {level: DEFLATE_LEVEL}).length;
		const cpu = process.cpuUsage(before);
		this.#deflateCpu += (cpu.user + cpu.system) / 1e6;
		this.#sampled += slice.length;
		// Byte-weighted: a 4 MB attachment counts 4 MB, though only its first 64 KiB are deflated. One message at a
		// time, so the ratio is a little worse than a session's (which keeps its 32 KiB window across messages).
		this.#weightedIn += content.length;
		this.#weightedOut += (content.length * out) / slice.length;
	}

	#decide(seconds: number): void {
		const start = this.#start!;
		const end = clocks();
		const ackedMiB = this.#ackedBytes / MiB;
		// eventLoopUtilization's active time is in milliseconds; the sample's deflate ran on the loop (sync).
		const busy = Math.max(0, performance.eventLoopUtilization(end.loop, start.clocks.loop).active / 1000 - this.#deflateCpu);
		const measurement: CompressionMeasurement = {
			ackedBytes: this.#ackedBytes,
			seconds: this.#lastAt - start.at,
			ratio: this.#weightedIn > 0 ? Math.min(1, this.#weightedOut / this.#weightedIn) : 1,
			deflateSecondsPerMiB: this.#sampled > 0 ? this.#deflateCpu / (this.#sampled / MiB) : Infinity,
			busySecondsPerMiB: busy / ackedMiB,
			cpuSecondsPerMiB: Math.max(0, end.cpu - start.clocks.cpu - this.#deflateCpu) / ackedMiB,
		};
		this.#verdict = {...decideCompression(measurement), measurement};
	}
}

/** The --json numbers of a verdict. */
export function measuredNumbers(v: MeasuredVerdict): Omit<MeasuredNumbers, 'trialSpeedup'> {
	const m = v.measurement;
	const round = (x: number, digits: number): number => Number(x.toFixed(digits));
	const rate = m.ackedBytes / MiB / Math.max(m.seconds, 1e-6);
	return {
		afterMiB: round(m.ackedBytes / MiB, 1),
		ackedMiBPerSecond: round(rate, 2),
		clientBusyPercent: round(Math.min(1, m.busySecondsPerMiB * rate) * 100, 0),
		deflatedPercent: round(m.ratio * 100, 1),
		deflateMiBPerCpuSecond: round(1 / Math.max(m.deflateSecondsPerMiB, 1e-6), 1),
		predictedSpeedup: round(v.predictedSpeedup, 2),
	};
}

/**
 * A trial connection must move this much more mail per busy second than the others for all to be compressed.
 * Lower than MARGIN: the trial is a direct measurement, and where it errs (a true gain near 1×) little is lost.
 * Measured (gen-corpus seed 1, 20 Mbit/s proxy, load 6–8): the trial said 1.12×, `on` was 1.13–1.16× as fast as `off`.
 */
export const TRIAL_MARGIN = 1.08;

/** One completed lease of a connection: the mail it got acknowledged and how long it was leased. */
export type TrialLease = Readonly<{messages: number; bytes: number; seconds: number}>;

export type TrialVerdict = Readonly<{compress: boolean; speedup: number; reason: string}>;

/**
 * Pure: the uncompressed connections' pace, as seconds = perMessage × messages + perMiB × MiB fitted to their
 * leases (least squares, both ≥ 0; one term alone when the two cannot be told apart). A lease of many small
 * messages and one of a single 4 MB attachment take very different times per MiB, so comparing plain MiB per
 * second would mostly compare which messages each connection happened to get.
 */
export function fitPace(leases: readonly TrialLease[]): Readonly<{perMessage: number; perMiB: number}> {
	let nn = 0, nx = 0, xx = 0, nt = 0, xt = 0;
	for (const l of leases) {
		const x = l.bytes / MiB;
		nn += l.messages * l.messages;
		nx += l.messages * x;
		xx += x * x;
		nt += l.messages * l.seconds;
		xt += x * l.seconds;
	}
	const sse = (m: number, b: number): number => leases.reduce((sum, l) => sum + (l.seconds - m * l.messages - (b * l.bytes) / MiB) ** 2, 0);
	const det = nn * xx - nx * nx;
	if (det > 1e-9 * nn * xx) {
		const perMessage = (nt * xx - xt * nx) / det;
		const perMiB = (xt * nn - nt * nx) / det;
		if (perMessage >= 0 && perMiB >= 0) return {perMessage, perMiB};
	}
	const byMessage = {perMessage: nn > 0 ? nt / nn : 0, perMiB: 0};
	const byBytes = {perMessage: 0, perMiB: xx > 0 ? xt / xx : 0};
	return sse(byMessage.perMessage, 0) < sse(0, byBytes.perMiB) ? byMessage : byBytes;
}

/**
 * Pure: the verdict of a trial — one connection compressed, the others not, over the same minutes. A link that
 * is the bottleneck carries each connection's share of its bytes, so the compressed one gets through its mail in
 * less time than the others' pace (fitPace) predicts for the same messages; when the server (fsync per
 * message), the round trips or the client's CPU set the pace, it takes no less, and compressing all would only
 * cost CPU. speedup = predicted seconds / actual seconds over the compressed connection's leases.
 */
export function judgeTrial(compressed: readonly TrialLease[], plain: readonly TrialLease[]): TrialVerdict {
	const pace = fitPace(plain);
	const actual = compressed.reduce((sum, l) => sum + l.seconds, 0);
	const predicted = compressed.reduce((sum, l) => sum + pace.perMessage * l.messages + (pace.perMiB * l.bytes) / MiB, 0);
	const speedup = predicted / Math.max(actual, 1e-6);
	const mail = compressed.reduce((sum, l) => sum + l.bytes, 0);
	const numbers = `one connection compressed sent ${mib(mail)} MiB in ${actual.toFixed(1)} s, which the others' pace puts at ${predicted.toFixed(1)} s uncompressed (${speedup.toFixed(2)}×)`;
	return speedup >= TRIAL_MARGIN ? {compress: true, speedup, reason: numbers} : {compress: false, speedup, reason: `${numbers}: not enough to compress the rest`};
}

/** Leases each side needs before the trial may end within its time bound: one lease is mostly noise. */
const MIN_TRIAL_LEASES = 4;

/** At most this many leases are kept for the trial (a window of 8 MiB in 2 KB messages, one per lease, is 4,096). */
const MAX_TRIAL_LEASES = 8192;

/**
 * The trial's bookkeeping (see judgeTrial): the pool reports every completed lease that began after the trial
 * started, with the mail acknowledged during it. Bounded like CompressionMeter: it ends after `windowBytes` (and
 * `minSeconds`) once each side has completed MIN_TRIAL_LEASES leases with mail, or after twice `maxSeconds` (the
 * compressed side needs time to complete leases of its own) with one each; at most MAX_TRIAL_LEASES are kept.
 */
export class CompressionTrial {
	readonly #windowBytes: number;
	readonly #minSeconds: number;
	readonly #maxSeconds: number;
	readonly #now: () => number;
	readonly #startAt: number;
	readonly #compressed: TrialLease[] = [];
	readonly #plain: TrialLease[] = [];
	#bytes = 0;
	#verdict: TrialVerdict | undefined;

	constructor(options: MeterOptions = {}) {
		this.#windowBytes = options.windowBytes ?? 8 * MiB;
		this.#minSeconds = options.minSeconds ?? 1;
		this.#maxSeconds = 2 * (options.maxSeconds ?? 20);
		this.#now = options.now ?? (() => performance.now() / 1000);
		this.#startAt = this.#now();
	}

	get startAt(): number {
		return this.#startAt;
	}

	get verdict(): TrialVerdict | undefined {
		return this.#verdict;
	}

	/** One completed lease that began at or after `startAt`; returns the verdict once the trial is over. */
	record(compressed: boolean, lease: TrialLease): TrialVerdict | undefined {
		if (this.#verdict) return this.#verdict;
		if (lease.messages > 0 && this.#compressed.length + this.#plain.length < MAX_TRIAL_LEASES) {
			(compressed ? this.#compressed : this.#plain).push(lease);
			this.#bytes += lease.bytes;
		}
		const elapsed = this.#now() - this.#startAt;
		const late = elapsed >= this.#maxSeconds || this.#compressed.length + this.#plain.length >= MAX_TRIAL_LEASES;
		const enough = late ? this.#compressed.length >= 1 && this.#plain.length >= 1 : this.#compressed.length >= MIN_TRIAL_LEASES && this.#plain.length >= MIN_TRIAL_LEASES;
		if (enough && (late || (this.#bytes >= this.#windowBytes && elapsed >= this.#minSeconds))) this.#verdict = judgeTrial(this.#compressed, this.#plain);
		return this.#verdict;
	}
}
