/**
 * `--compress auto`'s decision on numbers (src/uploader/compression.ts): the prediction from the first window
 * (decideCompression), the trial of one compressed connection (judgeTrial), and the bookkeeping that feeds them
 * (CompressionMeter, CompressionTrial) with a clock the test moves.
 */
import assert from 'node:assert/strict';
import {randomBytes} from 'node:crypto';
import {describe, test} from 'node:test';
import {CompressionMeter, CompressionTrial, MARGIN, TRIAL_MARGIN, decideCompression, fitPace, judgeTrial} from '../../src/uploader/compression.js';
import type {CompressionMeasurement, TrialLease} from '../../src/uploader/compression.js';

const MiB = 2 ** 20;

/** A window of `mib` MiB acknowledged at `rate` MiB/s, the client's event loop busy `busy` of the time. */
function window(rate: number, ratio: number, busy: number, mib = 8): CompressionMeasurement {
	return {ackedBytes: mib * MiB, seconds: mib / rate, ratio, deflateSecondsPerMiB: 0.03, busySecondsPerMiB: busy / rate, cpuSecondsPerMiB: busy / rate};
}

describe('the COMPRESS prediction from the first window', () => {
	test('a fast link on which the client is busy most of the time stays uncompressed, even for text', () => {
		const verdict = decideCompression(window(40, 0.3, 0.75));
		assert.equal(verdict.compress, false);
		assert.ok(verdict.predictedSpeedup < 1, String(verdict.predictedSpeedup));
		assert.match(verdict.reason, /40\.0 MiB\/s acknowledged.*deflating would cost more CPU time than it saves/);
	});

	test('a slow link with compressible mail, the client mostly waiting, is predicted to pay', () => {
		const verdict = decideCompression(window(2.4, 0.3, 0.1));
		assert.equal(verdict.compress, true);
		assert.ok(verdict.predictedSpeedup > 2.5, String(verdict.predictedSpeedup));
		assert.match(verdict.reason, /2\.4 MiB\/s acknowledged, the client busy 10% of the time, the mail deflates to 30%/);
	});

	test('text mail into a server on this machine, the client busy 44% of the time at 5.5 MiB/s, stays uncompressed (measured: compressed was slower)', () => {
		const verdict = decideCompression(window(5.5, 0.355, 0.44));
		assert.equal(verdict.compress, false, verdict.reason);
		assert.match(verdict.reason, /deflating would cost more CPU time than it saves/);
	});

	test('text mail through a 20 Mbit/s link, the client busy 20% of the time, compresses (measured: 1.7× faster)', () => {
		const verdict = decideCompression(window(2.4, 0.355, 0.2));
		assert.equal(verdict.compress, true, verdict.reason);
	});

	test('a slow link with mail that hardly deflates (attachments of random data) stays uncompressed', () => {
		const verdict = decideCompression(window(2.4, 0.9, 0.1));
		assert.equal(verdict.compress, false);
		assert.match(verdict.reason, /the link would save too little/);
	});

	test('the margin: a predicted gain just under it is not enough, just over it is', () => {
		// Link-bound: the prediction is 1 / ratio.
		assert.equal(decideCompression(window(1, 1 / (MARGIN - 0.01), 0.01)).compress, false);
		assert.equal(decideCompression(window(1, 1 / (MARGIN + 0.01), 0.01)).compress, true);
	});

	test('a client stretched by the machine\'s load (busy wall time well above its CPU time) counts deflate stretched too', () => {
		const calm = decideCompression({...window(4, 0.3, 0.3), cpuSecondsPerMiB: 0.3 / 4});
		const loaded = decideCompression({...window(4, 0.3, 0.3), cpuSecondsPerMiB: 0.3 / 4 / 8});
		assert.ok(loaded.predictedSpeedup < calm.predictedSpeedup, `${loaded.predictedSpeedup} < ${calm.predictedSpeedup}`);
	});
});

