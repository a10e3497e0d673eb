/**
 * Thunderbird / SeaMonkey `msgFilterRules.dat` (and the same-grammar `*.sfd` spam-filter definitions) → RuleSet.
 *
 * Grammar (comm-central mailnews/search/src/nsMsgFilterList.cpp LoadTextFilters / LoadValue, and
 * nsMsgFilter.cpp / nsMsgSearchTerm.cpp for actions and terms): a sequence of `attribute="value"` pairs,
 * separated by whitespace (one per line as written). Inside a value `\"` is a quote and `\\` a backslash; any
 * other backslash is kept as is; a value may span lines. `version` and `logging` come first; each `name`
 * starts a filter; `action` starts an action of the current filter and `actionValue` belongs to the action
 * before it. `condition` is `ALL` or a term list `AND (attr,op,value) OR (attr,op,value) …`, where an
 * arbitrary header is written quoted (`"X-Spam-Status"`), a value is quoted when it holds `)` or starts with
 * a space or a quote (quotes inside as `\"`), and extra parentheses group terms (Thunderbird 3+).
 *
 * Contract: pure; `parseThunderbirdFilters` never throws anything but a MailshiftError RULES_UNPARSEABLE
 * (disposition 'skip': this file's rules are left behind, the rest of a run continues) whose message names
 * the file and line. Unknown (alphabetic) attributes are ignored, as Thunderbird does. Bounded: files larger
 * than MAX_FILTER_FILE_BYTES are refused before parsing.
 */
import {readFile, stat} from 'node:fs/promises';
import {resolve} from 'node:path';

import {MailshiftError} from '../contracts/errors.js';
import type {FilterRule, RuleAction, RuleCondition, RuleSet} from './filter-rule.js';

/** A real filter file is a few KiB; anything near this is not one. */
export const MAX_FILTER_FILE_BYTES = 8 * 1024 * 1024;

const HINT = 'Open the filters in Thunderbird (Tools → Message Filters) and save them once so it rewrites the file, or remove the damaged lines; the other rules and the mail migration are not affected.';

const KNOWN_ATTRIBUTES = new Set(['version', 'logging', 'name', 'enabled', 'description', 'type', 'scriptname', 'action', 'actionvalue', 'condition', 'customid']);

class ParseFailure extends Error {
	constructor(readonly line: number, message: string) {
		super(message);
	}
}

type Pair = Readonly<{attribute: string; value: string; line: number}>;

/** Splits the text into attribute/value pairs (nsMsgFilterList::LoadAttrib + LoadValue). */
function* pairs(text: string): Generator<Pair> {
	let i = 0;
	let line = 1;
	const n = text.length;
	while (i < n) {
		const c = text[i] ?? '';
		if (c === '\n') { line++; i++; continue; }
		if (c === ' ' || c === '\t' || c === '\r' || c === '\b' || c === '\f') { i++; continue; }
		const start = i;
		while (i < n && /[A-Za-z]/.test(text[i] ?? '')) i++;
		const attribute = text.slice(start, i);
		if (attribute === '') throw new ParseFailure(line, `expected an attribute name (like name="…"), found ${JSON.stringify(text.slice(start, start + 12))}`);
		if (text[i] !== '=') throw new ParseFailure(line, `expected "=" after "${attribute}"`);
		i++;
		if (text[i] !== '"') throw new ParseFailure(line, `expected a quoted value after "${attribute}="`);
		i++;
		const valueLine = line;
		let value = '';
		let closed = false;
		while (i < n) {
			const ch = text[i] ?? '';
			if (ch === '"') { closed = true; i++; break; }
			if (ch === '\\' && (text[i + 1] === '"' || text[i + 1] === '\\')) { value += text[i + 1]; i += 2; continue; }
			if (ch === '\n') line++;
			value += ch;
			i++;
		}
		if (!closed) throw new ParseFailure(valueLine, `the value of "${attribute}" has no closing quote`);
		yield {attribute, value, line: valueLine};
	}
}

