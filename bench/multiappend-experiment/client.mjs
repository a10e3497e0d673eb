#!/usr/bin/env node
// Raw IMAP uploader for the MULTIAPPEND experiment (modelled on /work/shared/tools/raw-append.mjs).
// Reads a Maildir++ tree directly (root = INBOX, .Name = Name), CRLF-converts each message, flags from the
// ":2,FLAGS" info, INTERNALDATE from the file's mtime, and uploads folder by folder.
//
//   --mode single-sync   one APPEND per message, synchronizing literal, wait for '+' and the tagged OK (imapflow-like)
//   --mode single-plus   one APPEND per message, LITERAL+, up to --window commands in flight (raw-append-like)
//   --mode multi-sync    RFC 3502 MULTIAPPEND, --batch N messages (and/or --batch-bytes B), sync literals, 1 command at a time
//   --mode multi-plus    MULTIAPPEND with LITERAL+ literals, up to --window batches in flight
//   --mode status        print STATUS (MESSAGES UIDNEXT) of every folder of the corpus and exit
//   --select 1           SELECT each folder before appending to it (as mbsync does)
//   --mode kill          kill test: one MULTIAPPEND of --batch messages into a new folder "KillTest", destroy the
//                        socket after half the literals (--literal sync|plus), wait 3 s, STATUS on a new connection
//
// Common: --maildir DIR --port P --user U --password PW --conns C (folders are dealt to connections, balanced by bytes)
// Prints one JSON line. Loopback only.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

const argv = process.argv.slice(2);
const opt = {maildir: '/tmp/ma-exp/corpus/Maildir', host: '127.0.0.1', port: 0, user: 'bench', password: 'pw-bench', mode: 'multi-sync',
	batch: 50, 'batch-bytes': 0, window: 1, conns: 1, literal: 'sync', limit: 0, select: 0};
for (let i = 0; i < argv.length; i += 2) {
	const k = argv[i].replace(/^--/, '');
	if (!(k in opt)) throw new Error(`unknown option ${argv[i]}`);
	opt[k] = typeof opt[k] === 'number' ? Number(argv[i + 1]) : argv[i + 1];
}
if (!/^127\./.test(opt.host)) throw new Error('loopback only');
const batchMax = opt.batch > 0 ? opt.batch : Infinity;
const batchBytes = opt['batch-bytes'] > 0 ? opt['batch-bytes'] : Infinity;

