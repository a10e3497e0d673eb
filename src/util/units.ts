/** Parsing of user-given sizes ("500M", "1.5GiB", "2000000") and durations ("8h", "90m", "1h30m", "45s"). */

const SIZE_UNITS: Readonly<Record<string, number>> = {
	'': 1, b: 1, k: 1024, kb: 1000, kib: 1024, m: 1024 ** 2, mb: 1000 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gb: 1000 ** 3, gib: 1024 ** 3, t: 1024 ** 4, tb: 1000 ** 4, tib: 1024 ** 4,
};

/** Bytes from "500M" (binary: K/M/G = 1024-based), "500MB" (decimal), "500MiB", or a plain number. Undefined if malformed. */
export function parseBytes(text: string | number): number | undefined {
	if (typeof text === 'number') return Number.isFinite(text) && text > 0 ? Math.floor(text) : undefined;
	const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
	if (!m) return undefined;
	const unit = SIZE_UNITS[(m[2] ?? '').toLowerCase()];
	if (unit === undefined) return undefined;
	const value = Number(m[1]) * unit;
	return value > 0 && Number.isFinite(value) ? Math.floor(value) : undefined;
}

/** Milliseconds from "1h30m", "90m", "45s", "2d", or a plain number of seconds. Undefined if malformed. */
export function parseDuration(text: string | number): number | undefined {
	if (typeof text === 'number') return Number.isFinite(text) && text > 0 ? text * 1000 : undefined;
	const trimmed = text.trim();
	if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1000;
	const parts = [...trimmed.matchAll(/(\d+(?:\.\d+)?)\s*(d|h|m|s)/gi)];
	if (parts.length === 0 || parts.map((p) => p[0]).join('').replace(/\s/g, '') !== trimmed.replace(/\s/g, '')) return undefined;
	const scale: Readonly<Record<string, number>> = {d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000};
	const ms = parts.reduce((sum, p) => sum + Number(p[1]) * (scale[(p[2] ?? 's').toLowerCase()] ?? 1000), 0);
	return ms > 0 ? ms : undefined;
}
