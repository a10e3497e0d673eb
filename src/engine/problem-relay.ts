/**
 * ProblemRelay: readers are opened (by the CLI) before the engine runs, but their per-message problems
 * belong to the engine's summary. The relay's `onProblem` is handed to the reader; the engine attaches
 * its handler for the duration of the run. Problems reported while nothing is attached are kept (bounded)
 * and delivered on attach. The same problem reported again (same folder, location, code and reason) is
 * relayed once.
 */
import type {ReaderProblem} from '../contracts/source-store.js';

const MAX_REMEMBERED = 10_000;

export class ProblemRelay {
	#handler: ((problem: ReaderProblem) => void) | undefined;
	readonly #early: ReaderProblem[] = [];

	/** Problems already relayed (bounded: past the bound, repeats are relayed again rather than remembered). */
	readonly #seen = new Set<string>();

	readonly onProblem = (problem: ReaderProblem): void => {
		// A reader that lists its folders more than once (MboxStore walks the tree at open and again in
		// listFolders) reports the same ignored or unreadable file each time: one file, one warning, one count.
		const key = JSON.stringify([problem.folder, problem.location, problem.code, problem.kind, problem.reason]);
		if (this.#seen.has(key)) return;
		if (this.#seen.size < MAX_REMEMBERED) this.#seen.add(key);
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
