/**
 * PR_RTF_COMPRESSED → the body it carries (packages.md §7.4; protocol.md §3.1 "Encapsulated HTML").
 *
 * 1. Decompress (MS-OXRTFCP "LZFu"/"MELA") with @kenjiuno/decompressrtf on the raw bytes (pst-extractor's own
 *    `bodyRTF` decodes the RTF as UTF-8 and trims it, which is lossy for `\'xx` escapes).
 * 2. De-encapsulate (MS-OXRTFEX) with rtf-stream-parser: `\fromhtml1` gives the original HTML, `\fromtext`
 *    the original plain text; `\'xx` escapes are decoded in the code page of the current font / `\ansicpg`.
 * 3. Native RTF (neither marker; e.g. mail written in Outlook's RTF editor): converted to plain text by running
 *    the same de-encapsulator with `\fromtext` inserted, which outputs the text runs and paragraph breaks
 *    outside the ignored destinations (font/colour/style tables, pictures, fields' instructions).
 * Never throws: an RTF that cannot be read gives undefined and the reason.
 */
import {decompressRTF} from '@kenjiuno/decompressrtf';
import iconv from 'iconv-lite';
import {deEncapsulateSync} from 'rtf-stream-parser';

export type RtfBody = Readonly<{kind: 'html' | 'text'; text: string; isNativeRtf: boolean}>;
export type RtfResult = Readonly<{body?: RtfBody; rtf?: Buffer; error?: string}>;

const decode = (buffer: Buffer, encoding: string): string => {
	const name = encoding.toLowerCase() === 'cp20127' ? 'us-ascii' : encoding;
	return iconv.encodingExists(name) ? iconv.decode(buffer, name) : iconv.decode(buffer, 'windows-1252');
};

/** Decompresses and de-encapsulates; see the module comment. */
export function rtfBody(compressed: Buffer): RtfResult {
	let rtf: Buffer;
	try {
		rtf = Buffer.from(decompressRTF([...compressed]));
	} catch (error) {
		return {error: `the compressed RTF body cannot be decompressed (${describe(error)})`};
	}
	const options = {decode, mode: 'either' as const, warn: (): void => {}};
	try {
		const result = deEncapsulateSync(rtf, options);
		return {rtf, body: {kind: result.mode, text: String(result.text), isNativeRtf: false}};
	} catch {
		// Native RTF: see step 3.
	}
	try {
		const header = /^\{\\rtf1/.exec(rtf.toString('latin1', 0, 16));
		if (header === null) return {rtf, error: 'the RTF body does not start with {\\rtf1'};
		const asText = Buffer.concat([Buffer.from('{\\rtf1\\fromtext', 'latin1'), rtf.subarray(header[0].length)]);
		const result = deEncapsulateSync(asText, options);
		return {rtf, body: {kind: 'text', text: String(result.text), isNativeRtf: true}};
	} catch (error) {
		return {rtf, error: `the RTF body cannot be converted to text (${describe(error)})`};
	}
}

function describe(error: unknown): string {
	return error instanceof Error ? error.message : String(error);
}
