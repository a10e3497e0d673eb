const iconv = require('/work/main/node_modules/iconv-lite');
const pairs = [['cp932','shift_jis'],['gbk','gbk'],['cp949','euc-kr'],['cp950','big5'],['euc-jp','euc-jp'],['gb2312','gb2312'],['gb18030','gb18030'],['koi8-r','koi8-r'],['koi8-u','koi8-u'],['iso-8859-2','iso-8859-2'],['iso-8859-5','iso-8859-5'],['iso-8859-7','iso-8859-7'],['iso-8859-8','iso-8859-8'],['iso-8859-13','iso-8859-13'],['iso-8859-15','iso-8859-15'],['iso-8859-3','iso-8859-3'],['iso-8859-4','iso-8859-4'],['iso-8859-9','iso-8859-9'],['iso-8859-1','iso-8859-1'],['utf-8','utf-8']];
for (const [n, w] of pairs) {
  let diff1 = 0, diff2 = 0, ex='';
  for (let b = 0; b < 256; b++) { const x = Buffer.from([b, 0x41]); const a = iconv.decode(x, n), c = new TextDecoder(w).decode(x); if (a !== c) { diff1++; if (ex.length<60) ex += ` ${b.toString(16)}:${JSON.stringify(a)}/${JSON.stringify(c)}`; } }
  if (!/^(koi|iso-8859)/.test(n)) for (let b = 0x80; b < 256; b++) for (let t = 0x20; t < 256; t++) { const x = Buffer.from([b, t, 0x41]); const a=iconv.decode(x, n), c=new TextDecoder(w).decode(x); if (a !== c) { diff2++; if (ex.length<160) ex += ` ${b.toString(16)}${t.toString(16)}:${JSON.stringify(a)}/${JSON.stringify(c)}`;} }
  console.log(n, w, 'diff1', diff1, 'diff2', diff2, ex);
}
// iso-2022-jp: compare hand decoder vs TextDecoder on a sample
