/**
 * imapflow loaded with its seldom-used dependencies deferred (src/uploader/imapflow-class.ts): none of them is
 * loaded with the class, each works when imapflow needs it, and the table of deferred modules says what the
 * installed packages are (an upgrade that changes one fails here, not in a user's run).
 */
import assert from 'node:assert/strict';
import {readdirSync, readFileSync} from 'node:fs';
import {createRequire} from 'node:module';
import {dirname, join} from 'node:path';
import {describe, test} from 'node:test';
import {DEFERRED_IMAPFLOW_DEPENDENCIES, ImapFlow} from '../../src/uploader/imapflow-class.js';

const requireHere = createRequire(import.meta.url);
const entry = requireHere.resolve('imapflow');
const requireAsImapflow = createRequire(entry);
const files = (dir: string): string[] => readdirSync(dir, {withFileTypes: true}).flatMap((d) => (d.isDirectory() ? files(join(dir, d.name)) : d.name.endsWith('.js') ? [join(dir, d.name)] : []));

describe('imapflow with deferred dependencies', () => {
	test('loading the class loads none of the deferred modules', () => {
		assert.equal(typeof ImapFlow, 'function');
		const loaded = DEFERRED_IMAPFLOW_DEPENDENCIES.filter((d) => requireHere.cache[requireAsImapflow.resolve(d.id)] !== undefined);
		assert.deepEqual(loaded.map((d) => d.id), []);
	});

	test('a deferred module loads when imapflow uses it: a mailbox name is encoded to modified UTF-7 (RFC 3501 §5.1.3) and back', () => {
		// The very tools module the class loaded (same file, so the same module instance with the stand-ins).
		const tools = requireHere(join(dirname(entry), 'tools.js')) as {encodePath(c: unknown, p: string): string; decodePath(c: unknown, p: string): string};
		const connection = {enabled: new Set<string>(), capabilities: new Map()};
		assert.equal(tools.encodePath(connection, 'Entwürfe & Co'), 'Entw&APw-rfe &- Co');
		assert.equal(tools.decodePath(connection, 'Entw&APw-rfe &- Co'), 'Entwürfe & Co');
		assert.notEqual(requireHere.cache[requireAsImapflow.resolve('iconv-lite')], undefined, 'iconv-lite is loaded now');
	});

	test('every deferred module is one imapflow\'s CommonJS build requires, only in the two shapes a stand-in serves, and its __esModule is what the table says', () => {
		const sources = files(dirname(entry)).map((file) => readFileSync(file, 'utf8')).join('\n');
		for (const dependency of DEFERRED_IMAPFLOW_DEPENDENCIES) {
			const call = `require("${dependency.id}")`;
			assert.ok(sources.includes(call), `imapflow requires ${dependency.id}`);
			// `const x_1 = require(…)` or `const x_1 = __importDefault(require(…))`: used through property reads, calls and
			// `new` later. Not `__importStar` (it lists the module's keys at load) nor destructuring (it reads at load).
			const uses = sources.split('\n').filter((line) => line.includes(call));
			for (const line of uses) assert.match(line, /^const \w+ = (__importDefault\()?require\("[^"]+"\)\)?;$/, `${dependency.id}: ${line.trim()}`);
			const real = requireAsImapflow(dependency.id) as {__esModule?: unknown};
			assert.equal(real.__esModule === true, dependency.esModule, `${dependency.id}: __esModule`);
		}
	});
});
