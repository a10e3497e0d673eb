/** Shell quoting of printed commands: what `sh` reads back is exactly the argv that was quoted. */
import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import {test} from 'node:test';
import {shellCommand, shellQuote} from '../../src/util/shell-quote.js';

test('Plain words stay bare, anything a shell would interpret is single-quoted', () => {
	const cases: ReadonlyArray<readonly [string, string]> = [
		['migrate', 'migrate'],
		['/home/u/Mail/Local-Folders', '/home/u/Mail/Local-Folders'],
		['imaps://me@example.org@imap.example.org:993', 'imaps://me@example.org@imap.example.org:993'],
		['', "''"],
		['Local Folders', "'Local Folders'"],
		["/home/O'Brien/mail", "'/home/O'\\''Brien/mail'"],
		['$HOME', "'$HOME'"],
		['~/mail', "'~/mail'"],
		['a*b', "'a*b'"],
		['x`id`', "'x`id`'"],
	];
	for (const [arg, quoted] of cases) assert.equal(shellQuote(arg), quoted, arg);
});

test('A quoted command line gives the shell back exactly the arguments it was built from', () => {
	const argv = ["/home/O'Brien/Mail/Local Folders", "it's", "''", '$(touch /tmp/x)', 'a\nb', 'tab\there', '"double"', '\\', '!', 'ü ß 日本'];
	const printed = shellCommand(['printf', '%s\\0', ...argv]);
	const out = execFileSync('sh', ['-c', printed], {encoding: 'utf8'});
	assert.deepEqual(out.split('\0').slice(0, -1), argv);
});
