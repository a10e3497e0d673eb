import assert from 'node:assert/strict';
import {describe, test} from 'node:test';

import type {FolderMapOptions, FolderPlan} from '../../src/mapper/folder-map.js';
import type {ServerLayout} from '../../src/contracts/server-layout.js';
import {globToRegExp, parseMapRule, planFolders} from '../../src/mapper/folder-map.js';
import {roleOfName} from '../../src/mapper/special-folders.js';
import type {SourceFolder} from '../../src/contracts/source-store.js';

// Server layouts as the sink reads them (NAMESPACE + LIST); one per family of real servers.
/** Dovecot defaults: '/' delimiter, no prefix, SPECIAL-USE mailboxes with the usual names. */
const DOVECOT: ServerLayout = {
	delimiter: '/', prefix: '',
	specialUse: new Map([['sent', 'Sent'], ['drafts', 'Drafts'], ['trash', 'Trash'], ['junk', 'Junk'], ['archive', 'Archive']]),
};
/** A '/' server without SPECIAL-USE. */
const BARE_SLASH: ServerLayout = {delimiter: '/', prefix: '', specialUse: new Map()};
/** Courier/Cyrus style: '.' delimiter, personal namespace "INBOX.", SPECIAL-USE with other names, no Archive. */
const COURIER: ServerLayout = {
	delimiter: '.', prefix: 'INBOX.',
	specialUse: new Map([['sent', 'INBOX.Sent Messages'], ['drafts', 'INBOX.Drafts'], ['trash', 'INBOX.Deleted Messages'], ['junk', 'INBOX.Spam']]),
};
/** '.' delimiter, "INBOX." namespace, no SPECIAL-USE. */
const BARE_DOT_INBOX: ServerLayout = {delimiter: '.', prefix: 'INBOX.', specialUse: new Map()};
/** '.' delimiter without a namespace prefix. */
const BARE_DOT: ServerLayout = {delimiter: '.', prefix: '', specialUse: new Map()};

const planOne = (path: readonly string[], layout: ServerLayout, options?: FolderMapOptions): FolderPlan => {
	const plan = planFolders([{path}], layout, options)[0];
	assert.ok(plan);
	return plan;
};
const mailboxOf = (path: readonly string[], layout: ServerLayout, options?: FolderMapOptions): string | undefined =>
	planOne(path, layout, options).mailbox;

type Row = readonly [name: string, path: readonly string[], expected: string | undefined];

function runTable(title: string, layout: ServerLayout, rows: readonly Row[], options?: FolderMapOptions): void {
	for (const [name, path, expected] of rows) {
		test(`Given ${name} on ${title}, when planned, then it goes to ${expected === undefined ? 'nowhere (excluded)' : `"${expected}"`}`, () => {
			assert.equal(mailboxOf(path, layout, options), expected);
		});
	}
}

describe('planFolders: the inbox', () => {
	const spellings = ['Inbox', 'INBOX', 'inbox', 'Posteingang', 'Boîte de réception', 'Bandeja de entrada', 'Входящие', ' Inbox '];
	for (const layout of [DOVECOT, COURIER, BARE_DOT]) {
		for (const name of spellings) {
			test(`Given a top-level "${name}" and a server with delimiter "${layout.delimiter}" and prefix "${layout.prefix}", when planned, then it goes to INBOX`, () => {
				const plan = planOne([name], layout);
				assert.equal(plan.mailbox, 'INBOX');
				assert.equal(plan.rule, 'inbox');
			});
		}
	}

	runTable('a "/" server', DOVECOT, [
		['an Inbox child', ['Inbox', 'Projects'], 'INBOX/Projects'],
		['an Inbox grandchild', ['Inbox', 'Projects', '2019'], 'INBOX/Projects/2019'],
		['a special-looking name below Inbox (not special there)', ['Inbox', 'Sent Items'], 'INBOX/Sent Items'],
		['a localized Inbox child', ['Posteingang', 'Kunden'], 'INBOX/Kunden'],
	]);
	runTable('an "INBOX." namespace server', COURIER, [
		['an Inbox child (no doubled INBOX.)', ['Inbox', 'Projects'], 'INBOX.Projects'],
		['an Inbox grandchild', ['Inbox', 'Projects', '2019'], 'INBOX.Projects.2019'],
	]);
	runTable('a "." server without a prefix', BARE_DOT, [
		['an Inbox child', ['Inbox', 'Projects'], 'INBOX.Projects'],
	]);
});

