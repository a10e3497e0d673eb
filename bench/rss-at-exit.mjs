// Preloaded into the CLI by bench/run.ts: reports the process's peak RSS when it exits.
process.on('exit', () => process.stderr.write(`BENCH_MAX_RSS_KIB=${process.resourceUsage().maxRSS}\n`));
