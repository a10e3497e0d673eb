/**
 * Line-ending normalization for APPEND: IMAP literals carry CRLF lines (RFC 3501 §2.2; Cyrus refuses
 * bare LF: "NO Message contains bare newlines", servers.md §0.2). Bare LF → CRLF; existing CRLF and every
 * other byte are kept. Returns the input Buffer itself when nothing needs changing (no copy).
 */
export function toCrlf(raw: Buffer): Buffer {
	let bare = 0;
	for (let i = raw.indexOf(0x0a); i >= 0; i = raw.indexOf(0x0a, i + 1)) {
		if (i === 0 || raw[i - 1] !== 0x0d) bare++;
	}
	if (bare === 0) return raw;
	const out = Buffer.allocUnsafe(raw.length + bare);
	let from = 0;
	let to = 0;
	for (let i = raw.indexOf(0x0a); i >= 0; i = raw.indexOf(0x0a, i + 1)) {
		if (i > 0 && raw[i - 1] === 0x0d) continue;
		to += raw.copy(out, to, from, i);
		out[to++] = 0x0d;
		out[to++] = 0x0a;
		from = i + 1;
	}
	raw.copy(out, to, from);
	return out;
}