describe('planFolders: special folders', () => {
	// [case, local path, DOVECOT, BARE_SLASH, COURIER, BARE_DOT_INBOX]
	const table: ReadonlyArray<readonly [string, readonly string[], string, string, string, string]> = [
		['"Sent"', ['Sent'], 'Sent', 'Sent', 'INBOX.Sent Messages', 'INBOX.Sent'],
		['"Sent Items" (Outlook)', ['Sent Items'], 'Sent', 'Sent', 'INBOX.Sent Messages', 'INBOX.Sent'],
		['"Sent Messages" (Apple Mail)', ['Sent Messages'], 'Sent', 'Sent', 'INBOX.Sent Messages', 'INBOX.Sent'],
		['"Gesendete Objekte" (German Outlook)', ['Gesendete Objekte'], 'Sent', 'Sent', 'INBOX.Sent Messages', 'INBOX.Sent'],
		['"Éléments envoyés" (French Outlook)', ['Éléments envoyés'], 'Sent', 'Sent', 'INBOX.Sent Messages', 'INBOX.Sent'],
		['"Éléments envoyés" in NFD (macOS file names)', ['Éléments envoyés'.normalize('NFD')], 'Sent', 'Sent', 'INBOX.Sent Messages', 'INBOX.Sent'],
		['"SENT ITEMS" in upper case', ['SENT ITEMS'], 'Sent', 'Sent', 'INBOX.Sent Messages', 'INBOX.Sent'],
		['"Drafts"', ['Drafts'], 'Drafts', 'Drafts', 'INBOX.Drafts', 'INBOX.Drafts'],
		['"Entwürfe"', ['Entwürfe'], 'Drafts', 'Drafts', 'INBOX.Drafts', 'INBOX.Drafts'],
		['"Trash"', ['Trash'], 'Trash', 'Trash', 'INBOX.Deleted Messages', 'INBOX.Trash'],
		['"Deleted Items" (Outlook)', ['Deleted Items'], 'Trash', 'Trash', 'INBOX.Deleted Messages', 'INBOX.Trash'],
		['"Gelöschte Objekte"', ['Gelöschte Objekte'], 'Trash', 'Trash', 'INBOX.Deleted Messages', 'INBOX.Trash'],
		['"Junk"', ['Junk'], 'Junk', 'Junk', 'INBOX.Spam', 'INBOX.Junk'],
		['"Spam"', ['Spam'], 'Junk', 'Junk', 'INBOX.Spam', 'INBOX.Junk'],
		['"Junk E-mail" (Outlook)', ['Junk E-mail'], 'Junk', 'Junk', 'INBOX.Spam', 'INBOX.Junk'],
		['"Archive"', ['Archive'], 'Archive', 'Archive', 'INBOX.Archive', 'INBOX.Archive'],
		['"Archives" (Thunderbird)', ['Archives'], 'Archive', 'Archive', 'INBOX.Archive', 'INBOX.Archive'],
		['a nested "Sent Items/2019"', ['Sent Items', '2019'], 'Sent/2019', 'Sent/2019', 'INBOX.Sent Messages.2019', 'INBOX.Sent.2019'],
		['a nested "Deleted Items/Old/Older"', ['Deleted Items', 'Old', 'Older'], 'Trash/Old/Older', 'Trash/Old/Older',
			'INBOX.Deleted Messages.Old.Older', 'INBOX.Trash.Old.Older'],
		['a nested "Junk E-mail/Phishing"', ['Junk E-mail', 'Phishing'], 'Junk/Phishing', 'Junk/Phishing', 'INBOX.Spam.Phishing', 'INBOX.Junk.Phishing'],
	];
	const layouts: ReadonlyArray<readonly [string, ServerLayout]> = [
		['a "/" server with SPECIAL-USE', DOVECOT], ['a "/" server without SPECIAL-USE', BARE_SLASH],
		['an "INBOX." server with SPECIAL-USE', COURIER], ['an "INBOX." server without SPECIAL-USE', BARE_DOT_INBOX],
	];
	for (const [name, path, ...expected] of table) {
		for (const [index, [title, layout]] of layouts.entries()) {
			test(`Given ${name} on ${title}, when planned, then it goes to "${expected[index] ?? '?'}"`, () => {
				assert.equal(mailboxOf(path, layout), expected[index]);
			});
		}
	}

	test('Given a server whose Sent mailbox is not called Sent, when "Sent Items" is planned, then the SPECIAL-USE mailbox wins over the usual name', () => {
		const layout: ServerLayout = {delimiter: '/', prefix: '', specialUse: new Map([['sent', 'Gesendet']])};
		const plan = planOne(['Sent Items'], layout);
		assert.equal(plan.mailbox, 'Gesendet');
		assert.equal(plan.rule, 'sent');
	});

	test('Given two local Sent folders, when planned, then both go to the one Sent mailbox (merged)', () => {
		const plans = planFolders([{path: ['Sent']}, {path: ['Sent Items']}], DOVECOT);
		assert.deepEqual(plans.map((p) => p.mailbox), ['Sent', 'Sent']);
	});

	runTable('a "/" server', DOVECOT, [
		['a special name below an ordinary folder', ['Projects', 'Sent'], 'Projects/Sent'],
		['a name that only starts like a special one', ['Sent Items 2'], 'Sent Items 2'],
		['"Outbox" (not a Sent folder)', ['Outbox'], 'Outbox'],
	]);

	test('Given a top-level folder the store marks \\Sent under an unknown name, when planned with its subfolder, then both follow the Sent role', () => {
		const plans = planFolders([{path: ['Odeslaná pošta'], specialUse: '\\Sent'}, {path: ['Odeslaná pošta', '2019']}], COURIER);
		assert.deepEqual(plans.map((p) => [p.mailbox, p.rule]), [['INBOX.Sent Messages', 'sent'], ['INBOX.Sent Messages.2019', 'sent']]);
	});

	test('Given a top-level folder the store marks \\Inbox under an unknown name, when planned with a child, then both go below INBOX', () => {
		const plans = planFolders([{path: ['Doručená pošta'], specialUse: '\\Inbox'}, {path: ['Doručená pošta', 'Faktury']}], DOVECOT);
		assert.deepEqual(plans.map((p) => p.mailbox), ['INBOX', 'INBOX/Faktury']);
	});

	test('Given a store role on a top-level folder, when its name suggests another role, then the store role wins', () => {
		assert.equal(mailboxOf(['Sent'], DOVECOT, {}), 'Sent');
		assert.equal(planFolders([{path: ['Sent'], specialUse: '\\Archive'}], DOVECOT)[0]?.mailbox, 'Archive');
	});

	test('Given a deeper folder the store marks \\Sent, when planned, then it keeps its path (not merged into "Sent/Sent")', () => {
		const plan = planFolders([{path: ['Old PST', 'Sent'], specialUse: '\\Sent'}], DOVECOT)[0];
		assert.equal(plan?.mailbox, 'Old PST/Sent');
		assert.equal(plan?.rule, 'same-name');
	});
});

