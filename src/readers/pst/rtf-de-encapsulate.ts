/**
 * MS-OXRTFEX de-encapsulation in one pass over the bytes: `\fromhtml1` RTF → the original HTML, `\fromtext`
 * RTF → the original plain text.
 *
 * Contract: for every input, the same result as rtf-stream-parser 3.8's `deEncapsulateSync(rtf, {decode, mode:
 * 'either'})` — the same string, or a throw where it throws — except where the library fails on Node's limits
 * (a `\binN` with N over buffer.constants.MAX_LENGTH, which it allocates; an RTF over MAX_STRING_LENGTH bytes,
 * which it turns into one string): there we de-encapsulate. Fingerprints of composed messages depend on these
 * bytes, so this is a re-implementation of that library's tokenizer and feature handlers (tokenize.js,
 * ProcessTokens.js, de-encapsulate.js and features/*), quirks included, not a fresh reading of the spec; the
 * differential test (test/readers/rtf-de-encapsulate.test.ts) holds it to that on real bodies and random RTF.
 *
 * Why our own: the library runs every token through two object-mode Transform streams and ten feature handler
 * tables; on RTF-bodied stores (Outlook's HTML mail saved as compressed RTF) that was half of all reading time
 * (aspose__SampleOstFile.ost: 1.9 s of 4.1 s per 60 passes). Here tokens are never materialised: one loop over
 * the buffer, a fixed-shape state per group, text runs decoded only when they are output, ASCII runs in
 * Windows code pages without iconv. Warnings (the library's `warn` option; we passed a no-op) are not produced.
 */
import {RTF_DESTINATIONS, RTF_KNOWN_WORDS} from './rtf-control-words.js';

/** Decodes bytes in a code page named `cp<number>` (as rtf-stream-parser's `decode` option). */
export type RtfDecode = (bytes: Buffer, encoding: string) => string;
export type DeEncapsulated = {mode: 'html' | 'text'; text: string};


/** handleFonts.js: \fcharset → code page, and the code pages \fcharset may name directly. */
const CHARSET_TO_CPG: Record<number, number> = {
	0: 1252, 2: 42, 77: 10000, 78: 10001, 79: 10003, 80: 10008, 81: 10002, 83: 10005, 84: 10004, 85: 10006, 86: 10081,
	87: 10021, 88: 10029, 89: 10007, 128: 932, 129: 949, 130: 1361, 134: 936, 136: 950, 161: 1253, 162: 1254,
	163: 1258, 177: 1255, 178: 1256, 186: 1257, 204: 1251, 222: 874, 238: 1250, 254: 437, 255: 850,
};
const CHARSET_CODE_PAGES = new Set([20127, 28591, ...Object.values(CHARSET_TO_CPG)]);
const SYMBOL_FONT_NAMES = new Set(['Wingdings', 'Wingdings 2', 'Wingdings 3', 'Webdings', 'Symbol']);
/** Code pages whose bytes 0x00–0x7F are ASCII in iconv-lite, so an ASCII run can skip the decoder. */
const ASCII_COMPATIBLE = new Set([1250, 1251, 1252, 1253, 1254, 1255, 1256, 1257, 1258, 874, 28591]);

/** textEscapes.js (a Map: control words such as \\constructor must not find Object.prototype's members). */
const TEXT_ESCAPES = new Map(Object.entries({
	par: '\r\n', line: '\r\n', tab: '\t', lquote: '\u2018', rquote: '\u2019', ldblquote: '\u201C', rdblquote: '\u201D',
	bullet: '\u2022', endash: '\u2013', emdash: '\u2014', '{': '{', '}': '}', '\\': '\\', '~': '\u00A0', _: '\u00AD',
}));

type Font = {fontName?: string; cpg?: number; fcharsetCpg?: number};

/** One group's state; a `{` copies its parent's (the library chains prototypes: same visible values). */
type Group = {
	groupDepth: number;
	uc: number;
	font: string | undefined;
	htmlrtf: boolean;
	destination: string | undefined;
	destDepth: number;
	destGroupDepth: number;
	destIgnorable: boolean;
	/** Some enclosing destination is htmltag. */
	inHtmltag: boolean;
	/** Some enclosing destination is fonttbl, colortbl, stylesheet or pntext. */
	inTable: boolean;
};

