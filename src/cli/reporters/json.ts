/**
 * NDJSON reporter (`--json`, restic-style): one JSON object per engine event on stdout, for log collectors
 * and scripts; the end summary follows as `{"type":"summary",…}`. No progress lines, no colours, no TUI.
 * Bigints (UIDVALIDITY) are written as strings.
 */
import type {EngineEvent} from '../../contracts/events.js';
import type {Reporter} from '../../contracts/reporter.js';

export class JsonReporter implements Reporter {
	readonly #write: (line: string) => void;

	constructor(write: (line: string) => void) {
		this.#write = write;
	}

	onEvent(event: EngineEvent): void {
		this.#write(JSON.stringify({time: new Date().toISOString(), ...event}, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value)));
	}

	start(): void {}

	stop(): void {}
}
