/**
 * Presenter: how a use-case shows progress, supplied by its caller. The CLI's (cli/presenter.ts) gives
 * line reporters and loads the ink views on a terminal; the guided mode and batch rows render themselves
 * (`ExternalPresentation`); tests and fleet workers may pass none (then progress is not shown at all).
 * This is what keeps app/ free of cli/ and tui/ imports (docs/architecture.md).
 */
import type {EngineControls} from '../contracts/controls.js';
import type {Reporter} from '../contracts/reporter.js';
import type {StatsSnapshot, StatsStore} from '../engine/stats.js';
import type {FinishInfo} from './finish-info.js';

/** The live migration dashboard: started after the password prompt, finished with the finish screen. */
export type Dashboard = Readonly<{
	start(): void;
	/** Shows the finish screen, then unmounts. */
	finish(info: FinishInfo): Promise<void>;
	stop(): void;
}>;

export type DashboardOptions = Readonly<{store: StatsStore; controls: EngineControls; title: string; connections: number; stdout: NodeJS.WriteStream; stdin: NodeJS.ReadStream}>;

/** One row of the batch view. */
export type FleetRow = Readonly<{id: string; state: 'waiting' | 'running' | 'ok' | 'failed' | 'interrupted'; snapshot?: StatsSnapshot; connections?: number}>;

export type FleetViewOptions = Readonly<{title: string; rows: () => readonly FleetRow[]; stdout: NodeJS.WriteStream}>;

export interface Presenter {
	/** The progress reporter of a plain (`statsIntervalMs` between lines) or `--json` run. */
	reporter(options: Readonly<{json: boolean; statsIntervalMs: number; stdout: NodeJS.WriteStream; stderr: NodeJS.WriteStream}>): Reporter;
	/** Optional capability: the ink dashboard, loaded on first use (plain runs never load React). */
	dashboard?(options: DashboardOptions): Promise<Dashboard>;
	/** Optional capability: the batch view of all rows; `stop()` draws it a last time and unmounts. */
	fleetView?(options: FleetViewOptions): Promise<{stop(): void}>;
}

/** A reporter that shows nothing: for callers without a presenter. */
export const SILENT_REPORTER: Reporter = {onEvent: () => undefined, start: () => undefined, stop: () => undefined};
