/**
 * util/buffer-ring.ts (issue #14): message buffers carved out of one ring. What matters most is that a buffer
 * still out is never handed out again (that would put one message's bytes into another's), whatever the order
 * buffers are given back in; then that given-back room is used again, and that the ring never makes a take fail.
 */
import assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import {BufferRing} from '../../src/util/buffer-ring.js';
import {mulberry32} from '../../src/testing/prng.js';

const KiB = 1024;

describe('the message ring', () => {
	test('a buffer is a view on the ring of exactly the size asked for, and the next one follows it', () => {
		const ring = new BufferRing({capacity: 64 * KiB, maxTake: 16 * KiB});
		const a = ring.take(1000);
		const b = ring.take(3000);
		assert.equal(a.length, 1000);
		assert.equal(b.length, 3000);
		assert.equal(a.buffer, b.buffer, 'both in the ring');
		assert.equal(b.byteOffset, a.byteOffset + 1000);
		assert.deepEqual(ring.counts, {fromRing: 2, ownBuffers: 0, out: 2});
	});

	test('room given back is used again once every buffer taken before it is back too', () => {
		const ring = new BufferRing({capacity: 10 * KiB, maxTake: 10 * KiB});
		const first = ring.take(4 * KiB);
		const second = ring.take(4 * KiB);
		ring.give(second);
		// The first is still out: the ring's end has 2 KiB, its start is held by the first.
		const third = ring.take(3 * KiB);
		assert.notEqual(third.buffer, first.buffer, 'no room in the ring: a buffer of its own');
		ring.give(first);
		const fourth = ring.take(9 * KiB);
		assert.equal(fourth.buffer, first.buffer, 'everything back: the ring starts again');
		assert.equal(fourth.byteOffset, first.byteOffset);
	});

	test('when the ring\'s end is too short, a buffer wraps to its start if the oldest one out has moved on', () => {
		const ring = new BufferRing({capacity: 10 * KiB, maxTake: 10 * KiB});
		const a = ring.take(4 * KiB);
		const b = ring.take(4 * KiB);
		ring.give(a);
		const c = ring.take(3 * KiB);
		assert.equal(c.buffer, b.buffer, 'in the ring');
		assert.equal(c.byteOffset, a.byteOffset, 'at its start, where the first was');
		// Wrapped: only the 1 KiB between c and b is free now.
		const d = ring.take(2 * KiB);
		assert.notEqual(d.buffer, b.buffer);
		assert.deepEqual(ring.counts, {fromRing: 3, ownBuffers: 1, out: 2});
	});

	test('requests above the largest size and of 0 bytes get buffers of their own', () => {
		const ring = new BufferRing({capacity: 64 * KiB, maxTake: 8 * KiB});
		const big = ring.take(9 * KiB);
		const empty = ring.take(0);
		assert.equal(big.length, 9 * KiB);
		assert.equal(empty.length, 0);
		assert.deepEqual(ring.counts, {fromRing: 0, ownBuffers: 2, out: 0});
	});

	test('giving back a buffer twice, a view into the middle of one, or a buffer not from the ring changes nothing', () => {
		const ring = new BufferRing({capacity: 8 * KiB, maxTake: 8 * KiB});
		const a = ring.take(2 * KiB);
		const b = ring.take(2 * KiB);
		ring.give(Buffer.alloc(10));
		ring.give(a.subarray(100));
		ring.give(b);
		ring.give(b);
		assert.equal(ring.counts.out, 1, 'only b is back');
		// a is still out, so its bytes are never handed out again.
		const c = ring.take(4 * KiB);
		assert.ok(c.byteOffset >= a.byteOffset + a.length, 'c does not overlap a');
	});

	test('a view given back a second time after its room was handed out again does not end the use of the new buffer there', () => {
		const ring = new BufferRing({capacity: 8 * KiB, maxTake: 8 * KiB});
		const a = ring.take(2 * KiB);
		ring.give(a);
		const b = ring.take(2 * KiB);
		assert.equal(b.byteOffset, a.byteOffset, 'precondition: b is where a was');
		ring.give(a);
		assert.equal(ring.counts.out, 1, 'b is still out');
		const c = ring.take(2 * KiB);
		assert.ok(c.byteOffset >= b.byteOffset + b.length, 'c does not overlap b');
	});

	test('a buffer still out never overlaps another one still out, whatever the order of sizes, takes and gives', () => {
		for (let seed = 1; seed <= 20; seed++) {
			const random = mulberry32(seed);
			const capacity = 64 * KiB;
			const ring = new BufferRing({capacity, maxTake: 24 * KiB});
			const out: Array<{buf: Buffer; mark: number}> = [];
			for (let step = 0; step < 3000; step++) {
				if (out.length >= 8 || (out.length > 0 && random() < 0.3)) {
					// Give back one: usually among the oldest (as an upload does), sometimes any.
					const i = random() < 0.7 ? Math.floor(random() * Math.min(3, out.length)) : Math.floor(random() * out.length);
					const [gone] = out.splice(i, 1);
					// It holds what its owner wrote: nothing handed out while it was out wrote into it.
					assert.ok(gone!.buf.every((byte) => byte === gone!.mark), `seed ${seed}, step ${step}: a buffer still out was handed out again`);
					ring.give(gone!.buf);
					continue;
				}
				const size = 1 + Math.floor(random() ** 3 * 30 * KiB);
				const buf = ring.take(size);
				assert.equal(buf.length, size);
				const mark = step & 0xff;
				buf.fill(mark);
				out.push({buf, mark});
			}
			for (const held of out) {
				assert.ok(held.buf.every((byte) => byte === held.mark), `seed ${seed}: a buffer still out was handed out again`);
				ring.give(held.buf);
			}
			assert.equal(ring.counts.out, 0, `seed ${seed}: everything back`);
			assert.ok(ring.counts.fromRing > ring.counts.ownBuffers, `seed ${seed}: the ring served most takes (${JSON.stringify(ring.counts)})`);
		}
	});
});
