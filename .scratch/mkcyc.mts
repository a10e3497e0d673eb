// write cyclic copy for readpst check (reuse test helper logic by import)
import {readFileSync, writeFileSync} from 'node:fs';
import {CYCLIC_TABLES, cryptCyclic} from '/work/wt-pst/src/readers/pst/cyclic-encryption.ts';
const file = Buffer.from(readFileSync('/work/wt-pst/node_modules/pst-extractor/example/testdata/enron.pst'));
const read = (at: number) => Number(file.readBigUInt64LE(at));
const walk = (page: number): void => { const c = file[page+488]!, es = file[page+490]!, lv = file[page+491]!;
 for (let i=0;i<c;i++){ const at=page+i*es; if (lv>0) walk(read(at+16)); else { const bid=read(at); if ((bid&2)===0){ const d=file.subarray(read(at+8), read(at+8)+file.readUInt16LE(at+16)); for(let j=0;j<d.length;j++) d[j]=CYCLIC_TABLES.I[d[j]!]!; cryptCyclic(d, bid%2**32);} } } };
walk(read(240)); file[513]=2; writeFileSync('/tmp/pstw/enron-cyclic.pst', file);
