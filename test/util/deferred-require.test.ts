/**
 * requireDeferring (src/util/deferred-require.ts): a package's deferred dependencies load only when it uses
 * them, and then behave as the real modules — called, constructed, read, with TypeScript's `__importDefault`.
 * Fixture packages in a temp dir; each counts its loads in a global.
 */
import assert from 'node:assert/strict';
import {mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises';
import {createRequire} from 'node:module';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, test} from 'node:test';
import {requireDeferring} from '../../src/util/deferred-require.js';

type Loads = Record<string, number>;
const loads = (): Loads => ((globalThis as {deferredLoads?: Loads}).deferredLoads ??= {});

/** A package file that counts its load under `name`, then runs `body`. */
const counting = (name: string, body: string): string => `globalThis.deferredLoads = globalThis.deferredLoads || {};\nglobalThis.deferredLoads[${JSON.stringify(name)}] = (globalThis.deferredLoads[${JSON.stringify(name)}] || 0) + 1;\n${body}\n`;

describe('requireDeferring', () => {
	let root: string;
	let from: string;
	before(async () => {
		root = await mkdtemp(join(tmpdir(), 'ms-deferred-'));
		const pkg = async (name: string, body: string): Promise<void> => {
			await mkdir(join(root, 'node_modules', name), {recursive: true});
			await writeFile(join(root, 'node_modules', name, 'package.json'), JSON.stringify({name, main: 'index.js'}));
			await writeFile(join(root, 'node_modules', name, 'index.js'), counting(name, body));
		};
		// A function module, an object whose method uses `this`, an ES-module-shaped one with a default class.
		await pkg('dep-fn', 'module.exports = function greet(who) { return `hello ${who}`; };');
		await pkg('dep-obj', 'module.exports = {prefix: "<", wrap(s) { return this.prefix + s + ">"; }};');
		await pkg('dep-es', 'Object.defineProperty(exports, "__esModule", {value: true});\nexports.default = class Box { constructor(v) { this.v = v; } };');
		await pkg('dep-loaded', 'module.exports = {tag: "real"};');
		// The host, as TypeScript compiles it to CommonJS.
		await pkg('host', [
			'var __importDefault = (this && this.__importDefault) || function (mod) { return (mod && mod.__esModule) ? mod : { "default": mod }; };',
			'const fn_1 = __importDefault(require("dep-fn"));',
			'const obj_1 = __importDefault(require("dep-obj"));',
			'const es_1 = __importDefault(require("dep-es"));',
			'const loaded_1 = require("dep-loaded");',
			'exports.greet = (who) => fn_1.default(who);',
			'exports.wrap = (s) => obj_1.default.wrap(s);',
			'exports.box = (v) => new es_1.default(v).v;',
			'exports.hasPrefix = () => "prefix" in obj_1.default;',
			'exports.loadedTag = () => loaded_1.tag;',
		].join('\n'));
		from = join(root, 'main.js');
	});
	after(async () => rm(root, {recursive: true, force: true}));

	test('the deferred dependencies are not loaded with the package, each loads once on first use and behaves as itself, and one already loaded is used as it is', () => {
		const plain = createRequire(from);
		const loaded = plain('dep-loaded') as {tag: string};
		const host = requireDeferring(from, 'host', [
			{id: 'dep-fn', esModule: false}, {id: 'dep-obj', esModule: false}, {id: 'dep-es', esModule: true}, {id: 'dep-loaded', esModule: false},
		]) as {greet(who: string): string; wrap(s: string): string; box(v: number): number; hasPrefix(): boolean; loadedTag(): string};
		assert.deepEqual({...loads()}, {'dep-loaded': 1, host: 1}, 'only the host (and what was loaded before) ran');
		assert.equal(host.greet('you'), 'hello you');
		assert.equal(host.greet('again'), 'hello again');
		assert.equal(host.wrap('x'), '<x>', 'a method that reads `this` sees the module');
		assert.equal(host.hasPrefix(), true);
		assert.equal(host.box(7), 7, 'a class from an __esModule module is constructed');
		assert.equal(host.loadedTag(), 'real');
		assert.deepEqual({...loads()}, {'dep-loaded': 1, host: 1, 'dep-fn': 1, 'dep-obj': 1, 'dep-es': 1}, 'each loaded once');
		// After the load, the module cache holds the real modules: a later require gets them, not a stand-in.
		assert.equal(typeof plain('dep-obj'), 'object');
		assert.equal(plain('dep-loaded'), loaded);
		assert.equal(loads()['dep-obj'], 1);
	});

	test('a dependency that is never used is never loaded, and nothing is left in the module cache for it', () => {
		const plain = createRequire(from);
		const file = plain.resolve('dep-fn');
		delete plain.cache[file];
		delete plain.cache[plain.resolve('host')];
		const before = loads()['dep-fn'];
		requireDeferring(from, 'host', [{id: 'dep-fn', esModule: false}]);
		assert.equal(loads()['dep-fn'], before);
		assert.equal(plain.cache[file], undefined);
	});
});