describe('planFolders: ordinary folders', () => {
	runTable('a "/" server', DOVECOT, [
		['a top-level folder', ['Projects'], 'Projects'],
		['a nested folder', ['Projects', '2019', 'Q1'], 'Projects/2019/Q1'],
		['a name with a dot', ['v1.2 notes'], 'v1.2 notes'],
		['a name with non-ASCII letters', ['Bücher'], 'Bücher'],
	]);
	runTable('an "INBOX." namespace server', COURIER, [
		['a top-level folder', ['Projects'], 'INBOX.Projects'],
		['a nested folder', ['Projects', '2019', 'Q1'], 'INBOX.Projects.2019.Q1'],
	]);
	runTable('a "." server without a prefix', BARE_DOT, [
		['a top-level folder', ['Projects'], 'Projects'],
		['a nested folder', ['Projects', '2019'], 'Projects.2019'],
	]);

	test('Given folders in some order, when planned, then there is one plan per folder, in order, with its label and the same folder object', () => {
		const folders: SourceFolder[] = [{path: ['B']}, {path: ['Inbox']}, {path: ['A', 'x'], count: 3}];
		const plans = planFolders(folders, DOVECOT);
		assert.equal(plans.length, 3);
		assert.deepEqual(plans.map((p) => p.label), ['B', 'Inbox', 'A/x']);
		assert.equal(plans[2]?.folder, folders[2]);
		assert.deepEqual(plans.map((p) => p.rule), ['same-name', 'inbox', 'same-name']);
	});

	test('Given no folders, when planned, then the plan is empty', () => {
		assert.deepEqual(planFolders([], DOVECOT), []);
	});
});

