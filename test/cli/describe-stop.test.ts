/** describeStop: what a stopped run left, in words shared by the CLI summary and the guided mode's finish screen. Pure. */
import assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import {describeStop} from '../../src/util/format.js';

const real = {dryRun: false};

describe('describeStop', () => {
	test('a stop before anything was read (store size unknown) says no message was sent, never "at least 0 messages"', () => {
		const text = describeStop({notSent: {messages: 0, isExact: false}, uploaded: 0, skipped: 0, failed: 0}, real);
		assert.equal(text, 'stopped before any message was sent; run the same command again');
	});

	test('a stop after some messages were handled, with nothing read-but-unsent and the size unknown, says the rest is not sent, without a 0', () => {
		const text = describeStop({notSent: {messages: 0, isExact: false}, uploaded: 5, skipped: 0, failed: 0}, real);
		assert.equal(text, 'stopped, the rest of the store is not sent yet, run the same command again to send it');
		assert.doesNotMatch(describeStop({notSent: {messages: 0, isExact: false}}, real), /\b0 messages?\b|before any message/);
	});

	test('known counts keep their wording: "at least N", an exact count, every message handled, a dry run', () => {
		assert.equal(describeStop({notSent: {messages: 40, isExact: false}, uploaded: 0}, real), 'stopped, at least 40 messages not sent yet, run the same command again to send them');
		assert.equal(describeStop({notSent: {messages: 1, isExact: true}}, real), 'stopped, 1 message not sent yet, run the same command again to send it');
		assert.equal(describeStop({notSent: {messages: 0, isExact: true}, uploaded: 0}, real), 'stopped, every message was handled');
		assert.equal(describeStop({notSent: {messages: 0, isExact: false}, uploaded: 0}, {dryRun: true}), 'stopped early');
	});
});
