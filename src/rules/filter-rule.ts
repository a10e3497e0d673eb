/**
 * Mail-program filters as data, and the design of `src/rules/` (issue #17: "the mail program's filters become
 * Sieve rules on the server").
 *
 * Design. With POP, the desktop program sorted incoming mail; after a move to IMAP only rules that run on the
 * server sort mail for every device. The pipeline is:
 *   1. a reader turns one program's filter file into a `RuleSet` (`thunderbird-filters.ts`:
 *      Thunderbird/SeaMonkey `msgFilterRules.dat`, grammar of comm-central `nsMsgFilterList.cpp`);
 *   2. `translateRules` (sieve-translate.ts, pure) turns each rule into Sieve (RFC 5228 and extensions) and a
 *      `RulePlan` entry saying carried / partly / not carried and why; folder targets go through the same
 *      folder mapping as the migration (`rule-target.ts` → `mapper/folder-map.ts`), so they name the mailbox
 *      the folder's mail was uploaded to;
 *   3. `installScript` (sieve-install.ts) uploads the script over ManageSieve (RFC 5804,
 *      `managesieve-client.ts`) without ever overwriting or deactivating a script the user already has.
 * Outlook rules (`outlook-rules.ts`: the RWZ rule stream of a PST/OST or a .rwz export; `outlook-pst-rules.ts`
 * finds them in the Inbox's associated contents) are mapped into the same model: conditions use the same
 * attribute/operator vocabulary where one exists, plus 'importance', 'sensitivity', 'has attachment' and the
 * "my name in To/Cc" family; actions the server cannot do are 'Client only' (value: why), facts worth telling
 * are 'Note' actions. Readers and the translator never touch the network; the translator never throws for a rule it cannot
 * express (it reports it and the rest of the script still installs).
 *
 * What is not carried, and why (each is reported per rule, never dropped silently):
 * - "is in my address book" / "isn't in my address book": the address book lives on the computer; the server
 *   cannot see it.
 * - Junk score / junk status / junk percent conditions and the JunkScore action: the local Bayesian junk
 *   classifier does not run on the server (server-side spam filtering is the server's own business).
 * - "age in days", status (read/replied/new/…), tag, "has attachment status" conditions: they describe the
 *   message's state in the local program (or need a MIME walk the base extensions do not offer), not the
 *   message as delivered. A new message is never read/replied/tagged at delivery, so "status is read" is
 *   always false on the server; we do not pretend.
 * - Reply with template, run a program, ignore/watch thread, change priority, POP3 actions, custom
 *   (add-on) actions: no Sieve equivalent, or the effect depends on local state.
 * - Delete: `discard` throws mail away on the server; only with `allowDiscard` (otherwise not carried).
 * - Forward: `redirect` sends mail to someone else; only with `allowRedirect`.
 * - Filters that run only manually, after sending, on archiving or periodically (Thunderbird `type` without
 *   the InboxRule bit 0x1 or PostPlugin 0x20) are not on-delivery rules and are not carried; disabled
 *   filters are carried as disabled (not in the script, listed in the plan).
 */

/** Thunderbird's filter `type` bits (nsMsgFilterCore.idl nsMsgFilterType). */
export const FilterType = {
	InboxRule: 0x1,
	Manual: 0x10,
	PostPlugin: 0x20,
	PostOutgoing: 0x40,
	Archive: 0x80,
	Periodic: 0x100,
} as const;

/** One search term: attribute, operator, value, as the program stores them (strings, untranslated). */
export type RuleCondition = Readonly<{
	/** Lower-case attribute name ('subject', 'from', 'to or cc', …) or, for an arbitrary header, its name. */
	attribute: string;
	/** True when `attribute` is an arbitrary header (Thunderbird writes it quoted: `"X-Spam-Status"`). */
	isHeader: boolean;
	/** Lower-case operator name ('contains', "doesn't contain", 'is', 'begins with', 'is in ab', …). */
	operator: string;
	value: string;
	/** How this term joins the ones before it ('and' for the first term too). */
	join: 'and' | 'or';
	/** Grouping parentheses opened before / closed after this term (Thunderbird 3+ nested terms). */
	opensGroup: number;
	closesGroup: number;
	/** Set by a reader for a condition it decoded but no server can evaluate: why (the translator reports it). */
	unsupported?: string;
}>;

/** One action, with its value as stored (folder URI, tag keyword, priority name, address, junk score). */
export type RuleAction = Readonly<{
	/** The filing string, e.g. 'Move to folder', 'Mark read', 'AddTag'. */
	type: string;
	value: string | undefined;
}>;

export type FilterRule = Readonly<{
	name: string;
	enabled: boolean;
	/** Thunderbird nsMsgFilterType bitmask. @default 17 (InboxRule | Manual) */
	type: number;
	/** True for `condition="ALL"`: the rule matches every message. */
	matchAll: boolean;
	conditions: readonly RuleCondition[];
	actions: readonly RuleAction[];
	/** 1-based line where the rule's `name=` stands (Outlook: the rule's position), for messages. */
	line: number;
	/** Set when the reader could not decode the rule: why. The rule is listed as not carried, never dropped. */
	problem?: string;
}>;

/** The filters of one file, in file order (order matters: the first matching move wins). */
export type RuleSet = Readonly<{
	/** Absolute path of the file the rules were read from. */
	file: string;
	/** 'outlook': PST/OST rule messages or a .rwz export (outlook-rules.ts); 'apple-mail': SyncedRules.plist. */
	format: 'thunderbird' | 'outlook' | 'apple-mail';
	version: number | undefined;
	rules: readonly FilterRule[];
}>;
