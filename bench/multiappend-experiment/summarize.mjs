// Aggregates /tmp/ma-exp/results.jsonl per spec (full 10,000-message runs only; rows listed in EXCLUDE overlapped).
import fs from 'node:fs';
const EXCLUDE = new Set(['2026-11-22T18:12:1', '2026-11-22T18:12:2', '2026-11-22T18:13:0']); // overlapping rounds 3/4
const rows = fs.readFileSync('/tmp/ma-exp/results.jsonl', 'utf8').trim().split('\n').map((l) => JSON.parse(l))
	.filter((r) => !/--limit/.test(r.spec) && ![...EXCLUDE].some((p) => r.date.startsWith(p)));
const by = new Map();
for (const r of rows) (by.get(r.spec) ?? by.set(r.spec, []).get(r.spec)).push(r);
const fmt = (a) => a.length > 1 ? `${Math.min(...a)}–${Math.max(...a)}` : `${a[0]}`;
for (const [spec, rs] of [...by].sort((a, b) => Math.min(...a[1].map((r) => r.seconds)) - Math.min(...b[1].map((r) => r.seconds)))) {
	const s = rs.map((r) => r.seconds);
	console.log(`${spec.replace('client --mode ', '').padEnd(55)} n=${rs.length} wall ${fmt(s).padEnd(12)} s  msg/s ${fmt(rs.map((r) => r.msgsPerSec)).padEnd(10)} srvCPU ${fmt(rs.map((r) => r.serverCpuS).filter((x) => x !== undefined)).padEnd(11)} cliCPU ${fmt(rs.map((r) => r.clientCpuS))}  stored ${[...new Set(rs.map((r) => r.stored))]} uidOK ${rs.every((r) => !r.client || r.client.appenduid.mismatch === 0 && r.client.appenduid.missing === 0)}`);
}
