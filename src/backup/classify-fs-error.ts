/**
 * File-system errors met while writing a backup → MailshiftErrors with a hint (STYLE rule 5: codes are read
 * here and nowhere else in src/backup). Only Node's `code` is read, never the message text.
 */
import {MailshiftError} from '../contracts/errors.js';

function codeOf(error: unknown): string {
	return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? error.code : '';
}

/** The refusal to write or delete through a symbolic link inside the backup directory (private-tree.ts). */
export function symlinkRefusal(path: string, out: string, cause?: unknown): MailshiftError {
	return new MailshiftError('USAGE', `${path} is a symbolic link inside the backup directory ${out}; mailshift never writes through links (it could write outside the backup).`, 'fatal', {
		...(cause === undefined ? {} : {cause}), hint: `Remove the link (move what it points to into ${out} if it belongs to the backup), or choose another --out.`,
	});
}

/** Classifies an error from writing `path` (inside the backup directory `out`). */
export function classifyFsError(error: unknown, path: string, out: string): MailshiftError {
	if (error instanceof MailshiftError) return error;
	const code = codeOf(error);
	switch (code) {
		case 'ENOSPC':
		case 'EDQUOT':
			return new MailshiftError('OVER_QUOTA', `The disk that holds the backup ${out} is full (writing ${path}).`, 'fatal', {
				cause: error, hint: 'Free some space (or choose another --out), then run the same command again: it continues where it stopped.',
			});
		case 'EACCES':
		case 'EPERM':
		case 'EROFS':
			return new MailshiftError('USAGE', `Cannot write to ${path} (${code}).`, 'fatal', {
				cause: error, hint: `Choose an --out directory you can write to, or fix the permissions of ${out}.`,
			});
		case 'ENOTDIR':
		case 'EISDIR':
		case 'EEXIST':
			return new MailshiftError('USAGE', `Something that is not part of the backup is in the way at ${path} (${code}).`, 'fatal', {
				cause: error, hint: 'Use an empty or new --out directory.',
			});
		case 'ELOOP':
			// open(2) with O_NOFOLLOW on a symbolic link (private-tree.ts).
			return symlinkRefusal(path, out, error);
		case 'ENAMETOOLONG':
			return new MailshiftError('USAGE', `The path ${path} is too long for this file system.`, 'fatal', {
				cause: error, hint: 'Choose an --out directory with a shorter path (deep folder trees need long paths).',
			});
		case 'ABORT_ERR':
			return new MailshiftError('ABORTED', 'Stopped.', 'fatal', {cause: error});
		default:
			return new MailshiftError('BUG', `Unexpected error writing ${path}: ${error instanceof Error ? error.message : String(error)}`, 'fatal', {
				cause: error, hint: 'Run again with --debug and report the output.',
			});
	}
}
