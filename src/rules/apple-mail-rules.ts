/**
 * Apple Mail rules (`~/Library/Mail/V*\/MailData/SyncedRules.plist`, and the older `MessageRules.plist`) →
 * RuleSet.
 *
 * Format: an XML property list (Apple "PropertyList-1.0.dtd") whose top level is an array of rule dicts:
 * `RuleName`, `RuleId`, `AllCriteriaMustBeSatisfied` (AND vs OR), `Criteria` (dicts of `Header`,
 * `Qualifier` — Contains, DoesNotContain, BeginsWith, EndsWith, IsEqualTo, IsNotEqualTo — and `Expression`;
 * `Header` is a field name (From, To, Cc, AnyRecipient, Subject, Body, AnyMessage), a pseudo field
 * (IsJunkMail, SenderIsInAddressBook, Account, AttachmentType, DateReceived, …) or any header name), and the
 * actions `ShouldTransferMessage` + `MailboxURL`, `ShouldCopyMessage` + `CopyToMailboxURL`, `MarkRead`,
 * `MarkFlagged`, `Deletes`, `StopEvaluatingRules`, `AppleScript`, `NotifyUser`, `SendNotification`,
 * `HighlightTextUsingColor`, `AutoResponseType`. Whether a rule is on: its `Active` key, else
 * `RulesActiveState.plist` beside the file (RuleId → boolean), else on. Binary plists (`bplist00`) are
 * refused with the command that converts them.
 *
 * Contract: pure parsing, bounded (size, nesting); throws only MailshiftError RULES_UNPARSEABLE /
 * SOURCE_* naming the file.
 */
import {existsSync} from 'node:fs';
import {readFile, stat} from 'node:fs/promises';
import {dirname, join, resolve} from 'node:path';

import {MailshiftError} from '../contracts/errors.js';
import type {FilterRule, RuleAction, RuleCondition, RuleSet} from './filter-rule.js';
import {FilterType} from './filter-rule.js';
import {folderPathUri} from './rule-target.js';

const MAX_BYTES = 16 * 1024 * 1024;
const MAX_DEPTH = 32;
const HINT = 'Open Mail → Settings → Rules once so Mail rewrites the file, or name a copy converted with `plutil -convert xml1 -o rules.plist SyncedRules.plist`; the mail migration is not affected.';

/** A property list value as parsed here (dicts as plain objects, `<data>` as Buffer, `<date>` as Date). */
export type Plist = string | number | boolean | Date | Buffer | Plist[] | {[key: string]: Plist};

class PlistFailure extends Error {}

const ENTITY: Readonly<Record<string, string>> = {amp: '&', lt: '<', gt: '>', quot: '"', apos: "'"};
const decodeText = (s: string): string => s.replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (all, e: string) => {
	if (!e.startsWith('#')) return ENTITY[e] ?? all;
	const code = e.startsWith('#x') || e.startsWith('#X') ? Number.parseInt(e.slice(2), 16) : Number.parseInt(e.slice(1), 10);
	return code <= 0x10ffff ? String.fromCodePoint(code) : all; // not a code point: kept as written
});

