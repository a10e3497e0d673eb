/**
 * Runs Pigeonhole's `sieve-test` (Debian `dovecot-sieve`) on a script and a message, without a server, and
 * returns what the script would do: one line per action (`fileinto "X" +create +flags:\seen`,
 * `keep "INBOX"`, `discard`, `redirect <a@b>`). Skips with a printed reason when the tool is missing.
 *
 * sieve-test drops privileges to `mail_uid`; as root that must be a non-zero uid, so the temp dir is made
 * world-writable (it only holds the script, the message and the compiled binary).
 */
import {execFile} from 'node:child_process';
import {existsSync} from 'node:fs';
import {chmod, mkdtemp, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {promisify} from 'node:util';

const exec = promisify(execFile);
export const SIEVE_TEST = '/usr/bin/sieve-test';

/** Reason to skip, printed once, or undefined when sieve-test is installed. */
export function sieveTestSkipReason(): string | undefined {
	if (existsSync(SIEVE_TEST)) return undefined;
	const reason = 'sieve-test is not installed (apt-get install -y dovecot-sieve); Sieve unit checks skipped';
	console.log(`# SKIP: ${reason}`);
	return reason;
}

/** Condenses sieve-test's "Performed actions" and "Implicit keep" sections into one line per action. */
export function parseSieveTestOutput(stdout: string): string[] {
	const actions: string[] = [];
	let current: string[] | undefined;
	let section: 'performed' | 'keep' | undefined;
	const flush = (): void => {
		if (current) actions.push(current.join(' '));
		current = undefined;
	};
	for (const line of stdout.split('\n')) {
		if (line.startsWith('Performed actions:')) { flush(); section = 'performed'; continue; }
		if (line.startsWith('Implicit keep:')) { flush(); section = 'keep'; continue; }
		if (!section) continue;
		const head = /^ \* (.*)$/.exec(line);
		if (head?.[1] !== undefined) {
			flush();
			const text = head[1];
			const store = /^store message in folder: (.*)$/.exec(text);
			if (store) current = [`${section === 'keep' ? 'keep' : 'fileinto'} "${store[1]}"`];
			else if (text.startsWith('redirect message to: ')) current = [`redirect ${text.slice('redirect message to: '.length)}`];
			else current = [text];
			continue;
		}
		const sub = /^\s+\+ (.*)$/.exec(line);
		if (sub?.[1] && current) {
			const text = sub[1];
			if (text === 'create mailbox if it does not exist') current.push('+create');
			else if (text === 'preserve implicit keep') current.push('+copy');
			else if (text.startsWith('add IMAP flags: ')) current.push(`+flags:${text.slice(16).split(' ').sort().join(',')}`);
			else current.push(`+${text}`);
		}
	}
	flush();
	return actions;
}

/** Runs `script` against the RFC 5322 `message`; returns the condensed actions. Throws with stderr on errors. */
export async function runSieveTest(script: string, message: string): Promise<string[]> {
	const dir = await mkdtemp(join(tmpdir(), 'ms-sieve-'));
	try {
		await chmod(dir, 0o777);
		const isRoot = process.getuid?.() === 0;
		const uid = isRoot ? 65534 : (process.getuid?.() ?? 1000);
		const gid = isRoot ? 65534 : (process.getgid?.() ?? 1000);
		await writeFile(join(dir, 'dovecot.conf'), `mail_uid = ${uid}\nmail_gid = ${gid}\nfirst_valid_uid = 1\nfirst_valid_gid = 1\nmail_home = ${dir}\nmail_location = maildir:${dir}/Maildir\n`, {mode: 0o644});
		await writeFile(join(dir, 'script.sieve'), script, {mode: 0o644});
		await writeFile(join(dir, 'message.eml'), message.replace(/\r?\n/g, '\r\n'), {mode: 0o644});
		const {stdout} = await exec(SIEVE_TEST, ['-c', join(dir, 'dovecot.conf'), join(dir, 'script.sieve'), join(dir, 'message.eml')]);
		return parseSieveTestOutput(stdout);
	} catch (error) {
		const e = error as {stderr?: string; stdout?: string};
		throw new Error(`sieve-test failed: ${e.stderr ?? ''}${e.stdout ?? ''}`.trim(), {cause: error});
	} finally {
		await rm(dir, {recursive: true, force: true});
	}
}
