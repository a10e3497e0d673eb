/**
 * The bytes of one APPEND command (RFC 3501 §6.3.11; several messages: RFC 3502 MULTIAPPEND), cut where the
 * client must wait for the server's `+` continuation. Pure: no I/O, no imapflow.
 *
 * Literal forms, the cheapest the server allows (issue #14: imapflow sent every literal over 4 KiB as a
 * synchronizing one even when the server offers LITERAL+, costing one round trip per message, and copied every
 * message body into one buffer per command):
 * - `LITERAL+` (RFC 7888 §3): every literal non-synchronizing, `{n+}` — the whole command goes out at once.
 * - `LITERAL-` (RFC 7888 §4; part of IMAP4rev2, RFC 9051 §4.3): non-synchronizing up to 4,096 octets, `{n}` and
 *   a wait for `+` above.
 * - neither: every literal synchronizing.
 * `literal8` (RFC 3516 §4.3: `~{n}`) takes the same `+` (RFC 7888 §8). Message bodies are never copied: a
 * segment is a list of buffers, the bodies among them as they are.
 *
 * Why non-synchronizing literals are safe enough here: a server that answers the command with NO (quota, size,
 * TRYCREATE) consumes the literals (servers.md §4). Dovecot answers a BAD (an invalid flag or date) and then
 * runs the literal's bytes as commands (servers.md §0.1), so what this file writes can never draw one: flags go
 * through formatFlag (the five system flags and keyword atoms only), dates through formatInternalDate (or none),
 * the mailbox name as an astring (atom, quoted string, or a literal of its own when it has CR/LF).
 */
import {formatFlag, formatInternalDate} from './imap-syntax.js';

/** How literals may be sent on this connection (capabilities after login). */
export type LiteralMode = 'plus' | 'minus' | 'sync';

/** What one message contributes to the command. */
export type AppendItem = Readonly<{content: Buffer; flags: readonly string[]; internalDate: Date; literal8: boolean}>;

/** RFC 7888 §4: LITERAL- allows non-synchronizing literals of at most this many octets. */
export const LITERAL_MINUS_MAX = 4096;

/** The literal mode a server's capabilities allow (IMAP4rev2 includes LITERAL-: RFC 9051 §4.3). */
export function literalMode(capabilities: ReadonlySet<string> | ReadonlyMap<string, unknown>): LiteralMode {
	if (capabilities.has('LITERAL+')) return 'plus';
	if (capabilities.has('LITERAL-') || capabilities.has('IMAP4rev2') || capabilities.has('IMAP4REV2')) return 'minus';
	return 'sync';
}

/** RFC 3501 §9 ATOM-CHAR (no atom-specials, no `]`, which would be resp-specials). */
const ATOM = /^[\x21\x23\x24\x26\x27\x2b-\x5a\x5e-\x7a\x7c\x7e]+$/;

/**
 * RFC 3501 §9 `astring` for the mailbox argument: an atom when it is one, else a quoted string; undefined when
 * the name holds CR, LF or NUL (no quoted string can carry them; such a name is refused before upload).
 */
export function astring(value: string): string | undefined {
	if (value.length > 0 && ATOM.test(value)) return value;
	if (/[\r\n\0]/.test(value)) return undefined;
	return `"${value.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

/**
 * The command `tag APPEND mailbox (flags) "date" {n+}\r\n<message> … \r\n` as segments: segment 0 goes out
 * at once, each later one after a `+` continuation. `wireMailbox` is the name as it goes on the wire (mUTF-7 or
 * UTF-8, see wireMailboxName). Throws when the name cannot be sent or when `items` is empty.
 */
export function appendSegments(tag: string, wireMailbox: string, items: readonly AppendItem[], mode: LiteralMode): Buffer[][] {
	if (items.length === 0) throw new Error('APPEND needs at least one message');
	const mailbox = astring(wireMailbox);
	if (mailbox === undefined) throw new Error(`The mailbox name ${JSON.stringify(wireMailbox)} holds a line break or NUL and cannot be sent`);
	const segments: Buffer[][] = [];
	let segment: Buffer[] = [];
	let text = `${tag} APPEND ${mailbox}`;
	for (const item of items) {
		const flags = item.flags.map((flag) => formatFlag(flag)).filter((flag): flag is string => flag !== undefined);
		text += ` (${flags.join(' ')})`;
		const date = formatInternalDate(item.internalDate);
		if (date !== undefined) text += ` "${date}"`;
		const size = item.content.length;
		const nonSync = mode === 'plus' || (mode === 'minus' && size <= LITERAL_MINUS_MAX);
		text += ` ${item.literal8 ? '~' : ''}{${size}${nonSync ? '+' : ''}}\r\n`;
		segment.push(Buffer.from(text, 'utf8'));
		text = '';
		if (!nonSync) {
			segments.push(segment);
			segment = [];
		}
		segment.push(item.content);
	}
	segment.push(Buffer.from('\r\n'));
	segments.push(segment);
	return segments;
}
