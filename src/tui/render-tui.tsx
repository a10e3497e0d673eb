/**
 * The only file that calls ink's render(). Returns a Reporter for `mailshift migrate` on a terminal:
 * it feeds engine events into a StatsStore and renders MigrationApp to stderr (stdout stays for results),
 * at most 10 frames a second, with Ctrl-C handled as keys (first: graceful stop; second: abort).
 * Loaded with a dynamic import by the CLI, so plain and JSON runs never load React.
 */
import {render} from 'ink';
import type {Instance} from 'ink';
import type {EngineControls} from '../contracts/controls.js';
import type {EngineEvent} from '../contracts/events.js';
import type {StatsStore} from '../engine/stats.js';
import {MigrationApp} from './app.js';
import {WizardScreen} from './wizard.js';
import {FleetView} from './fleet.js';
import type {FleetRow} from '../app/presenter.js';
import type {WizardServices} from '../app/wizard-services.js';
import type {FinishInfo} from '../app/finish-info.js';

export type TuiReporter = Readonly<{
	onEvent(event: EngineEvent): void;
	start(): void;
	/** Shows the finish screen, then unmounts. */
	finish(info: FinishInfo): Promise<void>;
	stop(): void;
}>;

export function renderTui(options: Readonly<{store: StatsStore; controls: EngineControls; title: string; connections: number; stdout: NodeJS.WriteStream; stdin: NodeJS.ReadStream}>): TuiReporter {
	const {store} = options;
	let instance: Instance | undefined;
	let ticker: NodeJS.Timeout | undefined;
	const element = (finish?: FinishInfo) => (
		<MigrationApp store={store} controls={options.controls} title={options.title} initialConnections={options.connections} {...(finish ? {finish} : {})} />
	);
	return {
		onEvent: () => {
			// The store is fed by the CLI from the start of the run (connections opened before the dashboard count).
		},
		start: () => {
			ticker = setInterval(store.tick, 1000);
			instance = render(element(), {stdout: options.stdout, stdin: options.stdin, exitOnCtrlC: false, patchConsole: false, maxFps: 10});
		},
		finish: async (info) => {
			clearInterval(ticker);
			if (!instance) return;
			store.refresh();
			instance.rerender(element(info));
			await new Promise((resolve) => setTimeout(resolve, 150));
			instance.unmount();
			instance = undefined;
		},
		stop: () => {
			clearInterval(ticker);
			instance?.unmount();
			instance = undefined;
		},
	};
}

/** Runs the guided wizard full-screen until the user finishes or cancels. */
export async function renderWizard(options: Readonly<{services: WizardServices; defaultBackupDir: string; stdout: NodeJS.WriteStream; stdin: NodeJS.ReadStream}>): Promise<void> {
	const instance = render(<WizardScreen services={options.services} defaultBackupDir={options.defaultBackupDir} />, {stdout: options.stdout, stdin: options.stdin, exitOnCtrlC: true, patchConsole: false, maxFps: 10});
	await instance.waitUntilExit();
}

/** The batch fleet view on a terminal; `stop()` leaves the last frame on screen. */
export function renderFleet(options: Readonly<{title: string; rows: () => readonly FleetRow[]; stdout: NodeJS.WriteStream}>): {stop(): void} {
	const instance = render(<FleetView title={options.title} rows={options.rows} />, {stdout: options.stdout, patchConsole: false, exitOnCtrlC: false, maxFps: 4});
	return {
		stop: () => {
			instance.rerender(<FleetView title={options.title} rows={options.rows} isFinal />);
			instance.unmount();
		},
	};
}
