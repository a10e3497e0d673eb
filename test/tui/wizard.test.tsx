/**
 * The wizard's flow with fake services, driven by key presses through ink-testing-library's stdin:
 * find → back up → account (guess, test) → folders → confirm → dashboard → finish.
 */
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {render} from 'ink-testing-library';
import {EngineControls} from '../../src/contracts/controls.js';
import {StatsStore} from '../../src/engine/stats.js';
import {Wizard} from '../../src/tui/wizard.js';
import {press, until} from '../helpers/frames.js';
import type {Account, FolderRule, MigrationStart, RulesPreview, WizardServices} from '../../src/app/wizard-services.js';

/** Keys one at a time, as a person types (one write is one read; ink takes a read as one key press). */
function type(stdin: {write: (s: string) => void}, text: string): void {
	for (const ch of text) stdin.write(ch);
}

/** From the first screen to the server field: the found store, no backup, the address me@example.org typed. */
async function toServerStep(stdin: {write: (s: string) => void}, lastFrame: () => string | undefined): Promise<void> {
	await press(stdin, lastFrame, READY.find, '\r');
	await press(stdin, lastFrame, READY.details, '\r');
	await press(stdin, lastFrame, READY.backup, '\r');
	await until(lastFrame, READY.address);
	type(stdin, 'me@example.org');
	stdin.write('\r');
}

/** What each screen shows once it listens for keys (its key hints, its field's text, "Y/n"). */
const READY = {
	find: /1\. Where is your mail\? \(↑\/↓ and Enter to choose\)/,
	details: /Enter to use it · b to choose another/,
	backup: /2\. Back up first[\s\S]*Y\/n/,
	address: /you@example\.com/,
	server: /imaps:\/\/imap\.example\.org:993/,
	password: /Password for me@example\.org[\s\S]*\(hidden as you type\)/,
	loginFailed: /✗ Login failed[\s\S]*Enter to edit the server and try again/,
	loggedIn: /✓ Logged in[\s\S]*Enter to continue · e to edit the server/,
	folders: /4\. Which folders, and where to\? \(space toggles[\s\S]*Enter continues\)/,
	confirm: /Start now\?\s*Y\/n/,
} as const;

function fakeServices(): WizardServices & {started: MigrationStart[]; tested: Account[]; planned: Array<{prefix: string | undefined; rules: readonly FolderRule[]}>} {
	const started: MigrationStart[] = [];
	const tested: Account[] = [];
	const planned: Array<{prefix: string | undefined; rules: readonly FolderRule[]}> = [];
	return {
		started, tested, planned, canBackup: false,
		discover: async () => [{path: '/home/u/.thunderbird/p/Mail/Local Folders', kind: 'mbox', label: 'Thunderbird p: Local Folders', bytes: 2048}],
		inspect: async () => ({kind: 'mbox', folders: 3, messages: 12, bytes: 2048}),
		complete: async () => [],
		guessServer: async (email) => ({host: `imap.${email.split('@')[1]}`, port: 993, security: 'tls', source: 'guess'}),
		testConnection: async (account) => {
			tested.push(account);
			return account.password === 'right'
				? {ok: true, tls: 'TLS', capabilities: ['UIDPLUS', 'SPECIAL-USE', 'QUOTA'], quota: {usedBytes: 1000, limitBytes: 1_000_000}, specialFolders: {sent: 'Sent'}, roundTripMs: 20}
				: {ok: false, error: 'Login failed', hint: 'Check the password'};
		},
		planFolders: async (_source, _account, prefix, rules = []) => (planned.push({prefix, rules}), [
			{label: 'Inbox', mailbox: 'INBOX', count: 5, bytes: 1000, rule: 'inbox', alreadyOnServer: 2},
			{label: 'Sent Items', mailbox: 'Sent', count: 4, bytes: 600, rule: 'sent'},
			{label: 'Old', mailbox: 'Old', count: 3, bytes: 448, rule: 'same-name'},
		]),
		startMigration: async (start) => {
			started.push(start);
			const store = new StatsStore();
			store.apply({type: 'run:start', folders: 2, messages: 9, dryRun: false});
			return {store, controls: new EngineControls(), title: 'src → dst', done: Promise.resolve({interrupted: false, dryRun: false, verify: 'Verify: OK — all 9 messages are on the server exactly once, with their flags and dates.'})};
		},
	};
}

