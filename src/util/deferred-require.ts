/**
 * Loads a CommonJS package with some of its dependencies deferred (issue #14, start-up): while the package
 * loads, each of them is bound to a stand-in that loads the real module the first time it is used — a property
 * read, a call, a `new`. What a run never uses (imapflow's pino logger, SOCKS proxy client, charset converters,
 * MIME decoders) is then never loaded.
 *
 * How: Node's CommonJS module cache (`require.cache`; Node's docs: "adding or replacing entries is possible")
 * holds a stand-in under each dependency's resolved file name while the package loads, and nothing after that,
 * so any later `require` of it, the stand-in's own included, loads the real module.
 *
 * What a stand-in answers without loading: `__esModule`, from the table the caller gives (TypeScript's CommonJS
 * output reads it at `require` time, in `__importDefault`), so the table must say what the real module says
 * (src/uploader/imapflow-class.ts has a test that checks it). Everything else — reads, `in`, writes, calls,
 * `new` — loads the real module and forwards to it; the stand-in is a function, so `typeof` says 'function'
 * for a module that exports an object. Fit for packages that only use their dependencies, as compiled
 * TypeScript does (`dep_1.name(...)`, `new dep_1.default(...)`); not for one that lists their keys at load.
 */
import Module, {createRequire} from 'node:module';

/** A dependency to defer: its id as the package requires it, and whether the real module has `__esModule` set. */
export type DeferredDependency = Readonly<{id: string; esModule: boolean}>;

/**
 * `require(id)` from `from` (a file path or file: URL), with `deferred` bound to stand-ins while it loads. A
 * dependency already in the module cache is not deferred (the package gets the loaded module).
 */
export function requireDeferring(from: string | URL, id: string, deferred: readonly DeferredDependency[]): unknown {
	const requireHere = createRequire(from);
	// Resolved as the package resolves them (its own nested node_modules first).
	const requireAsPackage = createRequire(requireHere.resolve(id));
	const cache = requireHere.cache;
	const placed: Array<[string, Module]> = [];
	for (const dependency of deferred) {
		const file = requireAsPackage.resolve(dependency.id);
		if (cache[file] !== undefined) continue;
		const stub = new Module(file);
		stub.filename = file;
		stub.loaded = true;
		stub.exports = standIn(dependency, () => {
			if (cache[file] === stub) delete cache[file];
			return requireAsPackage(dependency.id) as object;
		});
		cache[file] = stub;
		placed.push([file, stub]);
	}
	try {
		return requireHere(id);
	} finally {
		for (const [file, stub] of placed) if (cache[file] === stub) delete cache[file];
	}
}

/** A stand-in for a module: loads it (once) on first use and forwards to it. */
function standIn(dependency: DeferredDependency, load: () => object): object {
	let real: object | undefined;
	const module = (): object => (real ??= load());
	// A function target, so that calls and `new` can be forwarded (a Proxy has them only when its target has).
	return new Proxy(function deferredModule() {}, {
		get: (_target, key) => (key === '__esModule' ? (dependency.esModule ? true : undefined) : Reflect.get(module(), key)),
		has: (_target, key) => Reflect.has(module(), key),
		set: (_target, key, value) => Reflect.set(module(), key, value),
		apply: (_target, self, args) => Reflect.apply(module() as (...a: unknown[]) => unknown, self, args),
		construct: (_target, args) => Reflect.construct(module() as new (...a: unknown[]) => object, args),
	});
}
