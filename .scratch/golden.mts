import {createHash} from 'node:crypto';
import {readdirSync} from 'node:fs';
import {PstStore} from '/work/wt-pst/src/readers/pst-store.ts';
async function digestOf(file: string) {
	const hash = createHash('sha256'); let items = 0;
	const store = await PstStore.open(file, {exportNonMail: true});
	try { for (const folder of await store.listFolders()) for await (const message of store.messages(folder)) {
		items++; hash.update(`${message.ref.key}\n${[...message.flags].join(' ')}\n${message.storeDate?.date.toISOString() ?? '-'}\n`);
		hash.update(message.raw); if (message.nonMailExport !== undefined) hash.update(message.nonMailExport.content); } } finally { await store.close(); }
	return `${items} ${hash.digest('hex')}`;
}
const C='/work/shared/corpus/pst', T='/work/wt-pst/node_modules/pst-extractor/example/testdata';
for (const n of readdirSync(T).filter(f=>/\.(pst|ost)$/.test(f))) console.log(`T '${n}': '${await digestOf(`${T}/${n}`)}',`);
for (const n of readdirSync(C).filter(f=>/\.(pst|ost)$/.test(f)).sort()) { try { console.log(`C '${n}': '${await digestOf(`${C}/${n}`)}',`);} catch {} }
