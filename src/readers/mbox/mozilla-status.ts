/**
 * mboxStatus: IMAP flags and store hints from the status headers that mail clients write into mbox files.
 * Pure and synchronous.
 *
 * Sources, in order of authority:
 * - Thunderbird/Netscape: `X-Mozilla-Status: %04x` (low 16 bits of the message flags), `X-Mozilla-Status2:
 *   %08x` (high 16 bits), `X-Mozilla-Keys:` (tags, space-separated). Bits from `nsMsgMessageFlags.idl`
 *   (protocol.md §3.3): Read 0x1 → `\Seen`, Replied 0x2 → `\Answered`, Marked 0x4 → `\Flagged`, Expunged 0x8
 *   → `isExpunged` ("the message has already gone, but the folder has not been compacted yet"), Partial 0x400
 *   → `isPartial` (a POP "download the rest" stub, so the body is incomplete), Forwarded 0x1000 →
 *   `$Forwarded`, MDNReportSent 0x00800000 → `$MDNSent`, Labels 0x0E000000 (old labels 1–5) → `$label1`…
 *   `$label5` (the tag keys Thunderbird itself uses).
 * - Classic Unix mailers (mutt, pine, elm, Mail::Box): `Status:` R → `\Seen` (O = old, ignored);
 *   `X-Status:` A → `\Answered`, F → `\Flagged`, T → `\Draft`, D → `\Deleted`.
 * When a valid X-Mozilla-Status is present, it alone decides the flags, and Status/X-Status are ignored.
 * Thunderbird rewrites its own header in place when the user changes a flag, but it never updates the
 * Status: header of an imported message, so only its header is current.
 *
 * Only the header block (up to the first empty line) is read, and only the first occurrence of each header
 * counts, so a forwarded message in the body cannot change flags. Keywords that are not valid IMAP atoms
 * are dropped.
 */

/** Flags and hints for one mbox message. */
export type MboxStatus = Readonly<{
	/** System flags (`\Seen`, `\Answered`, `\Flagged`, `\Draft`, `\Deleted`) and keywords (`$Forwarded`, tags). */
	flags: ReadonlySet<string>;
	/** Thunderbird Expunged bit: deleted by the user, not yet compacted away. Readers set skipHint 'mozilla-expunged'. */
	isExpunged: boolean;
	/** Thunderbird Partial bit: only the first part of the message was downloaded over POP. */
	isPartial: boolean;
}>;

const READ = 0x1;
const REPLIED = 0x2;
const MARKED = 0x4;
const EXPUNGED = 0x8;
const PARTIAL = 0x400;
const FORWARDED = 0x1000;
const MDN_REPORT_SENT = 0x0080_0000;
const LABELS = 0x0e00_0000;
const LABEL_SHIFT = 25;
/** How much of a message is decoded when no empty line ends the header (bounds work on header-less junk). */
const MAX_HEADER_BYTES = 256 * 1024;
const WANTED = new Set(['status', 'x-status', 'x-mozilla-status', 'x-mozilla-status2', 'x-mozilla-keys']);
/** IMAP atom: no atom-specials `( ) { SP CTL % * " \ ]` (RFC 3501 §9). */
const ATOM = /^[!#$&'+\-./0-9:;<=>?@A-Z[^_`a-z|}~]+$/;

/**
 * Reads the status headers of one message. `message` is the raw message (or just its header block);
 * reading stops at the first empty line. Never throws; unknown or malformed values are ignored.
 */
export function mboxStatus(message: Buffer | string): MboxStatus {
	const headers = firstHeaders(typeof message === 'string' ? message : headerText(message));
	const flags = new Set<string>();
	let isExpunged = false;
	let isPartial = false;

	const mozilla = parseHex(headers.get('x-mozilla-status'), 0xffff);
	if (mozilla === undefined) {
		const status = headers.get('status') ?? '';
		if (status.includes('R')) flags.add('\\Seen');
		const xStatus = headers.get('x-status') ?? '';
		if (xStatus.includes('A')) flags.add('\\Answered');
		if (xStatus.includes('F')) flags.add('\\Flagged');
		if (xStatus.includes('T')) flags.add('\\Draft');
		if (xStatus.includes('D')) flags.add('\\Deleted');
	} else {
		if ((mozilla & READ) !== 0) flags.add('\\Seen');
		if ((mozilla & REPLIED) !== 0) flags.add('\\Answered');
		if ((mozilla & MARKED) !== 0) flags.add('\\Flagged');
		if ((mozilla & FORWARDED) !== 0) flags.add('$Forwarded');
		isExpunged = (mozilla & EXPUNGED) !== 0;
		isPartial = (mozilla & PARTIAL) !== 0;
		const high = parseHex(headers.get('x-mozilla-status2'), 0xffff_ffff) ?? 0;
		if ((high & MDN_REPORT_SENT) !== 0) flags.add('$MDNSent');
		const label = (high & LABELS) >>> LABEL_SHIFT;
		if (label >= 1 && label <= 5) flags.add(`$label${label}`);
		for (const keyword of (headers.get('x-mozilla-keys') ?? '').split(/\s+/)) {
			if (keyword !== '' && ATOM.test(keyword)) flags.add(keyword);
		}
	}
	return {flags, isExpunged, isPartial};
}

/** The header block of `message` as latin1 text (header names and these values are ASCII). */
function headerText(message: Buffer): string {
	const head = message.subarray(0, MAX_HEADER_BYTES);
	if (head[0] === 0x0a || (head[0] === 0x0d && head[1] === 0x0a)) return '';
	let end = head.length;
	for (const index of [head.indexOf('\n\n'), head.indexOf('\n\r\n')]) if (index !== -1 && index < end) end = index;
	return head.toString('latin1', 0, end);
}

/** First occurrence of each wanted header, unfolded and trimmed, keyed by lower-case name. */
function firstHeaders(text: string): Map<string, string> {
	const found = new Map<string, string>();
	const lines = text.split('\n');
	for (let i = 0; i < lines.length; i += 1) {
		const line = (lines[i] ?? '').replace(/\r$/, '');
		if (line === '') break;
		const colon = line.indexOf(':');
		if (colon <= 0) continue;
		const name = line.slice(0, colon).trimEnd().toLowerCase();
		if (!WANTED.has(name) || found.has(name)) continue;
		let value = line.slice(colon + 1);
		while (i + 1 < lines.length && /^[ \t]/.test(lines[i + 1] ?? '')) {
			i += 1;
			value += ` ${(lines[i] ?? '').replace(/\r$/, '')}`;
		}
		found.set(name, value.trim());
	}
	return found;
}

function parseHex(value: string | undefined, max: number): number | undefined {
	if (value === undefined || !/^[0-9a-fA-F]{1,8}$/.test(value)) return undefined;
	const number = Number.parseInt(value, 16);
	return number <= max ? number : undefined;
}
