/**
 * resolveMigrateConfig: yargs' argv → a validated, frozen MigrationConfig (STYLE rule 7). Every problem is a
 * USAGE MailshiftError that says what to write instead.
 */
import assert from 'node:assert/strict';
import {resolve as resolvePath} from 'node:path';
import {describe, test} from 'node:test';

import type {MigrateArgs} from '../../src/config/resolve.js';
import {resolveMigrateConfig} from '../../src/config/resolve.js';
import {MailshiftError} from '../../src/contracts/errors.js';

const BASE: MigrateArgs = {source: 'mail/Inbox.mbox', to: 'imaps://alice@imap.example.com'};

function usage(args: MigrateArgs, says: RegExp, hint?: RegExp): void {
	assert.throws(() => resolveMigrateConfig(args), (error: unknown) => {
		assert.ok(error instanceof MailshiftError, String(error));
		assert.equal(error.code, 'USAGE');
		assert.equal(error.disposition, 'fatal');
		assert.match(error.message, says);
		if (hint) assert.match(error.hint ?? '', hint);
		return true;
	});
}

describe('resolveMigrateConfig: source and destination', () => {
	test('Given no source, when resolved, then a USAGE error shows the command line to use', () => {
		usage({to: BASE.to}, /No source/, /mailshift migrate <source> --to/);
	});

	test('Given an empty source, when resolved, then it counts as no source', () => {
		usage({...BASE, source: ''}, /No source/);
	});

	test('Given no --to and no --dry-run, when resolved, then a USAGE error suggests --to or --dry-run', () => {
		usage({source: BASE.source}, /No destination/, /--dry-run/);
	});

	test('Given --dry-run without --to, when resolved, then the config has no target', () => {
		const config = resolveMigrateConfig({source: BASE.source, dryRun: true});
		assert.equal(config.dryRun, true);
		assert.equal(config.target, undefined);
	});

	test('Given --dry-run with --to, when resolved, then the target is parsed (the plan can read the server)', () => {
		const config = resolveMigrateConfig({...BASE, dryRun: true});
		assert.equal(config.target?.host, 'imap.example.com');
	});

	test('Given a relative source, when resolved, then it is made absolute against the working directory', () => {
		assert.equal(resolveMigrateConfig(BASE).source, resolvePath('mail/Inbox.mbox'));
	});

	test('Given an invalid --to, when resolved, then the URL parser\'s USAGE error comes through', () => {
		usage({...BASE, to: 'https://alice@imap.example.com'}, /not an IMAP URL/);
	});

	test('Given a --to with a password, when resolved, then it is refused', () => {
		usage({...BASE, to: 'imaps://alice:secret@imap.example.com'}, /contains a password/);
	});

	const tls: ReadonlyArray<readonly [string, boolean | undefined, boolean]> = [
		['imap://alice@imap.example.com', undefined, true],
		['imap://alice@imap.example.com', true, false],
		['imap://alice@127.0.0.1:10143', undefined, false],
	];
	for (const [to, insecure, requireStartTls] of tls) {
		test(`Given --to ${to}${insecure ? ' --insecure' : ''}, when resolved, then STARTTLS is ${requireStartTls ? '' : 'not '}required`, () => {
			const config = resolveMigrateConfig({...BASE, to, ...(insecure === undefined ? {} : {insecure})});
			assert.equal(config.target?.requireStartTls, requireStartTls);
			assert.equal(config.target?.insecure, insecure ?? false);
		});
	}
});

describe('resolveMigrateConfig: --from', () => {
	const good: ReadonlyArray<readonly [string | undefined, string | undefined]> = [[undefined, undefined], ['maildir', 'maildir'], ['mbox', 'mbox'], ['pst', 'pst'], ['olm', 'olm']];
	for (const [from, kind] of good) {
		test(`Given --from ${from ?? '(none)'}, when resolved, then sourceKind is ${kind ?? 'undefined (detected later)'}`, () => {
			assert.equal(resolveMigrateConfig({...BASE, ...(from === undefined ? {} : {from})}).sourceKind, kind);
		});
	}
	for (const from of ['MBOX', 'Maildir', '', 'thunderbird']) {
		test(`Given --from "${from}", when resolved, then a USAGE error lists the known kinds`, () => {
			usage({...BASE, from}, /is not a known store kind/, /--from maildir, --from mbox, --from pst, --from eml, --from apple-mail, --from dbx, --from pop3 or --from olm/);
		});
	}
});

