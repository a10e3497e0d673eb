/**
 * A child process that writes a journal and is then killed (test/journal/sqlite-journal.test.ts): opens the
 * journal at argv[2] for the migration whose config hash is argv[3], commits `a` done and `b` pending with
 * `checkpoint()`, then writes `b` done and `c` pending without one, prints `written` and waits, holding the
 * journal's lock, until it is killed or stdin ends (then it closes the journal normally).
 */
import {SqliteJournal} from '../../src/journal/sqlite-journal.js';
import {uploadJob as job} from './journal-jobs.js';

const [path, configHash] = process.argv.slice(2);
if (!path || !configHash) throw new Error('usage: journal-writer.ts JOURNAL CONFIGHASH');
const journal = SqliteJournal.open({path, run: {configHash, configDescription: 'writer'}});
journal.begin(job('a'));
journal.done(job('a'), {mailbox: 'INBOX', uid: 1, uidValidity: 7n}, 'uploaded');
journal.begin(job('b'));
journal.checkpoint();
journal.done(job('b'), {mailbox: 'INBOX', uid: 2, uidValidity: 7n}, 'uploaded');
journal.begin(job('c'));
process.stdout.write('written\n');
process.stdin.resume();
process.stdin.on('end', () => journal.close());
