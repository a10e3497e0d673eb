/**
 * ProblemRelay: readers are opened (by the CLI) before the engine runs, but their per-message problems
 * belong to the engine's summary. The relay's `onProblem` is handed to the reader; the engine attaches
 * its handler for the duration of the run. Problems reported while nothing is attached are kept (bounded)
 * and delivered on attach.
 */
import type {ReaderProblem} from '../readers/source-store.js';

export class ProblemRelay {
	#handler: ((problem: ReaderProblem) => void) | undefined;
	readonly #early: ReaderProblem[] = [];

	readonly onProblem = (problem: ReaderProblem): void => {
		if (this.#handler) this.#handler(problem);
		else if (this.#early.length < 1000) this.#early.push(problem);
	};

	attach(handler: (problem: ReaderProblem) => void): () => void {
		this.#handler = handler;
		for (const problem of this.#early.splice(0)) handler(problem);
		return () => {
			if (this.#handler === handler) this.#handler = undefined;
		};
	}
}
