/**
 * Writes a file the user relies on (reports) so that a crash leaves the old file or the new one, never
 * half of one: tmp → fsync → rename → fsync(dir) (restic local.Save).
 */
import {open, rename, rm} from 'node:fs/promises';
import {dirname, basename, join} from 'node:path';

export async function atomicWrite(path: string, data: string | Buffer, mode = 0o644): Promise<void> {
	const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
	const file = await open(tmp, 'w', mode);
	try {
		await file.writeFile(data);
		await file.sync();
	} finally {
		await file.close();
	}
	try {
		await rename(tmp, path);
	} catch (error) {
		await rm(tmp, {force: true});
		throw error;
	}
	try {
		const dir = await open(dirname(path), 'r');
		try {
			await dir.sync();
		} finally {
			await dir.close();
		}
	} catch {
		// Some filesystems cannot fsync a directory; the rename is still atomic.
	}
}
