/**
 * The Outlook rules stored in a PST/OST → RuleSet (outlook-rules.ts for the stream, outlook-extended-rule.ts
 * for rule messages).
 *
 * Where (grommunio/gromox doc/outlook_rule_spec.rst "FAI message: RuleOrganizer", [MS-OXORULE] 2.2.4): in the
 * Inbox's folder-associated information (FAI: MS-PST node type NID_TYPE_ASSOC_MESSAGE 0x08, children of the
 * Inbox node in the node B-tree; pst-extractor lists them in its child descriptor tree but cannot load them,
 * so they are opened as plain property objects here):
 * - `IPM.RuleOrganizer`: PidTagRwRulesStream 0x6802, every rule of "Manage Rules & Alerts" (the
 *   `.ClientRules` twin holds the same bytes and is read only when the first is missing);
 * - `IPM.Rule.Version2.Message`: a per-rule copy of the same rules (read only when there is no stream, so a
 *   rule is never listed twice);
 * - `IPM.ExtendedRule.Message`: rules Outlook does not keep in the stream (the junk e-mail rule, rules made
 *   in Outlook on the web).
 *
 * Folder targets: a PST folder entry ID (24 bytes, MS-PST 2.2.2.8 / 2.4.3.2) names the node; an Exchange
 * folder entry ID in an OST (46 bytes, MS-OXCDATA 2.2.4.1) names the folder by database GUID + global counter,
 * which is also the folder's PidTagSourceKey when the OST keeps one on the folder (the corpus OST does not);
 * else the display name stored beside it (when one folder has it). A target found by none of these is left
 * out with the reason (the rule is then partly or not carried).
 * The path found is resolved through the migration's mapping (rule-target.ts).
 *
 * Contract: opens the file read-only, in this thread (a small synchronous read; the migration's own PST work
 * runs in its worker). Throws MailshiftError (SOURCE_*, NOT_A_MAIL_STORE, RULES_UNPARSEABLE); a rule
 * message that cannot be decoded is listed by name with the reason, never dropped.
 */
import {createRequire} from 'node:module';
import {resolve} from 'node:path';
import {PSTFile, PSTMessage} from 'pst-extractor';

import {MailshiftError} from '../contracts/errors.js';
import {PropertyBag} from '../readers/pst/property-bag.js';
import {nidOfEntryId} from '../readers/pst/property-bag.js';
import {PstOpenError, PstSession} from '../readers/pst/pst-session.js';
import type {TreeFolder} from '../readers/pst/folder-tree.js';
import type {FilterRule, RuleSet} from './filter-rule.js';
import {FilterType} from './filter-rule.js';
import {ExtendedRuleFailure, parseExtendedActions, parseExtendedCondition, RuleState} from './outlook-extended-rule.js';
import type {FolderLocator} from './outlook-rules.js';
import {parseRulesStream} from './outlook-rules.js';
import {folderPathUri} from './rule-target.js';

const require = createRequire(import.meta.url);
type LongStatic = {fromNumber(n: number): unknown};
const Long = require('long') as LongStatic;
const {PSTUtil} = require('pst-extractor/dist/PSTUtil.class.js') as {PSTUtil: {detectAndLoadPSTObject(file: PSTFile, id: unknown): unknown}};

/** MS-PST 2.2.2.1 NID_TYPE_ASSOC_MESSAGE. */
const NID_TYPE_ASSOC_MESSAGE = 0x08;
/** FAI messages looked at in one Inbox; a real Inbox has a few dozen. */
const MAX_FAI = 10_000;

const P = {
	MESSAGE_CLASS: 0x001a, RW_RULES_STREAM: 0x6802, SOURCE_KEY: 0x65e0,
	RULE_MSG_STATE: 0x65e9, RULE_MSG_PROVIDER: 0x65eb, RULE_MSG_NAME: 0x65ec, RULE_MSG_SEQUENCE: 0x65f3,
	EXTENDED_RULE_ACTIONS: 0x0e99, EXTENDED_RULE_CONDITION: 0x0e9a,
} as const;

type DescriptorNode = {descriptorIdentifier: number};

