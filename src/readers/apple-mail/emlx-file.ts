/**
 * The `.emlx` file of Apple Mail: one message per file (Mail.app, `~/Library/Mail/V2…V10/…/Messages/`).
 *
 * Layout (no published spec; described by the emlx readers of mikez/emlx, terhechte/emlx and
 * qqilihq/partial-emlx-converter, and by Mail's own files): a first line holding the byte count of the
 * RFC 5322 message (padded with spaces), the message (LF line ends), then an XML property list with `flags`
 * and `date-received` (seconds since 1970). Real files carry a byte count LARGER than the stored message
 * (trimmed by hand or by Mail itself), so the trailer is found at the LAST `<?xml`, not at the count.
 */
import type {PlistValue} from './plist.js';
import {parsePlistDict} from './plist.js';

/** Bits of the emlx `flags` integer (emlx readers listed above; Apple's MFMessageFlags). */
export const EMLX_FLAG = {
	read: 0,
	deleted: 1,
	answered: 2,
	encrypted: 3,
	flagged: 4,
	recent: 5,
	draft: 6,
	initial: 7,
	forwarded: 8,
	redirected: 9,
	signed: 23,
	junk: 24,
} as const;

export type EmlxFile = Readonly<{
	/** The RFC 5322 message bytes as stored. */
	message: Buffer;
	/** The trailer, when one was found and parsed. */
	plist?: ReadonlyMap<string, PlistValue>;
	/** What was wrong with the file, when something was (the message may still be usable). */
	warning?: string;
	/** The file ends before the message does (a cut copy): what is there is uploaded, but part of it is lost. */
	isTruncated?: boolean;
}>;

/**
 * Splits an `.emlx` file. Undefined when the file does not start with a byte-count line (zeroed, not an emlx):
 * then nothing trustworthy can be uploaded. Otherwise the message runs from after the count line to the last
 * `<?xml` that starts a valid plist trailer; without such a trailer, to the byte count (or the end of the
 * file when the count is larger), with a `warning`.
 */
export function parseEmlx(file: Buffer): EmlxFile | undefined {
	const newline = file.indexOf(0x0a);
	if (newline < 0 || newline > 32) return undefined;
	const countText = file.subarray(0, newline).toString('latin1').trim();
	if (!/^\d+$/.test(countText)) return undefined;
	const count = Number(countText);
	const start = newline + 1;
	const xml = file.lastIndexOf('<?xml');
	if (xml >= start) {
		const plist = parsePlistDict(file.subarray(xml).toString('utf8'));
		if (plist !== undefined) {
			const message = file.subarray(start, Math.min(xml, start + count));
			// A count that stops short of the trailer would cut the message: keep every byte before the trailer.
			const isShort = start + count < xml && !isBlank(file.subarray(start + count, xml));
			return isShort
				? {message: file.subarray(start, xml), plist, warning: `the byte count (${count}) ends before the message does; read up to the property list instead`}
				: {message, plist};
		}
	}
	const end = Math.min(file.length, start + count);
	const warning = start + count > file.length
		? `the file is shorter than its byte count (${count} bytes announced, ${file.length - start} present) and has no property list: it looks truncated; uploaded what is there, without flags`
		: 'the file has no property list after the message (flags and received date unknown); uploaded without flags';
	return {message: file.subarray(start, end), warning, ...(start + count > file.length ? {isTruncated: true} : {})};
}

/** IMAP flags for an emlx `flags` integer (RFC 3501 system flags, RFC 5788 `$Forwarded`/`$Junk` keywords). */
export function emlxFlags(flags: number): Set<string> {
	const has = (bit: number): boolean => Math.floor(flags / 2 ** bit) % 2 === 1;
	const result = new Set<string>();
	if (has(EMLX_FLAG.read)) result.add('\\Seen');
	if (has(EMLX_FLAG.deleted)) result.add('\\Deleted');
	if (has(EMLX_FLAG.answered)) result.add('\\Answered');
	if (has(EMLX_FLAG.flagged)) result.add('\\Flagged');
	if (has(EMLX_FLAG.draft)) result.add('\\Draft');
	if (has(EMLX_FLAG.forwarded)) result.add('$Forwarded');
	if (has(EMLX_FLAG.junk)) result.add('$Junk');
	return result;
}

function isBlank(bytes: Buffer): boolean {
	for (const byte of bytes) if (byte !== 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d) return false;
	return true;
}
