/**
 * Content fingerprint of an upload (ARCHITECTURE §7): `mid:<Message-ID>:<size>` when the message has a
 * Message-ID, else `sha256:<hex>` of the CRLF bytes. Used by reports now and by the journal/dedup later.
 */
import {createHash} from 'node:crypto';

export function fingerprint(content: Buffer, messageId: string | undefined): string {
	if (messageId) return `mid:${messageId}:${content.length}`;
	return `sha256:${createHash('sha256').update(content).digest('hex')}`;
}