test('The wizard walks from finding the mail to the finish screen, and starts the migration with the chosen folders', async () => {
	const services = fakeServices();
	const {stdin, lastFrame, unmount} = render(<Wizard services={services} defaultBackupDir="/tmp/b" connections={2} />);
	try {
		await until(lastFrame, /1\. Where is your mail\?[\s\S]*Thunderbird p: Local Folders {2}\(mbox, 2\.0 KiB\)[\s\S]*Thunderbird p: Local Folders: 3 folders, 12 messages/);
		await press(stdin, lastFrame, READY.find, '\r');
		await until(lastFrame, /3 folders, 12 messages, 2\.0 KiB/);
		await press(stdin, lastFrame, READY.details, '\r');
		await until(lastFrame, READY.backup);
		stdin.write('\r');
		await until(lastFrame, /3\. Your IMAP account[\s\S]*you@example\.com/);
		type(stdin, 'me@example.org');
		stdin.write('\r');
		await press(stdin, lastFrame, READY.server, '\r');
		await until(lastFrame, READY.password);
		type(stdin, 'wrong');
		stdin.write('\r');
		await until(lastFrame, /✗ Login failed[\s\S]*Check the password/);
		assert.doesNotMatch(lastFrame() ?? '', /wrong/, 'the password is never shown');
		await press(stdin, lastFrame, READY.loginFailed, '\r');
		await press(stdin, lastFrame, READY.server, '\r');
		await until(lastFrame, READY.password);
		type(stdin, 'right');
		stdin.write('\r');
		await until(lastFrame, /✓ Logged in[\s\S]*UIDPLUS ✓[\s\S]*sent → Sent/);
		await press(stdin, lastFrame, READY.loggedIn, '\r');
		const folders = await until(lastFrame, READY.folders);
		assert.match(folders, /Sent Items → Sent \(sent folder\) · 4 items/);
		assert.match(folders, /Inbox → INBOX · 5 items · 1000 B · 2 already on the server: skipped/);
		assert.match(folders, /2 messages are already on the server \(e\.g\. left there by POP\)/);
		assert.match(folders, /3 of 3 folders, 12 messages, 2\.0 KiB — fits the quota/);
		// Send "Sent Items" somewhere else (m), and put everything below one folder (x)
		stdin.write('m');
		await press(stdin, lastFrame, /Which folder should go somewhere else\? \(↑\/↓ and Enter to choose\)/, '\u001B[B');
		await press(stdin, lastFrame, /❯ Sent Items → Sent/, '\r');
		// The field shows its text ("Sent", the current target) once it listens.
		await until(lastFrame, /Where should Sent Items[\s\S]*INBOX is the inbox:\s*\n\s*Sent\s*$/);
		for (let i = 0; i < 10; i++) stdin.write('\u007F');
		type(stdin, 'Old Sent');
		stdin.write('\r');
		await press(stdin, lastFrame, READY.folders, 'x');
		await until(lastFrame, /below one folder on the server[\s\S]*\n\s*Imported\/Old PC\s*$/);
		type(stdin, 'Imported');
		stdin.write('\r');
		await until(lastFrame, /Everything goes below Imported/);
		// Untick "Old" (third row), each key only once the frame shows the last one arrived.
		await press(stdin, lastFrame, READY.folders, '\u001B[B');
		await press(stdin, lastFrame, /❯ Sent Items[^\n]*✔/, '\u001B[B');
		await press(stdin, lastFrame, /❯ Old → Old[^\n]*✔/, ' ');
		await until(lastFrame, /❯ Old → Old · 3 items · 448 B\n[\s\S]*2 of 3 folders, 9 messages/);
		stdin.write('\r');
		const confirm = await until(lastFrame, /5\. Ready/);
		assert.match(confirm, /To\s+imaps:\/\/me@example\.org@imap\.example\.org:993/);
		assert.match(confirm, /Time\s+about/);
		await press(stdin, lastFrame, READY.confirm, '\r');
		const finish = await until(lastFrame, /Done: every message is on the server/);
		assert.match(finish, /Verify: OK/);
		assert.match(finish, /remove the old POP account/);
		assert.equal(services.started.length, 1);
		assert.deepEqual(services.started[0]?.excludes, ['Old']);
		assert.deepEqual(services.started[0]?.rules, [{from: 'Sent Items', to: 'Old Sent'}]);
		assert.equal(services.started[0]?.prefix, 'Imported');
		assert.deepEqual(services.planned.at(-1), {prefix: 'Imported', rules: [{from: 'Sent Items', to: 'Old Sent'}]});
		assert.equal(services.started[0]?.account.password, 'right');
		assert.equal(services.tested.length, 2);
	} finally {
		unmount();
	}
});

