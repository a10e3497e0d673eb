/**
 * The young generation's size (issue #14, memory). V8 grows a process's young generation (two semi-spaces)
 * from 1 MiB up to 16 MiB each while much of what is allocated survives a scavenge — start-up and listing a
 * store of 10,000 files do — and keeps it for the rest of the run: 32 MiB of resident memory for a process whose
 * live JavaScript objects are ~20 MiB (measured, docs/benchmarks.md "#14: memory, third pass"). An upload waits
 * on the disk and the server, not on the collector, so its semi-spaces stay at their initial size.
 *
 * How: V8's growth factor set to 1 at run time (v8.setFlagsFromString; V8 reads it at every growth). Measured on
 * Node 20: `--max-semi-space-size` set at run time has no effect (it is read when the heap is configured), and
 * `--semi-space-growth-factor=1` on the command line has none either; set at run time it keeps the semi-spaces
 * at 1 MiB. V8 flags are per process, so worker threads (the PST reader) get it too. If a future V8 stops
 * honouring it, the process only uses more memory again (test/cli/young-generation.test.ts notices).
 */
import {setFlagsFromString} from 'node:v8';

/** Keeps the young generation at its present (initial) size for the rest of the process, worker threads included. */
export function boundYoungGeneration(): void {
	setFlagsFromString('--semi-space-growth-factor=1');
}
