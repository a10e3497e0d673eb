/**
 * The Content-Type of an attachment: its PR_ATTACH_MIME_TAG when that is a valid `type/subtype` other than the
 * generic application/octet-stream, else a guess from the file name's extension (the common types Outlook users
 * attach), else the tag or application/octet-stream.
 * Pure.
 */

const BY_EXTENSION: ReadonlyMap<string, string> = new Map([
	['txt', 'text/plain'], ['htm', 'text/html'], ['html', 'text/html'], ['csv', 'text/csv'], ['xml', 'text/xml'],
	['ics', 'text/calendar'], ['vcf', 'text/vcard'], ['rtf', 'application/rtf'], ['pdf', 'application/pdf'],
	['zip', 'application/zip'], ['gz', 'application/gzip'], ['7z', 'application/x-7z-compressed'],
	['json', 'application/json'], ['eml', 'message/rfc822'], ['msg', 'application/vnd.ms-outlook'],
	['doc', 'application/msword'], ['dot', 'application/msword'], ['xls', 'application/vnd.ms-excel'],
	['ppt', 'application/vnd.ms-powerpoint'], ['pps', 'application/vnd.ms-powerpoint'],
	['docx', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'],
	['xlsx', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'],
	['pptx', 'application/vnd.openxmlformats-officedocument.presentationml.presentation'],
	['odt', 'application/vnd.oasis.opendocument.text'], ['ods', 'application/vnd.oasis.opendocument.spreadsheet'],
	['png', 'image/png'], ['jpg', 'image/jpeg'], ['jpeg', 'image/jpeg'], ['gif', 'image/gif'], ['bmp', 'image/bmp'],
	['tif', 'image/tiff'], ['tiff', 'image/tiff'], ['svg', 'image/svg+xml'], ['webp', 'image/webp'], ['ico', 'image/x-icon'],
	['wmf', 'image/wmf'], ['emf', 'image/emf'], ['mp3', 'audio/mpeg'], ['wav', 'audio/wav'], ['wma', 'audio/x-ms-wma'],
	['mp4', 'video/mp4'], ['avi', 'video/x-msvideo'], ['mov', 'video/quicktime'], ['wmv', 'video/x-ms-wmv'],
	['asc', 'application/pgp-signature'], ['p7m', 'application/pkcs7-mime'], ['p7s', 'application/pkcs7-signature'],
]);

const MEDIA_TYPE = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*$/;

export function contentTypeFor(mimeTag: string | undefined, filename: string): string {
	const tag = mimeTag?.trim().toLowerCase();
	const dot = filename.lastIndexOf('.');
	const guess = BY_EXTENSION.get(dot < 0 ? '' : filename.slice(dot + 1).toLowerCase());
	// Outlook often tags everything application/octet-stream; a known extension says more.
	if (tag !== undefined && MEDIA_TYPE.test(tag) && (tag !== 'application/octet-stream' || guess === undefined)) return tag;
	return guess ?? 'application/octet-stream';
}
