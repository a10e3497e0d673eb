/**
 * `mailshift demo`: the main job on an embedded default. Starts a throwaway private Dovecot on 127.0.0.1
 * (the same helper the tests use), generates a sample Maildir++ store and a Thunderbird-style mbox tree, and
 * migrates them and the real enron.pst that ships with pst-extractor with the real `migrate` code path, reads the server back
 * independently (LIST + STATUS), prints where the server's data lives, and stops the server.
 */
import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {dirname, join} from 'node:path';
import {existsSync} from 'node:fs';
import {createRequire} from 'node:module';
import {ImapFlow} from '../uploader/imapflow-class.js';
import {resolveMigrateConfig} from '../config/resolve.js';
import {isDovecotInstalled, startDovecot} from '../testing/private-dovecot.js';
import {sampleMessages, writeSampleMaildir, writeSampleThunderbird} from '../testing/sample-store.js';
import {ExitCode} from '../contracts/exit-codes.js';
import type {ExitCodeValue} from '../contracts/exit-codes.js';
import type {CliIo} from '../app/migrate.js';
import {runMigrate} from '../app/migrate.js';

export async function runDemo(io: CliIo, options: {keep: boolean}): Promise<ExitCodeValue> {
	const say = (line: string): void => {
		io.stdout.write(`${line}\n`);
	};
	if (!isDovecotInstalled()) {
		io.stderr.write('mailshift: the demo needs Dovecot (Debian package dovecot-imapd).\n  Install it with: apt-get install -y dovecot-imapd\n');
		return ExitCode.USAGE;
	}
	const work = await mkdtemp(join(tmpdir(), 'mailshift-demo-'));
	say('Starting a private Dovecot on 127.0.0.1 (its own config and storage in a temp dir)…');
	const server = await startDovecot({users: ['demo']});
	let exitCode: ExitCodeValue = ExitCode.OK;
	try {
		const maildir = join(work, 'Maildir');
		const thunderbird = join(work, 'Thunderbird', 'Local Folders');
		await writeSampleMaildir(maildir, sampleMessages(60, 1));
		await writeSampleThunderbird(thunderbird, sampleMessages(30, 2));
		say(`Dovecot is listening on 127.0.0.1:${server.port}; user "demo".`);
		say(`Sample stores: ${maildir} (Maildir++, 60 messages) and ${thunderbird} (Thunderbird mbox tree, 30 messages).\n`);
		const env = {...io.env, MAILSHIFT_PASSWORD: server.passwordOf('demo')};
		const to = `imap://demo@127.0.0.1:${server.port}`;
		const runs: Array<{title: string; source: string; prefix?: string}> = [
			{title: `mailshift migrate ${maildir} --to ${to}`, source: maildir},
			{title: `mailshift migrate '${thunderbird}' --to ${to} --prefix 'Imported/Thunderbird'`, source: thunderbird, prefix: 'Imported/Thunderbird'},
		];
		// A real Outlook file: the test data that ships with pst-extractor (Enron mail, with attachments).
		const enron = join(dirname(createRequire(import.meta.url).resolve('pst-extractor/package.json')), 'example', 'testdata', 'enron.pst');
		if (existsSync(enron)) runs.push({title: `mailshift migrate ${enron} --to ${to} --prefix 'Imported/Outlook'`, source: enron, prefix: 'Imported/Outlook'});
		for (const run of runs) {
			say(`$ ${run.title}`);
			const name = run.prefix ? run.prefix.split('/').pop()?.toLowerCase() ?? 'store' : 'maildir';
			const config = resolveMigrateConfig({source: run.source, to, stats: 0, ...(run.prefix === undefined ? {} : {prefix: run.prefix}),
				report: join(work, `report-${name}.json`), journal: join(work, `journal-${name}.sqlite`)}, io.env);
			const outcome = await runMigrate(config, {...io, env});
			if (outcome.exitCode !== ExitCode.OK) exitCode = outcome.exitCode;
			say('');
		}
		say('What the server now holds (read back over IMAP: LIST + STATUS):');
		const client = new ImapFlow({host: '127.0.0.1', port: server.port, secure: false, auth: {user: 'demo', pass: server.passwordOf('demo')}, logger: false});
		await client.connect();
		try {
			const boxes = (await client.list({statusQuery: {messages: true, unseen: true}})).filter((box) => !box.flags.has('\\Noselect'));
			const width = Math.max(...boxes.map((box) => box.path.length)) + 2;
			for (const box of boxes) {
				say(`  ${box.path.padEnd(width)} ${String(box.status?.messages ?? 0).padStart(4)} messages, ${String(box.status?.unseen ?? 0).padStart(3)} unread${box.specialUse ? `  ${box.specialUse}` : ''}`);
			}
		} finally {
			await client.logout();
		}
		say(`\nThe server stored the mail in its own Maildir, ${server.mailDir('demo')}${options.keep ? '' : ' (removed with the server; use --keep to look around)'}.`);
		if (options.keep) {
			say(`Server left running (pid ${server.pid}). Connect with any IMAP client to 127.0.0.1:${server.port}, user demo, password ${server.passwordOf('demo')}.`);
			say(`Stop it with: kill ${server.pid} && rm -rf ${server.dir} ${work}`);
			return exitCode;
		}
	} finally {
		if (!options.keep) {
			await server.stop();
			await rm(work, {recursive: true, force: true});
			say('Stopped the private Dovecot and removed its temp dir.');
		}
	}
	return exitCode;
}
