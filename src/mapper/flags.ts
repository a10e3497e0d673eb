/**
 * Flags we are willing to put on the wire, and filtering against the target mailbox's PERMANENTFLAGS.
 *
 * Why so strict: Dovecot answers BAD to an APPEND with `\Recent` or an unknown `\Word`, and then runs the
 * bytes of a non-synchronizing literal as IMAP commands (servers.md §0.1). So only the five settable
 * system flags (RFC 3501 §2.3.2, never `\Recent`) and keywords that are valid atoms (RFC 3501 §9) and fit
 * Dovecot's `mail_max_keyword_length = 50` are ever sent; and only those PERMANENTFLAGS allows
 * (RFC 3501 §7.1: `\*` means new keywords may be created).
 */

export const SYSTEM_FLAGS: ReadonlySet<string> = new Set(['\\Seen', '\\Answered', '\\Flagged', '\\Deleted', '\\Draft']);

const MAX_KEYWORD_LENGTH = 50;
// RFC 3501 §9: atom-specials = "(" / ")" / "{" / SP / CTL / list-wildcards / quoted-specials / resp-specials
const ATOM = /^[^(){ \x00-\x1f\x7f%*"\\\]]+$/;

/** Canonical spelling of a system flag (`\seen` → `\Seen`), or undefined when it is not one. */
export function canonicalSystemFlag(flag: string): string | undefined {
	for (const f of SYSTEM_FLAGS) if (f.toLowerCase() === flag.toLowerCase()) return f;
	return undefined;
}

export function isValidKeyword(flag: string): boolean {
	return flag.length <= MAX_KEYWORD_LENGTH && ATOM.test(flag) && /^[\x21-\x7e]+$/.test(flag);
}

/** Splits source flags into sendable ones (canonical, deduplicated, sorted) and dropped ones. */
export function sanitizeFlags(flags: Iterable<string>): {flags: string[]; dropped: string[]} {
	const out = new Set<string>();
	const dropped: string[] = [];
	for (const flag of flags) {
		if (flag.startsWith('\\')) {
			const system = canonicalSystemFlag(flag);
			if (system) out.add(system);
			else dropped.push(flag);
		} else if (isValidKeyword(flag)) {
			out.add(flag);
		} else {
			dropped.push(flag);
		}
	}
	return {flags: [...out].sort(), dropped};
}

/**
 * Keeps only the flags the mailbox stores permanently. `permanent` undefined means the server sent no
 * PERMANENTFLAGS: then only system flags are sent (RFC 3501 §7.1 says all FLAGS are permanent, but a
 * keyword the server does not know would be refused).
 */
export function allowedFlags(flags: readonly string[], permanent: ReadonlySet<string> | undefined): {flags: string[]; dropped: string[]} {
	const kept: string[] = [];
	const dropped: string[] = [];
	const lower = permanent ? new Set([...permanent].map((f) => f.toLowerCase())) : undefined;
	const anyKeyword = lower?.has('\\*') ?? false;
	for (const flag of flags) {
		const isSystem = flag.startsWith('\\');
		const ok = lower === undefined ? isSystem : lower.has(flag.toLowerCase()) || (!isSystem && anyKeyword);
		(ok ? kept : dropped).push(flag);
	}
	return {flags: kept, dropped};
}
