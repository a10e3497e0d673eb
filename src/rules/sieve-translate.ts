/**
 * RuleSet → one Sieve script (RFC 5228) plus a plan that says, rule by rule, what was carried and why not.
 *
 * Extensions used, each only when the server offers it (`extensions`, from the ManageSieve SIEVE capability):
 * fileinto (RFC 5228 §4.1), mailbox `:create` (RFC 5490), copy `:copy` (RFC 3894) for "Copy to folder" and
 * forwarding, imap4flags (RFC 5232) for read / flagged / tags, body (RFC 5173), relational (RFC 5231) with
 * comparator-i;ascii-numeric (RFC 4790) for priority, date (RFC 5260) for date conditions. `discard` only
 * with `allowDiscard`, `redirect` only with `allowRedirect`; `reject` never.
 *
 * Semantics kept from Thunderbird (nsMsgFilter::GetSortedActionList, nsParseNewMailState::ApplyFilterHit):
 * within a rule, flag/tag actions come first, then copies, then the move (or delete), then stop; a moved or
 * deleted message is not seen by later filters, so a move is followed by `stop`. Flags set with `addflag`
 * accumulate over the matching rules and apply to the following fileinto/keep (RFC 5232 §3), as Thunderbird's
 * flag actions accumulate over its matching filters.
 * Thunderbird compares case-insensitively; Sieve's default comparator i;ascii-casemap does the same for ASCII.
 *
 * Partial translations: a condition the server cannot evaluate makes an all-of rule not carried (dropping it
 * would widen the rule and sort mail it never sorted); in a plain any-of rule it is dropped and the rule is
 * "partly" carried (it sorts less than before). An action that cannot be carried is dropped with a reason;
 * if no action remains the rule is not carried. Pure; never throws for rule content.
 */
import type {FilterRule, RuleCondition, RuleSet} from './filter-rule.js';
import {FilterType} from './filter-rule.js';
import type {TargetResolver} from './rule-target.js';

/** First line of every script mailshift writes; how a later run recognises its own script. */
export const SCRIPT_MARKER = '# mailshift-rules v1';

/** Every extension the translator can use. */
export const ALL_EXTENSIONS: ReadonlySet<string> = new Set(['fileinto', 'mailbox', 'copy', 'imap4flags', 'body', 'relational', 'comparator-i;ascii-numeric', 'date', 'mime']);

export type TranslateOptions = Readonly<{
	/** Folder URIs → server mailboxes (rule-target.ts). */
	targets: TargetResolver;
	/** The server's Sieve extensions (lower-case). @default ALL_EXTENSIONS */
	extensions?: ReadonlySet<string>;
	/** Translate Thunderbird "Delete" into `discard` instead of filing into Trash. @default false */
	allowDiscard?: boolean;
	/** Carry "Forward" as `redirect :copy` (mail leaves the mailbox owner's hands). @default false */
	allowRedirect?: boolean;
	/** The mailbox owner's own addresses, for Outlook's "my name is in the To box" family. @default [] */
	me?: readonly string[];
}>;

export type RuleStatus = 'carried' | 'partly' | 'not-carried';

export type RulePlan = Readonly<{
	name: string;
	/** Line of the rule in its file. */
	line: number;
	status: RuleStatus;
	/** Why something was not carried (empty when fully carried). */
	reasons: readonly string[];
	/** Informational notes (folder mapping, approximations). */
	notes: readonly string[];
	/** The Sieve block for this rule ('' when not carried). */
	sieve: string;
}>;

export type Translation = Readonly<{script: string; plan: readonly RulePlan[]; requires: readonly string[]}>;

/** Sieve quoted-string (RFC 5228 §2.4.2): backslash and quote escaped. NUL cannot be written at all. */
export function sieveString(value: string): string {
	return `"${value.replace(/\0/g, '').replace(/[\\"]/g, '\\$&')}"`;
}

/** A literal for `:matches` (RFC 5228 §2.7.1): `*`, `?` and `\` escaped so they match themselves. */
function matchLiteral(value: string): string {
	return value.replace(/[\\*?]/g, '\\$&');
}

