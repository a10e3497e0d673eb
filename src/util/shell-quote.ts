/**
 * POSIX shell quoting for the commands mailshift prints for a person to paste (resume, verify). Pure; safe
 * for any string: words of only "safe" characters stay bare, anything else is single-quoted, and a single
 * quote inside becomes '\'' (end the quote, an escaped quote, reopen) — POSIX.1-2017 XCU 2.2.2/2.2.3: inside
 * single quotes nothing is special except the closing quote. Never put a secret into such a command.
 */

/** Characters that need no quoting in any POSIX shell (no globbing, expansion, word splitting or `~`). */
const SAFE = /^[\w@%+=:,./-]+$/;

/** One argument as a shell word: `O'Brien` → `'O'\''Brien'`, `` (empty) → `''`. */
export function shellQuote(arg: string): string {
	return SAFE.test(arg) && !arg.startsWith('~') ? arg : `'${arg.replaceAll("'", "'\\''")}'`;
}

/** A whole command line from its argv, each argument quoted as needed. */
export function shellCommand(argv: readonly string[]): string {
	return argv.map(shellQuote).join(' ');
}
