import {PstStore} from '/work/wt-pst/src/readers/pst-store.ts';
import {readdirSync} from 'node:fs';
for (const d of ['/work/shared/corpus/pst', '/work/wt-pst/node_modules/pst-extractor/example/testdata']) for (const n of readdirSync(d).filter(f=>/\.(pst|ost)$/.test(f))) {
  let s; try { s = await PstStore.open(`${d}/${n}`); } catch { continue; }
  for (const f of await s.listFolders()) for await (const m of s.messages(f)) { const k=[...m.flags].filter(x=>!x.startsWith('\\')&&x!=='$Forwarded'); if (k.length) console.log(n, f.path.join('/'), m.ref.key, k); }
  await s.close();
}