describe('the trial of one compressed connection', () => {
	// The uncompressed connections' leases on a link-bound upload: 0.02 s per message plus 0.4 s per MiB.
	const paced = (messages: number, mib: number, perMiB = 0.4): TrialLease => ({messages, bytes: mib * MiB, seconds: 0.02 * messages + perMiB * mib});
	const plain = [paced(50, 0.5), paced(2, 3), paced(10, 0.2), paced(1, 4), paced(30, 1)];

	test('the pace is fitted per message and per MiB, so batches of small messages and single attachments are told apart', () => {
		const pace = fitPace(plain);
		assert.ok(Math.abs(pace.perMessage - 0.02) < 1e-9 && Math.abs(pace.perMiB - 0.4) < 1e-9, JSON.stringify(pace));
		// Identical leases cannot separate the two: one term carries them all, never a negative one.
		const same = fitPace([paced(4, 1), paced(4, 1), paced(4, 1)]);
		assert.ok(same.perMessage >= 0 && same.perMiB >= 0);
		assert.ok(Math.abs(same.perMessage * 4 + same.perMiB - (0.08 + 0.4)) < 1e-9, JSON.stringify(same));
	});

	test('a compressed connection getting its mail through clearly faster than the others\' pace predicts turns compression on', () => {
		// Compressed to a third: the per-MiB part takes a third.
		const verdict = judgeTrial([paced(20, 2, 0.4 / 3), paced(1, 4, 0.4 / 3)], plain);
		assert.equal(verdict.compress, true);
		assert.ok(verdict.speedup > 2, String(verdict.speedup));
		assert.match(verdict.reason, /one connection compressed sent 6\.0 MiB in 1\.2 s, which the others' pace puts at 2\.8 s uncompressed \(2\.\d\d×\)/);
	});

	test('one going no faster than the others (server- or latency-bound), even with a different mix of messages, leaves the rest uncompressed', () => {
		assert.equal(judgeTrial([paced(200, 1), paced(1, 4)], plain).compress, false);
		const justUnder = judgeTrial([{messages: 10, bytes: MiB, seconds: (0.2 + 0.4) / (TRIAL_MARGIN * 0.99)}], plain);
		const justOver = judgeTrial([{messages: 10, bytes: MiB, seconds: (0.2 + 0.4) / (TRIAL_MARGIN * 1.01)}], plain);
		assert.deepEqual([justUnder.compress, justOver.compress], [false, true]);
	});

	test('the trial ends only when both sides have leases and its window is full, and decides once', () => {
		let now = 100;
		const trial = new CompressionTrial({windowBytes: 2 * MiB, minSeconds: 1, maxSeconds: 10, now: () => now});
		now = 101;
		for (const lease of plain.slice(0, 4)) assert.equal(trial.record(false, lease), undefined, 'no lease of the compressed connection yet');
		assert.equal(trial.record(true, {messages: 0, bytes: 0, seconds: 0.5}), undefined, 'a lease without mail does not count');
		for (let i = 0; i < 3; i++) assert.equal(trial.record(true, paced(2, 1, 0.1)), undefined, `one lease is mostly noise: ${i + 1} of 4`);
		const verdict = trial.record(true, paced(2, 3, 0.1));
		assert.equal(verdict?.compress, true);
		assert.equal(trial.record(false, paced(1, 100)), verdict, 'decided once');
	});

	test('past its time bound the trial decides with one lease on each side', () => {
		let now = 0;
		const trial = new CompressionTrial({windowBytes: 8 * MiB, minSeconds: 1, maxSeconds: 10, now: () => now});
		assert.equal(trial.record(false, paced(1, 1)), undefined);
		assert.equal(trial.record(true, paced(1, 1)), undefined, 'within the bound, one lease each is not enough');
		now = 21;
		assert.equal(trial.record(true, paced(1, 1))?.compress, false);
	});
});

describe('the first window\'s meter', () => {
	const message = (bytes: Buffer): Buffer => Buffer.concat([Buffer.from('Subject: x\r\n\r\n'), bytes]);

	test('it starts at the first acknowledged APPEND, waits for its window, and measures the mail\'s compressibility', () => {
		let now = 10;
		const meter = new CompressionMeter({windowBytes: 2 * MiB, minSeconds: 1, maxSeconds: 60, now: () => now});
		const text = message(Buffer.from('The quick brown fox jumps over the lazy dog, again and again.\r\n'.repeat(4000)));
		assert.equal(meter.acknowledged([text]), undefined, 'the first OK only starts the clock');
		now = 10.5;
		for (let i = 0; i < 8; i++) assert.equal(meter.acknowledged([text]), undefined, `not enough yet after ${i + 1}`);
		now = 12;
		const verdict = meter.acknowledged([text, text]);
		assert.ok(verdict, 'decided once the window is full and a second has passed');
		assert.equal(verdict.measurement.ackedBytes, 10 * text.length);
		assert.equal(verdict.measurement.seconds, 2);
		assert.ok(verdict.measurement.ratio < 0.1, `repeated text deflates well: ${verdict.measurement.ratio}`);
		assert.equal(meter.acknowledged([text]), verdict, 'nothing more is measured after the window');
	});

	test('random data is measured as incompressible, weighted by the messages\' sizes, and the sample is bounded', () => {
		let now = 0;
		const meter = new CompressionMeter({windowBytes: 4 * MiB, minSeconds: 0, maxSeconds: 60, samplePerMessage: 16 * 1024, sampleBytes: 64 * 1024, now: () => now});
		const big = message(randomBytes(MiB));
		const small = message(Buffer.from('z'.repeat(1000)));
		for (let i = 0; i < 5; i++) {
			now += 1;
			meter.acknowledged([big, small]);
		}
		const verdict = meter.verdict;
		assert.ok(verdict);
		// Byte-weighted, the random MiB dominates, though only 16 KiB of it was deflated.
		assert.ok(verdict.measurement.ratio > 0.95, String(verdict.measurement.ratio));
		assert.ok(Number.isFinite(verdict.measurement.deflateSecondsPerMiB));
	});

	test('on a link so slow the window never fills, it decides after its time bound', () => {
		let now = 0;
		const meter = new CompressionMeter({windowBytes: 8 * MiB, minSeconds: 1, maxSeconds: 20, now: () => now});
		const m = message(Buffer.from('a'.repeat(10_000)));
		meter.acknowledged([m]);
		now = 19;
		assert.equal(meter.acknowledged([m]), undefined);
		now = 21;
		assert.ok(meter.acknowledged([m]), 'decided at 20 s with two APPENDs in the window');
	});
});
