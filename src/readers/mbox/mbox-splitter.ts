/**
 * splitMbox: a streaming, byte-exact mbox splitter. It replaces the splitter of `mbox-reader`, which drops
 * content before the first From_ line, splits on any `From ` line, rewrites CRLF to LF and strips the last
 * newline (packages.md §3). It reads the file as a stream of chunks and holds at most the current message
 * plus one chunk (see "Memory").
 *
 * Splitting rules, with reasons:
 * 1. Separator. A separator is a line that starts with `From `, stands at the beginning of the file (after an
 *    optional UTF-8 BOM) or directly after an empty line (LF or CRLF), and whose rest parses as a From_ line
 *    (`parseFromLine`): `From <sender> <asctime date>`, where the date may carry a zone (`+0100`, `MET`, `UTC`)
 *    before or after the year and may lack seconds, or the bare Netscape/Thunderbird `From -`. RFC 4155 App. A
 *    says that each message is preceded by a From_ line and terminated by an empty line. jwz ("Content-Length:
 *    considered harmful") says that the only safe delimiter is a `From ` line at the beginning of the file or
 *    after a blank line. The date check keeps "From here on, …" after a blank line in an unquoting writer's
 *    body as body text.
 *    A From_ line that directly follows another From_ line is also a separator: a message cannot begin with
 *    `From ` (RFC 5322 field names contain no space), so the message between the two lines is empty.
 * 1a. Loose separators (Thunderbird, issue #12 item 3). Thunderbird treats any line that starts with `From ` at a
 *    message boundary as a separator, whatever follows: real files have From_ lines with only an address
 *    (`From 1844…@xxx`) and bare `From ` lines. A line that starts with `From ` but does not parse (rule 1) is
 *    therefore also a separator when it stands at a boundary (beginning of the file, after an empty line, or
 *    right after another From_ line) AND a message header follows it: at least two RFC 5322 header fields,
 *    one of them From:, To:, Cc:, Subject:, Date:, Message-ID:, Received:, Return-Path:, Delivered-To:,
 *    MIME-Version: or X-Mozilla-Status: (`headerBlockAt`). The header check keeps "From here on, …" and
 *    "From Russia with love\nYear: 1963" (mimekit `unmunged.mbox`) after an empty line in an unquoting
 *    writer's body as body text, and a file that starts with a bare `From ` plus headers is an mbox.
 *    Such a separator has no date (`fromDate` undefined). Not at a boundary, a loose line stays text; if it is
 *    followed by a header block, `suspectedMerges` (below) counts it so the store can warn loudly.
 * 1b. DEVIATION from the strict rule, for files written without empty lines between messages (Netscape-era
 *    files: mimekit `content-length.mbox` has 10 such separators, and `simple.mbox` has all of them). A valid
 *    From_ line that is NOT preceded by an empty line is still a separator when the next line starts with an
 *    RFC 5322 field name and a colon (`From:`, `Received:`). Quoting writers (mboxo/mboxrd) quote every body
 *    `From ` line, so a false split here needs an unquoted body line that is a full From_ line with a valid
 *    date or a bare `From -`, followed directly by a header-like line. The alternative, treating such a line
 *    as text, silently merges whole messages into the body of the previous one, where the user can no
 *    longer find them. This is the usual practice: mutt, Python `mailbox` and MimeKit split without needing
 *    an empty line. Any other valid From_ line that is not preceded by an empty line stays body text, and is
 *    counted in `strayFromLines` so that the store can warn.
 * 2. The empty line before a separator belongs to the separator (RFC 4155: "terminated by an empty line"), so
 *    exactly one line end is removed from the end of the message. At end of file the same applies: a final
 *    empty line is the terminator of the last message. Every other byte of a message is kept, including CRLF
 *    or LF as found (mixed files exist: protocol.md §3.3, Thunderbird export).
 * 3. Unquoting (mboxrd; qmail mbox(5)): a message line that matches `^>+From ` loses one `>`, which undoes
 *    mboxrd quoting and the usual mboxo quoting. EXCEPTION: when the body contains a `From ` line right after an
 *    empty line, the writer of that message quoted nothing (every quoting writer quotes exactly that line).
 *    This is the case for mboxcl2, Thunderbird before space-quoting, and mimekit `unmunged.mbox`. Its `>From`
 *    lines are then original text (reply quoting such as ">From the docs:") and are kept as they are.
 *    Content before the first From_ line is not mbox data and is never unquoted. Modern Thunderbird escapes by
 *    prefixing a space (` From `). That escape cannot be told apart from real text and is kept as it is.
 * 4. Content-Length (mboxcl/mboxcl2; Email::Folder::Mbox tries mboxcl2 first and then falls back). When a
 *    message's header block has `Content-Length: N`, and the byte N after the blank line that ends the header
 *    lands exactly at end of file, or at (an empty line and then) a valid separator line, the body is exactly
 *    those N bytes, even if it contains `\n\nFrom <valid date>` lines. One tolerance applies: N may fall just
 *    before the line end of the last body line (Netscape counted the body without it, in 26 of the 29 messages
 *    of mimekit `content-length.mbox`). That line end then stays in the message. In any other case
 *    Content-Length is ignored, because jwz shows that it is often wrong after edits. Such a boundary need not
 *    follow an empty line (mimekit `content-length.mbox`). Quoting of trusted bodies follows rule 3. This is
 *    the safe choice: mboxcl and mboxrd writers that also add Content-Length (mutt, Mail::Box) quote, so `>From` is
 *    undone. An mboxcl2 body shows that it was not quoted as soon as it holds a `From ` line after an empty
 *    line, and it is then left alone. The one case that stays wrong is an mboxcl2 body with original `>From`
 *    and no such line, and there it loses one `>`. Content-Length values above `maxContentLength` are
 *    ignored, because checking one means holding that many bytes.
 * 5. Content before the first separator is yielded as ordinal 0 with `fromLine` undefined, so that no byte is
 *    lost (an .eml renamed to .mbox, or junk). It is left out when it is only whitespace or a BOM. An empty
 *    file yields nothing.
 * 6. MMDF: a file whose first non-empty line is `\x01\x01\x01\x01` is MMDF. Every such line is a delimiter.
 *    Each segment between delimiters that holds more than whitespace is one message, so text outside a
 *    delimiter pair is not lost. A leading From_ line in a segment, which mutt writes, becomes `fromLine`.
 *    MMDF does not quote, so nothing is unquoted. A lone delimiter (neomutt `fig.mbox`) yields nothing.
 *
 * Offsets and accounting: each entry covers file bytes [offset, offset + span): its From_ line with line end,
 * its message bytes, and the empty line that ends it. Entries are contiguous. Before the first entry there
 * can only be a BOM and whitespace (mbox), or delimiters and whitespace (MMDF). For mbox:
 * `span === fromLineBytes + raw.length + unquoted + terminatorBytes`.
 *
 * Memory: the window holds the bytes of the current message plus at most one unread chunk, and its capacity
 * is at most about twice that (it doubles to grow, and it shrinks again after a big message). To check a
 * Content-Length, it must hold everything up to the byte that the Content-Length names, even if that value
 * turns out to be wrong. So the true bound is max(largest message, largest Content-Length up to
 * `maxContentLength`) plus one chunk. `raw` is always a copy, so a consumer that keeps it does not pin the
 * window.
 */