type Node = {kind: 'term'; term: RuleCondition} | {kind: 'allof' | 'anyof'; children: Node[]};
type Compiled = {ok: string} | {unsupported: string};

const ADDRESS_HEADERS: Readonly<Record<string, readonly string[]>> = {
	from: ['from'],
	'from in ab': ['from'],
	to: ['to'],
	cc: ['cc'],
	'to or cc': ['to', 'cc'],
	'all addresses': ['from', 'to', 'cc', 'bcc'],
};

/** Headers searched for Outlook's "with words in the message header" (see compileTerm). */
const SEARCHED_HEADERS: readonly string[] = ['from', 'sender', 'reply-to', 'to', 'cc', 'subject', 'list-id', 'return-path', 'received', 'x-mailer', 'user-agent', 'x-spam-flag', 'x-spam-status', 'x-original-to', 'delivered-to'];

const PRIORITY: Readonly<Record<string, number>> = {highest: 1, high: 2, normal: 3, low: 4, lowest: 5};
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

const CLIENT_ONLY: Readonly<Record<string, string>> = {
	status: 'the read/replied/new status is the state in Thunderbird; new mail on the server has none of it',
	tag: 'tags are added in Thunderbird; new mail on the server has none',
	'age in days': 'the age is measured when Thunderbird runs the filter, not at delivery',
	'junk status': "Thunderbird's own junk classifier does not run on the server",
	'junk percent': "Thunderbird's own junk classifier does not run on the server",
	'junk score origin': "Thunderbird's own junk classifier does not run on the server",
	'has attachment status': 'Sieve (with the extensions used here) cannot look for attachments',
};

/** Turns the condition list into a tree: left-to-right AND/OR inside each parenthesised group. */
function buildTree(terms: readonly RuleCondition[]): Node {
	type Token = {t: 'join'; or: boolean} | {t: 'open'} | {t: 'close'} | {t: 'term'; term: RuleCondition};
	const tokens: Token[] = [];
	for (const term of terms) {
		tokens.push({t: 'join', or: term.join === 'or'});
		for (let k = 0; k < term.opensGroup; k++) tokens.push({t: 'open'});
		tokens.push({t: 'term', term});
		for (let k = 0; k < term.closesGroup; k++) tokens.push({t: 'close'});
	}
	let i = 0;
	const combine = (left: Node, or: boolean, right: Node): Node => {
		const kind = or ? 'anyof' : 'allof';
		if (left.kind === kind) return {kind, children: [...left.children, right]};
		return {kind, children: [left, right]};
	};
	const operand = (): Node => {
		const token = tokens[i++];
		if (token?.t === 'open') {
			const inner = sequence(true);
			i++; // the close (balance was checked by the parser)
			return inner;
		}
		if (token?.t === 'term') return {kind: 'term', term: token.term};
		return {kind: 'allof', children: []};
	};
	const sequence = (noLeadingJoin: boolean): Node => {
		let node: Node | undefined;
		let first = true;
		while (i < tokens.length && tokens[i]?.t !== 'close') {
			let or = false;
			if (!(first && noLeadingJoin)) {
				const join = tokens[i++];
				or = join?.t === 'join' && join.or;
			}
			const right = operand();
			node = node === undefined ? right : combine(node, or, right);
			first = false;
		}
		return node ?? {kind: 'allof', children: []};
	};
	return sequence(false);
}

type Ctx = {requires: Set<string>; notes: string[]; has: (ext: string) => boolean; me: readonly string[]; narrowed: string[]};

