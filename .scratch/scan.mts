import {PstStore} from '/work/wt-pst/src/readers/pst-store.ts';
import {readdirSync} from 'node:fs';
const dirs = ['/work/shared/corpus/pst', '/work/wt-pst/node_modules/pst-extractor/example/testdata'];
for (const d of dirs) for (const n of readdirSync(d).filter(f=>/\.(pst|ost)$/.test(f))) {
  const probs: string[] = [];
  let store;
  try { store = await PstStore.open(`${d}/${n}`, {onProblem: p => probs.push(`${p.kind} ${p.code} ${p.reason}`)}); } catch (e) { console.log(n, 'OPEN FAIL', (e as Error).message.slice(0,100)); continue; }
  let noFrom = 0, noDate = 0, mail = 0, kw = 0;
  const folders = await store.listFolders();
  for (const f of folders) for await (const m of store.messages(f)) {
    if (m.raw.length === 0) continue; mail++;
    const h = m.raw.toString('latin1').split(/\r?\n\r?\n/)[0]!;
    if (!/^From:/mi.test(h)) noFrom++;
    if (!/^Date:/mi.test(h)) noDate++;
    if (/^Keywords:/mi.test(h)) kw++;
  }
  await store.close();
  console.log(n, store.format, 'mail', mail, 'noFrom', noFrom, 'noDate', noDate, 'kw', kw, 'folders', folders.map(f=>`${f.path.join('/')}:${f.count}${f.holdsMail===false?'(nm)':''}`).join(', '));
  for (const p of probs) if (!/read with problems/.test(p)) console.log('   ', p.slice(0, 200));
}