import {crlfInPlace, crlfSlack, expandCrlf, findBareLfs} from '../../mapper/normalize.js';
import type {MessageBuffers} from '../../contracts/source-store.js';
import {fullCollection} from '../../util/collect-after.js';

/** One message (or the pre-first-From_ content) as found in the file. */
export type MboxEntry = Readonly<{
	/** Message bytes without the From_ line and without the terminating empty line, unquoted (rule 3). */
	raw: Buffer;
	/** The From_ line without its line end, decoded as latin1; undefined for pre-From_ content and MMDF
	 *  segments without one. */
	fromLine: string | undefined;
	/** Date of the From_ line (UTC unless the line names a zone); undefined when there is none or it is invalid. */
	fromDate: Date | undefined;
	/** Byte offset in the file of the From_ line, or of the first byte of pre-From_ content / an MMDF segment. */
	offset: number;
	/** 0 for content before the first From_ line; messages count from 1 in file order (empty ones included). */
	ordinal: number;
	/** File bytes this entry covers, from `offset` (see "Offsets and accounting"). */
	span: number;
	/** Number of `>` characters removed by unquoting. */
	unquoted: number;
	/** Whether a Content-Length header decided where this message ends (rule 4). */
	contentLength: 'trusted' | 'ignored' | 'absent';
	/** Valid From_ lines kept as body text: no empty line before them and no header after them (rule 1b). */
	strayFromLines: number;
	/**
	 * Present when `raw` is the window's own buffer, handed over (a message of TAKE_MIN bytes or more), or was
	 * copied into a buffer from `SplitMboxOptions.buffers` with room to spare: converts its bare LFs to CRLF within
	 * that buffer (RFC 3501 §2.2 literals; the same bytes as mapper/normalize.ts `toCrlf`) and returns them,
	 * without a second copy of the message (a copy only when the room is short). `raw` must not be used afterwards.
	 */
	toCrlf?: () => Buffer;
}>;

export type SplitMboxOptions = Readonly<{
	/** Largest Content-Length value that is checked (rule 4); bigger values are ignored. @default 64 MiB */
	maxContentLength?: number;
	/** Test hook: called with the new capacity whenever the internal buffer is (re)allocated. */
	onBufferAllocated?: (capacity: number) => void;
	/**
	 * Where a message is copied (unquoted if need be; ReaderOptions.messageBuffers), with room for its CRLF line
	 * ends (`toCrlf`), when it fits their `maxSize`; the consumer gives it back. Copying a big message there costs
	 * less than handing over the window's buffer, which the window then allocates anew. @default a buffer of its
	 * own: exactly its size, or the window's for one of TAKE_MIN bytes or more
	 */
	buffers?: MessageBuffers;
}>;

/** What the first bytes of a file say it is (see `sniffMbox`). */
export type MboxSniff = 'mbox' | 'mmdf' | 'empty' | 'other';

/** A parsed From_ line (see `parseFromLine`). */
export type FromLineInfo = Readonly<{
	/** The envelope sender as written (`-` for Thunderbird), empty for a bare `From -`. */
	sender: string;
	/** Undefined when the line has no date, an unknown zone name, or impossible values. */
	date: Date | undefined;
}>;

const LF = 0x0a;
const CR = 0x0d;
const FROM = Buffer.from('From ', 'latin1');
const NL_FROM = Buffer.from('\nFrom ', 'latin1');
const QUOTED_FROM = Buffer.from('>From ', 'latin1');
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const MMDF_DELIMITER = Buffer.from([1, 1, 1, 1]);
/** From_ lines longer than this are treated as body text (real ones are far shorter; bounds regex work). */
const MAX_FROM_LINE = 1024;
/** RFC 5322 field names have no length limit; real ones are short (bounds the rule 1b look-ahead). */
const MAX_FIELD_NAME = 76;
const DEFAULT_MAX_CONTENT_LENGTH = 64 * 1024 * 1024;
const MIN_CAPACITY = 64 * 1024;
/** Address space reserved (not memory used) per window for growing in place; a bigger message costs one copy. */
const WINDOW_RESERVE = 1024 * 1024 * 1024;
/** Messages at least this big are handed over in the window's own buffer instead of copied (ByteWindow.take). */
const TAKE_MIN = 1024 * 1024;
/**
 * Bytes handed over in the window's buffers after which the splitter asks for a full collection. V8 does not count
 * a resizable ArrayBuffer's memory as external, so it is not pushed to free the ones the consumer has dropped: a
 * backup of an mbox of 20 MB messages peaked at 208 MiB, 172–173 MiB with this (131–140 MiB once the backup also
 * read with CRLF lines made in place). At most this much of them then waits (issue #14). An upload copies messages up to 8 MiB
 * into its message ring instead, so there only bigger ones are handed over.
 */
const COLLECT_AFTER_HANDED_OVER = 16 * 1024 * 1024;