describe('planFolders: delimiter characters inside local names', () => {
	// [case, layout, path, mailbox, number of notes]
	const table: ReadonlyArray<readonly [string, ServerLayout, readonly string[], string, number]> = [
		['a "." in a top-level name on a "." server', COURIER, ['v1.2 notes'], 'INBOX.v1_2 notes', 1],
		['a "." in a nested name on a "." server', BARE_DOT, ['Projects', 'a.b.c'], 'Projects.a_b_c', 1],
		['"." in two levels on a "." server', BARE_DOT, ['x.y', 'a.b'], 'x_y.a_b', 2],
		['a "." in an Inbox child on a "." server', COURIER, ['Inbox', 'Kunde GmbH & Co.'], 'INBOX.Kunde GmbH & Co_', 1],
		['a "." in a special folder child on a "." server', COURIER, ['Sent Items', '2019.1'], 'INBOX.Sent Messages.2019_1', 1],
		['a "/" in a name on a "/" server', DOVECOT, ['Q1/Q2 reports'], 'Q1_Q2 reports', 1],
		['a "." in a name on a "/" server (not a delimiter there)', DOVECOT, ['v1.2'], 'v1.2', 0],
		['a "/" in a name on a "." server (not a delimiter there)', BARE_DOT, ['a/b'], 'a/b', 0],
		['an empty name', DOVECOT, ['Projects', ''], 'Projects/_', 1],
		['a name of spaces only', DOVECOT, ['  '], '_', 1],
	];
	for (const [name, layout, path, mailbox, notes] of table) {
		test(`Given ${name}, when planned, then it goes to "${mailbox}" with ${notes} note(s)`, () => {
			const plan = planOne(path, layout);
			assert.equal(plan.mailbox, mailbox);
			assert.equal(plan.notes.length, notes);
		});
	}

	test('Given a name with the delimiter, when planned, then the note names the original, the delimiter and the new name', () => {
		assert.deepEqual(planOne(['v1.2'], BARE_DOT).notes, ['"v1.2" contains the server\'s folder separator "."; uploaded as "v1_2"']);
	});

	test('Given a name with the delimiter, when planned, then the label still shows the local name', () => {
		assert.equal(planOne(['v1.2'], BARE_DOT).label, 'v1.2');
	});
});

