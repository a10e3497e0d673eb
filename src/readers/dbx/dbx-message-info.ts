/**
 * The message info record of an Outlook Express message file: what the store knows about one message apart
 * from its bytes.
 *
 * Attributes (Arne Schloh's DBX notes; undbx `_dbx_read_info`): 0x00 message index (OE's id for the message
 * in this folder, kept across compaction), 0x01 flags, 0x04 offset of the message data chain (absent or 0:
 * only the headers were downloaded, "marked for download" / IMAP headers-only / body deleted), 0x08 subject,
 * 0x12 receive time (FILETIME, when OE got the message).
 *
 * Flags: only 0x80 ("read") is mapped (\Seen); it is the one bit every description of the format agrees on
 * and the real OE6 corpus file confirms (its read welcome message carries 0x01000081). Other bits (attachment,
 * download state, watch/ignore) are not IMAP flags.
 */
import type {DbxFile} from './dbx-file.js';

export const OE_FLAG_READ = 0x80;

export type DbxMessageInfo = Readonly<{
	/** Offset of the info record itself (fallback identity). */
	recordOffset: number;
	messageIndex?: number;
	flags: ReadonlySet<string>;
	/** 0 when the message body is not in the file. */
	dataOffset: number;
	subject?: string;
	received?: Date;
}>;

/** Reads one info record. Throws DbxFormatError when it lies outside the file or is damaged. */
export async function readMessageInfo(file: DbxFile, recordOffset: number): Promise<DbxMessageInfo> {
	const attributes = await file.itemAttributes(recordOffset);
	const messageIndex = await file.readNumber(attributes.get(0x00));
	const rawFlags = (await file.readNumber(attributes.get(0x01))) ?? 0;
	const dataOffset = (await file.readNumber(attributes.get(0x04))) ?? 0;
	const subject = await file.readString(attributes.get(0x08));
	const received = await file.readFiletime(attributes.get(0x12));
	const flags = new Set<string>();
	if ((rawFlags & OE_FLAG_READ) !== 0) flags.add('\\Seen');
	return {
		recordOffset,
		flags,
		dataOffset,
		...(messageIndex === undefined ? {} : {messageIndex}),
		...(subject === undefined ? {} : {subject}),
		...(received === undefined ? {} : {received}),
	};
}
