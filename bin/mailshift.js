#!/usr/bin/env node
// Thin launcher: all logic lives in dist/cli/main.js (built from src/ by `npm run build`).
// The young generation is bounded before anything else is loaded (src/cli/young-generation.ts, issue #14).
import {boundYoungGeneration} from '../dist/cli/young-generation.js';
boundYoungGeneration();
const {main} = await import('../dist/cli/main.js');
process.exitCode = await main(process.argv.slice(2));
