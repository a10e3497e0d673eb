/**
 * Issue #14's standard corpus, made in the project: a faithful port of `../shared/tools/gen-corpus.mjs`
 * (deterministic synthetic mail), so that the bench does not need ../shared. Same seed and options → the same
 * bytes as gen-corpus.mjs: the same PRNG (mulberry32, seeded `seed * 2654435761`; the attachment pool
 * `seed ^ 0x5bd1e995`), the same draws in the same order, the same file names, mtimes and layout:
 *
 *   OUT/maildir/         a Maildir++ tree (INBOX = cur/new/tmp at the root, sub-folders as ".Parent.Child" dirs
 *                        with a maildirfolder marker; flags in ":2,<flags>" suffixes; file mtime = message date)
 *   OUT/mbox/            one mboxrd file per folder (Parent/Child.mbox), Status:/X-Status: carrying the flags
 *   OUT/manifest.jsonl   one line per message: folder, file, messageId, date, bytes (LF), crlfBytes, flags
 *   OUT/summary.json     totals per folder and a size histogram
 *
 * The standard corpus is 10,000 messages, seed 1, the default mix: 82% 2–20 KB (text or text+html), 14%
 * 20–100 KB (a small attachment), 4% 100 KB–5 MB (base64 attachments, log-uniform); 648 MiB of Maildir.
 * `test/bench/standard-corpus.test.ts` pins the bytes (a digest derived from gen-corpus.mjs, and gen-corpus.mjs
 * itself when ../shared is there). Any change here that moves a byte or a draw breaks that identity: change
 * gen-corpus.mjs and this port together, or not at all.
 *
 * Synchronous, as gen-corpus.mjs is: a bench generates its store before it measures anything. Holds one
 * message and the 16 MiB attachment pool at a time; streams everything else to disk.
 */
import {closeSync, existsSync, mkdirSync, openSync, readdirSync, rmSync, utimesSync, writeFileSync, writeSync} from 'node:fs';
import {dirname, join, resolve, sep} from 'node:path';

/** gen-corpus.mjs's options, under the same defaults (its `--n`, `--seed`, `--big-pct`, … flags). */
export type StandardCorpusOptions = Readonly<{
	/** Messages. @default 10000 */
	messages?: number;
	/** @default 1 */
	seed?: number;
	/** Per cent of 100 KB–maxBigMb messages. @default 4 */
	bigPct?: number;
	/** Per cent of 20–100 KB messages. @default 14 */
	midPct?: number;
	/** @default 5 */
	maxBigMb?: number;
	/** Adds folders with non-ASCII / '&' / space names (stored in modified UTF-7). @default false */
	exotic?: boolean;
	/**
	 * Also write OUT/mbox/ (draws nothing: the Maildir, manifest and summary are the same without it). False
	 * saves the bench writing a second copy of the corpus it does not read. @default true
	 */
	mbox?: boolean;
	/** Replace a non-empty OUT (else it throws, as gen-corpus.mjs exits 2 without --force). @default false */
	force?: boolean;
}>;

type FolderTotals = {messages: number; bytes: number; crlfBytes: number};

/** The parsed OUT/summary.json, exactly as gen-corpus.mjs writes it. */
export type StandardCorpusSummary = Readonly<{
	seed: number;
	messages: number;
	/** Bytes of all messages as stored (LF line ends). */
	bytes: number;
	/** The same, as sent over IMAP (CRLF). */
	crlfBytes: number;
	mb: number;
	biggest: number;
	sizeHistogram: Readonly<Record<string, number>>;
	folders: Readonly<Record<string, FolderTotals>>;
}>;

/** The paths of a written corpus, and its summary. */
export type StandardCorpus = Readonly<{root: string; maildir: string; mbox: string; summary: StandardCorpusSummary}>;