function stringTest(kind: 'header' | 'address' | 'body', names: readonly string[], op: string, value: string, ctx: Ctx): Compiled {
	const subject = kind === 'body' ? 'body :text' : kind === 'address' ? 'address :all' : 'header';
	const list = names.length === 1 ? sieveString(names[0] ?? '') : `[${names.map(sieveString).join(', ')}]`;
	const target = kind === 'body' ? '' : ` ${list}`;
	if (kind === 'body') {
		if (!ctx.has('body')) return {unsupported: 'the server does not offer the Sieve "body" extension (RFC 5173)'};
		ctx.requires.add('body');
	}
	switch (op) {
		case 'contains': return {ok: `${subject} :contains${target} ${sieveString(value)}`};
		case "doesn't contain": return {ok: `not ${subject} :contains${target} ${sieveString(value)}`};
		case 'is': return {ok: `${subject} :is${target} ${sieveString(value)}`};
		case "isn't": return {ok: `not ${subject} :is${target} ${sieveString(value)}`};
		case 'begins with': return {ok: `${subject} :matches${target} ${sieveString(matchLiteral(value) + '*')}`};
		case 'ends with': return {ok: `${subject} :matches${target} ${sieveString('*' + matchLiteral(value))}`};
		case 'is empty':
			if (kind === 'body') return {unsupported: '"body is empty" has no Sieve test'};
			return {ok: `not header :matches${target} "?*"`};
		case "isn't empty":
			if (kind === 'body') return {unsupported: '"body isn\'t empty" has no Sieve test'};
			return {ok: `header :matches${target} "?*"`};
		default: return {unsupported: `the operator "${op}" has no Sieve equivalent here`};
	}
}

const IMPORTANCE: Readonly<Record<string, string>> = {
	high: 'anyof (header :is "importance" "high", header :matches "x-priority" ["1*", "2*"])',
	low: 'anyof (header :is "importance" "low", header :matches "x-priority" ["4*", "5*"])',
};
/**
 * Outlook's own condition words (outlook-rules.ts), or undefined for the shared vocabulary. Importance and
 * sensitivity are read from the headers Outlook maps them from (Importance / X-Priority, RFC 2156
 * Sensitivity); "has an attachment" looks for a named MIME part (RFC 5703 "mime"); "my name is in the To
 * box" compares with the owner's addresses (`me`) because Sieve has no "this is me" test.
 */
function compileOutlookTerm(term: RuleCondition, ctx: Ctx): Compiled | undefined {
	const {attribute, operator: op, value} = term;
	const negate = (test: string): string => (op === "isn't" ? `not ${test}` : test);
	if (op !== 'is' && op !== "isn't") return undefined;
	switch (attribute) {
		case 'importance': {
			const level = value.toLowerCase();
			const test = level === 'normal' ? `not anyof (${IMPORTANCE['high']}, ${IMPORTANCE['low']})` : IMPORTANCE[level];
			if (test === undefined) return {unsupported: `importance "${value}" is not one Outlook writes`};
			ctx.notes.push('importance is read from the Importance and X-Priority headers');
			return {ok: negate(test)};
		}
		case 'sensitivity': {
			const level = value.toLowerCase();
			if (!/^(normal|personal|private|company-confidential)$/.test(level)) return {unsupported: `sensitivity "${value}" is not one Outlook writes`};
			return {ok: negate(level === 'normal' ? 'not header :matches "sensitivity" "?*"' : `header :is "sensitivity" ${sieveString(level)}`)};
		}
		case 'has attachment': {
			if (ctx.has('mime')) {
				ctx.requires.add('mime');
				return {ok: negate('anyof (header :mime :anychild :param "filename" :matches "content-disposition" "?*", header :mime :anychild :param "name" :matches "content-type" "?*")')};
			}
			ctx.notes.push('"has an attachment" is approximated as "is multipart/mixed" (the server does not offer the Sieve "mime" extension)');
			return {ok: negate('header :matches "content-type" "multipart/mixed*"')};
		}
		case 'my name in to': case 'my name in cc': case 'my name in to or cc': case 'only to me': {
			if (ctx.me.length === 0) return {unsupported: `"${attribute}" needs your own e-mail address, which the rules do not store (log in with your address as the user name)`};
			const me = ctx.me.length === 1 ? sieveString(ctx.me[0] ?? '') : `[${ctx.me.map(sieveString).join(', ')}]`;
			let test: string;
			if (attribute === 'my name in to') test = `address :all :is "to" ${me}`;
			else if (attribute === 'my name in cc') test = `allof (address :all :is "cc" ${me}, not address :all :is "to" ${me})`;
			else if (attribute === 'my name in to or cc') test = `address :all :is ["to", "cc"] ${me}`;
			else {
				if (!ctx.has('relational') || !ctx.has('comparator-i;ascii-numeric')) return {unsupported: '"sent only to me" needs the Sieve "relational" extension with the i;ascii-numeric comparator'};
				ctx.requires.add('relational').add('comparator-i;ascii-numeric');
				test = `allof (address :all :is "to" ${me}, address :count "eq" :comparator "i;ascii-numeric" "to" "1", not exists "cc")`;
			}
			ctx.notes.push(`"me" is ${ctx.me.join(', ')}`);
			return {ok: negate(test)};
		}
		default:
			return undefined;
	}
}

