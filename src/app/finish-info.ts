/**
 * FinishInfo: how a migration ended, as the finish screen (tui/components/finish.tsx) and the guided mode
 * show it. Built by app/migrate.ts from the run's result; plain data, no rendering.
 */
export type FinishInfo = Readonly<{
	interrupted: boolean;
	stopReason?: string;
	/** What a stopped run did not send yet (`Summary.notSent`): the finish screen says how many, as the CLI does. */
	notSent?: Readonly<{messages: number; isExact: boolean}>;
	error?: string;
	/** What the person can do about `error`, in words that work in the guided mode (no CLI options). */
	hint?: string;
	/**
	 * Warnings that need the person's judgement (`ATTENTION_CODES`, e.g. MBOX_MERGE_SUSPECTED: the CLI exits 5):
	 * how many, and the first one with its own advice. The run is then not "Done", whatever else went well.
	 */
	attention?: Readonly<{count: number; codes: readonly string[]; first: Readonly<{location: string; reason: string}>}>;
	journalPath?: string;
	reportPath?: string;
	/** The exact command that continues this run (shell-quoted, no secrets). */
	resumeCommand?: string;
	/** The exact `mailshift verify …` command for this source, destination and mapping (shell-quoted, no secrets). */
	verifyCommand?: string;
	/** The result of the automatic verify, one line. */
	verify?: string;
	/** The same as data: true when every message was on the server exactly once; absent when verify did not run. */
	isVerified?: boolean;
	/** The rules step (`migrate --rules`, the guided mode's rules step), one line; `isRulesOk` false: yellow. */
	rules?: string;
	isRulesOk?: boolean;
	dryRun: boolean;
}>;
