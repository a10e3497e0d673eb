/**
 * Windows code pages, LCIDs and MIME charsets → text, for PST strings and bodies (pure; no PST access).
 *
 * Where code pages come from in a PST (MS-OXCMSG 2.2.1.x; protocol.md §3.1):
 * - PT_STRING8 properties of a message are in its ANSI code page: PR_MESSAGE_CODEPAGE (0x3FFD) when set, else
 *   the Windows code page of its locale PR_MESSAGE_LOCALE_ID (0x3FF1), else the store's (see pst/folder-tree.ts).
 *   PR_INTERNET_CPID (0x3FDE) is the charset of the *MIME* body (e.g. 50220 iso-2022-jp), not of these strings:
 *   the CP932 fixture has 0x3FDE = 50220 while its strings are Shift_JIS.
 * - PR_BODY_HTML (binary) is in PR_INTERNET_CPID, else the charset its <meta> names.
 *
 * Decoders (`decodeBytes`): Node's TextDecoder (WHATWG Encoding) for the charsets in NATIVE — ISO-2022-JP, which
 * iconv-lite lacks (packages.md §7.5), and those whose TextDecoder output equals iconv-lite's for every byte
 * (test/readers/pst-code-pages.test.ts checks that exhaustively, so a Node upgrade that changes a decoder fails
 * there, not in a migration). iconv-lite for the rest, deliberately: the DOS/EBCDIC pages (TextDecoder has none),
 * windows-1250…1258 except 1256 (Node 20's TextDecoder decodes windows-1252 as Latin-1, losing "€" and the
 * quotes, and maps the unassigned bytes of the others to C1 controls where iconv-lite gives U+FFFD),
 * iso-8859-1 and -9 (WHATWG reads both as windows-125x), UTF-16LE/BE (TextDecoder replaces lone surrogates,
 * iconv-lite keeps them), and the CJK double-byte
 * pages (cp932, gbk, cp949, cp950, euc-jp: other error recovery, and Node's euc-kr lacks cp949's UHC rows). The
 * golden digests (pst-golden.test.ts) pin the composed bytes across this choice.
 */
import iconv from 'iconv-lite';

/** Windows code page / Internet code page id → iconv-lite charset name (MS "Code Page Identifiers"). */
const CODE_PAGES: ReadonlyMap<number, string> = new Map([
	[37, 'cp037'], [437, 'cp437'], [708, 'iso-8859-6'], [720, 'cp720'], [737, 'cp737'], [775, 'cp775'], [850, 'cp850'],
	[852, 'cp852'], [855, 'cp855'], [857, 'cp857'], [858, 'cp858'], [860, 'cp860'], [861, 'cp861'], [862, 'cp862'],
	[863, 'cp863'], [864, 'cp864'], [865, 'cp865'], [866, 'cp866'], [869, 'cp869'], [874, 'windows-874'],
	[932, 'cp932'], [936, 'gbk'], [949, 'cp949'], [950, 'cp950'], [1200, 'utf-16le'], [1201, 'utf-16be'],
	[1250, 'windows-1250'], [1251, 'windows-1251'], [1252, 'windows-1252'], [1253, 'windows-1253'],
	[1254, 'windows-1254'], [1255, 'windows-1255'], [1256, 'windows-1256'], [1257, 'windows-1257'],
	[1258, 'windows-1258'], [10000, 'macintosh'], [10007, 'x-mac-cyrillic'], [20127, 'us-ascii'], [20866, 'koi8-r'],
	[21866, 'koi8-u'], [28591, 'iso-8859-1'], [28592, 'iso-8859-2'], [28593, 'iso-8859-3'], [28594, 'iso-8859-4'],
	[28595, 'iso-8859-5'], [28596, 'iso-8859-6'], [28597, 'iso-8859-7'], [28598, 'iso-8859-8'], [28599, 'iso-8859-9'],
	[28603, 'iso-8859-13'], [28605, 'iso-8859-15'], [38598, 'iso-8859-8'], [50220, 'iso-2022-jp'], [50221, 'iso-2022-jp'],
	[50222, 'iso-2022-jp'], [51932, 'euc-jp'], [51936, 'gb2312'], [51949, 'euc-kr'], [52936, 'hz-gb-2312'],
	[54936, 'gb18030'], [65000, 'utf-7'], [65001, 'utf-8'],
]);

/** MIME charset aliases iconv-lite does not know under that name. */
const CHARSET_ALIASES: ReadonlyMap<string, string> = new Map([
	['x-mac-roman', 'macintosh'], ['unicode', 'utf-16le'], ['unicodefffe', 'utf-16be'], ['x-sjis', 'cp932'],
	['shift-jis', 'cp932'], ['shift_jis', 'cp932'], ['ms932', 'cp932'], ['windows-31j', 'cp932'], ['x-euc-jp', 'euc-jp'],
	['utf8', 'utf-8'], ['ansi_x3.4-1968', 'us-ascii'], ['ascii', 'us-ascii'], ['ks_c_5601-1987', 'cp949'],
	['iso-2022-jp-1', 'iso-2022-jp'], ['iso-2022-jp-2', 'iso-2022-jp'], ['csiso2022jp', 'iso-2022-jp'],
]);

/**
 * Windows ANSI code page of a Windows LCID (primary language in the low 10 bits; MS-LCID). Used for PT_STRING8
 * when a message has no PR_MESSAGE_CODEPAGE. Unknown languages → 1252.
 */
