/**
 * Deterministic sample mail stores for `mailshift demo` and tests: a Maildir++ tree and a Thunderbird-style
 * mbox tree with realistic features — special folders under Outlook/German names, nested folders, flags,
 * Received dates from 2004–2021, messages without Received, 8-bit and encoded headers, a body line
 * starting with "From ", attachments. Same seed → byte-identical output.
 */
import {mkdir, utimes, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import {mulberry32 as rng} from './prng.js';

export type SampleMessage = Readonly<{
	folder: readonly string[];
	/** Exact message bytes (LF line ends). */
	raw: Buffer;
	messageId: string;
	/** The delivery time the uploader should choose. */
	received: Date;
	flags: readonly string[];
}>;


const FOLDERS: ReadonlyArray<readonly string[]> = [['Inbox'], ['Inbox', 'Projects'], ['Sent Items'], ['Gesendete Objekte'], ['Archive', '2019'], ['Drafts'], ['Family & Friends']];
const WORDS = 'the quick brown fox jumps over lazy dog mail server folder archive meeting invoice holiday report photo budget draft plan'.split(' ');
const FLAG_SETS: ReadonlyArray<readonly string[]> = [[], ['\\Seen'], ['\\Seen', '\\Answered'], ['\\Seen', '\\Flagged'], ['\\Seen', '$Forwarded'], ['\\Draft']];

function rfc2822(date: Date): string {
	const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
	const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
	const p = (n: number): string => String(n).padStart(2, '0');
	return `${days[date.getUTCDay()]}, ${date.getUTCDate()} ${months[date.getUTCMonth()]} ${date.getUTCFullYear()} ${p(date.getUTCHours())}:${p(date.getUTCMinutes())}:${p(date.getUTCSeconds())} +0000`;
}

/** Generates `count` messages spread over the sample folders. */
export function sampleMessages(count = 60, seed = 2026): SampleMessage[] {
	const random = rng(seed);
	const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
	const out: SampleMessage[] = [];
	for (let i = 0; i < count; i++) {
		const folder = FOLDERS[i % FOLDERS.length] ?? ['Inbox'];
		const received = new Date(Date.UTC(2004 + Math.floor(random() * 18), Math.floor(random() * 12), 1 + Math.floor(random() * 28), Math.floor(random() * 24), Math.floor(random() * 60), Math.floor(random() * 60)));
		const written = new Date(received.getTime() - Math.floor(random() * 3600_000));
		const messageId = `sample-${seed}-${i}@demo.mailshift.invalid`;
		const isSent = folder[0] === 'Sent Items' || folder[0] === 'Gesendete Objekte' || folder[0] === 'Drafts';
		const flags = folder[0] === 'Drafts' ? ['\\Draft'] : isSent ? ['\\Seen'] : pick(FLAG_SETS);
		const subject = i % 5 === 0 ? '=?UTF-8?B?' + Buffer.from(`Grüße aus Köln #${i}`).toString('base64') + '?=' : `${pick(WORDS)} ${pick(WORDS)} #${i}`;
		const lines = [
			...(isSent ? [] : [`Received: from mx.example.net by pop.example.org; ${rfc2822(received)}`]),
			`From: ${isSent ? 'Me <me@example.org>' : `"${pick(WORDS)} sender" <sender${i % 7}@example.net>`}`,
			`To: ${isSent ? `friend${i % 4}@example.net` : 'Me <me@example.org>'}`,
			`Subject: ${subject}`,
			`Date: ${rfc2822(isSent ? received : written)}`,
			`Message-ID: <${messageId}>`,
			'MIME-Version: 1.0',
		];
		const body: string[] = [];
		for (let l = 0; l < 3 + Math.floor(random() * 12); l++) body.push(Array.from({length: 8}, () => pick(WORDS)).join(' '));
		if (i % 9 === 0) body.push('', 'From here on, the plan changes (a body line that starts with "From ").');
		if (i % 11 === 0) body.push('>From the archives: a quoted line.');
		if (i % 6 === 0) {
			const attachment = Buffer.from(Array.from({length: 300}, (_, k) => (k * 7 + i) % 256)).toString('base64').replace(/.{76}/g, '$&\n');
			lines.push('Content-Type: multipart/mixed; boundary="b' + i + '"', '', `--b${i}`, 'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: 8bit', '',
				...body, 'Viele Grüße', '', `--b${i}`, 'Content-Type: application/octet-stream; name="data.bin"', 'Content-Transfer-Encoding: base64',
				'Content-Disposition: attachment; filename="data.bin"', '', attachment, `--b${i}--`);
		} else {
			lines.push('Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: 8bit', '', ...body);
		}
		out.push({folder, raw: Buffer.from(lines.join('\n') + '\n', 'utf8'), messageId, received: isSent ? received : received, flags});
	}
	return out;
}

const MAILDIR_LETTERS: Readonly<Record<string, string>> = {'\\Draft': 'D', '\\Flagged': 'F', '$Forwarded': 'P', '\\Answered': 'R', '\\Seen': 'S'};

/** Writes messages as a Maildir++ tree (Inbox = the root; `.Sent Items`, `.Archive.2019`, …); mtime = received. */
export async function writeSampleMaildir(root: string, messages: readonly SampleMessage[]): Promise<void> {
	let n = 0;
	for (const message of messages) {
		const isInbox = message.folder[0] === 'Inbox';
		const rest = isInbox ? message.folder.slice(1) : message.folder;
		const dir = rest.length === 0 ? root : join(root, '.' + rest.join('.'));
		for (const sub of ['cur', 'new', 'tmp']) await mkdir(join(dir, sub), {recursive: true});
		const letters = message.flags.map((f) => MAILDIR_LETTERS[f] ?? '').sort().join('');
		const unique = `${Math.floor(message.received.getTime() / 1000)}.M${n++}P1.demo,S=${message.raw.length}`;
		// Unread mail that no client has seen yet sits in new/ without an info suffix (Maildir spec).
		const isNew = message.flags.length === 0 && n % 2 === 0;
		const target = isNew ? join(dir, 'new', unique) : join(dir, 'cur', `${unique}:2,${letters}`);
		await writeFile(target, message.raw);
		await utimes(target, message.received, message.received);
	}
}

function asctime(date: Date): string {
	const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
	const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
	const p = (n: number): string => String(n).padStart(2, '0');
	return `${days[date.getUTCDay()]} ${months[date.getUTCMonth()]} ${String(date.getUTCDate()).padStart(2, ' ')} ${p(date.getUTCHours())}:${p(date.getUTCMinutes())}:${p(date.getUTCSeconds())} ${date.getUTCFullYear()}`;
}

/** mboxrd quoting: every line matching ^>*From gets one more '>'. */
export function mboxrdQuote(raw: Buffer): Buffer {
	return Buffer.from(raw.toString('latin1').replace(/^(>*From )/gm, '>$1'), 'latin1');
}

/**
 * Writes messages as a Thunderbird "Local Folders" tree: `Inbox` mbox file + `Inbox.sbd/Projects`, etc.,
 * with `X-Mozilla-Status` flags in the header (Thunderbird's own layout, protocol.md §3.3) and `.msf` files.
 * Returns the exact message bytes as they will be stored (with the X-Mozilla headers).
 */
export async function writeSampleThunderbird(root: string, messages: readonly SampleMessage[]): Promise<SampleMessage[]> {
	const byFolder = new Map<string, SampleMessage[]>();
	const stored: SampleMessage[] = [];
	for (const message of messages) {
		const bits = (message.flags.includes('\\Seen') ? 0x1 : 0) | (message.flags.includes('\\Answered') ? 0x2 : 0)
			| (message.flags.includes('\\Flagged') ? 0x4 : 0) | (message.flags.includes('$Forwarded') ? 0x1000 : 0);
		const header = `X-Mozilla-Status: ${bits.toString(16).padStart(4, '0')}\nX-Mozilla-Status2: 00000000\n`;
		const raw = Buffer.concat([Buffer.from(header), message.raw]);
		// Thunderbird keeps drafts' state in the folder, not the header bits: \Draft does not survive mbox.
		const withMozilla: SampleMessage = {...message, raw, flags: message.flags.filter((f) => f !== '\\Draft')};
		stored.push(withMozilla);
		const key = message.folder.join('\u0000');
		byFolder.set(key, [...(byFolder.get(key) ?? []), withMozilla]);
	}
	for (const [key, list] of byFolder) {
		const folder = key.split('\u0000');
		const dir = join(root, ...folder.slice(0, -1).map((name) => `${name}.sbd`));
		await mkdir(dir, {recursive: true});
		const parts = list.map((m) => Buffer.concat([Buffer.from(`From - ${asctime(m.received)}\n`), mboxrdQuote(m.raw), Buffer.from('\n')]));
		const file = join(dir, folder[folder.length - 1] ?? 'Inbox');
		await writeFile(file, Buffer.concat(parts));
		await writeFile(`${file}.msf`, '// <!-- <mdb:mork:z v="1.4"/> -->\n');
	}
	return stored;
}