/** gen-corpus.mjs's mulberry32, kept verbatim (`a |= 0`): the identity of every byte rests on it. */
function mulberry32(seed: number): () => number {
	let a = seed;
	return () => {
		a |= 0;
		a = (a + 0x6d2b79f5) | 0;
		let t = Math.imul(a ^ (a >>> 15), 1 | a);
		t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

// [imap name (separator '/'), weight]
const FOLDERS: ReadonlyArray<readonly [string, number]> = [
	['INBOX', 35], ['Archive', 18], ['Sent', 14], ['Projects/Alpha', 8], ['Projects/Beta', 6],
	['Projects/Beta/Specs', 2], ['Lists/node-dev', 8], ['Receipts 2019', 4], ['Drafts', 2], ['Junk', 3],
];
const EXOTIC_FOLDERS: ReadonlyArray<readonly [string, number]> = [['Résumé & Co', 2], ['Ünïcödé/Ordner', 2], ['日本語', 1]];

/** IMAP modified UTF-7 (RFC 3501 5.1.3): Dovecot stores Maildir++ folder names this way. */
function mutf7(s: string): string {
	let out = '';
	let buf: number[] = [];
	const flush = (): void => {
		if (!buf.length) return;
		const b = Buffer.alloc(buf.length * 2);
		buf.forEach((c, i) => b.writeUInt16BE(c, i * 2));
		out += '&' + b.toString('base64').replace(/=+$/, '').replace(/\//g, ',') + '-';
		buf = [];
	};
	for (const ch of s) {
		const cp = ch.codePointAt(0) ?? 0;
		if (cp >= 0x20 && cp <= 0x7e) {
			flush();
			out += ch === '&' ? '&-' : ch;
		} else if (cp > 0xffff) {
			const v = cp - 0x10000;
			buf.push(0xd800 + (v >> 10), 0xdc00 + (v & 0x3ff));
		} else buf.push(cp);
	}
	flush();
	return out;
}
const maildirDir = (f: string): string => (f === 'INBOX' ? '' : '.' + f.split('/').map(mutf7).join('.'));
const mboxFile = (f: string): string => f.split('/').join(sep) + '.mbox';

const WORDS = ('the be to of and a in that have it for not on with he as you do at this but his by from they we say her she or an will my one all would there their what so up out if about who get which go me when make can like time no just him know take people into year your good some could them see other than then now look only come its over think also back after use two how our work first well way even new want because any these give day most us meeting project budget deadline review draft attached please thanks regards report quarter customer invoice shipment server release deploy migration mailbox folder upload schedule agenda notes follow update issue ticket feedback proposal contract signed numbers figures summary team office weekend').split(' ');
const UMLAUT = ['Grüße', 'Müller', 'façade', 'naïve', 'Ærø', 'smörgåsbord', 'Zürich', 'crème brûlée', 'señor', 'Łódź'];
const NAMES = ['Alice Archer', 'Bob Baker', 'Carol Chen', 'Dave Diaz', 'Eve Evans', 'Frank Fischer', 'Grace Garcia', 'Heidi Hoffmann', 'Ivan Ivanov', 'Judy Jones', 'Mallory Moreau', 'Oscar Olsen', 'Peggy Park', 'Trent Tanaka', 'Victor Vogel', 'Walter Wu'];
const DOMAINS = ['example.com', 'example.org', 'example.net', 'corp.example', 'lists.example.org'];
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const TZS = [0, 60, 120, -300, -240, -420, 330, 540, 600, -180];
const ATTACH: ReadonlyArray<readonly [string, string, string]> = [['image/jpeg', 'photo', 'jpg'], ['application/pdf', 'report', 'pdf'], ['application/zip', 'archive', 'zip'], ['application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 'figures', 'xlsx'], ['image/png', 'screenshot', 'png']];
const START = Date.UTC(2015, 0, 1);
const SPAN = Date.UTC(2024, 11, 31) - START;

const p2 = (n: number): string => String(n).padStart(2, '0');
const htmlEscape = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const b64lines = (buf: Buffer): string => buf.toString('base64').replace(/.{76}/g, '$&\n').replace(/\n$/, '') + '\n';
const hasNonAscii = (s: string): boolean => /[^\x00-\x7f]/.test(s);
const encWord = (s: string): string => (hasNonAscii(s) ? `=?UTF-8?B?${Buffer.from(s).toString('base64')}?=` : s);
function rfc5322Date(ms: number, tzMin: number): string {
	const d = new Date(ms + tzMin * 60000);
	const sign = tzMin < 0 ? '-' : '+';
	const a = Math.abs(tzMin);
	return `${DAYS[d.getUTCDay()]}, ${p2(d.getUTCDate())} ${MONS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} ${sign}${p2(Math.floor(a / 60))}${p2(a % 60)}`;
}
/** asctime() style, UTC: the date of an mbox "From " line. */
function mboxFromDate(ms: number): string {
	const d = new Date(ms);
	return `${DAYS[d.getUTCDay()]} ${MONS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} ${d.getUTCFullYear()}`;
}
function wrap(text: string, width = 72): string {
	const out: string[] = [];
	let line = '';
	for (const w of text.split(' ')) {
		if (line && line.length + 1 + w.length > width) {
			out.push(line);
			line = w;
		} else line = line ? line + ' ' + w : w;
	}
	if (line) out.push(line);
	return out.join('\n');
}

type Message = {text: string; msgId: string; ms: number; tz: number; fromAddr: string; flags: string; kind: 'big' | 'mid' | 'small'};

/** One corpus's generator state: gen-corpus.mjs's module scope, each function in the same order of draws. */
class CorpusDraws {
	readonly #rnd: () => number;
	readonly #pool: Buffer;
	readonly #seed: number;
	readonly #bigPct: number;
	readonly #midPct: number;
	readonly #maxBigMb: number;
	readonly folders: ReadonlyArray<readonly [string, number]>;
	readonly #totalW: number;

	constructor(seed: number, bigPct: number, midPct: number, maxBigMb: number, exotic: boolean) {
		this.#seed = seed;
		this.#bigPct = bigPct;
		this.#midPct = midPct;
		this.#maxBigMb = maxBigMb;
		this.#rnd = mulberry32(seed * 2654435761);
		// 16 MiB pool of incompressible bytes for attachments (slices at random offsets)
		this.#pool = Buffer.alloc(16 * 1024 * 1024);
		const prng = mulberry32(seed ^ 0x5bd1e995);
		for (let i = 0; i < this.#pool.length; i += 4) this.#pool.writeUInt32LE(Math.floor(prng() * 4294967296) >>> 0, i);
		this.folders = exotic ? [...FOLDERS, ...EXOTIC_FOLDERS] : FOLDERS;
		this.#totalW = this.folders.reduce((s, f) => s + f[1], 0);
	}

	rnd(): number {
		return this.#rnd();
	}
	#ri(lo: number, hi: number): number {
		return lo + Math.floor(this.#rnd() * (hi - lo + 1)); // inclusive
	}
	#pick<T>(arr: readonly T[]): T {
		return arr[Math.floor(this.#rnd() * arr.length)] as T;
	}
	#logUniform(lo: number, hi: number): number {
		return Math.round(Math.exp(Math.log(lo) + this.#rnd() * (Math.log(hi) - Math.log(lo))));
	}
	#addr(name: string): string {
		const [first = '', last = ''] = name.split(' ');
		return `${first.toLowerCase()}.${last.toLowerCase()}@${this.#pick(DOMAINS)}`;
	}
	#fmtAddr(name: string): string {
		return `${name} <${this.#addr(name)}>`;
	}

	pickFolder(): string {
		let x = this.#rnd() * this.#totalW;
		for (const [name, weight] of this.folders) if ((x -= weight) < 0) return name;
		return 'INBOX';
	}

	#sentence(): string {
		const n = this.#ri(5, 16);
		const w: string[] = [];
		for (let i = 0; i < n; i++) w.push(this.#rnd() < 0.01 ? this.#pick(UMLAUT) : this.#pick(WORDS));
		const first = w[0] ?? '';
		w[0] = (first[0] ?? '').toUpperCase() + first.slice(1);
		return w.join(' ') + this.#pick(['.', '.', '.', '?', '!']);
	}

	#textBody(targetBytes: number, fromLine: boolean): string {
		const paras: string[] = [];
		let len = 0;
		while (len < targetBytes) {
			let p = '';
			const k = this.#ri(2, 6);
			for (let i = 0; i < k; i++) p += (p ? ' ' : '') + this.#sentence();
			p = wrap(p);
			if (fromLine && paras.length === 1) p = 'From the desk of ' + this.#pick(NAMES) + ':\n' + p; // mbox "From " escaping test
			if (this.#rnd() < 0.05) p = p.split('\n').map((l) => '> ' + l).join('\n');
			paras.push(p);
			len += p.length + 2;
		}
		return paras.join('\n\n') + '\n';
	}

	#randomBytes(n: number): Buffer {
		const pool = this.#pool;
		const off = Math.floor(this.#rnd() * (pool.length - 1));
		if (off + n <= pool.length) return pool.subarray(off, off + n);
		const b = Buffer.alloc(n);
		let o = 0;
		let src = off;
		while (o < n) {
			const c = Math.min(n - o, pool.length - src);
			pool.copy(b, o, src, src + c);
			o += c;
			src = 0;
		}
		return b;
	}

	makeMessage(i: number, folder: string): Message {
		const seed = this.#seed;
		const r = this.#rnd();
		let kind: Message['kind'];
		let target: number;
		if (r < this.#bigPct / 100) {
			kind = 'big';
			target = this.#logUniform(100 * 1024, this.#maxBigMb * 1024 * 1024);
		} else if (r < (this.#bigPct + this.#midPct) / 100) {
			kind = 'mid';
			target = this.#logUniform(20 * 1024, 100 * 1024);
		} else {
			kind = 'small';
			target = this.#logUniform(2 * 1024, 20 * 1024);
		}

		const ms = START + Math.floor((this.#rnd() * SPAN) / 1000) * 1000;
		const tz = this.#pick(TZS);
		const me = 'Alice Archer';
		const other = this.#pick(NAMES.slice(1));
		const fromName = folder === 'Sent' || folder === 'Drafts' ? me : other;
		const toName = fromName === me ? other : me;
		const fromA = this.#addr(fromName);
		const toA = this.#addr(toName);
		let subj = `${this.#pick(['Re: ', '', '', 'Fwd: ', ''])}${this.#sentence().slice(0, this.#ri(20, 60)).replace(/[.?!]$/, '').trim()}`;
		if (this.#rnd() < 0.05) subj += ' ' + this.#pick(UMLAUT);
		const msgId = `<${seed}.${i}.${ms.toString(36)}.${Math.floor(this.#rnd() * 1e9).toString(36)}@corpus.mailshift.test>`;
		const h: string[] = [];
		// gen-corpus.mjs evaluates this template left to right: mx number, two domains, IP, id, then the date.
		if (this.#rnd() < 0.7) h.push(`Return-Path: <${fromA}>`, `Received: from mx${this.#ri(1, 9)}.${this.#pick(DOMAINS)} (mx.${this.#pick(DOMAINS)} [192.0.2.${this.#ri(1, 254)}])\n\tby mail.example.com with ESMTPS id ${Math.floor(this.#rnd() * 1e12).toString(36)}\n\tfor <${toA}>; ${rfc5322Date(ms + 2000, tz)}`);
		h.push(`Message-ID: ${msgId}`, `Date: ${rfc5322Date(ms, tz)}`, `From: ${encWord(fromName)} <${fromA}>`, `To: ${toName} <${toA}>`);
		if (this.#rnd() < 0.3) h.push(`Cc: ${this.#fmtAddr(this.#pick(NAMES))}, ${this.#fmtAddr(this.#pick(NAMES))}`);
		h.push(`Subject: ${encWord(subj)}`);
		if (subj.startsWith('Re: ') && i > 0) {
			const ref = `<${seed}.${this.#ri(0, i - 1)}.ref@corpus.mailshift.test>`;
			h.push(`In-Reply-To: ${ref}`, `References: ${ref}`);
		}
		if (folder.startsWith('Lists/')) h.push('List-Id: Node developers <node-dev.lists.example.org>', 'Precedence: list');
		h.push(`X-Mailer: ${this.#pick(['Microsoft Outlook 16.0', 'Thunderbird 115.3', 'Apple Mail (2.3731)', 'mutt 2.2.9'])}`, 'MIME-Version: 1.0');

		const fromLine = this.#rnd() < 0.02;
		let body: string;
		const headerLen = h.join('\n').length + 200;
		if (kind === 'small') {
			const tlen = Math.max(200, target - headerLen);
			if (this.#rnd() < 0.5) {
				const eightBit = this.#rnd() < 0.2;
				const t = this.#textBody(tlen, fromLine) + (eightBit ? this.#pick(UMLAUT) + '\n' : '');
				h.push(`Content-Type: text/plain; charset=${eightBit ? 'utf-8' : 'us-ascii'}; format=flowed`, `Content-Transfer-Encoding: ${eightBit ? '8bit' : '7bit'}`);
				body = t;
			} else {
				const t = this.#textBody(Math.floor(tlen * 0.45), fromLine);
				const html = '<html><body>\n' + t.split('\n\n').map((p) => `<p>${htmlEscape(p)}</p>`).join('\n') + '\n</body></html>\n';
				const bnd = `----=_alt_${seed}_${i}`;
				h.push(`Content-Type: multipart/alternative; boundary="${bnd}"`);
				body = `This is a multi-part message in MIME format.\n\n--${bnd}\nContent-Type: text/plain; charset=us-ascii\nContent-Transfer-Encoding: 7bit\n\n${t}\n--${bnd}\nContent-Type: text/html; charset=us-ascii\nContent-Transfer-Encoding: 7bit\n\n${html}\n--${bnd}--\n`;
			}
		} else {
			const bnd = `----=_mix_${seed}_${i}`;
			h.push(`Content-Type: multipart/mixed; boundary="${bnd}"`);
			const t = this.#textBody(this.#ri(600, 4000), fromLine);
			let parts = `This is a multi-part message in MIME format.\n\n--${bnd}\nContent-Type: text/plain; charset=us-ascii\nContent-Transfer-Encoding: 7bit\n\n${t}\n`;
			let remaining = Math.max(1024, target - headerLen - parts.length);
			const nAtt = kind === 'big' && this.#rnd() < 0.3 ? this.#ri(2, 4) : 1;
			for (let a = 0; a < nAtt; a++) {
				const b64Budget = a === nAtt - 1 ? remaining : Math.floor(remaining * this.#rnd() * 0.7);
				remaining -= b64Budget;
				const raw = Math.max(64, Math.floor(((b64Budget - 200) * 57) / 78)); // 76 chars + LF per 57 bytes
				const [ct, base, ext] = this.#pick(ATTACH);
				const fname = `${base}-${i}-${a}.${ext}`;
				parts += `--${bnd}\nContent-Type: ${ct}; name="${fname}"\nContent-Disposition: attachment; filename="${fname}"\nContent-Transfer-Encoding: base64\n\n${b64lines(this.#randomBytes(raw))}\n`;
			}
			body = parts + `--${bnd}--\n`;
		}
		const text = h.join('\n') + '\n\n' + body;

		// flags (maildir letters, sorted ASCII as the spec requires)
		let f = '';
		if (folder === 'Drafts') f += 'D';
		if (this.#rnd() < 0.05) f += 'F';
		if (this.#rnd() < 0.03) f += 'P';
		if (folder !== 'Drafts' && this.#rnd() < 0.12) f += 'R';
		const unseen = folder === 'Junk' ? this.#rnd() < 0.6 : folder === 'INBOX' ? this.#rnd() < 0.1 : this.#rnd() < 0.02;
		if (!unseen || folder === 'Sent') f += 'S';
		f = [...f].sort().join('');
		return {text, msgId, ms, tz, fromAddr: fromA, flags: f, kind};
	}
}

/**
 * Writes the corpus gen-corpus.mjs writes for the same options into `out` (created; a non-empty `out` throws
 * unless `force`), and returns its paths and summary. Byte-identical to
 * `node gen-corpus.mjs --out OUT --n N --seed S --big-pct B --mid-pct M --max-big-mb X [--exotic]`, file mtimes
 * included (except OUT/mbox/ when `mbox` is false). Not concurrency-safe on one `out`.
 */
export function writeStandardCorpus(out: string, options: StandardCorpusOptions = {}): StandardCorpus {
	const n = options.messages ?? 10_000;
	const seed = options.seed ?? 1;
	const writeMbox = options.mbox ?? true;
	const OUT = resolve(out);
	if (existsSync(OUT) && readdirSync(OUT).length) {
		if (!options.force) throw new Error(`${OUT} exists and is not empty (pass force: true to replace it)`);
		rmSync(OUT, {recursive: true, force: true});
	}
	const draws = new CorpusDraws(seed, options.bigPct ?? 4, options.midPct ?? 14, options.maxBigMb ?? 5, options.exotic ?? false);

	const MD = join(OUT, 'maildir');
	const MB = join(OUT, 'mbox');
	mkdirSync(MD, {recursive: true});
	mkdirSync(MB, {recursive: true});
	const mdDirs = new Map<string, string>();
	const mboxFds = new Map<string, number>();
	const ensureFolder = (folder: string): string => {
		const known = mdDirs.get(folder);
		if (known !== undefined) return known;
		const d = join(MD, maildirDir(folder));
		for (const s of ['cur', 'new', 'tmp']) mkdirSync(join(d, s), {recursive: true});
		if (folder !== 'INBOX') writeFileSync(join(d, 'maildirfolder'), '');
		// Maildir++ needs every parent to exist as a folder too
		const parts = folder.split('/');
		for (let k = 1; k < parts.length; k++) ensureFolder(parts.slice(0, k).join('/'));
		mdDirs.set(folder, d);
		if (writeMbox) {
			const mf = join(MB, mboxFile(folder));
			mkdirSync(dirname(mf), {recursive: true});
			mboxFds.set(folder, openSync(mf, 'w'));
		}
		return d;
	};
	const manifest = openSync(join(OUT, 'manifest.jsonl'), 'w');
	const perFolder: Record<string, FolderTotals> = {};
	const hist: Record<string, number> = {'<2K': 0, '2-20K': 0, '20-100K': 0, '100K-1M': 0, '1-5M': 0, '>5M': 0};
	let totalBytes = 0;
	let totalCrlf = 0;
	let biggest = 0;
	try {
		ensureFolder('INBOX');
		for (const [f] of draws.folders) ensureFolder(f);
		for (let i = 0; i < n; i++) {
			const folder = draws.pickFolder();
			const m = draws.makeMessage(i, folder);
			const buf = Buffer.from(m.text, 'utf8');
			const lines = (m.text.match(/\n/g) ?? []).length;
			const crlf = buf.length + lines;
			const inNew = m.flags === '' && folder === 'INBOX' && draws.rnd() < 0.5; // some unseen mail still in new/
			const base = `${Math.floor(m.ms / 1000)}.M${i}P${seed}.mailshift-corpus,S=${buf.length},W=${crlf}`;
			const rel = join(maildirDir(folder), inNew ? 'new' : 'cur', inNew ? base : `${base}:2,${m.flags}`);
			const file = join(MD, rel);
			writeFileSync(file, buf);
			utimesSync(file, m.ms / 1000, m.ms / 1000);

			if (writeMbox) {
				// mboxrd: escape ^>*From  by adding one '>'
				const status = (m.flags.includes('S') ? 'R' : '') + (inNew ? '' : 'O');
				const xs = (m.flags.includes('R') ? 'A' : '') + (m.flags.includes('F') ? 'F' : '') + (m.flags.includes('D') ? 'T' : '');
				const at = m.text.indexOf('\n\n');
				const mtext = (m.text.slice(0, at) + `\nStatus: ${status}` + (xs ? `\nX-Status: ${xs}` : '') + m.text.slice(at)).replace(/^(>*From )/gm, '>$1');
				writeSync(mboxFds.get(folder) ?? -1, `From ${m.fromAddr} ${mboxFromDate(m.ms)}\n${mtext}\n`);
			}

			writeSync(manifest, JSON.stringify({i, folder, file: rel, messageId: m.msgId, date: new Date(m.ms).toISOString(), tz: m.tz, bytes: buf.length, crlfBytes: crlf, flags: m.flags, kind: m.kind}) + '\n');
			const pf = (perFolder[folder] ??= {messages: 0, bytes: 0, crlfBytes: 0});
			pf.messages++;
			pf.bytes += buf.length;
			pf.crlfBytes += crlf;
			totalBytes += buf.length;
			totalCrlf += crlf;
			biggest = Math.max(biggest, buf.length);
			const b = buf.length;
			const bucket = b < 2048 ? '<2K' : b < 20480 ? '2-20K' : b < 102400 ? '20-100K' : b < 1048576 ? '100K-1M' : b <= 5 * 1048576 ? '1-5M' : '>5M';
			hist[bucket] = (hist[bucket] ?? 0) + 1;
		}
	} finally {
		for (const fd of mboxFds.values()) closeSync(fd);
		closeSync(manifest);
	}
	const summary: StandardCorpusSummary = {seed, messages: n, bytes: totalBytes, crlfBytes: totalCrlf, mb: +(totalBytes / 1048576).toFixed(1), biggest, sizeHistogram: hist, folders: perFolder};
	writeFileSync(join(OUT, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
	return {root: OUT, maildir: MD, mbox: MB, summary};
}

// `node --import tsx bench/standard-corpus.ts --out DIR [--n 10000] [--seed 1] [--big-pct 4] [--mid-pct 14]
// [--max-big-mb 5] [--exotic] [--force] [--no-mbox]`: gen-corpus.mjs's command line, from the project.
if (import.meta.url === `file://${process.argv[1]}`) {
	const args = process.argv.slice(2);
	const value = (flag: string): number | undefined => {
		const at = args.indexOf(flag);
		return at < 0 ? undefined : Number(args[at + 1]);
	};
	const outAt = args.indexOf('--out');
	const out = outAt < 0 ? '/tmp/mailshift-corpus' : (args[outAt + 1] ?? '/tmp/mailshift-corpus');
	const options: Record<string, number | boolean> = {exotic: args.includes('--exotic'), force: args.includes('--force'), mbox: !args.includes('--no-mbox')};
	for (const [flag, key] of [['--n', 'messages'], ['--seed', 'seed'], ['--big-pct', 'bigPct'], ['--mid-pct', 'midPct'], ['--max-big-mb', 'maxBigMb']] as const) {
		const v = value(flag);
		if (v !== undefined) options[key] = v;
	}
	const corpus = writeStandardCorpus(out, options);
	console.log(JSON.stringify({...corpus.summary, maildir: corpus.maildir, mbox: corpus.mbox}, null, 2));
}