test('The suggested server is typed over, an empty server is not taken, and the server the person typed comes back editable, not selected', async () => {
	const services = fakeServices();
	const plain = services.testConnection;
	// Only mail.example.org logs in: the first address typed has a typo.
	services.testConnection = async (account) => (account.host === 'mail.example.org' ? plain(account) : (services.tested.push(account), {ok: false, error: 'Connection refused'}));
	const {stdin, lastFrame, unmount} = render(<Wizard services={services} defaultBackupDir="/tmp/b" />);
	try {
		await toServerStep(stdin, lastFrame);
		// Backspace clears the selected suggestion; Enter on the empty field does nothing.
		await press(stdin, lastFrame, READY.server, '\u007F');
		await until(lastFrame, /Server[^\n]*:\s*\n\s*$/);
		stdin.write('\r');
		// Typed over: the suggestion is gone, not prefixed.
		type(stdin, 'mail.example.orx');
		await until(lastFrame, /Server[^\n]*:\s*\n\s*mail\.example\.orx\s*$/);
		stdin.write('\r');
		await until(lastFrame, READY.password);
		type(stdin, 'right');
		stdin.write('\r');
		await press(stdin, lastFrame, /✗ Connection refused/, 'e');
		// The person's own address (no "suggested" hint): a Backspace erases its last character, not all of it.
		await press(stdin, lastFrame, /Server:\s*\n\s*mail\.example\.orx/, '\u007F');
		await until(lastFrame, /Server:\s*\n\s*mail\.example\.or\s*$/);
		type(stdin, 'g');
		stdin.write('\r');
		await until(lastFrame, READY.password);
		type(stdin, 'right');
		stdin.write('\r');
		await until(lastFrame, READY.loggedIn);
		assert.deepEqual(services.tested.map((a) => a.host), ['mail.example.orx', 'mail.example.org']);
	} finally {
		unmount();
	}
});

test('After a refused login, Esc or b goes back to the address, prefilled, and the retry logs in with the corrected user name', async () => {
	const services = fakeServices();
	const plain = services.testConnection;
	// Only you@example.net logs in (with "right"): the address, not the password, was wrong.
	services.testConnection = async (account) => (account.user === 'you@example.net' ? plain(account) : (services.tested.push(account), {ok: false, error: 'Login failed', hint: 'Check the user name and the password'}));
	const {stdin, lastFrame, unmount} = render(<Wizard services={services} defaultBackupDir="/tmp/b" />);
	try {
		await toServerStep(stdin, lastFrame);
		await press(stdin, lastFrame, READY.server, '\r');
		await until(lastFrame, READY.password);
		type(stdin, 'right');
		stdin.write('\r');
		await press(stdin, lastFrame, /✗ Login failed[\s\S]*Esc or b to change the address \(user name\)/, '\u001B');
		// Same domain: the address field holds the old address; the server chosen before stays.
		await until(lastFrame, /Your e-mail address \(or IMAP user name\):\s*\n\s*me@example\.org\s*$/);
		for (let i = 0; i < 'me@example.org'.length; i++) stdin.write('\u007F');
		type(stdin, 'you@example.org');
		stdin.write('\r');
		await press(stdin, lastFrame, READY.server, '\r');
		await until(lastFrame, /Password for you@example\.org/);
		type(stdin, 'right');
		stdin.write('\r');
		await press(stdin, lastFrame, /✗ Login failed[\s\S]*Esc or b to change the address/, 'b');
		// Another domain: its server is guessed again.
		await until(lastFrame, /Your e-mail address \(or IMAP user name\):\s*\n\s*you@example\.org\s*$/);
		for (let i = 0; i < 'example.org'.length; i++) stdin.write('\u007F');
		type(stdin, 'example.net');
		stdin.write('\r');
		await until(lastFrame, /imaps:\/\/imap\.example\.net:993/);
		stdin.write('\r');
		await until(lastFrame, /Password for you@example\.net/);
		type(stdin, 'right');
		stdin.write('\r');
		await until(lastFrame, READY.loggedIn);
		assert.deepEqual(services.tested.map((a) => `${a.user} ${a.host}`), ['me@example.org imap.example.org', 'you@example.org imap.example.org', 'you@example.net imap.example.net']);
	} finally {
		unmount();
	}
});

