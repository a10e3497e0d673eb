/**
 * COMPRESS=DEFLATE (RFC 4978) as a decision, not a default (issue #14). imapflow negotiates it after login
 * whenever the server offers it (Gmail and many Dovecot installs do), at zlib level 6 on every byte sent.
 * Text mail shrinks 3–4×, which saves minutes on a home uplink; on a fast link the deflate work is pure cost:
 * measured into Dovecot on loopback on a 2-core machine (issue #14), the same 648 MiB upload took ~2× as
 * long with COMPRESS as without, the client spending ~9 s of CPU in zlib.
 *
 * `auto` decides from where the server is, which is measurable before the first byte and costs one DNS
 * lookup: every address of the host on this computer (loopback) or on the local network (RFC 1918, RFC 6598
 * shared, link-local, IPv6 ULA fc00::/7 and fe80::/10) → off: such links run at 100 Mbit/s and more, where
 * compressing costs more time than it saves. Anything else (a server across the internet, reached through
 * whatever uplink the person has) → on. `on`/`off` decide without looking. The decision and its reason are
 * reported (the summary and the --json/--report `compression` field).
 */
import {lookup} from 'node:dns/promises';
import {isIP} from 'node:net';

export type CompressMode = 'auto' | 'on' | 'off';

export const COMPRESS_MODES: readonly CompressMode[] = ['auto', 'on', 'off'];

/** What was asked for, whether compression is requested from the server, and why. */
export type CompressionDecision = Readonly<{mode: CompressMode; request: boolean; reason: string}>;

/** The decision plus whether the session really is compressed (the server may not offer COMPRESS=DEFLATE). */
export type CompressionReport = Readonly<{mode: CompressMode; used: boolean; reason: string}>;

/** Where an address is: this computer, the local network, or elsewhere. Pure. */
export function addressScope(address: string): 'loopback' | 'local' | 'remote' {
	const a = address.toLowerCase().replace(/^\[(.*)\]$/, '$1').replace(/%.*$/, '');
	const v4 = /^(?:::ffff:)?(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(a);
	if (v4) {
		const [x, y] = [Number(v4[1]), Number(v4[2])];
		if (x === 127) return 'loopback';
		if (x === 10 || (x === 172 && y >= 16 && y <= 31) || (x === 192 && y === 168) || (x === 169 && y === 254) || (x === 100 && y >= 64 && y <= 127)) return 'local';
		return 'remote';
	}
	if (a === '::1') return 'loopback';
	if (/^f[cd][0-9a-f]{2}:/.test(a) || /^fe[89ab][0-9a-f]:/.test(a)) return 'local';
	return 'remote';
}

/**
 * Decides whether to ask the server for COMPRESS=DEFLATE. `resolve` returns the host's addresses (default: the
 * system resolver, as the connection will use it); a host that does not resolve is treated as remote (the
 * connection will then fail with its own, clearer error).
 */
export async function decideCompression(mode: CompressMode, host: string, resolve: (host: string) => Promise<readonly string[]> = resolveAll): Promise<CompressionDecision> {
	if (mode === 'on') return {mode, request: true, reason: '--compress on'};
	if (mode === 'off') return {mode, request: false, reason: '--compress off'};
	const bare = host.replace(/^\[(.*)\]$/, '$1');
	let addresses: readonly string[];
	try {
		addresses = isIP(bare) ? [bare] : await resolve(bare);
	} catch {
		addresses = [];
	}
	const scopes = addresses.map(addressScope);
	if (scopes.length > 0 && scopes.every((s) => s === 'loopback')) {
		return {mode, request: false, reason: `the server is on this computer (${addresses[0]}): compressing would cost CPU and save no time`};
	}
	if (scopes.length > 0 && scopes.every((s) => s !== 'remote')) {
		return {mode, request: false, reason: `the server is on the local network (${addresses[0]}): compressing would cost CPU and save little time`};
	}
	return {mode, request: true, reason: 'the server is across the internet: mail text shrinks 3–4× with DEFLATE'};
}

async function resolveAll(host: string): Promise<readonly string[]> {
	return (await lookup(host, {all: true})).map((r) => r.address);
}

/** The report of a decision once a session is up: `used` false with the server's reason when it does not offer it. */
export function compressionReport(decision: CompressionDecision, used: boolean, offered: boolean): CompressionReport {
	if (!decision.request) return {mode: decision.mode, used: false, reason: decision.reason};
	if (used) return {mode: decision.mode, used: true, reason: decision.reason};
	return {mode: decision.mode, used: false, reason: offered ? `${decision.reason}; the server refused COMPRESS` : `${decision.reason}; the server does not offer COMPRESS=DEFLATE`};
}
