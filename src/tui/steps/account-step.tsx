/** Step 3 — the IMAP account: e-mail → suggested server, user, hidden password, tested on the spot. */
import {Spinner} from '@inkjs/ui';
import TextField from '../components/text-field.js';
import {useIsListening} from '../use-is-listening.js';
import {Box, Text, useInput} from 'ink';
import {useState} from 'react';
import {formatBytes} from '../format.js';
import type {Account, ConnectionReport, ServerGuess, WizardServices} from '../../app/wizard-services.js';

type Props = Readonly<{services: WizardServices; onDone: (account: Account, report: Extract<ConnectionReport, {ok: true}>) => void}>;

/** The part after the last @ (lower case), or '' for a bare user name. */
const domainOf = (address: string): string => (address.includes('@') ? address.slice(address.lastIndexOf('@') + 1).trim().toLowerCase() : '');

type Stage = 'email' | 'server' | 'password' | 'testing' | 'report' | 'ca';

export function AccountStep({services, onDone}: Props) {
	const [stage, setStage] = useState<Stage>('email');
	const [email, setEmail] = useState('');
	const [guess, setGuess] = useState<ServerGuess | undefined>();
	const [server, setServer] = useState('');
	/** The server address as suggested from the guess: shown selected while the field still holds it, never the user's own. */
	const [suggested, setSuggested] = useState('');
	const [account, setAccount] = useState<Account | undefined>();
	const [report, setReport] = useState<ConnectionReport | undefined>();

	const test = (next: Account): void => {
		setAccount(next);
		setStage('testing');
		void services.testConnection(next).then((r) => {
			setReport(r);
			setStage('report');
		});
	};

	useInput((input, key) => {
		if (stage !== 'report' || !report || !account) return;
		if (report.ok && key.return) onDone(account, report);
		else if (!report.ok && report.certificate && (input === 'y' || input === 'Y')) test({...account, tlsFingerprint: report.certificate.sha256});
		else if (!report.ok && report.certificate && input === 'c') setStage('ca');
		// A refused login may be the user name's fault: back to the address (prefilled), not only the server.
		else if (!report.ok && !report.certificate && (key.escape || input === 'b')) setStage('email');
		else if (input === 'e' || (!report.ok && (key.return || key.escape || input === 'n' || input === 'N'))) setStage('server');
	}, {isActive: stage === 'report'});
	// What to press is shown only once those keys are listened to (see useIsListening).
	const isListening = useIsListening(stage === 'report' ? report : undefined);

	const parseServer = (text: string): {host: string; port: number; security: 'tls' | 'starttls'} => {
		// Control characters can arrive when keys are pasted or sent in bursts; they are never part of a host.
		const m = /^(?:(imaps?):\/\/)?([^:/\s]+)(?::(\d+))?/.exec(text.replace(/[\x00-\x1f\x7f]/g, '').trim());
		const scheme = m?.[1] ?? (guess?.security === 'starttls' ? 'imap' : 'imaps');
		const security = scheme === 'imap' ? 'starttls' : 'tls';
		return {host: m?.[2] ?? text.trim(), port: m?.[3] ? Number(m[3]) : security === 'tls' ? 993 : 143, security};
	};

	return (
		<Box flexDirection="column">
			<Text bold>3. Your IMAP account</Text>
			{stage === 'email' ? (
				<>
					<Text>Your e-mail address (or IMAP user name):</Text>
					<TextField defaultValue={email} placeholder="you@example.com" onSubmit={(value) => {
						if (!value.trim()) return;
						setEmail(value.trim());
						// Back here to fix the user name: a server already chosen (maybe edited) stays while the domain does.
						if (server && domainOf(value) === domainOf(email)) return setStage('server');
						void services.guessServer(value.trim()).then((g) => {
							const address = `${g.security === 'tls' ? 'imaps' : 'imap'}://${g.host}:${g.port}`;
							setGuess(g);
							setServer(address);
							setSuggested(address);
							setStage('server');
						});
					}} />
				</>
			) : null}
			{stage === 'server' ? (
				<>
					<Text>Server{guess && server === suggested ? <Text dimColor> (suggested from {guess.source === 'provider' ? 'the provider list' : guess.source === 'srv' ? 'the domain\'s DNS SRV record' : 'the domain name'}; type to replace it, ← to edit it)</Text> : null}:</Text>
					<TextField defaultValue={server} selectDefault={server !== '' && server === suggested} onSubmit={(value) => {
						// A host is needed: an empty field stays (as the address field does).
						if (!value.trim()) return;
						setServer(value.trim());
						setStage('password');
					}} />
				</>
			) : null}
			{stage === 'password' ? (
				<>
					<Text>Password for {email} (not shown, not stored; an app password if your provider asks for one):</Text>
					<TextField mask="*" placeholder="(hidden as you type)" onSubmit={(password) => {
						const parsed = parseServer(server);
						// A certificate (or CA file) trusted earlier stays trusted only for the same host and port.
						const same = account && account.host === parsed.host && account.port === parsed.port ? account : undefined;
						test({user: email, host: parsed.host, port: parsed.port, security: parsed.security, password, insecure: false,
							...(same?.tlsFingerprint ? {tlsFingerprint: same.tlsFingerprint} : {}), ...(same?.caFile ? {caFile: same.caFile} : {})});
					}} />
				</>
			) : null}
			{stage === 'ca' && account ? (
				<>
					<Text>The certificate file (PEM, .pem/.crt) of the authority that signed the server's certificate — your administrator has it:</Text>
					<TextField placeholder="/path/to/ca.pem" onSubmit={(path) => (path.trim() ? test({...account, caFile: path.trim()}) : setStage('report'))} />
				</>
			) : null}
			{stage === 'testing' ? <Spinner label={`Connecting to ${server}…`} /> : null}
			{stage === 'report' && report ? (
				report.ok ? (
					<Box flexDirection="column">
						<Text color="green">✓ Logged in to {server} ({report.tls}, {report.roundTripMs} ms round trip)</Text>
						<Text>Capabilities: {['UIDPLUS', 'SPECIAL-USE', 'QUOTA', 'APPENDLIMIT'].map((c) => `${c} ${report.capabilities.some((x) => x.startsWith(c)) ? '✓' : '✗'}`).join('  ')}</Text>
						<Text>Quota: {report.quota ? `${formatBytes(report.quota.usedBytes)} used of ${formatBytes(report.quota.limitBytes)} (${formatBytes(report.quota.limitBytes - report.quota.usedBytes)} free)` : 'none reported'}</Text>
						<Text>Special folders: {Object.entries(report.specialFolders).map(([role, box]) => `${role} → ${box}`).join(', ') || 'none declared (usual names will be used)'}</Text>
						{isListening ? <Text color="green">Enter to continue · e to edit the server</Text> : null}
					</Box>
				) : report.certificate && account ? (
					<Box flexDirection="column">
						{account.caFile || account.tlsFingerprint ? <Text color="red">✗ {report.error}</Text> : null}
						<Text color="yellow">This computer does not trust the certificate of {account.host}:{account.port}: {report.certificate.reason}.</Text>
						<Text>  Subject  {report.certificate.subject}</Text>
						<Text>  Issuer   {report.certificate.issuer}</Text>
						<Text>  Valid    {report.certificate.validFrom} – {report.certificate.validTo}</Text>
						<Text>  SHA-256  {report.certificate.sha256}</Text>
						<Text dimColor>Compare the SHA-256 with what your provider or administrator gives you. If you trust it, mailshift connects to {account.host}:{account.port} only while it shows exactly this certificate (nothing is stored; the commands shown at the end carry it).</Text>
						<Text bold>Trust this certificate for {account.host}:{account.port}?{isListening ? ' [y/N]' : ''}</Text>
						<Text dimColor>c: use the certificate file of your organisation's authority (CA) instead · n or Enter: edit the server</Text>
					</Box>
				) : (
					<Box flexDirection="column">
						<Text color="red">✗ {report.error}</Text>
						{report.hint ? <Text>{report.hint}</Text> : null}
						{isListening ? <Text>Enter to edit the server and try again · Esc or b to change the address (user name).</Text> : null}
					</Box>
				)
			) : null}
		</Box>
	);
}
