/**
 * Runs the CLI in-process (main() or a command's run function) with captured stdout/stderr and a given
 * environment: faster than a child process and no build needed. Ctrl-C handling is not installed.
 */
import {PassThrough} from 'node:stream';
import {main} from '../../src/cli/main.js';
import type {CliIo} from '../../src/app/migrate.js';

export type Captured = Readonly<{code: number; stdout: string; stderr: string}>;

/**
 * A CliIo whose output is collected; `output()` returns what was written so far. `onStdout` sees stdout so far
 * after every chunk (to act on an NDJSON event with `json: true`).
 */
export function captureIo(env: NodeJS.ProcessEnv, onStdout?: (stdout: string) => void): {io: CliIo; output: () => {stdout: string; stderr: string}} {
	const stdout = new PassThrough();
	const stderr = new PassThrough();
	let out = '';
	let err = '';
	stdout.on('data', (d: Buffer) => {
		out += d.toString();
		onStdout?.(out);
	});
	stderr.on('data', (d: Buffer) => (err += d.toString()));
	const io: CliIo = {
		stdout: stdout as unknown as NodeJS.WriteStream, stderr: stderr as unknown as NodeJS.WriteStream, stdin: new PassThrough() as unknown as NodeJS.ReadStream,
		env, onInterrupt: () => () => undefined,
	};
	return {io, output: () => ({stdout: out, stderr: err})};
}

/** main(args) with `env` as the whole environment; its exit code and output. */
export async function runMain(args: readonly string[], env: NodeJS.ProcessEnv): Promise<Captured> {
	const {io, output} = captureIo(env);
	const code = await main(args, io);
	return {code, ...output()};
}
