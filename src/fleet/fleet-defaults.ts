/**
 * Defaults of the fleet commands that the CLI's option tables show in --help: kept in a module that imports
 * nothing, so that `mailshift --help` does not load pg, pg-boss or the migration code (issue #14, start-up).
 */

/** Rows (mailboxes) one worker migrates at the same time: 2 keeps a 2-core worker's CPU for the uploads. */
export const DEFAULT_WORKER_CONCURRENCY = 2;