/** Parses an XML plist (the value inside `<plist>`). @throws PlistFailure */
export function parseXmlPlist(xml: string): Plist {
	const tokens = /<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<!DOCTYPE[^>]*>|<(\/?)([A-Za-z]+)[^>]*?(\/?)>|([^<]+)/g;
	type Tok = {close: boolean; name: string; empty: boolean} | {text: string};
	const list: Tok[] = [];
	for (let m = tokens.exec(xml); m !== null; m = tokens.exec(xml)) {
		if (m[2] !== undefined) list.push({close: m[1] === '/', name: m[2], empty: m[3] === '/'});
		else if (m[4] !== undefined && m[4].trim() !== '') list.push({text: m[4]});
	}
	let i = 0;
	const textUntil = (name: string): string => {
		let text = '';
		while (i < list.length) {
			const t = list[i++]!;
			if ('text' in t) text += t.text;
			else if (t.close && t.name === name) return decodeText(text);
			else throw new PlistFailure(`unexpected <${t.close ? '/' : ''}${t.name}> inside <${name}>`);
		}
		throw new PlistFailure(`<${name}> is not closed`);
	};
	const value = (depth: number): Plist => {
		if (depth > MAX_DEPTH) throw new PlistFailure(`values nest deeper than ${MAX_DEPTH} levels`);
		const t = list[i++];
		if (!t || 'text' in t || t.close) throw new PlistFailure('expected a value');
		switch (t.name) {
			case 'string': return t.empty ? '' : textUntil('string');
			case 'integer': case 'real': {
				const n = Number(textUntil(t.name).trim());
				if (!Number.isFinite(n)) throw new PlistFailure(`<${t.name}> is not a number`);
				return n;
			}
			case 'true': case 'false':
				if (!t.empty) textUntil(t.name);
				return t.name === 'true';
			case 'date': return new Date(textUntil('date').trim());
			case 'data': return Buffer.from(textUntil('data').replace(/\s+/g, ''), 'base64');
			case 'array': {
				const out: Plist[] = [];
				if (t.empty) return out;
				for (;;) {
					const next = list[i];
					if (next && !('text' in next) && next.close && next.name === 'array') { i++; return out; }
					if (!next) throw new PlistFailure('<array> is not closed');
					out.push(value(depth + 1));
				}
			}
			case 'dict': {
				const out: {[key: string]: Plist} = {};
				if (t.empty) return out;
				for (;;) {
					const next = list[i++];
					if (!next) throw new PlistFailure('<dict> is not closed');
					if (!('text' in next) && next.close && next.name === 'dict') return out;
					if ('text' in next || next.name !== 'key') throw new PlistFailure('expected <key> in <dict>');
					const key = textUntil('key');
					out[key] = value(depth + 1);
				}
			}
			default: throw new PlistFailure(`<${t.name}> is not a property list value`);
		}
	};
	const start = list.findIndex((t) => !('text' in t) && t.name === 'plist' && !t.close);
	if (start < 0) throw new PlistFailure('there is no <plist> element');
	i = start + 1;
	return value(0);
}

const isDict = (v: Plist | undefined): v is {[key: string]: Plist} => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date) && !Buffer.isBuffer(v);
const truthy = (v: Plist | undefined): boolean => v === true || v === 1 || (typeof v === 'string' && /^(1|yes|true)$/i.test(v));
const str = (v: Plist | undefined): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined);

const FIELDS: Readonly<Record<string, string>> = {from: 'from', to: 'to', cc: 'cc', anyrecipient: 'to or cc', subject: 'subject', body: 'body'};
const QUALIFIERS: Readonly<Record<string, string>> = {contains: 'contains', doesnotcontain: "doesn't contain", beginswith: 'begins with', endswith: 'ends with', isequalto: 'is', isnotequalto: "isn't"};
const PSEUDO: Readonly<Record<string, string>> = {
	isjunkmail: "Mail's own junk classifier does not run on the server",
	senderisinaddressbook: 'your contacts are on this Mac; the server cannot see them',
	senderisnotinaddressbook: 'your contacts are on this Mac; the server cannot see them',
	senderisvip: 'VIPs are marked in Mail on this Mac',
	senderismemberofgroup: 'your contact groups are on this Mac',
	senderisnotmemberofgroup: 'your contact groups are on this Mac',
	senderisinrecents: 'recent addresses are kept on this Mac',
	senderisnotinrecents: 'recent addresses are kept on this Mac',
	account: 'after the move the rule runs for this one mailbox; Mail chose by account',
	attachmenttype: 'Sieve (with the extensions used here) cannot test attachment types',
	datesent: 'Mail compares dates in days relative to now, which a delivery-time rule cannot do the same way',
	datereceived: 'Mail compares dates in days relative to now, which a delivery-time rule cannot do the same way',
	datelastviewed: 'the last viewed date exists only in Mail',
	priority: 'Mail\'s priority test has no exact server equivalent',
	fullname: 'Mail matches your own full name from this Mac',
	isencrypted: 'encryption status is evaluated by Mail',
	issigned: 'signature status is evaluated by Mail',
};

