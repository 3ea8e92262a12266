// Renders the pg-mirror benchmark figures (bench/mirror-bench.ts) as text.

import type { LoadResult } from './mirror-bench-load.js';
import type { MirrorOutcome } from './results.js';

/** Build and serve figures with their targets; a failed build is shown as a failure. */
export function renderMirror(outcome: MirrorOutcome): string {
  if (outcome.status === 'failed') return `pg-mirror benchmark\n  FAIL  ${outcome.error}`;
  const { repository, build, serve } = outcome.result;
  const nginx = typeof serve.nginx === 'string' ? serve.nginx : load(serve.nginx);
  const ratio = serve.ratioToNginx === null ? '-' : `${serve.ratioToNginx}× nginx`;
  return [
    `pg-mirror benchmark (${repository.bins} bins, ${repository.targets} targets; git repository generated in ${repository.generateMs} ms)`,
    `  build, cold:                 ${build.cold.ms} ms (${build.cold.written} files written, ${build.cold.hashedArtifacts} artifacts hashed)`,
    `  build, one bin changed:      ${build.afterOneBinChanged.ms} ms (${build.afterOneBinChanged.written} written) — ${build.ratio}× cold, target < 0.10: ${build.ratioOk ? 'PASS' : 'MISS'}`,
    `  build, no change:            ${build.noChange.ms} ms (${build.noChange.written} written)`,
    `  serve ${serve.paths.length} small metadata files, ${serve.connections} keep-alive connections:`,
    `    pg-mirror serve:           ${load(serve.pgMirror)}`,
    `    nginx:                     ${nginx}`,
    `    ratio:                     ${ratio}`,
  ].join('\n');
}

function load(result: LoadResult): string {
  return `${result.requestsPerSecond} req/s, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, ${result.errors} errors`;
}
