/**
 * imapflow's `ImapFlow` class, loaded with `require` rather than `import`, with the dependencies an upload does
 * not use deferred (issue #14, start-up).
 *
 * The package ships the same code twice, as CommonJS and as ES modules. Its ES build imports a dozen CommonJS
 * packages (iconv-lite, libmime, pino, socks, …), and each of their files then goes through Node's ES-to-CommonJS
 * bridge: a lexer pass over the source to find its exports, and a module record around it. Its CommonJS build
 * loads the same code without that: 100–120 ms against 170–210 ms for `import` (Node 20, measured on this
 * machine kind; it is the largest part of a no-op re-run's fixed cost after Node itself).
 *
 * Of those 100–130 ms, ~75 went to packages imapflow loads eagerly but uses only for what mailshift never asks
 * of it or asks rarely (measured: 110–136 ms → 30–55 ms): pino (its default logger; mailshift passes
 * `logger: false`), socks (a proxy), libmime, iconv-lite and encoding-japanese (decoding ENVELOPE words,
 * modified UTF-7 mailbox names, charsets of downloaded parts), mailsplit, libqp and libbase64 (`download()`).
 * They are deferred (util/deferred-require.ts): loaded the first time imapflow uses them.
 *
 * Every module of the project that constructs an ImapFlow takes it from here, so one copy of the class is loaded
 * (`instanceof` and the internals multi-append.ts and deflate-session.ts rely on are the same ones).
 */
import type * as imapflow from 'imapflow';
import {requireDeferring} from '../util/deferred-require.js';
import type {DeferredDependency} from '../util/deferred-require.js';

/**
 * What imapflow requires and mailshift's runs seldom or never use, with whether each real module sets
 * `__esModule` (test/uploader/imapflow-class.test.ts checks this table against the installed packages).
 */
export const DEFERRED_IMAPFLOW_DEPENDENCIES: readonly DeferredDependency[] = [
	{id: 'pino', esModule: false},
	{id: 'socks', esModule: true},
	{id: 'libmime', esModule: false},
	{id: 'iconv-lite', esModule: false},
	{id: 'encoding-japanese', esModule: false},
	{id: '@zone-eu/mailsplit', esModule: false},
	{id: '@zone-eu/mailsplit/lib/flowed-decoder.js', esModule: false},
	{id: 'libqp', esModule: true},
	{id: 'libbase64', esModule: true},
];

export const {ImapFlow} = requireDeferring(import.meta.url, 'imapflow', DEFERRED_IMAPFLOW_DEPENDENCIES) as typeof imapflow;
export type ImapFlow = imapflow.ImapFlow;
