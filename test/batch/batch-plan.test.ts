import assert from 'node:assert/strict';
import {mkdtemp, mkdir, rm, symlink, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, test} from 'node:test';
import {formatPlanProblems, parsePlanText, validatePlan} from '../../src/batch/batch-plan.js';
import {parseCredential} from '../../src/batch/credential.js';
import {MailshiftError} from '../../src/contracts/errors.js';

describe('batch plan parsing and validation', () => {
	let dir: string;
	before(async () => {
		dir = await mkdtemp(join(tmpdir(), 'ms-plan-'));
		await mkdir(join(dir, 'store-a'));
		await mkdir(join(dir, 'store-b'));
		await writeFile(join(dir, 'b.pass'), 'secret-from-file\n', {mode: 0o600});
		await writeFile(join(dir, 'empty.pass'), '', {mode: 0o600});
	});
	after(async () => rm(dir, {recursive: true, force: true}));
	const env = {A_PASS: 'secret-from-env'};
	const validate = (text: string, name = 'plan.csv', allowCommands = false) => validatePlan(parsePlanText(text, name), {baseDir: dir, env, insecure: false, allowCommands});

	test('given a valid CSV with BOM, CRLF and quoted values, every row validates with resolved paths and passwords', async () => {
		const text = '\uFEFFid,source,url,password,prefix,connections,bwlimit\r\n'
			+ 'a,store-a,imaps://alice@imap.example.com,env:A_PASS,"Imported, old",2,2M\r\n'
			+ 'b,store-b,imap://bob@127.0.0.1:1143,file:b.pass,,,\r\n';
		const plan = await validate(text);
		assert.deepEqual(plan.problems, []);
		assert.equal(plan.rows.length, 2);
		assert.equal(plan.rows[0]?.source, join(dir, 'store-a'));
		assert.equal(plan.rows[0]?.prefix, 'Imported, old');
		assert.equal(plan.rows[0]?.connections, 2);
		assert.equal(plan.rows[0]?.destination, 'imaps://alice@imap.example.com:993');
		assert.equal(plan.rows[1]?.row, 3, 'row numbers are spreadsheet rows (the header is row 1)');
		assert.equal(plan.passwords.get('a'), 'secret-from-env');
		assert.equal(plan.passwords.get('b'), 'secret-from-file');
		assert.ok(!JSON.stringify(plan.rows).includes('secret'), 'the rows themselves carry no password');
	});

	test('every bad row is reported at once, with row, column and what to do, and no literal password is echoed', async () => {
		const text = [
			'source,url,password,id,connections,bwlimit',
			'missing-store,imaps://u1@h,env:A_PASS,r1,,',
			'store-a,imaps://u2@h,hunter2-literal,r2,,',
			'store-a,imaps://u3@h,env:NOT_SET,r3,99,fast',
			'store-a,imaps://u4@h,oauth-command:,r4,,',
			'store-a,imaps://u5:pw@h,env:A_PASS,r5,,',
			'store-a,imaps://u6@h,file:empty.pass,r1,,',
			'store-b,imaps://u7@h,env:A_PASS,r7,,',
			'store-b,imaps://u7@h,env:A_PASS,r8,,',
		].join('\n');
		const plan = await validate(text);
		const report = formatPlanProblems(plan.problems, 'plan.csv');
		assert.match(report, /row 2, column source: .*missing-store does not exist/);
		assert.match(report, /row 3, column password: is not env:VAR or file:PATH — passwords are never accepted/);
		assert.match(report, /row 4, column password: the environment variable NOT_SET is not set/);
		assert.match(report, /row 4, column connections: "99" is not a whole number from 1 to 32/);
		assert.match(report, /row 4, column bwlimit: "fast" is not a size per second/);
		assert.match(report, /row 5, column password: oauth-command: needs a command that prints an access token/);
		assert.match(report, /row 6, column url: .*contains a password/);
		assert.match(report, /row 7, column id: "r1" is also the id of row 2/);
		assert.match(report, /row 7, column password: the password file .*empty\.pass is empty/);
		assert.match(report, /row 9, column url: row 8 already migrates the same source into the same account/);
		assert.doesNotMatch(report, /hunter2|secret-from-env|:pw@/);
		assert.deepEqual(plan.rows.map((r) => r.id), ['r7']);
		assert.deepEqual([...plan.passwords.keys()], ['r7']);
	});

	test('an oauth-command: password column is accepted with --allow-plan-commands, and the token is fetched only at login', async () => {
		const plan = await validate('source,url,password,id\nstore-b,imaps://u9@h,oauth-command:/usr/local/bin/token-for u9,r9\n', 'plan.csv', true);
		assert.deepEqual(plan.problems, []);
		assert.deepEqual(plan.rows[0]?.credential, {kind: 'oauth-command', command: '/usr/local/bin/token-for u9'});
	});

	test('unknown and duplicate columns are errors that name the column; missing required columns too', () => {
		assert.throws(() => parsePlanText('source,url,password,notes\nx,y,z,w\n', 'p.csv'), (e: unknown) => e instanceof MailshiftError && e.code === 'USAGE' && /unknown column "notes"/.test(e.message));
		assert.throws(() => parsePlanText('source,url,password,url\n', 'p.csv'), /the column "url" appears twice/);
		assert.throws(() => parsePlanText('source,url\nx,y\n', 'p.csv'), /required column "password" is missing/);
		assert.throws(() => parsePlanText('source,url,password\n', 'p.csv'), /a header but no rows/);
		assert.throws(() => parsePlanText('source,url,password\n"x,y,z\n', 'p.csv'), /never closed/);
	});

	test('a row with more fields than columns (an unquoted comma) is named', async () => {
		const plan = await validate('source,url,password\nstore-a,imaps://u@h,env:A_PASS,extra\n');
		assert.match(formatPlanProblems(plan.problems, 'p.csv'), /row 2: has 1 more field than the header has columns; quote fields that contain commas/);
	});

	test('a JSON plan (an array of objects) is read with the same rules, rows numbered from 1', async () => {
		assert.throws(() => parsePlanText('[{"source":"x","url":"y","password":"z","bogus":1}]', 'plan.json'), /unknown column "bogus"/);
		const ok = await validate(JSON.stringify([{id: 'j1', source: 'store-a', url: 'imaps://u@h', password: 'env:A_PASS', connections: 3}]), 'plan.json');
		assert.deepEqual(ok.problems, []);
		assert.equal(ok.rows[0]?.connections, 3);
		assert.equal(ok.rows[0]?.row, 1);
	});

	test('password column forms', () => {
		assert.deepEqual(parseCredential('env:X_1', '/b'), {ok: true, spec: {kind: 'env', variable: 'X_1'}});
		assert.deepEqual(parseCredential('file:rel/p', '/b'), {ok: true, spec: {kind: 'file', path: '/b/rel/p'}});
		assert.equal(parseCredential('env:', '/b').ok, false);
		const literal = parseCredential('correct horse', '/b');
		assert.ok(!literal.ok && !literal.problem.includes('correct horse'));
	});
});