/** An Apple Mail mailbox URL (imap://ACCOUNT/INBOX/Receipts, local:///Archive.mbox) → the folder's path. */
function mailboxPath(url: string): string[] | undefined {
	const m = /^[a-z][a-z0-9+.-]*:\/\/[^/]*\/(.+)$/i.exec(url.trim());
	if (!m?.[1]) return undefined;
	try {
		const path = m[1].replace(/\/+$/, '').split('/').map((s) => decodeURIComponent(s).replace(/\.mbox$/i, ''));
		return path.some((s) => s === '') ? undefined : path;
	} catch {
		return undefined;
	}
}

function criterion(c: {[key: string]: Plist}, join: 'and' | 'or'): RuleCondition | 'every message' {
	const header = str(c['Header']) ?? '';
	const qualifier = (str(c['Qualifier']) ?? '').toLowerCase();
	const value = str(c['Expression']) ?? '';
	const key = header.toLowerCase();
	const base = {join, opensGroup: 0, closesGroup: 0, value};
	if (key === 'anymessage') return 'every message';
	const pseudo = PSEUDO[key];
	if (pseudo !== undefined) return {...base, attribute: header, isHeader: false, operator: qualifier || 'is', unsupported: `"${header}": ${pseudo}`};
	const operator = QUALIFIERS[qualifier];
	if (operator === undefined) return {...base, attribute: header, isHeader: false, operator: qualifier, unsupported: `"${header} ${qualifier}" has no server equivalent mailshift knows`};
	const field = FIELDS[key];
	if (field !== undefined) return {...base, attribute: field, isHeader: false, operator};
	if (!/^[\x21-\x39\x3b-\x7e]+$/.test(header)) return {...base, attribute: header, isHeader: false, operator, unsupported: `"${header}" is not a header name`};
	return {...base, attribute: header, isHeader: true, operator};
}

function actionsOf(r: {[key: string]: Plist}): RuleAction[] {
	const actions: RuleAction[] = [];
	const folder = (flag: string, urlKey: string, type: string): void => {
		if (!truthy(r[flag])) return;
		const url = str(r[urlKey]);
		const path = url === undefined ? undefined : mailboxPath(url);
		if (path) actions.push({type, value: folderPathUri(path)});
		else actions.push({type: 'Client only', value: `"${type}" left out: the mailbox "${url ?? ''}" is not one mailshift can place (it may be kept in UnsyncedRules.plist)`});
	};
	if (truthy(r['MarkRead'])) actions.push({type: 'Mark read', value: undefined});
	if (truthy(r['MarkFlagged'])) actions.push({type: 'Mark flagged', value: undefined});
	folder('ShouldCopyMessage', 'CopyToMailboxURL', 'Copy to folder');
	folder('ShouldTransferMessage', 'MailboxURL', 'Move to folder');
	if (truthy(r['Deletes'])) actions.push({type: 'Delete', value: undefined});
	if (str(r['AppleScript'])) actions.push({type: 'Client only', value: `"run AppleScript ${str(r['AppleScript'])}" left out: it runs on this Mac`});
	if (truthy(r['NotifyUser']) || truthy(r['SendNotification'])) actions.push({type: 'Client only', value: '"send notification" left out: it happens on this Mac'});
	if (str(r['SoundName'])) actions.push({type: 'Client only', value: '"play sound" left out: it happens on this Mac'});
	if (truthy(r['HighlightTextUsingColor'])) actions.push({type: 'Client only', value: '"set colour" left out: colours are Mail\'s own'});
	const response = r['AutoResponseType'];
	if (typeof response === 'number' && response !== 0) actions.push({type: 'Client only', value: '"forward/redirect/reply" left out: mailshift does not read Apple Mail\'s response settings'});
	if (truthy(r['StopEvaluatingRules'])) actions.push({type: 'Stop execution', value: undefined});
	return actions;
}

