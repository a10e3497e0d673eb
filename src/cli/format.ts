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

export function formatCount(n: number): string {
	return n.toLocaleString('en-US');
}

/**
 * "1 message", "2 messages", "1,204 files": a count with the noun in the right number (English).
 * `plural` defaults to `singular` + "s"; give it for irregular forms ("1 copy"/"2 copies", "is"/"are" phrases).
 */
export function plural(n: number, singular: string, pluralForm = `${singular}s`): string {
	return `${formatCount(n)} ${n === 1 ? singular : pluralForm}`;
}

/** Pads/truncates to a display width (truncation keeps the end visible with a leading ellipsis). */
export function fit(text: string, width: number): string {
	const chars = [...text];
	if (chars.length > width) return '…' + chars.slice(chars.length - width + 1).join('');
	return text + ' '.repeat(width - chars.length);
}
