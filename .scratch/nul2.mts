import {mkdirSync, writeFileSync} from 'node:fs';
import {spawnSync} from 'node:child_process';
import {startDovecot} from '/work/wt-verify/src/testing/private-dovecot.ts';
const s = await startDovecot({users: ['alice']});
try {
  const root = '/tmp/hv/md'; spawnSync('rm', ['-rf', root]);
  for (const d of ['cur', 'new', 'tmp']) mkdirSync(`${root}/${d}`, {recursive: true});
  for (let i = 0; i < 3; i++) writeFileSync(`${root}/cur/${i}.x:2,S`, `From: a@b.c\nSubject: m${i}\nMessage-ID: <m${i}@x>\nDate: Mon, 1 Jan 2024 00:00:00 +0000\n\nhello\n`);
  writeFileSync(`${root}/cur/9.x:2,S`, Buffer.concat([Buffer.from('From: a@b.c\nSubject: nul\nMessage-ID: <nul@x>\nDate: Mon, 1 Jan 2024 00:00:00 +0000\n\nhello\n'), Buffer.alloc(16384), Buffer.from('\nend\n')]));
  const env = {...process.env, MAILSHIFT_PASSWORD: s.passwordOf('alice'), XDG_STATE_HOME: '/tmp/hv/state'};
  const to = `imap://alice@127.0.0.1:${s.port}`;
  for (const args of [['migrate', root, '--to', to, '--stats', '0'], ['verify', root, '--to', to], ['migrate', root, '--to', to, '--stats', '0', '--new-journal']]) {
    const r = spawnSync(process.execPath, ['bin/mailshift.js', ...args], {env, encoding: 'utf8'});
    console.log(args[0], r.status, r.stdout.slice(-900), r.stderr.slice(-500));
  }
} finally { await s.stop(); }
