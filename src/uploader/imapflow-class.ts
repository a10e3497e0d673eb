/**
 * imapflow's `ImapFlow` class, loaded with `require` rather than `import` (issue #14, start-up).
 *
 * The package ships the same code twice, as CommonJS and as ES modules. Its ES build imports a dozen CommonJS
 * packages (iconv-lite, libmime, pino, socks, …), and each of their files then goes through Node's ES-to-CommonJS
 * bridge: a lexer pass over the source to find its exports, and a module record around it. Its CommonJS build
 * loads the same code without that: 100–120 ms against 170–210 ms for `import` (Node 20, measured on this
 * machine kind; it is the largest part of a no-op re-run's fixed cost after Node itself).
 *
 * Every module of the project that constructs an ImapFlow takes it from here, so one copy of the class is loaded
 * (`instanceof` and the internals multi-append.ts and deflate-session.ts rely on are the same ones).
 */
import {createRequire} from 'node:module';
import type * as imapflow from 'imapflow';

const requireCommonJs = createRequire(import.meta.url);

export const {ImapFlow} = requireCommonJs('imapflow') as typeof imapflow;
export type ImapFlow = imapflow.ImapFlow;