/** Parses a `condition` value (nsMsgFilter / nsMsgSearchTerm::DeStreamNew); throws ParseFailure. */
export function parseCondition(text: string, line: number): {matchAll: boolean; conditions: RuleCondition[]} {
	const trimmed = text.trim();
	if (/^ALL$/i.test(trimmed)) return {matchAll: true, conditions: []};
	const conditions: RuleCondition[] = [];
	let i = 0;
	const n = text.length;
	const skipSpace = (): void => { while (i < n && /\s/.test(text[i] ?? '')) i++; };
	const fail = (what: string): never => { throw new ParseFailure(line, `condition, character ${i + 1}: ${what}`); };
	skipSpace();
	if (i >= n) fail('the condition is empty');
	while (i < n) {
		const word = /^(AND|OR)\b/i.exec(text.slice(i, i + 4));
		if (!word?.[1]) fail(`expected AND or OR, found ${JSON.stringify(text.slice(i, i + 12))}`);
		const join = (word?.[1] ?? '').toLowerCase() === 'or' ? 'or' : 'and';
		i += (word?.[1] ?? '').length;
		skipSpace();
		let opens = 0;
		while (text[i] === '(') { opens++; i++; skipSpace(); }
		if (opens === 0) fail('expected "(" to start a search term');
		// Attribute: a quoted arbitrary header, or a name up to the comma.
		let attribute: string;
		let isHeader = false;
		if (text[i] === '"') {
			const end = text.indexOf('"', i + 1);
			if (end < 0) fail('a quoted header name has no closing quote');
			attribute = text.slice(i + 1, end);
			isHeader = true;
			i = end + 1;
			if (!/^[\x21-\x39\x3b-\x7e]+$/.test(attribute)) fail(`"${attribute}" is not a valid header name (RFC 5322 §3.6.8)`);
		} else {
			const end = text.indexOf(',', i);
			if (end < 0) fail('expected "," after the attribute');
			attribute = text.slice(i, end).trim().toLowerCase();
			i = end;
		}
		if (text[i] !== ',') fail('expected "," after the attribute');
		i++;
		const opEnd = text.indexOf(',', i);
		if (opEnd < 0) fail('expected "," after the operator');
		const operator = text.slice(i, opEnd).trim().toLowerCase();
		i = opEnd + 1;
		let value = '';
		if (text[i] === '"') {
			i++;
			let closed = false;
			while (i < n) {
				const ch = text[i] ?? '';
				if (ch === '\\' && text[i + 1] === '"') { value += '"'; i += 2; continue; }
				if (ch === '"') { closed = true; i++; break; }
				value += ch;
				i++;
			}
			if (!closed) fail('a quoted value has no closing quote');
			if (text[i] !== ')') fail('expected ")" after a quoted value');
		} else {
			const end = text.indexOf(')', i);
			if (end < 0) fail('expected ")" to end the search term');
			value = text.slice(i, end);
			i = end;
		}
		i++; // the term's own ')'
		let closes = 0;
		skipSpace();
		while (text[i] === ')') { closes++; i++; skipSpace(); }
		if (attribute === '') fail('the attribute is empty');
		if (operator === '') fail('the operator is empty');
		conditions.push({attribute, isHeader, operator, value, join, opensGroup: opens - 1, closesGroup: closes});
	}
	const depth = conditions.reduce((d, c) => d + c.opensGroup - c.closesGroup, 0);
	if (depth !== 0) throw new ParseFailure(line, 'condition: the grouping parentheses do not balance');
	return {matchAll: false, conditions};
}

type Draft = {name: string; enabled: boolean; type: number; matchAll: boolean; conditions: RuleCondition[]; actions: {type: string; value: string | undefined}[]; line: number; hasCondition: boolean};

/**
 * Parses the text of one filter file. `file` is only used in messages and the result.
 * @throws MailshiftError RULES_UNPARSEABLE naming `file:line`.
 */
