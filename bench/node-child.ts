/**
 * runNodeChild: runs `node --import tsx ARGS…` in the project root and parses the one JSON line it prints —
 * how the reader benchmarks keep each generation and each read in a process of its own (its peak RSS is then
 * its own: see bench/dbx.ts). stderr is passed through; `env` defaults to this process's.
 */
import {spawn} from 'node:child_process';
import {fileURLToPath} from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

export function runNodeChild(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<Record<string, number>> {
	return new Promise((resolve, reject) => {
		const child = spawn(process.execPath, ['--import', 'tsx', ...args], {cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'], env});
		let stdout = '';
		child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
		child.on('error', reject);
		child.on('close', () => resolve(JSON.parse(stdout.trim() || '{}') as Record<string, number>));
	});
}
