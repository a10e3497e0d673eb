import {startDovecot} from '/work/wt-verify/src/testing/private-dovecot.ts';
import {ImapSink} from '/work/wt-verify/src/uploader/imap-sink.ts';
import {benchMessages} from '/work/wt-verify/bench/generate.ts';
import {ImapFlow} from 'imapflow';
const s = await startDovecot({users: ['cost']});
try {
  const c = new ImapFlow({host: '127.0.0.1', port: s.port, secure: false, auth: {user: 'cost', pass: s.passwordOf('cost')}, logger: false});
  await c.connect();
  let n = 0, bytes = 0;
  for (const m of benchMessages(2000, 9)) { const raw = Buffer.from(m.raw.toString('latin1').replace(/\r?\n/g, '\r\n'), 'latin1'); await c.append('INBOX', raw, [], new Date()); n++; bytes += raw.length; }
  await c.logout();
  console.log('appended', n, (bytes/1e6).toFixed(1), 'MB');
  const sink = await ImapSink.connect({target: {host: '127.0.0.1', port: s.port, implicitTls: false, requireStartTls: false, insecure: false, user: 'cost'}, password: s.passwordOf('cost'), size: 1});
  for (const round of [1, 2, 3]) {
    for (const digests of [false, true]) {
      const t = performance.now();
      const idx = await sink.loadIndex('INBOX', undefined, {headerDigests: digests});
      console.log(round, digests ? 'BODY.PEEK[HEADER] + sha256' : 'HEADER.FIELDS (4)', (performance.now() - t).toFixed(0), 'ms', idx.unclaimed);
    }
  }
  await sink.close();
} finally { await s.stop(); }
