#!/usr/bin/env node
// Thin executable: all behaviour lives in src/cli (built to dist/src/cli).
import './node-check.js';

const { main } = await import('../dist/src/cli/main-download.js');
await main(process.argv.slice(2));
