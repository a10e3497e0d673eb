/**
 * The Thunderbird filter file (msgFilterRules.dat) a `rules` source names: the file itself, an account
 * folder, a profile, or the Thunderbird directory (profiles.ini). Used by `mailshift rules` and `migrate --rules`.
 */
import {existsSync, readFileSync, readdirSync, statSync} from 'node:fs';
import {join, resolve} from 'node:path';
import {MailshiftError} from '../contracts/errors.js';

const FILTER_FILE = 'msgFilterRules.dat';

/** Finds the filter file the user means (see the module comment). @throws USAGE / SOURCE_NOT_FOUND. */
export function findFilterFile(source: string): string {
	const path = resolve(source);
	if (!existsSync(path)) throw new MailshiftError('SOURCE_NOT_FOUND', `${path} does not exist.`, 'fatal', {hint: 'Name a msgFilterRules.dat file, a Thunderbird account folder, or a profile folder.'});
	if (statSync(path).isFile()) return path;
	if (existsSync(join(path, FILTER_FILE))) return join(path, FILTER_FILE);
	const found: string[] = [];
	// The Thunderbird directory itself (~/.thunderbird): its profiles from profiles.ini (Path=, IsRelative=1).
	const profiles = [path];
	const ini = existsSync(join(path, 'profiles.ini')) ? readFileSync(join(path, 'profiles.ini'), 'utf8') : '';
	for (const section of ini.split(/^\[/m)) {
		const profile = /^Path=(.+)$/m.exec(section)?.[1]?.trim();
		if (profile) profiles.push(/^IsRelative=1$/m.test(section) ? join(path, profile) : profile);
	}
	for (const top of profiles.flatMap((p) => [p, join(p, 'Mail'), join(p, 'ImapMail')])) {
		if (!existsSync(top) || !statSync(top).isDirectory()) continue;
		for (const entry of readdirSync(top, {withFileTypes: true})) {
			const candidate = join(top, entry.name, FILTER_FILE);
			if (entry.isDirectory() && existsSync(candidate) && statSync(candidate).size > 0) found.push(candidate);
		}
	}
	const unique = [...new Set(found)];
	if (unique.length === 1 && unique[0]) return unique[0];
	if (unique.length === 0) {
		throw new MailshiftError('SOURCE_NOT_FOUND', `No ${FILTER_FILE} was found in ${path}.`, 'fatal', {hint: 'Thunderbird keeps the filters of each account in its mail folder, e.g. Mail/Local Folders/msgFilterRules.dat; name that file or folder.'});
	}
	throw new MailshiftError('USAGE', `${path} holds filters of ${unique.length} accounts:\n${unique.map((f) => `    ${f}`).join('\n')}`, 'fatal', {hint: 'Name the file (or account folder) of the account whose mail goes to this server.'});
}
