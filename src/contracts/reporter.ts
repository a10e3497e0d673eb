/** Reporter: how a run shows progress. Plain (stderr lines) now; ink dashboard and NDJSON later. */
import type {EngineEvent} from './events.js';

export interface Reporter {
	/** Receives every engine event (must be cheap). */
	onEvent(event: EngineEvent): void;
	start(): void;
	/** Stops timers and prints any final progress line. Idempotent. */
	stop(): void;
}