const DAY = '(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*,?';
const MONTH = '(?<month>Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*';
const ZONE = (name: string): string => `(?<${name}>[+-]\\d{2}:?\\d{2}|[A-Za-z]{1,6}(?:[+-]\\d{1,4})?)`;
const TIME = '(?<hour>\\d{1,2}):(?<minute>\\d{2})(?::(?<second>\\d{2}))?';
const ASCTIME = `${DAY}[ \\t]+${MONTH}[ \\t]+(?<day>\\d{1,2}),?[ \\t]+${TIME}(?:[ \\t]+${ZONE('zoneBefore')})?[ \\t]+(?<year>\\d{4})(?:[ \\t]+${ZONE('zoneAfter')})?`;
/** RFC 4155 From_ line (asctime-like date; zone before or after the year), or Thunderbird's bare `From -`. */
const FROM_LINE = new RegExp(`^From (?:-[ \\t]*|(?<sender>\\S.*?)[ \\t]+${ASCTIME}[ \\t]*)$`);
/** An RFC 5322 field name and its colon at the start of a line (printable ASCII but ':', then ':'). */
const HEADER_FIELD = /^[\x21-\x39\x3b-\x7e]{1,76}:/;
/** Header names that mark a block of lines as the header of a message (for `suspectedMerges`). */
const MESSAGE_FIELDS = new Set(['from', 'to', 'cc', 'subject', 'date', 'message-id', 'received', 'return-path', 'delivered-to', 'mime-version', 'x-mozilla-status']);
/** Lines of a header block looked at by `headerBlockAt` (bounds its work per candidate line). */
const MAX_HEADER_LINES = 50;
/** Bytes after a candidate line that `headerBlockAt` may look at (bounds the look-ahead; fixed, so the
 *  verdict does not depend on how the input is cut into chunks). */
const HEADER_SCAN_BYTES = 16 * 1024;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** Zone names seen in From_ lines; RFC 5322 §4.3 obsolete zones plus common European ones. Minutes east of UTC. */
const ZONE_NAMES: ReadonlyMap<string, number> = new Map([
	['UT', 0], ['UTC', 0], ['GMT', 0], ['Z', 0], ['WET', 0],
	['EST', -300], ['EDT', -240], ['CST', -360], ['CDT', -300], ['MST', -420], ['MDT', -360], ['PST', -480], ['PDT', -420],
	['BST', 60], ['IST', 60], ['WEST', 60], ['MET', 60], ['CET', 60], ['MEZ', 60],
	['MEST', 120], ['CEST', 120], ['MESZ', 120], ['EET', 120], ['EEST', 180], ['JST', 540],
]);

/**
 * Parses one line (without its line end; a trailing CR is ignored) as an mbox From_ line (rule 1). Pure.
 * @returns undefined when the line is not a From_ line (then it is body text).
 */
export function parseFromLine(line: string): FromLineInfo | undefined {
	const text = line.endsWith('\r') ? line.slice(0, -1) : line;
	if (text.length > MAX_FROM_LINE || !text.startsWith('From ')) return undefined;
	const match = FROM_LINE.exec(text);
	if (match === null) return undefined;
	const groups = match.groups ?? {};
	if (groups['sender'] === undefined) return {sender: '', date: undefined};
	return {sender: groups['sender'], date: asctimeToDate(groups)};
}

/**
 * Classifies the start of a file by its first non-empty line (after an optional BOM): a valid From_ line is
 * 'mbox', `\x01\x01\x01\x01` is 'mmdf', nothing but line ends is 'empty', anything else is 'other'. Pure.
 * `head` should be at least a few KiB; a first line cut off by the end of `head` counts as complete.
 */
export function sniffMbox(head: Buffer): MboxSniff {
	const result = sniff(head, true);
	return result === 'more' ? 'other' : result;
}

/**
 * Splits an mbox or MMDF byte stream into messages (rules in the file header), one at a time, in file order.
 * Accepts chunks of any size, with boundaries anywhere. The output does not depend on how the input is cut.
 * Never throws for malformed content (every byte ends up in some entry or is whitespace/BOM/delimiter);
 * errors of `input` propagate. Not re-entrant: one generator per stream.
 * @default options.maxContentLength 64 MiB
 */
export async function* splitMbox(input: AsyncIterable<Buffer>, options: SplitMboxOptions = {}): AsyncGenerator<MboxEntry> {
	const splitter = new Splitter(input, options);
	yield* splitter.entries();
}

type FromAt = Readonly<{
	/** Offset of the `F` of the From_ line. */
	at: number;
	/** Offset just after the line end (= the message start), or end of file. */
	next: number;
	text: string;
	info: FromLineInfo;
}>;
type Check<T> = T | 'no' | 'more';
type MessageEnd = Readonly<{
	end: number;
	terminator: number;
	next: FromAt | undefined;
	bodyStart: number | undefined;
	contentLength: MboxEntry['contentLength'];
	strays: number;
}>;

/**
 * A growable byte window over the stream, addressed by absolute file offsets. Bytes before `discard()`'s
 * offset may be dropped on the next append. Memory (issue #14: a 50 MB single-line mbox peaked at 271 MiB):
 * - The buffer is a resizable ArrayBuffer (ECMAScript 2024 `maxByteLength`, V8 ≥ 11.1): it grows in place by a
 *   quarter at a time, so a big message costs no copy per growth step and leaves no earlier buffers behind for
 *   the garbage collector (doubling by copying held the old and the new buffer at once, and overshot by up to 2×).
 *   It shrinks in place after a big message (`append`).
 * - `take()` hands the buffer itself to the caller as the message's bytes and starts a fresh one with the bytes
 *   after the message (at most one chunk and a From_ line): a big message is held once, not twice.
 */
/** ES2024 resizable ArrayBuffer (V8 ≥ 11.1, so Node 20); the project's TypeScript lib predates its typings. */
type ResizableArrayBuffer = ArrayBuffer & {readonly maxByteLength: number; resize(byteLength: number): void};

function resizable(byteLength: number, maxByteLength: number): ResizableArrayBuffer {
	const Resizable = ArrayBuffer as unknown as new (length: number, options: {maxByteLength: number}) => ResizableArrayBuffer;
	return new Resizable(byteLength, {maxByteLength});
}