const enum T {
	Open,
	Close,
	Control,
	Text,
}
/** A `\*` control symbol, as the previous-token type destination detection looks at. */
const STAR = 4;

export function deEncapsulateRtf(rtf: Buffer, decode: RtfDecode): DeEncapsulated {
	return new DeEncapsulator(rtf, decode).run();
}

class DeEncapsulator {
	readonly #buf: Buffer;
	readonly #decode: RtfDecode;
	readonly #out: string[] = [];
	readonly #root: Group = {groupDepth: 0, uc: 1, font: undefined, htmlrtf: false, destination: undefined, destDepth: 0, destGroupDepth: 0, destIgnorable: false, inHtmltag: false, inTable: false};
	readonly #stack: Group[] = [];
	#state: Group = this.#root;
	#count = 0;
	#done = false;
	#skip = 0;
	#cpg = 1252;
	#ansicpg = false;
	#fromhtml = false;
	#fromtext = false;
	#deff: string | undefined;
	#fonttbl: Map<string, Font> | undefined;
	#constructingFontTable = false;
	#entry: Font | undefined;
	#entryKey: string | undefined;
	#pendingUnicode: string[] | undefined;
	#pendingBytes: number[] | undefined;
	// The previous two tokens, as far as destination detection looks (`{`, `{\*`); -1 = none, Star = `\*`.
	#currType = -1;
	#lastType = -1;
	#lastLastType = -1;

	constructor(buf: Buffer, decode: RtfDecode) {
		this.#buf = buf;
		this.#decode = decode;
	}

