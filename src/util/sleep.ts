/**
 * Waits `ms`, or less when `signal` aborts; resolves at once for `ms <= 0` or an aborted signal. Never rejects:
 * callers check the signal afterwards. Used for every bounded wait (backoff, pacing, grace periods).
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
	return new Promise((resolve) => {
		if (ms <= 0 || signal?.aborted) return resolve();
		const timer = setTimeout(done, ms);
		signal?.addEventListener('abort', done, {once: true});
		function done(): void {
			clearTimeout(timer);
			signal?.removeEventListener('abort', done);
			resolve();
		}
	});
}