class ByteWindow {
	#arrayBuffer = resizable(0, WINDOW_RESERVE);
	#buffer = Buffer.alloc(0);
	/** File offset of #buffer[0]. */
	#base = 0;
	#length = 0;
	#keepFrom = 0;
	#view = Buffer.alloc(0);
	readonly #onAllocated: ((capacity: number) => void) | undefined;

	constructor(onAllocated: ((capacity: number) => void) | undefined) {
		this.#onAllocated = onAllocated;
	}

	/** Offset just after the last byte received. */
	get end(): number {
		return this.#base + this.#length;
	}

	byte(at: number): number {
		return this.#view[at - this.#base] ?? -1;
	}

	/** Absolute offset of `needle` at or after `from`, or -1. */
	indexOf(needle: Buffer | number, from: number): number {
		const index = this.#view.indexOf(needle, Math.max(0, from - this.#base));
		return index === -1 ? -1 : index + this.#base;
	}

	/** A view (not a copy) of [start, end); valid until the next append. */
	view(start: number, end: number): Buffer {
		return this.#view.subarray(start - this.#base, end - this.#base);
	}

	/**
	 * [start, end) for the caller to keep: the window's own buffer, no longer written by the window, which goes on
	 * with a fresh buffer holding [end, this.end). Nothing before `end` may be asked for afterwards.
	 */
	take(start: number, end: number): Buffer {
		const taken = this.view(start, end);
		const rest = this.#view.subarray(end - this.#base);
		this.#arrayBuffer = resizable(0, WINDOW_RESERVE);
		this.#setCapacity(Math.max(MIN_CAPACITY, rest.length));
		rest.copy(this.#buffer, 0);
		this.#base = end;
		this.#keepFrom = Math.max(this.#keepFrom, end);
		this.#length = rest.length;
		this.#view = this.#buffer.subarray(0, this.#length);
		return taken;
	}

	/** Bytes before `offset` are no longer needed. */
	discard(offset: number): void {
		this.#keepFrom = Math.max(this.#keepFrom, offset);
	}

	append(chunk: Buffer): void {
		if (chunk.length === 0) return;
		if (this.#length + chunk.length <= this.#buffer.length) {
			chunk.copy(this.#buffer, this.#length);
			this.#length += chunk.length;
			this.#view = this.#buffer.subarray(0, this.#length);
			return;
		}
		// Drop the bytes before #keepFrom (move the kept ones to the start), then grow or shrink to fit.
		const keepStart = this.#keepFrom - this.#base;
		const kept = this.#length - keepStart;
		const needed = kept + chunk.length;
		const capacity = this.#buffer.length;
		if (capacity > 4 * MIN_CAPACITY && needed * 4 < capacity) {
			// After a big message: smaller, in place. resize() returns the pages given up (measured, Node 20); a fresh
			// buffer instead would leave the big one to the garbage collector, which does not count a resizable
			// ArrayBuffer's memory as external (process.memoryUsage() shows 0) and so is not pushed to free it:
			// hundreds of dead windows of a few MiB each piled up between collections (issue #14, mbox RSS).
			if (keepStart > 0) this.#buffer.copyWithin(0, keepStart, this.#length);
			let newCapacity = capacity;
			while (newCapacity > 4 * MIN_CAPACITY && needed * 4 < newCapacity) newCapacity = Math.floor(newCapacity / 2);
			this.#setCapacity(newCapacity);
		} else {
			if (keepStart > 0) this.#buffer.copyWithin(0, keepStart, this.#length);
			if (needed > capacity) this.#setCapacity(Math.max(MIN_CAPACITY, needed, capacity + Math.ceil(capacity / 4)));
		}
		this.#base = this.#keepFrom;
		chunk.copy(this.#buffer, kept);
		this.#length = needed;
		this.#view = this.#buffer.subarray(0, this.#length);
	}

	/** Resizes the buffer in place (within WINDOW_RESERVE; beyond it, a bigger reservation and one copy). */
	#setCapacity(capacity: number): void {
		if (capacity > this.#arrayBuffer.maxByteLength) {
			const next = resizable(capacity, 2 * capacity);
			Buffer.from(next).set(this.#buffer.subarray(0, Math.min(this.#buffer.length, capacity)));
			this.#arrayBuffer = next;
		} else {
			this.#arrayBuffer.resize(capacity);
		}
		this.#buffer = Buffer.from(this.#arrayBuffer, 0, capacity);
		this.#onAllocated?.(capacity);
	}
}

class Splitter {
	readonly #window: ByteWindow;
	readonly #input: AsyncIterator<Buffer>;
	readonly #maxContentLength: number;
	readonly #buffers: MessageBuffers | undefined;
	#isEof = false;
	/** Bytes handed over (ByteWindow.take) since the last collection this splitter asked for. */
	#handedOver = 0;

	constructor(input: AsyncIterable<Buffer>, options: SplitMboxOptions) {
		this.#window = new ByteWindow(options.onBufferAllocated);
		this.#input = input[Symbol.asyncIterator]();
		this.#maxContentLength = options.maxContentLength ?? DEFAULT_MAX_CONTENT_LENGTH;
		this.#buffers = options.buffers;
	}

	async *entries(): AsyncGenerator<MboxEntry> {
		try {
			let format = sniff(this.#window.view(0, this.#window.end), this.#isEof);
			while (format === 'more') {
				await this.#pull();
				format = sniff(this.#window.view(0, this.#window.end), this.#isEof);
			}
			if (format === 'mmdf') yield* this.#mmdf();
			else yield* this.#mbox();
		} finally {
			// Stops the source early (e.g. closes the file) when the consumer stops iterating.
			if (!this.#isEof) await this.#input.return?.();
		}
	}

	/** Reads one more chunk; at end of input sets #isEof. */
	async #pull(): Promise<void> {
		if (this.#isEof) return;
		const next = await this.#input.next();
		if (next.done === true) this.#isEof = true;
		else this.#window.append(Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value));
	}

	/** Counts bytes handed over; after COLLECT_AFTER_HANDED_OVER of them, a full collection (when V8 offers one). */
	#handOver(bytes: number): void {
		this.#handedOver += bytes;
		if (this.#handedOver < COLLECT_AFTER_HANDED_OVER) return;
		this.#handedOver = 0;
		fullCollection()?.();
	}

	async #retry<T>(check: () => Check<T>): Promise<T | 'no'> {
		for (;;) {
			const result = check();
			if (result !== 'more') return result;
			await this.#pull();
		}
	}

	async *#mbox(): AsyncGenerator<MboxEntry> {
		const window = this.#window;
		let ordinal = 0;
		let from: FromAt | undefined;
		let offset = 0;
		let start = 0;
		for (;;) {
			const found = await this.#findEnd(start, ordinal === 0);
			const span = (found.next?.at ?? window.end) - offset;
			const message = window.view(start, found.end);
			if (ordinal > 0 || !isBlank(message)) {
				const quotable = ordinal > 0;
				const unquoted = quotable ? unquote(message, (found.bodyStart ?? found.end) - start) : undefined;
				const parts = unquoted?.parts ?? [message];
				const length = unquoted?.length ?? message.length;
				// Copied into a message buffer with room for CRLF when one that large is served (SplitMboxOptions.buffers);
				// else, with nothing to unquote, a big message's bytes are handed over, not copied (ByteWindow.take).
				const roomSize = length + crlfSlack(length);
				const room = this.#buffers !== undefined && roomSize <= this.#buffers.maxSize ? this.#buffers.take(roomSize) : undefined;
				if (room !== undefined) copyParts(parts, room);
				const isTaken = unquoted === undefined && room === undefined && message.length >= TAKE_MIN;
				// The messages handed over before this one have been consumed (the generator resumed): the dropped ones are
				// freed now, not whenever V8 would collect for reasons of its own.
				if (isTaken) this.#handOver(message.length);
				const taken = isTaken ? window.take(start, found.end) : undefined;
				const raw = room?.subarray(0, length) ?? taken ?? (unquoted === undefined ? Buffer.from(message) : Buffer.concat(parts, length));
				yield {
					raw,
					fromLine: from?.text,
					fromDate: from?.info.date,
					offset,
					ordinal,
					span,
					unquoted: unquoted?.unquoted ?? 0,
					contentLength: found.contentLength,
					strayFromLines: found.strays,
					...(taken !== undefined ? {toCrlf: () => crlfWithin(taken)} : room !== undefined ? {toCrlf: () => crlfInPlace(room, length)} : {}),
				};
			}
			if (found.next === undefined) return;
			from = found.next;
			offset = from.at;
			start = from.next;
			ordinal += 1;
			window.discard(start);
		}
	}

	/** Where the message starting at `start` ends (rules 1, 2, 4). */
	async #findEnd(start: number, isFirst: boolean): Promise<MessageEnd> {
		const window = this.#window;
		const none = {bodyStart: undefined, contentLength: 'absent', strays: 0} as const;
		// Rule 1: a From_ line right here (beginning of file, possibly after a BOM, or right after a From_ line).
		const here = await this.#retry(() => {
			const direct = this.#separatorAt(start);
			if (direct !== 'no' || !isFirst) return direct;
			const bom = this.#startsWith(start, BOM);
			return bom === 'yes' ? this.#separatorAt(start + BOM.length) : bom;
		});
		if (here !== 'no') return {...none, end: start, terminator: 0, next: here};

		// Rule 4: Content-Length, when it lands on a boundary.
		let headerScan = start;
		const bodyStart = await this.#retry(() => {
			const result = this.#bodyStartFrom(start, headerScan);
			if (typeof result === 'number' || result === 'no') return result;
			headerScan = result.resumeAt;
			return 'more';
		});
		// A `From ` line before the empty line means that the "header" runs into the next message (rule 1b with
		// no body), so its Content-Length, if any, may belong to that message.
		const fromInHeader = bodyStart === 'no' ? -1 : window.indexOf(NL_FROM, start);
		const body = bodyStart === 'no' || (fromInHeader !== -1 && fromInHeader + 1 < bodyStart) ? undefined : bodyStart;
		let contentLength: MessageEnd['contentLength'] = 'absent';
		if (body !== undefined) {
			const declared = parseContentLength(window.view(start, body));
			if (declared !== undefined) {
				contentLength = 'ignored';
				if (declared <= this.#maxContentLength) {
					const target = body + declared;
					const boundary = await this.#retry(() => this.#boundaryAt(target, start));
					if (boundary !== 'no') return {...boundary, bodyStart: body, contentLength: 'trusted', strays: 0};
				}
			}
		}

