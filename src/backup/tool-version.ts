/**
 * mailshift's version, for manifests: read once from package.json (two levels above this module in both
 * src/backup/ and the built dist/backup/). "unknown" when it cannot be read (never throws).
 */
import {readFileSync} from 'node:fs';

let cached: string | undefined;

/** The version of this mailshift (package.json), cached; never throws. */
export function toolVersion(): string {
	if (cached !== undefined) return cached;
	try {
		const data = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {version?: unknown};
		cached = typeof data.version === 'string' ? data.version : 'unknown';
	} catch {
		cached = 'unknown';
	}
	return cached;
}
