/**
 * WizardServices for the real world: store discovery on this machine, server guesses, a connection test,
 * folder planning and starting a migration — the wizard (src/tui/wizard.tsx) knows only the interface.
 * The services come in groups, one file each: wizard-store-services.ts (discover, inspect, complete),
 * wizard-server-services.ts (guessServer, testConnection), wizard-plan-services.ts (planFolders,
 * previewRules), wizard-run-services.ts (startMigration); what they share is wizard-context.ts.
 */
import {homedir} from 'node:os';
import type {CliIo} from './migrate.js';
import type {StoreDetails, WizardServices} from './wizard-services.js';
import type {WizardContext} from './wizard-context.js';
import {storeServices} from './wizard-store-services.js';
import {serverServices} from './wizard-server-services.js';
import {planServices} from './wizard-plan-services.js';
import {runServices} from './wizard-run-services.js';

export {wizardCommands} from './wizard-run-services.js';

/**
 * `sievePort`: where ManageSieve listens on the IMAP host (`mailshift tui --sieve-port`). @default 4190
 */
export function createWizardServices(io: CliIo, options: Readonly<{sievePort?: number}> = {}): WizardServices {
	const env = io.env;
	const ctx: WizardContext = {
		io, env, home: env['HOME'] || homedir(), sievePort: options.sievePort ?? 4190,
		details: new Map<string, StoreDetails>(), counted: new Map<string, Map<string, number>>(),
	};
	return {canBackup: true, ...storeServices(ctx), ...serverServices(ctx), ...planServices(ctx), ...runServices(ctx)};
}
