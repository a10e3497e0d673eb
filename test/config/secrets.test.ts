/**
 * resolvePassword / promptHidden: the password comes from --password-file, then MAILSHIFT_PASSWORD, then a
 * hidden prompt on a TTY, and never from anywhere else. The prompt is driven with a fake TTY (an EventEmitter
 * with isTTY/isRaw/setRawMode/resume/pause) and a fake stderr that records every write.
 */
import assert from 'node:assert/strict';
import {EventEmitter} from 'node:events';
import {chmod, mkdtemp, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, test} from 'node:test';

import {promptHidden, resolvePassword} from '../../src/config/secrets.js';
import {MailshiftError} from '../../src/contracts/errors.js';

class FakeTty extends EventEmitter {
	isTTY = true;
	isRaw = false;
	paused = true;
	readonly rawModes: boolean[] = [];

	setRawMode(mode: boolean): this {
		this.rawModes.push(mode);
		this.isRaw = mode;
		return this;
	}

	resume(): this {
		this.paused = false;
		return this;
	}

	pause(): this {
		this.paused = true;
		return this;
	}

	/** Sends bytes as a terminal in raw mode would (one chunk per call). */
	type(text: string): void {
		this.emit('data', Buffer.from(text, 'utf8'));
	}
}

class FakeStderr {
	isTTY = true;
	readonly writes: string[] = [];

	write(chunk: string): boolean {
		this.writes.push(chunk);
		return true;
	}

	get text(): string {
		return this.writes.join('');
	}
}

const asStdin = (tty: FakeTty): NodeJS.ReadStream => tty as unknown as NodeJS.ReadStream;
const asStderr = (err: FakeStderr): NodeJS.WriteStream => err as unknown as NodeJS.WriteStream;

/** Sources with no file, no env var and non-TTY streams unless overridden. */
function sources(over: {passwordFile?: string; env?: NodeJS.ProcessEnv; stdin?: FakeTty; stderr?: FakeStderr} = {}) {
	const stdin = over.stdin ?? Object.assign(new FakeTty(), {isTTY: false});
	const stderr = over.stderr ?? Object.assign(new FakeStderr(), {isTTY: false});
	return {
		...(over.passwordFile === undefined ? {} : {passwordFile: over.passwordFile}),
		env: over.env ?? {},
		stdin: asStdin(stdin),
		stderr: asStderr(stderr),
		account: 'imaps://alice@imap.example.com:993',
	};
}

async function rejectsWithUsage(promise: Promise<unknown>, says: RegExp, hint?: RegExp): Promise<void> {
	await assert.rejects(promise, (error: unknown) => {
		assert.ok(error instanceof MailshiftError, String(error));
		assert.equal(error.code, 'USAGE');
		assert.match(error.message, says);
		if (hint) assert.match(error.hint ?? '', hint);
		return true;
	});
}

