/**
 * Deterministic benchmark stores with a realistic size mix (82% 2–20 KB text, 14% 20–100 KB with a small
 * attachment, 4% 100 KB–2 MB base64 attachments; gen-corpus.mjs's mix, not its bytes), written as a Maildir++
 * tree (4 folders) and/or as one mboxrd file. Streams to disk: never holds the store. Issue #14's standard
 * corpus (the bytes of ../shared/tools/gen-corpus.mjs) is bench/standard-corpus.ts.
 */
import {createWriteStream} from 'node:fs';
import {once} from 'node:events';
import {mkdir, utimes, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import {mulberry32 as rng} from '../src/testing/prng.js';


const LOREM = 'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore magna aliqua From '.split(' ');

/**
 * `maxBigBytes`: the largest attachment message (log-uniform from 100 KB). @default 2 MB (the bench's own
 * store; 5 MB gives gen-corpus.mjs's mix, 10,000 messages ≈ 622 MiB, but not its bytes: bench/standard-corpus.ts)
 */
export function* benchMessages(count: number, seed = 1, maxBigBytes = 2_000_000): Generator<{i: number; raw: Buffer; date: Date}> {
	const random = rng(seed);
	const base = Buffer.alloc(maxBigBytes <= 2_000_000 ? 2 * 1024 * 1024 : 2 ** Math.ceil(Math.log2(maxBigBytes)) * 2);
	for (let k = 0; k < base.length; k++) base[k] = Math.floor(random() * 256);
	for (let i = 0; i < count; i++) {
		const r = random();
		const size = r < 0.82 ? 2048 + random() * 18_000 : r < 0.96 ? 20_000 + random() * 80_000 : 100_000 * Math.exp(random() * Math.log(maxBigBytes / 100_000));
		const date = new Date(Date.UTC(2005, 0, 1) + Math.floor(random() * 15 * 365 * 86_400_000));
		const head = `Received: from mx.example.net by pop.example.org; ${date.toUTCString().replace('GMT', '+0000')}\nFrom: sender${i % 97}@example.net\nTo: me@example.org\nSubject: bench message ${i}\nDate: ${date.toUTCString()}\nMessage-ID: <bench-${seed}-${i}@example.org>\nMIME-Version: 1.0\n`;
		let body = '';
		const textSize = Math.min(size, 12_000);
		while (body.length < textSize) {
			const line: string[] = [];
			for (let w = 0; w < 12; w++) line.push(LOREM[Math.floor(random() * LOREM.length)] ?? 'x');
			body += line.join(' ') + '\n';
		}
		let raw: string;
		if (size <= 20_000) {
			raw = `${head}Content-Type: text/plain; charset=us-ascii\n\n${body}`;
		} else {
			const offset = Math.floor(random() * (base.length / 2));
			const attachment = base.subarray(offset, offset + Math.floor((size - textSize) * 0.74)).toString('base64').replace(/.{76}/g, '$&\n');
			raw = `${head}Content-Type: multipart/mixed; boundary="b${i}"\n\n--b${i}\nContent-Type: text/plain\n\n${body}\n--b${i}\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\n${attachment}\n--b${i}--\n`;
		}
		yield {i, raw: Buffer.from(raw, 'latin1'), date};
	}
}

export async function writeBenchMaildir(root: string, count: number, seed = 1, maxBigBytes = 2_000_000): Promise<{bytes: number}> {
	const folders = [root, join(root, '.Archive'), join(root, '.Sent Items'), join(root, '.Projects')];
	for (const f of folders) for (const sub of ['cur', 'new', 'tmp']) await mkdir(join(f, sub), {recursive: true});
	let bytes = 0;
	for (const m of benchMessages(count, seed, maxBigBytes)) {
		const file = join(folders[m.i % folders.length] ?? root, 'cur', `${1_100_000_000 + m.i}.M${m.i}P1.bench,S=${m.raw.length}:2,${m.i % 3 ? 'S' : ''}`);
		await writeFile(file, m.raw);
		await utimes(file, m.date, m.date);
		bytes += m.raw.length;
	}
	return {bytes};
}

/** Writes an mboxrd file of at least `targetBytes`, cycling through generated messages. */
export async function writeBenchMbox(file: string, targetBytes: number, seed = 1): Promise<{messages: number; bytes: number}> {
	const out = createWriteStream(file);
	let bytes = 0;
	let messages = 0;
	const write = async (chunk: string | Buffer): Promise<void> => {
		if (!out.write(chunk)) await once(out, 'drain');
	};
	while (bytes < targetBytes) {
		for (const m of benchMessages(500, seed + messages)) {
			const quoted = Buffer.from(m.raw.toString('latin1').replace(/^(>*From )/gm, '>$1'), 'latin1');
			await write(`From sender@example.net ${m.date.toUTCString().slice(0, 3)} ${m.date.toUTCString().slice(8, 11)} ${String(m.date.getUTCDate()).padStart(2, ' ')} ${m.date.toISOString().slice(11, 19)} ${m.date.getUTCFullYear()}\n`);
			await write(quoted);
			await write('\n');
			bytes += quoted.length;
			messages++;
			if (bytes >= targetBytes) break;
		}
	}
	await new Promise<void>((resolve) => out.end(resolve));
	return {messages, bytes};
}

/** Writes `count` generated messages as a tree of .eml files (4 folders, Windows Live Mail layout). */
export async function writeBenchEml(root: string, count: number, seed = 1): Promise<{bytes: number}> {
	const folders = ['Inbox', 'Inbox/Projects', 'Sent Items', 'Archive'].map((f) => join(root, f));
	for (const f of folders) await mkdir(f, {recursive: true});
	let bytes = 0;
	for (const m of benchMessages(count, seed)) {
		const file = join(folders[m.i % folders.length] ?? root, `{${String(m.i).padStart(8, '0')}-BENCH}.eml`);
		await writeFile(file, m.raw);
		await utimes(file, m.date, m.date);
		bytes += m.raw.length;
	}
	return {bytes};
}

/** Writes `count` generated messages as an Apple Mail V10 tree of .emlx files (4 mailboxes, one nested). */
export async function writeBenchAppleMail(root: string, count: number, seed = 1): Promise<{bytes: number}> {
	const boxes = ['INBOX.mbox', 'INBOX.mbox/Projects.mbox', 'Sent Messages.mbox', 'Archive.mbox'].map((b) => join(root, 'ACCOUNT', b, 'UUID', 'Data', 'Messages'));
	for (const b of boxes) await mkdir(b, {recursive: true});
	let bytes = 0;
	for (const m of benchMessages(count, seed)) {
		const plist = `<?xml version="1.0" encoding="UTF-8"?>\n<plist version="1.0">\n<dict>\n\t<key>date-received</key>\n\t<integer>${Math.floor(m.date.getTime() / 1000)}</integer>\n\t<key>flags</key>\n\t<integer>${m.i % 3 ? 8590195713 : 8590195712}</integer>\n</dict>\n</plist>\n`;
		await writeFile(join(boxes[m.i % boxes.length] ?? root, `${m.i + 1}.emlx`), Buffer.concat([Buffer.from(`${String(m.raw.length).padEnd(10)}\n`), m.raw, Buffer.from(plist)]));
		bytes += m.raw.length;
	}
	return {bytes};
}
