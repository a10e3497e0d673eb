// Mid-batch kill test: fresh Dovecot, one MULTIAPPEND of N messages into "KillTest", socket destroyed after half the
// literals (sync and LITERAL+), STATUS before the kill and 3 s after. Also greps Dovecot's log for the disconnect.
import {spawnSync} from 'node:child_process';
import {startDovecot} from '/work/main/src/testing/private-dovecot.ts';
for (const literal of ['sync', 'plus']) for (const batch of [50, 200]) {
	const server = await startDovecot({users: ['bench']});
	try {
		const r = spawnSync(process.execPath, ['/tmp/ma-exp/client.mjs', '--mode', 'kill', '--literal', literal, '--batch', String(batch), '--port', String(server.port), '--password', server.passwordOf('bench')], {encoding: 'utf8'});
		console.log(r.stdout.trim(), r.stderr.trim());
		const log = (await server.logText()).split('\n').filter((l) => /Disconnected|APPEND/.test(l));
		console.log('  log:', log.slice(-2).join(' | '));
		const files = spawnSync('sh', ['-c', `ls ${server.mailDir('bench')}/.KillTest/new ${server.mailDir('bench')}/.KillTest/cur | grep -vc : ; ls ${server.mailDir('bench')}/.KillTest/tmp | wc -l`], {encoding: 'utf8'});
		console.log('  files in new+cur (excluding dir headers) / tmp:', files.stdout.trim().replace(/\n/g, ' / '));
	} finally { await server.stop(); }
}
