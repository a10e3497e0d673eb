/** The commands the guided mode prints for a person to paste: the shell must read back exactly the run's options. */
import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import {test} from 'node:test';
import {wizardCommands} from '../../src/app/create-wizard-services.js';

/** What `sh` passes to the command, one argument per element. */
const argvOf = (command: string): string[] =>
	execFileSync('sh', ['-c', `set -- ${command}; printf '%s\\0' "$@"`], {encoding: 'utf8'}).split('\0').slice(0, -1);

test("The resume and verify commands survive a path like O'Brien's and carry the run's prefix, mappings and excludes", () => {
	const source = "/home/maria.o'brien/Mail/Local Folders";
	const url = 'imaps://maria@example.org@imap.example.org:993';
	const {commandLine, verifyCommand} = wizardCommands(source, url, {prefix: 'Imported/Old PC', rules: [{from: "Bob's Sent", to: 'Sent'}], excludes: ['Trash', 'Junk $x']});
	const options = ['--to', url, '--prefix', 'Imported/Old PC', '--map', "Bob's Sent=Sent", '--exclude', 'Trash', '--exclude', 'Junk $x'];
	assert.deepEqual(argvOf(commandLine), ['mailshift', 'migrate', source, ...options]);
	assert.deepEqual(argvOf(verifyCommand), ['mailshift', 'verify', source, ...options]);
	assert.doesNotMatch(commandLine + verifyCommand, /password/i);
});

test('A certificate the person trusted in the guided mode is carried by both commands as --tls-fingerprint', () => {
	const pin = Array(32).fill('4C').join(':');
	const {commandLine, verifyCommand} = wizardCommands('/m', 'imaps://a@h:993', {excludes: [], tlsFingerprint: pin});
	for (const command of [commandLine, verifyCommand]) assert.deepEqual(argvOf(command).slice(2), ['/m', '--to', 'imaps://a@h:993', '--tls-fingerprint', pin]);
});
