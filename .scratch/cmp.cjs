const iconv = require('/work/main/node_modules/iconv-lite');
const names = ['cp037','cp437','iso-8859-6','cp720','cp737','cp775','cp850','cp852','cp855','cp857','cp858','cp860','cp861','cp862','cp863','cp864','cp865','cp866','cp869','windows-874','cp932','gbk','cp949','cp950','utf-16le','utf-16be','windows-1250','windows-1251','windows-1252','windows-1253','windows-1254','windows-1255','windows-1256','windows-1257','windows-1258','macintosh','x-mac-cyrillic','us-ascii','koi8-r','koi8-u','iso-8859-1','iso-8859-2','iso-8859-3','iso-8859-4','iso-8859-5','iso-8859-7','iso-8859-8','iso-8859-9','iso-8859-13','iso-8859-15','euc-jp','gb2312','euc-kr','hz-gb-2312','gb18030','utf-7','utf-8','big5','shift_jis'];
for (const n of names) {
  let td; try { td = new TextDecoder(n); } catch { console.log(n, 'NO TextDecoder'); continue; }
  let diff1 = 0, diff2 = 0, ex='';
  for (let b = 0; b < 256; b++) { const x = Buffer.from([b, 0x41]); const a = iconv.decode(x, n), c = new TextDecoder(n).decode(x); if (a !== c) { diff1++; if (ex.length<80) ex += ` ${b.toString(16)}:${JSON.stringify(a)}/${JSON.stringify(c)}`; } }
  if (/^(cp932|gbk|cp949|cp950|euc-jp|gb2312|euc-kr|gb18030|big5|shift_jis)$/.test(n)) for (let b = 0x80; b < 256; b++) for (let t = 0x20; t < 256; t++) { const x = Buffer.from([b, t, 0x41]); if (iconv.decode(x, n) !== new TextDecoder(n).decode(x)) diff2++; }
  console.log(n, 'td=', td.encoding, 'diff1', diff1, 'diff2', diff2, ex);
}