		// Rules 1 and 2: the next `From ` line after an empty line.
		let strays = 0;
		let scan = start;
		for (;;) {
			const index = window.indexOf(NL_FROM, scan);
			if (index === -1) {
				if (!this.#isEof) {
					scan = Math.max(scan, window.end - NL_FROM.length);
					await this.#pull();
					continue;
				}
				const end = window.end;
				const terminator = end > start ? emptyLineEndingAt(window, end - 1, start) : 0;
				return {end: end - terminator, terminator, next: undefined, bodyStart: body, contentLength, strays};
			}
			const line = await this.#retry(() => this.#fromLineAt(index + 1));
			if (line !== 'no') {
				const terminator = emptyLineEndingAt(window, index, start);
				if (terminator > 0) return {end: index + 1 - terminator, terminator, next: line, bodyStart: body, contentLength, strays};
				// Rule 1b: no empty line before it, but a header field right after it.
				const header = await this.#retry(() => this.#headerFieldAt(line.next));
				if (header !== 'no') return {end: index + 1, terminator: 0, next: line, bodyStart: body, contentLength, strays};
				strays += 1;
			} else {
				// Rule 1a: after an empty line, a `From ` line that does not parse but has a header after it.
				const terminator = emptyLineEndingAt(window, index, start);
				const loose = terminator > 0 ? await this.#retry(() => this.#looseSeparatorAt(index + 1)) : 'no';
				if (loose !== 'no') return {end: index + 1 - terminator, terminator, next: loose, bodyStart: body, contentLength, strays};
			}
			scan = index + 1;
		}
	}

	/**
	 * Offset of the body: just after the first empty line at or after `start` (a line start). `from` is where
	 * the previous, incomplete search stopped (a LF before `from` never starts an empty line).
	 */
	#bodyStartFrom(start: number, from: number): number | 'no' | Readonly<{resumeAt: number}> {
		const window = this.#window;
		const first = emptyLineAt(window, start, this.#isEof);
		if (first === 'more') return {resumeAt: start};
		if (first > 0) return start + first;
		let scan = from;
		for (;;) {
			const index = window.indexOf(LF, scan);
			if (index === -1) return this.#isEof ? 'no' : {resumeAt: Math.max(scan, window.end)};
			const length = emptyLineAt(window, index + 1, this.#isEof);
			if (length === 'more') return {resumeAt: index};
			if (length > 0) return index + 1 + length;
			scan = index + 1;
		}
	}

	/** Rule 4: does a message that ends at `target` end on a boundary (end of file, or [empty line] From_ line)? */
	#boundaryAt(target: number, start: number): Check<Readonly<{end: number; terminator: number; next: FromAt | undefined}>> {
		const window = this.#window;
		if (target > window.end || (target === window.end && !this.#isEof)) return this.#isEof ? 'no' : 'more';
		if (target === window.end) return {end: target, terminator: 0, next: undefined};
		let end = target;
		if (target !== start && window.byte(target - 1) !== LF) {
			// Netscape/Mozilla counted the body without its last line end (26 of 29 messages in mimekit
			// content-length.mbox): accept exactly that line end, and keep it in the message.
			const lineEnd = emptyLineAt(window, target, this.#isEof);
			if (lineEnd === 'more' || lineEnd === 0) return lineEnd === 0 ? 'no' : 'more';
			end = target + lineEnd;
		}
		if (end === window.end) return this.#isEof ? {end, terminator: 0, next: undefined} : 'more';
		const terminator = emptyLineAt(window, end, this.#isEof);
		if (terminator === 'more') return 'more';
		const lineStart = end + terminator;
		if (terminator > 0 && lineStart === window.end && this.#isEof) return {end, terminator, next: undefined};
		const next = this.#separatorAt(lineStart);
		return next === 'no' || next === 'more' ? next : {end, terminator, next};
	}

	/** Rule 1b: does the line at `at` start with an RFC 5322 field name and a colon (`Received:`, `From:`)? */
	#headerFieldAt(at: number): Check<'yes'> {
		const window = this.#window;
		for (let i = at; i < at + MAX_FIELD_NAME + 1; i += 1) {
			const byte = window.byte(i);
			if (byte === -1) return this.#isEof ? 'no' : 'more';
			if (byte === 0x3a) return i > at ? 'yes' : 'no';
			if (byte < 0x21 || byte > 0x7e) return 'no';
		}
		return 'no';
	}

	#startsWith(at: number, prefix: Buffer): Check<'yes'> {
		const window = this.#window;
		for (let i = 0; i < prefix.length; i += 1) {
			if (at + i >= window.end) return this.#isEof ? 'no' : 'more';
			if (window.byte(at + i) !== prefix[i]) return 'no';
		}
		return 'yes';
	}

	/** A separator at boundary `at`: a valid From_ line (rule 1) or a loose one with a header after it (rule 1a). */
	#separatorAt(at: number): Check<FromAt> {
		const strict = this.#fromLineAt(at);
		return strict === 'no' ? this.#looseSeparatorAt(at) : strict;
	}

	/**
	 * Rule 1a: a line at boundary `at` that starts with `From ` (whatever follows, up to MAX_FROM_LINE) and is
	 * followed by a line that starts with a header field. Its info has no date.
	 */
	#looseSeparatorAt(at: number): Check<FromAt> {
		const window = this.#window;
		const prefix = this.#startsWith(at, FROM);
		if (prefix !== 'yes') return prefix;
		const newline = window.indexOf(LF, at + FROM.length);
		if (newline === -1) {
			if (window.end - at > MAX_FROM_LINE + 1) return 'no';
			return this.#isEof ? 'no' : 'more';
		}
		if (newline - at > MAX_FROM_LINE + 1) return 'no';
		const blockEnd = newline + 1 + HEADER_SCAN_BYTES;
		const header = headerBlockAt(window.view(newline + 1, Math.min(window.end, blockEnd)), this.#isEof || window.end >= blockEnd);
		if (header !== 'yes') return header;
		const line = window.view(at, newline).toString('latin1');
		const text = line.endsWith('\r') ? line.slice(0, -1) : line;
		return {at, next: newline + 1, text, info: {sender: text.slice(FROM.length).trim(), date: undefined}};
	}

	/** A valid From_ line starting at `at` (which must be a line start), once its line is complete. */
	#fromLineAt(at: number): Check<FromAt> {
		const window = this.#window;
		const prefix = this.#startsWith(at, FROM);
		if (prefix !== 'yes') return prefix;
		const newline = window.indexOf(LF, at + FROM.length);
		let lineEnd: number;
		let next: number;
		if (newline === -1 || newline - at > MAX_FROM_LINE + 1) {
			if (window.end - at > MAX_FROM_LINE + 1) return 'no';
			if (!this.#isEof) return 'more';
			lineEnd = window.end;
			next = window.end;
		} else {
			lineEnd = newline;
			next = newline + 1;
		}
		const text = window.view(at, lineEnd).toString('latin1');
		const info = parseFromLine(text);
		if (info === undefined) return 'no';
		return {at, next, text: text.endsWith('\r') ? text.slice(0, -1) : text, info};
	}

	async *#mmdf(): AsyncGenerator<MboxEntry> {
		const window = this.#window;
		let ordinal = 0;
		let start = 0;
		for (;;) {
			let scan = start;
			const delimiter = await this.#retry(() => {
				const result = this.#nextDelimiter(start, scan);
				if (result === 'no' || !('resumeAt' in result)) return result;
				scan = result.resumeAt;
				return 'more';
			});
			const [end, length] = delimiter === 'no' ? [window.end, 0] : delimiter;
			const segment = window.view(start, end);
			if (!isBlank(segment)) {
				ordinal += 1;
				const newline = segment.indexOf(LF);
				const firstLine = segment.subarray(0, newline === -1 ? segment.length : newline).toString('latin1');
				const info = segment.subarray(0, FROM.length).equals(FROM) ? parseFromLine(firstLine) : undefined;
				const bodyStart = info === undefined ? 0 : newline === -1 ? segment.length : newline + 1;
				yield {
					raw: Buffer.from(segment.subarray(bodyStart)),
					fromLine: info === undefined ? undefined : firstLine.endsWith('\r') ? firstLine.slice(0, -1) : firstLine,
					fromDate: info?.date,
					offset: start,
					ordinal,
					span: end + length - start,
					unquoted: 0,
					contentLength: 'absent',
					strayFromLines: 0,
				};
			}
			if (delimiter === 'no') return;
			start = end + length;
			window.discard(start);
		}
	}

	/**
	 * The next MMDF delimiter line at or after `from` (`start` is the segment start, a line start):
	 * [offset, length incl. line end].
	 */
	#nextDelimiter(start: number, from: number): readonly [number, number] | 'no' | Readonly<{resumeAt: number}> {
		const window = this.#window;
		let scan = from;
		for (;;) {
			const index = window.indexOf(MMDF_DELIMITER, scan);
			if (index === -1) return this.#isEof ? 'no' : {resumeAt: Math.max(scan, window.end - MMDF_DELIMITER.length)};
			if (index === start || window.byte(index - 1) === LF) {
				const after = index + MMDF_DELIMITER.length;
				const lineEnd = emptyLineAt(window, after, this.#isEof);
				if (lineEnd === 'more') return {resumeAt: index};
				if (lineEnd > 0 || after === window.end) return [index, MMDF_DELIMITER.length + lineEnd];
			}
			scan = index + 1;
		}
	}
}

