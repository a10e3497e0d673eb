// Harness: each run gets a fresh private Dovecot (src/testing/private-dovecot.ts), runs one uploader, checks the
// stored count with STATUS, stops the server. Appends one JSON line per run to /tmp/ma-exp/results.jsonl.
//   cd /work/main && node --import tsx /tmp/ma-exp/bench.mts 'mbsync' 'client --mode multi-sync --batch 50' ...
// Client CPU (user+sys) comes from /usr/bin/time; "machineBusyS" is the whole machine's non-idle CPU-seconds
// during the run (server + client + whatever else runs on the box), "iowaitS" its iowait.
import {spawn} from 'node:child_process';
import {appendFileSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {startDovecot} from '/work/main/src/testing/private-dovecot.ts';

const CORPUS = '/tmp/ma-exp/corpus/Maildir';
const MBSYNC_CORPUS = '/tmp/ma-exp/corpus-mbsync/Maildir';
const EXPECT = Number(process.env['EXPECT'] ?? 10000);

function cpu(): {busy: number; iowait: number} {
	const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
	const [user, nice, system, idle, iowait, irq, softirq, steal] = f as [number, number, number, number, number, number, number, number];
	return {busy: (user + nice + system + irq + softirq + steal) / 100, iowait: iowait / 100};
}

// Dovecot's CPU: the master's own time plus its reaped children's (the per-session imap processes exit at
// LOGOUT and are reaped by the master, so their CPU lands in cutime/cstime). Clock ticks are 100/s.
function serverCpu(pid: number): number {
	const f = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ').map(Number);
	return (f[11]! + f[12]! + f[13]! + f[14]!) / 100; // utime stime cutime cstime (fields 14-17)
}

function run(cmd: string, args: string[]): Promise<{code: number | null; out: string; err: string; ms: number}> {
	return new Promise((resolve, reject) => {
		const t = process.hrtime.bigint();
		const c = spawn(cmd, args, {stdio: ['ignore', 'pipe', 'pipe']});
		let out = '', err = '';
		c.stdout.on('data', (d: Buffer) => (out += d));
		c.stderr.on('data', (d: Buffer) => (err += d));
		c.on('error', reject);
		c.on('close', (code) => resolve({code, out, err, ms: Number(process.hrtime.bigint() - t) / 1e6}));
	});
}

const TIME = ['-f', 'TIME %U %S %M'];
const timeOf = (err: string): {clientCpuS: number; clientRssMiB: number} => {
	const m = /TIME ([\d.]+) ([\d.]+) (\d+)/.exec(err);
	return m ? {clientCpuS: +(Number(m[1]) + Number(m[2])).toFixed(2), clientRssMiB: Math.round(Number(m[3]) / 1024)} : {clientCpuS: NaN, clientRssMiB: NaN};
};

if (!existsSync(MBSYNC_CORPUS)) cpSync(CORPUS, MBSYNC_CORPUS, {recursive: true, preserveTimestamps: true});

for (const spec of process.argv.slice(2)) {
	const server = await startDovecot({users: ['bench']});
	const row: Record<string, unknown> = {spec, date: new Date().toISOString(), load: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')};
	try {
		const s0 = serverCpu(server.pid);
		const c0 = cpu();
		let r;
		if (spec === 'mbsync') {
			const work = mkdtempSync('/tmp/ma-exp/mbsync-');
			const rc = join(work, 'mbsyncrc');
			writeFileSync(rc, [
				'IMAPAccount far', 'Host 127.0.0.1', `Port ${server.port}`, 'User bench', `Pass ${server.passwordOf('bench')}`, 'SSLType None', 'AuthMechs LOGIN', '',
				'IMAPStore far', 'Account far', '',
				'MaildirStore near', `Inbox ${MBSYNC_CORPUS}`, 'SubFolders Maildir++', '',
				'Channel push', 'Far :far:', 'Near :near:', 'Patterns INBOX Archive Projects "Sent Items"', 'Sync Push', 'Create Far', 'CopyArrivalDate yes', `SyncState ${work}/`, '',
			].join('\n'));
			r = await run('/usr/bin/time', [...TIME, 'mbsync', '-c', rc, '-a', '-q']);
			rmSync(work, {recursive: true, force: true});
			row['exit'] = r.code;
			if (r.code) row['stderr'] = r.err.slice(0, 300);
		} else {
			const args = spec.split(' ').slice(1);
			r = await run('/usr/bin/time', [...TIME, process.execPath, '/tmp/ma-exp/client.mjs', '--port', String(server.port), '--password', server.passwordOf('bench'), ...args]);
			row['exit'] = r.code;
			try { row['client'] = JSON.parse(r.out.trim().split('\n').pop() ?? '{}'); } catch { row['stdout'] = r.out.slice(0, 300); }
			if (r.code) row['stderr'] = r.err.slice(0, 500);
		}
		const c1 = cpu();
		const seconds = r.ms / 1000;
		Object.assign(row, {seconds: +seconds.toFixed(2), msgsPerSec: +(EXPECT / seconds).toFixed(0), ...timeOf(r.err),
			machineBusyS: +(c1.busy - c0.busy).toFixed(1), iowaitS: +(c1.iowait - c0.iowait).toFixed(1)});
		await new Promise((r) => setTimeout(r, 500));
		row['serverCpuS'] = +(serverCpu(server.pid) - s0).toFixed(2);
		const st = await run(process.execPath, ['/tmp/ma-exp/client.mjs', '--mode', 'status', '--port', String(server.port), '--password', server.passwordOf('bench')]);
		const s = JSON.parse(st.out.trim() || '{}');
		row['stored'] = s.total;
		row['storedOk'] = s.total === EXPECT;
		const log = await server.logText();
		const errs = log.split('\n').filter((l) => /Error|Fatal|Panic|Warning/.test(l));
		if (errs.length) row['dovecotLogErrors'] = errs.slice(0, 3);
	} finally {
		await server.stop();
	}
	appendFileSync('/tmp/ma-exp/results.jsonl', JSON.stringify(row) + '\n');
	const c = row['client'] as Record<string, unknown> | undefined;
	console.log(`${spec.padEnd(58)} ${String(row['seconds']).padStart(6)} s ${String(row['msgsPerSec']).padStart(5)} msg/s  stored ${row['stored']}  clientCPU ${row['clientCpuS']} s  serverCPU ${row['serverCpuS']} s  busy ${row['machineBusyS']} s  iowait ${row['iowaitS']} s${c ? `  cmds ${c['commands']} no ${c['no']} bad ${c['bad']} uid ${JSON.stringify(c['appenduid'])}` : ''}${row['exit'] ? ` EXIT ${row['exit']} ${row['stderr']}` : ''}`);
}