describe('resolveMigrateConfig: --connections', () => {
	const good: ReadonlyArray<readonly [number | undefined, number]> = [[undefined, 4], [1, 1], [4, 4], [10, 10], [32, 32]];
	for (const [given, expected] of good) {
		test(`Given --connections ${given ?? '(none)'}, when resolved, then ${expected} connections are used`, () => {
			assert.equal(resolveMigrateConfig({...BASE, ...(given === undefined ? {} : {connections: given})}).connections, expected);
		});
	}
	for (const bad of [0, -1, 33, 1000, 2.5, Number.NaN, Number.POSITIVE_INFINITY]) {
		test(`Given --connections ${bad}, when resolved, then a USAGE error gives the range 1 to 32`, () => {
			usage({...BASE, connections: bad}, /--connections .* is out of range/, /1 to 32/);
		});
	}
});

describe('resolveMigrateConfig: --map', () => {
	test('Given several --map rules, when resolved, then they are parsed in order', () => {
		const config = resolveMigrateConfig({...BASE, map: ['Sent Items=Sent', ' /Old/Archive/ = Archive/2019 ']});
		assert.deepEqual(config.rules, [{from: 'Sent Items', to: 'Sent'}, {from: 'Old/Archive', to: 'Archive/2019'}]);
	});

	const bad: ReadonlyArray<readonly [string, string]> = [
		['no "="', 'Sent Items'],
		['an empty local side', '=Sent'],
		['an empty remote side', 'Sent Items='],
		['only "="', '='],
		['only slashes on the remote side', 'Sent=//'],
		['blanks around "="', '  =  '],
	];
	for (const [why, text] of bad) {
		test(`Given --map with ${why} ("${text}"), when resolved, then a USAGE error quotes it and shows an example`, () => {
			usage({...BASE, map: ['Inbox=INBOX', text]}, new RegExp(`--map "${text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}"`), /--map 'Sent Items=Sent'/);
		});
	}
});

describe('resolveMigrateConfig: --prefix', () => {
	const rows: ReadonlyArray<readonly [string | undefined, string | undefined]> = [
		[undefined, undefined],
		['Imported', 'Imported'],
		['  Imported  ', 'Imported'],
		['/Imported/', 'Imported'],
		['//Archive/2019//', 'Archive/2019'],
		[' /Archive/Old Mail/ ', 'Archive/Old Mail'],
		['', undefined],
		['   ', undefined],
		['/', undefined],
		['///', undefined],
	];
	for (const [given, expected] of rows) {
		test(`Given --prefix ${given === undefined ? '(none)' : JSON.stringify(given)}, when resolved, then the prefix is ${expected === undefined ? 'undefined' : JSON.stringify(expected)}`, () => {
			assert.equal(resolveMigrateConfig({...BASE, ...(given === undefined ? {} : {prefix: given})}).prefix, expected);
		});
	}
});

