/**
 * The CLI from source, as a child process (`node --import tsx test/helpers/cli-entry.ts ARGS…`): what
 * bin/mailshift.js does with dist/, without a build. For tests that run several CLI processes at once (fleet
 * workers) and signal them.
 */
import {main} from '../../src/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
