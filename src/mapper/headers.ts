/**
 * Minimal, byte-safe reader of an RFC 5322 header block, for the few fields mailshift needs to decide
 * (Received, Date, Message-ID). It never changes the message: it only looks.
 *
 * Header bytes are decoded as latin1 so every byte maps to one char (8-bit headers are common in old
 * stores, RFC 6532 UTF-8 headers too); the fields we read are ASCII by spec. Folding (RFC 5322 §2.2.3)
 * is undone by removing CRLF/LF before WSP.
 */

/** Byte offset where the header block ends (index of the empty line), or the buffer length if none. */
export function headerEnd(raw: Buffer): number {
	let pos = 0;
	while (pos < raw.length) {
		const eol = raw.indexOf(0x0a, pos);
		if (eol < 0) return raw.length;
		const lineEnd = eol > pos && raw[eol - 1] === 0x0d ? eol - 1 : eol;
		if (lineEnd === pos) return pos; // empty line: end of header
		pos = eol + 1;
	}
	return raw.length;
}

export type HeaderField = Readonly<{name: string; value: string}>;

/** All header fields in order (names lower-cased, values unfolded and trimmed). Bounded to the first 1 MiB. */
export function parseHeaders(raw: Buffer): HeaderField[] {
	const end = Math.min(headerEnd(raw), 1024 * 1024);
	const text = raw.subarray(0, end).toString('latin1');
	const fields: HeaderField[] = [];
	let current: {name: string; value: string} | undefined;
	for (const line of text.split(/\r?\n/)) {
		if (/^[ \t]/.test(line)) {
			if (current) current.value += line; // continuation (folded)
			continue;
		}
		if (current) fields.push({name: current.name, value: current.value.trim()});
		current = undefined;
		const colon = line.indexOf(':');
		if (colon <= 0) continue; // not a field (e.g. a stray mbox "From " line): ignore
		const name = line.slice(0, colon).trim().toLowerCase();
		if (!/^[\x21-\x39\x3b-\x7e]+$/.test(name)) continue;
		current = {name, value: line.slice(colon + 1)};
	}
	if (current) fields.push({name: current.name, value: current.value.trim()});
	return fields;
}

/** The first field with that (lower-case) name. */
export function firstHeader(fields: readonly HeaderField[], name: string): string | undefined {
	return fields.find((f) => f.name === name)?.value;
}

/** Removes RFC 5322 §3.2.2 comments, nested ones included (each replaced by a space). Unbalanced '(' stays. */
export function stripComments(text: string): string {
	let out = text;
	for (let before = ''; before !== out;) {
		before = out;
		out = out.replace(/\([^()]*\)/g, ' ');
	}
	return out;
}

/**
 * The Message-ID without angle brackets and comments, or undefined when absent/empty (`<>` included).
 * The first `<id>` wins; an unbracketed value gives its first word (obsolete mailers).
 */
export function normalizeMessageId(value: string | undefined): string | undefined {
	if (!value) return undefined;
	const text = stripComments(value);
	const bracketed = /<\s*([^<>\s]+)\s*>/.exec(text);
	const id = bracketed?.[1] ?? text.replace(/[<>]/g, ' ').trim().split(/\s+/)[0] ?? '';
	return id.length > 0 ? id : undefined;
}