describe('batch plan: one mailbox under two spellings', () => {
	let dir: string;
	before(async () => {
		dir = await mkdtemp(join(tmpdir(), 'ms-plan-spell-'));
		await mkdir(join(dir, 'store'));
		await symlink(join(dir, 'store'), join(dir, 'alias'));
	});
	after(async () => rm(dir, {recursive: true, force: true}));

	test('two rows naming the same store (a link, a trailing slash) and the same account (localhost vs 127.0.0.1, host case) are rejected as duplicates', async () => {
		const text = 'id,source,url,password\n'
			+ 'a,store,imap://bob@127.0.0.1:1143,env:P\n'
			+ 'b,alias/,imap://bob@LocalHost:1143,env:P\n'
			+ 'c,store,imaps://carol@Mail.Example.COM.,env:P\n'
			+ 'd,./alias,imaps://carol@mail.example.com:993,env:P\n'
			+ 'e,store,imap://bob@127.0.0.1:1144,env:P\n';
		const plan = await validatePlan(parsePlanText(text, 'plan.csv'), {baseDir: dir, env: {P: 'pw'}, insecure: false});
		const report = formatPlanProblems(plan.problems, 'plan.csv');
		assert.match(report, /row 3, column url: row 2 already migrates the same source into the same account/);
		assert.match(report, /row 5, column url: row 4 already migrates the same source into the same account/);
		assert.deepEqual(plan.rows.map((r) => r.id), ['a', 'c', 'e'], 'another port is another account');
	});
});
