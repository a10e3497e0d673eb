/**
 * Small helpers the file-based readers share: a stable folder-path order and key, and reading Node's error
 * objects. Order is code-unit order — identical on every machine and locale, unlike localeCompare — so two
 * opens of one store list folders the same way (SourceStore contract).
 */

/** Internal map key for a folder path; unlike folderLabel it cannot confuse ['a/b'] with ['a', 'b']. */
export function pathKey(path: readonly string[]): string {
	return JSON.stringify(path);
}

/** Code-unit order. */
export function compareStrings(a: string, b: string): number {
	return a < b ? -1 : a > b ? 1 : 0;
}

/** Segment by segment; a parent sorts before its children. */
export function comparePaths(a: readonly string[], b: readonly string[]): number {
	for (let i = 0; i < Math.min(a.length, b.length); i += 1) {
		const order = compareStrings(a[i] ?? '', b[i] ?? '');
		if (order !== 0) return order;
	}
	return a.length - b.length;
}

/** Node's `code` of a system error (ENOENT, EACCES…), if any. */
export function errorCode(error: unknown): string | undefined {
	if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
	return typeof error.code === 'string' ? error.code : undefined;
}

/** An error's message for a user-facing sentence. */
export function describe(error: unknown): string {
	return error instanceof Error ? error.message : String(error);
}
