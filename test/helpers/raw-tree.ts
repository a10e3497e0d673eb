/**
 * Test helper: writes a file tree whose names are given as bytes, so tests can create names that are not
 * UTF-8 (fs accepts Buffer paths). A string segment is UTF-8.
 */
import {promises as fs} from 'node:fs';

/** `content: null` makes `path` an empty directory. */
export type RawFile = Readonly<{path: ReadonlyArray<string | Buffer>; content: string | Buffer | null; mtime?: Date}>;

function joinBytes(root: string, segments: ReadonlyArray<string | Buffer>): Buffer {
	return Buffer.concat([Buffer.from(root), ...segments.flatMap((segment) => [Buffer.from('/'), typeof segment === 'string' ? Buffer.from(segment) : segment])]);
}

/** Writes every file (and its parent directories) below the existing directory `root`. */
export async function writeRawTree(root: string, files: readonly RawFile[]): Promise<void> {
	for (const file of files) {
		const path = joinBytes(root, file.path);
		if (file.content === null) {
			await fs.mkdir(path, {recursive: true});
			continue;
		}
		await fs.mkdir(joinBytes(root, file.path.slice(0, -1)), {recursive: true});
		await fs.writeFile(path, file.content);
		if (file.mtime !== undefined) await fs.utimes(path, file.mtime, file.mtime);
	}
}