export function parseThunderbirdFilters(text: string, file: string): RuleSet {
	let version: number | undefined;
	const rules: FilterRule[] = [];
	let current: Draft | undefined;
	const finish = (): void => {
		if (!current) return;
		rules.push({name: current.name, enabled: current.enabled, type: current.type, matchAll: current.matchAll, conditions: current.conditions, actions: current.actions.map((a): RuleAction => ({type: a.type, value: a.value})), line: current.line});
		current = undefined;
	};
	try {
		const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
		for (const {attribute, value, line} of pairs(body)) {
			const key = attribute.toLowerCase();
			if (!KNOWN_ATTRIBUTES.has(key)) continue;
			if (key === 'version') {
				if (!/^\d{1,4}$/.test(value)) throw new ParseFailure(line, `version "${value}" is not a number`);
				version = Number(value);
				continue;
			}
			if (key === 'logging') continue;
			if (key === 'name') {
				finish();
				current = {name: value, enabled: true, type: 17, matchAll: false, conditions: [], actions: [], line, hasCondition: false};
				continue;
			}
			if (!current) throw new ParseFailure(line, `"${attribute}" before the first name="…" (every filter starts with its name)`);
			switch (key) {
				case 'enabled':
					if (value !== 'yes' && value !== 'no') throw new ParseFailure(line, `enabled must be "yes" or "no", not "${value}"`);
					current.enabled = value === 'yes';
					break;
				case 'type':
					if (!/^\d{1,6}$/.test(value)) throw new ParseFailure(line, `type "${value}" is not a number`);
					current.type = Number(value);
					break;
				case 'action':
					current.actions.push({type: value, value: undefined});
					break;
				case 'actionvalue': {
					const last = current.actions.at(-1);
					if (!last) throw new ParseFailure(line, 'actionValue without an action before it');
					last.value = value;
					break;
				}
				case 'customid': {
					const last = current.actions.at(-1);
					if (last && last.type === 'Custom') last.value = value;
					break;
				}
				case 'condition': {
					if (current.hasCondition) throw new ParseFailure(line, `filter "${current.name}" has a second condition`);
					const parsed = parseCondition(value, line);
					current.matchAll = parsed.matchAll;
					current.conditions = parsed.conditions;
					current.hasCondition = true;
					break;
				}
				default: // description, scriptName: kept by Thunderbird, nothing to translate
					break;
			}
		}
		finish();
	} catch (error) {
		if (error instanceof ParseFailure) {
			throw new MailshiftError('RULES_UNPARSEABLE', `${file}:${error.line}: ${error.message}`, 'skip', {hint: HINT});
		}
		throw error;
	}
	for (const rule of rules) {
		if (!rule.matchAll && rule.conditions.length === 0) {
			throw new MailshiftError('RULES_UNPARSEABLE', `${file}:${rule.line}: filter "${rule.name}" has no condition`, 'skip', {hint: HINT});
		}
	}
	return {file, format: 'thunderbird', version, rules};
}

/**
 * Reads and parses a filter file from disk (UTF-8, as Thunderbird writes it).
 * @throws MailshiftError SOURCE_NOT_FOUND / SOURCE_UNREADABLE / RULES_UNPARSEABLE.
 */
export async function readThunderbirdFilters(path: string): Promise<RuleSet> {
	const file = resolve(path);
	let bytes: Buffer;
	try {
		const info = await stat(file);
		if (!info.isFile()) throw new MailshiftError('SOURCE_UNREADABLE', `${file} is not a file`, 'fatal', {hint: 'Name a msgFilterRules.dat file or a Thunderbird profile folder.'});
		if (info.size > MAX_FILTER_FILE_BYTES) {
			throw new MailshiftError('RULES_UNPARSEABLE', `${file}: ${info.size} bytes is too large for a filter file`, 'skip', {hint: HINT});
		}
		bytes = await readFile(file);
	} catch (error) {
		if (error instanceof MailshiftError) throw error;
		const code = (error as NodeJS.ErrnoException).code;
		if (code === 'ENOENT') throw new MailshiftError('SOURCE_NOT_FOUND', `${file} does not exist`, 'fatal', {cause: error, hint: 'Check the path.'});
		throw new MailshiftError('SOURCE_UNREADABLE', `${file} cannot be read (${code ?? 'error'})`, 'fatal', {cause: error, hint: 'Check the file permissions.'});
	}
	if (bytes.includes(0)) {
		throw new MailshiftError('RULES_UNPARSEABLE', `${file}:${lineOf(bytes, bytes.indexOf(0))}: NUL byte; this is not a text filter file`, 'skip', {hint: HINT});
	}
	return parseThunderbirdFilters(new TextDecoder('utf-8').decode(bytes), file);
}

function lineOf(bytes: Buffer, offset: number): number {
	let line = 1;
	for (let i = 0; i < offset; i++) if (bytes[i] === 0x0a) line++;
	return line;
}
