/**
 * parseXml: the XML subset Outlook for Mac writes into `.olm` archives (XML 1.0 §2–4): elements with
 * attributes, character data, the five predefined entities and numeric character references, CDATA sections,
 * comments, processing instructions and a DOCTYPE (skipped; no DTD entities are expanded, so no "billion
 * laughs"). Names are reduced to their local part (older Outlook writes a namespace prefix). One entry at a
 * time is parsed (each is bounded in size by the caller); nesting is bounded by `MAX_DEPTH`.
 *
 * Throws `XmlSyntaxError` (with the character offset) for malformed input; pure otherwise.
 */

export type XmlElement = {
	readonly name: string;
	readonly attributes: Readonly<Record<string, string>>;
	readonly children: XmlElement[];
	/** Character data directly inside this element (entities decoded, CDATA included), concatenated. */
	text: string;
};

export class XmlSyntaxError extends Error {
	override readonly name = 'XmlSyntaxError';
}

const MAX_DEPTH = 256;
const NAME = /[A-Za-z_:][-\w.:\u00b7\u00c0-\uffff]*/y;
const ATTRIBUTE = /\s*([A-Za-z_:][-\w.:\u00b7\u00c0-\uffff]*)\s*=\s*("([^"]*)"|'([^']*)')/y;

/** Parses one document and returns its root element. */
export function parseXml(text: string): XmlElement {
	let at = text.charCodeAt(0) === 0xfeff ? 1 : 0;
	const stack: XmlElement[] = [];
	let root: XmlElement | undefined;
	const fail = (reason: string): never => {
		throw new XmlSyntaxError(`${reason} at character ${at}`);
	};
	while (at < text.length) {
		const lt = text.indexOf('<', at);
		const top = stack[stack.length - 1];
		const chars = text.slice(at, lt < 0 ? text.length : lt);
		if (chars !== '') {
			if (top !== undefined) top.text += decodeEntities(chars);
			else if (chars.trim() !== '') fail('text outside the root element');
		}
		if (lt < 0) break;
		at = lt;
		if (text.startsWith('<!--', at)) {
			at = skipTo(text, '-->', at, fail);
		} else if (text.startsWith('<![CDATA[', at)) {
			const end = text.indexOf(']]>', at + 9);
			if (end < 0) fail('unterminated CDATA section');
			if (top === undefined) fail('CDATA outside the root element');
			top!.text += text.slice(at + 9, end);
			at = end + 3;
		} else if (text.startsWith('<?', at)) {
			at = skipTo(text, '?>', at, fail);
		} else if (text.startsWith('<!', at)) {
			at = skipDoctype(text, at, fail);
		} else if (text.startsWith('</', at)) {
			NAME.lastIndex = at + 2;
			const name = NAME.exec(text)?.[0] ?? fail('bad end tag');
			const close = text.indexOf('>', NAME.lastIndex);
			if (close < 0 || text.slice(NAME.lastIndex, close).trim() !== '') fail('bad end tag');
			const open = stack.pop();
			if (open?.name !== localName(name)) fail(`end tag </${name}> does not match <${open?.name ?? 'nothing'}>`);
			at = close + 1;
		} else {
			NAME.lastIndex = at + 1;
			const name = NAME.exec(text)?.[0] ?? fail('bad start tag');
			at = NAME.lastIndex;
			const attributes: Record<string, string> = {};
			for (;;) {
				ATTRIBUTE.lastIndex = at;
				const match = ATTRIBUTE.exec(text);
				if (match === null) break;
				attributes[localName(match[1]!)] = decodeEntities(match[3] ?? match[4] ?? '');
				at = ATTRIBUTE.lastIndex;
			}
			while (/\s/.test(text[at] ?? '')) at++;
			const selfClosing = text.startsWith('/>', at);
			if (!selfClosing && text[at] !== '>') fail(`bad attribute in <${name}>`);
			at += selfClosing ? 2 : 1;
			const element: XmlElement = {name: localName(name), attributes, children: [], text: ''};
			if (top !== undefined) top.children.push(element);
			else if (root === undefined) root = element;
			else fail('a second root element');
			if (!selfClosing) {
				if (stack.length >= MAX_DEPTH) fail(`elements nested deeper than ${MAX_DEPTH}`);
				stack.push(element);
			}
		}
	}
	if (stack.length > 0) fail(`<${stack[stack.length - 1]!.name}> is not closed (the document is cut)`);
	return root ?? fail('no root element');
}

/** The first child element named `name`, if any. */
export function child(element: XmlElement, name: string): XmlElement | undefined {
	return element.children.find((c) => c.name === name);
}

function localName(name: string): string {
	const colon = name.indexOf(':');
	return colon < 0 || name.startsWith('xml') ? name : name.slice(colon + 1);
}

function skipTo(text: string, terminator: string, at: number, fail: (reason: string) => never): number {
	const end = text.indexOf(terminator, at);
	if (end < 0) fail(`unterminated "${text.slice(at, at + 4)}"`);
	return end + terminator.length;
}

/** Skips `<!DOCTYPE …>` including an internal subset in brackets. */
function skipDoctype(text: string, at: number, fail: (reason: string) => never): number {
	let depth = 0;
	for (let i = at; i < text.length; i++) {
		const c = text[i];
		if (c === '[') depth++;
		else if (c === ']') depth--;
		else if (c === '>' && depth <= 0) return i + 1;
	}
	return fail('unterminated declaration');
}

const NAMED: Readonly<Record<string, string>> = {lt: '<', gt: '>', amp: '&', quot: '"', apos: "'"};

/** XML 1.0 §4.6 predefined entities and §4.1 character references; unknown references are kept as text. */
export function decodeEntities(text: string): string {
	if (!text.includes('&')) return text;
	return text.replace(/&(#x[0-9A-Fa-f]+|#[0-9]+|[A-Za-z]+);/g, (whole, ref: string) => {
		if (ref.startsWith('#')) {
			const code = ref[1] === 'x' ? Number.parseInt(ref.slice(2), 16) : Number.parseInt(ref.slice(1), 10);
			return code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff) ? String.fromCodePoint(code) : whole;
		}
		return NAMED[ref] ?? whole;
	});
}
