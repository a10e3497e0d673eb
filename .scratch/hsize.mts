import {benchMessages} from '/work/wt-verify/bench/generate.ts';
import {headerBlock} from '/work/wt-verify/src/mapper/fingerprint.ts';
let n = 0, h = 0;
for (const m of benchMessages(2000, 9)) { const raw = Buffer.from(m.raw.toString('latin1').replace(/\r?\n/g, '\r\n'), 'latin1'); h += headerBlock(raw)?.length ?? 0; n++; }
console.log('avg header', (h / n).toFixed(0), 'bytes; total', (h / 1e6).toFixed(2), 'MB');
