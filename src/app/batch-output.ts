/**
 * BatchOutput: where a batch's text goes — plain lines on stderr (held back while the fleet view owns the
 * terminal), NDJSON events on stdout with --json, and errors with their hint — every piece redacted of the
 * plan's passwords first (a last line of defence: no password reaches any output). One per batch run.
 */
import {toMailshiftError} from '../contracts/errors.js';
import {exitCodeFor} from '../contracts/exit-codes.js';
import type {ExitCodeValue} from '../contracts/exit-codes.js';
import type {CliIo} from './migrate.js';

/** Replaces every password (3+ characters) in `text` with ***: a last line of defence for all output. */
export function redact(text: string, passwords: Iterable<string>): string {
	let out = text;
	for (const p of passwords) if (p.length >= 3) out = out.split(p).join('***');
	return out;
}

export class BatchOutput {
	/** The plan's passwords, added as soon as they are known; everything written is redacted of them. */
	readonly passwords: string[] = [];
	readonly #io: CliIo;
	readonly #config: Readonly<{json: boolean; debug: boolean}>;
	/** Lines said while the fleet view is shown (they would tear its frame); unbounded only for its lifetime. */
	#held: string[] | undefined;

	constructor(io: CliIo, config: Readonly<{json: boolean; debug: boolean}>) {
		this.#io = io;
		this.#config = config;
	}

	/** One line for the user on stderr (or held until `release` while the fleet view is shown). */
	say(line: string): void {
		if (this.#held) this.#held.push(redact(line, this.passwords));
		else this.#io.stderr.write(`${redact(line, this.passwords)}\n`);
	}

	/** One NDJSON event on stdout, timestamped (only with --json). */
	emit(object: Record<string, unknown>): void {
		if (!this.#config.json) return;
		const line = JSON.stringify({time: new Date().toISOString(), ...object}, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value));
		this.#io.stdout.write(`${redact(line, this.passwords)}\n`);
	}

	/** Says why the batch ends (message, hint, and with --debug the cause's stack) and returns its exit code. */
	fail(error: unknown): ExitCodeValue {
		const e = toMailshiftError(error);
		this.say(`mailshift: ${e.message}`);
		if (e.hint) this.say(`  ${e.hint}`);
		if (this.#config.debug && e.cause) this.say(String((e.cause as Error).stack ?? e.cause));
		return exitCodeFor(e.code);
	}

	/** `text` without the plan's passwords. */
	redact(text: string): string {
		return redact(text, this.passwords);
	}

	/** From now on lines wait (the fleet view is on the terminal). */
	hold(): void {
		this.#held = [];
	}

	/** Writes the lines that waited, in order, and says lines directly again. Idempotent. */
	release(): void {
		const lines = this.#held ?? [];
		this.#held = undefined;
		for (const line of lines) this.#io.stderr.write(`${line}\n`);
	}
}
