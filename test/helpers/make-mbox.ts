/**
 * Test helper: builds mbox bytes, feeds them to the splitter in chunks of chosen sizes, and writes small
 * file trees into fresh temp directories.
 *
 * Contract: nothing here is clever. Fixtures spell out their bytes, so every edge case stays visible in the
 * test itself. `writeMboxrd` is the reference writer for round-trip tests. It writes the From_ line, the
 * message with `^>*From ` lines quoted by one more `>` (mboxrd, qmail mbox(5)), and one empty line after
 * every message (RFC 4155: each message is terminated by an empty line).
 */
import {promises as fs} from 'node:fs';
import {tmpdir} from 'node:os';
import {dirname, join} from 'node:path';

export type Eol = '\n' | '\r\n';

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `date` in UTC as C asctime() prints it: `Mon Jan  1 10:00:00 2001` (day padded with a space). */
export function asctime(date: Date): string {
	const pad = (n: number): string => String(n).padStart(2, '0');
	const day = String(date.getUTCDate()).padStart(2, ' ');
	const time = `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`;
	return `${DAYS[date.getUTCDay()]} ${MONTHS[date.getUTCMonth()]} ${day} ${time} ${date.getUTCFullYear()}`;
}

/** An RFC 4155 From_ line without line end. @default sender 'MAILER-DAEMON', date 2001-01-01T10:00:00Z */
export function fromLine(sender = 'MAILER-DAEMON', date = new Date(Date.UTC(2001, 0, 1, 10, 0, 0))): string {
	return `From ${sender} ${asctime(date)}`;
}

/**
 * A small message: the header lines, an empty line, then the body, all joined with `eol`. The message
 * ends with a line end.
 */
export function makeMessage(
	options: Readonly<{subject?: string; body?: readonly string[]; headers?: readonly string[]; eol?: Eol}> = {},
): Buffer {
	const eol = options.eol ?? '\n';
	const headers = options.headers ?? ['From: Alice <alice@example.org>', 'To: Bob <bob@example.org>', `Subject: ${options.subject ?? 'Hello'}`];
	const lines = [...headers, '', ...(options.body ?? ['Hello, Bob.'])];
	return Buffer.from(lines.map((line) => line + eol).join(''), 'latin1');
}

/** mboxrd quoting: one more `>` on every line that matches `^>*From ` (lines end at LF; a lone CR is text). */
export function quoteMboxrd(message: Buffer): Buffer {
	return Buffer.from(message.toString('latin1').replace(/(?<![^\n])(>*From )/g, '>$1'), 'latin1');
}

/**
 * An mboxrd file of `messages`. Each message must end with a line end (a writer would add one, so the
 * round trip would not be exact otherwise). The terminating empty line uses the message's own line end.
 */
export function writeMboxrd(messages: readonly Buffer[], options: Readonly<{fromLines?: readonly string[]; fromEol?: Eol}> = {}): Buffer {
	const parts: Buffer[] = [];
	messages.forEach((message, i) => {
		if (message.length > 0 && message[message.length - 1] !== 0x0a) throw new Error(`message ${i} does not end with a line end`);
		const eol: Eol = message.length >= 2 && message[message.length - 2] === 0x0d ? '\r\n' : '\n';
		parts.push(Buffer.from(`${options.fromLines?.[i] ?? fromLine()}${options.fromEol ?? eol}`, 'latin1'), quoteMboxrd(message), Buffer.from(eol));
	});
	return Buffer.concat(parts);
}

/** Concatenates strings (latin1) and buffers. */
export function bytes(...parts: ReadonlyArray<string | Buffer>): Buffer {
	return Buffer.concat(parts.map((part) => (typeof part === 'string' ? Buffer.from(part, 'latin1') : part)));
}

/** Feeds `data` as chunks of `size` bytes (the last one shorter), like a stream with a tiny highWaterMark. */
export async function* chunked(data: Buffer, size: number): AsyncGenerator<Buffer> {
	for (let start = 0; start < data.length; start += size) yield data.subarray(start, start + size);
}

export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
	const items: T[] = [];
	for await (const item of iterable) items.push(item);
	return items;
}

/** Small seeded PRNG (mulberry32), so that a failing property run can be repeated from its seed. */
export function seededRandom(seed: number): () => number {
	let state = seed >>> 0;
	return () => {
		state = (state + 0x6d2b79f5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

export type TempDir = Readonly<{
	root: string;
	/** Absolute path of `relative` inside the directory. */
	at: (relative: string) => string;
	/** Removes the directory. Idempotent. */
	cleanup: () => Promise<void>;
}>;

/**
 * A fresh temp directory holding `spec`: relative path → content (string = latin1 bytes); a path ending in
 * '/' with value null is an empty directory.
 */
export async function makeTempDir(spec: Readonly<Record<string, string | Buffer | null>> = {}): Promise<TempDir> {
	const root = await fs.mkdtemp(join(tmpdir(), 'mailshift-mbox-'));
	for (const [relative, content] of Object.entries(spec)) {
		const target = join(root, relative);
		if (content === null) {
			await fs.mkdir(target, {recursive: true});
			continue;
		}
		await fs.mkdir(dirname(target), {recursive: true});
		await fs.writeFile(target, typeof content === 'string' ? Buffer.from(content, 'latin1') : content);
	}
	return {root, at: (relative) => join(root, relative), cleanup: () => fs.rm(root, {recursive: true, force: true})};
}