/** Parses the text of a rules plist. `activeState`: RulesActiveState.plist (RuleId → on). @throws RULES_UNPARSEABLE */
export function parseAppleMailRules(xml: string, file: string, activeState?: {[key: string]: Plist}): RuleSet {
	let root: Plist;
	try {
		root = parseXmlPlist(xml);
	} catch (error) {
		if (error instanceof PlistFailure) throw new MailshiftError('RULES_UNPARSEABLE', `${file}: ${error.message}`, 'skip', {hint: HINT});
		throw error;
	}
	if (!Array.isArray(root)) throw new MailshiftError('RULES_UNPARSEABLE', `${file}: the property list is not an array of rules`, 'skip', {hint: HINT});
	const rules: FilterRule[] = root.map((entry, index): FilterRule => {
		const line = index + 1;
		if (!isDict(entry)) return {name: `(rule ${line})`, enabled: true, type: FilterType.InboxRule, matchAll: false, conditions: [], actions: [], line, problem: 'the entry is not a rule (not a dict)'};
		const name = str(entry['RuleName']) ?? `(unnamed rule ${line})`;
		const id = str(entry['RuleId']);
		const active = entry['Active'] !== undefined ? truthy(entry['Active']) : id !== undefined && activeState?.[id] !== undefined ? truthy(activeState[id]) : true;
		const join = truthy(entry['AllCriteriaMustBeSatisfied']) ? 'and' : 'or';
		const list = Array.isArray(entry['Criteria']) ? entry['Criteria'] : [];
		const parsed = list.filter(isDict).map((c) => criterion(c, join));
		const everyMessage = parsed.includes('every message');
		const conditions = parsed.filter((c): c is RuleCondition => c !== 'every message').map((c, i) => (i === 0 ? {...c, join: 'and' as const} : c));
		const base = {name, enabled: active, type: FilterType.InboxRule, actions: actionsOf(entry), line};
		if (everyMessage && (join === 'or' || conditions.length === 0)) return {...base, matchAll: true, conditions: []};
		if (conditions.length === 0) return {...base, matchAll: false, conditions: [], problem: 'the rule has no conditions mailshift can read'};
		return {...base, matchAll: false, conditions};
	});
	return {file, format: 'apple-mail', version: undefined, rules};
}

async function readBounded(file: string): Promise<Buffer> {
	try {
		const info = await stat(file);
		if (!info.isFile()) throw new MailshiftError('SOURCE_UNREADABLE', `${file} is not a file`, 'fatal', {hint: 'Name SyncedRules.plist (in ~/Library/Mail/V10/MailData).'});
		if (info.size > MAX_BYTES) throw new MailshiftError('RULES_UNPARSEABLE', `${file}: ${info.size} bytes is too large for a rules file`, 'skip', {hint: HINT});
		return await readFile(file);
	} catch (error) {
		if (error instanceof MailshiftError) throw error;
		const code = (error as NodeJS.ErrnoException).code;
		if (code === 'ENOENT') throw new MailshiftError('SOURCE_NOT_FOUND', `${file} does not exist`, 'fatal', {cause: error, hint: 'Check the path.'});
		throw new MailshiftError('SOURCE_UNREADABLE', `${file} cannot be read (${code ?? 'error'})`, 'fatal', {cause: error, hint: 'Check the file permissions.'});
	}
}

/** Reads SyncedRules.plist (and RulesActiveState.plist beside it). @throws SOURCE_* / RULES_UNPARSEABLE */
export async function readAppleMailRules(path: string): Promise<RuleSet> {
	const file = resolve(path);
	const bytes = await readBounded(file);
	if (bytes.subarray(0, 6).toString('latin1') === 'bplist') {
		throw new MailshiftError('RULES_UNPARSEABLE', `${file} is a binary property list`, 'skip', {hint: `Convert a copy first: plutil -convert xml1 -o ~/rules.plist "${file}", then name ~/rules.plist.`});
	}
	let activeState: {[key: string]: Plist} | undefined;
	const statePath = join(dirname(file), 'RulesActiveState.plist');
	if (existsSync(statePath)) {
		try {
			const state = parseXmlPlist((await readBounded(statePath)).toString('utf8'));
			if (isDict(state)) activeState = state;
		} catch {
			// an unreadable state file: every rule counts as on (and is listed as such)
		}
	}
	return parseAppleMailRules(bytes.toString('utf8'), file, activeState);
}