describe('resolvePassword: --password-file', () => {
	let dir = '';
	before(async () => {
		dir = await mkdtemp(join(tmpdir(), 'mailshift-secrets-'));
	});
	after(async () => {
		await rm(dir, {recursive: true, force: true});
	});

	const rows: ReadonlyArray<readonly [why: string, content: string, password: string]> = [
		['no newline', 'hunter2', 'hunter2'],
		['one trailing LF', 'hunter2\n', 'hunter2'],
		['one trailing CRLF (a file saved on Windows)', 'hunter2\r\n', 'hunter2'],
		['two trailing LFs (only one is stripped)', 'hunter2\n\n', 'hunter2\n'],
		['leading and trailing blanks (kept: they may be part of the password)', '  hunter2  \n', '  hunter2  '],
		['a trailing CR without LF (kept)', 'hunter2\r', 'hunter2\r'],
		['non-ASCII characters', 'pässwörd€\n', 'pässwörd€'],
		['an embedded newline (only the last one is stripped)', 'line1\nline2\n', 'line1\nline2'],
	];
	for (const [why, content, password] of rows) {
		test(`Given a password file with ${why}, when resolved, then the password is ${JSON.stringify(password)}`, async () => {
			const file = join(dir, `pw-${Math.random().toString(36).slice(2)}`);
			await writeFile(file, content);
			assert.equal(await resolvePassword(sources({passwordFile: file})), password);
		});
	}

	test('Given both a password file and MAILSHIFT_PASSWORD, when resolved, then the file wins', async () => {
		const file = join(dir, 'pw-both');
		await writeFile(file, 'from-file\n');
		assert.equal(await resolvePassword(sources({passwordFile: file, env: {MAILSHIFT_PASSWORD: 'from-env'}})), 'from-file');
	});

	for (const [why, content] of [['empty', ''], ['only a newline', '\n'], ['only CRLF', '\r\n']] as const) {
		test(`Given a password file that is ${why}, when resolved, then a USAGE error says it is empty`, async () => {
			const file = join(dir, `pw-empty-${why.replaceAll(' ', '-')}`);
			await writeFile(file, content);
			await rejectsWithUsage(resolvePassword(sources({passwordFile: file, env: {MAILSHIFT_PASSWORD: 'ignored'}})), /is empty/);
		});
	}

	test('Given a password file that does not exist, when resolved, then a USAGE error names it and hints at the path', async () => {
		const file = join(dir, 'no-such-file');
		await rejectsWithUsage(resolvePassword(sources({passwordFile: file})), new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} cannot be read`), /path/);
	});

	test('Given a password file that is a directory, when resolved, then a USAGE error says it cannot be read', async () => {
		await rejectsWithUsage(resolvePassword(sources({passwordFile: dir})), /cannot be read/);
	});

	test('Given a password file without read permission, when resolved, then a USAGE error says it cannot be read', {skip: process.getuid?.() === 0 ? 'root reads any file' : false}, async () => {
		const file = join(dir, 'pw-unreadable');
		await writeFile(file, 'hunter2\n');
		await chmod(file, 0o000);
		await rejectsWithUsage(resolvePassword(sources({passwordFile: file})), /cannot be read/, /permissions/);
	});
});

describe('resolvePassword: MAILSHIFT_PASSWORD and no password at all', () => {
	test('Given MAILSHIFT_PASSWORD, when resolved, then it is used as is (no trimming)', async () => {
		assert.equal(await resolvePassword(sources({env: {MAILSHIFT_PASSWORD: ' s3cret \n'}})), ' s3cret \n');
	});

	test('Given MAILSHIFT_PASSWORD and a TTY, when resolved, then nobody is prompted', async () => {
		const stdin = new FakeTty();
		const stderr = new FakeStderr();
		assert.equal(await resolvePassword(sources({env: {MAILSHIFT_PASSWORD: 'from-env'}, stdin, stderr})), 'from-env');
		assert.equal(stderr.text, '');
		assert.deepEqual(stdin.rawModes, []);
	});

	const noTty: ReadonlyArray<readonly [string, boolean, boolean]> = [
		['neither stdin nor stderr is a TTY (CI, a pipe)', false, false],
		['stdin is a TTY but stderr is redirected', true, false],
		['stderr is a TTY but stdin is a pipe', false, true],
	];
	for (const [why, stdinTty, stderrTty] of noTty) {
		test(`Given no password file, no MAILSHIFT_PASSWORD and ${why}, when resolved, then a USAGE error mentions MAILSHIFT_PASSWORD`, async () => {
			const stdin = Object.assign(new FakeTty(), {isTTY: stdinTty});
			const stderr = Object.assign(new FakeStderr(), {isTTY: stderrTty});
			await rejectsWithUsage(resolvePassword(sources({stdin, stderr})), /No password was given/, /MAILSHIFT_PASSWORD/);
			assert.deepEqual(stdin.rawModes, [], 'the terminal mode is untouched');
		});
	}

	test('Given MAILSHIFT_PASSWORD set to the empty string and no TTY, when resolved, then it counts as unset', async () => {
		await rejectsWithUsage(resolvePassword(sources({env: {MAILSHIFT_PASSWORD: ''}})), /No password was given/, /--password-file/);
	});

	test('Given no password file, no MAILSHIFT_PASSWORD and a TTY, when resolved, then the user is asked, naming the account', async () => {
		const stdin = new FakeTty();
		const stderr = new FakeStderr();
		const password = resolvePassword(sources({stdin, stderr}));
		stdin.type('typed\r');
		assert.equal(await password, 'typed');
		assert.match(stderr.writes[0] ?? '', /^Password for imaps:\/\/alice@imap\.example\.com:993: $/);
	});
});

describe('promptHidden', () => {
	/** Starts a prompt, types the chunks, returns the promise plus the fakes for inspection. */
	function prompt(...chunks: string[]): {result: Promise<string>; stdin: FakeTty; stderr: FakeStderr} {
		const stdin = new FakeTty();
		const stderr = new FakeStderr();
		const result = promptHidden('Password: ', asStdin(stdin), asStderr(stderr));
		for (const chunk of chunks) stdin.type(chunk);
		return {result, stdin, stderr};
	}

	const rows: ReadonlyArray<readonly [why: string, chunks: readonly string[], password: string]> = [
		['characters then Enter (CR)', ['hunter2\r'], 'hunter2'],
		['characters then LF', ['hunter2\n'], 'hunter2'],
		['one chunk per key press', ['h', 'u', 'n', 't', 'e', 'r', '2', '\r'], 'hunter2'],
		['DEL (0x7f) as backspace', ['hunterX\u007f2\r'], 'hunter2'],
		['^H (0x08) as backspace', ['hunterX\b2\r'], 'hunter2'],
		['more backspaces than characters', ['ab\u007f\u007f\u007f\u007fok\r'], 'ok'],
		['blanks inside the password', ['correct horse\r'], 'correct horse'],
		['non-ASCII characters', ['pässwörd€\r'], 'pässwörd€'],
		['other control characters (ignored)', ['a\u0001b\u001bc\r'], 'abc'],
		['just Enter', ['\r'], ''],
		['text after Enter in the same chunk (ignored)', ['first\rsecond\r'], 'first'],
	];
	for (const [why, chunks, password] of rows) {
		test(`Given ${why}, when the prompt is answered, then it resolves to ${JSON.stringify(password)}`, async () => {
			const {result} = prompt(...chunks);
			assert.equal(await result, password);
		});
	}

	test('Given typed characters, when the prompt is answered, then nothing but the question and a newline is written (no echo)', async () => {
		const {result, stderr} = prompt('s3cr3t-typed', '\u007f', 'T\r');
		assert.equal(await result, 's3cr3t-typeT');
		assert.deepEqual(stderr.writes, ['Password: ', '\n']);
		assert.ok(!stderr.text.includes('s3cr'));
		assert.ok(!stderr.text.includes('*'), 'not even masking characters');
	});

	test('Given a prompt, when it starts, then the terminal is put in raw mode and resumed; when answered, raw mode is restored and stdin paused', async () => {
		const stdin = new FakeTty();
		const stderr = new FakeStderr();
		const result = promptHidden('Password: ', asStdin(stdin), asStderr(stderr));
		assert.equal(stdin.isRaw, true);
		assert.equal(stdin.paused, false);
		assert.equal(stdin.listenerCount('data'), 1);
		stdin.type('pw\r');
		await result;
		assert.deepEqual(stdin.rawModes, [true, false]);
		assert.equal(stdin.isRaw, false);
		assert.equal(stdin.paused, true);
		assert.equal(stdin.listenerCount('data'), 0, 'the data listener is removed');
	});

	test('Given a terminal that was already in raw mode (e.g. under a TUI), when the prompt ends, then raw mode stays on', async () => {
		const stdin = new FakeTty();
		stdin.isRaw = true;
		const result = promptHidden('Password: ', asStdin(stdin), asStderr(new FakeStderr()));
		stdin.type('pw\r');
		await result;
		assert.deepEqual(stdin.rawModes, [true, true]);
	});

	for (const [name, key] of [['Ctrl-C', '\u0003'], ['Ctrl-D', '\u0004']] as const) {
		test(`Given ${name} at the prompt, when pressed, then the prompt rejects with a USAGE error and the terminal is restored`, async () => {
			const {result, stdin, stderr} = prompt('partial', key);
			await rejectsWithUsage(result, /Cancelled at the password prompt/);
			assert.deepEqual(stdin.rawModes, [true, false]);
			assert.equal(stdin.paused, true);
			assert.equal(stdin.listenerCount('data'), 0);
			assert.deepEqual(stderr.writes, ['Password: ', '\n']);
		});
	}

	test('Given a prompt that was answered, when more keys arrive, then they are ignored (the listener is gone)', async () => {
		const {result, stdin} = prompt('pw\r');
		assert.equal(await result, 'pw');
		stdin.type('\u0003');
		assert.equal(await result, 'pw');
	});
});