describe('planFolders: --prefix', () => {
	const options: FolderMapOptions = {prefix: 'Imported/Old PC'};
	runTable('a "/" server with --prefix "Imported/Old PC"', DOVECOT, [
		['the Inbox (not INBOX under a prefix)', ['Inbox'], 'Imported/Old PC/Inbox'],
		['an Inbox child', ['Inbox', 'Projects'], 'Imported/Old PC/Inbox/Projects'],
		['a special folder (no special-use mapping under a prefix)', ['Sent Items'], 'Imported/Old PC/Sent Items'],
		['a nested special folder', ['Sent Items', '2019'], 'Imported/Old PC/Sent Items/2019'],
		['an ordinary folder', ['Projects'], 'Imported/Old PC/Projects'],
	], options);
	runTable('an "INBOX." server with --prefix "Imported/Old PC"', COURIER, [
		['the Inbox', ['Inbox'], 'INBOX.Imported.Old PC.Inbox'],
		['a nested folder with a "." in its name', ['Projects', 'v1.2'], 'INBOX.Imported.Old PC.Projects.v1_2'],
	], options);
	runTable('a "/" server with --prefix "/Imported/" (slashes trimmed)', DOVECOT, [
		['an ordinary folder', ['Projects'], 'Imported/Projects'],
	], {prefix: '/Imported/'});
	runTable('a "/" server with --prefix "INBOX/Imported"', DOVECOT, [
		['an ordinary folder', ['Projects'], 'INBOX/Imported/Projects'],
	], {prefix: 'INBOX/Imported'});
	runTable('an "INBOX." server with --prefix "inbox/Imported" (no doubled INBOX.)', COURIER, [
		['an ordinary folder', ['Projects'], 'INBOX.Imported.Projects'],
	], {prefix: 'inbox/Imported'});

	test('Given --prefix, when planned, then the rule is "prefix"', () => {
		assert.equal(planOne(['Inbox'], DOVECOT, options).rule, 'prefix');
	});

	test('Given an empty --prefix, when planned, then it is as if there were none', () => {
		assert.equal(mailboxOf(['Sent Items'], DOVECOT, {prefix: ''}), 'Sent');
	});
});

describe('planFolders: --map', () => {
	const rules = (...texts: string[]): FolderMapOptions => ({rules: texts.map(parseMapRule)});
	runTable('a "/" server', DOVECOT, [
		['an exact match', ['Sent Items'], 'Archive/Sent 2019'],
		['a child of an exact match (subtree)', ['Sent Items', 'Q1'], 'Archive/Sent 2019/Q1'],
	], rules('Sent Items=Archive/Sent 2019'));
	runTable('a "/" server', DOVECOT, [
		['a deep subtree', ['Old', '2019', 'Q1'], 'Archive/Old/2019/Q1'],
		['a sibling that shares a prefix of the name (not a child)', ['Older'], 'Older'],
		['a folder of that name below another (paths match from the top)', ['Inbox', 'Old'], 'INBOX/Old'],
	], rules('Old=Archive/Old'));
	runTable('a "/" server with a case-different rule', DOVECOT, [
		['the folder', ['Sent Items'], 'Elsewhere'],
	], rules('sent items=Elsewhere'));
	runTable('a "/" server with a rule on a nested folder', DOVECOT, [
		['the nested folder', ['Inbox', 'Old'], 'Old Inbox'],
		['its child', ['Inbox', 'Old', 'x'], 'Old Inbox/x'],
		['its parent (unaffected)', ['Inbox'], 'INBOX'],
		['its sibling (unaffected)', ['Inbox', 'New'], 'INBOX/New'],
	], rules('Inbox/Old=Old Inbox'));
	runTable('a "/" server with a rule to INBOX', DOVECOT, [
		['the mapped folder', ['Local Mail'], 'INBOX'],
		['its child', ['Local Mail', 'Sub'], 'INBOX/Sub'],
	], rules('Local Mail=INBOX'));
	runTable('an "INBOX." server with a rule to INBOX', COURIER, [
		['the mapped folder', ['Local Mail'], 'INBOX'],
		['its child (no doubled INBOX.)', ['Local Mail', 'Sub'], 'INBOX.Sub'],
	], rules('Local Mail=INBOX'));
	runTable('an "INBOX." server with a rule to "inbox/Sub"', COURIER, [
		['the mapped folder', ['Local Mail'], 'INBOX.Sub'],
	], rules('Local Mail=inbox/Sub'));
	runTable('an "INBOX." server', COURIER, [
		['a mapped ordinary folder (namespace prefix added)', ['Projects'], 'INBOX.Work'],
		['its child with a "." in its name', ['Projects', 'v1.2'], 'INBOX.Work.v1_2'],
	], rules('Projects=Work'));
	runTable('a "/" server with two rules for the same folder', DOVECOT, [
		['the folder (the first rule wins)', ['Old'], 'First'],
	], rules('Old=First', 'Old=Second'));
	runTable('a "/" server with --map and --prefix', DOVECOT, [
		['the mapped folder (not under the prefix)', ['Old'], 'Elsewhere'],
		['another folder (under the prefix)', ['New'], 'Imported/New'],
	], {...rules('Old=Elsewhere'), prefix: 'Imported'});

	test('Given a --map rule, when the folder is planned, then the rule is "map" and the special-use mapping is not applied', () => {
		const plan = planOne(['Sent Items'], DOVECOT, rules('Sent Items=Sent Items'));
		assert.deepEqual([plan.mailbox, plan.rule], ['Sent Items', 'map']);
	});

	test('Given a --map rule whose local side is written in NFD, when planned, then an NFC folder name still matches', () => {
		assert.equal(mailboxOf(['Bücher'], DOVECOT, rules(`${'Bücher'.normalize('NFD')}=Books`)), 'Books');
	});
});

