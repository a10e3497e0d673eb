/**
 * Waiting for what a screen shows, for TUI tests (ink-testing-library frames, tmux panes): a key is sent only
 * once the screen that takes it shows that it listens (the guided mode shows its key hints, the "Y/n" of a
 * question and the text or placeholder of a field only then: src/tui/use-is-listening.ts). Never a fixed sleep.
 */

/** How often the screen is looked at while waiting (a poll of something observable, not a guess at a duration). */
const POLL_MS = 20;

/**
 * Resolves with the screen text once `pattern` matches it; rejects after `timeoutMs` with the last screen, so a
 * failure shows what was on screen instead. @default timeoutMs 10 s (a loaded machine: generous, never relied on)
 */
export async function until(screen: () => string | undefined, pattern: RegExp, timeoutMs = 10_000): Promise<string> {
	const started = Date.now();
	for (;;) {
		const text = screen() ?? '';
		if (pattern.test(text)) return text;
		if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${pattern} in:\n${text}`);
		await new Promise((r) => setTimeout(r, POLL_MS));
	}
}

/** Waits for `ready` (the screen that consumes the keys, listening), then writes `keys` in one read. */
export async function press(stdin: {write: (s: string) => void}, screen: () => string | undefined, ready: RegExp, keys: string): Promise<string> {
	const shown = await until(screen, ready);
	stdin.write(keys);
	return shown;
}
