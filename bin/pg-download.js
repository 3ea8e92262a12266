#!/usr/bin/env node
// Thin executable: all behaviour lives in src/cli (built to dist/src/cli).
import('../dist/src/cli/main-download.js').then((m) => m.main(process.argv.slice(2)));
