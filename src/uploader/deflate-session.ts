/**
 * The one place that reaches into imapflow's internals for COMPRESS=DEFLATE (RFC 4978); imapflow 2.10 has no
 * public API for either thing done here. test/uploader/deflate-session.test.ts fails if imapflow changes them.
 *
 * - `compress()` (imap-flow.js, marked @internal) sends COMPRESS DEFLATE and, after the tagged OK, routes the
 *   socket through zlib both ways. imapflow calls it itself right after login unless `disableCompression`;
 *   the pool always disables that and calls it here, on a connection that is idle (no command in flight, no
 *   IDLE: the pool sets `disableAutoIdle`) — RFC 4978 §3 allows COMPRESS at any time in the authenticated
 *   state. It resolves false when the server declines (nothing switched), throws when the session broke.
 * - `_deflate` is the zlib DeflateRaw stream imapflow creates at level 6; `params()` (Node zlib) switches it to
 *   `level` after a sync flush, before the next command is written (the connection is leased, so nothing else
 *   writes to it meanwhile). The flush puts an empty stored block on the wire, which is valid DEFLATE.
 */
import {constants} from 'node:zlib';
import type {DeflateRaw} from 'node:zlib';
import type {ImapFlow} from 'imapflow';

type Internals = {compress?: () => Promise<boolean | undefined>; _deflate?: (DeflateRaw & {_level?: number}) | null};

/**
 * Turns COMPRESS=DEFLATE on for an idle, authenticated connection and sets its deflate level. Resolves true
 * when the session is compressed at `level`, false when the server does not offer COMPRESS=DEFLATE or declined
 * it. Rejects when imapflow's internals are not what this file expects (the session is then unchanged) or the
 * connection broke (the caller discards it). Idempotent: a compressed session only gets its level set.
 */
export async function startDeflate(client: ImapFlow, level: number): Promise<boolean> {
	if (!client.capabilities.has('COMPRESS=DEFLATE')) return false;
	const internals = client as unknown as Internals;
	if (!internals._deflate) {
		if (typeof internals.compress !== 'function') throw new Error('imapflow no longer has compress(): see src/uploader/deflate-session.ts');
		await internals.compress();
	}
	const deflate = internals._deflate;
	if (!deflate) return false;
	if (typeof deflate.params !== 'function') throw new Error('imapflow\'s _deflate is not a zlib stream: see src/uploader/deflate-session.ts');
	// Bounded: a connection that closes during the flush settles it too (its flush callback may never run).
	const closed = await new Promise<boolean>((resolve) => {
		const onClose = (): void => resolve(true);
		client.once('close', onClose);
		deflate.params(level, constants.Z_DEFAULT_STRATEGY, () => {
			client.off('close', onClose);
			resolve(false);
		});
	});
	if (closed) throw new Error('The connection closed while its compression level was set.');
	return true;
}

/** The deflate level of a compressed session; undefined when the session is not compressed. */
export function deflateLevel(client: ImapFlow): number | undefined {
	const deflate = (client as unknown as Internals)._deflate;
	return deflate ? deflate._level : undefined;
}
