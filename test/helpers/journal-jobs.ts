/** UploadJobs for journal tests: the journal stores the ref, mailbox, Message-ID, fingerprint and size only. */
import type {UploadJob} from '../../src/contracts/types.js';

/** A job for source message `key` of `folder`, bound for `mailbox`; `key` also names its bytes and fingerprint. */
export function uploadJob(key: string, folder = 'Inbox', mailbox = 'INBOX', messageId?: string): UploadJob {
	return {
		ref: {store: '/store', folder, key, location: `/store/${folder}/${key}`}, mailbox, content: Buffer.from(`message ${key}\r\n`),
		flags: [], internalDate: new Date(0), dateSource: 'received-header', fingerprint: `sha256:${key}`, ...(messageId === undefined ? {} : {messageId}),
	};
}