/** Finds folders by entry ID or name (module comment). */
function folderLocator(file: PSTFile, folders: readonly TreeFolder[]): FolderLocator {
	const byNid = new Map<number, TreeFolder>();
	for (const f of folders) for (const nid of f.nids) byNid.set(nid, f);
	let bySourceKey: Map<string, TreeFolder> | undefined;
	const sourceKeys = (): Map<string, TreeFolder> => {
		if (bySourceKey) return bySourceKey;
		bySourceKey = new Map();
		for (const f of folders) {
			for (const nid of f.nids) {
				try {
					const key = new PropertyBag(PSTUtil.detectAndLoadPSTObject(file, Long.fromNumber(nid)), 'windows-1252').bytes(P.SOURCE_KEY);
					if (key?.length === 22) bySourceKey.set(key.toString('hex'), f);
				} catch {
					// an unreadable folder cannot be a target
				}
			}
		}
		return bySourceKey;
	};
	return ({entryId, name}) => {
		const nid = nidOfEntryId(entryId);
		let found = nid === undefined ? undefined : byNid.get(nid);
		if (!found && entryId.length === 46) found = sourceKeys().get(entryId.subarray(22, 44).toString('hex'));
		if (!found && name.trim() !== '') {
			const named = folders.filter((f) => f.path.at(-1)?.normalize('NFC').toLowerCase() === name.trim().normalize('NFC').toLowerCase());
			if (named.length === 1) found = named[0];
			else if (named.length > 1) return {error: `${named.length} folders are named "${name}" and the rule's folder ID matches none of them`};
		}
		if (found) return {uri: folderPathUri(found.path)};
		if (name.trim() === '') return {error: 'the rule names a folder that is not in this file'};
		return {uri: folderPathUri([name.trim()]), note: `folder "${name}" is not in this file; it is mapped as a top-level folder`};
	};
}

function openError(error: unknown, path: string): MailshiftError {
	if (error instanceof PstOpenError) return new MailshiftError(error.code, error.message, 'fatal', {cause: error, hint: error.hint});
	return new MailshiftError('SOURCE_UNREADABLE', `${path} cannot be read: ${error instanceof Error ? error.message : String(error)}`, 'fatal', {cause: error, hint: 'Check that the file is an Outlook .pst/.ost and is not open in Outlook.'});
}

/** One extended rule message → a rule (or an undecodable one, by name, with the reason). */
function extendedRule(bag: PropertyBag, index: number, locate: FolderLocator, label: string): FilterRule | undefined {
	const name = bag.text(P.RULE_MSG_NAME) ?? `(unnamed rule ${index})`;
	const provider = bag.text(P.RULE_MSG_PROVIDER) ?? '';
	const state = bag.uint(P.RULE_MSG_STATE) ?? 0;
	const base = {name, enabled: (state & RuleState.ENABLED) !== 0, type: FilterType.InboxRule, matchAll: false, conditions: [], actions: [], line: index};
	if (/^JunkEmailRule$/i.test(provider)) return {...base, problem: "it is Outlook's junk e-mail rule: junk filtering on the server is the server's own (its spam filter and Junk folder)"};
	if (/OOF/i.test(provider) || (state & RuleState.ONLY_WHEN_OOF) !== 0) return {...base, problem: 'it is an Out of Office (automatic replies) rule; set automatic replies in your new provider\'s settings'};
	const condition = bag.bytes(P.EXTENDED_RULE_CONDITION);
	const actionBytes = bag.bytes(P.EXTENDED_RULE_ACTIONS);
	if (!condition || !actionBytes) return {...base, problem: `the rule message in ${label} has no condition or no actions stored`};
	try {
		const parsed = parseExtendedCondition(condition);
		if (parsed.never) return {...base, problem: 'its condition can never match (its lists are empty)'};
		const actions = parseExtendedActions(actionBytes, locate);
		if ((state & RuleState.EXIT_LEVEL) !== 0) actions.push({type: 'Stop execution', value: undefined});
		return {...base, matchAll: parsed.matchAll, conditions: parsed.conditions, actions};
	} catch (error) {
		if (error instanceof ExtendedRuleFailure) return {...base, problem: `mailshift could not read this rule: ${error.message}`};
		throw error;
	}
}

