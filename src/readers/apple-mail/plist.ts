/**
 * parsePlistDict: the tiny subset of Apple's XML property list format that an `.emlx` trailer uses
 * (Apple "PropertyList-1.0.dtd": `<plist><dict>` of `<key>` + `<integer>`/`<real>`/`<string>`/`<true/>`/
 * `<false/>`/`<date>`, with nested `<array>`/`<dict>` values skipped). Pure; never throws.
 *
 * Written here rather than taken from a dependency: the trailer is a flat dict of a few scalars, and the
 * project avoids new dependencies. Python's `plistlib` is the oracle in the tests.
 */

export type PlistValue = number | string | boolean;

/**
 * The top-level dict of `xml` as a map of scalar values (integers as numbers: the emlx `flags` field fits in
 * 2^53; strings with the five XML entities and numeric character references decoded). Undefined when `xml`
 * has no `<plist>` … `</plist>` with a top-level `<dict>`.
 */
export function parsePlistDict(xml: string): Map<string, PlistValue> | undefined {
	const start = xml.indexOf('<plist');
	const end = xml.lastIndexOf('</plist>');
	if (start < 0 || end < start) return undefined;
	const body = xml.slice(start, end);
	const open = body.indexOf('<dict>');
	if (open < 0) return undefined;
	const result = new Map<string, PlistValue>();
	const token = /<(\/?)(\w+)(\s*\/)?>/g;
	token.lastIndex = open + '<dict>'.length;
	let depth = 0;
	let key: string | undefined;
	for (let match = token.exec(body); match !== null; match = token.exec(body)) {
		const [, closing, name, selfClosing] = match;
		if (name === undefined) continue;
		if (closing === '/') {
			if (name === 'dict' || name === 'array') {
				if (depth === 0) return result; // end of the top-level dict
				depth -= 1;
			}
			continue;
		}
		if (selfClosing !== undefined) {
			if (depth === 0 && key !== undefined && (name === 'true' || name === 'false')) result.set(key, name === 'true');
			if (depth === 0) key = undefined;
			continue;
		}
		if (name === 'dict' || name === 'array') {
			depth += 1;
			if (depth === 1) key = undefined;
			continue;
		}
		const close = body.indexOf(`</${name}>`, token.lastIndex);
		if (close < 0) return result;
		const text = decodeEntities(body.slice(token.lastIndex, close));
		token.lastIndex = close + name.length + 3;
		if (depth !== 0) continue;
		if (name === 'key') {
			key = text;
			continue;
		}
		if (key === undefined) continue;
		if (name === 'integer' || name === 'real') {
			const value = Number(text.trim());
			if (!Number.isNaN(value)) result.set(key, value);
		} else if (name === 'string' || name === 'date') {
			result.set(key, text);
		}
		key = undefined;
	}
	return result;
}

function decodeEntities(text: string): string {
	return text.replace(/&(#x[0-9a-f]+|#\d+|lt|gt|amp|quot|apos);/gi, (_match, entity: string) => {
		const lower = entity.toLowerCase();
		if (lower.startsWith('#')) {
			const code = lower.startsWith('#x') ? Number.parseInt(lower.slice(2), 16) : Number.parseInt(lower.slice(1), 10);
			return code <= 0x10ffff ? String.fromCodePoint(code) : '\ufffd';
		}
		return ({lt: '<', gt: '>', amp: '&', quot: '"', apos: "'"} as Record<string, string>)[lower] ?? '';
	});
}
