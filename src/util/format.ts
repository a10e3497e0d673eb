/** Human formatting for terminal output (sizes, durations, counts). Pure. */

export function formatBytes(bytes: number): string {
	if (bytes < 1024) return `${bytes} B`;
	const units = ['KiB', 'MiB', 'GiB', 'TiB'];
	let value = bytes / 1024;
	let unit = 0;
	while (value >= 1024 && unit < units.length - 1) {
		value /= 1024;
		unit++;
	}
	return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

export function formatDuration(seconds: number): string {
	const s = Math.round(seconds);
	if (s < 60) return `${s}s`;
	if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
	return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/**
 * "12,345": thousands separated by commas, as `toLocaleString('en-US')` gives — written out for integers because
 * the first toLocaleString of a process loads ICU's locale data (~20–30 ms of a no-op re-run, issue #14).
 */
export function formatCount(n: number): string {
	if (!Number.isSafeInteger(n)) return n.toLocaleString('en-US');
	return String(n).replace(/\B(?=(\d{3})+$)/g, ',');
}

/**
 * "1 message", "2 messages", "1,204 files": a count with the noun in the right number (English).
 * `plural` defaults to `singular` + "s"; give it for irregular forms ("1 copy"/"2 copies", "is"/"are" phrases).
 */
export function plural(n: number, singular: string, pluralForm = `${singular}s`): string {
	return `${formatCount(n)} ${n === 1 ? singular : pluralForm}`;
}

/**
 * "stopped, 1,200 messages not sent yet, run the same command again": what a stopped run left, never as failures.
 * The CLI's summary and the TUI's finish screen both say it this way (`Summary.notSent`); with the run's counts
 * (uploaded/skipped/failed) a stop before anything was handled says so instead of "at least 0". Pure.
 */
export function describeStop(summary: Readonly<{notSent?: Readonly<{messages: number; isExact: boolean}> | undefined; uploaded?: number; skipped?: number; failed?: number}>, config: Readonly<{dryRun: boolean}>): string {
	const left = summary.notSent;
	if (config.dryRun || left === undefined) return 'stopped early';
	if (left.messages === 0 && left.isExact) return 'stopped, every message was handled';
	// Store size unknown and nothing read-but-unsent: never "at least 0 messages" — the rest of the store is unsent.
	if (left.messages === 0) {
		// The counts are optional: without them (the finish screen) only the always-true wording is said.
		const handled = summary.uploaded === undefined ? undefined : summary.uploaded + (summary.skipped ?? 0) + (summary.failed ?? 0);
		return handled === 0 ? 'stopped before any message was sent; run the same command again' : 'stopped, the rest of the store is not sent yet, run the same command again to send it';
	}
	const n = `${left.isExact ? '' : 'at least '}${formatCount(left.messages)} message${left.messages === 1 && left.isExact ? '' : 's'}`;
	return `stopped, ${n} not sent yet, run the same command again to send ${left.messages === 1 && left.isExact ? 'it' : 'them'}`;
}

/**
 * Terminal columns one code point takes: 2 for East Asian Wide and Fullwidth characters (Unicode UAX #11:
 * CJK ideographs, Hangul syllables, kana, fullwidth forms, most emoji), 0 for combining marks, variation
 * selectors, zero-width characters and controls, else 1. A compact table of the ranges that occur in folder
 * names, not the whole of EastAsianWidth.txt (owned rather than imported: `string-width` is only a transitive
 * dependency of ink). Pure.
 */
export function codePointWidth(cp: number): 0 | 1 | 2 {
	if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) return 0;
	if ((cp >= 0x300 && cp <= 0x36f) || (cp >= 0x200b && cp <= 0x200f) || (cp >= 0xfe00 && cp <= 0xfe0f) || (cp >= 0xe0100 && cp <= 0xe01ef) || cp === 0x20e3) return 0;
	if ((cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0x303e) || (cp >= 0x3041 && cp <= 0x33ff) || (cp >= 0x3400 && cp <= 0x4dbf)
		|| (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0xa000 && cp <= 0xa4cf) || (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff)
		|| (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) || (cp >= 0xffe0 && cp <= 0xffe6)
		|| (cp >= 0x1f300 && cp <= 0x1f64f) || (cp >= 0x1f900 && cp <= 0x1f9ff) || (cp >= 0x20000 && cp <= 0x3fffd)) return 2;
	return 1;
}

/** Terminal columns `text` takes (see codePointWidth). Pure. */
export function displayWidth(text: string): number {
	let width = 0;
	for (const ch of text) width += codePointWidth(ch.codePointAt(0) ?? 0);
	return width;
}

/**
 * Pads/truncates to a display width in terminal columns (CJK characters take two), so table columns line up.
 * Truncation keeps the end visible with a leading ellipsis (plus a space when a wide character would not fit
 * whole). Pure.
 */
export function fit(text: string, width: number): string {
	const total = displayWidth(text);
	if (total <= width) return text + ' '.repeat(width - total);
	const chars = [...text];
	let kept = '';
	let room = width - 1;
	for (let i = chars.length - 1; i >= 0; i--) {
		const w = codePointWidth(chars[i]?.codePointAt(0) ?? 0);
		if (w > room) break;
		kept = (chars[i] ?? '') + kept;
		room -= w;
	}
	return '…' + ' '.repeat(room) + kept;
}
