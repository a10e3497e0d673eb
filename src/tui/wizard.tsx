/**
 * The guided switch from POP to IMAP (`mailshift` on a terminal, or `mailshift tui`): find the mail → back up
 * → the IMAP account → folders → confirm → the live dashboard → finish screen. Every question a nervous user
 * has ("will I lose anything? duplicates? how long?") is answered on screen. Talks to mailshift only through
 * WizardServices.
 */
import {Box, Text, useApp} from 'ink';
import {useCallback, useState} from 'react';
import {MigrationApp} from './app.js';
import {plural} from './format.js';
import type {FinishInfo} from '../app/finish-info.js';
import {AccountStep} from './steps/account-step.js';
import {BackupStep} from './steps/backup-step.js';
import {ConfirmStep} from './steps/confirm-step.js';
import {FindStep} from './steps/find-step.js';
import {FoldersStep} from './steps/folders-step.js';
import {RulesStep} from './steps/rules-step.js';
import type {Account, ConnectionReport, FolderRule, PlannedFolder, RulesChoice, RulesPreview, RunningMigration, StoreDetails, WizardServices} from '../app/wizard-services.js';

type Props = Readonly<{services: WizardServices; defaultBackupDir: string; connections?: number}>;

type State =
	| {step: 'find'}
	| {step: 'backup'; source: string; details: StoreDetails}
	| {step: 'account'; source: string; details: StoreDetails; backupDir: string | undefined}
	| {step: 'folders'; source: string; details: StoreDetails; backupDir: string | undefined; account: Account; report: Extract<ConnectionReport, {ok: true}>}
	| {step: 'rules'; source: string; backupDir: string | undefined; account: Account; report: Extract<ConnectionReport, {ok: true}>; chosen: PlannedFolder[]; all: PlannedFolder[]; prefix: string | undefined; rules: readonly FolderRule[]}
	| {step: 'confirm'; source: string; backupDir: string | undefined; account: Account; report: Extract<ConnectionReport, {ok: true}>; chosen: PlannedFolder[]; all: PlannedFolder[]; prefix: string | undefined; rules: readonly FolderRule[]; sieveRules?: RulesChoice; rulesLine?: string}
	| {step: 'run'; running: RunningMigration; finish?: FinishInfo}
	| {step: 'cancelled'};