/** Length (1 or 2) of the empty line whose LF is at `lf`, given that `lineStart` is a known line start; else 0. */
function emptyLineEndingAt(window: ByteWindow, lf: number, lineStart: number): number {
	if (window.byte(lf) !== LF) return 0;
	if (lf === lineStart || (lf > lineStart && window.byte(lf - 1) === LF)) return 1;
	if (lf - 1 >= lineStart && window.byte(lf - 1) === CR && (lf - 1 === lineStart || window.byte(lf - 2) === LF)) return 2;
	return 0;
}

/** Length (1 or 2) of an empty line starting at line start `at`; 0 if the line is not empty. */
function emptyLineAt(window: ByteWindow, at: number, isEof: boolean): number | 'more' {
	const first = window.byte(at);
	if (first === -1) return isEof ? 0 : 'more';
	if (first === LF) return 1;
	if (first !== CR) return 0;
	const second = window.byte(at + 1);
	if (second === -1) return isEof ? 0 : 'more';
	return second === LF ? 2 : 0;
}

function sniff(head: Buffer, isComplete: boolean): MboxSniff | 'more' {
	let at = 0;
	if (head.length < BOM.length && !isComplete && BOM.subarray(0, head.length).equals(head)) return 'more';
	if (head.subarray(0, BOM.length).equals(BOM)) at = BOM.length;
	while (at < head.length && (head[at] === LF || head[at] === CR)) at += 1;
	if (at >= head.length) return isComplete ? 'empty' : 'more';
	const newline = head.indexOf(LF, at);
	if (newline === -1 && !isComplete) return head.length - at > MAX_FROM_LINE + 1 ? 'other' : 'more';
	const line = head.subarray(at, newline === -1 ? head.length : newline);
	const text = line.toString('latin1');
	if (text === '\x01\x01\x01\x01' || text === '\x01\x01\x01\x01\r') return 'mmdf';
	if (parseFromLine(text) !== undefined) return 'mbox';
	// Rule 1a: a loose `From ` line (bare, or an address only) followed by a header field.
	if (!text.startsWith('From ') || text.length > MAX_FROM_LINE + 1 || newline === -1) return 'other';
	const block = headerBlockAt(head.subarray(newline + 1), isComplete);
	return block === 'yes' ? 'mbox' : block === 'more' ? 'more' : 'other';
}