export function codePageOfLcid(lcid: number): number {
	const primary = lcid & 0x3ff;
	switch (primary) {
		case 0x11: return 932; // Japanese
		case 0x12: return 949; // Korean
		case 0x04: return lcid === 0x0404 || lcid === 0x0c04 || lcid === 0x1404 ? 950 : 936; // zh-TW/HK/MO vs zh-CN/SG
		case 0x1e: return 874; // Thai
		case 0x2a: return 1258; // Vietnamese
		case 0x08: return 1253; // Greek
		case 0x0d: return 1255; // Hebrew
		case 0x01: case 0x20: case 0x29: return 1256; // Arabic, Urdu, Farsi
		case 0x1f: case 0x2c: return 1254; // Turkish, Azeri (Latin)
		case 0x25: case 0x26: case 0x27: return 1257; // Estonian, Latvian, Lithuanian
		case 0x05: case 0x0e: case 0x15: case 0x18: case 0x1b: case 0x1c: case 0x24: return 1250; // cs hu pl ro sk sq sl
		case 0x1a: return lcid === 0x0c1a || lcid === 0x1c1a ? 1251 : 1250; // Serbian Cyrillic vs Croatian/Serbian Latin
		case 0x02: case 0x19: case 0x22: case 0x23: case 0x2f: case 0x3f: case 0x40: case 0x44: case 0x50: return 1251;
		default: return 1252;
	}
}

/** iconv-lite name (or 'iso-2022-jp') for a Windows/Internet code page id; undefined when unknown. */
export function charsetOfCodePage(codePage: number): string | undefined {
	return CODE_PAGES.get(codePage);
}

/** Charsets decoded by Node's TextDecoder (see the module comment); the names are WHATWG labels too. */
export const NATIVE: ReadonlySet<string> = new Set([
	'iso-2022-jp', 'utf-8', 'iso-8859-2', 'iso-8859-3', 'iso-8859-4', 'iso-8859-5', 'iso-8859-6',
	'iso-8859-7', 'iso-8859-8', 'iso-8859-13', 'iso-8859-15', 'koi8-r', 'koi8-u', 'windows-1256',
]);
const nativeDecoders = new Map<string, InstanceType<typeof TextDecoder>>();

/** Canonical decoder name for a MIME charset label, or undefined when no decoder exists for it. */
export function normalizeCharset(label: string): string | undefined {
	const name = label.trim().replace(/^["']|["']$/g, '').toLowerCase();
	if (name === '') return undefined;
	const alias = CHARSET_ALIASES.get(name) ?? name;
	if (NATIVE.has(alias)) return alias;
	return iconv.encodingExists(alias) ? alias : undefined;
}

/**
 * Decodes `bytes` in `name` (a canonical name from normalizeCharset/charsetOfCodePage) with the decoder the module
 * comment assigns to it. Invalid sequences become U+FFFD. @throws when iconv-lite does not know `name`.
 */
export function decodeBytes(bytes: Uint8Array, name: string): string {
	if (name === 'iso-2022-jp') return decodeIso2022Jp(bytes);
	if (NATIVE.has(name)) {
		let decoder = nativeDecoders.get(name);
		if (decoder === undefined) nativeDecoders.set(name, (decoder = new TextDecoder(name)));
		return decoder.decode(bytes);
	}
	return iconv.decode(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), name);
}

/**
 * Decodes `bytes` in `charset` (a name from charsetOfCodePage/normalizeCharset). Unknown or failing charsets
 * fall back to UTF-8 when the bytes are valid UTF-8, else windows-1252 (every byte maps to a character, so
 * nothing is dropped). Never throws.
 */
export function decodeText(bytes: Uint8Array, charset: string | undefined): string {
	const name = charset === undefined ? undefined : normalizeCharset(charset);
	if (name !== undefined) {
		try {
			return decodeBytes(bytes, name);
		} catch {
			// fall through to the guesses below
		}
	}
	return isValidUtf8(bytes) ? Buffer.from(bytes).toString('utf8') : iconv.decode(Buffer.from(bytes), 'windows-1252');
}

/** True when `bytes` is well-formed UTF-8 (Node's decoder would not need U+FFFD). */
export function isValidUtf8(bytes: Uint8Array): boolean {
	try {
		new TextDecoder('utf-8', {fatal: true}).decode(bytes);
		return true;
	} catch {
		return false;
	}
}

/**
 * The charset an HTML document declares in its first 4 KiB (`<meta charset=…>` or `<meta http-equiv=
 * "Content-Type" content="…; charset=…">`), or undefined.
 */
export function charsetDeclaredInHtml(bytes: Uint8Array): string | undefined {
	const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, 4096)).toString('latin1');
	const match = /<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)/i.exec(head);
	return match?.[1];
}

/**
 * ISO-2022-JP (RFC 1468) with the JIS X 0201 Katakana set of CP50221/50222, by Node's TextDecoder (WHATWG
 * "ISO-2022-JP": ESC ( I Katakana included). CP50222's SO/SI shifts (SO = Katakana until SI), which WHATWG does not
 * know, are first rewritten as ESC ( I … ESC ( B. Never throws.
 */
export function decodeIso2022Jp(bytes: Uint8Array): string {
	let input = bytes;
	if (bytes.includes(0x0e)) {
		const out: number[] = [];
		for (const b of bytes) {
			if (b === 0x0e) out.push(0x1b, 0x28, 0x49);
			else if (b === 0x0f) out.push(0x1b, 0x28, 0x42);
			else out.push(b);
		}
		input = Uint8Array.from(out);
	}
	let decoder = nativeDecoders.get('iso-2022-jp');
	if (decoder === undefined) nativeDecoders.set('iso-2022-jp', (decoder = new TextDecoder('iso-2022-jp')));
	return decoder.decode(input);
}
