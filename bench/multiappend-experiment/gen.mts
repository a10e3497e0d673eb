// Writes the bench corpus (10,000 msgs) to /tmp/ma-exp/corpus/Maildir using the project's generator.
import {existsSync} from 'node:fs';
import {writeBenchMaildir} from '/work/main/bench/generate.ts';
const dir = process.argv[2] ?? '/tmp/ma-exp/corpus/Maildir';
const n = Number(process.argv[3] ?? 10000);
if (existsSync(dir)) { console.log('exists', dir); process.exit(0); }
const r = await writeBenchMaildir(dir, n);
console.log(JSON.stringify({dir, n, bytes: r.bytes, mib: r.bytes / 2 ** 20}));
