/** Child process of bench/run.ts: reads a whole store through a reader; prints JSON with count, bytes, time and peak RSS. */
import {openSource} from '../src/readers/open-source.js';

const path = process.argv[2] ?? '';
const started = process.hrtime.bigint();
const store = await openSource(path, undefined);
let messages = 0;
let bytes = 0;
for (const folder of await store.listFolders()) {
	for await (const m of store.messages(folder)) {
		messages++;
		bytes += m.raw.length;
	}
}
await store.close();
const ms = Number(process.hrtime.bigint() - started) / 1e6;
process.stdout.write(JSON.stringify({messages, bytes, ms, maxRssMiB: process.resourceUsage().maxRSS / 1024}) + '\n');
