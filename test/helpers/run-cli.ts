/** Runs the real CLI (bin/mailshift.js, built by `npm test`) as a child process. */
import {spawn} from 'node:child_process';
import {fileURLToPath} from 'node:url';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = fileURLToPath(new URL('../../bin/mailshift.js', import.meta.url));

/** Journals of CLI runs go to a private state dir per test process (never the user's ~/.local/state). */
export const STATE_HOME = mkdtempSync(join(tmpdir(), 'ms-state-'));
process.on('exit', () => rmSync(STATE_HOME, {recursive: true, force: true}));

export type CliResult = Readonly<{code: number | null; stdout: string; stderr: string; signal?: NodeJS.Signals | null}>;

/**
 * Runs the CLI to its end. `killWhen`: SIGKILL it `killDelayMs` (default 0) after its stderr so far first
 * matches (a hard crash at a chosen moment, e.g. while rows are uploading).
 */
export function runCli(args: readonly string[], options: {env?: Record<string, string | undefined>; timeoutMs?: number; cwd?: string; killWhen?: RegExp; killDelayMs?: number} = {}): Promise<CliResult> {
	return new Promise((resolve, reject) => {
		const env: Record<string, string> = {XDG_STATE_HOME: STATE_HOME};
		for (const [k, v] of Object.entries({...process.env, XDG_STATE_HOME: STATE_HOME, ...options.env})) if (v !== undefined) env[k] = v;
		for (const secret of ['MAILSHIFT_PASSWORD', 'MAILSHIFT_OAUTH_TOKEN']) {
			delete env[secret];
			if (options.env?.[secret] !== undefined) env[secret] = options.env[secret];
		}
		const child = spawn(process.execPath, [BIN, ...args], {env, stdio: ['ignore', 'pipe', 'pipe'], ...(options.cwd === undefined ? {} : {cwd: options.cwd})});
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
		let killArmed = false;
		child.stderr.on('data', (d: Buffer) => {
			stderr += d.toString();
			if (!killArmed && options.killWhen?.test(stderr) === true) {
				killArmed = true;
				setTimeout(() => child.kill('SIGKILL'), options.killDelayMs ?? 0);
			}
		});
		const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
		child.on('error', reject);
		child.on('close', (code, signal) => {
			clearTimeout(timer);
			resolve({code, stdout, stderr, signal});
		});
	});
}