/**
 * Reads the rules of a PST/OST.
 * @throws MailshiftError SOURCE_NOT_FOUND / SOURCE_UNREADABLE / NOT_A_MAIL_STORE (the file), RULES_UNPARSEABLE
 * (a damaged rule stream). A store without an Inbox has no rules (an empty set).
 */
export function readPstRules(path: string): RuleSet {
	const location = resolve(path);
	let session: PstSession;
	try {
		session = PstSession.open(location);
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new MailshiftError('SOURCE_NOT_FOUND', `${location} does not exist`, 'fatal', {cause: error, hint: 'Check the path.'});
		throw openError(error, location);
	}
	let folders: TreeFolder[];
	try {
		folders = session.folderTree().folders;
	} catch (error) {
		throw openError(error, location);
	} finally {
		session.close();
	}
	// Outlook keeps the rules in the Inbox of the store it delivers to; an archive without an Inbox has none.
	const inbox = folders.find((f) => f.specialUse === '\\Inbox') ?? folders.find((f) => f.path.length === 1 && f.path[0]?.toLowerCase() === 'inbox');
	if (!inbox) return {file: location, format: 'outlook', version: undefined, rules: []};

	let file: PSTFile;
	try {
		file = new PSTFile(location);
	} catch (error) {
		throw openError(error, location);
	}
	try {
		const locate = folderLocator(file, folders);
		const children = inbox.nids.flatMap((nid) => (file.getChildDescriptorTree().get(nid) ?? []) as DescriptorNode[])
			.filter((node) => (node.descriptorIdentifier & 0x1f) === NID_TYPE_ASSOC_MESSAGE).slice(0, MAX_FAI);
		const streams: Array<{cls: string; bytes: Buffer; nid: number}> = [];
		const ruleMessages: Array<{cls: string; bag: PropertyBag; sequence: number}> = [];
		const unreadable: FilterRule[] = [];
		for (const node of children) {
			let bag: PropertyBag;
			try {
				bag = new PropertyBag(new PSTMessage(file, node as never), 'windows-1252');
			} catch (error) {
				unreadable.push({name: `(associated item ${node.descriptorIdentifier} of the Inbox)`, enabled: true, type: FilterType.InboxRule, matchAll: false, conditions: [], actions: [], line: 0, problem: `it cannot be read (${error instanceof Error ? error.message : String(error)}); if it held rules, they are not carried`});
				continue;
			}
			const cls = bag.text(P.MESSAGE_CLASS) ?? '';
			if (/^IPM\.RuleOrganizer(\.ClientRules)?$/i.test(cls)) {
				const bytes = bag.bytes(P.RW_RULES_STREAM);
				if (bytes) streams.push({cls, bytes, nid: node.descriptorIdentifier});
			} else if (/^IPM\.(Rule\.Version2|ExtendedRule)\.Message$/i.test(cls)) {
				ruleMessages.push({cls, bag, sequence: bag.uint(P.RULE_MSG_SEQUENCE) ?? 0});
			}
		}
		streams.sort((a, b) => Number(/ClientRules/i.test(a.cls)) - Number(/ClientRules/i.test(b.cls)));
		const rules: FilterRule[] = [];
		let version: number | undefined;
		const stream = streams[0];
		if (stream) {
			const set = parseRulesStream(stream.bytes, {label: `${location}#Inbox/${stream.cls}`, locate});
			version = set.version;
			rules.push(...set.rules);
		}
		ruleMessages.sort((a, b) => a.sequence - b.sequence);
		for (const m of ruleMessages) {
			if (stream && /Version2/i.test(m.cls)) continue; // a copy of a rule in the stream
			const rule = extendedRule(m.bag, rules.length + 1, locate, `${location}#Inbox`);
			if (rule) rules.push(rule);
		}
		rules.push(...unreadable);
		return {file: location, format: 'outlook', version, rules: rules.map((r, i) => ({...r, line: i + 1}))};
	} catch (error) {
		// A damaged node B-tree (pst-extractor throws plain Errors): the file's rules cannot be read at all.
		if (error instanceof MailshiftError) throw error;
		throw openError(error, location);
	} finally {
		file.close();
	}
}
