/**
 * ServerIndex.claimUid / has (issue #14): a re-run claims every copy the journal knows by UID. Each call used to
 * scan every copy of the mailbox (O(n²) per folder: a 50,000-message re-run took longer than the upload); now a
 * set of UIDs answers. 100,000 copies claimed here would take hours the old way; the test runs in well under a second.
 */
import assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import {ServerIndex} from '../../src/uploader/server-index.js';
import type {ServerCopy} from '../../src/contracts/mailbox-index.js';

describe('claiming server copies by UID', () => {
	test('every copy of a 100,000-message mailbox is claimed once by its UID, unknown and repeated UIDs are refused', {timeout: 120_000}, () => {
		const copies: ServerCopy[] = Array.from({length: 100_000}, (_, i) => ({uid: i + 1, size: 100 + (i % 50), internalDate: new Date(i * 1000), messageId: i % 3 === 0 ? undefined : `<m${i}@example.org>`}));
		const index = new ServerIndex('INBOX', 7n, copies);
		for (const copy of copies) assert.equal(index.claimUid(copy.uid), true);
		assert.equal(index.claimUid(1), false, 'a second claim of the same UID');
		assert.equal(index.claimUid(100_001), false, 'a UID the mailbox does not hold');
		assert.equal(index.has(50_000), true);
		assert.equal(index.has(100_001), false);
		assert.equal(index.unclaimed, 0);
	});
});
