import {ImapFlow} from 'imapflow';
import {startDovecot} from '/work/wt-verify/src/testing/private-dovecot.ts';
const s = await startDovecot({users: ['alice']});
try {
  const c = new ImapFlow({host: '127.0.0.1', port: s.port, secure: false, auth: {user: 'alice', pass: s.passwordOf('alice')}, logger: false});
  await c.connect();
  console.log([...c.capabilities.keys()].join(' '));
  const body = Buffer.concat([Buffer.from('From: a@b.c\r\nSubject: Queensr\xc3\xbfche\r\nMessage-ID: <n@x>\r\nDate: Mon, 1 Jan 2024 00:00:00 +0000\r\n\r\nhello\r\n'), Buffer.alloc(16384), Buffer.from('\r\nend\r\n')]);
  const r = await c.append('INBOX', body, [], new Date());
  console.log('sent', body.length, r);
  await c.mailboxOpen('INBOX');
  for await (const m of c.fetch('1:*', {uid: true, size: true, source: true, headers: true})) {
    console.log('size', m.size, 'src', m.source?.length, 'nul', m.source?.indexOf(0), m.source?.subarray(150, 170), 'hdr', m.headers?.length);
  }
  await c.logout();
} finally { await s.stop(); }