describe('planFolders: --exclude', () => {
	// [glob, path, excluded?]
	const table: ReadonlyArray<readonly [string, readonly string[], boolean]> = [
		['Junk*', ['Junk E-mail'], true],
		['Junk*', ['Junk'], true],
		['Junk*', ['Inbox', 'Junk'], false],
		['*', ['Anything'], true],
		['*', ['Anything', 'below'], true],
		['Inbox/*', ['Inbox'], false],
		['Inbox/*', ['Inbox', 'A'], true],
		['Inbox/*', ['Inbox', 'A', 'B'], true],
		['*/Spam', ['Inbox', 'Spam'], true],
		['*/Spam', ['Spam'], false],
		['*/Spam', ['a', 'b', 'Spam'], false],
		['**/Spam', ['Spam'], true],
		['**/Spam', ['Inbox', 'Spam'], true],
		['**/Spam', ['a', 'b', 'Spam'], true],
		['**/Spam', ['a', 'b', 'Spam', 'child'], true],
		['**/Spam', ['a', 'Spam folder'], false],
		['**', ['a', 'b', 'c'], true],
		['Archive/**', ['Archive'], false],
		['Archive/**', ['Archive', '2019', 'Q1'], true],
		['a/**/b', ['a', 'b'], true],
		['a/**/b', ['a', 'x', 'y', 'b'], true],
		['a/**/b', ['a', 'xb'], false],
		['a**', ['a', 'b'], true],
		['deleted items', ['Deleted Items'], true],
		['DELETED ITEMS', ['deleted items'], true],
		['ÉLÉMENTS*', ['éléments envoyés'], true],
		['Éléments*'.normalize('NFD'), ['Éléments envoyés'], true],
		['Éléments*', ['Éléments envoyés'.normalize('NFD')], true],
		['Q?', ['Q1'], true],
		['Q?', ['Q10'], false],
		['Q?', ['Q'], false],
		['?', ['a', 'b'], true],
		['Notes (old)', ['Notes (old)'], true],
		['a.b', ['axb'], false],
		['a.b', ['a.b'], true],
		['a+b', ['a+b'], true],
		['[x]', ['[x]'], true],
		['[x]', ['x'], false],
		['$^|{}', ['$^|{}'], true],
		['Project', ['Projects'], false],
		['Projects', ['Projects', 'sub'], true],
		['Projects/sub', ['Projects'], false],
	];
	for (const [glob, path, excluded] of table) {
		test(`Given --exclude "${glob}", when "${path.join('/')}" is planned, then it is ${excluded ? 'excluded' : 'kept'}`, () => {
			const plan = planOne(path, DOVECOT, {excludes: [glob]});
			assert.equal(plan.mailbox === undefined, excluded);
			assert.equal(plan.rule === 'excluded', excluded);
		});
	}

	test('Given several --exclude globs, when planned, then a folder matching any of them is excluded', () => {
		const plans = planFolders([{path: ['Spam']}, {path: ['Trash']}, {path: ['Inbox']}], DOVECOT, {excludes: ['Spam', 'Trash']});
		assert.deepEqual(plans.map((p) => p.mailbox), [undefined, undefined, 'INBOX']);
	});

	test('Given an excluded parent, when its children are planned, then they are excluded too', () => {
		const plans = planFolders([{path: ['Old']}, {path: ['Old', 'a']}, {path: ['Old', 'a', 'b']}, {path: ['Older']}], DOVECOT, {excludes: ['Old']});
		assert.deepEqual(plans.map((p) => p.mailbox), [undefined, undefined, undefined, 'Older']);
	});

	test('Given a folder both excluded and --map-ped, when planned, then the exclusion wins', () => {
		const plan = planOne(['Old'], DOVECOT, {excludes: ['Old'], rules: [parseMapRule('Old=Elsewhere')]});
		assert.deepEqual([plan.mailbox, plan.rule], [undefined, 'excluded']);
	});

	test('Given a folder with a delimiter in its name that is excluded, when planned, then no rename note is made', () => {
		assert.deepEqual(planOne(['v1.2'], BARE_DOT, {excludes: ['v1.2']}).notes, []);
	});
});