export function Wizard({services, defaultBackupDir, connections = 4}: Props) {
	const [state, setState] = useState<State>({step: 'find'});
	const {exit} = useApp();
	const destination = (a: Account): string => `${a.security === 'tls' ? 'imaps' : 'imap'}://${a.user}@${a.host}:${a.port}`;

	const loadFolders = useCallback((prefix: string | undefined, rules: readonly FolderRule[]) => {
		if (state.step !== 'folders') return Promise.resolve([]);
		return services.planFolders(state.source, state.account, prefix, rules);
	}, [services, state.step === 'folders' ? state.source : '']);

	const loadRules = useCallback((): Promise<RulesPreview | undefined> => {
		if (state.step !== 'rules' || !services.previewRules) return Promise.resolve(undefined);
		return services.previewRules(state.source, state.account, {prefix: state.prefix, rules: state.rules, excludes: excludesOf(state.all, state.chosen)});
	}, [services, state.step]);

	switch (state.step) {
		case 'find':
			return <FindStep services={services} onDone={(source, details) => setState({step: 'backup', source, details})} />;
		case 'backup':
			return <BackupStep canBackup={services.canBackup} defaultDir={defaultBackupDir} onDone={(backupDir) => setState({step: 'account', source: state.source, details: state.details, backupDir})} />;
		case 'account':
			return <AccountStep services={services} onDone={(account, report) => setState({...state, step: 'folders', account, report})} />;
		case 'folders':
			return (
				<FoldersStep load={loadFolders} freeBytes={state.report.quota ? state.report.quota.limitBytes - state.report.quota.usedBytes : undefined}
					onDone={(chosen, all, prefix, rules) => setState({step: services.previewRules ? 'rules' : 'confirm', source: state.source, backupDir: state.backupDir, account: state.account, report: state.report, chosen, all, prefix, rules})} />
			);
		case 'rules':
			return <RulesStep load={loadRules} onDone={(choice, preview) => setState({...state, step: 'confirm', ...(choice ? {sieveRules: choice} : {}), ...(preview ? {rulesLine: rulesLine(choice, preview)} : {})})} />;
		case 'confirm': {
			const bytes = state.chosen.reduce((n, f) => n + (f.bytes ?? 0), 0);
			const messages = state.chosen.every((f) => f.count !== undefined) ? state.chosen.reduce((n, f) => n + (f.count ?? 0), 0) : undefined;
			// Estimate: each upload waits about 2 round trips (imapflow sends large literals synchronously) per
			// connection, plus the bytes at a conservative 5 MB/s; the dashboard then shows the measured rate.
			const perMessage = Math.max(2, 2 * state.report.roundTripMs) / 1000 / connections;
			const estimate = messages === undefined ? undefined : messages * perMessage + bytes / 5e6;
			const excludes = excludesOf(state.all, state.chosen);
			return (
				<ConfirmStep source={state.source} destination={destination(state.account)} folders={state.chosen.length} messages={messages} bytes={bytes}
					backupDir={state.backupDir} estimateSeconds={estimate} {...(state.rulesLine ? {rules: state.rulesLine} : {})}
					mapping={[...(state.prefix ? [`everything below ${state.prefix}`] : []), ...state.rules.map((r) => `${r.from} → ${r.to}`)]}
					onCancel={() => {
						setState({step: 'cancelled'});
						setTimeout(exit, 50);
					}}
					onConfirm={() => {
						void services.startMigration({source: state.source, account: state.account, excludes, connections, rules: state.rules,
							...(state.prefix ? {prefix: state.prefix} : {}), ...(state.backupDir ? {backupDir: state.backupDir} : {}), ...(state.sieveRules ? {sieveRules: state.sieveRules} : {})}).then((running) => {
							setState({step: 'run', running});
							void running.done.then((finish) => {
								setState({step: 'run', running, finish});
							});
						});
					}} />
			);
		}
		case 'run':
			return (
				<MigrationApp store={state.running.store} controls={state.running.controls} title={state.running.title} initialConnections={connections} reservedRows={1}
					onExit={exit} {...(state.finish ? {finish: state.finish} : {})} />
			);
		case 'cancelled':
			return <Text>Nothing was changed. Run mailshift again when you are ready.</Text>;
	}
}

/** The folders left out, as --exclude patterns (glob characters in a name match themselves only as '?'). */
function excludesOf(all: readonly PlannedFolder[], chosen: readonly PlannedFolder[]): string[] {
	return all.filter((f) => !chosen.includes(f)).map((f) => f.label.replace(/[*?[\]\\]/g, '?'));
}

/** The confirm screen's "Rules" line for the user's choice. */
function rulesLine(choice: RulesChoice | undefined, preview: RulesPreview): string {
	if (preview.problem) return 'not carried (the filters could not be read)';
	if (!choice) return `${preview.filters} filters: not installed${preview.serverRules === 0 ? ' (none can run on the server)' : ' (your choice)'}`;
	if (!choice.install) return `${preview.serverRules} server rules saved to ${choice.outFile ?? 'a file'} after the mail`;
	return `${plural(preview.serverRules, 'server rule')} installed after the mail${choice.onActive === 'include' ? `, after your "${preview.activeScript ?? ''}"` : choice.onActive === 'replace' ? `, instead of your "${preview.activeScript ?? ''}" (kept)` : ''}`;
}

/** Frame around the wizard: a title line. */
export function WizardScreen(props: Props) {
	return (
		<Box flexDirection="column">
			<Text bold color="cyan">mailshift — move your mail from this computer to IMAP, so every device sees it</Text>
			<Wizard {...props} />
		</Box>
	);
}
