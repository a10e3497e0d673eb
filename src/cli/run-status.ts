/** `mailshift status`: what a migration's journal says — done, failed, skipped, still to check — without locking it. */
import {existsSync} from 'node:fs';
import type {MigrationConfig} from '../config/config.js';
import {MailshiftError, toMailshiftError} from '../contracts/errors.js';
import {SqliteJournal} from '../journal/sqlite-journal.js';
import {ExitCode, exitCodeFor} from '../contracts/exit-codes.js';
import type {ExitCodeValue} from '../contracts/exit-codes.js';
import {fit, formatCount} from '../util/format.js';
import type {CliIo} from '../app/migrate.js';
import {printError} from '../app/migrate.js';

export function runStatus(config: MigrationConfig, io: CliIo): ExitCodeValue {
	try {
		if (!config.journalPath) throw new MailshiftError('USAGE', 'status needs --to (or --journal) to find the journal.', 'fatal');
		// A journal an earlier version kept under the old name is shown until a migrate run moves it.
		const legacy = config.legacyJournalPath;
		const s = SqliteJournal.inspect(legacy !== undefined && !existsSync(config.journalPath) && existsSync(legacy) ? legacy : config.journalPath);
		const w = Math.min(40, Math.max(12, ...s.folders.map((f) => [...f.folder].length)));
		const n = (v: number): string => formatCount(v).padStart(9);
		const lines = [
			`Journal ${s.path}${s.isLocked ? ' (a run is active, or one crashed: the lock file is there)' : ''}`,
			`  ${s.config}`,
			`  started ${s.createdAt}${s.updatedAt ? `, last change ${s.updatedAt}` : ''}`,
			`  ${fit('Folder', w)} ${'done'.padStart(9)} ${'failed'.padStart(9)} ${'skipped'.padStart(9)} ${'to check'.padStart(9)}`,
			...s.folders.map((f) => `  ${fit(f.folder, w)} ${n(f.done)} ${n(f.failed)} ${n(f.skipped)} ${n(f.pending)}`),
			`  ${fit('Total', w)} ${n(s.counts.done)} ${n(s.counts.failed)} ${n(s.counts.skipped)} ${n(s.counts.pending)}`,
			`  (${formatCount(s.foundOnServer)} of the done messages were found already on the server rather than uploaded.)`,
			...s.failures.map((f) => `  ${f.code.toLowerCase()}: ${f.location}: ${f.error}`),
		];
		const complete = s.counts.failed === 0 && s.counts.pending === 0;
		lines.push(complete ? 'Nothing left to do for the messages seen so far (run migrate again to pick up new ones, verify to prove it).' : 'Run the same migrate command again to retry the failed messages and check the pending ones.');
		io.stdout.write(lines.join('\n') + '\n');
		return complete ? ExitCode.OK : ExitCode.SOME_FAILED;
	} catch (error) {
		const e = toMailshiftError(error);
		printError(e, io, config.debug);
		return exitCodeFor(e.code);
	}
}