describe('globToRegExp', () => {
	test('Given "*", when compiled, then it does not cross a level', () => {
		const re = globToRegExp('a/*');
		assert.ok(re.test('a/b'));
		assert.ok(!re.test('a/b/c'));
	});

	test('Given a glob, when compiled, then the whole path must match (anchored)', () => {
		assert.ok(!globToRegExp('Spam').test('My Spam'));
		assert.ok(!globToRegExp('Spam').test('Spam2'));
	});
});

describe('parseMapRule', () => {
	const valid: ReadonlyArray<readonly [string, string, string]> = [
		['Sent Items=Sent', 'Sent Items', 'Sent'],
		['  Sent Items  =  Sent  ', 'Sent Items', 'Sent'],
		['/Inbox/Old/=/Archive/Old/', 'Inbox/Old', 'Archive/Old'],
		['A=B=C', 'A', 'B=C'],
		['Local=INBOX', 'Local', 'INBOX'],
	];
	for (const [text, from, to] of valid) {
		test(`Given --map "${text}", when parsed, then the rule is "${from}" → "${to}"`, () => {
			assert.deepEqual(parseMapRule(text), {from, to});
		});
	}

	const invalid: readonly string[] = ['Sent', '=Sent', 'Sent=', '=', '', '  =  ', '/=/'];
	for (const text of invalid) {
		test(`Given --map "${text}", when parsed, then it is refused with a message that shows the expected form`, () => {
			assert.throws(() => parseMapRule(text), /is not of the form 'Local folder=Remote folder'/);
		});
	}
});

describe('roleOfName', () => {
	const table: ReadonlyArray<readonly [string, string | undefined]> = [
		['Sent Items', 'sent'], ['Sent Messages', 'sent'], ['Gesendete Objekte', 'sent'], ['Éléments envoyés', 'sent'],
		['Elements envoyes', 'sent'], ['Drafts', 'drafts'], ['Deleted Items', 'trash'], ['Junk E-mail', 'junk'], ['Spam', 'junk'],
		['Archive', 'archive'], ['Inbox', 'inbox'], ['  inbox  ', 'inbox'], ['Projects', undefined], ['Sent Items 2', undefined], ['', undefined],
	];
	for (const [name, role] of table) {
		test(`Given the folder name "${name}", when its role is looked up, then it is ${role ?? 'none'}`, () => {
			assert.equal(roleOfName(name), role);
		});
	}
});
