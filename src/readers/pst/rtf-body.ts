/**
 * PR_RTF_COMPRESSED → the body it carries (packages.md §7.4; protocol.md §3.1 "Encapsulated HTML").
 *
 * 1. Decompress (MS-OXRTFCP "LZFu"/"MELA") the raw bytes with `decompressRtf` (pst-extractor's own `bodyRTF`
 *    decodes the RTF as UTF-8 and trims it, which is lossy for `\'xx` escapes).
 * 2. De-encapsulate (MS-OXRTFEX) with rtf-de-encapsulate.ts (rtf-stream-parser's results, several times faster):
 *    `\fromhtml1` gives the original HTML, `\fromtext` the original plain text; `\'xx` escapes are decoded in the
 *    code page of the current font / `\ansicpg`.
 * 3. Native RTF (neither marker; e.g. mail written in Outlook's RTF editor): converted to plain text by running
 *    the same de-encapsulator with `\fromtext` inserted, which outputs the text runs and paragraph breaks
 *    outside the ignored destinations (font/colour/style tables, pictures, fields' instructions).
 * Never throws: an RTF that cannot be read gives undefined and the reason.
 */
import iconv from 'iconv-lite';
import {charsetOfCodePage, decodeBytes} from './code-pages.js';
import {deEncapsulateRtf} from './rtf-de-encapsulate.js';

export type RtfBody = Readonly<{kind: 'html' | 'text'; text: string; isNativeRtf: boolean}>;
export type RtfResult = Readonly<{body?: RtfBody; rtf?: Buffer; error?: string}>;

/** `\'xx` text in the code page `cp<number>` (code-pages.ts chooses the decoder); unknown pages as windows-1252. */
const decode = (buffer: Buffer, encoding: string): string => {
	const known = /^cp(\d+)$/i.exec(encoding);
	const charset = known?.[1] === undefined ? undefined : charsetOfCodePage(Number(known[1]));
	if (charset !== undefined) return decodeBytes(buffer, charset);
	return iconv.encodingExists(encoding) ? iconv.decode(buffer, encoding) : iconv.decode(buffer, 'windows-1252');
};

/** Decompresses and de-encapsulates; see the module comment. */
export function rtfBody(compressed: Buffer): RtfResult {
	let rtf: Buffer;
	try {
		rtf = decompressRtf(compressed);
	} catch (error) {
		return {error: `the compressed RTF body cannot be decompressed (${describe(error)})`};
	}
	try {
		const result = deEncapsulateRtf(rtf, decode);
		return {rtf, body: {kind: result.mode, text: result.text, isNativeRtf: false}};
	} catch {
		// Native RTF: see step 3.
	}
	try {
		const header = /^\{\\rtf1/.exec(rtf.toString('latin1', 0, 16));
		if (header === null) return {rtf, error: 'the RTF body does not start with {\\rtf1'};
		const asText = Buffer.concat([Buffer.from('{\\rtf1\\fromtext', 'latin1'), rtf.subarray(header[0].length)]);
		const result = deEncapsulateRtf(asText, decode);
		return {rtf, body: {kind: 'text', text: result.text, isNativeRtf: true}};
	} catch (error) {
		return {rtf, error: `the RTF body cannot be converted to text (${describe(error)})`};
	}
}

/** MS-OXRTFCP 2.1.2.1: the dictionary's initial contents ("pre-buffer"), 207 bytes. */
const PREBUF = Buffer.from('{\\rtf1\\ansi\\mac\\deff0\\deftab720{\\fonttbl;}{\\f0\\fnil \\froman \\fswiss \\fmodern \\fscript \\fdecor MS Sans SerifSymbolArialTimes New RomanCourier{\\colortbl\\red0\\green0\\blue0\r\n\\par \\pard\\plain\\f0\\fs20\\b\\i\\u\\tab\\tx', 'latin1');
const COMPRESSED = 0x75465a4c; // "LZFu"
const UNCOMPRESSED = 0x414c454d; // "MELA"

/**
 * MS-OXRTFCP decompression on Buffers (the same algorithm as @kenjiuno/decompressrtf, without its per-byte
 * arrays: it dominated the profile of RTF-bodied OSTs; the tests hold the two to the same output).
 *
 * The 4 KiB dictionary of the spec is always the last 4096 bytes written (the pre-buffer first), so the output
 * itself serves as the dictionary: `window` holds the pre-buffer followed by the output, and a reference to
 * dictionary offset `o` is a copy from `d` = (position − o) mod 4096 bytes back, byte by byte (it may overlap).
 * A position before the start of `window` is a dictionary slot not yet written: zero, as in the spec's
 * zero-filled dictionary. A reference to the current write position ends the stream (2.1.3.1.4).
 * @throws when the header is shorter than 16 bytes or its type is neither LZFu nor MELA.
 */
export function decompressRtf(data: Buffer): Buffer {
	if (data.length < 16) throw new Error('the compressed RTF is shorter than its 16-byte header');
	const rawSize = data.readUInt32LE(4);
	const type = data.readUInt32LE(8);
	if (type === UNCOMPRESSED) return Buffer.from(data.subarray(16, 16 + rawSize));
	if (type !== COMPRESSED) throw new Error(`its compression type 0x${type.toString(16)} is neither LZFu nor MELA`);
	const base = PREBUF.length;
	// A corrupt header must not make us allocate gigabytes: a reference (2 bytes, the last one may be cut to 1)
	// makes at most 17 output bytes.
	const window = Buffer.allocUnsafe(base + Math.min(rawSize, 17 * (data.length - 16)));
	PREBUF.copy(window);
	const limit = window.length;
	let at = base;
	let pos = 16;
	const end = Math.min(data.length, data.readUInt32LE(0) + 4);
	while (pos < end && at < limit) {
		const control = data[pos++]!;
		for (let bit = 0; bit < 8 && pos < end && at < limit; bit++) {
			if ((control & (1 << bit)) === 0) {
				window[at++] = data[pos++]!;
				continue;
			}
			const token = (data[pos]! << 8) | (data[pos + 1] ?? 0);
			pos += 2;
			const back = (at - (token >> 4)) & 0xfff;
			if (back === 0) return window.subarray(base, at);
			const count = Math.min((token & 0xf) + 2, limit - at);
			for (let from = at - back, stop = at + count; at < stop; from++) window[at++] = from < 0 ? 0 : window[from]!;
		}
	}
	return window.subarray(base, at);
}

function describe(error: unknown): string {
	return error instanceof Error ? error.message : String(error);
}
