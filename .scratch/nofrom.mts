import {PstStore} from '/work/wt-pst/src/readers/pst-store.ts';
for (const n of ['hiraoka__nonUnicodeCP932.pst','hiraoka__simple.pst','rubymsg__200_recipients.pst','rubymsg__attachAndInline.pst','rubymsg__msgInMsg.pst']) {
  const s = await PstStore.open('/work/shared/corpus/pst/'+n);
  for (const f of await s.listFolders()) for await (const m of s.messages(f)) if (m.raw.length) console.log(n, JSON.stringify(m.raw.toString('latin1').split(/\r\n\r\n/)[0]!.slice(0,600)));
  await s.close();
}
