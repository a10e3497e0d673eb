/**
 * Builders for Apple Mail fixtures: `.emlx` files (byte-count line, message, plist trailer) and trees laid
 * out as `~/Library/Mail/V10` is.
 */

export type EmlxOptions = Readonly<{
	flags?: number;
	/** Seconds since 1970. */
	dateReceived?: number;
	/** Byte count written on the first line; default the message's length. */
	count?: number;
	/** Omit the plist trailer (a truncated file). */
	hasTrailer?: boolean;
}>;

/** An `.emlx` file holding `message`. */
export function emlx(message: string | Buffer, options: EmlxOptions = {}): Buffer {
	const bytes = Buffer.isBuffer(message) ? message : Buffer.from(message);
	const count = options.count ?? bytes.length;
	const entries: string[] = [];
	if (options.dateReceived !== undefined) entries.push('\t<key>date-received</key>', `\t<integer>${options.dateReceived}</integer>`);
	if (options.flags !== undefined) entries.push('\t<key>flags</key>', `\t<integer>${options.flags}</integer>`);
	entries.push('\t<key>remote-id</key>', '\t<string>a &amp; b</string>', '\t<key>nested</key>', '\t<dict><key>flags</key><integer>1</integer></dict>');
	const trailer = [
		'<?xml version="1.0" encoding="UTF-8"?>',
		'<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
		'<plist version="1.0">',
		'<dict>',
		...entries,
		'</dict>',
		'</plist>',
		'',
	].join('\n');
	return Buffer.concat([Buffer.from(`${String(count).padEnd(10)}\n`), bytes, options.hasTrailer === false ? Buffer.alloc(0) : Buffer.from(trailer)]);
}

/** A small RFC 5322 message with LF line ends. */
export function mailText(id: string, extra: readonly string[] = []): string {
	return [...extra, `Message-ID: <${id}@apple.test>`, `Subject: ${id}`, 'Date: Tue, 3 Mar 2009 10:00:00 +0100', '', `Body of ${id}.`, ''].join('\n');
}
