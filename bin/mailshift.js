#!/usr/bin/env node
// Thin launcher: all logic lives in dist/bundle/main.js (src/ compiled by `tsc`, then bundled by
// build/bundle.mjs: `npm run build`).
// The young generation is bounded before anything else is loaded (src/cli/young-generation.ts, issue #14).
import {boundYoungGeneration} from '../dist/bundle/young-generation.js';
boundYoungGeneration();
const {main} = await import('../dist/bundle/main.js');
process.exitCode = await main(process.argv.slice(2));
