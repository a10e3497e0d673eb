/**
 * Read speed and peak RSS of the one-file-per-message readers (.eml trees, Apple Mail .emlx) on a small and a
 * large generated store, each read in its own process by bench/read-store.ts: peak RSS must not grow with the
 * store. Run: `npm run bench:files` (BENCH_FILE_MESSAGES sets the large size, default 20000).
 */
import {spawn} from 'node:child_process';
import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {writeBenchAppleMail, writeBenchEml} from './generate.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const LARGE = Number(process.env['BENCH_FILE_MESSAGES'] ?? 20_000);

function readStore(path: string): Promise<{messages: number; bytes: number; ms: number; maxRssMiB: number}> {
	return new Promise((resolve, reject) => {
		const child = spawn(process.execPath, ['--import', 'tsx', 'bench/read-store.ts', path], {cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit']});
		let stdout = '';
		child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
		child.on('error', reject);
		child.on('close', () => resolve(JSON.parse(stdout.trim() || '{}') as {messages: number; bytes: number; ms: number; maxRssMiB: number}));
	});
}

const work = await mkdtemp(join(tmpdir(), 'mailshift-bench-files-'));
try {
	for (const [kind, write] of [['eml', writeBenchEml], ['apple-mail', writeBenchAppleMail]] as const) {
		for (const count of [500, LARGE]) {
			const root = join(work, `${kind}-${count}`);
			await write(root, count);
			const r = await readStore(root);
			console.log(`${kind.padEnd(11)} ${String(r.messages).padStart(7)} msgs ${(r.bytes / 2 ** 20).toFixed(0).padStart(5)} MiB ${(r.messages / (r.ms / 1000)).toFixed(0).padStart(6)} msg/s ${(r.bytes / 2 ** 20 / (r.ms / 1000)).toFixed(0).padStart(4)} MiB/s  peak RSS ${r.maxRssMiB.toFixed(0)} MiB`);
			await rm(root, {recursive: true, force: true});
		}
	}
} finally {
	await rm(work, {recursive: true, force: true});
}