function compileTerm(term: RuleCondition, ctx: Ctx): Compiled {
	const {attribute, operator: op, value} = term;
	if (term.unsupported !== undefined) return {unsupported: term.unsupported};
	const outlook = compileOutlookTerm(term, ctx);
	if (outlook) return outlook;
	if (op === 'is in ab' || op === "isn't in ab") {
		return {unsupported: `"${attribute} ${op === 'is in ab' ? 'is' : "isn't"} in my address book": the address book is on this computer, the server cannot see it`};
	}
	if (term.isHeader) return stringTest('header', [attribute.toLowerCase()], op, value, ctx);
	if (attribute === 'header words') {
		// Outlook searched the whole header block; Sieve can only name headers, so the common ones are searched.
		// That narrows a positive test; a negated one ("except if the header contains") would widen the rule.
		if (op !== 'contains') return {unsupported: `"${op} ${value}" in the message header: Sieve cannot search the whole header, and searching fewer headers would widen the rule`};
		ctx.narrowed.push(`"${value}" in the message header is looked for in ${SEARCHED_HEADERS.length} common headers only, not the whole header`);
		return stringTest('header', SEARCHED_HEADERS, op, value, ctx);
	}
	const addresses = ADDRESS_HEADERS[attribute];
	if (addresses) {
		// Thunderbird matches is/begins/ends per address (name or e-mail); `address :all` tests the e-mail.
		if (op === 'is' || op === "isn't" || op === 'begins with' || op === 'ends with') {
			if (!value.includes('@')) ctx.notes.push(`"${attribute} ${op} ${value}" is compared with the e-mail addresses only; Thunderbird also compared display names`);
			return stringTest('address', addresses, op, value, ctx);
		}
		return stringTest('header', addresses, op, value, ctx);
	}
	if (attribute === 'subject') return stringTest('header', ['subject'], op, value, ctx);
	if (attribute === 'body') return stringTest('body', [], op, value, ctx);
	if (attribute === 'size') {
		// Thunderbird stores the size in KB (nsMsgSearchTerm MatchSize compares kilobytes).
		if (!/^\d{1,9}$/.test(value)) return {unsupported: `size "${value}" is not a number`};
		if (op === 'is greater than') return {ok: `size :over ${value}K`};
		if (op === 'is less than') return {ok: `size :under ${value}K`};
		return {unsupported: `"size ${op}" has no Sieve equivalent (only over/under)`};
	}
	if (attribute === 'priority') {
		const p = PRIORITY[value.toLowerCase()];
		if (p === undefined) return {unsupported: `priority "${value}" is not one Thunderbird writes`};
		ctx.notes.push('priority is read from the X-Priority header; Thunderbird also counts messages without it as Normal');
		if (op === 'is') return {ok: `header :matches "x-priority" "${p}*"`};
		if (op === "isn't") return {ok: `not header :matches "x-priority" "${p}*"`};
		if (!ctx.has('relational') || !ctx.has('comparator-i;ascii-numeric')) return {unsupported: 'the server does not offer the Sieve "relational" extension with the i;ascii-numeric comparator'};
		ctx.requires.add('relational').add('comparator-i;ascii-numeric');
		// Higher priority = smaller X-Priority number.
		if (op === 'is higher than') return {ok: `header :value "lt" :comparator "i;ascii-numeric" "x-priority" "${p}"`};
		if (op === 'is lower than') return {ok: `header :value "gt" :comparator "i;ascii-numeric" "x-priority" "${p}"`};
		return {unsupported: `"priority ${op}" has no Sieve equivalent`};
	}
	if (attribute === 'date') {
		// Thunderbird writes dates as %d-%b-%Y (nsMsgSearchTerm::OutputValue) and compares whole days.
		const m = /^(\d{1,2})-([A-Za-z]{3})-(\d{4})$/.exec(value.trim());
		const month = m?.[2] ? MONTHS.indexOf(m[2].toLowerCase()) : -1;
		if (!m || month < 0) return {unsupported: `date "${value}" is not in Thunderbird's DD-Mon-YYYY form`};
		if (!ctx.has('date') || !ctx.has('relational')) return {unsupported: 'the server does not offer the Sieve "date" and "relational" extensions'};
		const iso = `${m[3]}-${String(month + 1).padStart(2, '0')}-${(m[1] ?? '').padStart(2, '0')}`;
		const rel = op === 'is before' ? 'lt' : op === 'is after' ? 'gt' : op === 'is' ? 'eq' : op === "isn't" ? 'ne' : undefined;
		if (!rel) return {unsupported: `"date ${op}" has no Sieve equivalent`};
		ctx.requires.add('date').add('relational');
		return {ok: `date :value "${rel}" :originalzone "date" "date" "${iso}"`};
	}
	const clientOnly = CLIENT_ONLY[attribute];
	if (clientOnly) return {unsupported: `"${attribute}" condition: ${clientOnly}`};
	return {unsupported: `"${attribute}" is a custom (add-on) search term the server does not know`};
}