/**
 * Counts lines of `raw` (one split message) that start with `From ` and are directly followed by a message
 * header block (`headerBlockAt`). Such a line is an unescaped separator that did not split (no empty line
 * before it, or a Content-Length said so): several messages may have been merged into this one. Pure;
 * O(raw.length).
 */
export function suspectedMerges(raw: Buffer): number {
	let count = 0;
	let search = 0;
	for (;;) {
		const index = raw.indexOf(NL_FROM, search);
		if (index === -1) return count;
		search = index + 1;
		const lineEnd = raw.indexOf(LF, index + 1);
		if (lineEnd === -1 || lineEnd - index > MAX_FROM_LINE + 1) continue;
		if (headerBlockAt(raw.subarray(lineEnd + 1, lineEnd + 1 + HEADER_SCAN_BYTES), true) === 'yes') count += 1;
	}
}

/**
 * Does `bytes` (starting at a line start) begin with a message header: at least two RFC 5322 header fields
 * (continuation lines allowed), one of them a message field (`MESSAGE_FIELDS`), before any other line? A
 * single `Year: 1963` after "From Russia with love" (mimekit `unmunged.mbox`) is not a header. `isComplete`
 * false: more bytes may follow, so an undecided end answers 'more'. Looks at most MAX_HEADER_LINES lines.
 */
function headerBlockAt(bytes: Buffer, isComplete: boolean): Check<'yes'> {
	let fields = 0;
	let isMessageField = false;
	let at = 0;
	for (let n = 0; n < MAX_HEADER_LINES; n += 1) {
		const end = bytes.indexOf(LF, at);
		if (end === -1 && !isComplete) return 'more';
		const line = bytes.subarray(at, end === -1 ? bytes.length : end).toString('latin1');
		if (line === '' || line === '\r') return 'no';
		const first = line.charCodeAt(0);
		if (first === 0x20 || first === 0x09) {
			if (fields === 0) return 'no';
		} else {
			const match = HEADER_FIELD.exec(line);
			if (match === null) return 'no';
			fields += 1;
			if (MESSAGE_FIELDS.has(match[0].slice(0, -1).toLowerCase())) isMessageField = true;
		}
		if (fields >= 2 && isMessageField) return 'yes';
		if (end === -1) return 'no';
		at = end + 1;
	}
	return 'no';
}