test('Cancelling at the confirm screen changes nothing', async () => {
	const services = fakeServices();
	const {stdin, lastFrame, unmount} = render(<Wizard services={services} defaultBackupDir="/tmp/b" />);
	try {
		await toServerStep(stdin, lastFrame);
		await press(stdin, lastFrame, READY.server, '\r');
		await until(lastFrame, READY.password);
		type(stdin, 'right');
		stdin.write('\r');
		await press(stdin, lastFrame, READY.loggedIn, '\r');
		await press(stdin, lastFrame, READY.folders, '\r');
		await press(stdin, lastFrame, READY.confirm, 'n');
		await until(lastFrame, /Nothing was changed/);
		assert.equal(services.started.length, 0);
	} finally {
		unmount();
	}
});

test('An address and a password pasted with their Enter in one read each move the wizard on, and the password has no Enter in it', async () => {
	const services = fakeServices();
	const {stdin, lastFrame, unmount} = render(<Wizard services={services} defaultBackupDir="/tmp/b" />);
	try {
		await press(stdin, lastFrame, READY.find, '\r');
		await press(stdin, lastFrame, READY.details, '\r');
		await press(stdin, lastFrame, READY.backup, '\r');
		await press(stdin, lastFrame, READY.address, 'me@example.org\r');
		await press(stdin, lastFrame, READY.server, '\r');
		await press(stdin, lastFrame, READY.password, 'right\r');
		await until(lastFrame, /✓ Logged in/);
		assert.equal(services.tested.length, 1);
		assert.equal(services.tested[0]?.password, 'right');
		assert.equal(services.tested[0]?.user, 'me@example.org');
	} finally {
		unmount();
	}
});

test('A y or n pasted with its Enter in one read answers a Y/n question', async () => {
	const services = fakeServices();
	const {stdin, lastFrame, unmount} = render(<Wizard services={services} defaultBackupDir="/tmp/b" />);
	try {
		await press(stdin, lastFrame, READY.find, '\r');
		await press(stdin, lastFrame, READY.details, '\r');
		await press(stdin, lastFrame, READY.backup, 'y\r');
		await press(stdin, lastFrame, READY.address, 'me@example.org\r');
		await press(stdin, lastFrame, READY.server, '\r');
		await press(stdin, lastFrame, READY.password, 'right\r');
		await press(stdin, lastFrame, READY.loggedIn, '\r');
		await press(stdin, lastFrame, READY.folders, '\r');
		await press(stdin, lastFrame, READY.confirm, 'n\r');
		await until(lastFrame, /Nothing was changed/);
		assert.equal(services.started.length, 0);
	} finally {
		unmount();
	}
});

const sha256 = Array(32).fill('4C').join(':');

/** Services whose server presents a self-signed certificate: it logs in once pinned, or with /etc/ca.pem. */
function selfSignedServices(): ReturnType<typeof fakeServices> {
	const services = fakeServices();
	const plain = services.testConnection;
	services.testConnection = async (account) => account.tlsFingerprint === sha256 || account.caFile === '/etc/ca.pem' ? plain(account) : (services.tested.push(account), {
		ok: false, error: 'The secure (TLS) connection to imaps://me@example.org@imap.example.org:993 failed: self-signed certificate.',
		certificate: {subject: 'CN=mail.example.org', issuer: 'CN=mail.example.org', validFrom: 'Dec  6 06:00:00 2026 GMT', validTo: 'Jan  5 06:00:00 2027 GMT', sha256, reason: 'it is self-signed'},
	});
	return services;
}

/** From the start to the certificate screen, pasting the address and the password with their Enter. */
async function toCertificateScreen(stdin: {write: (s: string) => void}, lastFrame: () => string | undefined): Promise<string> {
	for (const [screen, keys] of [[READY.find, '\r'], [READY.details, '\r'], [READY.backup, '\r'], [READY.address, 'me@example.org\r'], [READY.server, '\r'], [READY.password, 'right\r']] as const) {
		await press(stdin, lastFrame, screen, keys);
	}
	return until(lastFrame, /Trust this certificate for imap\.example\.org:993\? \[y\/N\]/);
}

