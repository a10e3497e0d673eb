/**
 * The backup writers and the one factory that picks one by format. The factory lives here, not in the
 * interface file (backup-writer.ts), so the writers import the interface and nothing imports them back.
 */
import type {BackupFormat} from '../backup-layout.js';
import type {BackupWriter, WriterOptions} from './backup-writer.js';
import {EmlWriter} from './eml-writer.js';
import {MaildirWriter} from './maildir-writer.js';
import {MboxWriter} from './mbox-writer.js';

/** The writer of a format. Pure: creates nothing on disk until `openFolder`. */
export function createBackupWriter(format: BackupFormat, options: WriterOptions): BackupWriter {
	switch (format) {
		case 'maildir': return new MaildirWriter(options.out, options.maildirInfoSeparator ?? ':');
		case 'eml': return new EmlWriter(options.out);
		case 'mbox': return new MboxWriter(options.out);
	}
}