function render(node: Node, compiled: Map<RuleCondition, Compiled>, indent: string): string {
	if (node.kind === 'term') {
		const c = compiled.get(node.term);
		return c && 'ok' in c ? c.ok : 'false';
	}
	const parts = node.children.map((child) => render(child, compiled, indent + '    '));
	if (parts.length === 1) return parts[0] ?? 'true';
	return `${node.kind} (${parts.join(`,\n${indent}    `)})`;
}

/** Removes unsupported terms that are direct alternatives of a top-level anyof; undefined if not possible. */
function pruneAlternatives(tree: Node, compiled: Map<RuleCondition, Compiled>): Node | undefined {
	const bad = (n: Node): boolean => n.kind === 'term' && 'unsupported' in (compiled.get(n.term) ?? {unsupported: ''});
	const hasBad = (n: Node): boolean => (n.kind === 'term' ? bad(n) : n.children.some(hasBad));
	if (!hasBad(tree)) return tree;
	if (tree.kind !== 'anyof') return undefined;
	const kept = tree.children.filter((c) => !bad(c));
	if (kept.length === 0 || kept.some(hasBad)) return undefined;
	return {kind: 'anyof', children: kept};
}

const PROGRAM: Readonly<Record<RuleSet['format'], string>> = {thunderbird: 'Thunderbird', outlook: 'Outlook', 'apple-mail': 'Apple Mail'};

const commentSafe = (text: string): string => text.replace(/[\r\n\0]+/g, ' ');