describe('resolveMigrateConfig: --stats, --report and defaults', () => {
	test('Given only a source and --to, when resolved, then every default is filled in', () => {
		const config = resolveMigrateConfig(BASE);
		assert.equal(config.sourceKind, undefined);
		assert.equal(config.passwordFile, undefined);
		assert.equal(config.dryRun, false);
		assert.equal(config.includeTrashed, false);
		assert.equal(config.connections, 4);
		assert.equal(config.prefix, undefined);
		assert.deepEqual(config.rules, []);
		assert.deepEqual(config.excludes, []);
		assert.equal(config.reportPath, undefined);
		assert.equal(config.statsIntervalMs, 5000);
		assert.equal(config.debug, false);
	});

	const stats: ReadonlyArray<readonly [number, number]> = [[0, 0], [1, 1000], [0.5, 500], [60, 60_000]];
	for (const [seconds, ms] of stats) {
		test(`Given --stats ${seconds}, when resolved, then progress lines come every ${ms} ms`, () => {
			assert.equal(resolveMigrateConfig({...BASE, stats: seconds}).statsIntervalMs, ms);
		});
	}
	for (const bad of [-1, Number.NaN]) {
		test(`Given --stats ${bad}, when resolved, then a USAGE error explains the unit`, () => {
			usage({...BASE, stats: bad}, /--stats must be a number of seconds/);
		});
	}

	test('Given --report with a relative path, when resolved, then it is made absolute', () => {
		assert.equal(resolveMigrateConfig({...BASE, report: 'out/report.json'}).reportPath, resolvePath('out/report.json'));
	});

	test('Given --password-file, --include-trashed, --debug and --exclude, when resolved, then they are carried over', () => {
		const config = resolveMigrateConfig({...BASE, passwordFile: '/run/secrets/imap', includeTrashed: true, debug: true, exclude: ['Junk*', '**/Old']});
		assert.equal(config.passwordFile, '/run/secrets/imap');
		assert.equal(config.includeTrashed, true);
		assert.equal(config.debug, true);
		assert.deepEqual(config.excludes, ['Junk*', '**/Old']);
	});
});

describe('resolveMigrateConfig: the result is frozen', () => {
	test('Given a resolved config, when a field is assigned, then it throws (the object is frozen)', () => {
		const config = resolveMigrateConfig({...BASE, map: ['A=B'], exclude: ['X']});
		assert.ok(Object.isFrozen(config));
		assert.throws(() => {
			(config as {connections: number}).connections = 99;
		}, TypeError);
		assert.equal(config.connections, 4);
	});

	test('Given a resolved config, when its rule and exclude lists are changed, then that throws too', () => {
		const config = resolveMigrateConfig({...BASE, map: ['A=B'], exclude: ['X']});
		assert.ok(Object.isFrozen(config.rules));
		assert.ok(Object.isFrozen(config.excludes));
		assert.throws(() => (config.rules as unknown as unknown[]).push({from: 'C', to: 'D'}), TypeError);
		assert.throws(() => (config.excludes as unknown as string[]).push('Y'), TypeError);
	});

	test('Given the caller\'s --exclude array, when it is changed after resolving, then the config keeps its own copy', () => {
		const exclude = ['Junk'];
		const config = resolveMigrateConfig({...BASE, exclude});
		exclude.push('Trash');
		assert.deepEqual(config.excludes, ['Junk']);
	});
});

describe('resolveMigrateConfig: Outlook Express and POP3 sources (issue #16)', () => {
	test('a pop3s:// source stays a URL (not a path) and is a pop3 source with its own password file', () => {
		const config = resolveMigrateConfig({source: 'pop3s://old@pop.example.net', to: 'imaps://new@imap.example.net', sourcePasswordFile: '/run/pop-pass'}, {});
		assert.equal(config.source, 'pop3s://old@pop.example.net');
		assert.equal(config.sourceKind, 'pop3');
		assert.equal(config.sourcePasswordFile, '/run/pop-pass');
	});

	test('a pop3:// source with a password in it is refused at once, and the refusal never repeats the password', () => {
		assert.throws(() => resolveMigrateConfig({source: 'pop3://old:s3cret@127.0.0.1:110', to: 'imaps://new@imap.example.net'}, {}), (e: {code?: string; message?: string; hint?: string}) => {
			assert.equal(e.code, 'USAGE');
			assert.match(e.message ?? '', /no password in the POP3 URL/i);
			assert.ok(!`${e.message} ${e.hint}`.includes('s3cret'));
			return true;
		});
	});

	test('--from dbx is accepted', () => {
		assert.equal(resolveMigrateConfig({source: '/tmp/oe', from: 'dbx', dryRun: true}, {}).sourceKind, 'dbx');
	});
});