	run(): DeEncapsulated {
		this.#tokenize();
		if (this.#count === 0) throw new Error('File should start with "{"');
		if (this.#count === 1) throw new Error('File should start with "{\\rtf"');
		if (!this.#fromhtml && !this.#fromtext) throw new Error('Not encapsulated HTML or text file');
		return {mode: this.#fromhtml ? 'html' : 'text', text: this.#out.join('')};
	}

	/** tokenize.js, fused with the processing: each token is handled as soon as it is complete. */
	#tokenize(): void {
		const buf = this.#buf;
		const len = buf.length;
		let i = 0;
		// A text token runs on across CR/LF (they are dropped) until `{`, `}` or `\`; it is held until then.
		let textStart = -1;
		let textEnd = -1;
		let textParts: Buffer[] | undefined;
		const flushText = (): void => {
			if (textStart < 0) return;
			let data: Buffer;
			if (textParts === undefined) data = buf.subarray(textStart, textEnd);
			else {
				textParts.push(buf.subarray(textStart, textEnd));
				data = Buffer.concat(textParts);
				textParts = undefined;
			}
			textStart = -1;
			this.#text(data);
		};
		while (i < len) {
			if (this.#done) return; // Everything after the final `}` is ignored.
			const c = buf[i]!;
			if (c === 0x7b || c === 0x7d) {
				flushText();
				this.#groupToken(c === 0x7b ? T.Open : T.Close);
				i++;
			} else if (c === 0x5c) {
				flushText();
				i = this.#control(i + 1);
			} else if (c === 0x0d || c === 0x0a) {
				i++;
			} else {
				let end = i + 1;
				for (; end < len; end++) {
					const d = buf[end]!;
					if (d === 0x0d || d === 0x0a || d === 0x7b || d === 0x7d || d === 0x5c) break;
				}
				if (textStart < 0) {
					textStart = i;
					textEnd = end;
				} else {
					(textParts ??= []).push(buf.subarray(textStart, textEnd));
					textStart = i;
					textEnd = end;
				}
				i = end;
			}
		}
		flushText();
	}

	/** After a backslash at `start`: a control symbol, a control word (with its parameter), `\'hh` or `\binN`. */
	#control(start: number): number {
		const buf = this.#buf;
		const len = buf.length;
		if (start >= len) return start; // A lone `\` at the end: no token.
		const c = buf[start]!;
		if (!isAlpha(c)) {
			const word = String.fromCharCode(c);
			if (word !== "'") {
				this.#controlToken(word, undefined, undefined);
				return start + 1;
			}
			// Two characters are read whatever they are; a non-hex one adds nothing (the library warns).
			let value = 0;
			let n = 0;
			let i = start + 1;
			for (; n < 2 && i < len; i++, n++) {
				const digit = hexValue(buf[i]!);
				if (digit >= 0) value += n === 0 ? digit * 16 : digit;
			}
			this.#controlToken("'", undefined, n === 2 ? Buffer.of(value) : Buffer.alloc(0));
			return i;
		}
		let i = start;
		while (i < len && isAlpha(buf[i]!)) i++;
		const word = buf.toString('latin1', start, i);
		let paramStr = '';
		if (i < len && (isDigit(buf[i]!) || buf[i] === 0x2d)) {
			const paramStart = i++;
			while (i < len && isDigit(buf[i]!)) i++;
			paramStr = buf.toString('latin1', paramStart, i);
		}
		const param = paramStr === '' ? undefined : Number.parseInt(paramStr, 10);
		if (i < len && buf[i] === 0x20) i++; // The delimiting space belongs to the control word.
		if (word === 'bin' && (Number.parseInt(paramStr || '0', 10) || 0) > 0) {
			// \binN: N raw bytes, part of the token (never output).
			const size = Number.parseInt(paramStr, 10);
			i = Math.min(len, i + size);
		}
		this.#controlToken(word, param, undefined);
		return i;
	}

	/** The steps every token takes first (ProcessTokens' allTokenHandlers, in feature order); false = dropped. */
	#begin(type: T, word: string | undefined, param: number | undefined): boolean {
		const count = ++this.#count;
		if (count === 1 && type !== T.Open) throw new Error('File should start with "{"');
		if (count === 2 && (word !== 'rtf' || (param && param !== 1))) throw new Error('File should start with "{\\rtf[0,1]"');
		if (this.#done) return false;
		return true;
	}

	#seen(type: number): void {
		this.#lastLastType = this.#lastType;
		this.#lastType = this.#currType;
		this.#currType = type;
		if (!this.#fromhtml && !this.#fromtext && (type === T.Text || this.#count > 10)) throw new Error('Not encapsulated HTML or text file');
	}

	#groupToken(type: T.Open | T.Close): void {
		if (!this.#begin(type, undefined, undefined)) return;
		this.#skip = 0;
		this.#seen(type);
		this.#flushPending();
		if (type === T.Open) {
			const parent = this.#state;
			this.#stack.push(parent);
			const state: Group = {...parent, groupDepth: parent.groupDepth + 1};
			this.#state = state;
			if (this.#constructingFontTable && state.destination === 'fonttbl' && state.groupDepth === state.destGroupDepth + 1) this.#entry = {};
			return;
		}
		this.#state = this.#stack.pop() ?? this.#root;
		if (this.#state === this.#root) this.#done = true;
		const state = this.#state;
		if (this.#constructingFontTable && state.destination === 'fonttbl' && state.groupDepth === state.destGroupDepth) {
			if (this.#entry === undefined || this.#entryKey === undefined) throw new Error('Finished a font table group but no key?');
			this.#fonttbl!.set(this.#entryKey, this.#entry);
			this.#entry = undefined;
			this.#entryKey = undefined;
		}
		if (this.#constructingFontTable && state.destGroupDepth === 1) this.#constructingFontTable = false;
	}

	#text(data: Buffer): void {
		if (!this.#begin(T.Text, undefined, undefined)) return;
		if (this.#skip >= data.length) {
			this.#skip -= data.length;
			return;
		}
		if (this.#skip > 0) {
			data = data.subarray(this.#skip);
			this.#skip = 0;
		}
		this.#seen(T.Text);
		this.#flushPending();
		this.#output(data);
	}

	#controlToken(word: string, param: number | undefined, data: Buffer | undefined): void {
		if (!this.#begin(T.Control, word, param)) return;
		if (this.#skip > 0) {
			this.#skip--;
			return;
		}
		this.#seen(word === '*' ? STAR : T.Control);
		if (this.#pendingUnicode !== undefined && word !== 'uc' && word !== 'u') this.#flushPending();
		else if (this.#pendingBytes !== undefined && word !== "'") this.#flushPending();
		this.#destination(word);
		this.#controlWord(word, param, data);
	}

	/** handleControlsAndDestinations.js: a destination word right after `{`, or any unknown word after `{\*`. */
	#destination(word: string): void {
		if (this.#lastType !== T.Open && this.#lastType !== STAR) return; // neither `{` nor `{\*` before it
		const afterStar = this.#lastType === STAR && this.#lastLastType === T.Open;
		if (RTF_DESTINATIONS.has(word)) {
			if (this.#lastType === T.Open) this.#addDestination(word, false);
			else if (afterStar) this.#addDestination(word, true);
		} else if (!RTF_KNOWN_WORDS.has(word) && afterStar) {
			this.#addDestination(word, true);
		}
	}

	#addDestination(word: string, ignorable: boolean): void {
		const state = this.#state;
		state.destination = word;
		if (ignorable) state.destIgnorable = true;
		state.destDepth++;
		state.destGroupDepth = state.groupDepth;
		if (word === 'htmltag') state.inHtmltag = true;
		else if (word === 'fonttbl' || word === 'colortbl' || word === 'stylesheet' || word === 'pntext') state.inTable = true;
	}

	#controlWord(word: string, param: number | undefined, data: Buffer | undefined): void {
		const state = this.#state;
		switch (word) {
			case 'uc':
				state.uc = param || 0;
				return;
			case 'u': {
				this.#skip = state.uc;
				if (typeof param !== 'number') throw new Error('Unicode control word with no param');
				(this.#pendingUnicode ??= []).push(param < 0 ? String.fromCodePoint(param + 0x10000) : String.fromCodePoint(param));
				return;
			}
			case "'":
				if (data !== undefined && data.length > 0) (this.#pendingBytes ??= []).push(data[0]!);
				else this.#pendingBytes ??= [];
				return;
			case 'mac':
			case 'pc':
			case 'pca':
				throw new Error(`Unsupported character set \\${word}`);
			case 'ansicpg':
				if (state.destination === 'rtf' && state.destDepth > 1 && this.#ansicpg) return;
				if (this.#ansicpg || typeof param !== 'number') return;
				this.#ansicpg = true;
				this.#cpg = param;
				return;
			case 'deff':
				if (state.destination === 'rtf' && state.destDepth > 1 && this.#deff !== undefined) return;
				if (state.destination !== 'rtf' || state.destDepth !== 1) throw new Error('\\deff not at root group');
				if (this.#deff !== undefined) throw new Error('\\deff already defined');
				this.#deff = String(param);
				return;
			case 'fonttbl':
				if (this.#fonttbl !== undefined && state.destGroupDepth > 2) return;
				if (this.#fonttbl !== undefined) throw new Error('fonttbl already created');
				if (state.destDepth !== 2 || state.destGroupDepth !== 2) throw new Error('fonttbl not in header');
				this.#constructingFontTable = true;
				this.#fonttbl = new Map();
				return;
			case 'f': {
				if (param === undefined) throw new Error('No param for \\f');
				const f = String(param);
				if (this.#entry !== undefined && this.#entryKey !== undefined) throw new Error('\\f control word in font group which already has \\f');
				if (this.#entry !== undefined) this.#entryKey = f;
				else state.font = f;
				return;
			}
			case 'fcharset': {
				if (this.#entry === undefined) return;
				if (typeof param !== 'number') throw new Error('fcharset with no param');
				if (param === 1) return;
				let cpg = CHARSET_TO_CPG[param];
				if (cpg === undefined && CHARSET_CODE_PAGES.has(param)) cpg = param;
				if (cpg !== undefined) this.#entry.fcharsetCpg = cpg;
				return;
			}
			case 'cpg':
				if (this.#entry !== undefined && typeof param === 'number') this.#entry.cpg = param;
				return;
			case 'fromhtml':
			case 'fromtext':
				if (state.destination !== 'rtf') throw new Error(`\\${word} not at root group`);
				if (this.#fromhtml || this.#fromtext) throw new Error('\\fromhtml or \\fromtext already defined');
				if (word === 'fromhtml') this.#fromhtml = true;
				else this.#fromtext = true;
				return;
			case 'htmlrtf':
				state.htmlrtf = param !== 0;
				return;
			default: {
				const escape = TEXT_ESCAPES.get(word);
				if (escape !== undefined) this.#output(escape);
			}
		}
	}

	/** handleOutput.js: a run of `\uN` (or of `\'hh`) is output as one piece. */
	#flushPending(): void {
		if (this.#pendingUnicode !== undefined) {
			const text = this.#pendingUnicode.join('');
			this.#pendingUnicode = undefined;
			this.#output(text);
		}
		if (this.#pendingBytes !== undefined) {
			const bytes = Buffer.from(this.#pendingBytes);
			this.#pendingBytes = undefined;
			this.#output(bytes);
		}
	}

	/** ProcessTokens._pushOutput with the de-encapsulation filters and DeEncapsulate._getOutputAsString. */
	#output(data: string | Buffer): void {
		if (this.#entry !== undefined) {
			this.#fontName(this.#entry, data);
			return;
		}
		const state = this.#state;
		if (state.htmlrtf) return;
		if (!state.inHtmltag && (state.destIgnorable || state.inTable)) return;
		const font = state.inHtmltag ? undefined : this.#fonttbl?.get(state.font || this.#deff || '');
		let text: string;
		if (font !== undefined && (font.fcharsetCpg === 42 || font.cpg === 42 || SYMBOL_FONT_NAMES.has(font.fontName || ''))) {
			text = typeof data === 'string' ? symbolText(data) : data.toString('latin1');
		} else if (typeof data === 'string') {
			text = data;
		} else {
			const cpg = font !== undefined ? font.cpg || font.fcharsetCpg || this.#cpg : this.#cpg;
			if (cpg === 20127 || cpg === 65001) text = data.toString('utf8');
			else if (cpg === 1200) text = data.toString('utf16le');
			else if (cpg) text = ASCII_COMPATIBLE.has(cpg) && isAscii(data) ? data.toString('latin1') : this.#decode(data, `cp${cpg}`);
			else throw new Error('text with no codepage');
		}
		if (this.#fromhtml && !state.inHtmltag && (text.includes('<') || text.includes('>'))) {
			text = text.replace(/<|>/g, (match) => (match === '<' ? '&lt;' : '&gt;'));
		}
		this.#out.push(text);
	}

	/** handleFonts.js fontTextHandler: text in a font table entry is its name (non-ASCII as `\uXXXX`). */
	#fontName(entry: Font, data: string | Buffer): void {
		let piece = typeof data === 'string' ? data : data.toString('latin1');
		piece = piece.replace(/[^\x00-\x7F]/g, (c) => {
			const hex = c.charCodeAt(0).toString(16).toUpperCase();
			return '\\u' + '0000'.slice(0, 4 - hex.length) + hex;
		});
		let name = (entry.fontName || '') + piece;
		if (name.endsWith(';')) {
			name = name.slice(0, -1);
			if (name.length > 2 && name.startsWith('"') && name.endsWith('"')) name = name.slice(1, -1);
		}
		entry.fontName = name;
	}
}

/** ProcessTokens._getOutputAsString for symbol fonts: private-use F0xx code points back to their byte. */
function symbolText(data: string): string {
	let out = '';
	for (const c of data) {
		const codepoint = c.codePointAt(0)!;
		out += (codepoint >= 0 && codepoint <= 0xff) || (codepoint >= 0xf000 && codepoint <= 0xf0ff) ? String.fromCodePoint(codepoint % 0xf000) : c;
	}
	return out;
}

function isAlpha(c: number): boolean {
	return (c > 64 && c < 91) || (c > 96 && c < 123);
}

function isDigit(c: number): boolean {
	return c > 47 && c < 58;
}

function hexValue(c: number): number {
	if (c >= 48 && c <= 57) return c - 48;
	if (c >= 65 && c <= 70) return c - 55;
	if (c >= 97 && c <= 102) return c - 87;
	return -1;
}

function isAscii(data: Buffer): boolean {
	for (let i = 0; i < data.length; i++) if (data[i]! >= 0x80) return false;
	return true;
}