function translateRule(rule: FilterRule, options: TranslateOptions, requires: Set<string>, format: RuleSet['format']): RulePlan {
	const has = (ext: string): boolean => (options.extensions ?? ALL_EXTENSIONS).has(ext);
	const base = {name: rule.name, line: rule.line};
	const program = PROGRAM[format];
	if (rule.problem !== undefined) return {...base, status: 'not-carried', reasons: [rule.problem], notes: [], sieve: ''};
	if (!rule.enabled) return {...base, status: 'not-carried', reasons: [`the filter is disabled in ${program}`], notes: [], sieve: ''};
	if ((rule.type & (FilterType.InboxRule | FilterType.PostPlugin)) === 0) {
		return {...base, status: 'not-carried', reasons: [format === 'outlook' ? 'the rule runs on mail you send, not on mail that arrives' : `the filter does not run on new mail in Thunderbird (type ${rule.type}: manual, after sending, archiving or periodic runs only)`], notes: [], sieve: ''};
	}
	const ruleRequires = new Set<string>();
	const ctx: Ctx = {requires: ruleRequires, notes: [], has, me: options.me ?? [], narrowed: []};
	const reasons: string[] = [];
	let partly = false;

	// Condition.
	let test = 'true';
	if (!rule.matchAll) {
		const compiled = new Map(rule.conditions.map((c) => [c, compileTerm(c, ctx)] as const));
		const unsupported = [...compiled.values()].flatMap((c) => ('unsupported' in c ? [c.unsupported] : []));
		const tree = pruneAlternatives(buildTree(rule.conditions), compiled);
		if (!tree) {
			return {...base, status: 'not-carried', reasons: [...new Set(unsupported)], notes: [], sieve: ''};
		}
		if (unsupported.length > 0) {
			partly = true;
			reasons.push(...new Set(unsupported.map((u) => `condition left out (the rule now sorts less mail): ${u}`)));
		}
		if (ctx.narrowed.length > 0) {
			partly = true;
			reasons.push(...new Set(ctx.narrowed.map((u) => `condition narrowed (the rule may sort less mail): ${u}`)));
		}
		test = render(tree, compiled, '');
	}

	// Actions, in Thunderbird's order: flags/tags, copies, move/delete, stop.
	const flags: string[] = [];
	const copies: string[] = [];
	let final: string[] = [];
	let stop = false;
	const addFlag = (flag: string, remove = false): void => {
		if (!has('imap4flags')) {
			reasons.push(`"${remove ? 'mark unread' : 'set ' + flag}" left out: the server does not offer the Sieve "imap4flags" extension`);
			return;
		}
		ruleRequires.add('imap4flags');
		flags.push(`${remove ? 'removeflag' : 'addflag'} ${sieveString(flag)};`);
	};
	const fileinto = (mailbox: string, copy: boolean): string => {
		ruleRequires.add('fileinto');
		let tags = '';
		if (copy) { ruleRequires.add('copy'); tags += ' :copy'; }
		if (has('mailbox')) { ruleRequires.add('mailbox'); tags += ' :create'; }
		else ctx.notes.push(`the server cannot create mailboxes from Sieve (no "mailbox" extension): "${mailbox}" must exist`);
		return `fileinto${tags} ${sieveString(mailbox)};`;
	};
	for (const action of rule.actions) {
		switch (action.type) {
			case 'Mark read': addFlag('\\Seen'); break;
			case 'Mark unread': addFlag('\\Seen', true); break;
			case 'Mark flagged': addFlag('\\Flagged'); break;
			case 'AddTag':
				// Thunderbird tags are IMAP keywords ($label1…, or the tag's own key); RFC 3501 atom characters only.
				if (action.value && /^[^\s(){%*"\\\]\x00-\x1f\x7f]+$/.test(action.value)) addFlag(action.value);
				else reasons.push(`tag "${action.value ?? ''}" left out: not a valid IMAP keyword`);
				break;
			case 'Move to folder':
			case 'Copy to folder': {
				const copy = action.type === 'Copy to folder';
				if (!has('fileinto') || (copy && !has('copy'))) {
					reasons.push(`"${action.type}" left out: the server does not offer the Sieve "${!has('fileinto') ? 'fileinto' : 'copy'}" extension`);
					break;
				}
				const target = options.targets.folder(action.value ?? '');
				if ('error' in target) { reasons.push(`"${action.type}" left out: ${target.error}`); break; }
				if (target.mailbox === undefined) {
					reasons.push(`"${action.type}" left out: folder "${target.label}" is excluded from the migration`);
					break;
				}
				ctx.notes.push(`"${target.label}" → "${target.mailbox}"`, ...target.notes);
				if (copy) copies.push(fileinto(target.mailbox, true));
				else if (final.length === 0) { final = [fileinto(target.mailbox, false)]; stop = true; }
				break;
			}
			case 'Delete':
				if (final.length > 0) break;
				if (options.allowDiscard) { final = ['discard;']; ctx.notes.push('Delete → discard: the message is thrown away on the server'); }
				else if (has('fileinto')) {
					const trash = options.targets.trash();
					final = [fileinto(trash, false)];
					ctx.notes.push(`Delete → moved to "${trash}" (as Thunderbird does; discarding needs the allow-discard option)`);
				} else { reasons.push('"Delete" left out: the server has no "fileinto" and discarding was not allowed'); break; }
				stop = true;
				break;
			case 'Forward':
				if (!options.allowRedirect) { reasons.push(`"Forward to ${action.value ?? ''}" left out: forwarding on the server needs --rules-allow-redirect`); break; }
				if (!action.value || !/^[^\s@"<>]+@[^\s@"<>]+$/.test(action.value)) { reasons.push(`"Forward" left out: "${action.value ?? ''}" is not an address`); break; }
				if (!has('copy')) { reasons.push('"Forward" left out: the server does not offer the Sieve "copy" extension (a plain redirect would remove the message from this mailbox)'); break; }
				ruleRequires.add('copy');
				copies.push(`redirect :copy ${sieveString(action.value)};`);
				break;
			case 'Stop execution': stop = true; break;
			case 'Reply': reasons.push('"Reply with template" left out: templates live in Thunderbird'); break;
			case 'JunkScore': reasons.push(`"set junk score ${action.value ?? ''}" left out: it feeds Thunderbird's own junk handling (what happens to junk is a Thunderbird setting)`); break;
			case 'Change priority': reasons.push('"Change priority" left out: Sieve cannot change a message\'s headers without the editheader extension'); break;
			case 'Ignore thread': case 'Ignore subthread': case 'Watch thread': reasons.push(`"${action.type}" left out: threads are tracked by Thunderbird`); break;
			case 'Delete from Pop3 server': case 'Leave on Pop3 server': case 'Fetch body from Pop3Server':
				ctx.notes.push(`"${action.type}" is about the old POP3 download and has no meaning on the server`);
				break;
			case 'Custom': reasons.push(`custom (add-on) action "${action.value ?? ''}" left out: it runs inside Thunderbird`); break;
			case 'Client only': reasons.push(action.value ?? 'an action only the mail program can do was left out'); break;
			case 'Note': if (action.value) ctx.notes.push(action.value); break;
			default: reasons.push(`unknown action "${action.type}" left out`); break;
		}
	}
	const lines = [...flags, ...copies, ...final, ...(stop ? ['stop;'] : [])];
	if (flags.length + copies.length + final.length === 0) {
		return {...base, status: 'not-carried', reasons: reasons.length > 0 ? reasons : ['the filter has no action a server can do'], notes: ctx.notes, sieve: ''};
	}
	if (reasons.length > 0) partly = true;
	for (const r of ruleRequires) requires.add(r);
	const body = lines.map((l) => `    ${l}`).join('\n');
	const sieve = test === 'true' ? `if true {\n${body}\n}` : `if ${test.split('\n').join('\n   ')} {\n${body}\n}`;
	return {...base, status: partly ? 'partly' : 'carried', reasons, notes: [...new Set(ctx.notes)], sieve};
}

/** Sieve `require` order: stable, as listed in ALL_EXTENSIONS. */
function orderRequires(requires: ReadonlySet<string>): string[] {
	return [...ALL_EXTENSIONS].filter((e) => requires.has(e));
}

/**
 * Translates a rule set. The script is deterministic for the same input (so re-running yields the same
 * bytes). `scriptSource` names where the rules came from in the header comment.
 */
export function translateRules(set: RuleSet, options: TranslateOptions): Translation {
	const requires = new Set<string>();
	const plan = set.rules.map((rule) => translateRule(rule, options, requires, set.format));
	const ordered = orderRequires(requires);
	const out: string[] = [
		SCRIPT_MARKER,
		`# Generated by mailshift from ${commentSafe(set.file)} (${PROGRAM[set.format]} ${set.format === 'thunderbird' ? 'filters' : 'rules'}).`,
		'# Re-running `mailshift rules` replaces this script; `mailshift rules --remove` removes it.',
		`# ${plan.filter((p) => p.status !== 'not-carried').length} of ${plan.length} filters carried.`,
		'',
	];
	if (ordered.length > 0) out.push(`require [${ordered.map(sieveString).join(', ')}];`, '');
	plan.forEach((p, index) => {
		const head = `# ${index + 1}. "${commentSafe(p.name)}" (${set.format === 'thunderbird' ? 'line' : 'rule'} ${p.line}): ${p.status}`;
		out.push(head);
		for (const r of p.reasons) out.push(`#    - ${commentSafe(r)}`);
		if (p.sieve) out.push(p.sieve);
		out.push('');
	});
	return {script: out.join('\r\n').replace(/\r?\n/g, '\r\n'), plan, requires: ordered};
}
