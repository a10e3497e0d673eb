/**
 * The CLI's Presenter (app/presenter.ts): plain lines or NDJSON on the given streams, and the ink views
 * loaded with a dynamic import only when asked for, so plain and JSON runs never load React.
 */
import type {Presenter} from '../app/presenter.js';
import {JsonReporter} from './reporters/json.js';
import {PlainReporter} from './reporters/plain.js';

export const CLI_PRESENTER: Presenter = {
	reporter: ({json, statsIntervalMs, stdout, stderr}) => json
		? new JsonReporter((line) => stdout.write(`${line}\n`))
		: new PlainReporter((line) => stderr.write(`${line}\n`), statsIntervalMs),
	dashboard: async (options) => (await import('../tui/render-tui.js')).renderTui(options),
	fleetView: async (options) => (await import('../tui/render-tui.js')).renderFleet(options),
};