// ---- corpus ----
function readCorpus(root) {
	const folders = [];
	for (const entry of ['', ...fs.readdirSync(root).filter((n) => n.startsWith('.') && n !== '.' && n !== '..' && fs.statSync(path.join(root, n)).isDirectory())].sort()) {
		const dir = path.join(root, entry);
		const name = entry === '' ? 'INBOX' : entry.slice(1).split('.').join('/');
		const msgs = [];
		for (const sub of ['new', 'cur']) {
			let files = [];
			try { files = fs.readdirSync(path.join(dir, sub)); } catch { continue; }
			for (const f of files.sort()) {
				const file = path.join(dir, sub, f);
				const st = fs.statSync(file);
				const info = /:2,([A-Za-z]*)$/.exec(f)?.[1] ?? '';
				msgs.push({file, flags: info, mtime: st.mtimeMs, size: st.size});
			}
		}
		folders.push({name, msgs, bytes: msgs.reduce((s, m) => s + m.size, 0)});
	}
	return folders;
}
const MONS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const p2 = (n) => String(n).padStart(2, '0');
function imapDate(ms) {
	const d = new Date(ms);
	return `${p2(d.getUTCDate())}-${MONS[d.getUTCMonth()]}-${d.getUTCFullYear()} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} +0000`;
}
const FLAGMAP = {D: '\\Draft', F: '\\Flagged', P: '$Forwarded', R: '\\Answered', S: '\\Seen', T: '\\Deleted'};
const flagList = (info) => [...info].map((f) => FLAGMAP[f]).filter(Boolean).join(' ');
const quote = (s) => '"' + s.replace(/[\\"]/g, '\\$&') + '"';
function toCRLF(buf) {
	// bare LF -> CRLF, using Buffer.indexOf (native) rather than a per-byte JS loop
	const parts = [];
	let s = 0, i, extra = 0;
	while ((i = buf.indexOf(10, s)) >= 0) {
		if (i === 0 || buf[i - 1] !== 13) { parts.push(buf.subarray(s, i), CRLF); extra++; } else parts.push(buf.subarray(s, i + 1));
		s = i + 1;
	}
	if (!extra) return buf;
	parts.push(buf.subarray(s));
	return Buffer.concat(parts, buf.length + extra);
}
const CRLF = Buffer.from('\r\n');
const loadMsg = (m) => toCRLF(fs.readFileSync(m.file));

// ---- connection ----
class Conn {
	constructor(id) { this.id = id; this.tagN = 0; this.pending = new Map(); this.conts = []; this.buf = ''; this.untagged = []; }
	connect() {
		return new Promise((resolve, reject) => {
			this.sock = net.connect({host: opt.host, port: opt.port});
			this.sock.setNoDelay(true);
			this.sock.on('error', (e) => { if (!this.dead) reject(e); });
			let greeted = false;
			this.sock.on('data', (d) => {
				this.buf += d.toString('latin1');
				let i;
				while ((i = this.buf.indexOf('\r\n')) >= 0) {
					const line = this.buf.slice(0, i); this.buf = this.buf.slice(i + 2);
					if (!greeted) { greeted = true; resolve(line); continue; }
					if (line.startsWith('+')) { const c = this.conts.shift(); if (c) c(line); else this.unexpected = line; continue; }
					if (line.startsWith('*')) { this.untagged.push(line); continue; }
					const sp = line.indexOf(' ');
					const cb = this.pending.get(line.slice(0, sp));
					if (cb) { this.pending.delete(line.slice(0, sp)); cb(line.slice(sp + 1)); }
				}
			});
		});
	}
	tag() { const t = `c${this.id}_${++this.tagN}`; return {t, p: new Promise((res) => this.pending.set(t, res))}; }
	cont() { return new Promise((res) => this.conts.push(res)); }
	async write(data) { if (!this.sock.write(data)) await new Promise((r) => this.sock.once('drain', r)); }
	async cmd(line) { const {t, p} = this.tag(); await this.write(`${t} ${line}\r\n`); return p; }
}

async function open(id) {
	const c = new Conn(id);
	await c.connect();
	const r = await c.cmd(`LOGIN ${quote(opt.user)} ${quote(opt.password)}`);
	if (!r.startsWith('OK')) throw new Error(`login failed: ${r}`);
	return c;
}

// Batches of a folder's messages (count cap and byte cap).
function* batches(msgs) {
	let cur = [], bytes = 0;
	for (const m of msgs) {
		if (cur.length && (cur.length >= batchMax || bytes + m.size > batchBytes)) { yield cur; cur = []; bytes = 0; }
		cur.push(m); bytes += m.size;
	}
	if (cur.length) yield cur;
}

const stats = {no: 0, bad: 0, errors: [], appenduid: {ok: 0, mismatch: 0, missing: 0, sample: []}, commands: 0, maxBatchBytes: 0, sent: 0, bytes: 0};
function check(status, n) {
	stats.commands++;
	if (status.startsWith('NO')) { stats.no += n; if (stats.errors.length < 5) stats.errors.push(status); return; }
	if (status.startsWith('BAD')) { stats.bad += n; if (stats.errors.length < 5) stats.errors.push(status); return; }
	const m = /\[APPENDUID (\d+) ([0-9:,]+)\]/.exec(status);
	if (!m) { stats.appenduid.missing++; return; }
	let count = 0;
	for (const part of m[2].split(',')) { const [a, b] = part.split(':').map(Number); count += b === undefined ? 1 : Math.abs(b - a) + 1; }
	if (count === n) stats.appenduid.ok++; else stats.appenduid.mismatch++;
	if (stats.appenduid.sample.length < 3) stats.appenduid.sample.push(status.slice(0, 80));
}

// ---- upload modes ----
async function uploadFolder(c, folder) {
	const mbox = quote(folder.name);
	// --select 1: SELECT the target first; Dovecot then appends into the already-open mailbox instead of
	// opening (and syncing) it for every APPEND command.
	if (opt.select) { const r = await c.cmd(`SELECT ${mbox}`); if (!r.startsWith('OK')) throw new Error(`SELECT ${mbox}: ${r}`); c.untagged.length = 0; }
	const inflight = new Set();
	const track = (p, n) => { const q = p.then((st) => { inflight.delete(q); check(st, n); }); inflight.add(q); };
	if (opt.mode === 'single-sync') {
		for (const m of folder.msgs) {
			const lit = loadMsg(m); stats.sent++; stats.bytes += lit.length;
			const {t, p} = c.tag();
			const cp = c.cont();
			await c.write(`${t} APPEND ${mbox} (${flagList(m.flags)}) "${imapDate(m.mtime)}" {${lit.length}}\r\n`);
			const plus = await Promise.race([cp, p.then((st) => 'TAGGED ' + st)]);
			if (plus.startsWith('TAGGED')) { check(plus.slice(7), 1); c.conts.shift(); continue; }
			await c.write(lit); await c.write('\r\n');
			check(await p, 1);
		}
	} else if (opt.mode === 'single-plus') {
		for (const m of folder.msgs) {
			while (inflight.size >= opt.window) await Promise.race(inflight);
			const lit = loadMsg(m); stats.sent++; stats.bytes += lit.length;
			const {t, p} = c.tag();
			track(p, 1);
			await c.write(Buffer.concat([Buffer.from(`${t} APPEND ${mbox} (${flagList(m.flags)}) "${imapDate(m.mtime)}" {${lit.length}+}\r\n`), lit, Buffer.from('\r\n')]));
		}
	} else if (opt.mode === 'multi-sync') {
		for (const b of batches(folder.msgs)) {
			const {t, p} = c.tag();
			let bb = 0;
			for (let k = 0; k < b.length; k++) {
				const m = b[k];
				const lit = loadMsg(m); stats.sent++; stats.bytes += lit.length; bb += lit.length;
				const cp = c.cont();
				await c.write(`${k === 0 ? `${t} APPEND ${mbox}` : ''} (${flagList(m.flags)}) "${imapDate(m.mtime)}" {${lit.length}}\r\n`);
				const plus = await Promise.race([cp, p.then((st) => 'TAGGED ' + st)]);
				if (plus.startsWith('TAGGED')) throw new Error(`server ended MULTIAPPEND early at ${k}/${b.length}: ${plus}`);
				await c.write(lit);
			}
			await c.write('\r\n');
			stats.maxBatchBytes = Math.max(stats.maxBatchBytes, bb);
			check(await p, b.length);
		}
	} else if (opt.mode === 'multi-plus') {
		for (const b of batches(folder.msgs)) {
			while (inflight.size >= opt.window) await Promise.race(inflight);
			const {t, p} = c.tag();
			track(p, b.length);
			let bb = 0;
			for (let k = 0; k < b.length; k++) {
				const m = b[k];
				const lit = loadMsg(m); stats.sent++; stats.bytes += lit.length; bb += lit.length;
				await c.write(Buffer.concat([Buffer.from(`${k === 0 ? `${t} APPEND ${mbox}` : ''} (${flagList(m.flags)}) "${imapDate(m.mtime)}" {${lit.length}+}\r\n`), lit]));
			}
			await c.write('\r\n');
			stats.maxBatchBytes = Math.max(stats.maxBatchBytes, bb);
		}
	} else throw new Error(`unknown mode ${opt.mode}`);
	await Promise.all(inflight);
}

async function status(folders) {
	const c = await open(99);
	const out = {};
	for (const f of folders) {
		const r = await c.cmd(`STATUS ${quote(f.name)} (MESSAGES UIDNEXT)`);
		const u = c.untagged.pop() ?? r;
		out[f.name] = Number(/MESSAGES (\d+)/.exec(u)?.[1] ?? -1);
	}
	await c.cmd('LOGOUT'); c.sock.end();
	return out;
}

async function main() {
	const t0 = process.hrtime.bigint();
	let folders = readCorpus(opt.maildir);
	if (opt.limit) folders = folders.map((f) => ({...f, msgs: f.msgs.slice(0, opt.limit)}));
	if (opt.mode === 'status') {
		const s = await status(folders);
		console.log(JSON.stringify({status: s, total: Object.values(s).reduce((a, b) => a + b, 0)}));
		return;
	}
	if (opt.mode === 'kill') return killTest(folders);
	const conns = [];
	for (let k = 0; k < opt.conns; k++) conns.push(await open(k));
	for (const f of folders) if (f.name !== 'INBOX') await conns[0].cmd(`CREATE ${quote(f.name)}`);
	const work = conns.map(() => []), load = conns.map(() => 0);
	for (const f of [...folders].sort((a, b) => b.bytes - a.bytes)) { const k = load.indexOf(Math.min(...load)); work[k].push(f); load[k] += f.bytes; }
	const tUp = process.hrtime.bigint();
	await Promise.all(conns.map(async (c, k) => {
		for (const f of work[k]) await uploadFolder(c, f);
		await c.cmd('LOGOUT'); c.sock.end();
	}));
	const t1 = process.hrtime.bigint();
	const secs = Number(t1 - t0) / 1e9;
	console.log(JSON.stringify({mode: opt.mode, batch: opt.batch, batchBytes: opt['batch-bytes'], window: opt.window, conns: opt.conns, select: opt.select,
		messages: stats.sent, mib: +(stats.bytes / 2 ** 20).toFixed(1), seconds: +secs.toFixed(3), uploadSeconds: +(Number(t1 - tUp) / 1e9).toFixed(3),
		msgsPerSec: +(stats.sent / secs).toFixed(1), commands: stats.commands, maxBatchMiB: +(stats.maxBatchBytes / 2 ** 20).toFixed(2),
		no: stats.no, bad: stats.bad, errors: stats.errors, appenduid: stats.appenduid}));
}

async function killTest(folders) {
	const msgs = folders.flatMap((f) => f.msgs).slice(0, opt.batch);
	const c = await open(0);
	await c.cmd('CREATE "KillTest"');
	const {t, p} = c.tag();
	p.then((st) => console.error('unexpected tagged reply', st));
	const half = Math.floor(msgs.length / 2);
	for (let k = 0; k < half; k++) {
		const m = msgs[k];
		const lit = loadMsg(m);
		const head = `${k === 0 ? `${t} APPEND "KillTest"` : ''} (${flagList(m.flags)}) "${imapDate(m.mtime)}" {${lit.length}${opt.literal === 'plus' ? '+' : ''}}\r\n`;
		if (opt.literal === 'plus') await c.write(Buffer.concat([Buffer.from(head), lit]));
		else { const cp = c.cont(); await c.write(head); await cp; await c.write(lit); }
	}
	// let the server consume what was sent, then look at the disk before killing
	await new Promise((r) => setTimeout(r, 1000));
	const before = await status([{name: 'KillTest'}]);
	c.dead = true;
	c.sock.destroy();
	const tKill = Date.now();
	await new Promise((r) => setTimeout(r, 3000));
	const after = await status([{name: 'KillTest'}]);
	console.log(JSON.stringify({kill: true, literal: opt.literal, batch: msgs.length, sentLiterals: half, statusBeforeKill: before.KillTest, statusAfter3s: after.KillTest, waitedMs: Date.now() - tKill}));
}

main().catch((e) => { console.error(e); process.exit(1); });