/** Only whitespace (and possibly a BOM): never worth yielding as content before the first From_ line. */
function isBlank(bytes: Buffer): boolean {
	const start = bytes.subarray(0, BOM.length).equals(BOM) ? BOM.length : 0;
	for (let i = start; i < bytes.length; i += 1) {
		const byte = bytes[i];
		if (byte !== 0x20 && byte !== 0x09 && byte !== LF && byte !== CR && byte !== 0x0c) return false;
	}
	return true;
}

/** First `Content-Length:` of a header block (latin1; folded values are not expected for a number). */
function parseContentLength(header: Buffer): number | undefined {
	const match = /^content-length[ \t]*:[ \t]*(\d{1,15})[ \t]*\r?$/im.exec(header.toString('latin1'));
	return match?.[1] === undefined ? undefined : Number(match[1]);
}

/**
 * Rule 3: removes one `>` from each line matching `^>+From `, unless the body (from `bodyStart`) has a
 * `From ` line right after an empty line (the writer did not quote). Always returns a copy.
 */
/**
 * Bare LF → CRLF inside `raw`'s own resizable buffer (from ByteWindow.take, referenced by nothing else), growing
 * it in place by the number of bare LFs and moving the bytes back to front, so that nothing not yet moved is
 * overwritten. Same result as mapper/normalize.ts `toCrlf`.
 */
function crlfWithin(raw: Buffer): Buffer {
	const bare = findBareLfs(raw);
	if (bare.count === 0) return raw;
	const arrayBuffer = raw.buffer as ResizableArrayBuffer;
	const end = raw.byteOffset + raw.length + bare.count;
	// Beyond the reservation (a message near WINDOW_RESERVE): a converted copy.
	if (end > arrayBuffer.maxByteLength) return crlfInPlace(raw, raw.length);
	if (end > arrayBuffer.byteLength) arrayBuffer.resize(end);
	const out = Buffer.from(arrayBuffer, raw.byteOffset, raw.length + bare.count);
	expandCrlf(out, raw.length, bare);
	return out;
}

/**
 * The parts of the message with its quoted From_ lines unquoted (views on `message`, to be copied out), or
 * undefined when there is nothing to unquote.
 */
function unquote(message: Buffer, bodyStart: number): {parts: Buffer[]; length: number; unquoted: number} | undefined {
	if (message.indexOf(QUOTED_FROM) === -1 || hasUnquotedFromLine(message, bodyStart)) return undefined;
	const parts: Buffer[] = [];
	let copied = 0;
	let search = 0;
	for (;;) {
		const index = message.indexOf(QUOTED_FROM, search);
		if (index === -1) break;
		let lineStart = index;
		while (lineStart > 0 && message[lineStart - 1] === 0x3e) lineStart -= 1;
		if (lineStart === 0 || message[lineStart - 1] === LF) {
			parts.push(message.subarray(copied, lineStart));
			copied = lineStart + 1;
		}
		search = index + QUOTED_FROM.length;
	}
	if (parts.length === 0) return undefined;
	parts.push(message.subarray(copied));
	return {parts, length: message.length - (parts.length - 1), unquoted: parts.length - 1};
}

/** Copies `parts` one after another to the start of `into`. */
function copyParts(parts: readonly Buffer[], into: Buffer): void {
	let at = 0;
	for (const part of parts) at += part.copy(into, at);
}

function hasUnquotedFromLine(message: Buffer, bodyStart: number): boolean {
	let search = Math.max(0, bodyStart - 1);
	for (;;) {
		const index = message.indexOf(NL_FROM, search);
		if (index === -1) return false;
		const previous = message[index - 1];
		const beforePrevious = message[index - 2];
		// The LF at `index` ends an empty line: LF LF, or LF CR LF, or the message starts with it.
		if (index === 0 || previous === LF || (previous === CR && (index === 1 || beforePrevious === LF))) return true;
		search = index + 1;
	}
}

function asctimeToDate(groups: Readonly<Record<string, string | undefined>>): Date | undefined {
	const month = MONTHS.indexOf(groups['month'] ?? '');
	const day = Number(groups['day']);
	const hour = Number(groups['hour']);
	const minute = Number(groups['minute']);
	const second = Number(groups['second'] ?? '0');
	const year = Number(groups['year']);
	const zone = groups['zoneBefore'] ?? groups['zoneAfter'];
	const offset = zone === undefined ? 0 : zoneOffset(zone);
	if (offset === undefined || month < 0 || hour > 23 || minute > 59 || second > 60 || day < 1) return undefined;
	if (new Date(Date.UTC(year, month, day)).getUTCDate() !== day) return undefined;
	const date = new Date(Date.UTC(year, month, day, hour, minute, second) - offset * 60_000);
	// Date.UTC maps years 0–99 to 1900–1999; asctime years have four digits, so fix it explicitly.
	if (year < 100) date.setUTCFullYear(date.getUTCFullYear() - 1900);
	return date;
}

/** Minutes east of UTC for `+0100`, `-05:00`, `MET`, `GMT+1`; undefined for unknown names. */
function zoneOffset(zone: string): number | undefined {
	const numeric = /^([+-])(\d{2}):?(\d{2})$/.exec(zone);
	if (numeric !== null) {
		const hours = Number(numeric[2]);
		const minutes = Number(numeric[3]);
		if (hours > 23 || minutes > 59) return undefined;
		return (numeric[1] === '-' ? -1 : 1) * (hours * 60 + minutes);
	}
	const named = /^([A-Za-z]+)(?:([+-])(\d{1,4}))?$/.exec(zone);
	if (named === null) return undefined;
	const base = ZONE_NAMES.get((named[1] ?? '').toUpperCase());
	if (base === undefined) return undefined;
	if (named[2] === undefined || named[3] === undefined) return base;
	if (base !== 0) return undefined;
	const digits = named[3];
	const minutes = digits.length <= 2 ? Number(digits) * 60 : Number(digits.slice(0, -2)) * 60 + Number(digits.slice(-2));
	return (named[2] === '-' ? -1 : 1) * minutes;
}
