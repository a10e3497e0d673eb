/**
 * Engine events: the only way progress leaves the engine (renderers subscribe; the engine never imports
 * React, ink or yargs). Emitting is synchronous and must not throw; listeners must be cheap.
 */
import type {ErrorCode} from './errors.js';
import type {SourceRef, Summary} from './types.js';

export type EngineEvent =
	| {type: 'run:start'; folders: number; messages?: number; bytes?: number; dryRun: boolean}
	/** `holdsNoMail`: the store says the folder holds no mail (Outlook Calendar, Contacts, internal folders): its mailbox is created only if mail turns up. */
	| {type: 'folder:start'; folder: string; mailbox: string; total?: number; created: boolean; holdsNoMail?: true}
	| {type: 'folder:excluded'; folder: string}
	| {type: 'message:uploaded'; ref: SourceRef; mailbox: string; bytes: number; uid?: number}
	| {type: 'message:skipped'; ref: SourceRef; code: string; reason: string}
	| {type: 'message:failed'; ref: SourceRef; code: ErrorCode | string; message: string}
	| {type: 'warning'; folder?: string; location?: string; message: string}
	| {type: 'connection'; id: number; state: 'up' | 'down'}
	| {type: 'throttle'; untilMs: number; reason: string}
	| {type: 'connections:target'; connections: number}
	| {type: 'notice'; message: string}
	| {type: 'folder:done'; folder: string}
	| {type: 'run:done'; summary: Summary};

export interface EventSink {
	emit(event: EngineEvent): void;
}

/** A tiny fan-out bus. A throwing listener is isolated (it must not break the run). */
export class EventBus implements EventSink {
	readonly #listeners = new Set<(event: EngineEvent) => void>();

	subscribe(listener: (event: EngineEvent) => void): () => void {
		this.#listeners.add(listener);
		return () => this.#listeners.delete(listener);
	}

	emit(event: EngineEvent): void {
		for (const listener of this.#listeners) {
			try {
				listener(event);
			} catch {
				// A renderer bug must never stop a migration.
			}
		}
	}
}
