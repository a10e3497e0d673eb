/** Terminal text helpers for the TUI (re-exported from the CLI's formatting, plus a bar). */
export {describeStop, formatBytes, formatCount, formatDuration, fit, plural} from '../util/format.js';

/** A progress bar of `width` cells for a 0…1 fraction, using block characters (ASCII '#' when asked). */
export function bar(fraction: number, width: number, ascii = false): string {
	const f = Math.max(0, Math.min(1, Number.isFinite(fraction) ? fraction : 0));
	const cells = Math.max(1, width);
	const full = Math.floor(f * cells);
	return (ascii ? '#' : '█').repeat(full) + (ascii ? '-' : '░').repeat(cells - full);
}
