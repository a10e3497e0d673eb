import {PstStore} from '/work/wt-pst/src/readers/pst-store.ts';
import {readFileSync, writeFileSync} from 'node:fs';
const src = readFileSync(process.argv[2]!);
for (const frac of process.argv.slice(3).map(Number)) {
  const f = `/tmp/pstw/cut-${frac}`; writeFileSync(f, src.subarray(0, Math.floor(src.length*frac)));
  let fails = 0;
  try { const s = await PstStore.open(f, {onProblem: p => { if (p.kind==='failed') fails++; }}); for (const fo of await s.listFolders()) for await (const m of s.messages(fo)) {} console.log(frac, s.incompleteness(), 'failed', fails); await s.close(); } catch (e) { console.log(frac, 'ERR', (e as Error).message.slice(0,80)); }
}
