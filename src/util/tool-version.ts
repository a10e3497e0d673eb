/**
 * mailshift's version, for `--version` and manifests: read once from mailshift's package.json, the nearest one
 * named "mailshift" above this module — two levels up in src/util/ and the compiled dist/util/, one in the bundle
 * (dist/bundle/, build/bundle.mjs). "unknown" when none can be read (never throws).
 */
import {readFileSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';

let cached: string | undefined;

/** The version of this mailshift (package.json), cached; never throws. */
export function toolVersion(): string {
	cached ??= findVersion();
	return cached;
}

function findVersion(): string {
	let dir = dirname(fileURLToPath(import.meta.url));
	for (let up = 0; up < 4; up++, dir = dirname(dir)) {
		try {
			const data = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {name?: unknown; version?: unknown};
			if (data.name === 'mailshift') return typeof data.version === 'string' ? data.version : 'unknown';
		} catch {
			// No package.json here (or unreadable): look further up.
		}
	}
	return 'unknown';
}