test('A server whose certificate is not trusted shows the certificate, and trusting it retries pinned to its SHA-256', async () => {
	const services = selfSignedServices();
	const {stdin, lastFrame, unmount} = render(<Wizard services={services} defaultBackupDir="/tmp/b" />);
	try {
		const screen = await toCertificateScreen(stdin, lastFrame);
		assert.match(screen, /does not trust the certificate of imap\.example\.org:993: it is self-signed/);
		assert.match(screen, /Subject\s+CN=mail\.example\.org/);
		assert.match(screen, /Valid\s+Dec {2}6 06:00:00 2026 GMT – Jan {2}5 06:00:00 2027 GMT/);
		assert.match(screen.replace(/\s+/g, ''), new RegExp(`SHA-256${sha256}`));
		assert.doesNotMatch(screen, /--insecure/, 'no hint the guided mode cannot follow');
		stdin.write('y');
		await until(lastFrame, /✓ Logged in/);
		assert.equal(services.tested.length, 2);
		assert.equal(services.tested[0]?.tlsFingerprint, undefined);
		assert.equal(services.tested[1]?.tlsFingerprint, sha256);
	} finally {
		unmount();
	}
});

test('Instead of trusting the certificate, a person can give the CA file of their organisation, and the test is retried with it', async () => {
	const services = selfSignedServices();
	const {stdin, lastFrame, unmount} = render(<Wizard services={services} defaultBackupDir="/tmp/b" />);
	try {
		await toCertificateScreen(stdin, lastFrame);
		stdin.write('c');
		await press(stdin, lastFrame, /certificate file \(PEM[\s\S]*\/path\/to\/ca\.pem/, '/etc/ca.pem\r');
		await until(lastFrame, /✓ Logged in/);
		assert.equal(services.tested.at(-1)?.caFile, '/etc/ca.pem');
		assert.equal(services.tested.at(-1)?.tlsFingerprint, undefined);
	} finally {
		unmount();
	}
});

/** Filters of the found store as the rules step shows them: `local` of them stay on this computer. */
function rulesPreview(overrides: Partial<RulesPreview> = {}): RulesPreview {
	return {
		filters: 3, serverRules: 2, local: [{name: 'Friends', reason: '"is in my address book" needs the address book on this computer'}],
		hasManageSieve: true, hasInclude: true, defaultOutFile: '/home/u/mailshift-rules.sieve', ...overrides,
	};
}

/** Services whose store has filters; `previewed` records the mapping each preview was asked for. */
function servicesWithRules(preview: RulesPreview | undefined): ReturnType<typeof fakeServices> & {previewed: Array<{prefix: string | undefined; excludes: readonly string[]}>} {
	const services = fakeServices();
	const previewed: Array<{prefix: string | undefined; excludes: readonly string[]}> = [];
	const start = services.startMigration;
	return Object.assign(services, {
		previewed,
		previewRules: async (_source: string, _account: Account, mapping: {prefix: string | undefined; excludes: readonly string[]}) => (previewed.push(mapping), preview),
		startMigration: async (s: MigrationStart) => {
			const running = await start(s);
			return {...running, done: running.done.then((finish) => ({...finish, ...(s.sieveRules ? {rules: 'Rules: 3 filters → 2 server rules installed; 1 stays on this computer', isRulesOk: true} : {})}))};
		},
	});
}

/** From the start to the screen after the folders step, pasting the address and the password with their Enter. */
async function pastFolders(stdin: {write: (s: string) => void}, lastFrame: () => string | undefined): Promise<void> {
	for (const [ready, keys] of [[READY.find, '\r'], [READY.details, '\r'], [READY.backup, '\r'], [READY.address, 'me@example.org\r'], [READY.server, '\r'], [READY.password, 'right\r'], [READY.loggedIn, '\r'], [READY.folders, '\r']] as const) {
		await press(stdin, lastFrame, ready, keys);
	}
}

/** The rules step's question, listening ("Y/n" shows only then). */
const RULES_READY = /Install the \d+ server rules? after the mail[\s\S]*Y\/n/;

test('When the store has filters, the rules step says how many become server rules and why the others stay, and an active script of the user is included only when they choose so', async () => {
	const services = servicesWithRules(rulesPreview({activeScript: 'roundcube'}));
	const {stdin, lastFrame, unmount} = render(<Wizard services={services} defaultBackupDir="/tmp/b" />);
	try {
		await pastFolders(stdin, lastFrame);
		const rules = await press(stdin, lastFrame, RULES_READY, '\r');
		assert.match(rules, /Your rules: 3 filters → 2 server rules; 1 stay on this computer because …/);
		assert.match(rules, /• Friends: "is in my address book" needs the address book/);
		assert.deepEqual(services.previewed, [{prefix: undefined, rules: [], excludes: []}]);
		const ask = await press(stdin, lastFrame, /already runs your own Sieve script "roundcube"\. What should happen\?\s*\n\s*\(↑\/↓ and Enter to choose\)/, '\r');
		assert.match(ask, /Include: run your "roundcube" first[\s\S]*Replace[\s\S]*Skip/);
		const confirm = await press(stdin, lastFrame, READY.confirm, '\r');
		assert.match(confirm, /Rules\s+2 server rules installed after the mail, after your "roundcube"/);
		const finish = await until(lastFrame, /Done: every message is on the server/);
		assert.match(finish, /Rules: 3 filters → 2 server rules installed/);
		assert.deepEqual(services.started[0]?.sieveRules, {install: true, onActive: 'include'});
	} finally {
		unmount();
	}
});

test('Choosing "skip" for an active script installs nothing, and the confirm screen says so', async () => {
	const services = servicesWithRules(rulesPreview({activeScript: 'roundcube'}));
	const {stdin, lastFrame, unmount} = render(<Wizard services={services} defaultBackupDir="/tmp/b" />);
	try {
		await pastFolders(stdin, lastFrame);
		await press(stdin, lastFrame, RULES_READY, '\r');
		await press(stdin, lastFrame, /What should happen\?\s*\n\s*\(↑\/↓ and Enter to choose\)[\s\S]*❯ Include/, '\u001B[B');
		await press(stdin, lastFrame, /❯ Replace/, '\u001B[B');
		await press(stdin, lastFrame, /❯ Skip: install nothing/, '\r');
		const confirm = await press(stdin, lastFrame, READY.confirm, '\r');
		assert.match(confirm, /Rules\s+3 filters: not installed \(your choice\)/);
		await until(lastFrame, /Done: every message is on the server/);
		assert.equal(services.started[0]?.sieveRules, undefined);
	} finally {
		unmount();
	}
});

test('Without ManageSieve on the server, the rules step offers a .sieve file and says how to use it', async () => {
	const services = servicesWithRules(rulesPreview({hasManageSieve: false}));
	const {stdin, lastFrame, unmount} = render(<Wizard services={services} defaultBackupDir="/tmp/b" />);
	try {
		await pastFolders(stdin, lastFrame);
		const offer = await press(stdin, lastFrame, /does not offer ManageSieve[\s\S]*Y\/n/, '\r');
		assert.match(offer, /\/home\/u\/mailshift-rules\.sieve/);
		assert.match(offer, /webmail settings/);
		const confirm = await press(stdin, lastFrame, READY.confirm, '\r');
		assert.match(confirm, /Rules\s+2 server rules saved to \/home\/u\/mailshift-rules\.sieve after the mail/);
		await until(lastFrame, /Done/);
		assert.deepEqual(services.started[0]?.sieveRules, {install: false, onActive: 'refuse', outFile: '/home/u/mailshift-rules.sieve'});
	} finally {
		unmount();
	}
});

test('Many filters that stay on this computer are summarised so the step fits a small terminal, and a store without filters goes straight to the confirm screen', async () => {
	const local = Array.from({length: 9}, (_, i) => ({name: `Rule ${i + 1}`, reason: 'it runs a program'}));
	const many = servicesWithRules(rulesPreview({filters: 12, serverRules: 3, local}));
	const first = render(<Wizard services={many} defaultBackupDir="/tmp/b" />);
	try {
		await pastFolders(first.stdin, first.lastFrame);
		const rules = await until(first.lastFrame, /Install the 3 server rules/);
		assert.match(rules, /• Rule 5: it runs a program/);
		assert.doesNotMatch(rules, /Rule 6/);
		assert.match(rules, /… and 4 more/);
	} finally {
		first.unmount();
	}
	const none = servicesWithRules(undefined);
	const second = render(<Wizard services={none} defaultBackupDir="/tmp/b" />);
	try {
		await pastFolders(second.stdin, second.lastFrame);
		const confirm = await until(second.lastFrame, /5\. Ready/);
		assert.doesNotMatch(confirm, /Rules/);
		assert.equal(none.previewed.length, 1);
	} finally {
		second.unmount();
	}
});
